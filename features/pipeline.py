"""The feature pipeline: every family joined onto `accounts`, one row per account.

Written once in Ibis; runs on DuckDB by default and on PySpark (`engine="spark"`).
Labels are never read here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ibis
import pandas as pd

from features.engine import Engine, connect
from features.families import FAMILY_MODULES
from features.loading import StagedDataset
from features.registry import FEATURE_NAMES
from features.tables import Tables, open_tables

ID = "account_id"


def feature_expression(tables: Tables, progress: Callable[[str], None] | None = None) -> ibis.Table:
    """An Ibis expression with `account_id` and every registry feature, one row per account."""
    result = tables.accounts.select(ID)
    for module in FAMILY_MODULES:
        if progress:
            progress(module.__name__.rsplit(".", 1)[-1])
        part = module.compute(tables)
        if part is None:
            continue
        result = result.left_join(part, ID).drop(f"{ID}_right")
    present = set(result.columns)
    columns = [result[ID]]
    for name in FEATURE_NAMES:
        value = result[name] if name in present else ibis.null()
        columns.append(value.cast("float64").name(name))
    return result.select(*columns).order_by(ID)


def compute_features(staged: StagedDataset, *, engine: Engine = "duckdb",
                     spark_master: str | None = None,
                     progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The per-account feature table of a staged dataset, as pandas."""
    con = connect(engine, spark_master=spark_master)
    expr = feature_expression(open_tables(con, staged), progress)
    frame = con.to_pyarrow(expr).to_pandas()
    frame[ID] = frame[ID].astype(str)
    return frame


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as Parquet or CSV by the file's extension, atomically."""
    from features.io import write_frame_atomic

    write_frame_atomic(frame, path)
