"""Loading a dataset folder: find each table's file, validate it against the contract,
and stage it as typed, UTC, pseudonymised Parquet for the feature pipelines.

Files are streamed in record batches (never read whole into memory); each batch is typed
by DuckDB, so the row of every bad value is known exactly. Problems are collected and
raised together as a `ContractError` naming file, row and column. Row numbers count data
rows from 1 (the header is not a row).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from features.contract import EVENT_TABLES, FILE_SUFFIXES, TABLES, Column, Table
from features.privacy import Pseudonymiser, load_or_create_secret, parse_ip

BATCH_ROWS = 500_000
MAX_TEXT_CHARS = 10_000
EARLIEST_TIMESTAMP = datetime(2000, 1, 1, tzinfo=timezone.utc)
FUTURE_TOLERANCE = timedelta(days=1)
MAX_PROBLEMS = 50
ROW_COLUMN = "_row"  # source row number (1-based), kept in staged tables for error messages
IP_PREFIX_COLUMN = "ip_prefix"


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


class ContractError(ValueError):
    """A dataset folder breaks the contract; `problems` says where."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:MAX_PROBLEMS])
        more = len(problems) - MAX_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(problems)} problem(s) in the dataset:\n{shown}{tail}")


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

    def rows(self) -> dict[str, int]:
        return {name: t.rows for name, t in self.tables.items()}


# --------------------------------------------------------------------------- files


def find_table_file(folder: Path, name: str) -> Path | None:
    """The file holding table `name` in `folder`, or None; two candidates are an error."""
    found = [folder / f"{name}{suffix}" for suffix in FILE_SUFFIXES]
    found = [p for p in found if p.is_file()]
    if len(found) > 1:
        raise ContractError(
            [Problem(str(folder), None, None, f"table '{name}' is given twice: "
                     + ", ".join(p.name for p in found))]
        )
    return found[0] if found else None


