"""Loading a dataset folder: find each table's file, validate it against the contract,
and stage it as typed, UTC, pseudonymised Parquet for the feature pipelines.

Files are streamed in record batches (never read whole into memory); each batch is typed
by DuckDB, so the row of every bad value is known exactly. Problems are collected and
raised together as a `ContractError` naming file, row and column. Row numbers count data
rows from 1 (the header is not a row; blank lines are skipped and not counted).

What is accepted, and what is not:
- a UTF-8 byte-order mark is accepted and dropped; any other non-UTF-8 byte is an error;
- a header-only event table is an empty table; a header-only `accounts` is an error;
- text that looks like a spreadsheet formula (``=cmd|...``) is data like any other: it is
  neutralised where fanaudit writes CSV (`features.io`), not refused here;
- NaN and infinite numbers, and timestamps before 2000 or in the future, are errors; so
  is a timestamp column that mixes zone-naive values with values carrying an offset
  (different explicit offsets are fine: every value is converted to UTC);
- ids follow one rule in every source and every follower list (`normalise_id`): leading
  and trailing ASCII whitespace (space, tab, CR, LF, FF, VT) is removed, nothing else; an
  id column of integers is read as their decimal text; one of floats or decimals only when
  every value is a whole number of at most 2^53 (exact), else each other value is an error;
- events dated before their own account's registration are counted and reported as a
  warning (the features count ages and delays from zero, never below);
- a table file that is a folder, a dangling symbolic link, a link loop or unreadable is an
  error naming it (never silently skipped);
- memory is bounded by the record size, not the input: a CSV line or record longer than
  `MAX_RECORD_BYTES` (also inside a .gz) is refused with its row.

Nothing is half-written: tables are staged into a temporary folder that is renamed into
place only when the whole dataset is valid, and removed otherwise.
"""

from __future__ import annotations

import csv
import decimal
import gzip
import hashlib
import io
import os
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, UTC
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fanaudit.errors import DataError, UsageError
from fanaudit.features.contract import (
    ARROW_TYPES,
    EVENT_TABLES,
    FILE_SUFFIXES,
    TABLES,
    Column,
    Table,
)
from fanaudit.features.io import atomic_folder, scratch_folder
from fanaudit.features.privacy import (
    PERSONAL_COLUMNS,
    Pseudonymiser,
    load_or_create_secret,
)

BATCH_ROWS = 500_000
CSV_BLOCK_BYTES = 1 << 22  # the CSV reader reads up to 32 blocks ahead: 128 MiB
MAX_HEADER_BYTES = 1 << 20
MAX_TEXT_CHARS = 10_000  # free text: comments, bios, user agents
MAX_ID_CHARS = 512  # ids, addresses, short strings
MAX_RECORD_BYTES = CSV_BLOCK_BYTES  # the CSV reader refuses a record longer than a block
ID_WHITESPACE = " \t\r\n\f\v"  # stripped from both ends of every id
EXACT_FLOAT_LIMIT = 1 << 53  # integers above this are not all exact as float64
EARLIEST_TIMESTAMP = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)
LAST_EPOCH_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z
MAX_PROBLEMS = 50
OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
CANONICAL_IPV4 = f"^{OCTET}(\\.{OCTET}){{3}}$"  # exactly the strings ipaddress prints for IPv4
ROW_COLUMN = "_row"  # source row number (1-based), kept in staged tables for error messages
IP_PREFIX_COLUMN = "ip_prefix"
# A timestamp string carries a zone when its time part ends in Z, an offset or a zone name.
ZONED_PATTERN = (
    r"[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*"
    r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?|[A-Za-z][A-Za-z0-9_/+-]*)$"
)


@dataclass(frozen=True)
class Problem:
    """One way a file breaks the contract."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class ContractError(DataError):
    """A dataset folder breaks the contract; `problems` says where."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        if len(problems) == 1:  # one problem: one line naming file, row and column
            super().__init__(str(problems[0]))
            return
        shown = "\n".join(f"  - {p}" for p in problems[:MAX_PROBLEMS])
        more = len(problems) - MAX_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(problems)} problem(s) in the dataset:\n{shown}{tail}")


def contract_error(
    path: Path, message: str, row: int | None = None, column: str | None = None
) -> ContractError:
    return ContractError([Problem(str(path), row, column, message)])


@dataclass(frozen=True)
class StagedTable:
    name: str
    source: Path
    staged: Path  # folder of Parquet parts
    rows: int


@dataclass(frozen=True)
class StagedDataset:
    """A validated dataset folder, staged as typed Parquet under `root`."""

    source: Path
    root: Path
    tables: dict[str, StagedTable]
    accounts: int
    first_event: datetime | None
    last_event: datetime | None
    fingerprint: str
    warnings: tuple[str, ...] = field(default=())

    def has(self, name: str) -> bool:
        return name in self.tables

    def parquet_glob(self, name: str) -> str:
        return str(self.tables[name].staged / "*.parquet")

    def source_sql(self, name: str) -> str:
        """`read_parquet('...')` of a staged table for DuckDB SQL, its path quoted."""
        return parquet_source(self.tables[name].staged)

    def rows(self) -> dict[str, int]:
        return {name: t.rows for name, t in self.tables.items()}


# --------------------------------------------------------------------------- files


