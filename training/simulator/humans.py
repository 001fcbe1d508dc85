"""Real people, including the confounders that make single rules fail.

casual viewers; superfans who post the same stock phrases over and over; users behind
carrier-grade NAT or office networks and students on campus Wi-Fi, hundreds sharing one
public address; night-shift workers; the followers a streamer gains in hours when a clip
goes viral; and buyers who refund now and then.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import network, text
from .chunk import Chunk, partition, spread_in
from .config import HUMAN_ARCHETYPES
from .platform import (DAY, EVENING_HOURS, HOUR, NIGHT_SHIFT_HOURS, PLATFORM_HOURS,
                       times_by_hour)

FAVOURITES = 4


@dataclass(frozen=True)
class Habits:
    """How an archetype uses the platform."""

    visits: float  # live rooms visited per month (mean)
    loyalty: float  # share of visits to the first favourite
    watch_minutes: float  # median visit length
    likes_per_hour: float
    comments_per_visit: float
    stock_share: float  # share of comments that are stock phrases
    gift_probability: float  # per visit
    mobile_share: float  # share of logins from the mobile network
    extra_logins: float  # logins per month besides those before visits
    orders: float  # orders per month (mean)


HABITS: dict[str, Habits] = {
    "casual": Habits(8, 0.25, 12, 6, 0.3, 0.3, 0.02, 0.5, 6, 0.15),
    "superfan": Habits(35, 0.8, 45, 10, 4.0, 0.95, 0.08, 0.5, 15, 0.3),
    "nat_user": Habits(10, 0.3, 12, 8, 0.4, 0.3, 0.02, 0.15, 8, 0.15),
    "campus_user": Habits(12, 0.3, 15, 12, 0.8, 0.5, 0.01, 0.2, 10, 0.2),
    "night_shift": Habits(10, 0.4, 15, 8, 0.4, 0.3, 0.02, 0.5, 8, 0.15),
    "viral_follower": Habits(5, 0.5, 10, 8, 0.3, 0.3, 0.01, 0.5, 5, 0.1),
    "buyer": Habits(12, 0.3, 10, 5, 0.5, 0.2, 0.02, 0.5, 8, 5.0),
}
BUYER_REFUNDS = (0.05, 0.15)
OTHER_REFUND = 0.08
AFTER_WORK_SHARE = 0.3  # people who only use the app in the evening
MOBILE_ONLY_SHARE = 0.35  # people without home broadband: one phone, one address
SHARED_ADDRESS_GROUP = {"nat_user": (150, 400), "campus_user": (200, 500)}


def _per_account(archetype: np.ndarray, attribute: str) -> np.ndarray:
    values = np.array([getattr(HABITS[a], attribute) for a in HUMAN_ARCHETYPES])
    return values[archetype]


def populate_humans(chunk: Chunk, members: dict[str, np.ndarray]) -> None:
    """Profiles and a month of activity for every human of the chunk."""
    account = np.concatenate([members[a] for a in HUMAN_ARCHETYPES])
    archetype = np.repeat(np.arange(len(HUMAN_ARCHETYPES)),
                          [len(members[a]) for a in HUMAN_ARCHETYPES])
    night = archetype == HUMAN_ARCHETYPES.index("night_shift")
    after_work = ~night & (chunk.rng.random(len(account)) < AFTER_WORK_SHARE)
    _identities(chunk, account, members)
    favourites = _favourites(chunk, account, night, after_work, members["viral_follower"])
    _follows(chunk, account, archetype, favourites)
    row, session, join, seconds = _visits(chunk, account, archetype, favourites)
    _comments(chunk, account, archetype, row, session, join, seconds)
    _orders(chunk, account, archetype, row, session, join, seconds)
    _logins(chunk, account, archetype, night, after_work)


def _logins(chunk: Chunk, account: np.ndarray, archetype: np.ndarray, night: np.ndarray,
            after_work: np.ndarray) -> None:
    """Logins besides those before visits, at the hours the person is awake and free."""
    rng, platform = chunk.rng, chunk.platform
    count = rng.poisson(_per_account(archetype, "extra_logins") * platform.days / 30)
    row = np.repeat(np.arange(len(account)), count)
    ts = times_by_hour(rng, len(row), PLATFORM_HOURS, platform.start, platform.days)
    for mask, hours in ((night, NIGHT_SHIFT_HOURS), (after_work, EVENING_HOURS)):
        mine = mask[row]
        ts[mine] = times_by_hour(rng, int(mine.sum()), hours, platform.start, platform.days)
    chunk.login(account[row], ts, _per_account(archetype, "mobile_share")[row])


def _identities(chunk: Chunk, account: np.ndarray, members: dict[str, np.ndarray]) -> None:
    rng, n, start = chunk.rng, len(account), chunk.platform.start
    new = rng.random(n) < 0.08
    age_days = np.where(new, rng.uniform(1, 30, n), rng.uniform(30, 2600, n))
    chunk.created_at[account] = start - (age_days * DAY).astype(np.int64)
    chunk.humanlike[account] = 1.0
    chunk.home_ip[account] = network.home_or_mobile_ip(rng, n)
    chunk.mobile_ip[account] = network.home_or_mobile_ip(rng, n, ipv6_share=0.3)
    cgnat = rng.random(n) < 0.3
    chunk.mobile_ip[account[cgnat]] = network.random_ipv4(rng, int(cgnat.sum()),
                                                          network.MOBILE_NAT_V4)
    mobile_only = rng.random(n) < MOBILE_ONLY_SHARE
    chunk.home_ip[account[mobile_only]] = chunk.mobile_ip[account[mobile_only]]
    chunk.device[account] = chunk.new_devices(n)
    chunk.ua[account] = network.phone_user_agents(rng, n)
    for archetype, (low, high) in SHARED_ADDRESS_GROUP.items():
        ranges = network.CAMPUS_V4 if archetype == "campus_user" else network.CARRIER_V4
        for group in partition(rng, rng.permutation(members[archetype]), low, high):
            chunk.home_ip[group] = network.random_ipv4(rng, 1, ranges)[0]


def _favourites(chunk: Chunk, account: np.ndarray, night: np.ndarray, after_work: np.ndarray,
                viral: np.ndarray) -> np.ndarray:
    """(humans, FAVOURITES) streamers; viral followers' first favourite is the viral one."""
    platform, rng = chunk.platform, chunk.rng
    favourites = platform.favourites(rng, len(account), FAVOURITES, night, after_work)
    is_viral = np.isin(account, viral)
    clip = rng.integers(0, len(platform.viral_streamer), int(is_viral.sum()))
    favourites[is_viral, 0] = platform.viral_streamer[clip]
    follow_ts = platform.viral_ts[clip] + (rng.gamma(1.5, 1.2, len(clip)) * HOUR).astype(np.int64)
    chunk.follow(account[is_viral], favourites[is_viral, 0],
                 np.minimum(follow_ts, platform.end - 1))
    return favourites


