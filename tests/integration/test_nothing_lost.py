"""Nothing lost: outputs appear whole or not at all, a killed run (SIGKILL) leaves no
partial output and its rerun a complete and correct one, scoring accounts for every
requested account, and a corrupt or missing model artifact is a clear error, never a
crash or a silently different model.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fanaudit.cli import app
from fanaudit.features.io import (
    LOCK_FILE,
    LOCKLESS_GRACE_SECONDS,
    atomic_target,
    scratch_folder,
    write_frame_atomic,
)

runner = CliRunner()


def kill_when(proc: subprocess.Popen, condition: Callable[[], bool], timeout: float = 600) -> bool:
    """SIGKILL `proc` as soon as `condition()` holds; False if it ended on its own first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if condition():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
        raise AssertionError("the process neither ended nor met the condition in time")
    return False


def part_files(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f".{name}.*.part"))


# --------------------------------------------------------------------------- atomic writes

WRITE_BIG_FRAME = """
import sys
from pathlib import Path
import numpy as np, pandas as pd
from fanaudit.features.io import write_frame_atomic
rows = 3_000_000
frame = pd.DataFrame({"account_id": np.arange(rows).astype(str), "p": np.random.rand(rows)})
write_frame_atomic(frame, Path(sys.argv[1]))
"""


@pytest.mark.process
def test_writer_killed_mid_write_leaves_the_old_file_and_the_next_write_sweeps(tmp_path):
    target = tmp_path / "scores.csv"
    target.write_text("account_id\nold\n")
    proc = subprocess.Popen([sys.executable, "-c", WRITE_BIG_FRAME, str(target)])
    assert kill_when(proc, lambda: bool(part_files(tmp_path, target.name)), timeout=300)
    assert target.read_text() == "account_id\nold\n", "the old output must survive a killed writer"
    assert part_files(tmp_path, target.name), "the killed writer's temporary file is its only trace"

    write_frame_atomic(pd.DataFrame({"account_id": ["new"]}), target)
    assert pd.read_csv(target)["account_id"].tolist() == ["new"]
    assert part_files(tmp_path, target.name) == [], "the next write removes the abandoned file"


def test_a_live_writers_temporary_file_is_never_swept(tmp_path):
    target = tmp_path / "out.parquet"
    with atomic_target(target) as tmp:
        pd.DataFrame({"account_id": ["slow"]}).to_parquet(tmp)
        write_frame_atomic(pd.DataFrame({"account_id": ["fast"]}), target)  # sweeps leftovers
        assert tmp.exists(), "a file whose writer is alive was removed"
    assert pd.read_parquet(target)["account_id"].tolist() == ["slow"]  # last rename wins
    assert part_files(tmp_path, target.name) == []


def test_abandoned_scratch_folders_are_removed_and_live_ones_kept(tmp_path):
    abandoned = tmp_path / "fanaudit-staged-abandoned"
    abandoned.mkdir()
    (abandoned / LOCK_FILE).touch()  # its owner died: nobody holds the lock
    (abandoned / "accounts").mkdir()
    unlocked_yet = tmp_path / "fanaudit-staged-starting"
    unlocked_yet.mkdir()  # no lock file yet: its owner may be about to create it
    never_locked = tmp_path / "fanaudit-staged-never-locked"
    never_locked.mkdir()  # its owner died before creating the lock, long ago
    os.utime(never_locked, (time.time() - 2 * LOCKLESS_GRACE_SECONDS,) * 2)
    with scratch_folder("fanaudit-staged-", tmp_path) as live:
        with scratch_folder("fanaudit-staged-", tmp_path) as other:
            assert live.is_dir() and other.is_dir()
        assert unlocked_yet.exists()
        assert not abandoned.exists() and not never_locked.exists()
    assert not live.exists() and not other.exists()


# --------------------------------------------------------------------------- killed scoring


