"""Writing outputs safely: Parquet or CSV by extension, CSV-injection safe, and atomic.

Every output goes to a temporary name beside its target and is renamed onto it only when
complete (after an fsync), so a reader never sees a half-written file, even after a crash
or a SIGKILL. A writer holds an advisory lock (flock) on its temporary file or folder for
as long as it lives; a lock the kernel has released marks the leftover of a killed run,
which the next run removes (`remove_abandoned`).
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks, so leftovers are never swept
    fcntl = None

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TEMP_SUFFIX = ".part"
LOCK_FILE = ".lock"
LOCKLESS_GRACE_SECONDS = 60


def neutralise_formula(text: object) -> object:
    """Prefix text a spreadsheet would run as a formula with a quote (OWASP CSV injection)."""
    if isinstance(text, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_formula)
    return safe


def output_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".csv") or name.endswith(".csv.gz"):
        return "csv"
    raise ValueError(f"{path}: output must end in .parquet, .csv or .csv.gz")


# --------------------------------------------------------------------------- locks


def try_lock(fd: int) -> bool:
    """Take an exclusive advisory lock on `fd` without waiting; False if someone holds it."""
    if fcntl is None:  # pragma: no cover
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def remove_if_abandoned(lock_path: Path, victim: Path) -> bool:
    """Delete `victim` (a file or folder) if nobody holds the lock on `lock_path`."""
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if not try_lock(fd):
            return False
        if victim.is_dir():
            shutil.rmtree(victim, ignore_errors=True)
        else:
            victim.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def folder_lock(folder: Path) -> Path | None:
    """The lock file of a scratch folder (or the one being created), or None."""
    for name in (LOCK_FILE, f"{LOCK_FILE}.new"):
        if (folder / name).is_file():
            return folder / name
    return None


def mine_and_modified(path: Path) -> tuple[bool, float]:
    """Whether this user owns `path`, and when it last changed (False if it is gone)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return False, time.time()
    return info.st_uid == os.getuid(), info.st_mtime


def remove_abandoned(folder: Path, pattern: str, *, lock_inside: bool = False) -> int:
    """Remove leftovers of killed writers matching `pattern` in `folder`; their count.

    A temporary file is its own lock; a temporary folder holds its lock in `LOCK_FILE`.
    A folder without any lock file is removed only once it is `LOCKLESS_GRACE_SECONDS`
    old (its owner dies between creating it and its lock, or is about to create the lock).
    Other users' leftovers are never touched.
    """
    removed = 0
    for candidate in Path(folder).glob(pattern):
        mine, changed = mine_and_modified(candidate)
        if not mine:
            continue
        lock = folder_lock(candidate) if lock_inside else candidate
        if lock is not None:
            removed += remove_if_abandoned(lock, candidate)
        elif time.time() - changed > LOCKLESS_GRACE_SECONDS:
            shutil.rmtree(candidate, ignore_errors=True)
            removed += 1
    return removed


# --------------------------------------------------------------------------- atomic files


def fsync_path(path: Path) -> None:
    """Flush a file's or folder's data and metadata to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A locked temporary path beside `path`, renamed onto `path` when the block succeeds.

    On an exception the temporary file is removed and `path` is left as it was; after a
    SIGKILL the next `atomic_target` of the same `path` removes it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(path.parent, f".{glob.escape(path.name)}.*{TEMP_SUFFIX}")
    fd, claimed = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    tmp = Path(claimed).with_suffix(TEMP_SUFFIX)
    try:
        try_lock(fd)  # locked before it is renamed to a name `remove_abandoned` looks at
        os.replace(claimed, tmp)
        yield tmp
        fsync_path(tmp)
        os.replace(tmp, path)
        fsync_path(path.parent)
    except BaseException:
        Path(claimed).unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


def write_frame_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write Parquet or CSV (formulas neutralised) to a temporary file, then rename."""
    path = Path(path)
    fmt = output_format(path)
    with atomic_target(path) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            compression = "gzip" if path.name.endswith(".gz") else None
            csv_safe(frame).to_csv(tmp, index=False, compression=compression)


def write_text_atomic(text: str, path: Path) -> None:
    """Write text (UTF-8) to a temporary file beside `path`, then rename."""
    with atomic_target(Path(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- scratch folders


@contextmanager
def scratch_folder(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A private (0700) temporary folder, locked while in use and removed afterwards.

    Folders with the same prefix left behind by killed processes are removed first.
    """
    parent = Path(parent or tempfile.gettempdir())
    remove_abandoned(parent, f"{glob.escape(prefix)}*", lock_inside=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    fd = os.open(folder / f"{LOCK_FILE}.new", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try_lock(fd)  # locked before it gets the name `remove_abandoned` looks for
        os.replace(folder / f"{LOCK_FILE}.new", folder / LOCK_FILE)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def check_parquet_folder(out: Path, what: str) -> None:
    """Spark writes a folder of Parquet parts: insist on a name that says so."""
    if not out.name.lower().endswith(".parquet"):
        raise ValueError(f"{out}: {what} writes a Parquet folder; give the output a name ending "
                         "in .parquet")


def unpublished_folder(out: Path) -> Path:
    """A fresh name beside `out` to write a folder under before publishing it (not hidden:
    Spark's reader skips paths that start with "." or "_")."""
    return out.with_name(f"{out.name}.{secrets.token_hex(6)}.incomplete")


def publish_folder(tmp: Path, out: Path) -> None:
    """Move a finished output folder onto `out`, replacing whatever was there."""
    old = None
    if out.exists() or out.is_symlink():
        old = out.with_name(f".{out.name}.{secrets.token_hex(6)}.old")
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
