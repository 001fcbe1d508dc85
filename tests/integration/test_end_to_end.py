"""The whole path on a small simulated platform, through the real command line:
simulate -> validate -> train -> score -> explain -> report, against a real MLflow store."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fanaudit.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    data = root / "data"
    output = invoke("simulate", "--out", data, "--scale", "0.1", "--seed", "5")
    streamer = re.search(r"most-followed streamer: (\S+)", output).group(1)
    config = root / "train.toml"
    config.write_text("[train]\nn_estimators = 60\nn_folds = 3\nbootstrap = 30\nseed = 5\n")
    train_output = invoke("train", "--data", data, "--config", config, "--tracking-uri", uri)
    scores = root / "scores.parquet"
    score_output = invoke(
        "score", "--data", data, "--out", scores, "--followers-of", streamer, "--tracking-uri", uri
    )
    return {
        "root": root,
        "uri": uri,
        "data": data,
        "streamer": streamer,
        "scores": scores,
        "train_output": train_output,
        "score_output": score_output,
    }


def current_followers(data, streamer) -> set[str]:
    follows = pq.read_table(data / "follows.parquet").to_pandas()
    mine = follows[follows["followee_id"] == streamer].sort_values("ts", kind="stable")
    last = mine.groupby("follower_id")["action"].last()
    return set(last[last == "follow"].index)


def test_train_prints_run_version_and_metrics(e2e):
    out = e2e["train_output"]
    assert re.search(r"run id: [0-9a-f]{32}", out)
    assert "version 1 (champion)" in out
    assert "ROC-AUC" in out and "Brier" in out


def test_score_writes_every_follower_exactly_once(e2e):
    scored = pd.read_parquet(e2e["scores"])
    expected = current_followers(e2e["data"], e2e["streamer"])
    assert len(scored) == len(expected) == scored["account_id"].nunique()
    assert set(scored["account_id"]) == expected
    assert f"scored {len(expected):,}" in e2e["score_output"]
    assert list(scored.columns[:6]) == [
        "account_id",
        "bot_probability",
        "verdict",
        "reasons",
        "top_features",
        "model_version",
    ]
    assert scored["bot_probability"].between(0, 1).all()
    assert set(scored["verdict"]) <= {"bot", "human", "uncertain"}
    assert (scored["model_version"] == "1").all()


def test_every_bot_verdict_has_reasons(e2e):
    scored = pd.read_parquet(e2e["scores"])
    bots = scored[scored["verdict"] == "bot"]
    assert len(bots) > 0, "the small world's top streamer has bought followers"
    assert (bots["reasons"].str.len() > 10).all()
    for items in bots["top_features"].map(json.loads):
        assert items and all({"feature", "value", "shap", "family"} <= set(i) for i in items)


def test_explain_prints_verdict_and_contributions(e2e, tmp_path):
    scored = pd.read_parquet(e2e["scores"])
    account = scored.sort_values("bot_probability").iloc[-1]
    png = tmp_path / "waterfall.png"
    out = invoke(
        "explain",
        "--data",
        e2e["data"],
        "--account",
        account["account_id"],
        "--tracking-uri",
        e2e["uri"],
        "--waterfall",
        png,
    )
    assert account["verdict"] in out
    assert f"{account['bot_probability']:.3f}" in out
    assert "raw score" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_explain_in_chinese(e2e):
    scored = pd.read_parquet(e2e["scores"])
    account = scored.sort_values("bot_probability").iloc[-1]["account_id"]
    out = invoke(
        "explain",
        "--data",
        e2e["data"],
        "--account",
        account,
        "--lang",
        "zh",
        "--tracking-uri",
        e2e["uri"],
    )
    assert re.search(r"[\u4e00-\u9fff]", out)


def test_report_is_written(e2e):
    page = e2e["root"] / "report.html"
    invoke(
        "report",
        "--data",
        e2e["data"],
        "--streamer",
        e2e["streamer"],
        "--out",
        page,
        "--tracking-uri",
        e2e["uri"],
    )
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert e2e["streamer"] in html and "data:image/png;base64," in html


def test_unknown_requested_id_is_an_error_and_writes_nothing(e2e, tmp_path):
    request = tmp_path / "ids.csv"
    request.write_text("account_id\nno-such-account\n")
    out = tmp_path / "never.csv"
    result = runner.invoke(
        app,
        [
            "score",
            "--data",
            str(e2e["data"]),
            "--out",
            str(out),
            "--accounts",
            str(request),
            "--tracking-uri",
            e2e["uri"],
        ],
    )
    assert result.exit_code != 0
    assert "no-such-account" in result.output
    assert not out.exists()


@pytest.mark.process
def test_registered_champion_loads_in_a_fresh_process_with_the_same_probabilities(e2e, tmp_path):
    features = tmp_path / "features.parquet"
    invoke("features", "--data", e2e["data"], "--out", features)
    script = textwrap.dedent(f"""
        import json, sys
        import mlflow, pandas as pd
        mlflow.set_tracking_uri({e2e["uri"]!r})
        model = mlflow.pyfunc.load_model("models:/fanaudit@champion")
        frame = pd.read_parquet({str(features)!r})
        scores = pd.read_parquet({str(e2e["scores"])!r})
        frame = frame.set_index("account_id").loc[scores["account_id"]].reset_index()
        out = model.predict(frame.drop(columns=["account_id"]))
        json.dump(out["bot_probability"].tolist(), sys.stdout)
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    fresh = pd.Series(json.loads(result.stdout.strip().splitlines()[-1]))
    scored = pd.read_parquet(e2e["scores"])["bot_probability"]
    assert len(fresh) == len(scored)
    assert (fresh - scored.to_numpy()).abs().max() < 1e-9


@pytest.mark.process
def test_fanaudit_is_a_real_console_command():
    result = subprocess.run(["fanaudit", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    listed = set(re.findall(r"(?m)^│ ([a-z]+) ", result.stdout))  # the Commands panel
    assert {
        "simulate",
        "validate",
        "features",
        "train",
        "score",
        "explain",
        "report",
        "demo",
    } <= listed, result.stdout


@pytest.mark.process
def test_validate_as_a_subprocess_names_file_row_and_column(tmp_path):
    (tmp_path / "accounts.csv").write_text(
        "account_id,created_at\na1,2024-01-01T00:00:00Z\na2,not-a-time\n"
    )
    result = subprocess.run(
        ["fanaudit", "validate", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert "accounts.csv" in message and "row 2" in message and "created_at" in message
