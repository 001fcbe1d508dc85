"""Runs are reproducible: the same data and seed give the same model and predictions."""

from __future__ import annotations

import numpy as np
import pytest

from features.loading import staged_dataset
from training.config import TrainConfig
from training.train import load_training_data, train_model

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
    assert not np.array_equal(a.model.predict_proba(data.features), b.model.predict_proba(data.features))
