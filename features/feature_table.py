"""The feature table as a file that is reused: one Parquet file, one row per account,
sorted by account id, carrying in its Parquet metadata the feature registry's version and
the fingerprint of the dataset it was computed from.

Scoring, explaining, reporting and serving read it instead of recomputing the platform.
A table from another registry version (features added, renamed or redefined) or from
other data is refused with one clear message, never silently used. Rows are written in
row groups of `ROW_GROUP` accounts, so looking up a few accounts reads only the row groups
whose id range holds them (Parquet statistics), not the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fanaudit.errors import DataError
from fanaudit.features.io import atomic_target
from fanaudit.features.pipeline import ID
from fanaudit.features.registry import FEATURES, registry_version

REGISTRY_KEY = b"fanaudit.registry_version"
FINGERPRINT_KEY = b"fanaudit.data_fingerprint"
ACCOUNTS_KEY = b"fanaudit.accounts"
ROW_GROUP = 32_768


class FeatureTableError(DataError):
    """A feature table that cannot be used: not one, another registry, other data."""


@dataclass(frozen=True)
class FeatureTableInfo:
    path: Path
    registry_version: str
    fingerprint: str
    accounts: int


def write_feature_table(frame: pd.DataFrame, path: Path, fingerprint: str) -> FeatureTableInfo:
    """Write `frame` (one row per account) sorted by id, with the registry version and the
    data fingerprint in its metadata, atomically."""
    path = Path(path)
    if not path.name.endswith(".parquet"):
        raise FeatureTableError(
            f"{path}: a reusable feature table is a .parquet file (CSV "
            "cannot carry the registry version and data fingerprint)"
        )
    ids = frame[ID].astype(str)
    if not ids.is_monotonic_increasing:
        frame = frame.iloc[ids.argsort(kind="stable")]
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata.update(
        {
            REGISTRY_KEY: registry_version().encode(),
            FINGERPRINT_KEY: fingerprint.encode(),
            ACCOUNTS_KEY: str(len(frame)).encode(),
        }
    )
    table = table.replace_schema_metadata(metadata)
    with atomic_target(path) as tmp:
        pq.write_table(table, tmp, row_group_size=ROW_GROUP)
    return FeatureTableInfo(path, registry_version(), fingerprint, len(frame))


def table_info(path: Path) -> FeatureTableInfo:
    """The registry version, fingerprint and size recorded in a feature table."""
    path = Path(path)
    if not path.is_file():
        raise FeatureTableError(f"{path}: feature table not found")
    if not path.name.endswith(".parquet"):
        raise FeatureTableError(
            f"{path}: not a Parquet feature table (only Parquet carries the "
            "registry version and data fingerprint)"
        )
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FeatureTableError(f"{path}: not a readable Parquet file ({exc})") from None
    metadata = schema.metadata or {}
    if REGISTRY_KEY not in metadata or FINGERPRINT_KEY not in metadata:
        raise FeatureTableError(
            f"{path}: no registry version or data fingerprint in its metadata; "
            "it was not written by fanaudit's features job"
        )
    if ID not in schema.names:
        raise FeatureTableError(f"{path}: no '{ID}' column")
    return FeatureTableInfo(
        path,
        metadata[REGISTRY_KEY].decode(),
        metadata[FINGERPRINT_KEY].decode(),
        int(metadata.get(ACCOUNTS_KEY, b"-1")),
    )


def check_table(
    info: FeatureTableInfo, fingerprint: str | None = None, data_name: str = "the dataset"
) -> None:
    """Refuse a table of another registry version, or (given one) of other data."""
    current = registry_version()
    if info.registry_version != current:
        raise FeatureTableError(
            f"{info.path}: computed with feature registry version {info.registry_version}, but "
            f"this fanaudit's registry is version {current}; recompute the feature table"
        )
    if fingerprint is not None and info.fingerprint != fingerprint:
        raise FeatureTableError(
            f"{info.path}: computed from data with fingerprint {info.fingerprint[:12]}…, but "
            f"{data_name} has fingerprint {fingerprint[:12]}…; recompute the feature table "
            "from this data"
        )


def read_feature_table(
    path: Path,
    *,
    fingerprint: str | None = None,
    data_name: str = "the dataset",
    accounts: list[str] | None = None,
) -> tuple[pd.DataFrame, FeatureTableInfo]:
    """The checked table (or only the rows of `accounts`) and what its metadata says."""
    info = table_info(path)
    check_table(info, fingerprint, data_name)
    missing = [f.name for f in FEATURES if f.name not in pq.read_schema(path).names]
    if missing:
        raise FeatureTableError(f"{path}: missing feature column(s) {', '.join(missing[:5])}")
    if accounts is not None and len(accounts) == 0:
        frame = pq.read_schema(path).empty_table().to_pandas()
    else:
        filters = None if accounts is None else [(ID, "in", [str(a) for a in accounts])]
        frame = pq.read_table(path, filters=filters).to_pandas()
    frame[ID] = frame[ID].astype(str)
    if accounts is None and info.accounts >= 0 and len(frame) != info.accounts:
        raise FeatureTableError(
            f"{path}: holds {len(frame):,} rows, its metadata says {info.accounts:,} accounts"
        )
    return frame, info
