"""The review notebook runs top to bottom on a small world with two trained runs."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import FAST_TRAIN, PROJECT

pytestmark = pytest.mark.slow


def test_model_review_notebook_executes(trained, monkeypatch, tmp_path):
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.jobs import train_from_folder

    train_from_folder(trained.world.path, TrainConfig(**(FAST_TRAIN | {"seed": 12, "n_estimators": 40})),
                      tracking_uri=trained.tracking_uri)
    monkeypatch.setenv("FANAUDIT_TRACKING_URI", trained.tracking_uri)
    monkeypatch.setenv("FANAUDIT_DATA", str(trained.world.path))
    notebook = nbformat.read(PROJECT / "notebooks" / "model_review.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum(1 for o in outputs if "image/png" in o.get("data", {})) >= 2
    text = "".join(o.get("text", "") for o in outputs)
    assert "false positives:" in text and "the most bot-like human" in text