def fingerprint_files(paths: list[Path]) -> str:
    """SHA-256 over the names and bytes of the given files, as hex."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
    return digest.hexdigest()


def _open_text(path: Path) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def read_csv_header(path: Path) -> list[str]:
    """Column names of a CSV file (a UTF-8 byte-order mark is accepted and dropped)."""
    try:
        with _open_text(path) as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError as exc:
        raise ContractError([Problem(str(path), None, None, f"header is not UTF-8 ({exc.reason})")])
    if header is None:
        raise ContractError([Problem(str(path), None, None, "file is empty (no header row)")])
    return [h.strip() for h in header]


def locate_invalid_utf8(path: Path, names: list[str]) -> Problem:
    """Find the first data row with bytes that are not UTF-8 (slow path, errors only)."""
    raw = gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")
    with raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.reader(text)
        next(reader, None)
        for row_number, row in enumerate(reader, start=1):
            for column, value in zip(names, row):
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    return Problem(str(path), row_number, column, "value is not valid UTF-8")
    return Problem(str(path), None, None, "file is not valid UTF-8")


def iter_source_batches(path: Path, table: Table) -> Iterator[pa.RecordBatch]:
    """Record batches of a table file; CSV columns all come as strings."""
    if path.suffix == ".parquet":
        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise ContractError([Problem(str(path), None, None, f"not a readable Parquet file ({exc})")])
        yield from parquet.iter_batches(batch_size=BATCH_ROWS)
        return
    names = read_csv_header(path)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ContractError([Problem(str(path), None, c, "column appears twice in the header")
                             for c in duplicated])
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 24, use_threads=True),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    renamed = None
    try:
        for batch in reader:
            if renamed is None:
                renamed = [n.strip().lstrip("\ufeff") for n in batch.schema.names]
            yield pa.RecordBatch.from_arrays(batch.columns, names=renamed)
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc).lower():
            raise ContractError([locate_invalid_utf8(path, names)])
        raise ContractError([Problem(str(path), None, None, f"CSV cannot be parsed: {exc}")])


# --------------------------------------------------------------------------- typing


def _timestamp_sql(column: str, arrow_type: pa.DataType) -> tuple[str, str]:
    """SQL for the typed UTC value and for 'this value is zone-naive' (strings only)."""
    quoted = f'"{column}"'
    if pa.types.is_timestamp(arrow_type):
        if arrow_type.tz is None:
            return f"timezone('UTC', {quoted})", "NULL"
        return f"{quoted}::TIMESTAMPTZ", "NULL"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return f"to_timestamp({quoted}::DOUBLE)", "NULL"
    if pa.types.is_date(arrow_type):
        return f"{quoted}::TIMESTAMPTZ", "NULL"
    text = f"trim({quoted}::VARCHAR)"
    typed = (f"CASE WHEN regexp_full_match({text}, '-?[0-9]+') "
             f"THEN to_timestamp(TRY_CAST({text} AS BIGINT)) "
             f"ELSE TRY_CAST({text} AS TIMESTAMPTZ) END")
    naive = (f"CASE WHEN regexp_full_match({text}, '-?[0-9]+') THEN NULL "
             f"ELSE NOT regexp_matches({text}, '([Zz]|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$') END")
    return typed, naive


def _value_sql(col: Column, arrow_type: pa.DataType) -> tuple[str, str]:
    """SQL for the typed value of a column and for 'this non-null value is invalid'."""
    quoted = f'"{col.name}"'
    text = f"trim({quoted}::VARCHAR)"
    if col.kind in ("id", "string", "ip"):
        return f"NULLIF({text}, '')", "FALSE"
    if col.kind == "text":
        return f"{quoted}::VARCHAR", f"length({quoted}::VARCHAR) > {MAX_TEXT_CHARS}"
    if col.kind == "bool":
        if pa.types.is_boolean(arrow_type):
            return quoted, "FALSE"
        value = (f"CASE WHEN lower({text}) IN ('true','t','yes','y','1') THEN TRUE "
                 f"WHEN lower({text}) IN ('false','f','no','n','0') THEN FALSE END")
        return value, f"({value}) IS NULL"
    if col.kind == "int":
        value = f"TRY_CAST({text} AS BIGINT)"
        return value, f"({value}) IS NULL OR ({value}) < 0"
    if col.kind == "number":
        value = f"TRY_CAST({text} AS DOUBLE)"
        return value, f"({value}) IS NULL OR NOT isfinite({value})"
    if col.kind == "enum":
        value = f"lower({text})"
        allowed = ", ".join(f"'{v}'" for v in col.values)
        return value, f"({value}) NOT IN ({allowed})"
    if col.kind == "timestamp":
        typed, _ = _timestamp_sql(col.name, arrow_type)
        return typed, f"({typed}) IS NULL"
    raise AssertionError(col.kind)


STAGED_TYPES: dict[str, pa.DataType] = {
    "id": pa.string(), "string": pa.string(), "text": pa.string(), "ip": pa.string(),
    "enum": pa.string(), "bool": pa.bool_(), "int": pa.int64(), "number": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def staged_schema(table: Table) -> pa.Schema:
    fields = [pa.field(ROW_COLUMN, pa.int64())]
    for col in table.columns:
        fields.append(pa.field(col.name, STAGED_TYPES[col.kind]))
        if col.kind == "ip":
            fields.append(pa.field(IP_PREFIX_COLUMN, pa.string()))
    return pa.schema(fields)


@dataclass
class _TableStager:
    """Types, checks and pseudonymises the batches of one table file."""

    table: Table
    path: Path
    pseudonymiser: Pseudonymiser
    now: datetime
    con: duckdb.DuckDBPyConnection
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    naive_seen: dict[str, int] = field(default_factory=dict)  # column -> first naive row
    zoned_seen: dict[str, int] = field(default_factory=dict)

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(str(self.path), row, column, message))

    def check_columns(self, names: list[str]) -> list[Column]:
        missing = [c for c in self.table.required_columns if c not in names]
        for name in missing:
            self.problem(None, name, f"required column is missing from table '{self.table.name}'")
        return [c for c in self.table.columns if c.name in names]

    def stage_batch(self, batch: pa.RecordBatch, present: list[Column]) -> pa.Table:
        first_row = self.rows + 1
        self.rows += batch.num_rows
        numbered = batch.append_column(
            ROW_COLUMN, pa.array(np.arange(first_row, first_row + batch.num_rows), pa.int64()))
        self.con.register("batch", numbered)
        selects = [ROW_COLUMN]
        checks = []
        for col in present:
            arrow_type = batch.schema.field(col.name).type
            value, invalid = _value_sql(col, arrow_type)
            selects.append(f"{value} AS \"{col.name}\"")
            checks.append(f"CASE WHEN \"{col.name}\" IS NULL THEN FALSE ELSE ({invalid}) END "
                          f"AS \"_bad_{col.name}\"")
            if col.kind == "timestamp":
                _, naive = _timestamp_sql(col.name, arrow_type)
                checks.append(f"{naive} AS \"_naive_{col.name}\"")
        typed = self.con.sql(f"SELECT {', '.join(selects + checks)} FROM batch").to_arrow_table()
        self.con.unregister("batch")
        self.report_bad_values(typed, present, batch)
        return self.finish_columns(typed, present)

    def report_bad_values(self, typed: pa.Table, present: list[Column], source: pa.RecordBatch) -> None:
        rows = typed.column(ROW_COLUMN)
        for col in present:
            bad = typed.column(f"_bad_{col.name}")
            for index in pc.indices_nonzero(pc.fill_null(bad, False)).to_pylist()[:MAX_PROBLEMS]:
                raw = source.column(col.name)[index].as_py()
                self.problem(rows[index].as_py(), col.name, self.describe_bad(col, raw))
            if col.required:
                missing = pc.is_null(typed.column(col.name))
                for index in pc.indices_nonzero(missing).to_pylist()[:MAX_PROBLEMS]:
                    self.problem(rows[index].as_py(), col.name, "required value is empty")
            if col.kind == "timestamp":
                self.check_timestamp_range(typed, col)
                self.track_zone_style(typed, col)

    def describe_bad(self, col: Column, raw: object) -> str:
        shown = repr(raw if not isinstance(raw, str) or len(raw) < 60 else raw[:57] + "...")
        if col.kind == "text":
            return f"text is longer than {MAX_TEXT_CHARS} characters"
        if col.kind == "timestamp":
            return f"{shown} is not an ISO 8601 timestamp or epoch seconds"
        if col.kind == "enum":
            return f"{shown} is not one of {', '.join(col.values)}"
        if col.kind == "number":
            return f"{shown} is not a finite number"
        if col.kind == "int":
            return f"{shown} is not a non-negative integer"
        return f"{shown} is not a valid {col.kind}"

    def check_timestamp_range(self, typed: pa.Table, col: Column) -> None:
        values = typed.column(col.name)
        if values.null_count == len(values):
            return
        utc = pc.cast(values, pa.timestamp("us", tz="UTC"))
        early = pc.less(utc, pa.scalar(EARLIEST_TIMESTAMP, pa.timestamp("us", tz="UTC")))
        late = pc.greater(utc, pa.scalar(self.now + FUTURE_TOLERANCE, pa.timestamp("us", tz="UTC")))
        rows = typed.column(ROW_COLUMN)
        for mask, what in ((early, "is before 2000-01-01"), (late, "is in the future")):
            for index in pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()[:MAX_PROBLEMS]:
                self.problem(rows[index].as_py(), col.name, f"timestamp {utc[index]} {what}")

    def track_zone_style(self, typed: pa.Table, col: Column) -> None:
        flags = typed.column(f"_naive_{col.name}")
        if flags.null_count == len(flags):
            return
        rows = typed.column(ROW_COLUMN)
        for flag_value, seen in ((True, self.naive_seen), (False, self.zoned_seen)):
            if col.name in seen:
                continue
            hits = pc.indices_nonzero(pc.fill_null(pc.equal(flags, flag_value), False))
            if len(hits):
                seen[col.name] = rows[hits[0].as_py()].as_py()

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
        mapped = [None if v is None else self.pseudonymiser.pseudonym(v, kind)
                  for v in encoded.dictionary.to_pylist()]
        return pc.take(pa.array(mapped, pa.string()), encoded.indices)

    def pseudonymise_ips(self, values: pa.ChunkedArray, typed: pa.Table) -> tuple[pa.Array, pa.Array]:
        encoded = pc.dictionary_encode(values).combine_chunks()
        addresses, prefixes, invalid = [], [], []
        for position, raw in enumerate(encoded.dictionary.to_pylist()):
            parsed = parse_ip(raw) if raw is not None else None
            if parsed is None:
                invalid.append(position)
                addresses.append(None)
                prefixes.append(None)
                continue
            addresses.append(self.pseudonymiser.pseudonym(parsed[0], "ip"))
            prefixes.append(self.pseudonymiser.pseudonym(parsed[1], "net"))
        if invalid:
            bad = pc.is_in(encoded.indices, pa.array(invalid, encoded.indices.type))
            rows = typed.column(ROW_COLUMN)
            for index in pc.indices_nonzero(bad).to_pylist()[:MAX_PROBLEMS]:
                self.problem(rows[index].as_py(), "ip", "value is not an IPv4 or IPv6 address")
        return (pc.take(pa.array(addresses, pa.string()), encoded.indices),
                pc.take(pa.array(prefixes, pa.string()), encoded.indices))

    def zone_problems(self) -> None:
        for column, naive_row in self.naive_seen.items():
            if column in self.zoned_seen:
                self.problem(max(naive_row, self.zoned_seen[column]), column,
                             f"timestamps mix zone-naive values (first at row {naive_row}) and "
                             f"values with an offset (first at row {self.zoned_seen[column]}); "
                             "give every value an offset, or none (then UTC is meant)")


def stage_table(table: Table, path: Path, out_dir: Path, pseudonymiser: Pseudonymiser,
                now: datetime, con: duckdb.DuckDBPyConnection) -> tuple[int, list[Problem]]:
    """Validate one table file and write it as typed Parquet parts under `out_dir`."""
    stager = _TableStager(table, path, pseudonymiser, now, con)
    out_dir.mkdir(parents=True, exist_ok=True)
    writer: pq.ParquetWriter | None = None
    present: list[Column] | None = None
    try:
        for batch in iter_source_batches(path, table):
            if present is None:
                present = stager.check_columns(batch.schema.names)
                if stager.problems:
                    break
            staged = stager.stage_batch(batch, present)
            if writer is None:
                writer = pq.ParquetWriter(out_dir / "part-0.parquet", staged.schema)
            writer.write_table(staged)
    finally:
        if writer is not None:
            writer.close()
    if present is None and not stager.problems:
        if path.suffix == ".parquet":
            present = stager.check_columns(pq.ParquetFile(path).schema_arrow.names)
        else:
            present = stager.check_columns(read_csv_header(path))
    if writer is None:
        pq.write_table(staged_schema(table).empty_table(), out_dir / "part-0.parquet")
    stager.zone_problems()
    return stager.rows, stager.problems


# --------------------------------------------------------------------------- whole folder


def _query_problems(con: duckdb.DuckDBPyConnection, sql: str, file: str, column: str,
                    message: Callable[[tuple], str]) -> list[Problem]:
    return [Problem(file, row[0], column, message(row)) for row in con.execute(sql).fetchall()]


def duplicate_problems(con, staged: dict[str, StagedTable]) -> list[Problem]:
    problems = []
    for name, info in staged.items():
        for col in TABLES[name].columns:
            if not col.unique:
                continue
            sql = (f"SELECT {ROW_COLUMN}, \"{col.name}\", first_row FROM ("
                   f"SELECT {ROW_COLUMN}, \"{col.name}\", min({ROW_COLUMN}) OVER (PARTITION BY \"{col.name}\") AS first_row "
                   f"FROM read_parquet('{info.staged}/*.parquet') WHERE \"{col.name}\" IS NOT NULL) "
                   f"WHERE {ROW_COLUMN} > first_row ORDER BY {ROW_COLUMN} LIMIT {MAX_PROBLEMS}")
            problems += _query_problems(con, sql, str(info.source), col.name,
                                        lambda r: f"duplicate id {r[1]!r} (first at row {r[2]})")
    return problems


def unknown_account_sql(info: StagedTable, column: str, accounts: StagedTable) -> str:
    return (f"SELECT e.{ROW_COLUMN}, e.\"{column}\" FROM read_parquet('{info.staged}/*.parquet') e "
            f"ANTI JOIN read_parquet('{accounts.staged}/*.parquet') a ON e.\"{column}\" = a.account_id "
            f"WHERE e.\"{column}\" IS NOT NULL")


def unknown_account_problems(con, staged: dict[str, StagedTable]) -> list[Problem]:
    problems = []
    accounts = staged["accounts"]
    for name, info in staged.items():
        for col in TABLES[name].columns:
            if col.references_account:
                sql = unknown_account_sql(info, col.name, accounts) + f" ORDER BY 1 LIMIT {MAX_PROBLEMS}"
                problems += _query_problems(
                    con, sql, str(info.source), col.name,
                    lambda r, n=name: f"account {r[1]!r} in table '{n}' is not in accounts "
                                      "(add it to accounts, or pass --allow-unknown)")
    return problems


def add_unknown_accounts(con, staged: dict[str, StagedTable]) -> int:
    """Append accounts that only appear in event tables, with empty profiles; their count."""
    accounts = staged["accounts"]
    unions = [unknown_account_sql(info, col.name, accounts).replace(
        f"SELECT e.{ROW_COLUMN}, e.\"{col.name}\"", f"SELECT e.\"{col.name}\" AS account_id")
        for name, info in staged.items() for col in TABLES[name].columns if col.references_account]
    if not unions:
        return 0
    ids = con.execute(f"SELECT DISTINCT account_id FROM ({' UNION ALL '.join(unions)}) "
                      "ORDER BY account_id").to_arrow_table()
    if ids.num_rows == 0:
        return 0
    schema = staged_schema(TABLES["accounts"])
    columns = {f.name: pa.nulls(ids.num_rows, f.type) for f in schema}
    columns["account_id"] = ids.column("account_id").combine_chunks()
    columns[ROW_COLUMN] = pa.array([None] * ids.num_rows, pa.int64())
    pq.write_table(pa.table(columns, schema=schema), accounts.staged / "part-unknown.parquet")
    return ids.num_rows


def event_time_span(con, staged: dict[str, StagedTable]) -> tuple[datetime | None, datetime | None]:
    parts = [f"SELECT min(ts) AS lo, max(ts) AS hi FROM read_parquet('{info.staged}/*.parquet')"
             for name, info in staged.items() if name in EVENT_TABLES]
    if not parts:
        return None, None
    lo, hi = con.execute(f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(parts)})").fetchone()
    return lo, hi


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def stage_dataset(folder: Path, out_root: Path, *, allow_unknown: bool = False,
                  now: datetime | None = None,
                  progress: Callable[[str], None] | None = None) -> StagedDataset:
    """Validate every table of `folder` and stage it under `out_root`; raise ContractError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ContractError([Problem(str(folder), None, None, "dataset folder does not exist")])
    now = now or datetime.now(timezone.utc)
    pseudonymiser = Pseudonymiser(load_or_create_secret())
    files = {name: find_table_file(folder, name) for name in TABLES}
    if files["accounts"] is None:
        raise ContractError([Problem(str(folder / "accounts.csv"), None, None,
                                     "required table 'accounts' is missing "
                                     "(accounts.parquet, accounts.csv or accounts.csv.gz)")])
    con = duckdb_connection()
    staged: dict[str, StagedTable] = {}
    problems: list[Problem] = []
    for name, path in files.items():
        if path is None:
            continue
        if path.stat().st_size == 0:
            problems.append(Problem(str(path), None, None, "file is empty (no header row)"))
            continue
        if progress:
            progress(name)
        try:
            rows, table_problems = stage_table(TABLES[name], path, out_root / name, pseudonymiser, now, con)
        except ContractError as exc:
            problems += exc.problems
            continue
        problems += table_problems
        staged[name] = StagedTable(name, path, out_root / name, rows)
    if "accounts" in staged and staged["accounts"].rows == 0 and not problems:
        problems.append(Problem(str(files["accounts"]), None, None, "accounts has a header but no rows"))
    if problems:
        raise ContractError(problems)
    problems += duplicate_problems(con, staged)
    warnings: list[str] = []
    if allow_unknown:
        added = add_unknown_accounts(con, staged)
        if added:
            warnings.append(f"{added} account(s) appear in event tables but not in accounts; "
                            "added with empty profiles (--allow-unknown)")
    else:
        problems += unknown_account_problems(con, staged)
    if problems:
        raise ContractError(problems)
    accounts = con.execute(
        f"SELECT count(*) FROM read_parquet('{staged['accounts'].staged}/*.parquet')").fetchone()[0]
    first, last = event_time_span(con, staged)
    fingerprint = fingerprint_files([p for p in files.values() if p is not None])
    return StagedDataset(folder, Path(out_root), staged, accounts, first, last, fingerprint,
                         tuple(warnings))


@contextmanager
def staged_dataset(folder: Path, *, allow_unknown: bool = False,
                   progress: Callable[[str], None] | None = None) -> Iterator[StagedDataset]:
    """Stage `folder` into a temporary directory for the duration of the block."""
    root = Path(tempfile.mkdtemp(prefix="fanaudit-staged-"))
    try:
        yield stage_dataset(folder, root, allow_unknown=allow_unknown, progress=progress)
    finally:
        shutil.rmtree(root, ignore_errors=True)
