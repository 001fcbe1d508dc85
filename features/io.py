"""Writing outputs safely: Parquet or CSV by extension, CSV that round-trips, and atomic.

This is fanaudit's one atomic writer. Every output goes to a temporary name beside its
target and is renamed onto it only when complete (after an fsync), so a reader never sees
a half-written file, even after a crash or a SIGKILL. A writer holds an advisory lock
(flock) on its temporary file or folder for as long as it lives; a lock the kernel has
released marks the leftover of a killed run, which the next run removes
(`remove_abandoned`). Outputs get the permissions the umask gives a new file (0644 under
the usual umask 022); only secrets are written 0600.

CSV written by fanaudit quotes every text value, so any id (with commas, quotes, bare
carriage returns or newlines) reads back as itself. Text a spreadsheet would run as a
formula (it starts with ``= + - @``, a tab or a carriage return) gets a leading ``'``; so
does text that already starts with ``'``, so the guard never makes two values equal:
`unescape_cell` (and `read_csv_output`) undo it exactly. Failures to write are a
`PathError` naming the file (no space left, no permission, a directory in the way).
"""

from __future__ import annotations

import csv
import glob
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from fanaudit.errors import InputOverwriteError, PathError, UsageError, path_error

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks, so leftovers are never swept
    fcntl = None  # type: ignore[assignment]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
TEMP_SUFFIX = ".part"
LOCK_FILE = ".lock"
LOCKLESS_GRACE_SECONDS = 60


def neutralise_formula(text: object) -> object:
    """Prefix text a spreadsheet would run as a formula, or that starts with the escape
    character itself, with ``'`` (OWASP CSV injection; reversible by `unescape_cell`)."""
    if isinstance(text, str) and text.startswith(FORMULA_PREFIXES + (ESCAPE,)):
        return ESCAPE + text
    return text


def unescape_cell(text: object) -> object:
    """The value `neutralise_formula` was given: one leading ``'`` removed."""
    if isinstance(text, str) and text.startswith(ESCAPE):
        return text[1:]
    return text


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_formula)
    return safe


def frame_to_csv(frame: pd.DataFrame, target, *, header: bool = True, **options) -> str | None:
    """Write `frame` as fanaudit's CSV: formulas guarded, every text value quoted."""
    return csv_safe(frame).to_csv(
        target,
        index=False,
        header=header,
        quoting=csv.QUOTE_NONNUMERIC,
        lineterminator="\n",
        **options,
    )


def read_csv_output(path: Path, **options) -> pd.DataFrame:
    """Read a CSV fanaudit wrote: text exactly as it was before the formula guard."""
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=str, **options)
    return frame.apply(lambda column: column.map(unescape_cell))


def output_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".csv") or name.endswith(".csv.gz"):
        return "csv"
    raise UsageError(f"{path}: output must end in .parquet, .csv or .csv.gz")


def same_or_inside(path: Path, other: Path) -> bool:
    """Whether `path` is `other` or lies inside it (symbolic links resolved)."""
    path, other = Path(os.path.realpath(path)), Path(os.path.realpath(other))
    return path == other or other in path.parents


def check_output(out: Path, reads: Iterable[Path] = (), *, folder: bool = False) -> None:
    """Refuse, before any work, an output that would overwrite what the command reads.

    `reads` are the files and folders the command reads: `out` may not be one of them,
    lie inside one of them, or contain one (replacing a folder would delete it). A file
    output may not be an existing directory, nor sit under a path that is not a folder.
    """
    out = Path(out)
    if not folder:
        output_format(out)
        if out.is_dir():
            raise PathError(out, "is a directory; give the output a file name")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise PathError(parent, "is not a folder")
            break
    for read in reads:
        read = Path(read)
        if same_or_inside(out, read) or (out.exists() and same_or_inside(read, out)):
            raise InputOverwriteError(
                f"{out}: refusing to write onto {read}, which this "
                "command reads; choose another output"
            )


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


def current_umask() -> int:
    """The process's umask, read without changing it where Linux allows."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:  # pragma: no cover - not Linux
        pass
    mask = os.umask(0o022)  # pragma: no cover
    os.umask(mask)  # pragma: no cover
    return mask  # pragma: no cover


def new_file_mode(private: bool = False) -> int:
    """The mode a new output gets: what open(2) gives under the umask, 0600 when private."""
    return 0o600 if private else 0o666 & ~current_umask()


def anonymous_file(folder: Path) -> int | None:
    """A nameless file in `folder` (Linux O_TMPFILE), or None where unsupported."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, 0o600)
    except OSError:  # a filesystem without O_TMPFILE
        return None


