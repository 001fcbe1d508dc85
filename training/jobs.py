"""The training job: a dataset folder in, a tracked and registered model out."""

from __future__ import annotations

from pathlib import Path

from features.loading import staged_dataset
from models.store import use_tracking
from training.config import TrainConfig
from training.tracking import RunResult, log_training_run
from training.train import Progress, load_training_data, train_model


def train_from_folder(data_dir: Path, config: TrainConfig, *, promote: bool = False,
                      tracking_uri: str | None = None, allow_unknown: bool = False,
                      progress: Progress | None = None) -> RunResult:
    uri = use_tracking(tracking_uri)
    with staged_dataset(Path(data_dir), allow_unknown=allow_unknown, progress=progress) as staged:
        data = load_training_data(staged, config, progress)
        outcome = train_model(data, config, progress)
        if progress:
            progress("logging to MLflow")
        return log_training_run(data, outcome, config, promote, uri)
