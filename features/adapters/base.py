"""What an adapter is: one public labelled set of real accounts, read from its published
files and mapped onto the dataset contract (an `accounts` table, a `labels` table and, for
sets that publish them, event tables), with where it came from, its terms, its paper's
evaluation protocol and the results published on it.

Parsing helpers here fail loudly with the file, the row (data rows from 1, the header is
not a row) and the column of the first bad value, never by guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from fanaudit.errors import DataError
from fanaudit.features.contract import ACCOUNTS, LABELS, Table
from fanaudit.features.loading import STAGED_TYPES


class SourceError(DataError):
    """A published file is not what its adapter expects; the message says where."""


def source_error(
    file: Path | str, row: int | None, column: str | None, message: str
) -> SourceError:
    where = (
        [str(file)]
        + ([f"row {row}"] if row is not None else [])
        + ([f"column '{column}'"] if column is not None else [])
    )
    return SourceError(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class PublishedResult:
    """A result published on the same data, quoted from `../shared/datasets/README.md`."""

    source: str  # who, which classifier, which features
    accuracy: float | None = None
    f1: float | None = None
    mcc: float | None = None
    roc_auc: float | None = None


@dataclass(frozen=True)
class Protocol:
    """How the set's paper evaluated: k-fold cross-validation, balanced classes or not."""

    folds: int = 10
    balanced: bool = False  # downsample the majority class to the minority's size


@dataclass(frozen=True)
class Mapped:
    """A set mapped onto the contract; `notes` says what was dropped or repaired, and why.
    `events` holds the event tables of sets that publish them (table name -> frame)."""

    accounts: pd.DataFrame
    labels: pd.DataFrame
    notes: tuple[str, ...] = ()
    events: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Adapter:
    name: str  # the NAME of `fanaudit import NAME SRC`
    folder: str  # the set's folder in ../shared/datasets
    origin: str
    terms: str
    protocol: Protocol
    published: tuple[PublishedResult, ...]
    read: Callable[[Path], Mapped]


# --------------------------------------------------------------------------- parsing


def first_bad(mask: pd.Series) -> int | None:
    """Position of the first True in `mask`, or None."""
    hits = np.flatnonzero(mask.to_numpy(dtype=bool))
    return int(hits[0]) if len(hits) else None


def counts(frame: pd.DataFrame, column: str, file: Path, rows: pd.Series) -> pd.Series:
    """A column of non-negative integer counters (as text or numbers) as Int64."""
    raw = frame[column]
    text = raw.astype("string").str.strip().replace("", pd.NA)
    values = pd.to_numeric(text, errors="coerce")
    bad = first_bad(text.notna() & (values.isna() | (values < 0) | (values % 1 != 0)))
    if bad is not None:
        raise source_error(
            file, int(rows.iloc[bad]), column, f"{raw.iloc[bad]!r} is not a non-negative integer"
        )
    return values.astype("Int64")


def timestamps(
    frame: pd.DataFrame, column: str, file: Path, rows: pd.Series, fmt: str
) -> pd.Series:
    """A column of timestamps in `fmt` (strptime); values without an offset are UTC."""
    text = frame[column].astype("string").str.strip().replace("", pd.NA)
    values = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    bad = first_bad(text.notna() & values.isna())
    if bad is not None:
        raise source_error(
            file,
            int(rows.iloc[bad]),
            column,
            f"{text.iloc[bad]!r} is not a timestamp in the format {fmt!r}",
        )
    return values


def flags(
    frame: pd.DataFrame, column: str, file: Path, rows: pd.Series, meanings: dict[str, bool | None]
) -> pd.Series:
    """A column of flags, each text value mapped by `meanings` (None: unknown)."""
    text = frame[column].astype("string").fillna("").str.strip()
    bad = first_bad(~text.isin(list(meanings)))
    if bad is not None:
        raise source_error(
            file,
            int(rows.iloc[bad]),
            column,
            f"{text.iloc[bad]!r} is not one of {sorted(meanings)}",
        )
    return text.map(meanings).astype("boolean")


def texts(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column with empty values as missing."""
    return frame[column].astype("string").replace("", pd.NA)


# --------------------------------------------------------------------------- labels and typing


def label_rows(ids: pd.Series, bot_kind: str | None, archetype: str) -> pd.DataFrame:
    """Label rows for accounts of one published group: bots when `bot_kind` is given."""
    return pd.DataFrame(
        {
            "account_id": ids.to_numpy(),
            "label": "human" if bot_kind is None else "bot",
            "bot_kind": bot_kind,
            "archetype": archetype,
        }
    )


def drop_conflicting_ids(
    accounts: pd.DataFrame, labels: pd.DataFrame, what: str
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    """Drop every account whose id is published more than once (in two groups, or twice in
    one): its label or profile is ambiguous. Returns the note saying how many went."""
    repeated = accounts["account_id"].duplicated(keep=False)
    if not repeated.any():
        return accounts, labels, ()
    ids = set(accounts.loc[repeated, "account_id"])
    note = (
        f"{len(ids)} {what} id(s) published more than once ({repeated.sum()} rows) were dropped: "
        f"their label or profile is ambiguous"
    )
    keep_accounts = ~accounts["account_id"].isin(ids)
    keep_labels = ~labels["account_id"].isin(ids)
    return (
        accounts[keep_accounts].reset_index(drop=True),
        labels[keep_labels].reset_index(drop=True),
        (note,),
    )


def contract_table(frame: pd.DataFrame, table: Table) -> pa.Table:
    """`frame` as an Arrow table typed as the contract stages `table` (columns it names only)."""
    unknown = [c for c in frame.columns if c not in table.column_names]
    if unknown:
        raise ValueError(f"columns {unknown} are not in the contract's '{table.name}' table")
    arrays, fields = [], []
    for column in frame.columns:
        kind = table.column(column).kind
        arrow_type = STAGED_TYPES[kind]
        arrays.append(pa.array(frame[column], type=arrow_type, from_pandas=True))
        fields.append(pa.field(column, arrow_type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def accounts_table(frame: pd.DataFrame) -> pa.Table:
    return contract_table(frame, ACCOUNTS)


def labels_table(frame: pd.DataFrame) -> pa.Table:
    return contract_table(frame, LABELS)
