"""The review notebook uses only the public API and runs top to bottom after one training
(as after one `fanaudit demo`); the committed copy keeps its outputs."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import PROJECT

NOTEBOOK = PROJECT / "notebooks" / "model_review.ipynb"


def test_notebook_imports_only_the_public_api():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "import fanaudit" in code
    assert not re.search(r"(from|import) fanaudit\.", code)
    assert not re.search(r"fanaudit\.(features|models|training)\.", code)


def test_committed_notebook_is_executed():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code)
    outputs = [o for cell in code for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum(1 for o in outputs if "image/png" in o.get("data", {})) >= 3


@pytest.mark.slow
def test_model_review_notebook_executes_after_one_training(trained, monkeypatch, tmp_path):
    monkeypatch.setenv("FANAUDIT_TRACKING_URI", trained.tracking_uri)
    monkeypatch.setenv("FANAUDIT_DATA", str(trained.world.path))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own inline backend
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [
        o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
    ]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum(1 for o in outputs if "image/png" in o.get("data", {})) >= 3
    text = "".join(o.get("text", "") for o in outputs)
    assert "false positives:" in text and "the most bot-like human" in text
