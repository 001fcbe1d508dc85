"""Ibis backends for the feature pipelines: DuckDB by default, PySpark for platform scale.

Every backend's session time zone is pinned to UTC, so hour-of-day and day boundaries
never depend on the machine the pipeline runs on.

On Spark three things differ from Ibis's and Spark's defaults. Float literals are
compiled as DOUBLE (Spark reads `86400.0` as DECIMAL(6,1), which makes `seconds / 86400.0`
a decimal rounded to 7 places), so both backends compute the same numbers. A local
session gets shuffle partitions for one machine, unless configured. And the pipeline
checkpoints each family (`spark_checkpoint`) so the final join never re-plans the
families' lineage.

Spark is found through the usual settings: `spark_master` (`--spark-master`), else
$SPARK_MASTER, else spark-submit's --master when fanaudit runs inside spark-submit, else
`local[*]`; everything else (memory, executors, packages) comes from spark-defaults.conf,
$SPARK_CONF_DIR, $PYSPARK_SUBMIT_ARGS or spark-submit's options.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

import ibis

from fanaudit.errors import UsageError
from fanaudit.settings import current

Engine = Literal["duckdb", "spark"]
LOCAL_DRIVER_MEMORY = "4g"  # Settings.spark_driver_memory (FANAUDIT_SPARK_DRIVER_MEMORY)
LOCAL_SHUFFLE_PARTITIONS_PER_CORE = 2


def connect(
    engine: Engine = "duckdb",
    *,
    spark_master: str | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
):
    """An Ibis backend with its session time zone pinned to UTC."""
    if engine == "duckdb":
        config: dict[str, int | str] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        con = ibis.duckdb.connect(**config)
        con.raw_sql("SET TimeZone = 'UTC'")
        return con
    if engine == "spark":
        return spark_backend(spark_session(spark_master))
    raise UsageError(f"unknown engine {engine!r}: use 'duckdb' or 'spark'")


def spark_backend(session):
    """The Ibis backend over an existing SparkSession, compiling float literals as DOUBLE."""
    con = ibis.pyspark.connect(session)
    con.compiler = double_literal_compiler()
    return con


def spark_checkpoint(con, name: str, expr: ibis.Table) -> ibis.Table:
    """Run `expr` on Spark now and keep its rows on the executors (a local checkpoint) as
    table `name`: queries over it start from those rows, with none of `expr`'s plan."""
    frame = con.raw_sql(con.compile(expr)).localCheckpoint(eager=True)
    frame.createOrReplaceTempView(name)
    return con.table(name)


@lru_cache(maxsize=1)
def double_literal_compiler():
    """Ibis's PySpark compiler, with float64 literals cast to DOUBLE."""
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    class DoubleLiteralCompiler(PySparkCompiler):
        def visit_NonNullLiteral(self, op, *, value, dtype):
            result = super().visit_NonNullLiteral(op, value=value, dtype=dtype)
            if dtype.is_floating() and result is not None:
                return self.cast(result, dtype)
            return result

    return DoubleLiteralCompiler()


def launched_by_spark_submit() -> bool:
    """True inside spark-submit (or the pyspark shell): the JVM and its master exist already."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def spark_session(master: str | None = None):
    """A SparkSession in UTC on `master`, else $SPARK_MASTER, else spark-submit's --master
    when launched by spark-submit, else local[*].

    An active session (inside a notebook, or an earlier call) is reused with its own
    master; only its SQL time zone is pinned.
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        active.conf.set("spark.sql.session.timeZone", "UTC")
        return active
    builder = (
        SparkSession.builder.appName("fanaudit")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.ui.enabled", "false")
    )
    settings = current()
    url = master or settings.spark_master or (None if launched_by_spark_submit() else "local[*]")
    if url:
        builder = builder.master(url)
    submit_args = os.environ.get("PYSPARK_SUBMIT_ARGS", "")
    if (
        url
        and url.startswith("local")
        and not any(option in submit_args for option in ("--driver-memory", "spark.driver.memory"))
    ):
        # In local mode the driver's JVM does all the work; Spark's 1g default is too small
        # for a few million events.
        builder = builder.config("spark.driver.memory", settings.spark_driver_memory)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(settings.spark_log_level)
    context = session.sparkContext
    if (context.master or "").startswith("local") and not context.getConf().contains(
        "spark.sql.shuffle.partitions"
    ):
        cores = session.sparkContext.defaultParallelism
        session.conf.set("spark.sql.shuffle.partitions", LOCAL_SHUFFLE_PARTITIONS_PER_CORE * cores)
        # On one machine, merge small shuffle partitions by size rather than keeping one
        # per core: tiny worlds then run as few tasks as their data needs.
        session.conf.set("spark.sql.adaptive.coalescePartitions.parallelismFirst", "false")
    return session
