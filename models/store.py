"""Where models live: the MLflow tracking store and model registry.

By default fanaudit uses an embedded store in its home folder (``$FANAUDIT_HOME``, default
``~/.fanaudit``): ``mlflow.db`` (SQLite: runs and registry) and ``mlartifacts/``
(artifacts). The settings' tracking URI (``FANAUDIT_TRACKING_URI`` or
``MLFLOW_TRACKING_URI``) or an explicit URI points the same code at a real MLflow server.
Models are loaded by registry alias (``models:/<model name>@champion``, the model name
from the settings, ``fanaudit`` by default).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
import os
import socket

from fanaudit.errors import ModelStoreError
from fanaudit.features.privacy import STORE_ENTRIES, fanaudit_home
from fanaudit.features.registry import registry_version
from fanaudit.models.artifact import FanauditModel, ModelArtifactError
from fanaudit.logs import tame_mlflow
from fanaudit.settings import current

CHAMPION = "champion"
ARTIFACT_KEY = "fanaudit"  # the model's artifacts/<key>/ holds model.txt + metadata.json
PROCESS_TAG = "fanaudit.process"  # host:pid:start-time of the process a run belongs to


def default_tracking_uri() -> str:
    return f"sqlite:///{fanaudit_home() / STORE_ENTRIES[0]}"


def model_name(name: str | None = None) -> str:
    """`name`, else the registered model name of the settings."""
    return name or current().model_name


def default_artifact_root() -> str:
    return (fanaudit_home() / STORE_ENTRIES[1]).as_uri()


def use_tracking(uri: str | None = None) -> str:
    """Point MLflow at `uri`, the settings' tracking URI, or the embedded default; return it."""
    import mlflow  # only here: importing MLflow takes seconds
    resolved = uri or current().tracking_uri or default_tracking_uri()
    tame_mlflow()  # the command line's verbosity, now that MLflow is loaded
    mlflow.set_tracking_uri(resolved)
    mlflow.set_registry_uri(resolved)
    return resolved


def store_exists(uri: str) -> bool:
    """Whether the tracking store at `uri` exists already. Only local stores (SQLite files,
    file: folders, plain paths) can be known to be absent; any server counts as existing."""
    if uri.startswith("sqlite:///"):
        return Path(uri[len("sqlite:///") :]).exists()
    if uri.startswith("file:"):
        return Path(uri[len("file:") :].removeprefix("//")).exists()
    if "://" not in uri:
        return Path(uri).exists()
    return True


def ensure_experiment(name: str) -> str:
    """The experiment's id, creating it (artifacts in the home folder when the store is local)."""
    import mlflow  # only here: importing MLflow takes seconds
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException
    client = MlflowClient()
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = default_artifact_root() if mlflow.get_tracking_uri().startswith("sqlite:") else None
    try:
        return client.create_experiment(name, artifact_location=location)
    except MlflowException:  # created meanwhile by a concurrent run
        created = client.get_experiment_by_name(name)
        if created is None:
            raise
        return created.experiment_id


def champion_uri(name: str | None = None) -> str:
    return f"models:/{model_name(name)}@{CHAMPION}"


def version_uri(version: str, name: str | None = None) -> str:
    return f"models:/{model_name(name)}/{version}"


@dataclass(frozen=True)
class LoadedModel:
    model: FanauditModel
    uri: str
    version: str  # registered version, or "unregistered"


def registered_version(uri: str) -> str:
    """The registry version a models:/ URI names (alias or number), else 'unregistered'."""
    from mlflow import MlflowClient  # only here: importing MLflow takes seconds
    if not uri.startswith("models:/"):
        return "unregistered"
    name, _, ref = uri[len("models:/") :].partition("@")
    client = MlflowClient()
    if ref:
        return str(client.get_model_version_by_alias(name, ref).version)
    name, _, number = uri[len("models:/") :].partition("/")
    return number


class RegistryMismatchError(ModelStoreError):
    """The model was built with another version of the feature registry."""


def check_registry(model: FanauditModel, uri: str) -> None:
    built, ours = model.metadata.get("registry_version"), registry_version()
    if built != ours:
        raise RegistryMismatchError(
            f"model {uri} was built with feature registry {built or 'unknown'}, this fanaudit "
            f"has {ours}: its features or reasons may differ; retrain, or allow the "
            "mismatch explicitly"
        )


def load_model(uri: str | None = None, *, allow_registry_mismatch: bool = False) -> LoadedModel:
    """Download a logged fanaudit model (registry alias, version, runs:/ or a folder) and
    load it; default: the settings' model name at alias `champion`. A model built with
    another feature registry is refused unless allowed."""
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
    import mlflow  # only here: importing MLflow takes seconds
    from mlflow.exceptions import MlflowException
    with tempfile.TemporaryDirectory(prefix="fanaudit-model-") as target:
        try:
            version = registered_version(uri)
            path = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=target)
        except MlflowException as exc:
            raise ModelArtifactError(
                f"cannot load model {uri!r} from {mlflow.get_tracking_uri()}: {exc.message}. "
                + missing_champion_hint(uri)
            ) from exc
        model = FanauditModel.load(Path(path) / "artifacts" / ARTIFACT_KEY)  # read into memory
    return LoadedModel(model, uri, version)


def set_champion(version: str, name: str | None = None) -> None:
    from mlflow import MlflowClient  # only here: importing MLflow takes seconds
    MlflowClient().set_registered_model_alias(model_name(name), CHAMPION, str(version))


def has_champion(name: str | None = None) -> bool:
    from mlflow import MlflowClient  # only here: importing MLflow takes seconds
    from mlflow.exceptions import MlflowException
    try:
        MlflowClient().get_model_version_by_alias(model_name(name), CHAMPION)
        return True
    except MlflowException:
        return False


def missing_champion_hint(uri: str) -> str:
    """What to do when a model cannot be found: train, or promote an orphaned version."""
    from mlflow import MlflowClient  # only here: importing MLflow takes seconds
    from mlflow.exceptions import MlflowException
    name = uri[len("models:/") :].partition("@")[0] if uri.startswith("models:/") else None
    try:
        versions = (
            MlflowClient().search_model_versions(f"name = {mlflow_string(name)}") if name else []
        )
    except MlflowException:
        versions = []
    if versions:
        return (
            f"Model {name!r} has {len(versions)} version(s) but no {CHAMPION!r} (a training "
            "was interrupted?): promote one, or train again (the next training becomes "
            "champion)."
        )
    return "Train a model first, or name another model URI or folder."


def mlflow_string(text: str) -> str:
    """A quoted string literal for an MLflow search filter."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def needs_champion(name: str | None = None) -> bool:
    """Whether the model has no champion (never had one, or its first registration was
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
