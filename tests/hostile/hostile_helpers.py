"""Small helpers of the hostile suite: write tiny dataset folders, run the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ACCOUNTS = (
    "account_id,created_at,nickname\na1,2024-01-01T00:00:00Z,Ann\na2,2024-01-02T00:00:00Z,Bob\n"
)
FOLLOWS = "follower_id,followee_id,ts\na1,a2,2024-02-01T10:00:00Z\na2,a1,2024-02-02T10:00:00Z\n"
LOGINS = (
    "account_id,ts,ip,device_id\n"
    "a1,2024-02-01T10:00:00Z,10.1.2.3,dev-1\na2,2024-02-01T11:00:00Z,10.1.2.4,dev-2\n"
)


def write_folder(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def fanaudit(
    *args: object, timeout: float = 300, env: dict | None = None, **options
) -> subprocess.CompletedProcess:
    """Run the installed command line in a real process."""
    return subprocess.run(
        [sys.executable, "-m", "fanaudit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        **options,
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The error message of a failed run, which must be one line without a traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]
