"""Delivery patterns planted into small follow tables: a spike, a stepped escalation and a
drip with unfollow-and-refill top-ups are each named with their dates and sizes; an
organic viral burst is called organic and no delivery; 3,000 followers in one minute from
one address and device are reported as a bought burst (issue 17, item 11)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from fanaudit.models.audience import TIMEZONE, Growth, Quality, follower_growth
from fanaudit.models.delivery import daily_flows, delivery_patterns
from fanaudit.models.report import AuditFacts, verdict_sentence

START = pd.Timestamp("2025-10-01 04:00", tz="UTC")  # noon China time
DAYS = 40


class World:
    """Follow events of one streamer, with each account's verdict."""

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.rows: list[tuple[str, pd.Timestamp, str]] = []
        self.verdicts: dict[str, str] = {}
        self.count = 0

    def follow(
        self,
        day: int,
        n: int,
        verdict: str,
        action: str = "follow",
        who: list[str] | None = None,
        minute: int | None = None,
    ) -> list[str]:
        if who is None:
            who = [f"a{self.count + i}" for i in range(n)]
            self.count += n
        for account in who:
            minutes = int(self.rng.integers(0, 600)) if minute is None else minute
            offset = pd.Timedelta(minutes=minutes)
            self.rows.append((account, START + pd.Timedelta(days=day) + offset, action))
            self.verdicts.setdefault(account, verdict)
        return who

    def organic_background(self, per_day: int = 30, false_alarms: float = 0.03) -> None:
        for day in range(DAYS):
            n = int(self.rng.poisson(per_day))
            flagged = int(self.rng.binomial(n, false_alarms))
            self.follow(day, n - flagged, "human")
            self.follow(day, flagged, "bot")

    def events(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["account_id", "ts", "action"])

    def flows(self) -> pd.DataFrame:
        return daily_flows(self.events(), pd.Series(self.verdicts), TIMEZONE)


def day(offset: int) -> date:
    return (START + pd.Timedelta(days=offset)).tz_convert(TIMEZONE).date()


def test_daily_flows_count_follows_and_unfollows_by_verdict():
    world = World()
    gone = world.follow(0, 3, "bot")
    world.follow(0, 2, "human")
    world.follow(2, 0, "bot", action="unfollow", who=gone[:2])
    flows = world.flows()
    assert list(flows.index) == [day(0), day(1), day(2)]
    assert flows.loc[day(0)].tolist() == [5, 3, 0, 0]
    assert flows.loc[day(1)].tolist() == [0, 0, 0, 0]
    assert flows.loc[day(2)].tolist() == [0, 0, 2, 2]


def test_organic_background_has_no_pattern():
    world = World(1)
    world.organic_background()
    assert delivery_patterns(world.flows()) == ()


def test_a_spike_is_named_with_its_date_and_size():
    world = World(2)
    world.organic_background()
    world.follow(20, 400, "bot")
    patterns = delivery_patterns(world.flows())
    assert [(p.kind, p.first_day, p.last_day) for p in patterns] == [("spike", day(20), day(20))]
    assert 400 <= patterns[0].flagged <= 420 and patterns[0].share > 0.9


def test_a_stepped_escalation_is_named_with_its_steps():
    world = World(3)
    world.organic_background()
    # five days per step
    for offset, size in zip((12, 17, 22, 27), (50, 80, 120, 200), strict=True):
        for d in range(offset, offset + 5):
            world.follow(d, size, "bot")
    patterns = delivery_patterns(world.flows())
    assert [(p.kind, p.first_day, p.last_day) for p in patterns] == [("steps", day(12), day(31))]
    steps = patterns[0].steps
    assert len(steps) == 4
    assert all(abs(s - e) <= 5 for s, e in zip(steps, (51, 81, 121, 201), strict=True))


def test_one_day_steps_like_the_simulated_seller_are_steps():
    world = World(4)
    world.organic_background()
    for offset, size in zip((15, 16, 18, 19), (50, 80, 120, 200), strict=False):
        world.follow(offset, size, "bot")
    [pattern] = delivery_patterns(world.flows())
    assert pattern.kind == "steps" and len(pattern.steps) == 4
    assert (pattern.first_day, pattern.last_day) == (day(15), day(19))


