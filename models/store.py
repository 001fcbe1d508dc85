"""Where models live: the MLflow tracking store and model registry.

By default fanaudit uses an embedded store in its home folder (``$FANAUDIT_HOME``, default
``~/.fanaudit``): ``mlflow.db`` (SQLite: runs and registry) and ``mlartifacts/``
(artifacts). ``MLFLOW_TRACKING_URI`` or an explicit URI points the same code at a real
MLflow server. Models are loaded by registry alias (``models:/fanaudit@champion``).

A model is refused when it was built with another version of the feature registry (its
features or reasons may mean something else now), unless the caller allows it. A training
killed between registering a version and moving the alias leaves a model without a
champion: the next training makes its version champion (`needs_champion`). Each run is
tagged with the process that ran it, so a run left RUNNING by a killed process is told
from one still running (`run_status`).
"""

from __future__ import annotations

import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from fanaudit.errors import ModelStoreError
from fanaudit.features.privacy import STORE_ENTRIES, fanaudit_home
from fanaudit.features.registry import registry_version
from fanaudit.models.artifact import FanauditModel, ModelArtifactError

os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

MODEL_NAME = "fanaudit"
CHAMPION = "champion"
ARTIFACT_KEY = "fanaudit"  # the model's artifacts/<key>/ holds model.txt + metadata.json
PROCESS_TAG = "fanaudit.process"  # host:pid:start-time of the process a run belongs to


def default_tracking_uri() -> str:
    return f"sqlite:///{fanaudit_home() / STORE_ENTRIES[0]}"


def default_artifact_root() -> str:
    return (fanaudit_home() / STORE_ENTRIES[1]).as_uri()


def use_tracking(uri: str | None = None) -> str:
    """Point MLflow at `uri`, $MLFLOW_TRACKING_URI, or the embedded default; return it."""
    resolved = uri or os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri()
    mlflow.set_tracking_uri(resolved)
    mlflow.set_registry_uri(resolved)
    return resolved


def ensure_experiment(name: str) -> str:
    """The experiment's id, creating it (artifacts in the home folder when the store is local)."""
    client = MlflowClient()
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = default_artifact_root() if mlflow.get_tracking_uri().startswith("sqlite:") else None
    try:
        return client.create_experiment(name, artifact_location=location)
    except MlflowException:  # created meanwhile by a concurrent run
        return client.get_experiment_by_name(name).experiment_id


def champion_uri(name: str = MODEL_NAME) -> str:
    return f"models:/{name}@{CHAMPION}"


@dataclass(frozen=True)
class LoadedModel:
    model: FanauditModel
    uri: str
    version: str  # registered version, or "unregistered"


def registered_version(uri: str) -> str:
    """The registry version a models:/ URI names (alias or number), else 'unregistered'."""
    if not uri.startswith("models:/"):
        return "unregistered"
    name, _, ref = uri[len("models:/"):].partition("@")
    client = MlflowClient()
    if ref:
        return str(client.get_model_version_by_alias(name, ref).version)
    name, _, number = uri[len("models:/"):].partition("/")
    return number


class RegistryMismatchError(ModelStoreError):
    """The model was built with another version of the feature registry."""


def check_registry(model: FanauditModel, uri: str) -> None:
    built, current = model.metadata.get("registry_version"), registry_version()
    if built != current:
        raise RegistryMismatchError(
            f"model {uri} was built with feature registry {built or 'unknown'}, this fanaudit "
            f"has {current}: its features or reasons may differ; retrain, or allow the "
            "mismatch explicitly")


def load_model(uri: str | None = None, *, allow_registry_mismatch: bool = False) -> LoadedModel:
    """Download a logged fanaudit model (registry alias, version, runs:/ or a folder) and
    load it; refuse one built with another feature registry unless allowed."""
    uri = uri or champion_uri()
    local = Path(uri)
    if local.is_dir():
        folder = local / "artifacts" / ARTIFACT_KEY if (local / "artifacts").is_dir() else local
        loaded = LoadedModel(FanauditModel.load(folder), uri, "unregistered")
    else:
        loaded = download_model(uri)
    if not allow_registry_mismatch:
        check_registry(loaded.model, uri)
    return loaded


def download_model(uri: str) -> LoadedModel:
    with tempfile.TemporaryDirectory(prefix="fanaudit-model-") as target:
        try:
            version = registered_version(uri)
            path = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=target)
        except MlflowException as exc:
            raise ModelArtifactError(
                f"cannot load model {uri!r} from {mlflow.get_tracking_uri()}: {exc.message}. "
                + missing_champion_hint(uri)) from exc
        model = FanauditModel.load(Path(path) / "artifacts" / ARTIFACT_KEY)  # read into memory
    return LoadedModel(model, uri, version)


def missing_champion_hint(uri: str) -> str:
    """What to do when a model cannot be found: train, or promote an orphaned version."""
    name = uri[len("models:/"):].partition("@")[0] if uri.startswith("models:/") else None
    try:
        versions = MlflowClient().search_model_versions(f"name = {mlflow_string(name)}") if name else []
    except MlflowException:
        versions = []
    if versions:
        return (f"Model {name!r} has {len(versions)} version(s) but no {CHAMPION!r} (a training "
                "was interrupted?): promote one, or train again (the next training becomes "
                "champion).")
    return "Train a model first, or name another model."


def mlflow_string(text: str) -> str:
    """A quoted string literal for an MLflow search filter."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def set_champion(version: str, name: str = MODEL_NAME) -> None:
    MlflowClient().set_registered_model_alias(name, CHAMPION, str(version))


def needs_champion(name: str = MODEL_NAME) -> bool:
    """Whether model `name` has no champion (never had one, or its first registration was
    interrupted before the alias was set): then the next trained version becomes it."""
    return not has_champion(name)


def process_identity(pid: int | None = None) -> str:
    """host:pid:start-time of a process (the start time tells a reused pid apart)."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{process_start(pid)}"


def process_start(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "?"
    return stat.rpartition(")")[2].split()[19]  # field 22, starttime in clock ticks


def run_status(status: str, tags: dict[str, str]) -> str:
    """A run's status, with RUNNING runs whose process is gone on this host shown as DIED."""
    if status != "RUNNING":
        return status
    host, _, rest = tags.get(PROCESS_TAG, "").partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return status  # another machine's (or an untagged) run: cannot tell
    alive = Path(f"/proc/{pid}").exists() and process_start(int(pid)) == started
    return status if alive else "DIED"


def has_champion(name: str = MODEL_NAME) -> bool:
    try:
        MlflowClient().get_model_version_by_alias(name, CHAMPION)
        return True
    except MlflowException:
        return False