def unreadable_reason(path: Path) -> str | None:
    """Why an existing table path cannot be read as a file, or None when it can."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "is a symbolic link to a missing file"
    except OSError as exc:
        return f"cannot be opened ({exc.strerror or exc})"
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if not os.access(path, os.R_OK):
        return "cannot be read (permission denied)"
    return None


def find_table_file(folder: Path, name: str) -> Path | None:
    """The file holding table `name` in `folder`, or None; two candidates are an error, and
    so is a candidate that exists but cannot be read as a file."""
    found = [folder / f"{name}{suffix}" for suffix in FILE_SUFFIXES]
    found = [p for p in found if os.path.lexists(p)]
    for path in found:
        reason = unreadable_reason(path)
        if reason:
            raise contract_error(path, f"table '{name}' {reason}")
    if len(found) > 1:
        raise contract_error(
            folder, f"table '{name}' is given twice: " + ", ".join(p.name for p in found)
        )
    return found[0] if found else None


def dataset_inputs(folder: Path) -> list[Path]:
    """Every path a dataset folder's tables may have (present or not): no output may take
    one, or the folder would change under the next run."""
    return [Path(folder) / f"{name}{suffix}" for name in TABLES for suffix in FILE_SUFFIXES]


def ignored_files(folder: Path) -> list[str]:
    """Visible files in `folder` that are not a table of the contract."""
    known = {f"{name}{suffix}" for name in TABLES for suffix in FILE_SUFFIXES}
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name not in known
    )


def fingerprint_files(paths: list[Path]) -> str:
    """SHA-256 over the names and bytes of the given files, as hex."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
    return digest.hexdigest()