def test_a_drip_with_top_ups_is_named_with_its_cycles():
    world = World(5)
    world.organic_background(per_day=10, false_alarms=0.0)
    dripped: list[str] = []
    for d in range(10, DAYS):
        dripped += world.follow(d, 6, "bot")
    for left_day in (16, 23, 30):  # 25 flagged followers leave, the seller tops up the next day
        world.follow(left_day, 0, "bot", action="unfollow", who=dripped[:25])
        dripped = dripped[25:]
        world.follow(left_day + 1, 25, "bot")
    [pattern] = delivery_patterns(world.flows())
    assert pattern.kind == "drip"
    assert [c.day for c in pattern.cycles] == [day(16), day(23), day(30)]
    assert all(c.left == 25 and c.refilled >= 20 for c in pattern.cycles)
    assert pattern.first_day == day(10) and 5 <= pattern.low <= 6 <= pattern.high


def test_a_level_shift_is_a_sustained_delivery():
    world = World(6)
    world.organic_background()
    for d in range(25, DAYS):
        world.follow(d, int(world.rng.integers(20, 40)), "bot")
    [pattern] = delivery_patterns(world.flows())
    assert pattern.kind == "sustained" and pattern.first_day == day(25)
    assert 20 <= pattern.low <= pattern.high <= 42 and pattern.baseline < 3


def test_an_organic_viral_burst_is_organic_not_a_delivery():
    """2,000 real people in one evening after a viral clip, of whom the model wrongly flags
    3% (60 flagged: a big jump in flagged new followers, but not in their share)."""
    world = World(7)
    world.organic_background()
    viral = world.follow(20, 1940, "human") + world.follow(20, 60, "bot")
    assert delivery_patterns(world.flows()) == ()
    events = world.events()
    follows = events[events["action"] == "follow"][["account_id", "ts"]]
    verdicts = pd.Series(world.verdicts)
    scored = pd.DataFrame({"account_id": verdicts.index, "verdict": verdicts.to_numpy()})
    rng = np.random.default_rng(0)
    features = pd.DataFrame(
        {
            "account_age_days": rng.uniform(30, 3000, len(verdicts)),
            "ip_same_week_peers": 0,
            "follow_lockstep_peers": 0,
            "device_shared_accounts": 0,
        },
        index=verdicts.index,
    )
    features.loc[viral, "follow_lockstep_peers"] = 40  # they all followed in the same minutes
    growth = follower_growth(follows, scored, features)
    assert [(b.first_day, b.judgement) for b in growth.bursts] == [(day(20), "organic")]


def facts(growth: Growth, patterns, followers: int, bots: int) -> AuditFacts:
    quality = Quality(
        followers,
        1 - bots / followers,
        (0.0, 1.0),
        {"human": followers - bots, "uncertain": 0, "bot": bots},
        {},
    )
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


@pytest.mark.parametrize("verdict", ["human", "bot"])  # the model blind, or not
def test_three_thousand_followers_in_one_minute_from_one_device_are_a_bought_burst(verdict):
    ids = [f"x{i}" for i in range(3000)]
    ts = pd.Timestamp("2025-11-03 13:00:00", tz="UTC") + pd.to_timedelta(
        np.random.default_rng(0).uniform(0, 59, 3000), unit="s"
    )
    follows = pd.DataFrame({"account_id": ids, "ts": ts})
    scored = pd.DataFrame({"account_id": ids, "verdict": verdict})
    features = pd.DataFrame(
        {
            "account_age_days": 400.0,
            "ip_same_week_peers": 0,
            "follow_lockstep_peers": 0,
            "device_shared_accounts": 2999,
        },
        index=ids,
    )
    growth = follower_growth(follows, scored, features)
    [burst] = growth.bursts
    assert burst.judgement == "bought" and burst.followers == 3000 and burst.peak_window == 3000
    sentence = verdict_sentence(facts(growth, (), 3000, 3000 if verdict == "bot" else 0), "en")
    assert "spread out" not in sentence and "steady" not in sentence
    assert (
        "One burst on 3 November looks bought: 3,000 new followers, up to 3,000 of them "
        "within ten minutes." in sentence
    )
    zh = verdict_sentence(facts(growth, (), 3000, 0), "zh")
    assert "11月3日" in zh and "3,000" in zh and "购买" in zh
