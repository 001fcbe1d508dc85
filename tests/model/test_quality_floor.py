"""A quality floor on held-out simulated data: the session's trained model (tests/conftest.py)
scores a disjoint world (another seed, same generator settings: no account, batch or crew
in common), and its ROC-AUC, its recall at the `bot` verdict and its false-positive rate
on every human archetype at `bot` must stay where the README's "Quality floor" table says
they are. Each bound sits just under (or over) the measured figure, so that a real loss of
quality (10 trees instead of 60, a feature family dropped) fails here."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from fanaudit.features.loading import staged_dataset
from fanaudit.features.pipeline import compute_features
from fanaudit.models.store import load_model, use_tracking
from fanaudit.training.simulator import SimulationConfig, simulate
from fanaudit.training.train import read_labels

pytestmark = pytest.mark.slow

# Measured figures (README "Quality floor") and the bounds the tests hold them to.
MIN_ROC_AUC = 0.98  # measured 0.989
MIN_RECALL_AT_BOT = 0.80  # measured 0.815
MAX_FPR_AT_BOT = 0.02  # measured 0.82% over all humans (target 1%)
MAX_ARCHETYPE_FPR = 0.03  # measured at most 1.8% (viral followers)
MIN_KIND_RECALL = 0.55  # measured at least 0.60 (high-end fans)


@pytest.fixture(scope="module")
def held_out(trained, tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("disjoint-world")
    # the training world's settings (tests/conftest.py), another seed
    simulate(SimulationConfig(seed=4, scale=0.2, kind_difficulty=(("bulk_fan", 0.2),)), folder)
    use_tracking(trained.tracking_uri)
    model = load_model(None).model
    with staged_dataset(folder) as staged:
        frame = compute_features(staged).merge(read_labels(staged), on="account_id")
    frame["p"] = model.predict_proba(frame)
    frame["flagged"] = frame["p"] >= model.thresholds.bot
    frame["is_bot"] = frame["label"] == "bot"
    return frame


def test_ranking_on_a_disjoint_world(held_out):
    auc = roc_auc_score(held_out["is_bot"], held_out["p"])
    print(f"ROC-AUC {auc:.4f}")
    assert auc >= MIN_ROC_AUC


def test_the_bot_verdict_on_a_disjoint_world(held_out):
    recall = held_out.loc[held_out["is_bot"], "flagged"].mean()
    fpr = held_out.loc[~held_out["is_bot"], "flagged"].mean()
    print(f"recall at bot {recall:.3f}, FPR at bot {fpr:.4f}")
    assert recall >= MIN_RECALL_AT_BOT
    assert fpr <= MAX_FPR_AT_BOT


def test_no_human_archetype_is_flagged_often(held_out):
    humans = held_out[~held_out["is_bot"]]
    rates = humans.groupby("archetype")["flagged"].agg(["mean", "size"]).sort_values("mean")
    print(rates.to_string())
    assert len(rates) >= 5  # the confounders are there to be judged
    assert rates["mean"].max() <= MAX_ARCHETYPE_FPR


def test_every_bot_kind_is_caught_at_all(held_out):
    recall = held_out[held_out["is_bot"]].groupby("bot_kind")["flagged"].mean().sort_values()
    print(recall.to_string())
    assert len(recall) == 7 and recall.min() >= MIN_KIND_RECALL