def open_binary(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def read_csv_header(path: Path) -> list[str]:
    """Column names from the first line of a CSV file (a UTF-8 byte-order mark is dropped)."""
    try:
        with open_binary(path) as raw:
            line = raw.readline(MAX_HEADER_BYTES + 1)
    except (OSError, EOFError) as exc:  # a corrupt or truncated .gz
        raise contract_error(path, f"file cannot be read ({exc})") from exc
    if len(line) > MAX_HEADER_BYTES:
        raise contract_error(path, f"header row is longer than {MAX_HEADER_BYTES:,} bytes")
    if not line:
        raise contract_error(path, "file is empty (no header row)")
    if not line.strip(b"\r\n"):
        raise contract_error(path, "first line is blank; the header must be the first line")
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise contract_error(path, f"header row is not UTF-8 (byte {exc.start + 1})") from exc
    names = [name.strip() for name in next(csv.reader([text]))]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ContractError(
            [Problem(str(path), None, c, "column appears twice in the header") for c in duplicated]
        )
    return names


def field_problems(path: Path, row: int, names: list[str], fields: list[str]) -> list[Problem]:
    """What is wrong with one CSV record read leniently (error path only)."""
    problems = []
    if len(fields) < len(names):
        problems.append(
            Problem(
                str(path),
                row,
                names[len(fields)],
                f"value is missing: the row has {len(fields)} fields, the header {len(names)}",
            )
        )
    elif len(fields) > len(names):
        problems.append(
            Problem(
                str(path), row, None, f"the row has {len(fields)} fields, the header {len(names)}"
            )
        )
    for name, value in zip(names, fields, strict=False):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(Problem(str(path), row, name, "value is not valid UTF-8"))
            continue
        if len(value) > MAX_TEXT_CHARS:
            problems.append(
                Problem(str(path), row, name, f"value is longer than {MAX_TEXT_CHARS:,} characters")
            )
    return problems


class LineTooLong(Exception):
    """A physical line longer than `MAX_RECORD_BYTES`; `prefix` is its start."""

    def __init__(self, prefix: bytes):
        super().__init__()
        self.prefix = prefix


def bounded_lines(raw: io.BufferedIOBase) -> Iterator[str]:
    """Decoded lines of `raw`, each read with a bounded buffer (never a whole huge line)."""
    first = True
    while True:
        line = raw.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_RECORD_BYTES:
            raise LineTooLong(line[:MAX_RECORD_BYTES] if first else line)
        text = line.decode("utf-8", errors="surrogateescape")
        yield text.removeprefix("\ufeff") if first else text
        first = False


def long_line_problem(
    path: Path, row: int, names: list[str], prefix: bytes, fallback: str
) -> Problem:
    """The problem of a too-long line, naming the column whose value runs past the limit."""
    text = prefix.decode("utf-8", errors="replace").removeprefix("\ufeff")
    limit = csv.field_size_limit(len(text) + 1)
    try:
        fields = next(csv.reader([text]), [])
    except csv.Error:
        fields = []
    finally:
        csv.field_size_limit(limit)
    if not fields or len(fields) > len(names):
        return Problem(str(path), row, None, fallback)
    return Problem(
        str(path),
        row,
        names[len(fields) - 1],
        f"value is longer than {MAX_TEXT_CHARS:,} characters (the line is longer "
        f"than {MAX_RECORD_BYTES:,} bytes)",
    )


def locate_csv_problems(path: Path, names: list[str], error: Exception) -> list[Problem]:
    """Re-read a CSV the parser rejected, record by record, to say where it breaks.

    Memory stays bounded: lines are read at most `MAX_RECORD_BYTES` at a time and a field
    may not grow beyond that either (an unclosed quote ends at the limit)."""
    problems: list[Problem] = []
    row = 0
    limit = csv.field_size_limit(MAX_RECORD_BYTES)
    too_long = (
        f"record is longer than {MAX_RECORD_BYTES:,} bytes (a line or quoted value "
        "that never ends?)"
    )
    try:
        with open_binary(path) as raw:
            reader = csv.reader(bounded_lines(raw))
            next(reader, None)
            for fields in reader:
                if not fields:
                    continue  # a blank line: the parser skips it too
                row += 1
                problems += field_problems(path, row, names, fields)
                if len(problems) >= MAX_PROBLEMS:
                    break
    except LineTooLong as exc:
        problems.append(long_line_problem(path, row + 1, names, exc.prefix, too_long))
    except csv.Error as exc:
        message = too_long if "field limit" in str(exc) else f"CSV cannot be parsed ({exc})"
        problems.append(Problem(str(path), row + 1, None, message))
    except (OSError, EOFError) as exc:
        problems.append(
            Problem(
                str(path), None, None, f"file cannot be read to the end after row {row} ({exc})"
            )
        )
    finally:
        csv.field_size_limit(limit)
    if not problems and "straddl" in str(error):
        return [Problem(str(path), None, None, f"a {too_long}")]
    return problems or [Problem(str(path), None, None, f"CSV cannot be parsed: {error}")]


def iter_csv_batches(path: Path, names: list[str]) -> Iterator[pa.RecordBatch]:
    """Record batches of a CSV file, every column a string, named by the stripped header."""
    options = dict(
        read_options=pacsv.ReadOptions(
            block_size=CSV_BLOCK_BYTES, use_threads=True, column_names=names, skip_rows=1
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    try:
        yield from pacsv.open_csv(path, **options)
    except (pa.ArrowInvalid, OSError, EOFError) as exc:
        raise ContractError(locate_csv_problems(path, names, exc)) from exc


def invalid_utf8_rows(values: pa.ChunkedArray | pa.Array) -> list[int]:
    """Positions of values that are not valid UTF-8 (error path only)."""
    as_bytes = pc.cast(values, pa.large_binary()).to_pylist()
    bad = []
    for position, value in enumerate(as_bytes):
        try:
            if value is not None:
                value.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(position)
    return bad


def is_text_type(kind: pa.DataType) -> bool:
    return (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def normalise_batch(
    path: Path, batch: pa.RecordBatch, first_row: int, columns: set[str]
) -> pa.RecordBatch:
    """The batch with dictionary columns decoded and binary ones as checked UTF-8 strings.

    Parquet does not guarantee its strings are UTF-8, and DuckDB must never see one that
    is not: check them here, where the row is still known; invalid ones are a ContractError.
    """
    arrays, problems = [], []
    for name, values in zip(batch.schema.names, batch.columns, strict=False):
        if name in columns and pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        if name in columns and is_text_type(values.type):
            try:
                values = pc.cast(values.cast(pa.large_binary()), pa.large_string())
                values.validate(full=True)
            except pa.ArrowInvalid:
                problems += [
                    Problem(str(path), first_row + i, name, "value is not valid UTF-8")
                    for i in invalid_utf8_rows(values)[:MAX_PROBLEMS]
                ]
        arrays.append(values)
    if problems:
        raise ContractError(problems)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def iter_parquet_batches(path: Path) -> Iterator[pa.RecordBatch]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise contract_error(path, f"not a readable Parquet file ({exc})") from exc
    rows = 0
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            rows += batch.num_rows
            yield batch
    except (pa.ArrowException, OSError) as exc:
        raise contract_error(path, f"Parquet data cannot be read after row {rows} ({exc})") from exc


def source_schema(path: Path) -> pa.Schema:
    """The columns of a table file, without reading its rows (a CSV's are all strings)."""
    if path.suffix == ".parquet":
        try:
            return pq.ParquetFile(path).schema_arrow
        except (pa.ArrowException, OSError) as exc:
            raise contract_error(path, f"not a readable Parquet file ({exc})") from exc
    return pa.schema([(name, pa.string()) for name in read_csv_header(path)])


def iter_source_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """Record batches of a table file; CSV columns all come as strings."""
    if path.suffix == ".parquet":
        return iter_parquet_batches(path)
    return iter_csv_batches(path, read_csv_header(path))


def read_id_column(path: Path, column: str = "account_id") -> list[str]:
    """The ids in `column` of a CSV or Parquet list (e.g. accounts to score), by the same
    rule as the tables (`normalise_id`; number columns only when exact integers); an
    empty id or a bad value is a ContractError naming file, row and column."""
    path = Path(path)
    reason = unreadable_reason(path) if os.path.lexists(path) else "does not exist"
    if reason:
        raise contract_error(path, f"id list {reason}")
    schema = source_schema(path)
    if column not in schema.names:
        raise contract_error(path, f"no '{column}' column (columns: {', '.join(schema.names)})")
    col = Column(column, "id", required=True)
    stager = _TableStager(
        Table("ids", (col,)), path, Pseudonymiser(b""), datetime.now(UTC), duckdb_connection()
    )
    ids: list[str] = []
    try:
        for batch in iter_source_batches(path):
            typed = stager.type_batch(batch, [col])
            if stager.full:
                break
            ids += typed.column(column).to_pylist()
    finally:
        stager.con.close()
    if stager.problems:
        raise ContractError(stager.problems)
    return ids


# --------------------------------------------------------------------------- typing


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def normalise_id(text: str) -> str:
    """The one id rule: leading and trailing ASCII whitespace removed."""
    return text.strip(ID_WHITESPACE)


def trimmed_sql(expression: str) -> str:
    """`expression` as text with `normalise_id` applied, in DuckDB. Trimming a character set
    is slow, so it runs only when the first or last character is a control or a space."""
    text = f"{expression}::VARCHAR"
    characters = " || ".join(f"chr({ord(c)})" for c in ID_WHITESPACE)
    return (
        f"CASE WHEN ascii({text}) > 32 AND ascii(right({text}, 1)) > 32 THEN {text} "
        f"ELSE trim({text}, {characters}) END"
    )


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parquet_source(folder: Path) -> str:
    return f"read_parquet({sql_string(str(folder / '*.parquet'))})"


def epoch_sql(seconds: str) -> str:
    """Epoch seconds as TIMESTAMPTZ, NULL when out of range (never an error)."""
    return f"CASE WHEN abs({seconds}) <= {LAST_EPOCH_SECOND} THEN to_timestamp({seconds}) END"


def parsed_timestamp_sql(column: str, arrow_type: pa.DataType) -> tuple[str, str]:
    """SQL for the parsed UTC value (NULL if unparseable) and for 'this string is zone-naive'."""
    raw = quoted(column)
    if pa.types.is_timestamp(arrow_type):
        value = f"timezone('UTC', {raw})" if arrow_type.tz is None else f"{raw}::TIMESTAMPTZ"
        return value, "NULL"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return epoch_sql(f"TRY_CAST({raw} AS DOUBLE)"), "NULL"
    if pa.types.is_date(arrow_type):
        return f"{raw}::TIMESTAMPTZ", "NULL"
    text = trimmed_sql(raw)
    integer = f"regexp_full_match({text}, '-?[0-9]+')"
    value = (
        f"CASE WHEN {integer} THEN {epoch_sql(f'TRY_CAST({text} AS BIGINT)')} "
        f"ELSE TRY_CAST({text} AS TIMESTAMPTZ) END"
    )
    naive = f"CASE WHEN {integer} THEN NULL ELSE NOT regexp_matches({text}, '{ZONED_PATTERN}') END"
    return value, naive


def parsed_value_sql(col: Column, arrow_type: pa.DataType) -> tuple[str, str | None]:
    """SQL for a column's parsed value (NULL if unparseable) and a condition on it, `{v}`,
    that makes a parsed value invalid (or None)."""
    raw = quoted(col.name)
    text = trimmed_sql(raw)
    if col.kind == "id" and (pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type)):
        exact = f"{raw} = trunc({raw}) AND abs({raw}) <= {EXACT_FLOAT_LIMIT}"
        return f"CASE WHEN {exact} THEN CAST(CAST({raw} AS HUGEINT) AS VARCHAR) END", None
    if col.kind in ("id", "string", "ip"):
        return f"NULLIF({text}, '')", f"length({{v}}) > {MAX_ID_CHARS}"
    if col.kind == "text":
        return f"{raw}::VARCHAR", f"length({{v}}) > {MAX_TEXT_CHARS}"
    if col.kind == "bool":
        if pa.types.is_boolean(arrow_type):
            return raw, None
        return (
            f"CASE WHEN lower({text}) IN ('true','t','yes','y','1') THEN TRUE "
            f"WHEN lower({text}) IN ('false','f','no','n','0') THEN FALSE END"
        ), None
    if col.kind == "int":
        if pa.types.is_integer(arrow_type):
            return f"TRY_CAST({raw} AS BIGINT)", "{v} < 0"
        whole = f"regexp_full_match({text}, '-?[0-9]+(\\.0*)?')"
        return f"CASE WHEN {whole} THEN TRY_CAST({text} AS BIGINT) END", "{v} < 0"
    if col.kind == "number":
        if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
            return f"TRY_CAST({raw} AS DOUBLE)", "NOT isfinite({v})"
        return f"TRY_CAST({text} AS DOUBLE)", "NOT isfinite({v})"
    if col.kind == "enum":
        allowed = ", ".join(sql_string(v) for v in col.values)
        return f"NULLIF(lower({text}), '')", f"{{v}} NOT IN ({allowed})"
    if col.kind == "timestamp":
        return parsed_timestamp_sql(col.name, arrow_type)[0], "NOT isfinite({v})"
    raise AssertionError(col.kind)


def blank_sql(col: Column) -> str:
    raw = quoted(col.name)
    if col.kind == "text":
        return f"({raw} IS NULL OR {raw}::VARCHAR = '')"
    return f"({raw} IS NULL OR {trimmed_sql(raw)} = '')"


def problem_sql(col: Column, value: str, invalid: str | None, blank: str, latest: datetime) -> str:
    """SQL giving NULL for a good value, else 'empty', 'invalid', 'early' or 'late'."""
    cases = [
        f"WHEN {blank} THEN {sql_string('empty') if col.required else 'NULL'}",
        f"WHEN {value} IS NULL THEN 'invalid'",
    ]
    if invalid:
        cases.append(f"WHEN {invalid.replace('{v}', value)} THEN 'invalid'")
    if col.kind == "timestamp":
        cases.append(f"WHEN {value} < TIMESTAMPTZ '{EARLIEST_TIMESTAMP.isoformat()}' THEN 'early'")
        cases.append(f"WHEN {value} > TIMESTAMPTZ '{latest.isoformat()}' THEN 'late'")
    return "CASE " + " ".join(cases) + " END"


# typed as the contract says
STAGED_TYPES: dict[str, pa.DataType] = {kind: t for kind, t in ARROW_TYPES.items()}
ACCEPTED_SOURCE_TYPES = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_binary,
    pa.types.is_large_binary,
    pa.types.is_integer,
    pa.types.is_floating,
    pa.types.is_boolean,
    pa.types.is_timestamp,
    pa.types.is_date,
    pa.types.is_decimal,
    pa.types.is_null,
)


ID_SOURCE_TYPES = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_binary,
    pa.types.is_large_binary,
    pa.types.is_integer,
    pa.types.is_floating,
    pa.types.is_decimal,
    pa.types.is_null,
)


def staged_schema(table: Table) -> pa.Schema:
    fields = [pa.field(ROW_COLUMN, pa.int64())]
    for col in table.columns:
        fields.append(pa.field(col.name, STAGED_TYPES[col.kind]))
        if col.kind == "ip":
            fields.append(pa.field(IP_PREFIX_COLUMN, pa.string()))
    return pa.schema(fields)


def typing_sql(present: list[Column], schema: pa.Schema, latest: datetime) -> str:
    """One query over the registered `batch`: each column's typed value (NULL when it has
    a problem), its problem code `p:NAME` and, for timestamps, `n:NAME` (zone-naive)."""
    parsed, checked, final = [ROW_COLUMN], [ROW_COLUMN], [ROW_COLUMN]
    for col in present:
        arrow_type = schema.field(col.name).type
        value, invalid = parsed_value_sql(col, arrow_type)
        v, p, n, b = (quoted(f"{tag}:{col.name}") for tag in ("v", "p", "n", "b"))
        parsed += [f"{value} AS {v}", f"{blank_sql(col)} AS {b}"]
        checked += [v, f"{problem_sql(col, v, invalid, b, latest)} AS {p}"]
        final += [f"CASE WHEN {p} IS NULL THEN {v} END AS {quoted(col.name)}", p]
        if col.kind == "timestamp":
            parsed.append(f"{parsed_timestamp_sql(col.name, arrow_type)[1]} AS {n}")
            checked.append(n)
            final.append(f"CASE WHEN {p} IS NULL THEN {n} END AS {n}")
    return (
        f"SELECT {', '.join(final)} FROM (SELECT {', '.join(checked)} FROM "
        f"(SELECT {', '.join(parsed)} FROM batch))"
    )


@dataclass
class _TableStager:
    """Types, checks and pseudonymises the batches of one table file."""

    table: Table
    path: Path
    pseudonymiser: Pseudonymiser
    latest: datetime  # timestamps after this are in the future
    con: duckdb.DuckDBPyConnection
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    naive_seen: dict[str, int] = field(default_factory=dict)  # column -> first naive row
    zoned_seen: dict[str, int] = field(default_factory=dict)

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        if not self.full:
            self.problems.append(Problem(str(self.path), row, column, message))

    def check_columns(self, schema: pa.Schema) -> list[Column]:
        """The contract columns present in `schema`; missing or untypable ones are problems."""
        for name in self.table.required_columns:
            if name not in schema.names:
                self.problem(
                    None, name, f"required column is missing from table '{self.table.name}'"
                )
        present = [c for c in self.table.columns if c.name in schema.names]
        for col in present:
            kind = schema.field(col.name).type
            if pa.types.is_dictionary(kind):
                kind = kind.value_type
            accepted = ID_SOURCE_TYPES if col.kind == "id" else ACCEPTED_SOURCE_TYPES
            if not any(accepts(kind) for accepts in accepted):
                self.problem(
                    None, col.name, f"has type {kind}, which cannot hold {col.kind} values"
                )
        return present

    def stage_batch(self, batch: pa.RecordBatch, present: list[Column]) -> pa.Table:
        return self.finish_columns(self.type_batch(batch, present), present)

    def type_batch(self, batch: pa.RecordBatch, present: list[Column]) -> pa.Table:
        """The batch's present columns typed and checked (NULL where a problem was noted)."""
        first_row = self.rows + 1
        self.rows += batch.num_rows
        batch = batch.select([c.name for c in present])  # other columns never reach DuckDB
        batch = normalise_batch(self.path, batch, first_row, {c.name for c in present})
        numbered = batch.append_column(
            ROW_COLUMN, pa.array(np.arange(first_row, first_row + batch.num_rows), pa.int64())
        )
        self.con.register("batch", numbered)
        try:
            typed = self.con.sql(typing_sql(present, batch.schema, self.latest)).to_arrow_table()
        except duckdb.Error as exc:
            raise contract_error(
                self.path, f"rows {first_row} to {self.rows} cannot be typed ({exc})"
            ) from exc
        finally:
            self.con.unregister("batch")
        self.report_problems(typed, present, batch, first_row)
        for col in present:
            if col.kind == "timestamp":
                self.track_zone_style(typed, col)
        return typed

    def report_problems(
        self, typed: pa.Table, present: list[Column], source: pa.RecordBatch, first_row: int
    ) -> None:
        rows = typed.column(ROW_COLUMN)
        for col in present:
            codes = typed.column(f"p:{col.name}")
            if codes.null_count == len(codes):
                continue
            for index in pc.indices_nonzero(pc.is_valid(codes)).to_pylist()[:MAX_PROBLEMS]:
                row = rows[index].as_py()
                raw = source.column(col.name)[row - first_row].as_py()
                self.problem(row, col.name, self.describe(col, codes[index].as_py(), raw))

    def describe(self, col: Column, code: str, raw: object) -> str:
        """The message for a problem code; personal values are never repeated."""
        if code == "empty":
            return "required value is empty"
        if col.kind == "id" and isinstance(raw, (float, decimal.Decimal)):
            return (
                f"{raw} is not a whole number of at most 2^53 (ids given as numbers must "
                "be exact integers)"
            )
        if col.name in PERSONAL_COLUMNS:
            return f"value is not a valid {col.kind} (longer than {MAX_ID_CHARS} characters)"
        shown = (
            repr(raw if len(raw) < 60 else raw[:57] + "...") if isinstance(raw, str) else str(raw)
        )
        if code == "early":
            return f"timestamp {shown} is before {EARLIEST_TIMESTAMP:%Y-%m-%d}"
        if code == "late":
            return f"timestamp {shown} is in the future (after {self.latest:%Y-%m-%d %H:%M} UTC)"
        if col.kind == "text":
            return f"text is longer than {MAX_TEXT_CHARS:,} characters"
        if col.kind in ("id", "string", "ip"):
            return f"value is longer than {MAX_ID_CHARS} characters"
        if col.kind == "timestamp":
            return f"{shown} is not an ISO 8601 timestamp or epoch seconds"
        if col.kind == "enum":
            return f"{shown} is not one of {', '.join(col.values)}"
        if col.kind == "number":
            return f"{shown} is not a finite number"
        if col.kind == "int":
            return f"{shown} is not a non-negative integer"
        return f"{shown} is not a valid {col.kind}"

    def track_zone_style(self, typed: pa.Table, col: Column) -> None:
        flags = typed.column(f"n:{col.name}")
        if flags.null_count == len(flags):
            return
        rows = typed.column(ROW_COLUMN)
        for flag_value, seen in ((True, self.naive_seen), (False, self.zoned_seen)):
            if col.name in seen:
                continue
            hits = pc.indices_nonzero(pc.fill_null(pc.equal(flags, flag_value), False))
            if len(hits):
                seen[col.name] = rows[hits[0].as_py()].as_py()

    def zone_problems(self) -> None:
        for column, naive_row in self.naive_seen.items():
            if column in self.zoned_seen:
                self.problem(
                    max(naive_row, self.zoned_seen[column]),
                    column,
                    f"timestamps mix zone-naive values (first at row {naive_row}) and "
                    f"values with an offset (first at row {self.zoned_seen[column]}); "
                    "give every value an offset, or none (then UTC is meant)",
                )

    def finish_columns(self, typed: pa.Table, present: list[Column]) -> pa.Table:
        """Fill absent columns, apply enum defaults, pseudonymise IPs and devices."""
        schema = staged_schema(self.table)
        arrays: dict[str, pa.Array] = {ROW_COLUMN: typed.column(ROW_COLUMN)}
        present_names = {c.name for c in present}
        for col in self.table.columns:
            if col.name not in present_names:
                values = pa.nulls(typed.num_rows, STAGED_TYPES[col.kind])
                if col.default is not None:
                    values = pa.array([col.default] * typed.num_rows, pa.string())
            else:
                values = typed.column(col.name)
                if col.default is not None:
                    values = pc.fill_null(values, col.default)
            if col.kind == "ip":
                arrays[col.name], arrays[IP_PREFIX_COLUMN] = self.pseudonymise_ips(values, typed)
                continue
            if col.name == "device_id":
                values = self.pseudonymise(values, "device")
            arrays[col.name] = pc.cast(values, STAGED_TYPES[col.kind])
        return pa.table([arrays[f.name] for f in schema], schema=schema)

    def pseudonymise(self, values: pa.ChunkedArray | pa.Array, kind: str) -> pa.Array:
        if isinstance(values, pa.Array):  # an absent column arrives as one null array
            values = pa.chunked_array([values])
        encoded = pc.dictionary_encode(values).combine_chunks()
        mapped = self.pseudonymiser.pseudonyms(encoded.dictionary.to_pylist(), kind)
        return pc.take(pa.array(mapped, pa.string()), encoded.indices)

    def pseudonymise_ips(
        self, values: pa.ChunkedArray, typed: pa.Table
    ) -> tuple[pa.Array, pa.Array]:
        encoded = pc.dictionary_encode(values).combine_chunks()
        canonical_v4 = pc.match_substring_regex(encoded.dictionary, CANONICAL_IPV4).to_pylist()
        v4_prefixes = pc.replace_substring_regex(
            encoded.dictionary, r"\.[0-9]+$", ".0/24"
        ).to_pylist()
        addresses: list[str | None] = []
        prefixes: list[str | None] = []
        invalid: list[int] = []
        for position, raw in enumerate(encoded.dictionary.to_pylist()):
            # a canonical IPv4 (the common case) is its own address, without ipaddress
            found = (
                None
                if raw is None
                else self.pseudonymiser.address(
                    raw, v4_prefixes[position] if canonical_v4[position] else None
                )
            )
            if found is None:
                invalid.append(position)
                addresses.append(None)
                prefixes.append(None)
                continue
            addresses.append(found[0])
            prefixes.append(found[1])
        if invalid:
            bad = pc.is_in(encoded.indices, pa.array(invalid, encoded.indices.type))
            rows = typed.column(ROW_COLUMN)
            for index in pc.indices_nonzero(bad).to_pylist()[:MAX_PROBLEMS]:
                self.problem(rows[index].as_py(), "ip", "value is not an IPv4 or IPv6 address")
        return (
            pc.take(pa.array(addresses, pa.string()), encoded.indices),
            pc.take(pa.array(prefixes, pa.string()), encoded.indices),
        )


_END = object()


def read_ahead(items: Iterator, pool: ThreadPoolExecutor) -> Iterator:
    """The items of `items`, the next one read in `pool` while the caller works on this one
    (an error reading it is raised here, when it is due)."""
    pending = pool.submit(next, items, _END)
    try:
        while True:
            item = pending.result()
            if item is _END:
                return
            pending = pool.submit(next, items, _END)
            yield item
    finally:
        pending.exception()  # the reader is idle before the file is closed


def stage_table(
    table: Table,
    path: Path,
    out_dir: Path,
    pseudonymiser: Pseudonymiser,
    latest: datetime,
    con: duckdb.DuckDBPyConnection,
) -> tuple[int, list[Problem]]:
    """Validate one table file and write it as typed Parquet parts under `out_dir`.

    Once a problem is found nothing more is written (the caller discards the folder), and
    reading stops after `MAX_PROBLEMS` problems.
    """
    stager = _TableStager(table, path, pseudonymiser, latest, con)
    out_dir.mkdir(parents=True, exist_ok=True)
    present = stager.check_columns(source_schema(path))
    if stager.problems:
        return 0, stager.problems
    writer: pq.ParquetWriter | None = None
    # Reading the next batch and writing the last one (Arrow releases the GIL) overlap the
    # typing and pseudonymising of this one; batches are written in order, one at a time.
    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(1) as writing:
        written: Future | None = None
        try:
            for batch in read_ahead(iter_source_batches(path), reader):
                staged = stager.stage_batch(batch, present)
                if stager.full:
                    break
                if stager.problems:
                    continue
                if writer is None:
                    writer = pq.ParquetWriter(out_dir / "part-0.parquet", staged.schema)
                if written is not None:
                    written.result()
                written = writing.submit(writer.write_table, staged)
            if written is not None:
                written.result()
        finally:
            if written is not None:
                written.exception()  # wait: never close a file being written
            if writer is not None:
                writer.close()
    if writer is None:
        pq.write_table(staged_schema(table).empty_table(), out_dir / "part-0.parquet")
    stager.zone_problems()
    return stager.rows, stager.problems


# --------------------------------------------------------------------------- whole folder


def _query_problems(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    file: str,
    column: str,
    message: Callable[[tuple], str],
) -> list[Problem]:
    return [Problem(file, row[0], column, message(row)) for row in con.execute(sql).fetchall()]


def duplicate_problems(con, staged: dict[str, StagedTable]) -> list[Problem]:
    problems = []
    for name, info in staged.items():
        for col in TABLES[name].columns:
            if not col.unique:
                continue
            c = quoted(col.name)
            sql = (
                f"SELECT {ROW_COLUMN}, {c}, first_row FROM ("
                f"SELECT {ROW_COLUMN}, {c}, min({ROW_COLUMN}) OVER (PARTITION BY {c}) AS first_row "
                f"FROM {parquet_source(info.staged)} WHERE {c} IS NOT NULL) "
                f"WHERE {ROW_COLUMN} > first_row ORDER BY {ROW_COLUMN} LIMIT {MAX_PROBLEMS}"
            )
            problems += _query_problems(
                con,
                sql,
                str(info.source),
                col.name,
                lambda r: f"duplicate id {r[1]!r} (first at row {r[2]})",
            )
    return problems


def unknown_account_sql(info: StagedTable, column: str, accounts: StagedTable) -> str:
    c = quoted(column)
    return (
        f"SELECT e.{ROW_COLUMN}, e.{c} FROM {parquet_source(info.staged)} e "
        f"ANTI JOIN {parquet_source(accounts.staged)} a ON e.{c} = a.account_id "
        f"WHERE e.{c} IS NOT NULL"
    )


def _unknown_account_message(table: str) -> Callable[[tuple], str]:
    def message(row: tuple) -> str:
        return (
            f"account {row[1]!r} in table '{table}' is not in accounts "
            "(add it to accounts, or allow unknown accounts)"
        )

    return message


def unknown_account_problems(con, staged: dict[str, StagedTable]) -> list[Problem]:
    problems = []
    accounts = staged["accounts"]
    for name, info in staged.items():
        for col in TABLES[name].columns:
            if col.references_account:
                sql = (
                    unknown_account_sql(info, col.name, accounts)
                    + f" ORDER BY 1 LIMIT {MAX_PROBLEMS}"
                )
                problems += _query_problems(
                    con,
                    sql,
                    str(info.source),
                    col.name,
                    _unknown_account_message(name),
                )
    return problems


def add_unknown_accounts(con, staged: dict[str, StagedTable]) -> int:
    """Append accounts that only appear in event tables, with empty profiles; their count."""
    accounts = staged["accounts"]
    unions = [
        unknown_account_sql(info, col.name, accounts).replace(
            f"SELECT e.{ROW_COLUMN}, e.{quoted(col.name)}",
            f"SELECT e.{quoted(col.name)} AS account_id",
        )
        for name, info in staged.items()
        for col in TABLES[name].columns
        if col.references_account
    ]
    if not unions:
        return 0
    ids = con.execute(
        f"SELECT DISTINCT account_id FROM ({' UNION ALL '.join(unions)}) ORDER BY account_id"
    ).to_arrow_table()
    if ids.num_rows == 0:
        return 0
    schema = staged_schema(TABLES["accounts"])
    columns = {f.name: pa.nulls(ids.num_rows, f.type) for f in schema}
    columns["account_id"] = ids.column("account_id").combine_chunks()
    columns[ROW_COLUMN] = pa.array([None] * ids.num_rows, pa.int64())
    pq.write_table(pa.table(columns, schema=schema), accounts.staged / "part-unknown.parquet")
    return ids.num_rows


def event_time_span(con, staged: dict[str, StagedTable]) -> tuple[datetime | None, datetime | None]:
    parts = [
        f"SELECT min(ts) AS lo, max(ts) AS hi FROM {parquet_source(info.staged)}"
        for name, info in staged.items()
        if name in EVENT_TABLES
    ]
    if not parts:
        return None, None
    lo, hi = con.execute(f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(parts)})").fetchall()[
        0
    ]
    return lo, hi


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB in UTC that prints no progress bar (stdout is for results)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.InvalidInputException:  # in Jupyter DuckDB refuses to change it (no widget)
        pass
    return con


