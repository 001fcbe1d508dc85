"""Batch scoring through the real command line and library: every requested account once,
duplicates counted, unknown ids named (or listed and skipped), reasons only where asked,
chunked scoring equal to one pass, CSV formula text neutralised, and an output file that
never exists half-written, even when the writer fails or its process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from fanaudit.cli import app
from fanaudit.features.loading import staged_dataset
from fanaudit.features.pipeline import ID, compute_features
from fanaudit.models.output import AtomicChunkWriter
from fanaudit.models.scoring import OUTPUT_SCHEMA, iter_scored_chunks, score_in_chunks
from fanaudit.models.store import load_model, use_tracking

runner = CliRunner()
FORMULA_IDS = ("=1+2", "@SUM(A1)", "+33", "-cmd")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Accounts (some with ids a spreadsheet would run as formulas) and their follows of s1."""
    folder = tmp_path_factory.mktemp("tiny")
    ids = ["u1", "u2", "u3", *FORMULA_IDS, "s1"]
    pd.DataFrame(
        {
            "account_id": ids,
            "created_at": "2025-01-01T00:00:00Z",
            "nickname": [f"n{i}" for i in range(len(ids))],
        }
    ).to_csv(folder / "accounts.csv", index=False)
    pd.DataFrame(
        {"follower_id": ids[:-1], "followee_id": "s1", "ts": "2025-02-01T10:00:00Z"}
    ).to_csv(folder / "follows.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def model_args(trained) -> list[str]:
    return [
        "--model",
        f"models:/fanaudit/{trained.run.version}",
        "--tracking-uri",
        trained.tracking_uri,
    ]


def score(data, out, *args: str):
    return runner.invoke(app, ["score", "--data", str(data), "--out", str(out), *map(str, args)])


def request_file(path, ids: list[str]):
    pd.DataFrame({"account_id": ids}).to_csv(path, index=False)
    return path


@pytest.mark.slow  # needs the session's trained model
def test_duplicates_are_scored_once_and_counted(tiny, model_args, tmp_path):
    ids = request_file(tmp_path / "ids.csv", ["u1", "u2", "u1", "u3", "u2", "u1"])
    result = score(tiny, tmp_path / "scores.parquet", "--accounts", ids, *model_args)
    assert result.exit_code == 0, result.output
    scored = pd.read_parquet(tmp_path / "scores.parquet")
    assert sorted(scored["account_id"]) == ["u1", "u2", "u3"]
    assert "requested 3 " in result.output and "duplicates 3;" in result.output
    assert "scored 3; written 3;" in result.output


@pytest.mark.slow  # needs the session's trained model
def test_unknown_ids_are_an_error_that_names_them_and_writes_nothing(tiny, model_args, tmp_path):
    out = tmp_path / "scores.csv"
    out.write_text("old complete file\n")
    ids = request_file(tmp_path / "ids.csv", ["u1", "ghost-7", "u2", "ghost-9"])
    result = score(tiny, out, "--accounts", ids, *model_args)
    assert result.exit_code == 3
    assert "2 requested account(s) are not in the dataset" in result.output
    assert "'ghost-7'" in result.output and "'ghost-9'" in result.output
    assert out.read_text() == "old complete file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ids.csv", "scores.csv"]


@pytest.mark.slow  # needs the session's trained model
def test_skip_unknown_lists_and_counts_the_skipped_ids(tiny, model_args, tmp_path):
    ids = request_file(tmp_path / "ids.csv", ["u1", "ghost-7", "u2", "ghost-9", "u2"])
    result = score(tiny, tmp_path / "scores.csv", "--accounts", ids, "--skip-unknown", *model_args)
    assert result.exit_code == 0, result.output
    assert "skipped 2 unknown id(s): ghost-7, ghost-9" in result.output
    assert "requested 4 " in result.output and "duplicates 1;" in result.output
    assert "unknown 2; scored 2; written 2;" in result.output
    scored = pd.read_csv(tmp_path / "scores.csv", dtype=str, keep_default_na=False)
    assert sorted(scored["account_id"]) == ["u1", "u2"]


