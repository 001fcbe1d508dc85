"""The installed distribution exposes one import name, `fanaudit`, and nothing generic."""

from __future__ import annotations

import subprocess
import sys

import pytest

GENERIC = ("cli", "features", "models", "training", "artifact")


def run_python(code: str, cwd) -> subprocess.CompletedProcess:
    # From a folder outside the repository, so only what is installed can be imported.
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.process
def test_fanaudit_imports_outside_the_source_tree(tmp_path):
    done = run_python(
        "import fanaudit, fanaudit.cli, fanaudit.models.pyfunc_model;print(fanaudit.__version__)",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() != "0.0.0+unknown"


@pytest.mark.process
def test_no_generic_top_level_names_are_installed(tmp_path):
    for name in GENERIC:
        done = run_python(f"import {name}", tmp_path)
        assert done.returncode != 0, f"'import {name}' works outside the repository"
        assert "ModuleNotFoundError" in done.stderr
