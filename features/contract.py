"""The dataset contract: which tables a dataset folder may hold, their columns and types.

This module is the single source of the contract in code; `docs/dataset.md` is its
human-readable twin. Loading (`features.loading`) validates every file against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

ColumnKind = Literal["id", "string", "text", "timestamp", "bool", "int", "number", "enum", "ip"]


@dataclass(frozen=True)
class Column:
    """One column of a contract table."""

    name: str
    kind: ColumnKind
    required: bool = False
    unique: bool = False
    values: tuple[str, ...] = ()  # allowed values of an enum column
    default: str | None = None  # value used when an optional enum column is absent or empty
    references_account: bool = False  # must name an account in `accounts`


@dataclass(frozen=True)
class Table:
    """One table of the contract."""

    name: str
    columns: tuple[Column, ...]
    required: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def arrow_schema(self, columns: tuple[str, ...] | None = None) -> pa.Schema:
        """The table's typed Arrow schema (the types loading stages it as), for all its
        columns or the given ones in the given order."""
        names = self.column_names if columns is None else columns
        return pa.schema([pa.field(name, ARROW_TYPES[self.column(name).kind]) for name in names])


# The Arrow type of each column kind: what loading stages a column as and what a writer of
# typed Parquet (the simulator) writes.
ARROW_TYPES: dict[ColumnKind, pa.DataType] = {
    "id": pa.string(),
    "string": pa.string(),
    "text": pa.string(),
    "ip": pa.string(),
    "enum": pa.string(),
    "bool": pa.bool_(),
    "int": pa.int64(),
    "number": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


ACCOUNTS = Table(
    "accounts",
    (
        Column("account_id", "id", required=True, unique=True),
        Column("created_at", "timestamp"),
        Column("nickname", "text"),
        Column("has_avatar", "bool"),
        Column("bio", "text"),
        Column("followers_count", "int"),
        Column("following_count", "int"),
        Column("posts_count", "int"),
        # Optional profile columns added for real-world sets (see docs/dataset.md).
        Column("listed_count", "int"),
        Column("favourites_count", "int"),
        Column("url", "text"),
        Column("language", "string"),
        Column("verified", "bool"),
        Column("is_private", "bool"),
        Column("default_profile", "bool"),
        # For sets crawled once, without event logs: when the profile was observed (its
        # counters are as of then), and lengths for sets that publish them but not the text.
        Column("observed_at", "timestamp"),
        Column("nickname_chars", "int"),
        Column("nickname_digits", "int"),
        Column("bio_chars", "int"),
    ),
    required=True,
)

FOLLOWS = Table(
    "follows",
    (
        Column("follower_id", "id", required=True, references_account=True),
        Column("followee_id", "id", required=True),
        Column("ts", "timestamp"),
        Column("action", "enum", values=("follow", "unfollow"), default="follow"),
    ),
)

LOGINS = Table(
    "logins",
    (
        Column("account_id", "id", required=True, references_account=True),
        Column("ts", "timestamp", required=True),
        Column("ip", "ip", required=True),
        Column("device_id", "id"),
        Column("user_agent", "text"),
    ),
)

COMMENTS = Table(
    "comments",
    (
        Column("account_id", "id", required=True, references_account=True),
        Column("room_id", "id", required=True),
        Column("ts", "timestamp", required=True),
        Column("text", "text", required=True),
        # Optional: the app or device the platform says the post was sent from (Weibo's
        # "来自 iPhone 6", a tweet's source). Absent: the client features are missing.
        Column("client", "string"),
    ),
)

ENGAGEMENTS = Table(
    "engagements",
    (
        Column("account_id", "id", required=True, references_account=True),
        Column("room_id", "id", required=True),
        Column("ts", "timestamp", required=True),
        Column("kind", "enum", required=True, values=("view", "like", "share", "gift")),
        Column("amount", "number"),
    ),
)

ORDERS = Table(
    "orders",
    (
        Column("order_id", "id", required=True, unique=True),
        Column("account_id", "id", required=True, references_account=True),
        Column("room_id", "id", required=True),
        Column("ts", "timestamp", required=True),
        Column("amount", "number", required=True),
        Column("refunded_at", "timestamp"),
    ),
)

LABELS = Table(
    "labels",
    (
        Column("account_id", "id", required=True, unique=True, references_account=True),
        Column("label", "enum", required=True, values=("human", "bot")),
        Column("bot_kind", "string"),
        Column("archetype", "string"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (ACCOUNTS, FOLLOWS, LOGINS, COMMENTS, ENGAGEMENTS, ORDERS, LABELS)
}
EVENT_TABLES = ("follows", "logins", "comments", "engagements", "orders")
FILE_SUFFIXES = (".parquet", ".csv", ".csv.gz")
