"""Recent training runs with headline metrics, for comparing runs from the command line."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from mlflow import MlflowClient

from fanaudit.models.store import CHAMPION, run_status, use_tracking
from fanaudit.settings import current


@dataclass(frozen=True)
class RunRow:
    """One training run: when, its headline held-out metrics and the version it registered."""

    run_id: str
    started: str
    version: str  # "-" when the run registered no version
    roc_auc: float
    pr_auc: float
    recall_at_fpr: float
    brier: float
    champion: bool
    model: str = ""  # the registered model's name
    status: str = "FINISHED"  # MLflow's status; DIED for a RUNNING run whose process is gone

    @property
    def model_uri(self) -> str | None:
        """models:/NAME/VERSION of the version this run registered, if any."""
        return f"models:/{self.model}/{self.version}" if self.model else None


def recent_runs(
    experiment: str | None = None,
    limit: int = 10,
    tracking_uri: str | None = None,
    model_name: str | None = None,
) -> list[RunRow]:
    """The `limit` latest runs of `experiment` (default: the settings'), newest first, each
    with the version it registered (of `model_name` only, when given: e.g. the demo's
    `fanaudit-demo` and a team's `fanaudit` may share an experiment)."""
    experiment = experiment or current().experiment
    use_tracking(tracking_uri)
    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    runs = client.search_runs(
        [found.experiment_id], order_by=["attributes.start_time DESC"], max_results=limit
    )
    rows = []
    aliases: dict[str, dict[str, str]] = {}  # model name -> alias -> version
    for run in runs:
        m = run.data.metrics
        versions = [
            v
            for v in client.search_model_versions(f"run_id = '{run.info.run_id}'")
            if model_name is None or v.name == model_name
        ]
        version = versions[0] if versions else None
        if version is not None and version.name not in aliases:
            found_aliases = client.get_registered_model(version.name).aliases or {}
            aliases[version.name] = {k: str(v) for k, v in found_aliases.items()}
        rows.append(
            RunRow(
                run.info.run_id,
                datetime.fromtimestamp(run.info.start_time / 1000, UTC).strftime("%Y-%m-%d %H:%M"),
                str(version.version) if version else "-",
                m.get("roc_auc", math.nan),
                m.get("pr_auc", math.nan),
                m.get("recall_at_fpr", math.nan),
                m.get("brier", math.nan),
                version is not None and aliases[version.name].get(CHAMPION) == str(version.version),
                version.name if version else "",
                run_status(run.info.status, run.data.tags),
            )
        )
    return rows