def _follows(chunk: Chunk, account: np.ndarray, archetype: np.ndarray,
             favourites: np.ndarray) -> None:
    """Follows of favourites, mostly from before the month; a few unfollows later."""
    rng, platform = chunk.rng, chunk.platform
    follows = rng.random(favourites.shape) < 0.5
    follows[:, 0] |= archetype == HUMAN_ARCHETYPES.index("superfan")
    follows[archetype == HUMAN_ARCHETYPES.index("viral_follower"), 0] = False  # followed above
    row, col = np.nonzero(follows)
    who, whom = account[row], favourites[row, col]
    earliest = np.maximum(chunk.created_at[who], platform.start - 730 * DAY)
    before = earliest + (rng.random(len(who)) * (platform.start - earliest)).astype(np.int64)
    during = platform.start + rng.integers(0, platform.days * DAY, len(who))
    ts = np.where(rng.random(len(who)) < 0.25, during, before)
    chunk.follow(who, whom, ts)
    unfollow_ts = ts + (rng.exponential(10, len(who)) * DAY).astype(np.int64)
    leaves = (rng.random(len(who)) < 0.05) & (unfollow_ts > platform.start) & (
        unfollow_ts < platform.end)
    chunk.follow(who[leaves], whom[leaves], unfollow_ts[leaves], unfollow=True)


