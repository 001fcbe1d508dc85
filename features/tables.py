"""The staged tables as Ibis expressions, handed to every feature family."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, UTC

import ibis
import pandas as pd

from fanaudit.errors import DataError
from fanaudit.features.contract import EVENT_TABLES
from fanaudit.features.loading import ROW_COLUMN, StagedDataset


@dataclass(frozen=True)
class Tables:
    """Ibis expressions over the staged tables; absent tables are None.

    `as_of` is the reference time for ages and recency: the dataset's last event (or, with
    no events, its latest `observed_at`, else its newest account), so features never depend
    on the wall clock. `integer_keys` says whether `keyed` ranks accounts to integers.
    """

    accounts: ibis.Table
    follows: ibis.Table | None
    logins: ibis.Table | None
    comments: ibis.Table | None
    engagements: ibis.Table | None
    orders: ibis.Table | None
    as_of: datetime
    integer_keys: bool = False

    @property
    def as_of_literal(self) -> ibis.expr.types.TimestampScalar:
        return ibis.literal(self.as_of, type="timestamp('UTC')")

    @property
    def account_keys(self) -> ibis.Table:
        """account_id and `account_key`, a dense int32 per account (its rank by id)."""
        rank = ibis.row_number().over(order_by=self.accounts.account_id)
        return self.accounts.select("account_id", account_key=rank.cast("int32"))

    def keyed(self, events: ibis.Table) -> ibis.Table:
        """`events` with `account_key` in place of `account_id`, for sorting and windowing.

        With `integer_keys` (DuckDB, where ordering millions of events by an integer is much
        cheaper than by a string) the key is the account's rank; otherwise (Spark, where a
        global rank would pull every account into one partition) it is the id itself."""
        if not self.integer_keys:
            return events.rename(account_key="account_id")
        joined = events.join(self.account_keys, "account_id")
        return joined.select("account_key", *[c for c in events.columns if c != "account_id"])

    def unkeyed(self, per_key: ibis.Table) -> ibis.Table:
        """A per-`account_key` table (from `keyed` events) back on `account_id`."""
        if not self.integer_keys:
            return per_key.rename(account_id="account_key")
        joined = per_key.join(self.account_keys, "account_key")
        return joined.select("account_id", *[c for c in per_key.columns if c != "account_key"])


def latest(column: ibis.Column) -> datetime | None:
    """The newest value of a timestamp column, or None when it has none."""
    value = column.max().execute()
    return None if pd.isna(value) else value


def open_tables(con, staged: StagedDataset) -> Tables:
    """Register the staged Parquet of `staged` on backend `con` (no label table, ever)."""

    def read(name: str) -> ibis.Table | None:
        if not staged.has(name):
            return None
        return con.read_parquet(staged.parquet_glob(name), table_name=f"staged_{name}").drop(
            ROW_COLUMN
        )

    events = {name: read(name) for name in EVENT_TABLES}
    accounts = read("accounts")
    if accounts is None:  # staging refuses a dataset without it
        raise DataError("the staged dataset has no accounts table")
    as_of = staged.last_event
    if as_of is None:  # no events: the latest profile observation, else the newest account
        as_of = (
            latest(accounts.observed_at)
            or latest(accounts.created_at)
            or datetime(2000, 1, 1, tzinfo=UTC)
        )
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    return Tables(accounts=accounts, as_of=as_of, integer_keys=con.name == "duckdb", **events)
