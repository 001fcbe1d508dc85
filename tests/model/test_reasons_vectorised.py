"""Reasons worded for many rows at once (`models.reasons`) are exactly what the one-account
functions (`explain.top_contributions`, `reasons_sentence`, `no_single_reason`) give each
row: on the trained model's real contributions, in both directions, both languages, and
on small hand-made matrices with ties and missing families."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fanaudit.features.loading import staged_dataset
from fanaudit.features.pipeline import compute_features
from fanaudit.features.registry import FEATURES_BY_NAME
from fanaudit.models.explain import (
    explain_matrix,
    no_single_reason,
    reasons_sentence,
    top_contributions,
    top_features_json,
)
from fanaudit.models.reasons import choose, top_k, word
from fanaudit.models.store import load_model, use_tracking


def one_at_a_time(contributions, X, names, towards_bot, lang, k):
    """The reasons line and top-features JSON of each row, as scoring wrote them before."""
    reasons, tops = [], []
    for r in range(len(X)):
        values = {n: (None if v != v else v) for n, v in zip(names, X[r].tolist(), strict=True)}
        top = top_contributions(
            contributions[r], names, values=values, towards_bot=bool(towards_bot[r]), k=k
        )
        if top:
            reasons.append(reasons_sentence(top, values, lang))
        else:
            reasons.append(no_single_reason(contributions[r], names, bool(towards_bot[r]), lang))
            top = top_contributions(contributions[r], names, towards_bot=bool(towards_bot[r]), k=k)
        tops.append(top_features_json(top, values))
    return reasons, tops


@pytest.fixture(scope="module")
def real(trained, small_world):
    use_tracking(trained.tracking_uri)
    model = load_model(f"models:/fanaudit/{trained.run.version}").model
    with staged_dataset(small_world.path) as staged:
        features = compute_features(staged)
    sample = features.sample(1500, random_state=3).reset_index(drop=True)
    X = model.feature_matrix(sample)
    return model, X, explain_matrix(model, X).contributions


@pytest.mark.slow  # needs the session's trained model
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("k", [3, 5])
def test_vectorised_reasons_equal_one_account_at_a_time(real, lang, k):
    model, X, contributions = real
    names = model.feature_names
    for towards_bot in (np.ones(len(X), bool), np.zeros(len(X), bool)):
        worded = word(contributions, X, names, towards_bot, lang, k)
        reasons, tops = one_at_a_time(contributions, X, names, towards_bot, lang, k)
        assert worded.reasons == reasons
        assert worded.top_features == tops
    # and a real mix of verdicts, as scoring passes them
    mixed = np.random.default_rng(0).random(len(X)) < 0.5
    worded = word(contributions, X, names, mixed, lang, k)
    assert (worded.reasons, worded.top_features) == one_at_a_time(
        contributions, X, names, mixed, lang, k
    )
    assert sum(r.startswith(("no single", "没有单独")) for r in worded.reasons) < len(X)


def test_top_k_breaks_ties_in_column_order_and_skips_what_is_not_eligible():
    scores = np.array(
        [
            [0.5, 0.2, 0.5, 0.5, -1.0],  # a three-way tie for the top two places
            [0.0, -0.1, 0.3, 0.0, 0.0],  # one positive score
            [0.9, 0.8, 0.7, 0.6, 0.5],  # the best ones not eligible
        ]
    )
    eligible = np.ones_like(scores, dtype=bool)
    eligible[2, :2] = False
    picked, counts = top_k(scores, eligible, 2)
    assert picked.tolist() == [[0, 2], [2, -1], [2, 3]]
    assert counts.tolist() == [2, 1, 2]


def test_a_family_without_data_speaks_once_for_the_strongest_of_its_features():
    comments = [n for n, f in FEATURES_BY_NAME.items() if f.family == "comments"][:3]
    other = next(n for n, f in FEATURES_BY_NAME.items() if f.family == "activity")
    names = (*comments, other)
    X = np.array([[np.nan, np.nan, np.nan, np.nan], [np.nan, np.nan, np.nan, np.nan]])
    contributions = np.array([[0.1, 0.4, 0.4, 0.05], [0.1, 0.4, 0.4, 0.05]])
    chosen = choose(contributions, X, names, np.array([True, False]), k=3)
    # towards bot: the comments family once (its first strongest feature), then activity
    assert chosen.features[0].tolist() == [1, 3, -1]
    # towards human, nothing pushes that way
    assert chosen.counts[1] == 0
    worded = word(contributions, X, names, np.array([True, True]))
    assert worded.reasons[0] == "posted no comments; has too little activity to judge its rhythm"
    assert [t["feature"] for t in json.loads(worded.top_features[0])] == [comments[1], other]


def test_no_rows_word_nothing():
    names = tuple(list(FEATURES_BY_NAME)[:4])
    worded = word(np.empty((0, 4)), np.empty((0, 4)), names, np.zeros(0, bool))
    assert worded.reasons == [] and worded.top_features == []
    assert pd.Series(worded.reasons, dtype=object).empty


def test_kind_scores_are_written_as_json_dumps_writes_them():
    from fanaudit.models.kinds import scores_json

    kinds = ("bulk_fans", "drip_feed", "中文")
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(3), size=500)
    p[0] = [1.0, 0.0, 0.0]
    p[1] = [1e-9, 0.5, 0.5 - 1e-9]
    expected = [
        json.dumps({k: round(float(v), 6) for k, v in zip(kinds, row, strict=True)})
        for row in p
    ]
    assert scores_json(kinds, p) == expected
    assert scores_json(kinds, p[:0]) == []
