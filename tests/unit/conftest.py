"""Shared fixtures for the feature tests: write tiny datasets, stage them, compute features."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.loading import staged_dataset
from features.pipeline import compute_features


def write_dataset(folder: Path, tables: dict[str, list[dict] | pd.DataFrame]) -> Path:
    """Write each table as NAME.csv in `folder` (created if needed) and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def features_of(folder: Path, engine: str = "duckdb") -> pd.DataFrame:
    """The feature table of a dataset folder, indexed by account_id."""
    with staged_dataset(folder) as staged:
        return compute_features(staged, engine=engine).set_index("account_id")


@pytest.fixture
def featurize(tmp_path, monkeypatch):
    """featurize(tables) -> features indexed by account_id, for a dataset written in tmp_path."""
    monkeypatch.setenv("FANAUDIT_SECRET", "unit-test-secret")
    counter = iter(range(1_000))

    def run(tables: dict[str, list[dict] | pd.DataFrame]) -> pd.DataFrame:
        return features_of(write_dataset(tmp_path / f"ds{next(counter)}", tables))

    return run


def accounts(*ids: str, created_at: str = "2026-01-01T00:00:00Z") -> list[dict]:
    """Minimal account rows, all registered at `created_at`."""
    return [{"account_id": i, "created_at": created_at} for i in ids]


@pytest.fixture
def make_accounts():
    """The `accounts` row helper, as a fixture for test modules."""
    return accounts