@pytest.mark.slow  # needs the session's trained model
def test_csv_output_neutralises_formula_text_and_parquet_keeps_it(tiny, model_args, tmp_path):
    assert (
        score(
            tiny, tmp_path / "scores.csv", "--followers-of", "s1", "--explain", "all", *model_args
        ).exit_code
        == 0
    )
    assert (
        score(tiny, tmp_path / "scores.parquet", "--followers-of", "s1", *model_args).exit_code == 0
    )
    lines = (tmp_path / "scores.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(lines) == 7
    assert not any(line.startswith(("=", "+", "-", "@")) for line in lines)
    from_csv = set(pd.read_csv(tmp_path / "scores.csv", dtype=str)["account_id"])
    assert {"'" + i for i in FORMULA_IDS} <= from_csv
    assert set(FORMULA_IDS) <= set(pd.read_parquet(tmp_path / "scores.parquet")["account_id"])


@pytest.fixture(scope="module")
def world(trained, small_world):
    use_tracking(trained.tracking_uri)
    model = load_model(f"models:/fanaudit/{trained.run.version}").model
    with staged_dataset(small_world.path) as staged:
        features = compute_features(staged)
    return model, features


@pytest.mark.slow  # needs the session's trained model
def test_reasons_are_computed_only_where_asked(world):
    model, features = world
    by_choice = {
        which: score_in_chunks(features, model, "7", which=which)
        for which in ("flagged", "all", "none")
    }
    flagged = by_choice["flagged"]
    assert set(flagged["verdict"]) >= {"bot", "human"}
    needs = flagged["verdict"] != "human"
    assert (flagged.loc[needs, "reasons"] != "").all()
    assert (flagged.loc[~needs, "reasons"] == "").all() and (
        flagged.loc[~needs, "top_features"] == "[]"
    ).all()
    assert (by_choice["all"]["reasons"] != "").mean() > 0.99
    assert (by_choice["none"]["reasons"] == "").all()
    for scored in by_choice.values():
        pd.testing.assert_series_equal(scored["bot_probability"], flagged["bot_probability"])


@pytest.mark.slow  # needs the session's trained model
def test_chunked_scoring_equals_one_pass_in_request_order(world):
    model, features = world
    rows = np.random.default_rng(4).permutation(len(features))[:700]
    chunks = list(iter_scored_chunks(features, model, "7", rows=rows, chunk_size=100))
    assert [len(c) for c in chunks] == [100] * 7
    together = pd.concat(chunks, ignore_index=True)
    assert list(together["account_id"]) == list(features[ID].iloc[rows])
    one_pass = score_in_chunks(features.iloc[rows], model, "7")
    pd.testing.assert_frame_equal(together, one_pass)


@pytest.mark.slow  # needs the session's trained model
def test_an_empty_request_still_writes_the_columns(world, tmp_path):
    model, features = world
    with AtomicChunkWriter(tmp_path / "empty.parquet", OUTPUT_SCHEMA) as writer:
        for chunk in iter_scored_chunks(features, model, "7", rows=np.array([], dtype=int)):
            writer.write(chunk)
        writer.commit()
    assert list(pd.read_parquet(tmp_path / "empty.parquet").columns) == OUTPUT_SCHEMA.names


def scores_frame(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ids,
            "bot_probability": 0.5,
            "verdict": "uncertain",
            "reasons": "",
            "top_features": "[]",
            "model_version": "1",
            "bot_kind": "",
            "kind_probability": np.nan,
            "kind_scores": "{}",
        }
    )


def failing_chunks(ids_per_chunk: int):
    """Scored chunks from a scorer that fails after its first chunk."""
    yield scores_frame([f"a{i}" for i in range(ids_per_chunk)])
    raise RuntimeError("scoring failed half-way")


@pytest.mark.parametrize("name", ["scores.parquet", "scores.csv", "scores.csv.gz"])
def test_a_failure_midway_leaves_the_old_file(tmp_path, name):
    out = tmp_path / name
    out.write_bytes(b"old complete file\n")
    with pytest.raises(RuntimeError, match="half-way"):
        with AtomicChunkWriter(out, OUTPUT_SCHEMA) as writer:
            for chunk in failing_chunks(1000):
                writer.write(chunk)
            writer.commit()
    assert out.read_bytes() == b"old complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_chunk_that_cannot_be_serialised_leaves_no_file(tmp_path):
    out = tmp_path / "scores.parquet"
    broken = scores_frame(["b"]).assign(bot_probability=["not a number"])
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        with AtomicChunkWriter(out, OUTPUT_SCHEMA) as writer:
            writer.write(scores_frame([f"a{i}" for i in range(1000)]))
            writer.write(broken)
            writer.commit()
    assert list(tmp_path.iterdir()) == []


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    import pandas as pd
    from fanaudit.models.output import AtomicChunkWriter
    from fanaudit.models.scoring import OUTPUT_SCHEMA
    frame = pd.DataFrame({"account_id": [f"a{i}" for i in range(50_000)], "bot_probability": 0.5,
                          "verdict": "bot", "reasons": "x" * 40, "top_features": "[]",
                          "model_version": "1", "bot_kind": "bulk_fan", "kind_probability": 0.9,
                          "kind_scores": "{}"})
    with AtomicChunkWriter(sys.argv[1], OUTPUT_SCHEMA) as writer:
        writer.write(frame)
        writer.write(frame)
        print("written", flush=True)
        time.sleep(120)
        writer.commit()
""")


@pytest.mark.process
@pytest.mark.parametrize("name", ["scores.parquet", "scores.csv"])
def test_a_killed_writer_leaves_no_partial_file(tmp_path, name):
    out = tmp_path / name
    out.write_text("old complete file\n")
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(out)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    try:
        assert child.stdout.readline().strip() == "written"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert out.read_text() == "old complete file\n"
