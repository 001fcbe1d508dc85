"""The same Ibis feature expressions on PySpark give the same table as on DuckDB."""

import pandas as pd
import pytest


@pytest.mark.spark
@pytest.mark.usefixtures("spark_runtime")  # tests/conftest.py: fails in CI without Java
def test_spark_matches_duckdb(featurize, make_world):
    world = make_world(2)
    on_duckdb = featurize(world)
    on_spark = featurize(world, engine="spark")
    assert on_duckdb.notna().sum().min() > 0
    pd.testing.assert_frame_equal(on_duckdb, on_spark, check_exact=False, rtol=1e-6)
