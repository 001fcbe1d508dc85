"""The feature pipeline: every family joined onto `accounts`, one row per account.

Written once in Ibis; runs on DuckDB by default and on PySpark (`engine="spark"`).
Labels are never read here.

`feature_expression` is the whole table as one lazy expression (what Spark runs).
`compute_features` on DuckDB runs the same family expressions one at a time into
temporary tables and then joins those: one family's intermediate tables are freed before
the next starts, and the final join reads small per-account tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
import tempfile
from pathlib import Path

import ibis
import pandas as pd

from fanaudit.features.engine import Engine, connect, spark_checkpoint
from fanaudit.features.families import FAMILY_MODULES
from fanaudit.features.loading import StagedDataset, sql_string
from fanaudit.features.registry import FEATURE_NAMES
from fanaudit.features.tables import Tables, open_tables

ID = "account_id"
# DuckDB's memory for the feature queries (beyond it, it spills to a temporary folder):
# a million accounts peak at 3.3 GiB (5.9 GiB unbounded; 2.5GB doubled the time).
DUCKDB_MEMORY_LIMIT = "3.2GB"
Progress = Callable[[str], None]


def family_tables(tables: Tables, progress: Progress | None = None) -> Iterator[ibis.Table]:
    """Each family's per-account table (families without their tables are skipped)."""
    for module in FAMILY_MODULES:
        if progress:
            progress(module.__name__.rsplit(".", 1)[-1])
        part = module.compute(tables)
        if part is not None:
            yield part


def assemble(accounts: ibis.Table, parts: list[ibis.Table]) -> ibis.Table:
    """`account_id` and every registry feature (float64, null when absent), by account."""
    result = accounts.select(ID)
    for part in parts:
        result = result.left_join(part, ID).drop(f"{ID}_right")
    present = set(result.columns)
    columns = [result[ID]]
    for name in FEATURE_NAMES:
        value = result[name] if name in present else ibis.null()
        columns.append(value.cast("float64").name(name))
    return result.select(*columns).order_by(ID)


def feature_expression(tables: Tables, progress: Progress | None = None) -> ibis.Table:
    """An Ibis expression with `account_id` and every registry feature, one row per account."""
    return assemble(tables.accounts, list(family_tables(tables, progress)))


@lru_cache(maxsize=1)
def duckdb_epoch_compiler():
    """Ibis's DuckDB compiler, taking epoch seconds of a UTC timestamp directly.

    Ibis compiles `epoch_seconds()` of a time-zone-aware column as
    EPOCH(CAST(ts AS TIMESTAMP)); the cast goes through the ICU calendar for every row and
    costs several times the rest of a scan. EPOCH(ts) is the same number."""
    from ibis.backends.sql.compilers.duckdb import DuckDBCompiler

    class EpochCompiler(DuckDBCompiler):
        def visit_ExtractEpochSeconds(self, op, *, arg):
            if op.arg.dtype.is_timestamp() and op.arg.dtype.timezone is not None:
                return self.f.epoch(arg)
            return super().visit_ExtractEpochSeconds(op, arg=arg)

    return EpochCompiler()


def session(engine: Engine, spark_master: str | None = None):
    """A backend tuned for the feature queries (on DuckDB: fast epochs, no row order kept)."""
    con = connect(
        engine,
        spark_master=spark_master,
        memory_limit=DUCKDB_MEMORY_LIMIT if engine == "duckdb" else None,
    )
    if engine == "duckdb":
        con.compiler = duckdb_epoch_compiler()
        con.raw_sql("SET preserve_insertion_order = false")
        spill = Path(tempfile.gettempdir()) / "fanaudit-duckdb-spill"
        con.raw_sql(f"SET temp_directory = {sql_string(str(spill))}")
    return con


def feature_table(
    con, engine: Engine, staged: StagedDataset, progress: Progress | None = None
) -> ibis.Table:
    """The feature table on backend `con`, over per-family tables computed one at a time
    (DuckDB: temporary tables; Spark: local checkpoints, so the final join neither
    re-plans nor re-runs any family)."""
    tables = open_tables(con, staged)
    parts = family_tables(tables, progress)
    if engine == "duckdb":
        parts = (con.create_table(f"family_{i}", part, temp=True) for i, part in enumerate(parts))
    else:
        parts = (spark_checkpoint(con, f"family_{i}", part) for i, part in enumerate(parts))
    return assemble(tables.accounts, list(parts))


def compute_features(
    staged: StagedDataset,
    *,
    engine: Engine = "duckdb",
    spark_master: str | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """The per-account feature table of a staged dataset, as pandas."""
    con = session(engine, spark_master)
    frame = con.to_pyarrow(feature_table(con, engine, staged, progress)).to_pandas()
    frame[ID] = frame[ID].astype(str)
    return frame


def feature_dataframe(staged: StagedDataset, spark_master: str | None = None):
    """The feature table of a staged dataset as a Spark DataFrame (never collected)."""
    con = session("spark", spark_master)
    return con.raw_sql(con.compile(feature_table(con, "spark", staged)))


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as Parquet or CSV by the file's extension, atomically."""
    from fanaudit.features.io import write_frame_atomic

    write_frame_atomic(frame, path)
