"""Ibis backends for the feature pipelines: DuckDB by default, PySpark for platform scale.

Every backend's session time zone is pinned to UTC, so hour-of-day and day boundaries
never depend on the machine the pipeline runs on.
"""

from __future__ import annotations

import os
from typing import Literal

import ibis

Engine = Literal["duckdb", "spark"]


def connect(engine: Engine = "duckdb", *, spark_master: str | None = None,
            threads: int | None = None, memory_limit: str | None = None):
    """An Ibis backend with its session time zone pinned to UTC."""
    if engine == "duckdb":
        config = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        con = ibis.duckdb.connect(**config)
        con.raw_sql("SET TimeZone = 'UTC'")
        return con
    if engine == "spark":
        return ibis.pyspark.connect(spark_session(spark_master))
    raise ValueError(f"unknown engine {engine!r}: use 'duckdb' or 'spark'")


def spark_session(master: str | None = None):
    """A SparkSession in UTC; `master` defaults to $SPARK_MASTER or local[*]."""
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.appName("fanaudit")
               .master(master or os.environ.get("SPARK_MASTER", "local[*]"))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
               .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "false"))
    return builder.getOrCreate()
