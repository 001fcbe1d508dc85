"""The platform every chunk of accounts lives on: streamers, their live sessions (some with
a lucky bag), the hour-of-day rhythm in the audience's time zone (China time, UTC+8, in the
fixed world), the clips that go viral, and the world's parameters and comment vocabulary.

All times are int64 epoch seconds in UTC; hours of day are the audience's local hours.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import network, text
from .config import SimulationConfig
from .world import World

DAY = 86_400
HOUR = 3_600
CST_OFFSET = 8 * HOUR

# Relative activity per China-time hour: low 02-07, peak 19-23.
PLATFORM_HOURS = np.array(
    [
        3.0,
        1.8,
        1.0,
        0.6,
        0.4,
        0.4,
        0.6,
        1.2,
        2.0,
        2.5,
        3.0,
        3.5,
        4.2,
        3.6,
        3.0,
        3.0,
        3.3,
        3.8,
        4.8,
        7.0,
        8.5,
        8.5,
        7.5,
        5.0,
    ]
)
NIGHT_SHIFT_HOURS = np.array(
    [
        6.0,
        6.5,
        6.5,
        6.0,
        5.5,
        5.0,
        4.5,
        4.0,
        2.5,
        1.0,
        0.4,
        0.3,
        0.3,
        0.3,
        0.4,
        0.6,
        1.0,
        1.2,
        1.4,
        1.5,
        1.8,
        2.5,
        3.5,
        5.0,
    ]
)
UNIFORM_HOURS = np.ones(24)

# Live slots: (name, share of streamers, audience factor, earliest and latest start in
# CST hours). Evening rooms draw the biggest audiences.
SLOTS = (
    ("evening", 0.62, 2.0, 19.0, 21.0),
    ("lunch", 0.13, 1.0, 11.5, 12.5),
    ("afternoon", 0.10, 0.8, 14.0, 16.0),
    ("late_night", 0.10, 0.6, 23.5, 25.0),
    ("morning", 0.05, 0.5, 6.5, 8.5),
)
EVENING_SLOT = 0
# Lucky bags (福袋): a share of sessions raffle a prize; viewers enter by posting the bag's
# password comment, and for some bags by following the streamer.
FOLLOW_TO_ENTER_SHARE = 0.2


def local_hours(profile: np.ndarray, world: World) -> np.ndarray:
    """An hour-of-day shape as a world has it: peaks moved by `hour_shift` hours, sharpened
    or flattened by `rhythm_contrast`."""
    return np.roll(np.asarray(profile, float), world.hour_shift) ** world.rhythm_contrast


def times_by_hour(
    rng: np.random.Generator,
    n: int,
    hours: np.ndarray,
    start: int,
    days: int,
    offset: int = CST_OFFSET,
) -> np.ndarray:
    """n instants on uniformly chosen days, with the local hour of day (UTC + `offset`
    seconds) drawn from `hours`."""
    day = rng.integers(0, days, n)
    hour = rng.choice(24, n, p=hours / hours.sum())
    ts = start + day * DAY + hour * HOUR - offset + rng.integers(0, HOUR, n)
    return np.clip(ts, start, start + days * DAY - 1)


@dataclass(frozen=True)
class Sessions:
    """Live sessions, ordered by streamer; a streamer's run is first[s]:first[s]+count[s];
    on_day[s, d] is streamer s's session on day d of the month, or -1. A session with a
    lucky bag has its draw at bag_ts (else -1), its password code and whether entering
    needs a follow."""

    streamer: np.ndarray
    day: np.ndarray
    start: np.ndarray
    end: np.ndarray
    first: np.ndarray
    count: np.ndarray
    on_day: np.ndarray
    bag_ts: np.ndarray
    bag_password: np.ndarray
    bag_needs_follow: np.ndarray

    def pick(self, rng: np.random.Generator, streamer: np.ndarray) -> np.ndarray:
        """A uniformly random session of each given streamer."""
        return self.first[streamer] + (rng.random(len(streamer)) * self.count[streamer]).astype(
            np.int64
        )


@dataclass(frozen=True)
class Platform:
    start: int
    days: int
    popularity: np.ndarray  # share of attention per streamer, sums to 1
    slot: np.ndarray  # index into SLOTS per streamer
    sessions: Sessions
    evening_sessions: np.ndarray  # indices of sessions in the evening slot
    viral_streamer: np.ndarray  # one per viral clip
    viral_ts: np.ndarray
    world: World
    offset: int  # seconds from UTC to the audience's local time
    hours: np.ndarray  # relative activity per local hour on the platform
    vocabulary: text.Vocabulary
    mobile_nat: tuple[tuple[str, int], ...]  # carrier-NAT pools of mobile subscribers

    @property
    def end(self) -> int:
        return self.start + self.days * DAY

    @property
    def n_streamers(self) -> int:
        return len(self.popularity)

    def favourites(
        self,
        rng: np.random.Generator,
        n: int,
        k: int,
        slot_preference: np.ndarray | Sequence[float] | None = None,
    ) -> np.ndarray:
        """(n, k) streamers each viewer follows, by popularity weighted by the viewer's
        preference for each live slot (one preference vector for all n)."""
        p = self.popularity
        if slot_preference is not None:
            p = p * np.asarray(slot_preference)[self.slot]
        return rng.choice(self.n_streamers, (n, k), p=p / p.sum())

    def small_streamers(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Streamers who buy fans: mostly the less popular ones."""
        weights = 1.0 / np.sqrt(self.popularity)
        return rng.choice(self.n_streamers, n, p=weights / weights.sum())


