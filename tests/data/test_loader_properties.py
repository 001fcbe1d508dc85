"""Property-based tests of the loader: hypothesis generates small datasets (ids and text in
any script, quotes, commas and newlines in values, timestamps with and without offsets or
as epoch seconds, IPv4 and IPv6 addresses, numbers of every magnitude), writes them as
CSV (with or without a byte-order mark, LF or CRLF) or Parquet, and checks that

- a valid dataset stages exactly: every value typed as written, timestamps in UTC;
- CSV and Parquet of the same tables stage to the same values;
- one bad cell anywhere gives exactly one problem, at its file, row and column, even
  when the file is read in many small batches;
- IP addresses and device ids are pseudonymised: consistently, and never staged raw.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, UTC
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fanaudit.features.loading as loading
from fanaudit.features.loading import ContractError, stage_dataset
from fanaudit.features.privacy import parse_ip

SETTINGS = settings(
    max_examples=min(25, settings.default.max_examples),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
TABLES = ("accounts", "logins", "engagements")

ids = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=10
)
texts = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=30,
)
moments = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2026, 5, 1), timezones=st.just(UTC)
)
offsets = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
amounts = st.floats(allow_nan=False, allow_infinity=False)
kinds = st.sampled_from(["view", "like", "share", "gift"]).flatmap(
    lambda k: st.sampled_from([k, k.upper(), k.title()])
)


@dataclass(frozen=True)
class Stamp:
    """A timestamp as written in the file and the UTC instant it means."""

    text: str
    utc: datetime


@st.composite
def stamps(draw, zoned: bool) -> Stamp:
    moment = draw(moments)
    style = draw(st.sampled_from(["iso", "epoch"]))
    if style == "epoch":
        moment = moment.replace(microsecond=0)
        return Stamp(str(int(moment.timestamp())), moment)
    if zoned:
        local = moment.astimezone(draw(offsets))
        return Stamp(
            draw(st.sampled_from([local.isoformat(), local.isoformat().replace("+00:00", "Z")])),
            moment,
        )
    return Stamp(
        moment.strftime(draw(st.sampled_from(["%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f"]))),
        moment,
    )


@dataclass(frozen=True)
class Dataset:
    """Generated tables: rows of written strings (None: empty cell) and expected values."""

    rows: dict[str, list[dict]]  # as written
    expected: dict[str, pd.DataFrame]  # as staged (without pseudonymised columns)
    zoned: bool


@st.composite
def datasets(draw) -> Dataset:
    zoned = draw(st.booleans())
    account_ids = draw(st.lists(ids, min_size=1, max_size=12, unique=True))
    accounts, logins, engagements = [], [], []
    for account in account_ids:
        created = draw(stamps(zoned))
        followers = draw(st.none() | st.integers(0, 2**62))
        accounts.append(
            {
                "account_id": account,
                "created_at": created.text,
                "nickname": draw(st.none() | texts),
                "followers_count": None if followers is None else str(followers),
                "has_avatar": draw(st.sampled_from([None, "true", "False", "1", "no"])),
            }
        )
    for _ in range(draw(st.integers(0, 15))):
        ts = draw(stamps(zoned))
        logins.append(
            {
                "account_id": draw(st.sampled_from(account_ids)),
                "ts": ts.text,
                "ip": str(draw(st.ip_addresses())),
                "device_id": draw(st.none() | st.text("0123456789abcdef", min_size=4, max_size=16)),
            }
        )
    for _ in range(draw(st.integers(0, 15))):
        ts = draw(stamps(zoned))
        amount = draw(st.none() | amounts)
        engagements.append(
            {
                "account_id": draw(st.sampled_from(account_ids)),
                "room_id": draw(ids),
                "ts": ts.text,
                "kind": draw(kinds),
                "amount": None if amount is None else repr(amount),
            }
        )
    rows = {"accounts": accounts, "logins": logins, "engagements": engagements}
    return Dataset(rows, expected_tables(rows), zoned)


def parse_stamp(text: str) -> datetime:
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def expected_tables(rows: dict[str, list[dict]]) -> dict[str, pd.DataFrame]:
    truthy = {"true": True, "1": True, "false": False, "no": False}
    accounts = pd.DataFrame(
        dtype=object,
        data={
            "account_id": [r["account_id"] for r in rows["accounts"]],
            "created_at": [parse_stamp(r["created_at"]) for r in rows["accounts"]],
            "nickname": [r["nickname"] for r in rows["accounts"]],
            "followers_count": [
                None if r["followers_count"] is None else int(r["followers_count"])
                for r in rows["accounts"]
            ],
            "has_avatar": [
                None if r["has_avatar"] is None else truthy[r["has_avatar"].lower()]
                for r in rows["accounts"]
            ],
        },
    )
    logins = pd.DataFrame(
        dtype=object,
        data={
            "account_id": [r["account_id"] for r in rows["logins"]],
            "ts": [parse_stamp(r["ts"]) for r in rows["logins"]],
        },
    )
    engagements = pd.DataFrame(
        dtype=object,
        data={
            "account_id": [r["account_id"] for r in rows["engagements"]],
            "room_id": [r["room_id"] for r in rows["engagements"]],
            "ts": [parse_stamp(r["ts"]) for r in rows["engagements"]],
            "kind": [r["kind"].lower() for r in rows["engagements"]],
            "amount": [
                None if r["amount"] is None else float(r["amount"]) for r in rows["engagements"]
            ],
        },
    )
    return {"accounts": accounts, "logins": logins, "engagements": engagements}


COLUMNS = {
    "accounts": ["account_id", "created_at", "nickname", "followers_count", "has_avatar"],
    "logins": ["account_id", "ts", "ip", "device_id"],
    "engagements": ["account_id", "room_id", "ts", "kind", "amount"],
}


def write_csv(folder: Path, rows: dict[str, list[dict]], *, bom: bool, newline: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        with open(
            folder / f"{name}.csv", "w", encoding="utf-8-sig" if bom else "utf-8", newline=""
        ) as handle:
            # A bare CR must be quoted; the csv module only quotes the terminator's characters.
            writer = csv.writer(
                handle,
                lineterminator=newline,
                quoting=csv.QUOTE_MINIMAL if newline == "\r\n" else csv.QUOTE_ALL,
            )
            writer.writerow(COLUMNS[name])
            for row in rows[name]:
                writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS[name]])
    return folder


def write_parquet(folder: Path, rows: dict[str, list[dict]], *, row_group: int = 64) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        table = pa.table(
            {c: pa.array([row[c] for row in rows[name]], pa.string()) for c in COLUMNS[name]}
        )
        pq.write_table(table, folder / f"{name}.parquet", row_group_size=row_group)
    return folder


def staged_tables(folder: Path) -> dict[str, dict[str, list]]:
    """Each staged table as {column: values in source-row order}."""
    with tempfile.TemporaryDirectory() as out:
        staged = stage_dataset(folder, Path(out) / "staged", now=NOW)
        return {
            name: pq.read_table(staged.tables[name].staged).sort_by(loading.ROW_COLUMN).to_pydict()
            for name in TABLES
        }


def assert_staged_as_expected(
    staged: dict[str, dict[str, list]], expected: dict[str, pd.DataFrame]
) -> None:
    for name, frame in expected.items():
        assert staged[name][loading.ROW_COLUMN] == list(range(1, len(frame) + 1)), name
        for column in frame.columns:
            want = [
                None if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)) else v
                for v in frame[column].astype(object)
            ]
            assert staged[name][column] == want, f"{name}.{column}"


@SETTINGS
@given(data=datasets(), bom=st.booleans(), newline=st.sampled_from(["\n", "\r\n"]))
def test_valid_csv_stages_exactly(data, bom, newline):
    with tempfile.TemporaryDirectory() as tmp:
        staged = staged_tables(write_csv(Path(tmp) / "d", data.rows, bom=bom, newline=newline))
    assert_staged_as_expected(staged, data.expected)


@SETTINGS
@given(data=datasets())
def test_csv_and_parquet_stage_the_same(data):
    with tempfile.TemporaryDirectory() as tmp:
        from_csv = staged_tables(write_csv(Path(tmp) / "c", data.rows, bom=False, newline="\n"))
        from_parquet = staged_tables(write_parquet(Path(tmp) / "p", data.rows))
    assert from_csv == from_parquet


def bad_values(column: str, zoned: bool) -> st.SearchStrategy[tuple[str, str]]:
    """(bad value, fragment of the message) for a column."""

    def stamp(moment: datetime) -> str:
        return moment.isoformat() if zoned else moment.replace(tzinfo=None).isoformat()

    options = {
        "created_at": [
            ("yesterday", "not an ISO 8601"),
            (stamp(datetime(1999, 12, 31, tzinfo=UTC)), "before 2000"),
            (stamp(datetime(2031, 1, 1, tzinfo=UTC)), "in the future"),
        ],
        "followers_count": [
            ("-1", "non-negative integer"),
            ("1.5", "non-negative integer"),
            ("lots", "non-negative integer"),
        ],
        "has_avatar": [("maybe", "not a valid bool")],
        "ip": [("1.2.3.400", "not an IPv4 or IPv6 address"), ("::g", "not an IPv4 or IPv6")],
        "kind": [("hug", "is not one of view, like, share, gift")],
        "amount": [
            ("NaN", "not a finite number"),
            ("-inf", "not a finite number"),
            ("1e999", "not a finite number"),
            ("12,5", "not a finite number"),
        ],
    }
    options["ts"] = options["created_at"]
    return st.sampled_from(options[column])


@st.composite
def corruptions(draw):
    """A dataset with one cell replaced by a bad value, and where that cell is."""
    data = draw(datasets())
    table = draw(st.sampled_from([t for t in TABLES if data.rows[t]]))
    column = draw(
        st.sampled_from(
            {
                "accounts": ["created_at", "followers_count", "has_avatar"],
                "logins": ["ts", "ip"],
                "engagements": ["ts", "kind", "amount"],
            }[table]
        )
    )
    index = draw(st.integers(0, len(data.rows[table]) - 1))
    value, says = draw(bad_values(column, data.zoned))
    rows = {name: [dict(r) for r in table_rows] for name, table_rows in data.rows.items()}
    rows[table][index][column] = value
    return rows, table, index + 1, column, says


def assert_one_problem_at(
    folder: Path, suffix: str, table: str, row: int, column: str, says: str
) -> None:
    with tempfile.TemporaryDirectory() as out:
        with pytest.raises(ContractError) as raised:
            stage_dataset(folder, Path(out) / "staged", now=NOW)
        assert not (Path(out) / "staged").exists(), "a failed load left a staged folder"
    problems = raised.value.problems
    assert len(problems) == 1, problems
    problem = problems[0]
    assert (problem.file, problem.row, problem.column) == (
        str(folder / f"{table}{suffix}"),
        row,
        column,
    )
    assert says in problem.message


@SETTINGS
@given(case=corruptions(), fmt=st.sampled_from(["csv", "parquet"]))
def test_one_bad_cell_is_one_problem_at_its_row_and_column(case, fmt):
    rows, table, row, column, says = case
    with tempfile.TemporaryDirectory() as tmp:
        if fmt == "csv":
            folder, suffix = write_csv(Path(tmp) / "d", rows, bom=False, newline="\n"), ".csv"
        else:
            folder, suffix = write_parquet(Path(tmp) / "d", rows), ".parquet"
        assert_one_problem_at(folder, suffix, table, row, column, says)


@SETTINGS
@given(case=corruptions(), fmt=st.sampled_from(["csv", "parquet"]))
def test_row_numbers_hold_across_many_small_batches(case, fmt, monkeypatch):
    monkeypatch.setattr(loading, "CSV_BLOCK_BYTES", 1 << 10)
    monkeypatch.setattr(loading, "BATCH_ROWS", 3)
    rows, table, row, column, says = case
    with tempfile.TemporaryDirectory() as tmp:
        if fmt == "csv":
            folder, suffix = write_csv(Path(tmp) / "d", rows, bom=True, newline="\r\n"), ".csv"
        else:
            folder, suffix = write_parquet(Path(tmp) / "d", rows, row_group=2), ".parquet"
        assert_one_problem_at(folder, suffix, table, row, column, says)


@SETTINGS
@given(data=datasets())
def test_addresses_and_devices_are_pseudonymised_consistently(data):
    logins = data.rows["logins"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_csv(Path(tmp) / "d", data.rows, bom=False, newline="\n")
        staged = staged_tables(folder)["logins"]
    canonical = [parse_ip(r["ip"]) for r in logins]
    raw_values = (
        {r["ip"] for r in logins} | {c[0] for c in canonical} | {r["device_id"] for r in logins}
    )
    for column in ("ip", "ip_prefix", "device_id"):
        assert not {v for v in staged[column] if v is not None} & raw_values
    for i, first in enumerate(logins):
        for j, second in enumerate(logins):
            assert (staged["ip"][i] == staged["ip"][j]) == (canonical[i][0] == canonical[j][0])
            assert (staged["ip_prefix"][i] == staged["ip_prefix"][j]) == (
                canonical[i][1] == canonical[j][1]
            )
            same_device = (
                first["device_id"] is not None and first["device_id"] == second["device_id"]
            )
            assert (
                staged["device_id"][i] is not None
                and staged["device_id"][i] == staged["device_id"][j]
            ) == same_device
