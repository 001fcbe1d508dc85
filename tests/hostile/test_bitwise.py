"""The same data and seed give the same features and the same model, bit for bit, across
separate runs (DuckDB adds floats in parallel in a different order on every run); SQL takes
paths quoted."""

from __future__ import annotations

import tempfile

import pandas as pd
import pytest
from fanaudit.features.loading import staged_dataset
from fanaudit.features.pipeline import compute_features

pytestmark = pytest.mark.slow  # the session's simulated world


def features_once(folder) -> pd.DataFrame:
    with staged_dataset(folder) as staged:
        return compute_features(staged).sort_values("account_id").reset_index(drop=True)


def test_two_feature_runs_are_identical_bit_for_bit(small_world):
    first, second = features_once(small_world.path), features_once(small_world.path)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    floats = first.select_dtypes("float").columns
    assert len(floats) > 20
    for column in floats:  # same bits, NaN where NaN
        a, b = first[column].to_numpy(), second[column].to_numpy()
        assert (a.view("u8") == b.view("u8")).all(), column


def test_two_trainings_from_separate_stagings_give_the_same_model_text(small_world):
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.train import load_training_data, train_model

    config = TrainConfig(n_estimators=30, n_folds=2, bootstrap=0, seed=8)
    texts = []
    for _ in range(2):
        with staged_dataset(small_world.path) as staged:
            outcome = train_model(load_training_data(staged, config), config)
        texts.append(
            (
                outcome.model.booster.model_to_string(),
                outcome.model.thresholds,
                outcome.model.calibration,
            )
        )
    assert texts[0] == texts[1]


def test_staged_paths_with_quotes_reach_every_sql_query(small_world, tmp_path, monkeypatch):
    from fanaudit.models.scoring import followers_of
    from fanaudit.training.groups import account_groups
    from fanaudit.training.train import first_event_seconds

    odd = tmp_path / 'it\'s "odd"'
    odd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(odd))
    with staged_dataset(small_world.path) as staged:
        assert "'" in str(staged.root)
        ids = pd.read_parquet(staged.tables["accounts"].staged)["account_id"]
        assert len(followers_of(staged, small_world.streamer)) > 0
        assert len(account_groups(staged, ids)[0]) == len(ids)
        assert len(first_event_seconds(staged, ids)) == len(ids)