def _popularity(rng: np.random.Generator, slot: np.ndarray) -> np.ndarray:
    audience = np.array([s[2] for s in SLOTS])[slot]
    weights = rng.lognormal(0.0, 1.2, len(slot)) * audience
    return weights / weights.sum()


def _sessions(
    rng: np.random.Generator, slot: np.ndarray, start: int, days: int, world: World
) -> Sessions:
    n = len(slot)
    lo = np.array([s[3] for s in SLOTS])[slot] + world.hour_shift
    hi = np.array([s[4] for s in SLOTS])[slot] + world.hour_shift
    slot_start = (lo + rng.random(n) * (hi - lo)) * HOUR
    live = rng.random((n, days)) < rng.uniform(0.5, 0.95, n)[:, None]
    live[:, days // 2] = True
    streamer, day = np.nonzero(live)
    begin = (
        start
        + day * DAY
        + slot_start[streamer].astype(np.int64)
        - world.utc_offset_hours * HOUR
        + rng.integers(-15 * 60, 15 * 60, len(day))
    )
    length = rng.uniform(2 * HOUR, 4 * HOUR, len(day)).astype(np.int64)
    inside = (begin >= start) & (begin + length < start + days * DAY)
    streamer, day, begin, length = streamer[inside], day[inside], begin[inside], length[inside]
    count = np.bincount(streamer, minlength=n)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    on_day = np.full((n, days), -1, np.int64)
    on_day[streamer, day] = np.arange(len(streamer))
    has_bag = rng.random(len(streamer)) < world.lucky_bag_share
    bag_ts = np.where(
        has_bag, begin + (rng.uniform(0.15, 0.8, len(begin)) * length).astype(np.int64), -1
    )
    password = rng.integers(0, text.N_PASSWORDS, len(begin))
    needs_follow = rng.random(len(begin)) < FOLLOW_TO_ENTER_SHARE
    return Sessions(
        streamer, day, begin, begin + length, first, count, on_day, bag_ts, password, needs_follow
    )


def build_platform(config: SimulationConfig, rng: np.random.Generator) -> Platform:
    world = config.world_parameters
    offset = world.utc_offset_hours * HOUR
    start = int(np.datetime64(config.start, "s").astype(np.int64))
    n = config.streamer_count
    shares = np.array(world.slot_shares)
    slot = rng.choice(len(SLOTS), n, p=shares / shares.sum())
    slot[: len(SLOTS)] = np.arange(len(SLOTS))  # every slot has a streamer
    popularity = _popularity(rng, slot)
    sessions = _sessions(rng, slot, start, config.days, world)
    evening = np.flatnonzero(slot[sessions.streamer] == EVENING_SLOT)
    n_viral = max(1, round(config.total_accounts / 40_000))
    by_rank = np.argsort(-popularity)
    viral_streamer = rng.choice(by_rank[n // 10 : n // 2 + 1], n_viral)
    viral_day = rng.integers(3, config.days - 5, n_viral)
    viral_ts = (
        start
        + viral_day * DAY
        + (rng.integers(12, 22, n_viral) + world.hour_shift) * HOUR
        - offset
        + rng.integers(0, HOUR, n_viral)
    )
    mobile_nat: tuple[tuple[str, int], ...] = network.MOBILE_NAT_V4
    if world.cgnat_pools:
        pools = network.random_ipv4(rng, world.cgnat_pools) & ~np.int64(0xFF)
        mobile_nat = tuple((str(ipaddress.IPv4Address(int(p))), 24) for p in pools)
    languages = (
        (world.language,)
        if world.second_language_share <= 0
        else (world.language, world.second_language)
    )
    return Platform(
        start,
        config.days,
        popularity,
        slot,
        sessions,
        evening,
        viral_streamer,
        viral_ts,
        world,
        offset,
        local_hours(PLATFORM_HOURS, world),
        text.vocabulary(languages),
        mobile_nat,
    )
