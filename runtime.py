"""The process environment fanaudit's libraries read, applied by one explicit call.

Nothing in fanaudit changes `os.environ` when it is imported. Entry points (the command
line, the public API in `fanaudit.api`, the test session, benchmark scripts) call
`prepare()` before anything loads LightGBM:

- ``OMP_WAIT_POLICY``: LightGBM (training, scoring, SHAP) and scikit-learn run on OpenMP,
  whose idle threads spin by default. On a machine whose cores are shared with other work,
  a spinning thread holds a core its sibling needs: a 2-thread LightGBM fit of 200 trees
  on 16,000 accounts took 8.6-22 s instead of 0.7 s on the 2-core benchmark machine, and
  grouped cross-validation on 200,000 accounts 11 minutes; with passive waiting 1.0 s.
  OpenMP reads the variable once, when its runtime loads, hence "before LightGBM".
- MLflow's HTTP limits: one request may take ``mlflow_http_timeout`` seconds and is retried
  ``mlflow_http_retries`` times (MLflow's defaults, 120 s and 7 retries with backoff 2,
  make an unreachable server hang for minutes). MLflow reads these per request.
- MLflow's artifact progress bars stay off (fanaudit shows its own progress).

A variable the user set before the first `prepare()` wins over the settings; the ones
`prepare` set itself are updated by later calls (new settings, e.g. in tests).
"""

from __future__ import annotations

import logging
import os
import sys

from fanaudit.settings import Settings, current

log = logging.getLogger(__name__)
_applied: dict[str, str] = {}  # what prepare() set, so later calls may change it


def environment(settings: Settings) -> dict[str, str]:
    """The variables `prepare` would set for `settings` (before the user's own win)."""
    return {
        "OMP_WAIT_POLICY": settings.omp_wait_policy,
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(settings.mlflow_http_timeout),
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(settings.mlflow_http_retries),
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": str(settings.mlflow_http_backoff),
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    }


def _set_by_user(name: str) -> bool:
    return name in os.environ and _applied.get(name) != os.environ[name]


def prepare(settings: Settings | None = None) -> Settings:
    """Apply `settings` (default: the current ones) to the process environment; return them.

    Call it before LightGBM is imported; later calls still update MLflow's limits, and a
    wait policy that can no longer take effect is reported at debug level.
    """
    settings = settings or current()
    wanted = {k: v for k, v in environment(settings).items() if not _set_by_user(k)}
    policy = wanted.get("OMP_WAIT_POLICY")
    if policy and "lightgbm" in sys.modules and os.environ.get("OMP_WAIT_POLICY") != policy:
        log.debug(
            "LightGBM is already loaded: OMP_WAIT_POLICY=%s takes effect in new processes only",
            policy,
        )
    os.environ.update(wanted)
    _applied.update(wanted)
    return settings


def lightgbm_without_sklearn() -> None:
    """Import LightGBM without its scikit-learn wrappers, for a process that only predicts
    with boosters (`fanaudit explain`). LightGBM imports scikit-learn (and through it SciPy)
    whenever it is installed, to offer `LGBMClassifier`: 0.7-1.4 s of a one-account
    command's start on 2 cores. Only for command processes that train nothing: in this
    process `lightgbm.LGBMClassifier` is then unusable; scikit-learn itself still imports."""
    if "lightgbm" in sys.modules or "sklearn" in sys.modules:
        return
    sys.modules["sklearn"] = None  # type: ignore[assignment]  # makes `import sklearn` fail
    try:
        import lightgbm  # noqa: F401
    finally:
        if sys.modules.get("sklearn", 0) is None:
            del sys.modules["sklearn"]
