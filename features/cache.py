"""The staging and feature cache in fanaudit's home folder (``$FANAUDIT_HOME/cache``).

Staging (validate, type, pseudonymise) and the feature pipeline are the expensive steps of
every job, and a platform's risk team asks many questions of one day's data. So the staged
tables and the feature table are kept by the *fingerprint* of the data they came from
(SHA-256 over the names and bytes of the dataset's table files), and the next job on the
same data starts from them:

    staged/KEY/     the staged, pseudonymised Parquet tables and manifest.json
    features/KEY.parquet   the feature table (registry version and fingerprint inside)
    reasons/KEY.npz the service's reasons of the flagged accounts of one feature table
                    under one model (`models.service`), keyed on both their fingerprints
    fingerprints/   file size and modification time -> fingerprint, so unchanged files
                    are not hashed again

A key covers everything the cached result depends on: the data fingerprint, the accounts
option, the pseudonymisation secret (as a keyed hash of it, never the secret) and the
source code of `fanaudit.features`; change any of them and the cache misses. Only staged
(pseudonymised) tables are kept: raw addresses and device ids never reach the cache.

The cache is bounded (``FANAUDIT_CACHE_MAX_GB``, default 20; 0 turns it off): after each
write the least recently used entries are removed until it fits, except entries another
process is reading (each holds a shared lock on the entry while it uses it).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from fanaudit.errors import ConfigError
from fanaudit.features.contract import TABLES
from fanaudit.features.feature_table import (
    FeatureTableError,
    read_feature_table,
    write_feature_table,
)
from fanaudit.features.io import atomic_target, scratch_folder, write_text_atomic
from fanaudit.features.loading import (
    StagedDataset,
    StagedTable,
    find_table_file,
    fingerprint_files,
    ignored_files,
    stage_dataset,
    staged_dataset,
)
from fanaudit.features.privacy import fanaudit_home, load_or_create_secret
from fanaudit.features.registry import registry_version

Progress = Callable[[str], None]
LIMIT_ENV = "FANAUDIT_CACHE_MAX_GB"
DEFAULT_LIMIT_GB = 20.0
FORMAT = "1"
LOCK = ".lock"
MANIFEST = "manifest.json"
RACY_NS = 2_000_000_000
REASONS = "reasons"


class CacheError(ConfigError):
    """The cache's setting is unusable."""


def cache_root() -> Path:
    root = fanaudit_home() / "cache"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def limit_bytes() -> int:
    """The cache's size bound in bytes (0: caching is off)."""
    text = os.environ.get(LIMIT_ENV, "")
    try:
        gib = float(text) if text.strip() else DEFAULT_LIMIT_GB
    except ValueError:
        raise CacheError(f"${LIMIT_ENV} must be a number of GiB, not {text!r}") from None
    if gib < 0:
        raise CacheError(f"${LIMIT_ENV} must be 0 or more, not {text!r}")
    return int(gib * 1024**3)


