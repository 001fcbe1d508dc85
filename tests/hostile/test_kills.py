"""Kills at the wrong moment: a killed simulation leaves nothing that validates, a run whose
process died is marked so, and a store left without a champion heals on the next training."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fanaudit.errors import EXIT_DATA
from hostile_helpers import fanaudit, one_error_line


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def partial_worlds(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith(".world.partial-")]


def start_simulation(out: Path, scale: float) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fanaudit",
            "simulate",
            "--out",
            str(out),
            "--scale",
            str(scale),
            "--format",
            "csv",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.process
def test_a_killed_simulation_leaves_no_folder_that_validates_and_keeps_the_old_world(tmp_path):
    out = tmp_path / "world"
    assert fanaudit("simulate", "--out", out, "--scale", "0.05", "--seed", "1").returncode == 0
    before = sorted((p.name, p.stat().st_size) for p in out.iterdir())
    child = start_simulation(out, 3.0)  # 60,000 accounts: written chunk by chunk
    try:
        assert wait_for(
            lambda: any(
                (p / "accounts.csv").exists() and (p / "accounts.csv").stat().st_size > 0
                for p in partial_worlds(tmp_path)
            ),
            240,
        ), "never started writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert sorted((p.name, p.stat().st_size) for p in out.iterdir()) == before
    assert fanaudit("validate", out).returncode == 0  # the old world, whole
    fresh = tmp_path / "fresh"
    child = start_simulation(fresh, 3.0)
    try:
        assert wait_for(
            lambda: any(p.name.startswith(".fresh.partial-") for p in tmp_path.iterdir()), 240
        )
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    result = fanaudit("validate", fresh)
    assert result.returncode == EXIT_DATA and "dataset folder does not exist" in one_error_line(
        result
    )
    assert fanaudit("simulate", "--out", out, "--scale", "0.05", "--seed", "2").returncode == 0
    assert partial_worlds(tmp_path) == [], "the next simulation did not sweep the leftover"


@pytest.mark.process
def test_runs_marks_a_run_whose_process_was_killed(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    script = (
        "import os, signal; from fanaudit.models.store import use_tracking; "
        "from fanaudit.training.config import TrainConfig; "
        "from fanaudit.training.tracking import start_training_run; "
        f"use_tracking({uri!r}); run = start_training_run(TrainConfig()); "
        "print(run.info.run_id, flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    killed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180
    )
    assert killed.returncode == -signal.SIGKILL
    run_id = killed.stdout.split()[0]
    listed = fanaudit("runs", "--tracking-uri", uri, timeout=180, env={"COLUMNS": "200"})
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if run_id[:12] in line)
    assert "DIED" in row


@pytest.mark.slow
def test_a_store_left_without_a_champion_heals_on_the_next_training(small_world, tmp_path):
    from mlflow import MlflowClient

    from fanaudit.models.artifact import ModelArtifactError
    from fanaudit.models.store import load_model, use_tracking
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.jobs import train_from_folder

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    config = TrainConfig(n_estimators=10, n_folds=2, bootstrap=0, seed=5)
    first = train_from_folder(small_world.path, config, tracking_uri=uri)
    assert first.champion
    # The store as a kill between registering version 1 and setting its alias leaves it:
    MlflowClient(uri).delete_registered_model_alias(config.model_name, "champion")
    use_tracking(uri)
    with pytest.raises(ModelArtifactError, match="version\\(s\\) but no 'champion'"):
        load_model()
    second = train_from_folder(small_world.path, config, tracking_uri=uri)
    assert second.version == "2" and second.champion
    assert load_model().version == "2"
