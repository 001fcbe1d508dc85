"""Logging for the command line: one verbosity for the whole process, readable by code.

`setup(verbosity)` routes the `logging` module through rich's handler on stderr:
-1 (``-q``) warnings and errors only, 0 (default) fanaudit's own information, 1 (``-v``)
MLflow's and other libraries' information too, 2 (``-vv``) debug. MLflow's INFO chatter
(run links, registry notes) and urllib3's retry warnings are hidden unless ``-v``.
Code that wants to know (e.g. to print a traceback) reads `verbosity()`.

Library code configures nothing: only after `setup` (the command line) does
`tame_mlflow()`, which the model store calls once MLflow is loaded, route MLflow's own
logger through the same handler and silence its printed notes ("Successfully registered
model ...") unless ``-v``.
"""

from __future__ import annotations

import logging
import os
import re
import sys

from rich.console import Console
from rich.logging import RichHandler

QUIET, NORMAL, VERBOSE, DEBUG = -1, 0, 1, 2
_verbosity = NORMAL
_handler: logging.Handler | None = None  # set by setup(): the process's logging is ours
CHATTY_LIBRARIES = ("mlflow", "alembic", "urllib3", "py4j", "numba", "shap", "matplotlib")
# Characters that steer a terminal (C0/C1 controls but newline, DEL, bidirectional overrides).
CONTROL_CHARS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """Characters that steer a terminal shown as escapes (``\\x1b``); newlines kept."""
    return CONTROL_CHARS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class InertMessages(logging.Filter):
    """Log messages (which may quote ids, paths, file contents) cannot steer the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        shown = escape_controls(message)
        if shown != message:
            record.msg, record.args = shown, None
        return True


def verbosity() -> int:
    """The process's verbosity: -1 quiet, 0 normal, 1 verbose, 2 debug."""
    return _verbosity


def setup(level: int, console: Console | None = None) -> None:
    """Set the process's verbosity and configure logging for it (idempotent)."""
    global _verbosity, _handler
    _verbosity = max(QUIET, min(DEBUG, level))
    ours = {
        QUIET: logging.WARNING,
        NORMAL: logging.INFO,
        VERBOSE: logging.INFO,
        DEBUG: logging.DEBUG,
    }[_verbosity]
    theirs = logging.WARNING if _verbosity <= NORMAL else ours
    handler = RichHandler(
        console=console or Console(stderr=True),
        show_path=False,
        show_time=_verbosity >= VERBOSE,
        rich_tracebacks=True,
        markup=False,
    )
    handler.addFilter(InertMessages())
    _handler = handler
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(theirs)
    logging.getLogger("fanaudit").setLevel(ours)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(
            logging.ERROR if _verbosity <= NORMAL and name == "urllib3" else theirs
        )
    # MLflow installs its own handler at INFO when imported; it reads this variable then.
    os.environ["MLFLOW_LOGGING_LEVEL"] = logging.getLevelName(theirs)
    tame_mlflow()


def tame_mlflow() -> None:
    """Once MLflow is imported and `setup` has run: MLflow's logger goes through our handler
    at our level, and its printed notes are silenced unless verbose. Otherwise nothing."""
    if _handler is None or "mlflow" not in sys.modules:
        return
    from mlflow.utils import logging_utils

    mlflow_logger = logging.getLogger("mlflow")
    mlflow_logger.handlers = [_handler]
    mlflow_logger.setLevel(logging.INFO if _verbosity >= VERBOSE else logging.WARNING)
    if _verbosity >= VERBOSE:
        logging_utils.enable_logging()
    else:
        logging_utils.disable_logging()  # eprint() notes: "Created version '3' of model ..."