@pytest.fixture(scope="module")
def bigger_world(tmp_path_factory) -> Path:
    from fanaudit.training.simulator import SimulationConfig, simulate

    out = tmp_path_factory.mktemp("bigger-world") / "data"
    simulate(SimulationConfig(seed=8, scale=0.2), out)
    return out


def score_args(trained, data: Path, out: Path) -> list[str]:
    return [
        "fanaudit",
        "score",
        "--data",
        str(data),
        "--out",
        str(out),
        "--explain",
        "all",
        "--model",
        f"models:/fanaudit/{trained.run.version}",
        "--tracking-uri",
        trained.tracking_uri,
    ]


def read_scores(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def assert_same_scores(path: Path, expected: pd.DataFrame) -> None:
    """Same accounts in the same order with the same verdicts and reasons' features, and the
    same probabilities up to float noise (DuckDB's parallel sums are not bit-reproducible)."""
    got = read_scores(path)
    assert list(got.columns) == list(expected.columns)
    for column in ("account_id", "verdict", "model_version"):
        assert got[column].tolist() == expected[column].tolist(), column
    probabilities = got["bot_probability"].astype(float) - expected["bot_probability"].astype(float)
    assert probabilities.abs().max() < 1e-9
    named = lambda frame: frame["top_features"].map(lambda t: [i["feature"] for i in json.loads(t)])  # noqa: E731
    assert named(got).tolist() == named(expected).tolist()


@pytest.mark.slow
def test_killed_scoring_leaves_no_partial_output_and_a_rerun_completes(
    trained, bigger_world, tmp_path
):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    # the cache off: every run stages the folder again (with the cache on, the reference
    # run's staged tables are reused and there is no staging left to kill)
    env = os.environ | {"TMPDIR": str(scratch), "FANAUDIT_CACHE_MAX_GB": "0"}
    logs = open(tmp_path / "score.log", "w")

    def start(out: Path) -> subprocess.Popen:
        return subprocess.Popen(
            score_args(trained, bigger_world, out), env=env, stdout=logs, stderr=logs
        )

    reference = tmp_path / "reference.csv"
    began = time.monotonic()
    assert start(reference).wait() == 0, (tmp_path / "score.log").read_text()
    took = time.monotonic() - began
    expected = read_scores(reference)

    target = tmp_path / "out" / "scores.csv"
    mid_staging = lambda: any(scratch.glob("fanaudit-staged-*/.tables.partial-*/accounts"))  # noqa: E731
    assert kill_when(start(target), mid_staging), "killed while the dataset is being staged"
    assert not target.exists()
    assert any(scratch.glob("fanaudit-staged-*")), (
        "the killed run's staged folder is its only trace"
    )

    for fraction in (0.85, 0.7, 0.55, 0.4, 0.25, 0.1):  # late: while accounts are scored
        began = time.monotonic()
        kill_when(
            start(target),
            lambda began=began, fraction=fraction: time.monotonic() - began > fraction * took,
        )
        if not target.exists():
            break  # killed before the output was complete: nothing at the target path
        assert_same_scores(target, expected)  # it committed before the kill: then complete
        target.unlink()
    else:
        pytest.fail("scoring always committed its output before it could be killed")

    assert start(target).wait() == 0, (tmp_path / "score.log").read_text()
    assert_same_scores(target, expected)
    assert part_files(target.parent, target.name) == []
    assert not any(scratch.glob("fanaudit-staged-*")), (
        "the rerun removes killed runs' staged folders"
    )


@pytest.mark.slow
def test_requested_accounts_reconcile_with_the_output(trained, tmp_path):
    features = tmp_path / "features.parquet"
    assert (
        runner.invoke(
            app, ["features", "--data", str(trained.world.path), "--out", str(features)]
        ).exit_code
        == 0
    )
    known = pd.read_parquet(features)["account_id"].head(40).tolist()
    request = tmp_path / "ids.csv"
    pd.DataFrame({"account_id": known + known[:5] + ["nobody-1", "nobody-2"]}).to_csv(
        request, index=False
    )
    out = tmp_path / "scores.csv"
    result = runner.invoke(
        app,
        [
            "score",
            "--data",
            str(trained.world.path),
            "--out",
            str(out),
            "--accounts",
            str(request),
            "--skip-unknown",
            "--tracking-uri",
            trained.tracking_uri,
        ],
    )
    assert result.exit_code == 0, result.output
    scored = read_scores(out)
    assert sorted(scored["account_id"]) == sorted(known)
    summary = " ".join(result.output.split())
    assert "requested 42" in summary and "duplicates 5" in summary and "unknown 2" in summary
    assert "scored 40" in summary


# --------------------------------------------------------------------------- model artifacts


@pytest.fixture(scope="module")
def model_folder(trained, tmp_path_factory) -> Path:
    from fanaudit.models.store import load_model, use_tracking

    use_tracking(trained.tracking_uri)
    loaded = load_model(f"models:/fanaudit/{trained.run.version}")
    return loaded.model.save(tmp_path_factory.mktemp("model") / "fanaudit")


def copy_model(source: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for item in source.iterdir():
        (dest / item.name).write_bytes(item.read_bytes())
    return dest


def score_with_model(trained, model: Path, out: Path):
    return runner.invoke(
        app, ["score", "--data", str(trained.world.path), "--out", str(out), "--model", str(model)]
    )


def test_a_sound_model_folder_scores(trained, model_folder, tmp_path):
    out = tmp_path / "scores.csv"
    result = score_with_model(trained, model_folder, out)
    assert result.exit_code == 0, result.output
    assert len(read_scores(out)) > 0


CORRUPTIONS = {
    "truncated model.txt": (
        lambda m: (m / "model.txt").write_bytes((m / "model.txt").read_bytes()[:5000]),
        "model.txt is corrupt: its SHA-256 does not match",
    ),
    "empty model.txt": (lambda m: (m / "model.txt").write_bytes(b""), "model.txt is corrupt"),
    "missing model.txt": (lambda m: (m / "model.txt").unlink(), "model.txt is missing"),
    "broken metadata.json": (
        lambda m: (m / "metadata.json").write_text('{"format_version": 2, "feat'),
        "metadata.json is not valid JSON",
    ),
    "metadata without thresholds": (
        lambda m: (m / "metadata.json").write_text(
            (m / "metadata.json").read_text().replace('"thresholds"', '"thresholdz"')
        ),
        "metadata.json is corrupt: missing or malformed KeyError('thresholds')",
    ),
    "missing metadata.json": (lambda m: (m / "metadata.json").unlink(), "metadata.json is missing"),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_a_corrupt_model_folder_is_a_clear_error(name, trained, model_folder, tmp_path):
    corrupt, says = CORRUPTIONS[name]
    model = copy_model(model_folder, tmp_path / "model")
    corrupt(model)
    out = tmp_path / "scores.csv"
    result = score_with_model(trained, model, out)
    message = " ".join(result.output.split())
    assert result.exit_code == 4, message
    assert says in message and str(model) in message
    assert not out.exists()


@pytest.mark.process
def test_a_truncated_model_never_reaches_lightgbm_in_a_real_process(
    trained, model_folder, tmp_path
):
    """LightGBM aborts the whole process on some truncated model texts; the checksum stops it."""
    model = copy_model(model_folder, tmp_path / "model")
    text = (model / "model.txt").read_bytes()
    (model / "model.txt").write_bytes(text[: text.index(b"Tree=1")])
    result = subprocess.run(
        [
            "fanaudit",
            "score",
            "--data",
            str(trained.world.path),
            "--out",
            str(tmp_path / "s.csv"),
            "--model",
            str(model),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 4, result.stderr
    assert "SHA-256 does not match" in " ".join(result.stderr.split())


def test_a_missing_model_folder_is_a_clear_error(trained, tmp_path):
    result = score_with_model(trained, tmp_path / "no-such-model", tmp_path / "s.csv")
    assert result.exit_code == 4, result.output
    assert "no-such-model" in result.output
