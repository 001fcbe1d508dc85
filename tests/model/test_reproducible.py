"""Runs are reproducible: the same data and seed give the same model and predictions."""

from __future__ import annotations

import numpy as np
import pytest

from fanaudit.features.loading import staged_dataset
from fanaudit.training.config import TrainConfig
from fanaudit.training.train import load_training_data, train_model

pytestmark = pytest.mark.slow


def test_same_data_and_seed_give_identical_predictions(small_world):
    config = TrainConfig(n_estimators=40, n_folds=3, bootstrap=0, seed=21)
    with staged_dataset(small_world.path) as staged:
        data = load_training_data(staged, config)
        first = train_model(data, config)
        second = train_model(data, config)
    X = data.features
    assert np.array_equal(first.model.predict_proba(X), second.model.predict_proba(X))
    assert first.model.thresholds == second.model.thresholds
    assert np.array_equal(first.held_out_probability, second.held_out_probability, equal_nan=True)


def test_another_seed_gives_another_model(small_world):
    with staged_dataset(small_world.path) as staged:
        data = load_training_data(staged, TrainConfig(bootstrap=0))
        a = train_model(data, TrainConfig(n_estimators=40, n_folds=3, bootstrap=0, seed=1))
        b = train_model(data, TrainConfig(n_estimators=40, n_folds=3, bootstrap=0, seed=2))
    assert not np.array_equal(
        a.model.predict_proba(data.features), b.model.predict_proba(data.features)
    )


def test_tuning_logs_each_trial_as_a_nested_run(small_world, tmp_path):
    from mlflow import MlflowClient

    from fanaudit.training.jobs import train_from_folder

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    config = TrainConfig(n_estimators=30, n_folds=2, bootstrap=0, seed=4, experiment="tuning")
    result = train_from_folder(small_world.path, config, tracking_uri=uri, tune_trials=2)
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("tuning")
    children = client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{result.run_id}'"
    )
    assert len(children) == 2
    assert all("pr_auc" in child.data.metrics for child in children)
    parent = client.get_run(result.run_id)
    assert parent.data.metrics["tuning_best_pr_auc"] == max(
        c.data.metrics["pr_auc"] for c in children
    )
    assert result.version == "1"
