"""Delivery patterns: how bought followers were delivered to a streamer, read from the
daily count of *flagged* new followers (bot or uncertain verdicts), their share of each
day's new followers, and the flagged followers who left again.

The fake-follower trade delivers in a few recognisable ways, and this module names them:

* **spike** - one delivery of a few days at most, far above the days around it;
* **steps** - deliveries rising step by step (500, 800, 1,200, 2,000 a day) to stay under
  per-day alert thresholds;
* **drip** - a steady trickle over weeks, topped up after flagged followers leave again
  (unfollow-and-refill cycles);
* **sustained** - flagged followers arriving at a new, higher level from one day on.

**Method.** The daily flagged counts are variance-stabilised (Anscombe: 2 sqrt(x + 3/8)
turns Poisson counts into values of unit variance) and cut into segments of constant level
by PELT change-point detection (`ruptures`, least-squares cost) with a BIC-like penalty
(`PENALTY` x noise variance x log(days)); the noise is measured robustly from the
day-to-day differences, so an overdispersed series needs larger changes. The lowest
segment of at least `BASELINE_MIN_DAYS` days is the baseline. A segment is *elevated*
when its level exceeds the baseline by `MIN_EXCESS` flagged followers a day (and three
Poisson standard deviations of the baseline) **and** its flagged share of new followers
is at least `MIN_SHARE` and twice the baseline's share. The share test is what keeps an
organic burst (a viral clip brings many real people and, through the model's false
alarms, a few flagged ones) from being called a delivery. Elevated segments no more than
`MERGE_GAP_DAYS` apart form one *episode*, which is named by its shape: rising levels
(each at least `STEP_RATIO` times the last) in two or more segments are steps; otherwise
an episode of at most `SPIKE_MAX_DAYS` days is a spike; a longer one with at least
`MIN_CYCLES` unfollow-and-refill cycles, or whose flagged followers keep leaving and being
replaced (flagged unfollows during the episode at least `DRIP_CHURN` of its flagged new
followers, and at least 2 x `CYCLE_MIN_LEFT`), is a drip; the rest is sustained.

An **unfollow-and-refill cycle** is a day on which at least `CYCLE_MIN_LEFT` flagged
followers unfollowed, followed within `REFILL_DAYS` days by flagged new followers beyond
the episode's usual daily level amounting to at least `REFILL_SHARE` of those who left.

Everything here is counts per day: no account, address or device leaves this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
import ruptures

PatternKind = Literal["spike", "steps", "drip", "sustained"]
PENALTY = 1.5
BASELINE_MIN_DAYS = 3
MIN_FLAGGED_TOTAL = 10  # fewer flagged new followers in all make no pattern
MIN_EXCESS = 3.0  # flagged followers a day above the baseline
MIN_SHARE = 0.2  # flagged share of a day's new followers an elevated segment needs
MERGE_GAP_DAYS = 3
STEP_RATIO = 1.3
SPIKE_MAX_DAYS = 3
MIN_CYCLES = 2
CYCLE_MIN_LEFT = 5
REFILL_DAYS = 3
REFILL_SHARE = 0.5
DRIP_CHURN = 0.2  # or: flagged unfollows in the episode at least this share of its deliveries
COLUMNS = ("new", "flagged", "left", "flagged_left")


@dataclass(frozen=True)
class Cycle:
    """Flagged followers left on `day` and were topped up within a few days."""

    day: date
    left: int
    refilled: int


@dataclass(frozen=True)
class Pattern:
    kind: PatternKind
    first_day: date
    last_day: date
    flagged: int  # flagged new followers in the episode
    new: int  # all new followers in the episode
    low: int  # flagged new followers a day: 10th percentile over the episode's days ...
    high: int  # ... and 90th percentile
    baseline: float  # flagged new followers a day before (the baseline level)
    steps: tuple[int, ...] = ()  # steps: each step's flagged followers a day
    cycles: tuple[Cycle, ...] = ()
    left: int = 0  # flagged followers who unfollowed during the episode (and REFILL_DAYS after)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def share(self) -> float:
        return self.flagged / self.new if self.new else math.nan


def daily_flows(events: pd.DataFrame, verdicts: pd.Series, timezone: str) -> pd.DataFrame:
    """Per calendar day (every day from the first to the last event): new followers, flagged
    new followers, unfollows and flagged unfollows. `events` has account_id, ts and action
    ('follow' or 'unfollow') of the streamer's timed follow actions; `verdicts` (by
    account_id) must cover every account in `events`."""
    if events.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in COLUMNS})
    day = events["ts"].dt.tz_convert(timezone).dt.date.to_numpy()
    flagged = (
        verdicts.reindex(events["account_id"].astype(str)).isin(("bot", "uncertain")).to_numpy()
    )
    follow = (events["action"] == "follow").to_numpy()
    frame = pd.DataFrame(
        {
            "day": day,
            "new": follow,
            "flagged": follow & flagged,
            "left": ~follow,
            "flagged_left": ~follow & flagged,
        }
    )
    table = frame.groupby("day").sum().astype("int64")
    calendar = pd.date_range(min(day), max(day), freq="D").date
    return table.reindex(calendar, fill_value=0).rename_axis("day").loc[:, list(COLUMNS)]


def _segments(flagged: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) segments of constant level (see the module docstring)."""
    n = len(flagged)
    if n < 2:
        return [(0, n)]
    signal = 2.0 * np.sqrt(flagged + 0.375)
    diffs = np.diff(signal)
    sigma = max(1.0, float(np.median(np.abs(diffs - np.median(diffs)))) / 0.6745 / math.sqrt(2))
    ends = (
        ruptures.Pelt(model="l2", min_size=1, jump=1)
        .fit(signal.reshape(-1, 1))
        .predict(pen=PENALTY * sigma**2 * math.log(n))
    )
    starts = [0] + ends[:-1]
    return list(zip(starts, ends, strict=False))


