"""Private data: raw IP addresses and device ids never leave the loader.

A tiny world's logins get some known raw values on top of the simulator's own; then the
real command line runs simulate -> features -> train -> score -> report ->
explain (and a failing validate, and a validate killed by SIGKILL once it has staged
the logins, so its staged tables stay behind), each in a fresh process with its own home
folder, temporary folder and working folder. Every file those runs write (score files,
features, the report, the MLflow SQLite store and artifacts, anything left in the
temporary folder) and everything they print is searched for every raw address (as
written and in canonical form, and its network prefix) and every raw device id. Also
checked: the generated pseudonymisation secret is private (0600) and appears nowhere.
"""

from __future__ import annotations

import gzip
import ipaddress
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leak_search import address_leaks, hex_device_leaks

from fanaudit.features.privacy import (
    MIN_SECRET_CHARS,
    SECRET_ENV,
    SecretError,
    load_or_create_secret,
)

INJECTED_IPS = ("203.0.113.77", "2001:db8::dead:beef", "::ffff:198.51.100.23")
INJECTED_DEVICES = ("RAWDEV-7Q3ZK-0001", "raw-device-ffee-0002")
TRAIN_TOML = "[train]\nn_estimators = 30\nn_folds = 2\nbootstrap = 2\nseed = 1\n"


@dataclass(frozen=True)
class Audit:
    root: Path
    written: tuple[Path, ...]  # folders whose every file the runs wrote
    secret_file: Path
    outputs: dict[str, str]  # command -> captured stdout + stderr
    raw_ips: frozenset[str]
    raw_networks: frozenset[str]
    raw_devices: frozenset[str]


def inject_known_values(data: Path) -> None:
    """Give some login rows known raw addresses and device ids."""
    table = pq.read_table(data / "logins.parquet")
    ips, devices = table.column("ip").to_pylist(), table.column("device_id").to_pylist()
    for i, ip in enumerate(INJECTED_IPS):
        ips[i * 7] = ip
    for i, device in enumerate(INJECTED_DEVICES):
        devices[i * 11 + 3] = device
    table = table.set_column(table.schema.get_field_index("ip"), "ip", pa.array(ips, pa.string()))
    table = table.set_column(
        table.schema.get_field_index("device_id"), "device_id", pa.array(devices, pa.string())
    )
    pq.write_table(table, data / "logins.parquet")


def raw_values(data: Path) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    logins = pq.read_table(data / "logins.parquet", columns=["ip", "device_id"])
    ips, networks = set(), set()
    for written in set(logins.column("ip").to_pylist()):
        address = ipaddress.ip_address(written)
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        ips |= {written, str(address), address.exploded}
        network = ipaddress.ip_network(
            f"{address}/{24 if address.version == 4 else 48}", strict=False
        )
        networks |= {str(network), str(network.network_address)}
    devices = {d for d in logins.column("device_id").to_pylist() if d}
    return frozenset(ips), frozenset(networks), frozenset(devices)