def code_version() -> str:
    """A hash of fanaudit.features' source: staging or features computed by other code miss."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def secret_id() -> str:
    """A keyed hash standing for the pseudonymisation secret (it reveals nothing of it)."""
    return hmac.digest(load_or_create_secret(), b"fanaudit cache key", hashlib.sha256).hex()[:16]


def _key(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, (FORMAT, *parts))).encode()).hexdigest()[:32]


# --------------------------------------------------------------------------- fingerprints


def table_files(folder: Path) -> dict[str, Path]:
    found = {name: find_table_file(folder, name) for name in TABLES}
    return {name: path for name, path in found.items() if path is not None}


def data_fingerprint(folder: Path) -> str:
    """The fingerprint `StagedDataset.fingerprint` would have, without hashing unchanged
    files again: the hash is remembered under the files' paths, sizes, inodes and
    modification times."""
    files = sorted(table_files(Path(folder)).values())
    stats = [
        (str(p.resolve()), s.st_size, s.st_mtime_ns, s.st_ino, s.st_dev)
        for p, s in ((p, p.stat()) for p in files)
    ]
    memo = cache_root() / "fingerprints" / _key("stat", json.dumps(stats))
    try:
        return memo.read_text().strip()
    except FileNotFoundError:
        pass
    fingerprint = fingerprint_files(files)
    # as git does with its index: a file changed within the clock's granularity of now could
    # change again with the same size and time, so its hash is not remembered yet
    settled = all(s[2] < time.time_ns() - RACY_NS for s in stats)
    if limit_bytes() > 0 and settled:
        memo.parent.mkdir(exist_ok=True)
        write_text_atomic(fingerprint, memo)
    return fingerprint


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True)
class CacheEntry:
    kind: str  # "staged", "features" or "reasons"
    key: str
    path: Path
    bytes: int
    last_used: float
    source: str
    fingerprint: str
    accounts: int


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def entries() -> list[CacheEntry]:
    """Every cache entry, least recently used first."""
    root = cache_root()
    found = []
    for folder in sorted((root / "staged").glob("*")) if (root / "staged").is_dir() else []:
        manifest = _read_json(folder / MANIFEST)
        if manifest is None:
            continue
        found.append(
            CacheEntry(
                "staged",
                folder.name,
                folder,
                manifest["bytes"],
                (folder / MANIFEST).stat().st_mtime,
                manifest["source"],
                manifest["fingerprint"],
                manifest["accounts"],
            )
        )
    for kind, suffix in (("features", ".parquet"), (REASONS, ".npz")):  # file + sidecar JSON
        folder = root / kind
        for path in sorted(folder.glob(f"*{suffix}")) if folder.is_dir() else []:
            about = _read_json(path.with_suffix(".json"))
            if about is None:
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            found.append(
                CacheEntry(
                    kind,
                    path.stem,
                    path,
                    stat.st_size,
                    stat.st_mtime,
                    about["source"],
                    about["fingerprint"],
                    about["accounts"],
                )
            )
    return sorted(found, key=lambda e: e.last_used)


def _remove(entry: CacheEntry) -> bool:
    """Remove an entry unless another process is using it."""
    if entry.kind in ("features", REASONS):
        entry.path.unlink(missing_ok=True)
        entry.path.with_suffix(".json").unlink(missing_ok=True)
        return True
    try:
        fd = os.open(entry.path / LOCK, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    try:
        trash = entry.path.with_name(f".{entry.path.name}.removed-{os.getpid()}")
        os.replace(entry.path, trash)
        shutil.rmtree(trash, ignore_errors=True)
    finally:
        os.close(fd)
    return True


def clear(kind: str | None = None) -> tuple[int, int]:
    """Remove every entry (of `kind`) not in use; (entries, bytes) removed."""
    removed, freed = 0, 0
    for entry in entries():
        if (kind is None or entry.kind == kind) and _remove(entry):
            removed, freed = removed + 1, freed + entry.bytes
    if kind is None:
        shutil.rmtree(cache_root() / "fingerprints", ignore_errors=True)
    return removed, freed


def enforce_limit(keep: Path | None = None) -> int:
    """Remove least recently used entries until the cache fits its bound; bytes freed."""
    limit = limit_bytes()
    found = entries()
    total = sum(e.bytes for e in found)
    freed = 0
    for entry in found:
        if total - freed <= limit:
            break
        if entry.path != keep and _remove(entry):
            freed += entry.bytes
    return freed


# --------------------------------------------------------------------------- staged tables


def staged_key(fingerprint: str, allow_unknown: bool) -> str:
    return _key("staged", fingerprint, allow_unknown, secret_id(), code_version())


def _dataset_from(folder: Path, entry: Path, manifest: dict) -> StagedDataset:
    tables = {
        name: StagedTable(name, folder / info["file"], entry / "tables" / name, info["rows"])
        for name, info in manifest["tables"].items()
    }
    when = {
        k: None if manifest[k] is None else datetime.fromisoformat(manifest[k])
        for k in ("first_event", "last_event")
    }
    warnings = list(manifest["warnings"])
    warnings += [f"ignored {name}: not a table of the contract" for name in ignored_files(folder)]
    return StagedDataset(
        folder,
        entry / "tables",
        tables,
        manifest["accounts"],
        when["first_event"],
        when["last_event"],
        manifest["fingerprint"],
        tuple(warnings),
    )


def _store(staged: StagedDataset, scratch: Path, target: Path) -> None:
    """Write the manifest beside freshly staged tables and move them into the cache."""
    manifest = {
        "source": str(staged.source.resolve()),
        "fingerprint": staged.fingerprint,
        "accounts": staged.accounts,
        "first_event": None if staged.first_event is None else staged.first_event.isoformat(),
        "last_event": None if staged.last_event is None else staged.last_event.isoformat(),
        "tables": {n: {"file": t.source.name, "rows": t.rows} for n, t in staged.tables.items()},
        "warnings": [w for w in staged.warnings if not w.startswith("ignored ")],
        "bytes": folder_bytes(scratch / "tables"),
        "created": time.time(),
    }
    (scratch / MANIFEST).write_text(json.dumps(manifest, indent=1))
    (scratch / LOCK).touch()
    target.parent.mkdir(exist_ok=True)
    try:
        os.rename(scratch, target)
    except OSError:  # another process cached the same data meanwhile: use theirs
        pass


@contextmanager
def _using(entry: Path) -> Iterator[dict | None]:
    """The entry's manifest, under a shared lock (None if it is absent or being removed)."""
    try:
        fd = os.open(entry / LOCK, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        yield None
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        manifest = _read_json(entry / MANIFEST)
        if manifest is not None:
            os.utime(entry / MANIFEST)
        yield manifest
    finally:
        os.close(fd)


@contextmanager
def staged(
    folder: Path, *, allow_unknown: bool = False, progress: Progress | None = None
) -> Iterator[StagedDataset]:
    """`loading.staged_dataset`, from the cache when this data was staged before.

    A miss stages the folder once and keeps the result; with the cache off (or a folder
    that is not a dataset, whose error staging reports) it is plain `staged_dataset`.
    """
    folder = Path(folder)
    if limit_bytes() == 0 or not folder.is_dir() or "accounts" not in table_files(folder):
        with staged_dataset(folder, allow_unknown=allow_unknown, progress=progress) as found:
            yield found
        return
    entry = cache_root() / "staged" / staged_key(data_fingerprint(folder), allow_unknown)
    with _using(entry) as manifest:
        if manifest is not None:
            if progress:
                progress(f"staged tables from the cache ({manifest['fingerprint'][:12]}…)")
            yield _dataset_from(folder, entry, manifest)
            return
    with scratch_folder(".staging-", cache_root()) as scratch:
        fresh = stage_dataset(
            folder, scratch / "work" / "tables", allow_unknown=allow_unknown, progress=progress
        )
        _store(fresh, scratch / "work", entry)
    enforce_limit(keep=entry)
    with _using(entry) as manifest:
        if manifest is None:  # removed at once (a cache smaller than this dataset)
            with staged_dataset(folder, allow_unknown=allow_unknown, progress=progress) as found:
                yield found
            return
        yield _dataset_from(folder, entry, manifest)


# --------------------------------------------------------------------------- feature tables


def features_key(staged_data: StagedDataset) -> str:
    return _key(
        "features",
        staged_data.fingerprint,
        staged_data.accounts,
        secret_id(),
        code_version(),
        registry_version(),
    )


def features_of(staged_data: StagedDataset, *, progress: Progress | None = None) -> pd.DataFrame:
    """The feature table of a staged dataset (sorted by account id), from the cache when
    it was computed before; computed and kept otherwise."""
    from fanaudit.features.pipeline import compute_features

    if limit_bytes() == 0:
        return compute_features(staged_data, progress=progress).sort_values(
            "account_id", ignore_index=True
        )
    path = cache_root() / "features" / f"{features_key(staged_data)}.parquet"
    if path.is_file():
        try:
            frame, _ = read_feature_table(path, fingerprint=staged_data.fingerprint)
            os.utime(path)
            if progress:
                progress(f"features from the cache ({staged_data.fingerprint[:12]}…)")
            return frame
        except (FeatureTableError, FileNotFoundError, OSError):
            pass  # removed meanwhile, or damaged: compute afresh
    frame = compute_features(staged_data, progress=progress)
    frame = frame.sort_values("account_id", ignore_index=True)
    path.parent.mkdir(exist_ok=True)
    write_feature_table(frame, path, staged_data.fingerprint)
    about = {
        "source": str(Path(staged_data.source).resolve()),
        "fingerprint": staged_data.fingerprint,
        "accounts": len(frame),
    }
    write_text_atomic(json.dumps(about), path.with_suffix(".json"))
    enforce_limit(keep=path)
    return frame


# --------------------------------------------------------------------------- arrays


def load_arrays(kind: str, key: str) -> dict[str, np.ndarray] | None:
    """The arrays kept under `key` (None: not cached, cache off, or unreadable)."""
    if limit_bytes() == 0:
        return None
    path = cache_root() / kind / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        os.utime(path)
        return arrays
    except (FileNotFoundError, OSError, ValueError, zipfile.BadZipFile):
        return None  # absent, removed meanwhile, or damaged: computed afresh


def keep_arrays(
    kind: str, key: str, arrays: dict[str, np.ndarray], *, source: str, fingerprint: str,
    accounts: int,
) -> None:
    """Keep `arrays` under `key` (written whole, then renamed into place), then bound the
    cache."""
    if limit_bytes() == 0:
        return
    folder = cache_root() / kind
    folder.mkdir(exist_ok=True)
    path = folder / f"{key}.npz"
    about = {"source": source, "fingerprint": fingerprint, "accounts": accounts}
    write_text_atomic(json.dumps(about), path.with_suffix(".json"))
    with atomic_target(path) as tmp, open(tmp, "wb") as out:  # a file: savez adds no suffix
        np.savez(out, **arrays)  # type: ignore[arg-type]  # the stubs: allow_pickle
    enforce_limit(keep=path)
