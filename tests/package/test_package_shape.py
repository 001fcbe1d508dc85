"""The package's shape: the public API, the import graph, settings, the environment at
import, and the command line's own options. Fast: nothing here trains a model."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import fanaudit
from fanaudit.settings import Settings

PROJECT = Path(__file__).resolve().parents[2]
LIBRARY_DIRS = ("features", "models", "training")
LIBRARY_FILES = ("api.py", "demo.py", "settings.py", "runtime.py")
# Variables fanaudit sets when asked (runtime.prepare, logs.setup), never on import.
OWN_VARIABLES = (
    "OMP_WAIT_POLICY",
    "MLFLOW_HTTP_REQUEST_TIMEOUT",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR",
    "MLFLOW_LOGGING_LEVEL",
)


def python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=clean | env,
    )


def library_modules() -> list[str]:
    names = [f"fanaudit.{f.removesuffix('.py')}" for f in LIBRARY_FILES]
    for folder in LIBRARY_DIRS:
        for path in sorted((PROJECT / folder).rglob("*.py")):
            parts = path.relative_to(PROJECT).with_suffix("").parts
            names.append(".".join(("fanaudit", *parts)).removesuffix(".__init__"))
    return names


def test_every_public_name_resolves():
    assert "load" in fanaudit.__all__ and "FanauditClassifier" in fanaudit.__all__
    for name in fanaudit.__all__:
        assert getattr(fanaudit, name) is not None, name
    assert callable(fanaudit.feature_table) and isinstance(fanaudit.Settings(), Settings)


@pytest.fixture(scope="module")
def imports(tmp_path_factory) -> dict:
    """In a fresh interpreter: import fanaudit, then every scoring-side module, then every
    other library module; what each step loaded and which variables changed."""
    models = [m for m in library_modules() if m.startswith("fanaudit.models") and "spark" not in m]
    others = [m for m in library_modules() if m not in models and "spark" not in m]
    code = f"""
import json, os, sys
before = dict(os.environ)
import fanaudit
light = "lightgbm" not in sys.modules and "mlflow" not in sys.modules
for name in {models!r}:
    __import__(name)
training = sorted(m for m in sys.modules if m.startswith("fanaudit.training"))
for name in {others!r} + ["fanaudit.cli", "fanaudit.logs"]:
    __import__(name)
changed = [k for k in {list(OWN_VARIABLES)!r} if os.environ.get(k) != before.get(k)]
print(json.dumps({{"light": light, "training": training, "changed": changed}}))
"""
    done = python(code, tmp_path_factory.mktemp("imports"))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # a fresh interpreter importing MLflow and LightGBM
def test_import_changes_no_environment_and_loads_no_lightgbm(imports):
    assert imports["light"], "import fanaudit loaded LightGBM or MLflow"
    assert imports["changed"] == []


@pytest.mark.slow  # a fresh interpreter importing MLflow and LightGBM
def test_scoring_never_imports_training(imports):
    assert imports["training"] == []


@pytest.mark.process
def test_prepare_applies_the_settings_to_the_environment(tmp_path):
    code = """
