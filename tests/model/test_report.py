"""The audit report's facts and wording: bursts found and judged bought or organic, the
verdict sentence in English and Chinese, the real-share interval, and the rule that finds
a streamer's live room (checked against the simulator's own room of each streamer)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from fanaudit.models.audience import (
    Growth,
    Headline,
    Quality,
    burst_days,
    follower_growth,
    group_consecutive,
    judge,
    peer_comparison,
    real_share_interval,
    suspected_kind,
)
from fanaudit.models.delivery import Pattern
from fanaudit.models.report import (
    AuditFacts,
    choose_examples,
    format_days,
    rounded_probability,
    verdict_sentence,
)

START = pd.Timestamp("2025-10-01 12:00", tz="UTC")


def follows_on(days_and_accounts: dict[int, list[str]]) -> pd.DataFrame:
    """One follow at noon UTC (20:00 China time) of day START+d for each account."""
    rows = [
        (a, START + pd.Timedelta(days=d))
        for d, accounts in days_and_accounts.items()
        for a in accounts
    ]
    return pd.DataFrame(rows, columns=["account_id", "ts"])


def world_with_two_bursts() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """30 days of 3 organic followers a day, a bought pack of 60 on day 10 (flagged,
    registered together, sharing addresses) and a viral clip of 80 on day 20 (real people
    of every age who all followed within minutes, so lockstep is high)."""
    plan = {d: [f"h{d}_{i}" for i in range(3)] for d in range(30)}
    plan[10] = plan[10] + [f"b{i}" for i in range(60)]
    plan[20] = plan[20] + [f"v{i}" for i in range(80)]
    follows = follows_on(plan)
    ids = follows["account_id"]
    bought = ids.str.startswith("b")
    viral = ids.str.startswith("v")
    scored = pd.DataFrame(
        {
            "account_id": ids,
            "verdict": np.where(bought, "bot", "human"),
            "bot_probability": np.where(bought, 0.97, 0.02),
            "top_features": "[]",
        }
    )
    rng = np.random.default_rng(0)
    features = pd.DataFrame(
        {
            "account_age_days": np.where(
                bought, 40 + rng.uniform(0, 2, len(ids)), rng.uniform(30, 3000, len(ids))
            ),
            "ip_same_week_peers": np.where(bought, 12, 0),
            "follow_lockstep_peers": np.where(bought | viral, 30, 0),
        },
        index=ids.to_numpy(),
    )
    return follows, scored, features


def test_bursts_are_found_and_judged_bought_or_organic():
    follows, scored, features = world_with_two_bursts()
    growth = follower_growth(follows, scored, features)
    assert [(b.first_day, b.judgement) for b in growth.bursts] == [
        (date(2025, 10, 11), "bought"),
        (date(2025, 10, 21), "organic"),
    ]
    bought, organic = growth.bursts
    assert bought.followers == 63 and bought.flagged_share == pytest.approx(60 / 63)
    assert bought.registered_together_share > 0.9 and bought.shared_address_share > 0.9
    assert organic.flagged_share == 0 and organic.lockstep_share > 0.9
    assert organic.registered_together_share < 0.2
    assert growth.daily.sum().sum() == len(scored) and growth.undated == 0


def test_a_steady_stream_of_followers_has_no_bursts():
    daily = pd.Series(
        [20, 22, 19, 25, 21, 18, 23, 24, 20, 22], index=[date(2025, 1, d) for d in range(1, 11)]
    )
    assert burst_days(daily, followers=214) == []


def test_a_small_spike_on_a_big_account_is_not_a_burst():
    counts = [1] * 20
    counts[10] = 12
    daily = pd.Series(counts, index=[date(2025, 1, 1) + timedelta(days=d) for d in range(20)])
    assert burst_days(daily, followers=100) == [date(2025, 1, 11)]
    assert burst_days(daily, followers=10_000) == []  # 12 is 0.1% of the followers


def test_consecutive_burst_days_are_one_burst():
    days = [date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 9)]
    assert group_consecutive(days) == [
        (date(2025, 3, 1), date(2025, 3, 2)),
        (date(2025, 3, 9), date(2025, 3, 9)),
    ]


@pytest.mark.parametrize(
    "flagged, signals, expected",
    [
        (0.9, 0, "bought"),  # the model flags most of them
        (0.1, 2, "bought"),  # registered together and share addresses, though the model hesitates
        (0.0, 1, "organic"),  # a viral clip: everyone followed in the same minutes, nothing else
        (0.3, 1, "mixed"),
    ],
)
def test_burst_judgement(flagged, signals, expected):
    assert judge(flagged, signals) == expected


def test_dates_read_naturally():
    days = [date(2025, 11, 17), date(2025, 11, 3), date(2025, 11, 9)]
    assert format_days(days, "en") == "3, 9 and 17 November"
    assert format_days(days, "zh") == "11月3日、9日和17日"
    assert format_days([date(2025, 10, 30), date(2025, 11, 2)], "en") == "30 October and 2 November"
    assert format_days([date(2025, 10, 30), date(2025, 11, 2)], "zh") == "10月30日和11月2日"


def facts_with(quality: Quality, growth: Growth, patterns=()) -> AuditFacts:
    return AuditFacts(
        "s1",
        quality,
        growth,
        None,
        pd.DataFrame(),
        np.array([]),
        "3",
        (0.3, 0.7),
        0.0,
        patterns=patterns,
    )


HEADLINE = Headline(0.38, 0.34, 0.42, "prior-shift-aware estimate", 500)


def test_verdict_sentence_gives_one_share_with_its_interval_and_the_bought_bursts():
    bursts = []
    for _ in range(3):
        follows, scored, features = world_with_two_bursts()
        bursts.append(follower_growth(follows, scored, features).bursts[0])
    bursts = tuple(
        b.__class__(
            **{
                **b.__dict__,
                "first_day": date(2025, 11, d),
                "last_day": date(2025, 11, d),
                "peak_window": 60,
            }
        )
        for b, d in zip(bursts, (3, 9, 17), strict=False)
    )
    daily = pd.DataFrame(
        {"human": [1, 1, 1], "uncertain": [0, 0, 0], "bot": [60, 60, 60]},
        index=[date(2025, 11, d) for d in (3, 9, 17)],
    )
    growth = Growth(daily, bursts, 0)
    quality = Quality(
        500, 0.62, (0.58, 0.66), {"human": 310, "uncertain": 10, "bot": 180}, {}, HEADLINE
    )
    facts = facts_with(quality, growth)
    assert verdict_sentence(facts, "en") == (
        "About 38% (34–42%) of the 500 followers look bought or fake. Three bursts on 3, 9 and "
        "17 November look bought: 189 new followers, up to 60 of them within ten minutes."
    )
    assert verdict_sentence(facts, "zh") == (
        "500个粉丝中约38%（34–42%）疑似购买或虚假。11月3日、9日和17日的三次集中涨粉看起来是购买的："
        "新增189个粉丝，其中最多60个在十分钟内涌入。"
    )


def test_verdict_sentence_names_the_delivery_pattern_with_dates_and_sizes():
    quality = Quality(
        500, 0.62, (0.58, 0.66), {"human": 310, "uncertain": 10, "bot": 180}, {}, HEADLINE
    )
    steps = Pattern(
        "steps",
        date(2025, 10, 1),
        date(2025, 10, 20),
        3000,
        3500,
        400,
        2000,
        0.5,
        (500, 800, 1200, 2000),
    )
    empty = Growth(pd.DataFrame(columns=["human", "uncertain", "bot"]), (), 0)
    facts = facts_with(quality, empty, (steps,))
    assert verdict_sentence(facts, "en") == (
        "About 38% (34–42%) of the 500 followers look bought or fake. A stepped escalation from "
        "1 to 20 October: flagged new followers rose in four steps, 500, 800, 1,200 then 2,000 a "
        "day (86% of the new followers then)."
    )
    assert verdict_sentence(facts, "zh") == (
        "500个粉丝中约38%（34–42%）疑似购买或虚假。10月1日至20日出现阶梯式递增：被标记的新粉丝分四级上升，"
        "每天500、800、1,200、2,000个（占同期新粉丝的86%）。"
    )


def test_verdict_sentence_for_a_clean_audience():
    quality = Quality(
        1200,
        0.99,
        (0.98, 1.0),
        {"human": 1200, "uncertain": 0, "bot": 0},
        {},
        Headline(0.01, 0.0, 0.02, "prior-shift-aware estimate", 1200),
    )
    facts = facts_with(quality, Growth(pd.DataFrame(columns=["human", "uncertain", "bot"]), (), 0))
    assert verdict_sentence(facts, "en") == (
        "Nearly all of the 1,200 followers look real: about 1% (0–2%) look bought or fake."
    )
    assert verdict_sentence(facts, "zh") == "1,200个粉丝几乎都是真人：约1%（0–2%）疑似购买或虚假。"


def test_probabilities_are_rounded_for_people():
    assert [rounded_probability(p) for p in (0.9917355371900827, 0.996, 0.0, 0.004, 0.35)] == [
        "99%",
        ">99%",
        "<1%",
        "<1%",
        "35%",
    ]


def test_examples_span_the_kinds_and_the_probabilities():
    rng = np.random.default_rng(0)
    n = 200
    kinds = np.where(
        np.arange(n) < 180, "bulk_fan", np.where(np.arange(n) < 195, "comment_bot", "drip_feed")
    )
    p = np.sort(rng.uniform(0.4, 1.0, n))[::-1]
    scored = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "bot_probability": p,
            "verdict": np.where(p >= 0.7, "bot", "uncertain"),
            "reasons": "",
            "top_features": "[]",
            "bot_kind": kinds,
            "kind_probability": 0.8,
        }
    )
    chosen = choose_examples(scored)
    assert len(chosen) == 8 and set(chosen["kind"]) == {"bulk_fan", "comment_bot", "drip_feed"}
    assert chosen["bot_probability"].max() == p.max() and chosen["bot_probability"].min() < 0.5
    assert not chosen["kind_is_family"].any()


def test_peers_percentile_and_tier():
    followers = pd.DataFrame(
        {
            "streamer": ["me"] * 100 + [f"s{k}" for k in range(8) for _ in range(100)],
            "account_id": [f"m{i}" for i in range(100)]
            + [f"s{k}_{i}" for k in range(8) for i in range(100)],
        }
    )
    share_of = {"me": 0.5} | {f"s{k}": k / 10 for k in range(8)}  # peers: 0.0 ... 0.7
    probability = pd.Series({a: share_of[s] for s, a in followers.itertuples(index=False)})
    peers = peer_comparison("me", 0.5, followers, probability, lambda p: float(np.mean(p)))
    assert peers.peers == 8 and peers.smallest == peers.largest == 100
    assert peers.percentile == pytest.approx(5.5 / 8) and peers.tier == "worse"
    cleanest = peer_comparison("me", 0.0, followers, probability, lambda p: float(np.mean(p)))
    assert cleanest.tier == "cleanest" and cleanest.percentile == pytest.approx(0.5 / 8)


def test_real_share_interval_by_hand():
    # p sums to 2.7 over 6 accounts: 0.55 of them real; sum p(1-p) = 0.09 + 0.09 + 0.25 +
    # 0.16 = 0.59, half-width 1.96 * sqrt(0.59) / 6 = 0.2509, plus the calibration error
    p = np.array([0.0, 0.1, 0.9, 1.0, 0.5, 0.2])
    share, (low, high) = real_share_interval(p, calibration_error=0.02)
    assert share == pytest.approx(0.55)
    assert (low, high) == (pytest.approx(0.2791, abs=1e-4), pytest.approx(0.8209, abs=1e-4))
    assert real_share_interval(p)[1] == (
        pytest.approx(0.2991, abs=1e-4),
        pytest.approx(0.8009, abs=1e-4),
    )
    # clipped to [0, 1]: 0.9 real, half-width 1.96 * sqrt(10 * 0.09) / 10 + 0.1 = 0.2859
    assert real_share_interval(np.array([0.1] * 10), 0.1)[1] == (
        pytest.approx(0.6141, abs=1e-4),
        1.0,
    )
    assert np.isnan(real_share_interval(np.array([]))[0])


def test_suspected_kind_is_the_family_with_most_weight_in_the_top_reasons():
    top = json.dumps(
        [
            {"feature": "a", "value": 1, "shap": 1.0, "family": "comments"},
            {"feature": "b", "value": 1, "shap": 0.8, "family": "ip_device"},
            {"feature": "c", "value": 1, "shap": 0.7, "family": "ip_device"},
        ]
    )
    assert suspected_kind(top) == "ip_device"
    assert suspected_kind("[]") is None


@pytest.mark.slow
def test_the_streamers_room_is_the_simulated_room_of_that_streamer(tmp_path):
    """The simulator gives streamer i the room with index i; the inference must find it."""
    from fanaudit.features.engine import connect
    from fanaudit.features.loading import staged_dataset
    from fanaudit.features.tables import open_tables
    from fanaudit.models.audience import room_events
    from fanaudit.models.scoring import followers_of
    from fanaudit.training.simulator import SimulationConfig, ids, simulate
    from fanaudit.training.simulator.engine import ACCOUNT_KEYS, ROOM_KEYS

    seed = 21
    summary = simulate(SimulationConfig(seed=seed, scale=0.1), tmp_path / "world")
    keys = np.arange(len(summary.streamers))
    room_of = dict(
        zip(
            ids.format_ids("u", keys, ids.id_keys(seed, ACCOUNT_KEYS)).to_pylist(),
            ids.format_ids("r", keys, ids.id_keys(seed, ROOM_KEYS)).to_pylist(),
            strict=False,
        )
    )
    with staged_dataset(summary.out_dir) as staged:
        tables = open_tables(connect("duckdb"), staged)
        for streamer in summary.streamers[:3]:
            events = room_events(tables, pd.Index(followers_of(staged, streamer)))
            assert events.rooms == (room_of[streamer],), streamer
            assert not events.engagement.empty and not events.comments.empty
