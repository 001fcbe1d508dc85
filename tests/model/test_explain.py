"""SHAP explanations of the trained model: contributions add up to the booster's raw score,
the top reasons point towards the verdict, and they read as sentences filled with the
account's own values, in English and Chinese (expected sentences written out by hand)."""

from __future__ import annotations

import re

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from fanaudit.features.loading import staged_dataset
from fanaudit.features.pipeline import ID, compute_features
from fanaudit.features.registry import FEATURES_BY_NAME, REASONS, reason_for, render_reason
from fanaudit.models.explain import explain, reasons_sentence, top_contributions
from fanaudit.models.plots import waterfall_png
from fanaudit.models.store import load_model, use_tracking

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def model(trained):
    use_tracking(trained.tracking_uri)
    return load_model(f"models:/fanaudit/{trained.run.version}").model


@pytest.fixture(scope="module")
def features(small_world) -> pd.DataFrame:
    with staged_dataset(small_world.path) as staged:
        return compute_features(staged)


@pytest.fixture(scope="module")
def explained(model, features):
    """A sample of accounts with their probabilities, verdicts and SHAP explanation."""
    sample = features.sample(300, random_state=1).reset_index(drop=True)
    probability = model.predict_proba(sample)
    return sample, model.thresholds.verdicts(probability), explain(model, sample)


@pytest.mark.slow  # needs the session's trained model
def test_contributions_plus_base_value_equal_the_raw_score(model, explained):
    sample, _, explanation = explained
    assert explanation.contributions.shape == (len(sample), len(model.feature_names))
    raw = model.booster.predict(model.feature_matrix(sample), raw_score=True)
    np.testing.assert_allclose(
        explanation.contributions.sum(axis=1) + explanation.base_value, raw, atol=1e-6, rtol=0
    )


@pytest.mark.slow  # needs the session's trained model
def test_top_reasons_push_towards_the_verdict(model, explained):
    sample, verdicts, explanation = explained
    assert {"bot", "human"} <= set(verdicts)
    for row, verdict in enumerate(verdicts):
        top = top_contributions(
            explanation.contributions[row], model.feature_names, towards_bot=verdict != "human"
        )
        shaps = [shap for _, shap in top]
        assert shaps == sorted(shaps, key=abs, reverse=True)
        assert all(s > 0 for s in shaps) if verdict != "human" else all(s < 0 for s in shaps)


@pytest.mark.slow  # needs the session's trained model
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reasons_of_flagged_accounts_are_filled_with_their_own_values(model, explained, lang):
    sample, verdicts, explanation = explained
    flagged = [row for row, v in enumerate(verdicts) if v == "bot"][:20]
    assert flagged
    for row in flagged:
        values = sample.iloc[row].to_dict()
        top = top_contributions(
            explanation.contributions[row], model.feature_names, towards_bot=True, values=values
        )
        assert top
        sentence = reasons_sentence(top, values, lang)
        parts = sentence.split("；" if lang == "zh" else "; ")
        assert len(parts) == len(top) and all(parts) and "{" not in sentence, sentence
        for (name, _), part in zip(top, parts, strict=False):
            value = values[name]
            if (
                not pd.isna(value)
                and "{value}"
                in (REASONS[name].bot_high or REASONS[name].bot_low or ("", ""))[lang == "zh"]
            ):
                assert FEATURES_BY_NAME[name].format_value(value) in part, (name, part)
        assert bool(CJK.search(sentence)) == (lang == "zh")


def test_a_reason_changes_with_the_accounts_value():
    values = {"ip_same_week_peers": 137.0}
    assert (
        reason_for("ip_same_week_peers", values, 1.0)
        == "shares its login address with 137 other accounts registered the same week, as batches "
        "of new accounts do"
    )
    assert (
        reason_for("ip_same_week_peers", values, 1.0, "zh")
        == "与另外137个同一周注册的账号共用登录地址，像成批注册的账号"
    )
    assert "12 other" in reason_for("ip_same_week_peers", {"ip_same_week_peers": 12.0}, 1.0)
    # without a contribution, the side of the value decides
    assert (
        render_reason("ip_same_week_peers", values)
        == "shares its login address with 137 other accounts registered the same week, as batches "
        "of new accounts do"
    )
    assert render_reason("ip_same_week_peers", {"ip_same_week_peers": 0.0}).endswith(
        "like most people"
    )


def test_reasons_are_joined_in_the_order_of_their_contributions():
    values = {"ip_same_week_peers": 137.0, "night_share": 0.4}
    top = [("ip_same_week_peers", 1.0), ("night_share", 0.8)]
    assert reasons_sentence(top, values, "en") == (
        "shares its login address with 137 other accounts registered the same week, as batches "
        "of new accounts do; does 40% of its activity between 1 and 6 a.m. China time, when "
        "most people sleep"
    )
    assert reasons_sentence(top, values, "zh") == (
        "与另外137个同一周注册的账号共用登录地址，像成批注册的账号；"
        "40%的活动发生在北京时间凌晨1点到6点，这时大多数人在睡觉"
    )


@pytest.mark.slow  # needs the session's trained model
def test_waterfall_plot_is_saved_as_png(model, features, tmp_path):
    row = features[features[ID] == features[ID].iloc[0]]
    path = waterfall_png(model, row, tmp_path / "plots" / "waterfall.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(path).shape[:2]
    assert width > 300 and height > 200
    assert [p.name for p in path.parent.iterdir()] == ["waterfall.png"]  # no temporary left