def stage_tables(
    files: dict[str, Path],
    work: Path,
    pseudonymiser: Pseudonymiser,
    latest: datetime,
    con: duckdb.DuckDBPyConnection,
    progress: Callable[[str], None] | None,
) -> tuple[dict[str, StagedTable], list[Problem]]:
    """Stage every table file under `work`; the tables staged and every problem found."""
    staged: dict[str, StagedTable] = {}
    problems: list[Problem] = []
    for name, path in files.items():
        if path.stat().st_size == 0:
            problems.append(Problem(str(path), None, None, "file is empty (no header row)"))
            continue
        if progress:
            progress(name)
        try:
            rows, table_problems = stage_table(
                TABLES[name], path, work / name, pseudonymiser, latest, con
            )
        except ContractError as exc:
            problems += exc.problems
            continue
        except OSError as exc:  # a file that vanished or became unreadable meanwhile
            problems.append(
                Problem(str(path), None, None, f"file cannot be read ({exc.strerror or exc})")
            )
            continue
        problems += table_problems
        staged[name] = StagedTable(name, path, work / name, rows)
    if "accounts" in staged and staged["accounts"].rows == 0 and not problems:
        problems.append(
            Problem(
                str(files["accounts"]), None, None, "table 'accounts' has no rows (a header only)"
            )
        )
    return staged, problems


