"""Training pieces on tiny hand-built inputs: thresholds, calibration, metrics, groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fanaudit.features.loading import staged_dataset
from fanaudit.models.artifact import Calibration, Thresholds
from fanaudit.training.calibration import choose_calibration, fit_isotonic, fit_sigmoid
from fanaudit.training.evaluate import (
    bot_threshold_at_fpr,
    choose_thresholds,
    expected_calibration_error,
    human_threshold_at_miss,
    per_group_rates,
    recall_at_fpr,
)
from fanaudit.training.groups import account_groups


def test_bot_threshold_keeps_false_positives_at_or_below_target():
    humans = np.arange(100) / 100  # 0.00 .. 0.99
    p = np.concatenate([humans, [0.995, 0.999]])
    y = np.array([0] * 100 + [1, 1])
    threshold = bot_threshold_at_fpr(p, y, 0.02)  # two humans (0.98, 0.99) may be flagged
    assert 0.97 < threshold <= 0.98 + 1e-12
    assert ((p >= threshold) & (y == 0)).sum() == 2


def test_bot_threshold_with_zero_allowed_false_positives_sits_above_every_human():
    p = np.array([0.1, 0.2, 0.3, 0.9])
    y = np.array([0, 0, 0, 1])
    threshold = bot_threshold_at_fpr(p, y, 0.01)
    assert 0.3 < threshold <= 0.9


def test_human_threshold_lets_at_most_the_allowed_share_of_bots_below():
    p = np.array([0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1])
    threshold = human_threshold_at_miss(p, y, max_miss=0.25, bot=0.95)  # 2 of 8 bots may fall below
    assert threshold == 0.7
    assert ((p < threshold) & (y == 1)).sum() == 2


def test_thresholds_are_ordered_and_give_three_verdicts():
    rng = np.random.default_rng(0)
    p = np.concatenate([rng.uniform(0, 0.6, 500), rng.uniform(0.3, 1, 500)])
    y = np.array([0] * 500 + [1] * 500)
    t = choose_thresholds(p, y, 0.01, 0.05)
    assert t.human <= t.bot
    assert set(t.verdicts(np.array([0.0, (t.human + t.bot) / 2, 1.0]))) == {
        "human",
        "uncertain",
        "bot",
    }


def test_verdict_boundaries():
    t = Thresholds(bot=0.8, human=0.2)
    assert list(t.verdicts(np.array([0.19, 0.2, 0.79, 0.8]))) == [
        "human",
        "uncertain",
        "uncertain",
        "bot",
    ]


def test_recall_at_fpr_on_a_hand_made_ranking():
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = np.array([1, 1, 0, 1, 0, 0])
    assert recall_at_fpr(p, y, 0.0) == pytest.approx(2 / 3)
    assert recall_at_fpr(p, y, 1 / 3) == pytest.approx(1.0)


def test_expected_calibration_error_by_hand():
    p = np.array([0.05, 0.05, 0.95, 0.95])
    y = np.array([0, 1, 1, 1])  # bin 0: mean p .05 vs .5; bin 9: .95 vs 1
    assert expected_calibration_error(p, y) == pytest.approx(0.5 * 0.45 + 0.5 * 0.05)


def test_isotonic_and_sigmoid_maps_are_monotone_and_serialisable():
    rng = np.random.default_rng(1)
    raw = rng.normal(0, 2, 2000)
    y = (rng.uniform(size=2000) < 1 / (1 + np.exp(-raw))).astype(int)
    for fitted in (fit_isotonic(raw, y), fit_sigmoid(raw, y)):
        grid = np.linspace(-6, 6, 50)
        out = fitted.apply(grid)
        assert np.all(np.diff(out) >= -1e-12) and out.min() >= 0 and out.max() <= 1
        again = Calibration.from_dict(fitted.to_dict())
        assert np.allclose(again.apply(grid), out)


def test_calibration_choice_prefers_sigmoid_for_logistic_scores():
    rng = np.random.default_rng(2)
    raw = rng.normal(0, 1.5, 3000)
    y = (rng.uniform(size=3000) < 1 / (1 + np.exp(-raw))).astype(int)
    folds = np.arange(3000) % 5
    chosen, scores, held_out = choose_calibration(raw, y, folds, "auto")
    assert set(scores) == {"isotonic", "sigmoid"}
    assert scores["sigmoid"] < scores["isotonic"]
    assert chosen.method == "sigmoid"  # the truth is a logistic curve; isotonic overfits its steps


def test_per_group_rates_by_kind_and_archetype():
    labels = pd.DataFrame(
        {
            "label": ["bot", "bot", "human", "human"],
            "bot_kind": ["bulk_fan", "bulk_fan", None, None],
            "archetype": ["bulk_fan", "bulk_fan", "nat_user", "superfan"],
        }
    )
    table = per_group_rates(np.array([0.9, 0.1, 0.95, 0.0]), labels, Thresholds(bot=0.5, human=0.2))
    rates = table.set_index("group")["flagged_share"]
    assert (
        rates["bot:bulk_fan"] == 0.5
        and rates["human:nat_user"] == 1.0
        and rates["human:superfan"] == 0.0
    )


def test_accounts_sharing_a_device_or_small_address_are_one_group(tmp_path):
    (tmp_path / "accounts.csv").write_text("account_id\na\nb\nc\nd\ne\n")
    (tmp_path / "logins.csv").write_text(
        "account_id,ts,ip,device_id\n"
        "a,2024-05-01T10:00:00Z,10.0.0.1,dev1\n"
        "b,2024-05-01T10:00:00Z,10.0.0.2,dev1\n"  # a-b share a device
        "c,2024-05-01T10:00:00Z,10.0.0.2,dev3\n"  # b-c share an address
        "d,2024-05-01T10:00:00Z,10.0.0.9,dev4\n"
    )  # d alone; e has no logins
    with staged_dataset(tmp_path) as staged:
        groups, summary = account_groups(
            staged, pd.Series(list("abcde")), key_cap=10, max_share=1.0
        )
    assert groups[0] == groups[1] == groups[2]
    assert (summary.groups, summary.largest_group, summary.components_split) == (3, 3, 0)
    assert len({groups[0], groups[3], groups[4]}) == 3


def test_an_address_shared_beyond_the_cap_does_not_join_accounts(tmp_path):
    (tmp_path / "accounts.csv").write_text("account_id\na\nb\nc\n")
    (tmp_path / "logins.csv").write_text(
        "account_id,ts,ip\n" + "".join(f"{a},2024-05-01T10:00:00Z,100.64.0.1\n" for a in "abc")
    )
    with staged_dataset(tmp_path) as staged:
        ids = pd.Series(list("abc"))
        assert len(set(account_groups(staged, ids, key_cap=2, max_share=1.0)[0])) == 3
        assert len(set(account_groups(staged, ids, key_cap=3, max_share=1.0)[0])) == 1


def test_a_chained_component_is_split_into_its_communities_not_across_them(tmp_path):
    # Two households of six, each on its own address and shared tablet (a1-a6, b1-b6),
    # chained into one component by a single proxy address that a6 and b1 both passed
    # through, plus two loners. With at most 45% of the 14 accounts (6) in a group, the chain
    # is cut at the proxy.
    households = [f"a{i}" for i in range(1, 7)] + [f"b{i}" for i in range(1, 7)]
    rows = [f"{a},2024-05-01T10:00:00Z,10.0.0.{a[0] == 'b':d},tablet-{a[0]}" for a in households]
    rows += [
        "a6,2024-05-02T10:00:00Z,203.0.113.7,phone-a6",
        "b1,2024-05-02T11:00:00Z,203.0.113.7,",
        "x,2024-05-01T10:00:00Z,10.9.9.9,",
        "y,2024-05-01T10:00:00Z,10.9.9.8,",
    ]
    ids = households + ["x", "y"]
    (tmp_path / "accounts.csv").write_text("account_id\n" + "\n".join(ids) + "\n")
    (tmp_path / "logins.csv").write_text("account_id,ts,ip,device_id\n" + "\n".join(rows) + "\n")
    with staged_dataset(tmp_path) as staged:
        groups, summary = account_groups(staged, pd.Series(ids), key_cap=10, max_share=0.45, seed=1)
        again, _ = account_groups(staged, pd.Series(ids), key_cap=10, max_share=0.45, seed=1)
    assert list(groups) == list(again)
    assert len(set(groups[:6])) == 1 and len(set(groups[6:12])) == 1 and groups[0] != groups[6]
    assert summary.largest_component_share == 12 / 14 and summary.components_split == 1
    assert summary.largest_group == 6 and summary.groups == 4
    assert summary.warning(n_folds=2) is None and summary.warning(n_folds=3) is not None  # 6/14


def test_time_split_holds_out_later_accounts_and_trains_only_on_earlier_ones():
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.train import NEVER_HELD_OUT, TrainingData, assign_folds

    seen = np.array([50, 10, 40, 20, 60, 30], dtype=float)  # account i first seen at seen[i]
    data = TrainingData(
        staged=None,
        features=pd.DataFrame({"account_id": list("abcdef")}),
        labels=pd.DataFrame({"label": ["bot", "human"] * 3}),
        groups=np.arange(6),
        first_seen=seen,
    )
    folds = assign_folds(data, TrainConfig(split="time", n_folds=2))
    # three time blocks of two: {10, 20} never held out, {30, 40} fold 0, {50, 60} fold 1
    assert list(folds) == [1, NEVER_HELD_OUT, 0, NEVER_HELD_OUT, 1, 0]


def test_on_a_near_perfect_model_verdicts_still_follow_the_probabilities():
    p = np.array([0.0, 0.001, 0.002, 0.003, 0.04, 0.97, 0.99, 1.0])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    t = choose_thresholds(p, y, target_fpr=0.01, max_miss=0.05, min_bot=0.5, max_human=0.2)
    assert t.bot == 0.5 and t.human == 0.04  # not 'bot' at a 4% probability
    assert list(t.verdicts(np.array([0.03, 0.04, 0.3, 0.6]))) == [
        "human",
        "uncertain",
        "uncertain",
        "bot",
    ]