import os
from fanaudit.runtime import prepare
prepare()
print(os.environ["OMP_WAIT_POLICY"], os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"],
      os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"])
"""
    done = python(code, tmp_path, FANAUDIT_MLFLOW_HTTP_TIMEOUT="7")
    assert done.stdout.split() == ["PASSIVE", "7", "2"], done.stderr
    done = python(code, tmp_path, OMP_WAIT_POLICY="ACTIVE", MLFLOW_HTTP_REQUEST_MAX_RETRIES="0")
    assert done.stdout.split() == ["ACTIVE", "20", "0"], done.stderr


def test_settings_layers_file_then_environment_then_options(tmp_path, monkeypatch):
    config = tmp_path / "fanaudit.toml"
    config.write_text(
        'model_name = "from-file"\nexperiment = "file-experiment"\nmlflow_http_timeout = 5\n'
    )
    monkeypatch.setenv("FANAUDIT_CONFIG", str(config))
    assert Settings().model_name == "from-file" and Settings().mlflow_http_timeout == 5
    monkeypatch.setenv("FANAUDIT_MODEL_NAME", "from-env")
    assert Settings().model_name == "from-env"
    assert Settings().experiment == "file-experiment"
    assert Settings(model_name="from-option").model_name == "from-option"
    monkeypatch.setenv("FANAUDIT_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(FileNotFoundError, match="missing.toml"):
        Settings()


def test_the_model_name_of_the_settings_is_used_everywhere(monkeypatch):
    from fanaudit.models.store import champion_uri
    from fanaudit.training.config import TrainConfig

    monkeypatch.setenv("FANAUDIT_MODEL_NAME", "fraud-team")
    monkeypatch.setenv("FANAUDIT_EXPERIMENT", "fraud-experiment")
    assert champion_uri() == "models:/fraud-team@champion"
    assert TrainConfig().model_name == "fraud-team"
    assert TrainConfig().experiment == "fraud-experiment"
    assert TrainConfig(model_name="other").model_name == "other"
    sources = [
        p.read_text()
        for p in PROJECT.glob("**/*.py")
        if ".venv" not in p.parts and "tests" not in p.parts and "benchmarks" not in p.parts
    ]
    assert not [s for s in sources if "models:/fanaudit" in s]


def _strings(path: Path) -> list[str]:
    """Every string literal of a module except docstrings (which may describe the CLI)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            docstrings.add(id(body[0].value))
    found = []
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            found.append(
                "".join(
                    v.value
                    for v in node.values
                    if isinstance(v, ast.Constant) and isinstance(v.value, str)
                )
            )
    return found


def test_library_errors_never_name_command_line_options():
    # spark-submit's own options, which the engine reads from PYSPARK_SUBMIT_ARGS
    allowed = {"--driver-memory"}
    offenders = []
    for module in library_modules():
        path = PROJECT / Path(*module.split(".")[1:]).with_suffix(".py")
        if not path.exists():
            path = PROJECT / Path(*module.split(".")[1:]) / "__init__.py"
        for text in _strings(path):
            flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text)) - allowed
            if flags:
                offenders.append((module, text[:80]))
    assert not offenders


@pytest.mark.process
def test_version_option(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "fanaudit", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"fanaudit {fanaudit.__version__}"


@pytest.mark.process
def test_help_lists_the_choices_of_enum_options(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "fanaudit", "score", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=os.environ | {"COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    for choices in ("flagged|all|none", "en|zh", "duckdb|spark"):
        assert choices in done.stdout


@pytest.mark.slow  # a fresh interpreter importing MLflow and LightGBM
def test_unreachable_tracking_server_fails_fast_with_one_line(tmp_path):
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "fanaudit", "runs", "--tracking-uri", "http://127.0.0.1:1"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    seconds = time.monotonic() - started
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "127.0.0.1:1" in done.stderr
    # MLflow's defaults (7 retries, backoff 2) took 4 minutes; the settings' limits take a
    # few seconds beyond the interpreter's start (generous here: a shared CI machine).
    assert seconds < 60


@pytest.mark.slow  # a fresh interpreter importing MLflow and LightGBM
def test_verbosity_is_readable_and_mlflow_speaks_only_when_verbose(tmp_path):
    code = """
import json, logging
import mlflow
from mlflow.utils import logging_utils
from fanaudit import logs
from fanaudit.models.store import use_tracking

seen = {}
for level in (-1, 0, 1):
    logs.setup(level)
    use_tracking("sqlite:///x.db")  # where the store applies the verbosity to MLflow
    seen[level] = [logs.verbosity(), logging.getLogger("fanaudit").getEffectiveLevel(),
                   logging.getLogger("mlflow").getEffectiveLevel(),
                   logging_utils.MLFLOW_LOGGING_STREAM.enabled]
print(json.dumps(seen))
"""
    done = python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["-1"] == [-1, 30, 30, False]  # -q: warnings only
    assert seen["0"] == [0, 20, 30, False]  # default: fanaudit's info, MLflow's warnings
    assert seen["1"] == [1, 20, 20, True]  # -v: MLflow's info and printed notes too