def validate_staged(con, staged: dict[str, StagedTable], allow_unknown: bool) -> list[str]:
    """Checks across rows and tables (duplicates, unknown accounts); the warnings."""
    problems = duplicate_problems(con, staged)
    warnings: list[str] = []
    if allow_unknown:
        added = add_unknown_accounts(con, staged)
        if added:
            warnings.append(
                f"{added} account(s) appear in event tables but not in accounts; "
                "added with empty profiles (unknown accounts allowed)"
            )
    else:
        problems += unknown_account_problems(con, staged)
    if problems:
        raise ContractError(problems)
    return warnings


def early_event_warnings(con, staged: dict[str, StagedTable]) -> list[str]:
    """Per event table, how many events are dated before their own account's registration."""
    if "accounts" not in staged:
        return []
    accounts = parquet_source(staged["accounts"].staged)
    warnings = []
    for name, info in staged.items():
        actor = next((c.name for c in TABLES[name].columns if c.references_account), None)
        if name not in EVENT_TABLES or actor is None:
            continue
        count, first = con.execute(
            f"SELECT count(*), min(e.{ROW_COLUMN}) FROM {parquet_source(info.staged)} e "
            f"JOIN {accounts} a ON e.{quoted(actor)} = a.account_id "
            "WHERE e.ts < a.created_at"
        ).fetchall()[0]
        if count:
            warnings.append(
                f"{info.source}: {count:,} event(s) dated before their account's "
                f"registration (first at row {first}); ages and delays of those "
                "accounts count from 0"
            )
    return warnings


