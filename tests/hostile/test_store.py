"""The model store: every file checked before anything parses it, one clear error for every
defect, the feature-registry version checked at load."""

from __future__ import annotations

import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from fanaudit.errors import EXIT_MODEL_STORE
from fanaudit.features.registry import FEATURE_NAMES, registry_version
from fanaudit.models.artifact import (
    Calibration,
    FanauditModel,
    ModelArtifactError,
    Thresholds,
    read_verified,
)
from fanaudit.models.store import RegistryMismatchError, load_model
from hostile_helpers import ACCOUNTS, fanaudit, one_error_line, write_folder


def tiny_model(folder: Path, *, registry: str | None = None, extra: dict | None = None) -> Path:
    """A real LightGBM model on the registry's features, saved as fanaudit saves models."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, len(FEATURE_NAMES)))
    y = (X[:, 0] > 0).astype(int)
    booster = lgb.train(
        {"objective": "binary", "verbose": -1, "num_leaves": 4},
        lgb.Dataset(X, y, feature_name=list(FEATURE_NAMES)),
        num_boost_round=3,
    )
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in (extra or {}).items():  # another part's file, written before save()
        (folder / name).write_bytes(content)
    model = FanauditModel(
        booster,
        FEATURE_NAMES,
        Calibration("sigmoid", a=-1.0, b=0.0),
        Thresholds(bot=0.8, human=0.2),
        {"registry_version": registry or registry_version()},
    )
    return model.save(folder)


def edit_metadata(folder: Path, change) -> None:
    path = folder / "metadata.json"
    metadata = json.loads(path.read_text())
    change(metadata)
    path.write_text(json.dumps(metadata))


def test_a_saved_model_loads_and_lists_a_checksum_for_every_file(tmp_path):
    folder = tiny_model(tmp_path / "m", extra={"kinds.json": b'{"k": 1}'})
    metadata = json.loads((folder / "metadata.json").read_text())
    assert sorted(metadata["files"]) == ["kinds.json", "model.txt"]
    loaded = load_model(str(folder))
    assert read_verified(folder, "kinds.json", loaded.model.metadata) == b'{"k": 1}'


def test_a_model_without_checksums_in_the_old_format_is_refused(tmp_path):
    folder = tiny_model(tmp_path / "m")
    edit_metadata(
        folder, lambda m: [m.pop("files"), m.pop("model_sha256"), m.update(format_version=1)]
    )
    with pytest.raises(ModelArtifactError, match="format 1, which has no checksum"):
        FanauditModel.load(folder)


def test_an_edited_file_of_another_part_is_refused_before_any_parsing(tmp_path):
    folder = tiny_model(tmp_path / "m", extra={"kinds.json": b'{"k": 1}'})
    (folder / "kinds.json").write_bytes(b'{"k": 2}')
    with pytest.raises(ModelArtifactError, match="kinds.json is corrupt"):
        FanauditModel.load(folder)


@pytest.mark.process
def test_an_edited_model_file_never_reaches_lightgbm_in_a_real_process(tmp_path):
    folder = tiny_model(tmp_path / "m")
    text = (folder / "model.txt").read_text()
    (folder / "model.txt").write_text(text.replace("split_feature=", "split_feature=999 ", 1))
    data = write_folder(tmp_path / "data", {"accounts.csv": ACCOUNTS})
    result = fanaudit("explain", "--data", data, "--account", "a1", "--model", folder, timeout=120)
    assert result.returncode == EXIT_MODEL_STORE  # not SIGABRT
    assert "model.txt is corrupt" in one_error_line(result)


@pytest.mark.parametrize(
    "entry",
    [
        {"../model.txt": "0" * 64},
        {"metadata.json": "0" * 64},
        {"sub/x": "0" * 64},
        {"model.txt": 5},
    ],
)
def test_a_file_entry_that_points_elsewhere_is_refused(entry, tmp_path):
    folder = tiny_model(tmp_path / "m")
    edit_metadata(folder, lambda m: m["files"].update(entry))
    with pytest.raises(ModelArtifactError):
        FanauditModel.load(folder)


def test_deeply_nested_metadata_is_a_clear_error_not_a_recursion_error(tmp_path):
    folder = tiny_model(tmp_path / "m")
    (folder / "metadata.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelArtifactError, match="nested too deeply"):
        FanauditModel.load(folder)


@pytest.mark.process
def test_a_model_of_another_feature_registry_is_refused_unless_allowed(tmp_path):
    folder = tiny_model(tmp_path / "m", registry="0123456789ab")
    with pytest.raises(RegistryMismatchError, match="0123456789ab"):
        load_model(str(folder))
    assert (
        load_model(str(folder), allow_registry_mismatch=True).model.feature_names == FEATURE_NAMES
    )
    data = write_folder(tmp_path / "data", {"accounts.csv": ACCOUNTS})
    refused = fanaudit("explain", "--data", data, "--account", "a1", "--model", folder, timeout=120)
    assert refused.returncode == EXIT_MODEL_STORE
    assert "feature registry 0123456789ab" in one_error_line(refused)
    allowed = fanaudit(
        "explain",
        "--data",
        data,
        "--account",
        "a1",
        "--model",
        folder,
        "--allow-registry-mismatch",
        timeout=120,
    )
    assert allowed.returncode == 0, allowed.stderr