def _visits(chunk: Chunk, account: np.ndarray, archetype: np.ndarray, favourites: np.ndarray):
    """Visits to live rooms while they are live (views, likes, gifts, shares, a login
    before most); returns per visit the human's row, the session, join time and length."""
    rng, sessions = chunk.rng, chunk.platform.sessions
    appetite = _per_account(archetype, "visits") * rng.lognormal(-0.18, 0.6, len(account))
    row = np.repeat(np.arange(len(account)), rng.poisson(appetite * chunk.platform.days / 30))
    loyal = rng.random(len(row)) < _per_account(archetype, "loyalty")[row]
    col = np.where(loyal, 0, rng.integers(0, FAVOURITES, len(row)))
    session = sessions.pick(rng, favourites[row, col])
    length = sessions.end[session] - sessions.start[session]
    join = sessions.start[session] + (rng.random(len(row)) * 0.85 * length).astype(np.int64)
    patience = _per_account(archetype, "watch_minutes") * rng.lognormal(0, 0.7, len(account))
    minutes = patience[row] * rng.lognormal(0, 1.0, len(row))
    seconds = np.clip((minutes * 60).astype(np.int64), 5, sessions.end[session] - join)
    who = account[row]
    chunk.watch(who, session, join, seconds, _per_account(archetype, "likes_per_hour")[row],
                gift_probability=_per_account(archetype, "gift_probability")[row],
                share_probability=0.04)
    logs_in = rng.random(len(row)) < 0.6
    chunk.login(who[logs_in], join[logs_in] - rng.integers(0, 600, int(logs_in.sum())),
                _per_account(archetype, "mobile_share")[row][logs_in])
    return row, session, join, seconds


def _comments(chunk: Chunk, account, archetype, row, session, join, seconds) -> None:
    """Live chat during visits. Superfans mostly repeat their own pet stock phrase."""
    rng = chunk.rng
    visit, ts = spread_in(rng, rng.poisson(_per_account(archetype, "comments_per_visit")[row]),
                          join, seconds)
    writer = row[visit]
    codes = text.human_chat(rng, len(visit), 0.0)
    stock = rng.random(len(visit)) < _per_account(archetype, "stock_share")[writer]
    pet_phrase = text.stock_phrases(rng, len(account))[writer]
    superfan = archetype[writer] == HUMAN_ARCHETYPES.index("superfan")
    codes[stock] = text.stock_phrases(rng, int(stock.sum()))
    pet = stock & superfan & (rng.random(len(visit)) < 0.6)
    codes[pet] = pet_phrase[pet]
    chunk.comment(account[writer], chunk.platform.sessions.streamer[session[visit]], ts, codes)


def _orders(chunk: Chunk, account, archetype, row, session, join, seconds) -> None:
    """Orders placed during visits; buyers refund 5-15% of theirs, others about 8%."""
    rng = chunk.rng
    visits = np.bincount(row, minlength=len(account))
    first_visit = np.concatenate([[0], np.cumsum(visits)[:-1]])
    wanted = rng.poisson(_per_account(archetype, "orders") * chunk.platform.days / 30)
    buyer_row = np.repeat(np.arange(len(account)), np.where(visits > 0, wanted, 0))
    visit = first_visit[buyer_row] + (rng.random(len(buyer_row)) * visits[buyer_row]).astype(
        np.int64)
    ts = join[visit] + (rng.random(len(visit)) * seconds[visit]).astype(np.int64)
    price = np.floor(rng.lognormal(np.log(59), 0.8, len(visit))) + 0.9
    is_buyer = archetype == HUMAN_ARCHETYPES.index("buyer")
    refund_rate = np.where(is_buyer, rng.uniform(*BUYER_REFUNDS, len(account)), OTHER_REFUND)
    delay = (np.clip(rng.lognormal(np.log(3), 0.6, len(visit)), 0.5, 20) * DAY).astype(np.int64)
    chunk.order(account[buyer_row], chunk.platform.sessions.streamer[session[visit]], ts, price,
                refund_rate[buyer_row], delay)
