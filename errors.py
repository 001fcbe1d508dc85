"""fanaudit's exceptions: one base, `FanauditError`, and one class per kind of failure.

Every exception the library raises on purpose derives from `FanauditError`; anything else
that escapes is a bug. Each kind carries the exit code the command line uses for it:

====  =====================================================================================
code  meaning
====  =====================================================================================
0     success
1     unexpected error: a bug (the command line shows the traceback only with ``-v``)
2     usage: an option, setting or request that cannot be done as asked (`UsageError`),
      including an output that would overwrite one of the command's inputs
3     data: a dataset breaks the contract, or the data cannot answer the request
      (`DataError`: `ContractError`, `SourceError`, `TrainingDataError`, `RequestError`)
4     model store: a model is missing, corrupt or incompatible, or the tracking server
      cannot be reached (`ModelStoreError`: `ModelArtifactError`)
5     files: a path cannot be read or written (missing, a directory, no permission, disk
      full); `PathError` and the operating system's own errors
130   interrupted (Ctrl-C)
====  =====================================================================================

The classes also derive from the built-in exception they refine (`ValueError`,
`RuntimeError`, `OSError`), so code written against those keeps working. Library messages
never name command-line flags: they describe the data, the file or the setting.
"""

from __future__ import annotations

EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_MODEL_STORE = 4
EXIT_PATH = 5
EXIT_INTERRUPTED = 130


class FanauditError(Exception):
    """Base of every exception fanaudit raises on purpose."""

    exit_code = EXIT_BUG


class UsageError(FanauditError, ValueError):
    """A request, option or setting that cannot be carried out as given."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A setting (configuration file, environment variable, secret) is invalid."""


class InputOverwriteError(UsageError):
    """An output path names a file or folder the same command reads."""


class DataError(FanauditError, ValueError):
    """Data that breaks the contract or cannot answer the request."""

    exit_code = EXIT_DATA


class ModelStoreError(FanauditError, RuntimeError):
    """A model or the model store is missing, corrupt, incompatible or unreachable."""

    exit_code = EXIT_MODEL_STORE


class PathError(FanauditError, OSError):
    """A file or folder cannot be read or written; the message names it."""

    exit_code = EXIT_PATH

    def __init__(self, path: object, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class ReconcileError(FanauditError, RuntimeError):
    """A job's counts do not add up (accounts in must equal accounts out); nothing is written."""


def os_error_message(exc: OSError) -> str:
    """One line for an operating-system error: the path(s) and the reason."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    return f"{' -> '.join(paths)}: {reason}" if paths else reason


def path_error(exc: OSError, path: object, doing: str) -> PathError:
    """A `PathError` for `exc` raised while `doing` something with `path`."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return PathError(exc.filename or path, f"cannot {doing} ({reason})")
