"""When people use the app: a daily rhythm (hours of the day) and a monthly pattern (which
days), drawn per person, so that no single timing rule separates people from scripts.

Rhythms are the hour-of-day shapes an analyst sees in real logs: office workers on their
lunch break and after work, students after class and late at night, retirees and parents
at home in the daytime, night-shift workers, and people who use the app at any hour. Day
patterns: most people are on the app on a share of days; some only at weekends; some
binge on a handful of days; some drop in now and then. Hours are the audience's local
time (China time, UTC+8, in the fixed world); a world moves and sharpens the shapes
(`platform.local_hours`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .platform import DAY, HOUR, NIGHT_SHIFT_HOURS, PLATFORM_HOURS, Platform, local_hours
from .world import World

_H = np.arange(24)


def _bumps(*peaks: tuple[float, float, float]) -> np.ndarray:
    """A sum of (centre hour, width in hours, height) bumps on the 24-hour circle, plus a floor."""
    weights = np.full(24, 0.15)
    for centre, width, height in peaks:
        distance = np.minimum(np.abs(_H - centre), 24 - np.abs(_H - centre))
        weights += height * np.exp(-0.5 * (distance / width) ** 2)
    return weights


# name: (relative activity per China-time hour, preference per live slot in the order of
# platform.SLOTS: evening, lunch, afternoon, late night, morning)
RHYTHMS: dict[str, tuple[np.ndarray, tuple[float, ...]]] = {
    "anytime": (PLATFORM_HOURS, (1.0, 1.0, 1.0, 1.0, 1.0)),
    "after_work": (
        _bumps((21, 1.8, 6.0), (8, 0.7, 1.0), (12.5, 0.7, 0.8)),
        (1.0, 0.1, 0.05, 0.6, 0.05),
    ),
    "lunch_break": (
        _bumps((12.3, 0.8, 5.0), (20.5, 1.5, 4.0), (8, 0.6, 1.5), (18, 0.6, 1.5)),
        (0.8, 1.0, 0.1, 0.2, 0.2),
    ),
    "student": (
        _bumps((17, 1.0, 2.5), (22.5, 1.6, 5.0), (12.5, 0.8, 1.5), (1, 1.0, 1.5)),
        (0.8, 0.3, 0.6, 1.0, 0.05),
    ),
    "daytime": (
        _bumps((9.5, 1.8, 4.0), (15, 2.0, 4.0), (20, 1.5, 2.5)),
        (0.5, 1.0, 1.0, 0.05, 1.0),
    ),
    "night": (NIGHT_SHIFT_HOURS, (0.05, 0.05, 0.05, 1.0, 0.6)),
}
RHYTHM_NAMES = tuple(RHYTHMS)
DAY_PATTERNS = ("regular", "weekend", "binge", "sporadic")
WEEKEND = (5, 6)  # Saturday, Sunday (Monday is 0)


@dataclass(frozen=True)
class Routine:
    """Per person: rhythm index into RHYTHM_NAMES and the days of the month they use the app."""

    rhythm: np.ndarray  # (n,) int
    active: np.ndarray  # (n, days) bool, at least one day each


@lru_cache(maxsize=64)
def rhythm_hours(world: World) -> tuple[np.ndarray, ...]:
    """Relative activity per local hour of each rhythm (RHYTHM_NAMES order) in a world."""
    return tuple(local_hours(RHYTHMS[name][0], world) for name in RHYTHM_NAMES)


def weekday(start: int, day: np.ndarray, offset: int) -> np.ndarray:
    """Weekday (Monday 0) of local day `day` of a month starting at epoch `start`."""
    first = (start + offset) // DAY
    return (first + np.asarray(day) + 3) % 7


def draw_routines(
    rng: np.random.Generator, platform: Platform, rhythm_mix: np.ndarray, pattern_mix: np.ndarray
) -> Routine:
    """Routines for people whose rhythm and day-pattern probabilities are given per person
    ((n, len(RHYTHM_NAMES)) and (n, len(DAY_PATTERNS)))."""
    start, days = platform.start, platform.days
    rhythm = _draw_rows(rng, rhythm_mix)
    pattern = _draw_rows(rng, pattern_mix)
    n = len(rhythm)
    u = rng.random((n, days))
    daily_share = rng.uniform(0.35, 0.95, n)[:, None]
    is_weekend = np.isin(weekday(start, np.arange(days), platform.offset), WEEKEND)[None, :]
    binge_days = rng.integers(2, 7, n)[:, None]
    rank = np.argsort(np.argsort(u, axis=1), axis=1)
    by_pattern = (
        u < daily_share,
        (is_weekend & (u < 0.85)) | (~is_weekend & (u < 0.08)),
        rank < binge_days,
        u < rng.uniform(0.05, 0.25, n)[:, None],
    )
    active = np.choose(pattern[:, None], by_pattern)
    none = ~active.any(axis=1)
    active[none, rng.integers(0, days, int(none.sum()))] = True
    return Routine(rhythm, active)


def _draw_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row of a (n, k) probability matrix."""
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    return np.minimum(
        (rng.random(len(probabilities))[:, None] > cumulative).sum(axis=1),
        probabilities.shape[1] - 1,
    )


def active_days(rng: np.random.Generator, routine: Routine, person: np.ndarray) -> np.ndarray:
    """A uniformly chosen active day of each given person (rows may repeat)."""
    active = routine.active[person]
    counts = active.sum(axis=1)
    nth = (rng.random(len(person)) * counts).astype(np.int64)
    return (np.cumsum(active, axis=1) > nth[:, None]).argmax(axis=1)


def times_in_rhythm(
    rng: np.random.Generator, routine: Routine, person: np.ndarray, platform: Platform
) -> np.ndarray:
    """An instant for each given person on one of their active days, at an hour of their rhythm."""
    start, days = platform.start, platform.days
    day = active_days(rng, routine, person)
    hour = np.zeros(len(person), np.int64)
    rhythm = routine.rhythm[person]
    for index, weights in enumerate(rhythm_hours(platform.world)):
        mine = rhythm == index
        hour[mine] = rng.choice(24, int(mine.sum()), p=weights / weights.sum())
    ts = start + day * DAY + hour * HOUR - platform.offset + rng.integers(0, HOUR, len(person))
    return np.clip(ts, start, start + days * DAY - 1)
