"""The registered MLflow pyfunc gives the verdict from the thresholds stored with the model
beside the probability, loaded as any MLflow user loads it (mlflow.pyfunc.load_model)."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pytest

from fanaudit.features.cache import features_of, staged
from fanaudit.features.pipeline import ID
from fanaudit.models.store import load_model, use_tracking

pytestmark = pytest.mark.slow


def test_pyfunc_predicts_probability_and_the_verdict_of_the_stored_thresholds(trained, tmp_path):
    use_tracking(trained.tracking_uri)
    uri = f"models:/fanaudit/{trained.run.version}"
    pyfunc = mlflow.pyfunc.load_model(uri)
    with staged(trained.world.path) as data:
        features = features_of(data)
    out = pyfunc.predict(features.drop(columns=[ID]))
    assert list(out.columns) == ["bot_probability", "verdict"] and len(out) == len(features)
    # the thresholds as stored in the logged artifact's metadata.json, applied by hand
    folder = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(tmp_path))
    stored = json.loads(open(f"{folder}/artifacts/fanaudit/metadata.json").read())["thresholds"]
    p = out["bot_probability"].to_numpy()
    by_hand = np.where(
        p >= stored["bot"], "bot", np.where(p < stored["human"], "human", "uncertain")
    )
    assert (out["verdict"].to_numpy() == by_hand).all()
    assert {"bot", "human"} <= set(out["verdict"])
    np.testing.assert_allclose(p, load_model(uri).model.predict_proba(features), rtol=0, atol=1e-12)
    signature = pyfunc.metadata.get_output_schema().input_names()
    assert signature == ["bot_probability", "verdict"]
