"""Recent training runs with headline metrics, for comparing runs from the command line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import math

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from fanaudit.models.store import CHAMPION, model_name as registered_name, use_tracking
from fanaudit.settings import current


@dataclass(frozen=True)
class RunRow:
    run_id: str
    started: str
    version: str
    roc_auc: float
    pr_auc: float
    recall_at_fpr: float
    brier: float
    champion: bool


def recent_runs(experiment: str | None = None, limit: int = 10, tracking_uri: str | None = None,
                model_name: str | None = None) -> list[RunRow]:
    """The `limit` latest runs of `experiment` (default: the settings'), newest first, with
    the version of `model_name` (default: the settings') each registered."""
    experiment = experiment or current().experiment
    model_name = registered_name(model_name)
    use_tracking(tracking_uri)
    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    runs = client.search_runs([found.experiment_id], order_by=["attributes.start_time DESC"],
                              max_results=limit)
    versions = {v.run_id: v for v in client.search_model_versions(f"name='{model_name}'")}
    try:
        champion = client.get_model_version_by_alias(model_name, CHAMPION).version
    except MlflowException:
        champion = None
    rows = []
    for run in runs:
        m = run.data.metrics
        version = versions.get(run.info.run_id)
        rows.append(RunRow(
            run.info.run_id,
            datetime.fromtimestamp(run.info.start_time / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M"),
            str(version.version) if version else "-",
            m.get("roc_auc", math.nan), m.get("pr_auc", math.nan),
            m.get("recall_at_fpr", math.nan), m.get("brier", math.nan),
            version is not None and str(version.version) == str(champion)))
    return rows
