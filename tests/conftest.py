"""Shared fixtures: an isolated fanaudit home for the whole session, a small simulated
world and a model trained on it in a real (SQLite) MLflow store, and the one rule for test
inputs that live outside the repository (`require_input`)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FANAUDIT_SHARED", PROJECT.parent / "shared"))
DATASETS = SHARED / "datasets"
CHROMIUM = Path("/usr/bin/chromium")
FAST_TRAIN = {"n_estimators": 60, "n_folds": 3, "bootstrap": 30, "seed": 11}
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_input(present: bool, what: str) -> None:
    """A test input from outside the repository (the shared datasets, Chromium, a CJK font,
    Java) must be there. Without it the test is skipped on a developer's machine, but in CI
    (CI=true), where .ci/run installs them all, it fails: a skip there would hide a test
    that never ran."""
    if present:
        return
    if IN_CI:
        pytest.fail(
            f"{what} is missing (CI=true: missing test inputs fail, they are not skipped)",
            pytrace=False,
        )
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """../shared/datasets, the public labelled sets (override with FANAUDIT_SHARED)."""
    require_input(DATASETS.is_dir(), f"{DATASETS} (the shared labelled sets)")
    return DATASETS


@pytest.fixture(scope="session")
def spark_runtime() -> None:
    """PySpark and a JVM for it."""
    require_input(importlib.util.find_spec("pyspark") is not None, "pyspark")
    require_input(shutil.which("java") is not None, "java (a JVM for Spark)")


@pytest.fixture(scope="session")
def chromium() -> Path:
    require_input(CHROMIUM.is_file(), f"{CHROMIUM} (apt-get install -y chromium)")
    return CHROMIUM


def installed_cjk_fonts() -> list[str]:
    """Font files fontconfig knows for Chinese (`fc-list :lang=zh`)."""
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(
        ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=60
    )
    return [line for line in listed.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def cjk_font() -> list[str]:
    """The CJK fonts installed: a Chinese report without one shows boxes (page) or English
    labels (charts)."""
    fonts = installed_cjk_fonts()
    require_input(
        bool(fonts), "a CJK font (fc-list :lang=zh; apt-get install -y fonts-wqy-microhei)"
    )
    return fonts


# What makes a test slow, marked here once so that `pytest -m "not slow"` stays under a
# minute without every module remembering it: a fixture that trains a model, simulates a
# world or reads the shared real datasets (directly or through another fixture); a Spark
# test (a JVM and a session per module); a test that starts fresh processes (`process`:
# each pays the imports of pandas, LightGBM and MLflow again). `audit` (test_privacy)
# trains through the CLI; `family` and `loud_world` (test_worlds) simulate randomised worlds.
SLOW_FIXTURES = {"trained", "small_world", "audit", "shared_datasets", "family", "loud_world"}
SLOW_MARKERS = {"spark", "process"}


def pytest_configure(config):
    from hypothesis import settings

    from fanaudit.runtime import prepare

    # A quick run (`-m "not slow"`) tries 5 examples per property test; the full suite tries
    # each test's own number (tests cap theirs with `min(N, settings.default.max_examples)`,
    # and the full profile's 200 is above every N).
    settings.register_profile("full", max_examples=200)
    settings.register_profile("quick", max_examples=5)
    quick = "not slow" in (config.option.markexpr or "")
    settings.load_profile("quick" if quick else "full")

    os.environ.setdefault("MPLBACKEND", "Agg")  # charts go to files

    prepare()  # OpenMP wait policy and MLflow HTTP limits, before LightGBM loads


def pytest_collection_modifyitems(config, items):
    for item in items:
        markers = {mark.name for mark in item.iter_markers()}
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or SLOW_MARKERS & markers:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory):
    """Every test runs against a throwaway home folder, secret and MLflow store."""
    home = tmp_path_factory.mktemp("fanaudit-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FANAUDIT_HOME", str(home))
        patch.setenv("FANAUDIT_SECRET", "test-secret-not-for-production")
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        patch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        yield home


@dataclass(frozen=True)
class World:
    path: Path
    streamer: str
    summary: object


@pytest.fixture(scope="session")
def small_world(tmp_path_factory) -> World:
    from fanaudit.training.simulator import SimulationConfig, simulate

    out = tmp_path_factory.mktemp("world") / "data"
    # 4,000 accounts hold only a few bulk-fan packs, and at the default difficulty their
    # sellers may all be careful ones; a cheaper bulk market makes sure the training world
    # has the blatant bursts that the behaviour tests plant and expect the model to flag.
    config = SimulationConfig(seed=3, scale=0.2, kind_difficulty=(("bulk_fan", 0.2),))
    summary = simulate(config, out)
    return World(out, summary.streamers[0], summary)


@dataclass(frozen=True)
class Trained:
    tracking_uri: str
    run: object
    world: World


@pytest.fixture(scope="session")
def trained(small_world, tmp_path_factory) -> Trained:
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.jobs import train_from_folder

    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
    run = train_from_folder(small_world.path, TrainConfig(**FAST_TRAIN), tracking_uri=uri)
    return Trained(uri, run, small_world)
