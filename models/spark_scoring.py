"""Scoring on Spark: the feature pipeline's Ibis expression run by PySpark, the model
shipped to the executors, and every partition scored with `mapInPandas` into Parquet.

The model travels as the text of its two artifact files (the LightGBM booster and the
JSON metadata of models/artifact.py) in a broadcast variable. Each Python worker rebuilds
it once with `FanauditModel.load` (the same validated loader as everywhere else; nothing
is unpickled) and scores its Arrow batches with the same `score_features` as the
single-machine path, reasons included, so probabilities, verdicts and reasons are the
ones DuckDB scoring gives.

Requirements on a cluster: the executors run the same Python environment as the driver
(fanaudit and its dependencies installed on the nodes, or shipped with
`spark-submit --archives env.tar.gz#env`), and the staged Parquet and the output folder
live on a filesystem every node sees (stage under a shared TMPDIR).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fanaudit.features.engine import spark_session
from fanaudit.features.feature import Language
from fanaudit.features.loading import StagedDataset
from fanaudit.features.io import check_parquet_folder, publish_folder, unpublished_folder
from fanaudit.features.pipeline import ID, feature_dataframe
from fanaudit.models.artifact import FanauditModel
from fanaudit.models.scoring import (
    OUTPUT_SCHEMA,
    ExplainWhich,
    Request,
    build_request,
    needs_reasons,
)


@dataclass(frozen=True)
class ShippedModel:
    """A model as the text of every file of its artifact folder (the booster, its metadata
    and, when trained with one, the kind model): small, picklable, broadcastable."""

    files: tuple[tuple[str, str], ...]  # (file name, text), sorted by name

    @classmethod
    def of(cls, model: FanauditModel) -> ShippedModel:
        with tempfile.TemporaryDirectory(prefix="fanaudit-ship-") as folder:
            model.save(Path(folder))
            return cls(
                tuple(
                    sorted(
                        (path.name, path.read_text(encoding="utf-8"))
                        for path in Path(folder).iterdir()
                        if path.is_file()
                    )
                )
            )

    def load(self) -> FanauditModel:
        with tempfile.TemporaryDirectory(prefix="fanaudit-model-") as folder:
            for name, text in self.files:
                (Path(folder) / name).write_text(text, encoding="utf-8")
            return FanauditModel.load(Path(folder))


@lru_cache(maxsize=2)
def executor_model(shipped: ShippedModel) -> FanauditModel:
    """The model on an executor, rebuilt once per Python worker (workers are reused)."""
    return shipped.load()


def spark_type(field: pa.Field) -> str:
    return "double" if pa.types.is_floating(field.type) else "string"


SCORE_SCHEMA = ", ".join(f"{f.name} {spark_type(f)}" for f in OUTPUT_SCHEMA)


def partition_scorer(
    shipped, version: str, which: ExplainWhich, lang: Language
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The mapInPandas function: score each Arrow batch of a partition of features."""

    def score_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from fanaudit.models.scoring import score_features

        model = executor_model(shipped.value)
        for batch in batches:
            yield score_features(batch, model, version, which=which, lang=lang)

    return score_partition


def score_dataframe(
    features,
    model: FanauditModel,
    version: str,
    *,
    which: ExplainWhich = "flagged",
    lang: Language = "en",
):
    """A Spark DataFrame of scores (the columns of models.scoring.OUTPUT_SCHEMA)."""
    shipped = features.sparkSession.sparkContext.broadcast(ShippedModel.of(model))
    return features.mapInPandas(partition_scorer(shipped, str(version), which, lang), SCORE_SCHEMA)


def account_ids(staged: StagedDataset) -> pd.Index:
    table = pq.read_table(staged.tables["accounts"].staged, columns=[ID])
    return pd.Index(table.column(ID).to_pandas().astype(str))


def requested_subset(spark, features, request: Request | None):
    """The rows of `features` for the requested accounts (all of them without a request)."""
    if request is None:
        return features
    ids = spark.createDataFrame(pd.DataFrame({ID: request.account_ids.astype(str)}))
    return features.join(ids, ID, "left_semi")


@dataclass(frozen=True)
class SparkScoring:
    """What a Spark scoring run wrote, checked by reading the output back."""

    source: str
    requested: int  # distinct accounts asked for, before unknown ones were skipped
    duplicates: int
    unknown: tuple[str, ...]
    written: int
    explained: int
    verdicts: dict[str, int]


def written_counts(
    spark, folder: Path, which: ExplainWhich
) -> tuple[int, int, dict[str, int], int]:
    """Rows, distinct accounts, verdict counts and explained rows of a written score folder."""
    written = spark.read.parquet(str(folder))
    verdicts = {
        row["verdict"]: int(row["count"]) for row in written.groupBy("verdict").count().collect()
    }
    distinct = written.select(ID).distinct().count()
    explained = sum(
        n
        for verdict, n in verdicts.items()
        if needs_reasons(np.array([verdict], dtype=object), which)[0]
    )
    return sum(verdicts.values()), distinct, verdicts, explained


def reconcile_written(
    spark, folder: Path, expected: int, request: Request | None, which: ExplainWhich
) -> tuple[int, dict[str, int], int]:
    """Accounts in must equal accounts out; raise before the output is published."""
    rows, distinct, verdicts, explained = written_counts(spark, folder, which)
    problems = []
    if rows != distinct:
        problems.append(f"{rows - distinct} account(s) scored twice")
    if distinct != expected:
        problems.append(f"{distinct} distinct account(s) written for {expected} requested")
    if request is not None and not problems:
        wanted = spark.createDataFrame(pd.DataFrame({ID: request.account_ids.astype(str)}))
        extra = spark.read.parquet(str(folder)).join(wanted, ID, "left_anti").count()
        if extra:
            problems.append(f"{extra} account(s) in the output that were not requested")
    if problems:
        raise RuntimeError("scoring on Spark failed to reconcile: " + "; ".join(problems))
    return rows, verdicts, explained


def score_staged_on_spark(
    staged: StagedDataset,
    out: Path,
    model: FanauditModel,
    version: str,
    *,
    streamer: str | None = None,
    accounts_file: Path | None = None,
    skip_unknown: bool = False,
    which: ExplainWhich = "flagged",
    lang: Language = "en",
    spark_master: str | None = None,
) -> SparkScoring:
    """Score the requested accounts of a staged dataset on Spark into the Parquet folder `out`.

    The folder is written beside `out` under a hidden name, read back and reconciled
    (each requested account exactly once), and only then moved onto `out`.
    """
    out = Path(out)
    check_parquet_folder(out, "scoring on Spark")
    spark = spark_session(spark_master)
    request = None
    if streamer is not None or accounts_file is not None:
        request = build_request(
            staged,
            account_ids(staged),
            streamer=streamer,
            accounts_file=accounts_file,
            skip_unknown=skip_unknown,
        )
    expected = staged.accounts if request is None else len(request.account_ids)
    features = requested_subset(spark, feature_dataframe(staged, spark_master), request)
    scores = score_dataframe(features, model, version, which=which, lang=lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = unpublished_folder(out)
    try:
        scores.write.parquet(str(tmp))
        rows, verdicts, explained = reconcile_written(spark, tmp, expected, request, which)
        publish_folder(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if request is None:
        return SparkScoring("all accounts", expected, 0, (), rows, explained, verdicts)
    return SparkScoring(
        request.source,
        expected + len(request.unknown),
        request.duplicates,
        request.unknown,
        rows,
        explained,
        verdicts,
    )
