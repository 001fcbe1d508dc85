"""Hostile and broken dataset folders, through the real command line.

Every broken folder makes `fanaudit features` exit non-zero (2) with an error that names
the file, and the row and column wherever the defect has them (a missing table, a missing
column or an empty file has no row), and nothing is written: no output file, no
temporary file beside it, no staged folder left behind.

Three hostile-looking inputs are valid and accepted on purpose:
- a UTF-8 byte-order mark: spreadsheet exports write one; it is dropped, ids stay intact;
- formula-looking text (``=cmd|' /C calc'!A0``): it is data, so it loads; but where
  fanaudit writes CSV, it is neutralised (prefixed with ') so no spreadsheet runs it;
  Parquet output keeps the value exactly;
- a header-only event table: an empty table (no logins at all); a header-only
  `accounts`, however, is an error: a dataset without accounts has nothing to score.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fanaudit.cli import app

runner = CliRunner()

ACCOUNTS = (
    "account_id,created_at,nickname,followers_count\n"
    "a1,2024-01-01T00:00:00Z,Ann,10\na2,2024-01-02T00:00:00Z,Bob,3\n"
)
LOGINS = (
    "account_id,ts,ip,device_id\n"
    "a1,2024-02-01T10:00:00Z,10.1.2.3,dev-1\na2,2024-02-01T11:00:00Z,10.1.2.4,dev-2\n"
)
ENGAGEMENTS = (
    "account_id,room_id,ts,kind,amount\n"
    "a1,r1,2024-02-01T10:00:00Z,gift,5\na2,r1,2024-02-01T10:05:00Z,view,30\n"
)
ORDERS = "order_id,account_id,room_id,ts,amount\no1,a1,r1,2024-02-01T10:00:00Z,9.9\n"
BASE = {
    "accounts.csv": ACCOUNTS,
    "logins.csv": LOGINS,
    "engagements.csv": ENGAGEMENTS,
    "orders.csv": ORDERS,
}
FORMULA = "=cmd|' /C calc'!A0"


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def invalid_utf8_strings() -> pa.Array:
    """A Parquet-bound string array whose second value is not UTF-8 (Parquet allows it)."""
    offsets = pa.py_buffer(bytes([0, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0]))
    return pa.Array.from_buffers(pa.string(), 2, [None, offsets, pa.py_buffer(b"a1\xff\xfe")])


@dataclass(frozen=True)
class Broken:
    """A broken folder (BASE with `files` replaced; None removes a file) and where it breaks."""

    name: str
    files: dict[str, str | bytes | None]
    file: str
    row: int | None
    column: str | None
    says: str  # a fragment of the message


BROKEN = [
    Broken(
        "missing required table",
        {"accounts.csv": None},
        "accounts.csv",
        None,
        None,
        "required table 'accounts' is missing",
    ),
    Broken(
        "missing required column",
        {"logins.csv": "account_id,ts\na1,2024-02-01T10:00:00Z\n"},
        "logins.csv",
        None,
        "ip",
        "required column is missing",
    ),
    Broken(
        "wrong type: integer",
        {"accounts.csv": ACCOUNTS + "a3,2024-01-03T00:00:00Z,Cy,many\n"},
        "accounts.csv",
        3,
        "followers_count",
        "'many' is not a non-negative integer",
    ),
    Broken(
        "wrong type: enum",
        {"engagements.csv": ENGAGEMENTS + "a1,r1,2024-02-01T10:00:00Z,hug,1\n"},
        "engagements.csv",
        3,
        "kind",
        "'hug' is not one of view, like, share, gift",
    ),
    Broken(
        "wrong type: Parquet list column",
        {
            "accounts.csv": None,
            "accounts.parquet": parquet_bytes(pa.table({"account_id": pa.array([["a1"], ["a2"]])})),
        },
        "accounts.parquet",
        None,
        "account_id",
        "cannot hold id values",
    ),
    Broken(
        "unparseable timestamp",
        {"logins.csv": LOGINS + "a1,31/02/2024 25:00,10.0.0.1,d\n"},
        "logins.csv",
        3,
        "ts",
        "'31/02/2024 25:00' is not an ISO 8601 timestamp",
    ),
    Broken(
        "mixed time zones",
        {"logins.csv": LOGINS + "a1,2024-02-01 12:00:00,10.0.0.1,d\n"},
        "logins.csv",
        3,
        "ts",
        "timestamps mix zone-naive values (first at row 3)",
    ),
    Broken(
        "duplicate account id",
        {"accounts.csv": ACCOUNTS + "a1,2024-01-05T00:00:00Z,Again,1\n"},
        "accounts.csv",
        3,
        "account_id",
        "duplicate id 'a1' (first at row 1)",
    ),
    Broken(
        "duplicate order id",
        {"orders.csv": ORDERS + "o1,a2,r1,2024-02-02T10:00:00Z,1\n"},
        "orders.csv",
        2,
        "order_id",
        "duplicate id 'o1'",
    ),
    Broken(
        "event of an unknown account",
        {"logins.csv": LOGINS + "ghost,2024-02-01T10:00:00Z,10.0.0.9,d\n"},
        "logins.csv",
        3,
        "account_id",
        "account 'ghost' in table 'logins' is not in accounts",
    ),
    Broken("empty event file", {"logins.csv": ""}, "logins.csv", None, None, "file is empty"),
    Broken(
        "empty accounts file", {"accounts.csv": ""}, "accounts.csv", None, None, "file is empty"
    ),
    Broken(
        "header-only accounts",
        {"accounts.csv": "account_id,created_at\n"},
        "accounts.csv",
        None,
        None,
        "has no rows",
    ),
    Broken(
        "non-UTF-8 bytes in a value",
        {"accounts.csv": ACCOUNTS.encode() + b"a3,2024-01-03T00:00:00Z,Caf\xe9,1\n"},
        "accounts.csv",
        3,
        "nickname",
        "not valid UTF-8",
    ),
    Broken(
        "non-UTF-8 bytes in the header",
        {"accounts.csv": b"account_id,nickn\xe4me\na1,x\n"},
        "accounts.csv",
        None,
        None,
        "header row is not UTF-8",
    ),
    Broken(
        "non-UTF-8 bytes in Parquet",
        {
            "accounts.csv": None,
            "accounts.parquet": parquet_bytes(pa.table({"account_id": invalid_utf8_strings()})),
        },
        "accounts.parquet",
        2,
        "account_id",
        "not valid UTF-8",
    ),
    Broken(
        "very long text field",
        {"accounts.csv": ACCOUNTS + f"a3,2024-01-03T00:00:00Z,{'x' * 20_000},1\n"},
        "accounts.csv",
        3,
        "nickname",
        "longer than 10,000 characters",
    ),
    Broken(
        "text field longer than a parser block (17 MB)",
        {"accounts.csv": ACCOUNTS + f"a3,2024-01-03T00:00:00Z,{'y' * (17 << 20)},1\n"},
        "accounts.csv",
        3,
        "nickname",
        "longer than 10,000 characters",
    ),
    Broken(
        "very long id",
        {"accounts.csv": ACCOUNTS + f"{'z' * 600},2024-01-03T00:00:00Z,Z,1\n"},
        "accounts.csv",
        3,
        "account_id",
        "longer than 512 characters",
    ),
    Broken(
        "NaN amount",
        {"engagements.csv": ENGAGEMENTS + "a1,r1,2024-02-01T10:00:00Z,gift,NaN\n"},
        "engagements.csv",
        3,
        "amount",
        "'NaN' is not a finite number",
    ),
    Broken(
        "infinite amount",
        {"orders.csv": ORDERS + "o2,a2,r1,2024-02-01T10:00:00Z,inf\n"},
        "orders.csv",
        2,
        "amount",
        "'inf' is not a finite number",
    ),
    Broken(
        "negative infinite amount",
        {"engagements.csv": ENGAGEMENTS + "a1,r1,2024-02-01T10:00:00Z,gift,-Infinity\n"},
        "engagements.csv",
        3,
        "amount",
        "not a finite number",
    ),
    Broken(
        "timestamp before 2000",
        {"logins.csv": LOGINS + "a1,1999-12-31T23:59:59Z,10.0.0.1,d\n"},
        "logins.csv",
        3,
        "ts",
        "is before 2000-01-01",
    ),
    Broken(
        "epoch zero",
        {"accounts.csv": ACCOUNTS + "a3,0,Cy,1\n"},
        "accounts.csv",
        3,
        "created_at",
        "is before 2000-01-01",
    ),
    Broken(
        "timestamp in the future",
        {"logins.csv": LOGINS + "a1,2999-01-01T00:00:00Z,10.0.0.1,d\n"},
        "logins.csv",
        3,
        "ts",
        "is in the future",
    ),
    Broken(
        "infinite timestamp",
        {"logins.csv": LOGINS + "a1,infinity,10.0.0.1,d\n"},
        "logins.csv",
        3,
        "ts",
        "is not an ISO 8601 timestamp",
    ),
    Broken(
        "row with too many fields",
        {"logins.csv": LOGINS + "a1,2024-02-01T10:00:00Z,10.0.0.1,d,extra\n"},
        "logins.csv",
        3,
        None,
        "the row has 5 fields, the header 4",
    ),
    Broken(
        "row with too few fields",
        {"logins.csv": LOGINS + "a1,2024-02-01T10:00:00Z\n"},
        "logins.csv",
        3,
        "ip",
        "the row has 2 fields, the header 4",
    ),
    Broken(
        "not an IP address",
        {"logins.csv": LOGINS + "a1,2024-02-01T10:00:00Z,10.0.0.300,d\n"},
        "logins.csv",
        3,
        "ip",
        "not an IPv4 or IPv6 address",
    ),
    Broken(
        "corrupt gzip",
        {"logins.csv": None, "logins.csv.gz": gzip.compress(LOGINS.encode())[:-9]},
        "logins.csv.gz",
        None,
        None,
        "cannot be read",
    ),
    Broken(
        "one table given twice",
        {"logins.csv.gz": gzip.compress(LOGINS.encode())},
        "",
        None,
        None,
        "table 'logins' is given twice",
    ),
]


def write_folder(folder: Path, files: dict[str, str | bytes | None]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in (BASE | files).items():
        if content is None:
            continue
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """A temporary directory of this test's own, so leftovers of the loader are visible."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


