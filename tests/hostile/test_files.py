"""Hostile files: tables that are not files, impossible times, and decompression bombs
read with bounded memory."""

from __future__ import annotations

import gzip
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from fanaudit.errors import EXIT_DATA
from fanaudit.features.loading import staged_dataset
from fanaudit.features.pipeline import compute_features
from hostile_helpers import ACCOUNTS, fanaudit, one_error_line, write_folder


def make_unreadable(kind: str, path: Path) -> None:
    if kind == "dangling symlink":
        path.symlink_to(path.parent / "gone.csv")
    elif kind == "symlink loop":
        path.symlink_to(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)


@pytest.mark.process
@pytest.mark.parametrize("kind", ["dangling symlink", "symlink loop", "directory", "fifo"])
def test_a_table_that_is_not_a_readable_file_is_an_error_naming_it(kind, tmp_path):
    data = write_folder(tmp_path / "data", {"accounts.csv": ACCOUNTS})
    make_unreadable(kind, data / "logins.csv")
    result = fanaudit("validate", data, timeout=120)
    assert result.returncode == EXIT_DATA, result.stdout
    assert f"{data / 'logins.csv'}: table 'logins'" in one_error_line(result)
    assert "valid" not in result.stdout


@pytest.mark.process
def test_events_before_registration_are_counted_and_ages_never_go_negative(tmp_path):
    accounts = "account_id,created_at\na1,2024-03-01T00:00:00Z\na2,2024-01-01T00:00:00Z\n"
    follows = (
        "follower_id,followee_id,ts\n"
        "a1,a2,2024-01-10T00:00:00Z\na1,a2,2024-02-10T00:00:00Z\na2,a1,2024-02-01T00:00:00Z\n"
    )
    data = write_folder(tmp_path / "data", {"accounts.csv": accounts, "follows.csv": follows})
    with staged_dataset(data) as staged:
        assert any(
            "2 event(s) dated before their account's registration (first at row 1)" in w
            for w in staged.warnings
        ), staged.warnings
        features = compute_features(staged).set_index("account_id")
    assert features.loc["a1", "first_follow_delay_days"] == 0.0
    assert features.loc["a2", "first_follow_delay_days"] == 31.0
    assert (features.filter(like="age_days").fillna(0) >= 0).all().all()
    result = fanaudit("validate", data, timeout=120)
    assert result.returncode == 0 and "dated before their account's registration" in result.stderr


def write_bomb(path: Path, line_bytes: int, *, quoted_lines: bool = False) -> None:
    """A small .csv.gz that expands to one enormous record: gzip members of 64 MiB each,
    compressed once and repeated (a reader decompresses them as one stream)."""
    block = b"a" * (64 << 20)
    if quoted_lines:  # a quote that never closes, over many short lines
        block = (b"a" * 99 + b"\n") * ((64 << 20) // 100)
    member = gzip.compress(block, compresslevel=9)
    with open(path, "wb") as out:
        out.write(gzip.compress(b"account_id,created_at\n" + (b'"' if quoted_lines else b"")))
        for _ in range(line_bytes // len(block)):
            out.write(member)
        out.write(gzip.compress(b",2024-01-01\n"))


def run_limited(script: str, limit_bytes: int) -> tuple[subprocess.CompletedProcess, float]:
    """Run Python `script` under an address-space limit; its result and its own peak
    resident MiB (the script's last stderr line)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    wrapped = (
        "import resource, sys\ntry:\n    " + script + "\nfinally:\n    sys.stderr.write("
        "f'\\npeak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapped],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit,
    )
    peak = int(done.stderr.rsplit("peak ", 1)[-1].split()[0]) / 1024
    return done, peak


@pytest.mark.process
@pytest.mark.parametrize("quoted_lines", [False, True], ids=["one long line", "unclosed quote"])
def test_a_gzip_bomb_is_refused_with_its_row_under_a_memory_limit(quoted_lines, tmp_path):
    """Memory is bounded by the record limit, not the input: a bomb 8 times larger peaks
    no higher (measured 210-227 MiB for 256 MiB and 2 GiB records; 184 MiB to validate a
    one-row folder; 1,952 MiB for 768 MiB before the limit)."""
    peaks = {}
    for size in (256 << 20, 2 << 30):
        data = tmp_path / f"data{size}"
        data.mkdir()
        write_bomb(data / "accounts.csv.gz", size, quoted_lines=quoted_lines)
        assert (data / "accounts.csv.gz").stat().st_size < 8 << 20
        script = (
            "from fanaudit.cli import app; "
            f"sys.argv = ['fanaudit', 'validate', {str(data)!r}]; app()"
        )
        result, peaks[size] = run_limited(script, limit_bytes=6 << 30)
        assert result.returncode == EXIT_DATA, result.stderr[-2000:]
        line = one_error_line(result)
        assert "accounts.csv.gz, row 1" in line and "longer than" in line
    small, large = peaks.values()
    assert large < 1024, f"peak resident memory {large:.0f} MiB for a 2 GiB record"
    # Unbounded, the larger bomb would need at least 1.75 GiB more than the smaller one.
    assert large - small < 256, f"peaks {small:.0f} and {large:.0f} MiB grow with the input"