def check_out_root(out_root: Path) -> None:
    """`out_root` must be absent or an empty folder."""
    if out_root.exists() and (not out_root.is_dir() or any(out_root.iterdir())):
        raise UsageError(f"{out_root}: staging folder exists and is not empty")


def stage_dataset(
    folder: Path,
    out_root: Path,
    *,
    allow_unknown: bool = False,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> StagedDataset:
    """Validate every table of `folder` and stage it under `out_root`; raise ContractError.

    The tables are staged in a temporary folder beside `out_root` (which must be absent or
    empty) and renamed into place only when the whole dataset is valid.
    """
    folder, out_root = Path(folder), Path(out_root)
    if not folder.is_dir():
        raise contract_error(folder, "dataset folder does not exist")
    latest = (now or datetime.now(UTC)) + FUTURE_TOLERANCE
    pseudonymiser = Pseudonymiser(load_or_create_secret())
    found = {name: find_table_file(folder, name) for name in TABLES}
    files = {name: path for name, path in found.items() if path is not None}
    if "accounts" not in files:
        raise contract_error(
            folder / "accounts.csv",
            "required table 'accounts' is missing "
            "(accounts.parquet, accounts.csv or accounts.csv.gz)",
        )
    check_out_root(out_root)
    con = duckdb_connection()
    try:
        with atomic_folder(out_root) as work:
            staged, problems = stage_tables(files, work, pseudonymiser, latest, con, progress)
            if problems:
                raise ContractError(problems)
            warnings = validate_staged(con, staged, allow_unknown)
            warnings += early_event_warnings(con, staged)
            accounts = con.execute(
                f"SELECT count(*) FROM {parquet_source(staged['accounts'].staged)}"
            ).fetchall()[0][0]
            first, last = event_time_span(con, staged)
    finally:
        con.close()
    warnings += [f"ignored {name}: not a table of the contract" for name in ignored_files(folder)]
    tables = {name: replace(info, staged=out_root / name) for name, info in staged.items()}
    return StagedDataset(
        folder,
        out_root,
        tables,
        accounts,
        first,
        last,
        fingerprint_files(list(files.values())),
        tuple(warnings),
    )


@contextmanager
def staged_dataset(
    folder: Path, *, allow_unknown: bool = False, progress: Callable[[str], None] | None = None
) -> Iterator[StagedDataset]:
    """Stage `folder` into a private temporary folder for the duration of the block.

    The folder is removed afterwards; one left behind by a killed process is removed by
    the next `staged_dataset` (see `features.io.scratch_folder`).
    """
    with scratch_folder("fanaudit-staged-") as root:
        yield stage_dataset(folder, root / "tables", allow_unknown=allow_unknown, progress=progress)