def leave_staged_logins(data: Path, tmp: Path, cwd: Path, env: dict) -> None:
    """SIGKILL a run once it has staged the logins, so its staged folder stays behind."""
    proc = subprocess.Popen(
        ["fanaudit", "validate", str(data)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        if any(tmp.glob("fanaudit-staged-*/.tables.partial-*/comments")):  # logins are done
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.002)
    assert proc.wait() == -signal.SIGKILL, "the run ended before its logins were staged"


@pytest.fixture(scope="module")
def audit(tmp_path_factory) -> Audit:
    root = tmp_path_factory.mktemp("privacy")
    home, tmp, cwd, out, data = (root / n for n in ("home", "tmp", "cwd", "out", "data"))
    for folder in (tmp, cwd, out):
        folder.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (SECRET_ENV, "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
    }
    env |= {"FANAUDIT_HOME": str(home), "TMPDIR": str(tmp)}
    outputs: dict[str, str] = {}

    def fanaudit(name: str, *args, ok: bool = True) -> str:
        result = subprocess.run(
            ["fanaudit", *map(str, args)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        outputs[name] = result.stdout + result.stderr
        assert (result.returncode == 0) == ok, f"{name}: {outputs[name]}"
        return result.stdout

    simulated = fanaudit("simulate", "simulate", "--out", data, "--scale", "0.05", "--seed", "13")
    streamer = re.search(r"most-followed streamer: (\S+)", simulated).group(1)
    inject_known_values(data)
    outputs.pop("simulate")  # the simulator writes the raw data itself: it is the input
    broken = root / "broken"
    shutil.copytree(data, broken)
    logins = pq.read_table(broken / "logins.parquet")
    extra = pa.table(
        {name: pa.array([None], logins.schema.field(name).type) for name in logins.column_names}
    )
    extra = (
        extra.set_column(0, "account_id", pa.array(["nobody"]))
        .set_column(1, "ts", logins.slice(0, 1).column("ts"))
        .set_column(2, "ip", pa.array([INJECTED_IPS[0]]))
    )
    pq.write_table(pa.concat_tables([logins, extra]), broken / "logins.parquet")

    (root / "train.toml").write_text(TRAIN_TOML)
    fanaudit("validate broken", "validate", broken, ok=False)
    fanaudit("features", "features", "--data", data, "--out", out / "features.csv")
    fanaudit("train", "train", "--data", data, "--config", root / "train.toml")
    fanaudit("score csv", "score", "--data", data, "--out", out / "scores.csv", "--explain", "all")
    fanaudit(
        "report", "report", "--data", data, "--streamer", streamer, "--out", out / "report.html"
    )
    device_user = pq.read_table(data / "logins.parquet").column("account_id")[3].as_py()
    fanaudit(
        "explain",
        "explain",
        "--data",
        data,
        "--account",
        device_user,
        "--waterfall",
        out / "waterfall.png",
    )
    leave_staged_logins(data, tmp, cwd, env)
    return Audit(root, (home, tmp, cwd, out), home / "secret", outputs, *raw_values(data))


def readable_forms(path: Path) -> list[bytes]:
    """The bytes of a file and, where the raw bytes could hide text, its decoded content."""
    data = path.read_bytes()
    forms = [data]
    if path.suffix == ".gz":
        forms.append(gzip.decompress(data))
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        forms.append(
            "\n".join(str(v) for column in table.columns for v in column.to_pylist()).encode()
        )
    if data.startswith(b"SQLite format 3"):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            forms.append("\n".join(con.iterdump()).encode())
    return forms


def leaks(blob: bytes, audit: Audit) -> set[str]:
    """Raw addresses, networks and device ids that occur in `blob`."""
    found = {v for v in INJECTED_IPS + INJECTED_DEVICES if v.encode() in blob}
    found |= address_leaks(blob, audit.raw_ips | audit.raw_networks)
    return found | hex_device_leaks(blob, audit.raw_devices)


def written_files(audit: Audit) -> list[Path]:
    return sorted(p for folder in audit.written for p in folder.rglob("*") if p.is_file())


@pytest.mark.process
def test_the_runs_wrote_what_the_audit_searches(audit):
    names = {p.name for p in written_files(audit)}
    assert {
        "scores.csv",
        "features.csv",
        "report.html",
        "waterfall.png",
        "mlflow.db",
        "model.txt",
        "metadata.json",
        "MLmodel",
    } <= names
    assert any(p.name.endswith(".parquet") and "logins" in p.parts for p in written_files(audit)), (
        "the killed run's staged logins are searched too"
    )
    assert any("cache" in p.parts and "logins" in p.parts for p in written_files(audit)), (
        "the staged tables cached in the home folder are searched too"
    )
    assert len(audit.raw_ips) > 100 and len(audit.raw_devices) > 100
    assert set(INJECTED_IPS) <= audit.raw_ips and set(INJECTED_DEVICES) <= audit.raw_devices


def test_no_file_a_run_writes_holds_a_raw_address_or_device_id(audit):
    found = {}
    for path in written_files(audit):
        if path == audit.secret_file:
            continue
        hits = set().union(*(leaks(form, audit) for form in readable_forms(path)))
        if hits:
            found[str(path.relative_to(audit.root))] = sorted(hits)[:5]
    assert found == {}


def test_nothing_a_run_prints_holds_a_raw_address_or_device_id(audit):
    assert "validate broken" in audit.outputs and "nobody" in audit.outputs["validate broken"]
    found = {name: sorted(leaks(text.encode(), audit)) for name, text in audit.outputs.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_the_generated_secret_is_private_and_appears_nowhere_else(audit):
    secret = audit.secret_file.read_bytes().strip()
    assert len(secret) >= MIN_SECRET_CHARS
    assert stat.S_IMODE(audit.secret_file.stat().st_mode) == 0o600
    for path in written_files(audit):
        if path != audit.secret_file:
            assert not any(secret in form for form in readable_forms(path)), path
    assert not any(secret.decode() in text for text in audit.outputs.values())


# --------------------------------------------------------------------------- the secret

READ_SECRET = (
    "from fanaudit.features.privacy import load_or_create_secret; "
    "print(load_or_create_secret().decode())"
)


@pytest.mark.process
def test_concurrent_first_runs_agree_on_one_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != SECRET_ENV} | {
        "FANAUDIT_HOME": str(tmp_path)
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", READ_SECRET], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    secrets_read = {proc.communicate(timeout=120)[0].strip() for proc in procs}
    assert len(secrets_read) == 1 and len(secrets_read.pop()) >= MIN_SECRET_CHARS
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]


def test_a_short_secret_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(SecretError, match=SECRET_ENV):
        load_or_create_secret()


def test_a_secret_file_others_can_read_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV)
    monkeypatch.setenv("FANAUDIT_HOME", str(tmp_path))
    load_or_create_secret()
    (tmp_path / "secret").chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        load_or_create_secret()