def link_under_fresh_name(fd: int, path: Path) -> Path:
    """Give the anonymous file `fd` a new hidden name beside `path` (never an existing one)."""
    descriptors = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        while True:
            name = path.with_name(f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
            try:  # linkat(..., AT_SYMLINK_FOLLOW): the way open(2) documents for O_TMPFILE
                os.link(str(fd), name, src_dir_fd=descriptors, follow_symlinks=True)
                return name
            except FileExistsError:
                continue
    finally:
        os.close(descriptors)


class AtomicFile:
    """A locked temporary file beside `path`, moved onto `path` by `commit()`.

    `discard()` (or leaving without `commit()`) removes it and leaves `path` as it was;
    after a SIGKILL the next writer of the same `path` removes it. With `anonymous` (for
    writers that only use `fd`) the file has no name at all until commit where Linux
    allows it (O_TMPFILE), so even a SIGKILL leaves nothing behind. Errors are PathErrors.
    """

    def __init__(self, path: Path, *, private: bool = False, anonymous: bool = False):
        self.path = Path(path)
        self.done = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            remove_abandoned(self.path.parent, f".{glob.escape(self.path.name)}.*{TEMP_SUFFIX}")
            nameless = anonymous_file(self.path.parent) if anonymous else None
            if nameless is not None:
                self.fd: int = nameless
                self.tmp: Path | None = None
                os.fchmod(self.fd, new_file_mode(private))
                return
            self.fd, claimed = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".new", dir=self.path.parent
            )
        except OSError as exc:
            raise path_error(exc, self.path, "write") from exc
        self.tmp = Path(claimed).with_suffix(TEMP_SUFFIX)
        try:
            try_lock(self.fd)  # locked before it is renamed to a name remove_abandoned sees
            os.fchmod(self.fd, new_file_mode(private))
            os.replace(claimed, self.tmp)
        except BaseException:
            os.close(self.fd)
            Path(claimed).unlink(missing_ok=True)
            raise

    def commit(self) -> Path:
        try:
            if self.tmp is None:  # anonymous: give it a hidden name only now
                os.fsync(self.fd)
                self.tmp = link_under_fresh_name(self.fd, self.path)
            else:
                fsync_path(self.tmp)  # the caller may have written it through another handle
            os.replace(self.tmp, self.path)
            fsync_path(self.path.parent)
        except OSError as exc:
            self.discard()
            raise path_error(exc, self.path, "write") from exc
        self._close()
        return self.path

    def discard(self) -> None:
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
        self._close()

    def _close(self) -> None:
        if not self.done:
            self.done = True
            os.close(self.fd)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, *exc) -> None:
        if not self.done:
            self.discard()


@contextmanager
def atomic_target(path: Path, *, private: bool = False) -> Iterator[Path]:
    """A locked temporary path beside `path`, renamed onto `path` when the block succeeds.

    On an exception the temporary file is removed and `path` is left as it was; an
    operating-system error while writing (disk full, permission) becomes a PathError.
    """
    with AtomicFile(path, private=private) as target:
        assert target.tmp is not None  # not anonymous: named from the start
        try:
            yield target.tmp
        except OSError as exc:
            if isinstance(exc, PathError):
                raise
            raise path_error(exc, path, "write") from exc
        target.commit()


def write_frame_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write Parquet or CSV (formulas guarded, text quoted) to a temporary file, then rename."""
    path = Path(path)
    fmt = output_format(path)
    with atomic_target(path) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            compression = "gzip" if path.name.endswith(".gz") else None
            frame_to_csv(frame, tmp, compression=compression)


def write_text_atomic(text: str, path: Path) -> None:
    """Write text (UTF-8) to a temporary file beside `path`, then rename."""
    with atomic_target(Path(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes_atomic(data: bytes, path: Path, *, private: bool = False) -> None:
    with atomic_target(Path(path), private=private) as tmp:
        tmp.write_bytes(data)


def create_file_once(data: bytes, path: Path, *, private: bool = True) -> bool:
    """Create `path` holding `data` unless it exists: written under a temporary name and
    hard-linked into place, so a reader never sees it half-written and of two concurrent
    creators exactly one wins. Whether this call created it."""
    with AtomicFile(path, private=private) as target:
        assert target.tmp is not None  # not anonymous: named from the start
        os.write(target.fd, data)
        os.fsync(target.fd)
        try:
            os.link(target.tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:
            raise path_error(exc, path, "write") from exc
        return True


# --------------------------------------------------------------------------- folders


def locked_folder(parent: Path, prefix: str) -> tuple[Path, int]:
    """A fresh private folder in `parent` named `prefix*`, and the fd of its held lock."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    fd = os.open(folder / f"{LOCK_FILE}.new", os.O_RDWR | os.O_CREAT, 0o600)
    try_lock(fd)  # locked before it gets the name `remove_abandoned` looks for
    os.replace(folder / f"{LOCK_FILE}.new", folder / LOCK_FILE)
    return folder, fd


@contextmanager
def scratch_folder(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A private (0700) temporary folder, locked while in use and removed afterwards.

    Folders with the same prefix left behind by killed processes are removed first.
    """
    parent = Path(parent or tempfile.gettempdir())
    remove_abandoned(parent, f"{glob.escape(prefix)}*", lock_inside=True)
    folder, fd = locked_folder(parent, prefix)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


@contextmanager
def atomic_folder(out: Path) -> Iterator[Path]:
    """A locked temporary folder beside `out`, published onto `out` when the block succeeds.

    Whatever was at `out` is replaced in one rename; on an exception (or a kill) `out` is
    left as it was, and the temporary folder is removed (by the next writer after a kill).
    The folder gets the permissions the umask gives a new folder.
    """
    out = Path(out)
    prefix = f".{out.name}.partial-"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned(out.parent, f"{glob.escape(prefix)}*", lock_inside=True)
        tmp, fd = locked_folder(out.parent, prefix)
    except OSError as exc:
        raise path_error(exc, out, "write") from exc
    try:
        os.chmod(tmp, 0o777 & ~current_umask())
        yield tmp
        (tmp / LOCK_FILE).unlink()
        publish_folder(tmp, out)
        fsync_path(out.parent)
    except OSError as exc:
        if isinstance(exc, PathError):
            raise
        raise path_error(exc, out, "write") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        os.close(fd)


def check_parquet_folder(out: Path, what: str) -> None:
    """Spark writes a folder of Parquet parts: insist on a name that says so."""
    if not out.name.lower().endswith(".parquet"):
        raise UsageError(
            f"{out}: {what} writes a Parquet folder; give the output a name ending in .parquet"
        )


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
