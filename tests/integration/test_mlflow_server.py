"""Against a real MLflow server over HTTP: train, register, promote and score through the
command line; two `fanaudit train` runs at once both register, and the registry stays
consistent; the registered model loads in a fresh process and holds no pickle.

The server is the one at $MLFLOW_TEST_SERVER_URI (`.ci/run` starts one), or else one this
module starts itself on a free port of 127.0.0.1 and stops afterwards. Each run of the
module registers its own model name, so a shared server's other models do not matter.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient

pytestmark = [pytest.mark.slow, pytest.mark.server]

SERVER_ENV = "MLFLOW_TEST_SERVER_URI"
HEALTH_TIMEOUT = 240  # seconds; a loaded 2-core machine starts mlflow server slowly
PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(uri: str, server: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"mlflow server at {uri} not healthy after {HEALTH_TIMEOUT} s")


@pytest.fixture(scope="module")
def server_uri(tmp_path_factory):
    """$MLFLOW_TEST_SERVER_URI, or a server of our own for this module."""
    given = os.environ.get(SERVER_ENV)
    if given:
        wait_healthy(given.rstrip("/"))
        yield given.rstrip("/")
        return
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    log = open(root / "server.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--backend-store-uri",
            f"sqlite:///{root / 'mlflow.db'}",
            "--artifacts-destination",
            str(root / "artifacts"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=os.environ | {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )  # no job runner
    uri = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(uri, server)
        yield uri
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and its workers, nothing else
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@dataclass(frozen=True)
class Setup:
    uri: str
    data: Path
    config: Path
    model: str
    root: Path


@pytest.fixture(scope="module")
def setup(server_uri, tmp_path_factory) -> Setup:
    from fanaudit.training.simulator import SimulationConfig, simulate

    root = tmp_path_factory.mktemp("server-run")
    data = root / "data"
    simulate(SimulationConfig(seed=21, scale=0.05), data)
    model = f"fanaudit-server-test-{uuid.uuid4().hex[:8]}"
    config = root / "train.toml"
    config.write_text(
        f"[train]\nn_estimators = 30\nn_folds = 2\nbootstrap = 2\nseed = 1\n"
        f'model_name = "{model}"\nexperiment = "{model}"\n'
    )
    return Setup(server_uri, data, config, model, root)


def clean_env() -> dict[str, str]:
    """The environment without MLflow URIs (mlflow.set_tracking_uri exports them)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
    }


def fanaudit(setup: Setup, *args) -> subprocess.Popen:
    return subprocess.Popen(
        ["fanaudit", *map(str, args), "--tracking-uri", setup.uri],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=setup.root,
    )


def finished(proc: subprocess.Popen) -> str:
    output, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, output
    return output


def registered_version(output: str, model: str) -> int:
    return int(re.search(rf"model: {re.escape(model)} version (\d+)", output).group(1))


@pytest.fixture(scope="module")
def trained(setup) -> dict[str, int]:
    """One training run, then two at once: model name -> versions by run."""
    first = registered_version(
        finished(fanaudit(setup, "train", "--data", setup.data, "--config", setup.config)),
        setup.model,
    )
    both = [
        fanaudit(setup, "train", "--data", setup.data, "--config", setup.config) for _ in range(2)
    ]
    concurrent = [registered_version(finished(proc), setup.model) for proc in both]
    return {"first": first, "concurrent": concurrent}


def test_first_version_is_champion_and_concurrent_runs_both_register(setup, trained):
    assert trained["first"] == 1
    assert sorted(trained["concurrent"]) == [2, 3]
    client = MlflowClient(setup.uri, setup.uri)
    versions = client.search_model_versions(f"name='{setup.model}'")
    assert sorted(int(v.version) for v in versions) == [1, 2, 3]
    run_ids = [v.run_id for v in versions]
    assert len(set(run_ids)) == 3
    assert all(client.get_run(run_id).info.status == "FINISHED" for run_id in run_ids)
    assert all(v.status == "READY" for v in versions)
    assert int(client.get_model_version_by_alias(setup.model, "champion").version) == 1


@pytest.mark.process
def test_promote_then_score_over_http(setup, trained):
    finished(fanaudit(setup, "promote", "3", "--name", setup.model))
    client = MlflowClient(setup.uri, setup.uri)
    assert int(client.get_model_version_by_alias(setup.model, "champion").version) == 3
    out = setup.root / "scores.csv"
    output = finished(
        fanaudit(
            setup,
            "score",
            "--data",
            setup.data,
            "--out",
            out,
            "--model",
            f"models:/{setup.model}@champion",
        )
    )
    scores = pd.read_csv(out, dtype={"account_id": str, "model_version": str})
    accounts = pd.read_parquet(setup.data / "accounts.parquet")
    assert sorted(scores["account_id"]) == sorted(accounts["account_id"])
    assert set(scores["model_version"]) == {"3"}
    assert "(version 3)" in " ".join(output.split())


@pytest.mark.process
def test_registered_model_loads_in_a_fresh_process_and_holds_no_pickle(setup, trained):
    folder = setup.root / "downloaded"
    script = textwrap.dedent(f"""
        import mlflow, pandas as pd
        mlflow.set_tracking_uri({setup.uri!r})
        mlflow.set_registry_uri({setup.uri!r})
        uri = "models:/{setup.model}/1"
        mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path={str(folder)!r})
        model = mlflow.pyfunc.load_model(uri)
        columns = model.metadata.get_input_schema().input_names()
        predicted = model.predict(pd.DataFrame({{c: [0.0, 1.0] for c in columns}}))
        print(predicted["bot_probability"].between(0, 1).all())
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=clean_env()
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"
    files = [p for p in folder.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"MLmodel", "model.txt", "metadata.json"} <= names
    assert not [p for p in files if p.suffix in (".pkl", ".pickle", ".joblib", ".cloudpickle")]
    assert not [p for p in files if p.read_bytes()[:2] in PICKLE_MAGIC]
    mlmodel = (folder / "MLmodel").read_text()
    assert "loader_module: mlflow.pyfunc.loaders.code_model" in mlmodel
    assert "model_code_path" in mlmodel and "python_model.pkl" not in mlmodel