def run_features(data: Path, out: Path):
    return runner.invoke(app, ["features", "--data", str(data), "--out", str(out)])


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("case", BROKEN, ids=[c.name for c in BROKEN])
def test_broken_input_fails_with_file_row_and_column_and_writes_nothing(
    case, tmp_path, private_tmp
):
    data = write_folder(tmp_path / "data", case.files)
    out = tmp_path / "out" / "features.csv"
    result = run_features(data, out)
    message = one_line(result.output)
    assert result.exit_code == 3, message
    assert "error:" in message and case.says in message
    where = [str(data / case.file)] if case.file else [str(data)]
    if case.row is not None:
        where.append(f"row {case.row}")
    if case.column is not None:
        where.append(f"column '{case.column}'")
    assert ", ".join(where) + ":" in message, message
    assert not out.parent.exists() or not any(out.parent.iterdir())
    assert list(private_tmp.iterdir()) == [], "a staged folder was left behind"


@pytest.mark.process
def test_validate_exits_3_as_a_real_process(tmp_path):
    data = write_folder(
        tmp_path / "data",
        {"engagements.csv": ENGAGEMENTS + "a1,r1,2024-02-01T10:00:00Z,gift,nan\n"},
    )
    result = subprocess.run(
        ["fanaudit", "validate", str(data)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 3
    assert f"{data / 'engagements.csv'}, row 3, column 'amount'" in one_line(result.stderr)


def test_an_invalid_ip_is_never_repeated_in_the_error(tmp_path, private_tmp):
    secret_looking = "10.0.0.300"
    data = write_folder(
        tmp_path / "data", {"logins.csv": LOGINS + f"a1,2024-02-01T10:00:00Z,{secret_looking},d\n"}
    )
    result = run_features(data, tmp_path / "f.csv")
    assert result.exit_code == 3
    assert secret_looking not in result.output


def test_problems_are_capped_at_50(tmp_path, private_tmp):
    rows = "".join(f"a1,r1,2024-02-01T10:00:00Z,gift,bad{i}\n" for i in range(5_000))
    data = write_folder(tmp_path / "data", {"engagements.csv": ENGAGEMENTS + rows})
    result = run_features(data, tmp_path / "f.csv")
    message = one_line(result.output)
    assert result.exit_code == 3
    assert "50 problem(s)" in message and "row 3, column 'amount'" in message
    assert "row 53," not in message


def engagements_in_two_batches(bad_amounts: int) -> bytes:
    """101 engagement rows as Parquet: the first `bad_amounts` amounts unreadable, and row 101
    (the second batch when batches hold 100 rows) an account id that is not UTF-8."""
    ids = [b"a1"] * 100 + [b"a1\xff"]
    amounts = [f"bad{i}" if i < bad_amounts else "1" for i in range(101)]
    return parquet_bytes(
        pa.table(
            {
                "account_id": pa.array(ids, pa.binary()),
                "room_id": ["r1"] * 101,
                "ts": ["2024-02-01T10:00:00Z"] * 101,
                "kind": ["gift"] * 101,
                "amount": amounts,
            }
        )
    )


def test_reading_stops_once_50_problems_are_found(tmp_path, private_tmp, monkeypatch):
    """With 60 problems in the first batch the second is never read (its bad bytes go
    unreported); with 10 it is read, and its bad bytes reported."""
    import fanaudit.features.loading as loading

    monkeypatch.setattr(loading, "BATCH_ROWS", 100)
    said = {}
    for bad in (60, 10):
        files = {"engagements.csv": None, "engagements.parquet": engagements_in_two_batches(bad)}
        data = write_folder(tmp_path / f"data-{bad}", files)
        result = run_features(data, tmp_path / "f.csv")
        assert result.exit_code == 3  # bad data
        said[bad] = one_line(result.output)
    assert "50 problem(s)" in said[60] and "not valid UTF-8" not in said[60]
    assert "row 101, column 'account_id': value is not valid UTF-8" in said[10]


# --------------------------------------------------------------------------- accepted


def features_frame(data: Path, out: Path) -> pd.DataFrame:
    result = run_features(data, out)
    assert result.exit_code == 0, result.output
    if out.suffix == ".parquet":
        return pd.read_parquet(out)
    return pd.read_csv(out, dtype={"account_id": str}, keep_default_na=False)


def test_byte_order_mark_is_accepted_and_dropped(tmp_path, private_tmp):
    data = write_folder(tmp_path / "data", {"accounts.csv": b"\xef\xbb\xbf" + ACCOUNTS.encode()})
    frame = features_frame(data, tmp_path / "f.parquet")
    assert sorted(frame["account_id"]) == ["a1", "a2"]
    assert list(private_tmp.iterdir()) == []


def test_byte_order_mark_on_a_gzipped_event_table_is_accepted(tmp_path, private_tmp):
    data = write_folder(
        tmp_path / "data",
        {"logins.csv": None, "logins.csv.gz": gzip.compress(b"\xef\xbb\xbf" + LOGINS.encode())},
    )
    frame = features_frame(data, tmp_path / "f.parquet")
    assert len(frame) == 2


def test_formula_text_loads_but_is_neutralised_in_csv_output(tmp_path, private_tmp):
    accounts = (
        ACCOUNTS + f'"{FORMULA.replace(chr(34), chr(34) * 2)}",2024-01-03T00:00:00Z,"@SUM(A1)",1\n'
    )
    data = write_folder(tmp_path / "data", {"accounts.csv": accounts})
    csv_out = tmp_path / "f.csv"
    features_frame(data, csv_out)
    with open(csv_out, newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert "'" + FORMULA in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    parquet = features_frame(data, tmp_path / "f.parquet")
    assert FORMULA in set(parquet["account_id"])  # Parquet is not a spreadsheet: kept exactly


def test_header_only_event_table_is_an_empty_table(tmp_path, private_tmp):
    data = write_folder(tmp_path / "data", {"logins.csv": "account_id,ts,ip,device_id\n"})
    frame = features_frame(data, tmp_path / "f.parquet")
    assert sorted(frame["account_id"]) == ["a1", "a2"]
    result = runner.invoke(app, ["validate", str(data)])
    assert result.exit_code == 0 and "logins" in result.output


def test_different_explicit_offsets_are_accepted(tmp_path, private_tmp):
    logins = (
        LOGINS
        + "a1,2024-02-01T18:00:00+08:00,10.1.2.3,dev-1\na2,2024-02-01 10:00:00 UTC,10.1.2.4,dev-2\n"
    )
    data = write_folder(tmp_path / "data", {"logins.csv": logins})
    result = runner.invoke(app, ["validate", str(data)])
    assert result.exit_code == 0, result.output
    assert re.search(r"(?m)^valid$", result.output), result.output  # not "invalid"


def test_extra_columns_are_ignored_even_with_internal_names(tmp_path, private_tmp):
    accounts = "account_id,_row,p:account_id,ip_prefix\na1,x,y,z\na2,,,\n"
    frame = features_frame(
        write_folder(tmp_path / "data", {"accounts.csv": accounts}), tmp_path / "f.parquet"
    )
    assert sorted(frame["account_id"]) == ["a1", "a2"]


def test_files_that_are_no_table_are_named_in_a_warning(tmp_path, private_tmp):
    data = write_folder(tmp_path / "data", {"Logins.CSV": LOGINS})
    result = runner.invoke(app, ["validate", str(data)])
    assert result.exit_code == 0
    assert re.search(r"ignored Logins\.CSV: not a table of the contract", one_line(result.output))
