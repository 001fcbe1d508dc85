"""Reasons anyone can read, in the direction SHAP says.

Every registry feature is set to a low and a high value in real accounts of the simulated
world, the trained model explains them, and each reason the registry gives is checked
against the sign of that feature's own SHAP contribution, in English and Chinese: a reason
pushing towards bot never reads as reassuring, one pushing towards human always does
(it ends with "like most people" / "和大多数人一样"), and no reason uses statistics words.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from fanaudit.features.loading import staged_dataset
from fanaudit.features.pipeline import compute_features
from fanaudit.features.registry import FEATURE_NAMES, REASONS, reason_for
from fanaudit.models.explain import explain
from fanaudit.models.store import load_model, use_tracking

HUMAN_CUE = {"en": "like most people", "zh": "和大多数人一样"}
STATISTICS = {
    "en": re.compile(
        r"entropy|coefficient|variation|median|percentile|\bbits?\b|"
        r"\blog(2|10)?\b|"
        r"standard deviation|ratio|\^|\bmean\b",
        re.IGNORECASE,
    ),
    "zh": re.compile(r"熵|变异系数|中位数|百分位|比特|对数|标准差|均值|\^"),
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def check(sentence: str, contribution: float, lang: str) -> None:
    assert (HUMAN_CUE[lang] in sentence) == (contribution < 0), (contribution, sentence)
    assert not STATISTICS[lang].search(sentence), sentence
    assert bool(CJK.search(sentence)) == (lang == "zh"), sentence
    assert "{" not in sentence and "unknown" not in sentence, sentence


def test_every_feature_has_a_reason_entry():
    """A feature added to the registry must say how it reads for people (or that it does
    not: `Reason()`)."""
    assert set(REASONS) == set(FEATURE_NAMES)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hand_picked_values_read_the_right_way(lang):
    night = {"night_share": 0.4}
    said = reason_for("night_share", night, 0.8, lang)
    assert said == (
        "does 40% of its activity between 1 and 6 a.m. China time, when most people sleep"
        if lang == "en"
        else "40%的活动发生在北京时间凌晨1点到6点，这时大多数人在睡觉"
    )
    assert reason_for("night_share", night, -0.8, lang) is None  # a night owl: no sign of a person
    assert (
        reason_for("night_share", {"night_share": 0.05}, 0.3, lang) is None
    )  # 5%: no sign of a bot
    check(reason_for("night_share", {"night_share": 0.05}, -0.3, lang), -0.3, lang)
    # account age depends on context: young alone is no reason, young in a same-day batch is
    assert (
        reason_for(
            "account_age_days", {"account_age_days": 3.0, "burst_same_day_peers": 0.0}, 1.0, lang
        )
        is None
    )
    young = reason_for(
        "account_age_days", {"account_age_days": 3.0, "burst_same_day_peers": 12.0}, 1.0, lang
    )
    assert "3" in young and "12" in young
    assert (
        reason_for(
            "account_age_days", {"account_age_days": 638.0, "burst_same_day_peers": 0.0}, 1.0, lang
        )
        is None
    )  # 'registered 638 days before ...' is no sign of a bot
    assert reason_for("comment_count", {"comment_count": 40.0}, 2.0, lang) is None
    assert reason_for("comment_count", {"comment_count": np.nan}, 2.0, lang) == (
        "posted no comments" if lang == "en" else "没有发表评论"
    )


@pytest.fixture(scope="module")
def model(trained):
    use_tracking(trained.tracking_uri)
    return load_model(f"models:/fanaudit/{trained.run.version}").model


@pytest.fixture(scope="module")
def variants(model, small_world):
    """30 real accounts with each feature in turn set to a low (2nd percentile) and a high
    (98th percentile) value of the world, and their SHAP contributions."""
    with staged_dataset(small_world.path) as staged:
        features = compute_features(staged)
    base = features.sample(30, random_state=5).reset_index(drop=True)
    frames, keys = [], []
    for name in model.feature_names:
        column = features[name].dropna()
        if column.empty:
            continue
        for side, value in (("low", column.quantile(0.02)), ("high", column.quantile(0.98))):
            frames.append(base.assign(**{name: value}))
            keys += [(name, side)] * len(base)
    frame = pd.concat(frames, ignore_index=True)
    contributions = explain(model, frame).contributions
    return frame, keys, contributions


@pytest.mark.slow  # needs the session's trained model
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_reason_agrees_with_the_sign_of_its_contribution(model, variants, lang):
    frame, keys, contributions = variants
    index = {name: i for i, name in enumerate(model.feature_names)}
    said = {"bot": set(), "human": set()}
    values = frame.to_dict("records")
    for row, (name, _) in enumerate(keys):
        contribution = float(contributions[row, index[name]])
        sentence = reason_for(name, values[row], contribution, lang)
        if sentence is None:
            continue
        check(sentence, contribution, lang)
        said["bot" if contribution > 0 else "human"].add(name)
    # the check is not vacuous: many features are worded, both ways
    assert len(said["bot"]) >= 15 and len(said["human"]) >= 15, said
