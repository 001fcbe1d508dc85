"""The training job: a dataset folder in, a tracked and registered model out."""

from __future__ import annotations


from fanaudit.features.dataset import DataSource, opened
from fanaudit.models.store import use_tracking
from fanaudit.training.config import TrainConfig
from fanaudit.training.tracking import RunResult, log_training_run, start_training_run
from fanaudit.training.train import Progress, load_training_data, train_model


def train_from_folder(
    data_dir: DataSource,
    config: TrainConfig,
    *,
    promote: bool = False,
    tracking_uri: str | None = None,
    allow_unknown: bool = False,
    tune_trials: int = 0,
    progress: Progress | None = None,
    first_is_champion: bool = True,
) -> RunResult:
    """Train on a labelled dataset folder: one MLflow run, one new registered version.

    With `tune_trials`, an Optuna search (each trial a nested run) picks the LightGBM
    settings first; the run then logs the tuned config. `data_dir` is a dataset folder or
    a loaded `Dataset` (reused, not staged again).
    """
    uri = use_tracking(tracking_uri)
    with opened(data_dir, allow_unknown=allow_unknown, progress=progress) as dataset:
        data = load_training_data(
            dataset.staged, config, progress, features=dataset.features(progress)
        )
        with start_training_run(config):
            if tune_trials:
                from fanaudit.training.tuning import tune

                config = tune(data, config, tune_trials, progress)
            outcome = train_model(data, config, progress)
            if progress:
                progress("logging to MLflow")
            return log_training_run(data, outcome, config, promote, uri, first_is_champion)
