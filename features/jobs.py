"""The `features` job: a dataset folder in, the per-account feature table out, one row per
account in `accounts`, reconciled before anything is published.

On DuckDB the table is computed in this process and written as one Parquet or CSV file.
On Spark it is computed and written by Spark as a Parquet folder, never collected to the
driver, so it scales with the cluster rather than with the driver's memory.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fanaudit.errors import ReconcileError, UsageError
from fanaudit.features.engine import Engine
from fanaudit.features.io import (
    check_output,
    check_parquet_folder,
    output_format,
    publish_folder,
    unpublished_folder,
    write_frame_atomic,
)
from fanaudit.features.dataset import Dataset, DataSource, opened
from fanaudit.features.feature_table import write_feature_table
from fanaudit.features.loading import StagedDataset, dataset_inputs
from fanaudit.features.privacy import home_state
from fanaudit.features.pipeline import ID, feature_dataframe

Progress = Callable[[str], None]


@dataclass(frozen=True)
class FeatureSummary:
    out: Path
    accounts: int
    features: int


class FeatureCountError(ReconcileError):
    """The feature table does not hold exactly one row per account."""


def reconcile(accounts: int, rows: int, distinct: int) -> None:
    """Accounts in must equal accounts out, each exactly once."""
    if rows != distinct:
        raise FeatureCountError(f"feature table has {rows - distinct} duplicated account row(s)")
    if distinct != accounts:
        raise FeatureCountError(f"feature table has {distinct} accounts for {accounts} in the data")


def write_features_on_duckdb(data: Dataset, out: Path, progress: Progress | None) -> FeatureSummary:
    """A Parquet `out` is a reusable feature table: it carries the feature registry's
    version and the data's fingerprint (`features.feature_table`); CSV is for reading."""
    frame = data.features(progress)
    reconcile(data.accounts, len(frame), frame[ID].nunique())
    if output_format(out) == "parquet":
        write_feature_table(frame, out, data.fingerprint)
    else:
        write_frame_atomic(frame, out)
    return FeatureSummary(out, len(frame), frame.shape[1] - 1)


def write_features_on_spark(
    staged: StagedDataset, out: Path, spark_master: str | None
) -> FeatureSummary:
    """Spark computes the table and writes it under a temporary name beside `out`; it is read
    back and reconciled, and only then moved onto `out`."""
    from pyspark.sql import functions as F

    features = feature_dataframe(staged, spark_master)
    tmp = unpublished_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        features.write.parquet(str(tmp))
        written = features.sparkSession.read.parquet(str(tmp))
        counts = written.agg(F.count("*").alias("rows"), F.countDistinct(ID).alias("distinct"))
        rows, distinct = counts.first()
        reconcile(staged.accounts, rows, distinct)
        publish_folder(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return FeatureSummary(out, rows, len(features.columns) - 1)


def write_features(
    data_dir: DataSource,
    out: Path,
    *,
    engine: Engine = "duckdb",
    spark_master: str | None = None,
    allow_unknown: bool = False,
    progress: Progress | None = None,
) -> FeatureSummary:
    """Validate and stage `data_dir` (or reuse a loaded `Dataset`), compute its features
    and write them to `out`."""
    out = Path(out)
    if engine not in ("duckdb", "spark"):
        raise UsageError(f"engine must be duckdb or spark, not {engine!r}")
    if engine == "spark":
        check_parquet_folder(out, "the Spark engine")
    folder = data_dir.path if isinstance(data_dir, Dataset) else Path(data_dir)
    check_output(out, [*dataset_inputs(folder), *home_state()], folder=engine == "spark")
    with opened(data_dir, allow_unknown=allow_unknown, progress=progress) as data:
        if engine == "spark":
            return write_features_on_spark(data.staged, out, spark_master)
        return write_features_on_duckdb(data, out, progress)
