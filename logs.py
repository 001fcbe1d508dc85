"""Logging for the command line: one verbosity for the whole process, readable by code.

`setup(verbosity)` routes the `logging` module through rich's handler on stderr:
-1 (``-q``) warnings and errors only, 0 (default) fanaudit's own information, 1 (``-v``)
MLflow's and other libraries' information too, 2 (``-vv``) debug. MLflow's INFO chatter
(run links, registry notes) and urllib3's retry warnings are hidden unless ``-v``.
Code that wants to know (e.g. to print a traceback) reads `verbosity()`.
"""

from __future__ import annotations

import logging
import os

from rich.console import Console
from rich.logging import RichHandler

QUIET, NORMAL, VERBOSE, DEBUG = -1, 0, 1, 2
_verbosity = NORMAL
CHATTY_LIBRARIES = ("mlflow", "alembic", "urllib3", "py4j", "numba", "shap", "matplotlib")


def verbosity() -> int:
    """The process's verbosity: -1 quiet, 0 normal, 1 verbose, 2 debug."""
    return _verbosity


def setup(level: int, console: Console | None = None) -> None:
    """Set the process's verbosity and configure logging for it (idempotent)."""
    global _verbosity
    _verbosity = max(QUIET, min(DEBUG, level))
    ours = {QUIET: logging.WARNING, NORMAL: logging.INFO, VERBOSE: logging.INFO,
            DEBUG: logging.DEBUG}[_verbosity]
    theirs = logging.WARNING if _verbosity <= NORMAL else ours
    handler = RichHandler(console=console or Console(stderr=True), show_path=False,
                          show_time=_verbosity >= VERBOSE, rich_tracebacks=True)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(theirs)
    logging.getLogger("fanaudit").setLevel(ours)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.ERROR if _verbosity <= NORMAL and name == "urllib3"
                                         else theirs)
    # MLflow installs its own handler at INFO when imported; it reads this variable then.
    os.environ["MLFLOW_LOGGING_LEVEL"] = logging.getLevelName(theirs)
    mlflow_logger = logging.getLogger("mlflow")
    mlflow_logger.handlers = [handler]
    mlflow_logger.propagate = False
