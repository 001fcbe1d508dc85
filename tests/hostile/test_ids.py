"""Ids round-trip: one normalisation rule for every source, exact integers only from number
columns, and CSV output that reads back as written (hypothesis writes arbitrary ids)."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fanaudit.features.io import (
    neutralise_formula,
    read_csv_output,
    unescape_cell,
    write_frame_atomic,
)
from fanaudit.features.loading import (
    ContractError,
    ID_WHITESPACE,
    normalise_id,
    read_id_column,
    staged_dataset,
)
from fanaudit.models.output import AtomicChunkWriter

# Any text without surrogates (they cannot be UTF-8) and without NUL (no CSV reader keeps it).
ID_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


@settings(
    max_examples=min(150, settings.default.max_examples),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ids=st.lists(ID_TEXT, min_size=1, max_size=20))
def test_any_id_written_as_csv_reads_back_as_itself(ids, tmp_path):
    out = tmp_path / "scores.csv"
    frame = pd.DataFrame({"account_id": ids, "bot_probability": [0.5] * len(ids)})
    write_frame_atomic(frame, out)
    back = read_csv_output(out)
    assert back["account_id"].tolist() == ids
    assert len(back) == len(ids)


@settings(
    max_examples=min(100, settings.default.max_examples),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ids=st.lists(ID_TEXT, min_size=1, max_size=10))
def test_the_chunk_writer_round_trips_ids_too(ids, tmp_path):
    out = tmp_path / "scores.csv.gz"
    with AtomicChunkWriter(out) as writer:
        writer.write(pd.DataFrame({"account_id": ids}))
        writer.write(pd.DataFrame({"account_id": ids[::-1]}))
        writer.commit()
    assert read_csv_output(out)["account_id"].tolist() == ids + ids[::-1]


@given(st.text(max_size=20))
def test_the_formula_guard_is_reversible_and_never_merges_two_values(text):
    assert unescape_cell(neutralise_formula(text)) == text
    assert neutralise_formula(text) != neutralise_formula("'" + text)


def test_a_formula_and_its_quoted_twin_stay_apart_and_a_bare_cr_keeps_the_row_count(tmp_path):
    ids = ["=1+1", "'=1+1", "a\rb", "c\nd", '"q"', "-2", "@x", "\tt"]
    out = tmp_path / "s.csv"
    write_frame_atomic(pd.DataFrame({"account_id": ids}), out)
    text = out.read_text()
    assert '"\'=1+1"' in text and "\"''=1+1\"" in text  # guarded: no cell starts with =
    assert pd.read_csv(out, dtype=str, keep_default_na=False).shape[0] == len(ids)
    assert read_csv_output(out)["account_id"].tolist() == ids


@settings(
    max_examples=min(15, settings.default.max_examples),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    core=st.text(
        st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12
    ),
    pad=st.lists(st.sampled_from(list(ID_WHITESPACE)), max_size=3),
)
def test_tables_and_id_lists_apply_one_rule_to_any_id(core, pad, tmp_path, private_tmp):
    padded = "".join(pad) + core + "".join(reversed(pad))
    folder = tmp_path / "d"
    folder.mkdir(exist_ok=True)
    accounts = pa.table({"account_id": [padded], "created_at": ["2024-01-01T00:00:00Z"]})
    (folder / "accounts.parquet").write_bytes(parquet_bytes(accounts))
    with staged_dataset(folder) as staged:
        staged_ids = (
            pq.read_table(staged.tables["accounts"].staged).column("account_id").to_pylist()
        )
    as_list = tmp_path / "ids.csv"
    pd.DataFrame({"account_id": [padded]}).to_csv(as_list, index=False, quoting=csv.QUOTE_ALL)
    assert staged_ids == [normalise_id(padded)] == [core.strip(ID_WHITESPACE)]
    assert read_id_column(as_list) == staged_ids


def test_whitespace_is_trimmed_alike_in_csv_parquet_tables_and_lists(tmp_path, private_tmp):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "accounts.csv").write_text(
        "account_id,created_at\n\tu1 ,2024-01-01\n u2\t,2024-01-01\n"
    )
    follows = pa.table(
        {
            "follower_id": [" u1\t", "\tu2"],
            "followee_id": ["u2 ", "u1"],
            "ts": ["2024-02-01T00:00:00Z"] * 2,
        }
    )
    (folder / "follows.parquet").write_bytes(parquet_bytes(follows))
    with staged_dataset(folder) as staged:  # every follower is a known account
        assert staged.accounts == 2
    (tmp_path / "list.parquet").write_bytes(parquet_bytes(pa.table({"account_id": ["\tu1 "]})))
    assert read_id_column(tmp_path / "list.parquet") == ["u1"]


def test_an_integral_float_id_column_is_read_exactly(tmp_path, private_tmp):
    folder = tmp_path / "d"
    folder.mkdir()
    big = float(2**53)
    table = pa.table({"account_id": pa.array([123.0, big, -7.0]), "created_at": ["2024-01-01"] * 3})
    (folder / "accounts.parquet").write_bytes(parquet_bytes(table))
    with staged_dataset(folder) as staged:
        ids = pq.read_table(staged.tables["accounts"].staged).column("account_id").to_pylist()
    assert ids == ["123", str(2**53), "-7"]


@pytest.mark.parametrize("value", [0.5, float(2**53 + 2), float("nan"), 1e300])
def test_a_float_id_that_is_not_an_exact_integer_is_refused_with_row_and_column(
    value, tmp_path, private_tmp
):
    folder = tmp_path / "d"
    folder.mkdir()
    table = pa.table({"account_id": pa.array([1.0, value]), "created_at": ["2024-01-01"] * 2})
    (folder / "accounts.parquet").write_bytes(parquet_bytes(table))
    with pytest.raises(ContractError) as caught, staged_dataset(folder):
        pass
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (2, "account_id")
    assert "whole number" in problem.message


def test_a_timestamp_id_column_is_refused(tmp_path, private_tmp):
    folder = tmp_path / "d"
    folder.mkdir()
    table = pa.table(
        {"account_id": pa.array([pd.Timestamp("2024-01-01")]), "created_at": ["2024-01-01"]}
    )
    (folder / "accounts.parquet").write_bytes(parquet_bytes(table))
    with pytest.raises(ContractError, match="cannot hold id values"), staged_dataset(folder):
        pass


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch
