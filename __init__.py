"""fanaudit: tell machine fans (bots) from real people on live-streaming platforms.

The public API (see the README's "Python API"): `load` a dataset folder once, then
`feature_table`, `train`, `score`, `explain` and `report` on it; `simulate` a labelled world;
`FanauditClassifier` for scikit-learn tooling; `Settings` for configuration.

Importing fanaudit loads nothing heavy and changes no environment variable: the names
below are resolved on first use, and the API's functions call `fanaudit.runtime.prepare()`
(OpenMP wait policy, MLflow HTTP limits) before LightGBM loads.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("fanaudit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

# public name -> module that defines it
_EXPORTS = {
    "load": "fanaudit.api",
    "simulate": "fanaudit.api",
    "feature_table": "fanaudit.api",
    "train": "fanaudit.api",
    "score": "fanaudit.api",
    "explain": "fanaudit.api",
    "report": "fanaudit.api",
    "load_model": "fanaudit.api",
    "runs": "fanaudit.api",
    "promote": "fanaudit.api",
    "Dataset": "fanaudit.features.dataset",
    "Settings": "fanaudit.settings",
    "ContractError": "fanaudit.features.loading",
    "TrainConfig": "fanaudit.training.config",
    "SimulationConfig": "fanaudit.training.simulator",
    "SimulationSummary": "fanaudit.training.simulator",
    "RunResult": "fanaudit.training.tracking",
    "Scores": "fanaudit.models.jobs",
    "ReportResult": "fanaudit.models.jobs",
    "RunRow": "fanaudit.models.history",
    "LoadedModel": "fanaudit.models.store",
    "FanauditModel": "fanaudit.models.artifact",
    "FanauditClassifier": "fanaudit.training.estimator",
}
_LIGHT = {
    "fanaudit.api",
    "fanaudit.features.dataset",
    "fanaudit.settings",
    "fanaudit.features.loading",
}

__all__ = [
    "__version__",
    # functions
    "load",
    "simulate",
    "feature_table",
    "train",
    "score",
    "explain",
    "report",
    "load_model",
    "runs",
    "promote",
    # objects and typed results
    "Dataset",
    "Settings",
    "TrainConfig",
    "SimulationConfig",
    "FanauditClassifier",
    "FanauditModel",
    "SimulationSummary",
    "RunResult",
    "Scores",
    "ReportResult",
    "RunRow",
    "LoadedModel",
    "ContractError",
]

if TYPE_CHECKING:  # the names as type checkers and IDEs see them (`X as X`: re-exported)
    from fanaudit.api import explain as explain
    from fanaudit.api import feature_table as feature_table
    from fanaudit.api import load as load
    from fanaudit.api import load_model as load_model
    from fanaudit.api import promote as promote
    from fanaudit.api import report as report
    from fanaudit.api import runs as runs
    from fanaudit.api import score as score
    from fanaudit.api import simulate as simulate
    from fanaudit.api import train as train
    from fanaudit.features.dataset import Dataset as Dataset
    from fanaudit.features.loading import ContractError as ContractError
    from fanaudit.models.artifact import FanauditModel as FanauditModel
    from fanaudit.models.history import RunRow as RunRow
    from fanaudit.models.jobs import ReportResult as ReportResult
    from fanaudit.models.jobs import Scores as Scores
    from fanaudit.models.store import LoadedModel as LoadedModel
    from fanaudit.settings import Settings as Settings
    from fanaudit.training.config import TrainConfig as TrainConfig
    from fanaudit.training.estimator import FanauditClassifier as FanauditClassifier
    from fanaudit.training.simulator import SimulationConfig as SimulationConfig
    from fanaudit.training.simulator import SimulationSummary as SimulationSummary
    from fanaudit.training.tracking import RunResult as RunResult


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fanaudit' has no attribute {name!r}")
    if module not in _LIGHT:  # about to load LightGBM: prepare the environment first
        from fanaudit.runtime import prepare

        prepare()
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
