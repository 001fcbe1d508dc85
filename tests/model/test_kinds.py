"""The bot-kind model: fitted on labelled bots with held-out metrics from the main model's
folds, skipped with a clear note when fewer than two kinds are labelled, stored in the model
folder as checksummed LightGBM text + JSON, and applied by scoring to flagged accounts."""

from __future__ import annotations

import json

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from fanaudit.features.registry import FEATURE_NAMES
from fanaudit.models.artifact import Calibration, FanauditModel, ModelArtifactError, Thresholds
from fanaudit.models.kinds import KINDS_METADATA_FILE, KINDS_MODEL_FILE, kind_columns
from fanaudit.training.config import TrainConfig
from fanaudit.training.kinds import fit_kind_model

CONFIG = TrainConfig(n_estimators=30, n_folds=3, seed=1)


def labelled(n: int = 300, kinds: tuple[str, ...] = ("bulk_fan", "comment_bot"), seed: int = 0):
    """Bots whose kind is told by the first feature, and as many humans."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n, len(FEATURE_NAMES)))
    kind = np.array([kinds[i % len(kinds)] for i in range(n)] + [""] * n, dtype=object)
    for k, name in enumerate(kinds):
        X[kind == name, 0] = 3.0 * k + rng.normal(0, 0.3, (kind == name).sum())
    labels = pd.DataFrame({"bot_kind": kind})
    is_bot = kind != ""
    folds = np.arange(2 * n) % 3
    return X, labels, is_bot, folds


def test_kinds_are_learned_with_held_out_metrics():
    X, labels, is_bot, folds = labelled()
    outcome = fit_kind_model(X, labels, is_bot, folds, CONFIG)
    model = outcome.model
    assert model.kinds == ("bulk_fan", "comment_bot")
    metrics = outcome.metadata["metrics"]
    assert metrics["kind_held_out_accounts"] == 300  # every labelled bot held out once
    assert metrics["kind_accuracy"] > 0.95 and 0 <= metrics["kind_ece"] < 0.2
    p = model.predict(X[:10])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert (p.argmax(axis=1) == np.array([0, 1] * 5)).all()


def test_a_kind_held_out_in_one_fold_only_keeps_every_column():
    # Four kinds; all 12 'drip_feed' bots sit in fold 0, so the model that scores fold 0
    # never saw one (a small kind kept together by its validation group) but saw three.
    X, labels, is_bot, folds = labelled(
        n=300, kinds=("bulk_fan", "comment_bot", "drip_feed", "click_farm")
    )
    drip = np.flatnonzero(labels["bot_kind"].to_numpy() == "drip_feed")
    labels.loc[drip[12:], "bot_kind"] = "bulk_fan"
    folds[drip[:12]] = 0
    outcome = fit_kind_model(X, labels, is_bot, folds, CONFIG)
    assert outcome.model.kinds == ("bulk_fan", "click_farm", "comment_bot", "drip_feed")
    assert outcome.model.predict(X[:4]).shape == (4, 4)
    assert outcome.metadata["metrics"]["kind_held_out_accounts"] == 300


def test_fewer_than_two_kinds_give_no_kind_model_and_say_why():
    X, labels, is_bot, folds = labelled(kinds=("bulk_fan",))
    outcome = fit_kind_model(X, labels, is_bot, folds, CONFIG)
    assert outcome.model is None
    assert "at least 2 are needed" in outcome.metadata["note"]
    X, labels, is_bot, folds = labelled(n=100, kinds=("bulk_fan", "rare"))
    labels.loc[labels.index[1:100:2][5:], "bot_kind"] = "bulk_fan"  # only 5 'rare' left
    outcome = fit_kind_model(X, labels, is_bot, folds, CONFIG)
    assert outcome.model is None and "rare" in outcome.metadata["note"]


def main_model(kind_model) -> FanauditModel:
    X, labels, is_bot, _ = labelled()
    frame = pd.DataFrame(X, columns=list(FEATURE_NAMES))
    booster = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(frame, is_bot).booster_
    return FanauditModel(
        booster,
        FEATURE_NAMES,
        Calibration("sigmoid", a=-1.0, b=0.0),
        Thresholds(0.7, 0.3),
        {"metrics": {}},
        kind_model,
    )


def test_the_kind_model_is_stored_checksummed_in_the_model_folder(tmp_path):
    X, labels, is_bot, folds = labelled()
    model = main_model(fit_kind_model(X, labels, is_bot, folds, CONFIG).model)
    folder = model.save(tmp_path / "model")
    assert (folder / KINDS_MODEL_FILE).is_file() and (folder / KINDS_METADATA_FILE).is_file()
    loaded = FanauditModel.load(folder)
    np.testing.assert_array_equal(
        loaded.kind_model.predict(X[:20]), model.kind_model.predict(X[:20])
    )
    for name, edit in (
        (KINDS_METADATA_FILE, lambda t: t.replace('"bulk_fan"', '"bulk_fam"')),
        (KINDS_MODEL_FILE, lambda t: t.replace("tree\n", "tree \n", 1)),
    ):
        broken = tmp_path / f"broken-{name}"
        model.save(broken)
        text = (broken / name).read_text(encoding="utf-8")
        (broken / name).write_text(edit(text), encoding="utf-8")
        with pytest.raises(ModelArtifactError, match="kinds.*corrupt"):
            FanauditModel.load(broken)


def test_kind_columns_cover_flagged_rows_only():
    X, labels, is_bot, folds = labelled()
    model = main_model(fit_kind_model(X, labels, is_bot, folds, CONFIG).model)
    frame = pd.DataFrame(X[:6], columns=list(FEATURE_NAMES))
    flagged = np.array([True, False, True, False, True, False])
    columns = kind_columns(model, frame, flagged)
    assert list(columns["bot_kind"]) == ["bulk_fan", "", "bulk_fan", "", "bulk_fan", ""]
    assert columns["kind_probability"][~flagged].isna().all()
    assert (columns["kind_probability"][flagged] > 0.5).all()
    scores = [json.loads(s) for s in columns["kind_scores"]]
    assert all(abs(sum(s.values()) - 1) < 1e-5 for s, f in zip(scores, flagged, strict=False) if f)
    assert all(s == {} for s, f in zip(scores, flagged, strict=False) if not f)
    without = kind_columns(main_model(None), frame, flagged)
    assert (without["bot_kind"] == "").all() and without["kind_probability"].isna().all()


@pytest.mark.slow  # needs the session's trained model
def test_the_registered_model_carries_kinds_and_scores_name_them(trained, small_world):
    from fanaudit.features.loading import staged_dataset
    from fanaudit.features.pipeline import compute_features
    from fanaudit.models.scoring import score_in_chunks
    from fanaudit.models.store import load_model, use_tracking

    use_tracking(trained.tracking_uri)
    loaded = load_model(f"models:/fanaudit/{trained.run.version}")
    assert loaded.model.kind_model is not None
    labels = pd.read_parquet(small_world.path / "labels.parquet")
    assert set(loaded.model.kind_model.kinds) <= set(labels["bot_kind"].dropna())
    with staged_dataset(small_world.path) as staged:
        features = compute_features(staged)
    scored = score_in_chunks(features, loaded.model, loaded.version, which="none")
    flagged = scored["verdict"] != "human"
    assert (scored.loc[flagged, "bot_kind"] != "").all()
    assert (scored.loc[~flagged, "bot_kind"] == "").all()
    # on the bots it flags, the most likely kind is usually the labelled one
    truth = labels.set_index("account_id")["bot_kind"].reindex(scored["account_id"]).to_numpy()
    bots = flagged.to_numpy() & pd.notna(truth) & (truth != "")
    assert (scored["bot_kind"].to_numpy()[bots] == truth[bots]).mean() > 0.4
