"""`fanaudit explain --features F --account ID --model FOLDER` must start fast: its code
path imports neither MLflow, scikit-learn, SHAP, matplotlib nor the service's FastAPI
(seconds of start-up on 2 cores; `benchmarks/run.py --stages explain-one` times it).
Checked in a fresh interpreter, as the command runs."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("mlflow", "sklearn", "shap", "matplotlib", "fastapi", "scipy.stats")


def modules_after(code: str) -> set[str]:
    probe = f"{code}; import sys; print('\\n'.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    )
    return set(done.stdout.split())


def test_the_explain_path_imports_nothing_heavy():
    loaded = modules_after(
        "from fanaudit.runtime import lightgbm_without_sklearn as w; w(); "
        "import fanaudit.cli, fanaudit.models.account"
    )
    assert "lightgbm" in loaded and "fanaudit.models.account" in loaded
    assert not [m for m in HEAVY if m in loaded]


def test_lightgbm_without_sklearn_leaves_scikit_learn_importable():
    loaded = modules_after(
        "from fanaudit.runtime import lightgbm_without_sklearn as w; w(); import sklearn.base"
    )
    assert {"lightgbm", "sklearn.base"} <= loaded


def test_the_cli_alone_imports_no_library():
    loaded = modules_after("import fanaudit.cli")
    assert not [m for m in (*HEAVY, "lightgbm", "pandas", "ibis", "duckdb") if m in loaded]
