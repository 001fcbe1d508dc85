"""The simulator writes what the contract (features/contract.py) says, checked against the
contract itself and the loader that enforces it, never against the simulator's constants."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from fanaudit.features.contract import TABLES
from fanaudit.features.dataset import Dataset
from fanaudit.training.simulator import SimulationConfig, simulate

# Written out by hand from docs/dataset.md, so that a change of the contract's types shows.
EXPECTED_ARROW = {
    "id": pa.string(),
    "string": pa.string(),
    "text": pa.string(),
    "ip": pa.string(),
    "enum": pa.string(),
    "bool": pa.bool_(),
    "int": pa.int64(),
    "number": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("contract-world")
    simulate(SimulationConfig(seed=4, scale=0.03), out)
    return out


def test_every_written_parquet_table_has_the_contract_columns_and_types(world):
    written = sorted(p.name.removesuffix(".parquet") for p in world.glob("*.parquet"))
    assert written and set(written) <= set(TABLES)
    assert "accounts" in written
    for name in written:
        table = pq.read_table(world / f"{name}.parquet")
        contract = TABLES[name]
        assert set(contract.required_columns) <= set(table.column_names), name
        for field in table.schema:
            column = contract.column(field.name)  # KeyError: a column the contract lacks
            assert field.type == EXPECTED_ARROW[column.kind], (name, field.name, field.type)
            values = table.column(field.name)
            if column.required:
                assert values.null_count == 0, (name, field.name)
            if column.kind == "enum":
                assert set(values.drop_null().to_pylist()) <= set(column.values), (name, field.name)
            if column.unique:
                assert len(values) == len(values.unique()), (name, field.name)


def test_the_written_world_loads_without_problems_or_warnings(world):
    with Dataset.load(world) as data:
        assert not data.warnings
        written = {p.name.removesuffix(".parquet") for p in world.glob("*.parquet")}
        assert set(data.rows) == written
        for name, rows in data.rows.items():
            assert rows == pq.read_metadata(world / f"{name}.parquet").num_rows


def test_csv_output_has_the_contract_columns(tmp_path):
    simulate(SimulationConfig(seed=4, scale=0.02, fmt="csv"), tmp_path)
    for path in tmp_path.glob("*.csv"):
        name = path.name.removesuffix(".csv")
        header = pcsv.read_csv(path).column_names
        assert set(TABLES[name].required_columns) <= set(header)
        assert set(header) <= set(TABLES[name].column_names), name