def refill_cycles(flows: pd.DataFrame, usual: float) -> tuple[Cycle, ...]:
    """Unfollow-and-refill cycles in `flows` (see the module docstring)."""
    cycles = []
    flagged, left = flows["flagged"].to_numpy(), flows["flagged_left"].to_numpy()
    for i in np.flatnonzero(left >= CYCLE_MIN_LEFT):
        after = flagged[i + 1 : i + 1 + REFILL_DAYS]
        refilled = int(round(max(0.0, float(after.sum()) - usual * len(after))))
        if len(after) and refilled >= REFILL_SHARE * left[i]:
            cycles.append(Cycle(flows.index[i], int(left[i]), refilled))
    return tuple(cycles)


def _rising(levels: list[float]) -> bool:
    pairs = zip(levels, levels[1:], strict=False)
    return len(levels) >= 2 and all(b >= STEP_RATIO * a for a, b in pairs)


def delivery_patterns(flows: pd.DataFrame) -> tuple[Pattern, ...]:
    """The delivery patterns in a streamer's daily flows (from `daily_flows`)."""
    flagged, new = flows["flagged"].to_numpy(float), flows["new"].to_numpy(float)
    if flagged.sum() < MIN_FLAGGED_TOTAL:
        return ()
    segments = _segments(flagged)
    level = [flagged[a:b].mean() for a, b in segments]
    share = [flagged[a:b].sum() / max(new[a:b].sum(), 1.0) for a, b in segments]
    long_enough = [i for i, (a, b) in enumerate(segments) if b - a >= BASELINE_MIN_DAYS]
    base = min(long_enough or range(len(segments)), key=lambda i: level[i])
    baseline, baseline_share = level[base], share[base]
    elevated = [
        i
        for i in range(len(segments))
        if level[i] >= baseline + max(MIN_EXCESS, 3 * math.sqrt(baseline))
        and share[i] >= max(MIN_SHARE, 2 * baseline_share)
    ]
    episodes: list[list[int]] = []
    for i in elevated:
        if episodes and segments[i][0] - segments[episodes[-1][-1]][1] <= MERGE_GAP_DAYS:
            episodes[-1].append(i)
        else:
            episodes.append([i])
    found = []
    for members in episodes:
        first, last = segments[members[0]][0], segments[members[-1]][1]
        days = np.arange(first, last)
        in_episode = np.zeros(len(flagged), dtype=bool)
        for i in members:
            in_episode[segments[i][0] : segments[i][1]] = True
        counts = flagged[in_episode]
        usual = float(np.median(counts))
        window = flows.iloc[first : min(last + REFILL_DAYS, len(flows))]
        cycles = refill_cycles(window, usual)
        left = int(window["flagged_left"].sum())
        churning = left >= 2 * CYCLE_MIN_LEFT and left >= DRIP_CHURN * flagged[first:last].sum()
        levels = [level[i] for i in members]
        if _rising(levels):
            kind: PatternKind = "steps"
        elif len(days) <= SPIKE_MAX_DAYS:
            kind = "spike"
        elif len(cycles) >= MIN_CYCLES or churning:
            kind = "drip"
        else:
            kind = "sustained"
        found.append(
            Pattern(
                kind,
                flows.index[first],
                flows.index[last - 1],
                int(flagged[first:last].sum()),
                int(new[first:last].sum()),
                int(np.floor(np.percentile(counts, 10))),
                int(np.ceil(np.percentile(counts, 90))),
                float(baseline),
                tuple(int(round(v)) for v in levels) if kind == "steps" else (),
                cycles,
                left,
            )
        )
    return tuple(found)
