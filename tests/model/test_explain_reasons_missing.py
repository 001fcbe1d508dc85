"""Reasons never contradict themselves: a missing value speaks for a family only when the
account has no data in that family at all, and then once."""

from __future__ import annotations

import numpy as np

from fanaudit.features.registry import features_of_family
from fanaudit.models.explain import reasons_sentence, top_contributions


def test_a_missing_feature_in_a_family_with_data_is_no_reason():
    comments = [f.name for f in features_of_family("comments")]
    names = tuple(comments)
    values = {n: 1.0 for n in names} | {  # each on its suspicious side
        "comment_count": 40.0,
        "comment_text_entropy_bits": 0.5,
        "comment_distinct_ratio": 0.1,
        "comment_stock_share": 0.95,
        "comment_interval_cv": 0.1,
    }
    missing = "comment_copy_breadth_log2"
    values[missing] = np.nan
    contributions = np.array([3.0 if n == missing else 0.5 for n in names])
    top = top_contributions(contributions, names, towards_bot=True, k=3, values=values)
    assert missing not in [n for n, _ in top] and len(top) == 3
    assert "posted no comments" not in reasons_sentence(top, values)


def test_a_family_without_data_is_said_once():
    orders = tuple(f.name for f in features_of_family("orders"))
    names = orders + ("account_age_days",)  # young, with 9 accounts registered the same day
    values = {n: np.nan for n in orders} | {"account_age_days": 3.0, "burst_same_day_peers": 9.0}
    contributions = np.array([2.0, 1.9, 1.8, 1.7, 1.6][: len(orders)] + [1.0])
    top = top_contributions(contributions, names, towards_bot=True, k=3, values=values)
    sentence = reasons_sentence(top, values)
    assert sentence.count("placed no orders") == 1
    assert [n for n, _ in top] == [orders[0], "account_age_days"]
