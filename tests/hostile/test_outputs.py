"""Outputs: never onto an input, one line for every file-system failure, atomic, and with
the permissions the umask gives (one atomic writer everywhere)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

import pandas as pd
import pytest

from fanaudit.errors import EXIT_PATH, EXIT_USAGE, InputOverwriteError, PathError
from fanaudit.features.io import atomic_folder, check_output, write_frame_atomic, write_text_atomic
from fanaudit.models.output import AtomicChunkWriter
from hostile_helpers import ACCOUNTS, FOLLOWS, LOGINS, fanaudit, one_error_line, write_folder


@pytest.fixture
def data(tmp_path) -> Path:
    return write_folder(
        tmp_path / "data", {"accounts.csv": ACCOUNTS, "follows.csv": FOLLOWS, "logins.csv": LOGINS}
    )


@pytest.mark.process
@pytest.mark.parametrize("target", ["accounts.csv", "logins.parquet", "labels.csv.gz"])
def test_an_output_onto_a_table_of_the_input_folder_is_refused_before_any_work(data, target):
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    result = fanaudit("features", "--data", data, "--out", data / target)
    assert result.returncode == EXIT_USAGE
    assert str(data / target) in one_error_line(result)
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before


@pytest.mark.process
@pytest.mark.parametrize(
    "option, target",
    [("summary", "accounts.csv"), ("summary", "scores.csv"), ("waterfall", "logins.csv")],
)
def test_a_second_output_onto_an_input_or_the_first_output_is_refused(
    data, tmp_path, option, target
):
    # score --summary FILE.json and explain --waterfall PNG write a second file: checked like
    # the first, before any work (no model is needed to be refused)
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    path = (tmp_path / target) if target == "scores.csv" else (data / target)
    if option == "summary":
        args = ["score", "--data", data, "--out", tmp_path / "scores.csv", "--summary", path]
    else:
        args = ["explain", "--data", data, "--account", "a1", "--waterfall", path]
    result = fanaudit(*args)
    assert result.returncode == EXIT_USAGE, result.stderr
    assert f"refusing to write onto {path}" in one_error_line(result)
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    assert not (tmp_path / "scores.csv").exists()


def test_an_output_through_a_symlink_onto_an_input_is_refused(data, tmp_path):
    (tmp_path / "alias.csv").symlink_to(data / "accounts.csv")
    with pytest.raises(InputOverwriteError):
        check_output(tmp_path / "alias.csv", [data / "accounts.csv"])


@pytest.mark.process
def test_an_output_into_the_model_store_is_refused(data, isolated_home):
    (isolated_home / "mlartifacts").mkdir(exist_ok=True)
    result = fanaudit("features", "--data", data, "--out", isolated_home / "mlartifacts" / "f.csv")
    assert result.returncode == EXIT_USAGE
    assert "refusing to write onto" in one_error_line(result)


@pytest.mark.parametrize("name", ["secret", "mlflow.db"])
def test_an_output_onto_the_secret_or_the_store_database_is_refused(isolated_home, name):
    from fanaudit.features.privacy import home_state

    with pytest.raises(InputOverwriteError):
        check_output(isolated_home / name, home_state(), folder=True)


@pytest.mark.process
def test_a_directory_as_output_is_one_line_naming_it(data, tmp_path):
    folder = tmp_path / "features.csv"
    folder.mkdir()
    result = fanaudit("features", "--data", data, "--out", folder)
    assert result.returncode == EXIT_PATH
    assert f"{folder}: is a directory" in one_error_line(result)


@pytest.mark.process
def test_an_output_under_a_file_is_one_line_naming_it(data, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = fanaudit("features", "--data", data, "--out", blocker / "f.csv")
    assert result.returncode == EXIT_PATH
    assert str(blocker) in one_error_line(result)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs (needs root and mount); skipped where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_is_one_line_and_the_old_output_stays_whole(tiny_disk, tmp_path):
    out = tiny_disk / "scores.csv"
    out.write_text("old complete file\n")
    frame = pd.DataFrame({"account_id": [uuid.uuid4().hex * 8 for _ in range(4_000)]})
    with pytest.raises(PathError, match="No space left on device") as caught:
        write_frame_atomic(frame, out)
    assert str(out) in str(caught.value)
    assert out.read_text() == "old complete file\n"
    assert [p.name for p in tiny_disk.iterdir()] == ["scores.csv"], "a temporary file was left"


@pytest.mark.process
def test_a_full_disk_through_the_command_line_exits_5_in_one_line(tiny_disk, tmp_path):
    accounts = "account_id,created_at,nickname\n" + "".join(
        f"{uuid.uuid4().hex},2024-01-01T00:00:00Z,{'n' * 200}\n" for _ in range(3_000)
    )
    data = write_folder(tmp_path / "data", {"accounts.csv": accounts})
    result = fanaudit("features", "--data", data, "--out", tiny_disk / "features.csv")
    assert result.returncode == EXIT_PATH
    assert "No space left on device" in one_error_line(result)
    assert list(tiny_disk.iterdir()) == []


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_every_writer_gives_the_mode_the_umask_gives(tmp_path, mask):
    old = os.umask(mask)
    try:
        write_frame_atomic(pd.DataFrame({"a": [1]}), tmp_path / "f.parquet")
        write_frame_atomic(pd.DataFrame({"a": ["x"]}), tmp_path / "f.csv")
        write_text_atomic("<html>", tmp_path / "report.html")
        with AtomicChunkWriter(tmp_path / "scores.csv") as writer:
            writer.write(pd.DataFrame({"account_id": ["u1"]}))
            writer.commit()
        with atomic_folder(tmp_path / "world") as folder:
            (folder / "accounts.parquet").write_bytes(b"x")
    finally:
        os.umask(old)
    for name in ("f.parquet", "f.csv", "report.html", "scores.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~mask, name
    assert stat.S_IMODE((tmp_path / "world").stat().st_mode) == 0o777 & ~mask
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "f.csv",
        "f.parquet",
        "report.html",
        "scores.csv",
        "world",
    ]


def test_the_secret_stays_private_whatever_the_umask(tmp_path, monkeypatch):
    from fanaudit.features.privacy import SECRET_ENV, load_or_create_secret

    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.setenv("FANAUDIT_HOME", str(tmp_path / "home"))
    old = os.umask(0o000)
    try:
        load_or_create_secret()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "home" / "secret").stat().st_mode) == 0o600


def test_an_abandoned_staging_folder_is_swept_only_when_its_lock_is_free(tmp_path):
    from fanaudit.features.io import LOCK_FILE, locked_folder

    live, fd = locked_folder(tmp_path, ".tables.partial-")
    with atomic_folder(tmp_path / "tables") as folder:
        (folder / "x").write_text("x")
    assert live.exists(), "a folder whose writer is alive was removed"
    os.close(fd)  # its writer dies: the lock is released
    with atomic_folder(tmp_path / "tables"):
        pass
    assert not live.exists()
    assert not (tmp_path / "tables" / LOCK_FILE).exists()
    shutil.rmtree(tmp_path / "tables")
