"""One MLflow run per training: params, metrics, dataset lineage, plots, the model (with
signature, input example and explicit pip requirements) and its registration."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd
from mlflow.data.meta_dataset import MetaDataset
from mlflow.data.dataset_source import DatasetSource
from mlflow.models import infer_signature

from fanaudit.models import pyfunc_model
from fanaudit import __version__
from fanaudit.features.registry import FEATURE_NAMES, registry_version
from fanaudit.models.explain import explain
from fanaudit.models.store import (
    ARTIFACT_KEY,
    PROCESS_TAG,
    ensure_experiment,
    needs_champion,
    process_identity,
    set_champion,
)
from fanaudit.training import plots
from fanaudit.training.config import TrainConfig
from fanaudit.training.groups import GroupSummary
from fanaudit.training.train import NEVER_HELD_OUT, TrainingData, TrainOutcome


@dataclass(frozen=True)
class RunResult:
    """One training: its MLflow run, the registered version and its held-out metrics."""

    run_id: str
    version: str
    champion: bool
    metrics: dict[str, float]
    tracking_uri: str
    groups: GroupSummary | None = None
    group_warning: str | None = None
    model_name: str = ""

    @property
    def model_uri(self) -> str:
        """The registered version's URI (models:/NAME/VERSION)."""
        return f"models:/{self.model_name}/{self.version}"


class FolderSource(DatasetSource):
    """A dataset folder as an MLflow dataset source (lineage only; nothing is uploaded)."""

    def __init__(self, path: str):
        self.path = path

    @staticmethod
    def _get_source_type() -> str:
        return "fanaudit_folder"

    def load(self, **kwargs):
        return self.path

    @staticmethod
    def _can_resolve(raw_source) -> bool:
        return False

    @classmethod
    def _resolve(cls, raw_source):
        return cls(str(raw_source))

    def to_dict(self) -> dict:
        return {"path": self.path}

    @classmethod
    def from_dict(cls, source_dict: dict) -> FolderSource:
        return cls(source_dict["path"])


def pip_requirements() -> list[str]:
    """Explicit requirements: inferring them costs seconds per model. The pyfunc imports
    `fanaudit.models.artifact`, so the model depends on the fanaudit package itself."""
    return [
        f"fanaudit=={__version__}",
        f"mlflow=={mlflow.__version__}",
        f"lightgbm=={lgb.__version__}",
        f"numpy=={np.__version__}",
        f"pandas=={pd.__version__}",
    ]


def log_params(data: TrainingData, config: TrainConfig) -> None:
    mlflow.log_params(config.model_dump())
    rows = data.staged.rows()
    mlflow.log_params(
        {
            "dataset_fingerprint": data.staged.fingerprint[:16],
            "dataset_accounts": data.staged.accounts,
            "labelled_accounts": len(data.labels),
            "feature_registry_version": registry_version(),
            "n_features": len(FEATURE_NAMES),
            **(data.group_summary.as_params() if data.group_summary else {}),
            **{f"rows_{name}": count for name, count in rows.items()},
        }
    )
    if data.group_summary is not None:
        mlflow.set_tag("validation_groups", data.group_summary.sentence())
        warning = data.group_summary.warning(config.n_folds)
        if warning:
            mlflow.set_tag("validation_groups_warning", warning)
    dataset = MetaDataset(
        source=FolderSource(str(data.staged.source)),  # type: ignore[abstract]
        name=data.staged.source.name,
        digest=data.staged.fingerprint[:16],
    )
    mlflow.log_input(dataset, context="training")


def log_plots(data: TrainingData, outcome: TrainOutcome, folder: Path, seed: int) -> None:
    held = outcome.folds != NEVER_HELD_OUT
    p, y = outcome.held_out_probability[held], data.y[held]
    thresholds = outcome.model.thresholds
    plots.pr_curve_plot(p, y, folder / "pr_curve.png")
    plots.calibration_plot(p, y, folder / "calibration_curve.png")
    plots.confusion_plot(p, y, thresholds, folder / "confusion_matrix.png")
    sample = data.features.sample(min(plots.SHAP_SAMPLE, len(data.features)), random_state=seed)
    contributions = explain(outcome.model, sample).contributions
    plots.shap_summary_plot(
        contributions, sample.loc[:, list(FEATURE_NAMES)], folder / "shap_summary.png"
    )
    outcome.evaluation.groups.to_csv(folder / "per_kind.csv", index=False)
    mlflow.log_artifacts(str(folder), artifact_path="evaluation")


def log_model(outcome: TrainOutcome, data: TrainingData, config: TrainConfig):
    example = data.features.loc[:, list(FEATURE_NAMES)].head(5)
    signature = infer_signature(example, pyfunc_model.predictions(outcome.model, example))
    with tempfile.TemporaryDirectory(prefix="fanaudit-train-") as folder:
        model_dir = outcome.model.save(Path(folder) / ARTIFACT_KEY)
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=pyfunc_model.__file__,
            artifacts={ARTIFACT_KEY: str(model_dir)},
            pip_requirements=pip_requirements(),
            signature=signature,
            input_example=example,
            registered_model_name=config.model_name,
        )


def start_training_run(config: TrainConfig):
    """Open the run a training logs into (tuning trials nest inside it)."""
    mlflow.set_experiment(experiment_id=ensure_experiment(config.experiment))
    return mlflow.start_run(tags={PROCESS_TAG: process_identity()})  # tells a killed run apart


def log_training_run(
    data: TrainingData,
    outcome: TrainOutcome,
    config: TrainConfig,
    promote: bool,
    tracking_uri: str,
    first_is_champion: bool = True,
) -> RunResult:
    """Log everything about a trained model into the active run and register it; the
    version becomes `champion` when promoted, or (with `first_is_champion`) when it is the
    model's first."""
    run = mlflow.active_run()
    assert run is not None, "log_training_run needs an active run (start_training_run)"
    metrics = outcome.evaluation.flat_metrics()
    log_params(data, config)
    mlflow.log_metrics({k: v for k, v in metrics.items() if np.isfinite(v)})
    mlflow.log_metrics({f"calibration_brier_{m}": b for m, b in outcome.calibration_brier.items()})
    kinds = outcome.model.metadata.get("kind_model", {})
    mlflow.log_metrics(kinds.get("metrics", {}))
    mlflow.set_tag("kind_model", kinds.get("note", ""))
    mlflow.set_tags(
        {
            "calibration": outcome.model.calibration.method,
            "threshold_bot": f"{outcome.model.thresholds.bot:.6f}",
            "threshold_human": f"{outcome.model.thresholds.human:.6f}",
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        log_plots(data, outcome, Path(folder), config.seed)
    info = log_model(outcome, data, config)
    version = str(info.registered_model_version)
    # The first version becomes champion; so does the next one after a training killed
    # between registering its version and setting the alias (the store heals itself).
    champion = promote or (first_is_champion and needs_champion(config.model_name))
    if champion:
        set_champion(version, config.model_name)
    summary = data.group_summary
    return RunResult(
        run.info.run_id,
        version,
        champion,
        metrics,
        tracking_uri,
        summary,
        summary.warning(config.n_folds) if summary else None,
        config.model_name,
    )
