"""Real people, including the confounders that make single rules fail.

Casual viewers with the rhythms of office workers, students, retirees and night owls;
superfans who enter at the push notification of every show and post the same stock
phrase over and over; users behind carrier-grade NAT or office networks and students on
campus Wi-Fi, hundreds sharing one public address, roommates and colleagues watching
together; households sharing one tablet, people with alt accounts on one phone and
internet-café regulars on shared PCs; newcomers who sign up during the month and follow
the streamers the app suggests within minutes; people signed up at an offline promotion
who follow the merchant together from the venue's Wi-Fi; followers a streamer gains in
hours when a clip goes viral (some of them brand-new accounts); lucky-bag hunters who
post raffle passwords word for word and unfollow after the draw; and buyers, some of
whom return most of what they buy.

`populate_humans` builds the people of a chunk; `paid_people` gives accounts that people
run for a fake-engagement seller (click-farm crews, the human half of high-end fans) the
same kind of own life, so only what they are paid to do sets them apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import network
from .chunk import Chunk, partition, spread_in
from .config import HUMAN_ARCHETYPES
from .platform import DAY, HOUR, Sessions
from .rhythm import (
    DAY_PATTERNS,
    RHYTHM_NAMES,
    RHYTHMS,
    Routine,
    active_days,
    draw_routines,
    times_in_rhythm,
)

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
    notified: float  # share of visits joined at the show's start, from the push notification
    bag_entry: float  # chance of entering a lucky bag drawn while watching
    bag_unfollow: float  # chance of unfollowing a streamer followed only to enter its bag


HABITS: dict[str, Habits] = {
    "casual": Habits(8, 0.25, 12, 6, 0.3, 0.3, 0.02, 0.5, 6, 0.15, 0.1, 0.15, 0.15),
    "superfan": Habits(35, 0.8, 45, 10, 4.0, 0.95, 0.08, 0.5, 15, 0.3, 0.6, 0.5, 0.0),
    "nat_user": Habits(10, 0.3, 12, 8, 0.4, 0.3, 0.02, 0.15, 8, 0.15, 0.1, 0.15, 0.15),
    "campus_user": Habits(12, 0.3, 15, 12, 0.8, 0.5, 0.01, 0.2, 10, 0.2, 0.1, 0.3, 0.2),
    "night_shift": Habits(10, 0.4, 15, 8, 0.4, 0.3, 0.02, 0.5, 8, 0.15, 0.1, 0.15, 0.15),
    "viral_follower": Habits(5, 0.5, 10, 8, 0.3, 0.3, 0.01, 0.5, 5, 0.1, 0.1, 0.15, 0.15),
    "buyer": Habits(12, 0.3, 10, 5, 0.5, 0.2, 0.02, 0.5, 8, 5.0, 0.1, 0.2, 0.1),
    "shared_device": Habits(8, 0.3, 15, 6, 0.3, 0.3, 0.02, 0.3, 6, 0.2, 0.1, 0.15, 0.15),
    "newcomer": Habits(10, 0.2, 10, 8, 0.4, 0.4, 0.01, 0.5, 10, 0.1, 0.1, 0.3, 0.2),
    "promo_signup": Habits(3, 0.5, 8, 5, 0.2, 0.4, 0.01, 0.5, 3, 0.1, 0.05, 0.2, 0.3),
    "giveaway_hunter": Habits(15, 0.1, 6, 4, 0.2, 0.3, 0.0, 0.5, 10, 0.3, 0.1, 0.9, 0.6),
}
# Per archetype: weights of the rhythms (RHYTHM_NAMES: anytime, after_work, lunch_break,
# student, daytime, night) and of the day patterns (regular, weekend, binge, sporadic).
_EVERYONE = ((0.25, 0.25, 0.15, 0.10, 0.20, 0.05), (0.60, 0.15, 0.10, 0.15))
ROUTINES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "casual": _EVERYONE,
    "superfan": ((0.30, 0.35, 0.05, 0.10, 0.20, 0.0), (0.90, 0.0, 0.10, 0.0)),
    "nat_user": ((0.20, 0.30, 0.40, 0.0, 0.10, 0.0), (0.70, 0.10, 0.10, 0.10)),
    "campus_user": ((0.10, 0.0, 0.0, 0.90, 0.0, 0.0), (0.60, 0.10, 0.20, 0.10)),
    "night_shift": ((0.0, 0.0, 0.0, 0.0, 0.0, 1.0), (0.80, 0.10, 0.05, 0.05)),
    "viral_follower": _EVERYONE,
    "buyer": ((0.20, 0.25, 0.15, 0.05, 0.35, 0.0), _EVERYONE[1]),
    "shared_device": ((0.25, 0.30, 0.10, 0.10, 0.25, 0.0), _EVERYONE[1]),
    "newcomer": (_EVERYONE[0], (0.60, 0.10, 0.20, 0.10)),
    "promo_signup": ((0.20, 0.20, 0.10, 0.10, 0.40, 0.0), (0.30, 0.20, 0.10, 0.40)),
    "giveaway_hunter": ((0.30, 0.20, 0.10, 0.10, 0.25, 0.05), (0.80, 0.0, 0.20, 0.0)),
}
assert all(
    len(r) == len(RHYTHM_NAMES) and len(d) == len(DAY_PATTERNS) for r, d in ROUTINES.values()
)

BUYER_REFUNDS = (0.05, 0.15)
SERIAL_RETURNER_SHARE = 0.25  # buyers of clothes who order sizes to try on and return most
SERIAL_RETURNS = (0.35, 0.7)
OTHER_REFUND = 0.08
# People who watch and never type in live chat, per archetype (most viewers lurk; superfans
# and lucky-bag hunters, whose passwords are posted separately, do not).
LURKER_SHARE: dict[str, float] = {
    "casual": 0.6,
    "superfan": 0.0,
    "nat_user": 0.55,
    "campus_user": 0.4,
    "night_shift": 0.55,
    "viral_follower": 0.6,
    "buyer": 0.45,
    "shared_device": 0.6,
    "newcomer": 0.6,
    "promo_signup": 0.7,
    "giveaway_hunter": 0.3,
}
assert set(LURKER_SHARE) == set(HUMAN_ARCHETYPES)
SHOP_WINDOW_SHARE = 0.2  # orders placed from the shop window, not during a visit
# NAT, campus, household and café sizes, mobile-only, new-account and long-writer shares
# are the world's (world.World).
WATCH_PARTIES = {"campus_user": (4, 6, 0.35), "nat_user": (3, 6, 0.2)}  # size, shared visits
SHARED_DEVICE_KINDS = {"household": 0.45, "alt_accounts": 0.35, "cafe": 0.2}
CAFE_LOGIN_SHARE = 0.5
VIRAL_SIGNUP_SHARE = 0.3  # viral followers who registered to follow
TASK_FOLLOWS = 100  # accounts a paid-task doer has followed for earlier tasks (median)
PAID_LIVES = {
    "casual": 0.65,
    "buyer": 0.15,
    "night_shift": 0.05,
    "giveaway_hunter": 0.1,
    "superfan": 0.05,
}


@dataclass
class People:
    """The people of one call: local account, archetype index and routine per person, and
    for internet-café regulars the café's address and PCs (first PC code, PC count)."""

    account: np.ndarray
    archetype: np.ndarray
    language: np.ndarray  # 0: the world's main language, 1: its second one
    routine: Routine | None = None
    cafe_ip: np.ndarray = field(init=False)  # 0: not a café regular
    cafe_pcs: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.cafe_ip = np.zeros(len(self.account), np.int64)
        self.cafe_pcs = np.zeros((len(self.account), 2), np.int64)

    @property
    def drawn_routine(self) -> Routine:
        """The routines `_lives` draws first; everything after it reads them."""
        if self.routine is None:
            raise RuntimeError("people's routines are read before they were drawn")
        return self.routine

    def habit(self, attribute: str) -> np.ndarray:
        values = np.array([getattr(HABITS[a], attribute) for a in HUMAN_ARCHETYPES])
        return values[self.archetype]

    def members(self, archetype: str) -> np.ndarray:
        """Rows of the people of one archetype."""
        return np.flatnonzero(self.archetype == HUMAN_ARCHETYPES.index(archetype))


def populate_humans(chunk: Chunk, members: dict[str, np.ndarray]) -> None:
    """Profiles and a month of activity for every human of the chunk."""
    account = np.concatenate([members[a] for a in HUMAN_ARCHETYPES])
    people = People(
        account,
        np.repeat(np.arange(len(HUMAN_ARCHETYPES)), [len(members[a]) for a in HUMAN_ARCHETYPES]),
        languages(chunk, len(account)),
    )
    _own_phones(chunk, people.account)
    _shared_addresses(chunk, people)
    _shared_devices(chunk, people)
    _newcomers(chunk, people)
    _promotions(chunk, people)
    _lives(chunk, people)


def paid_people(chunk: Chunk, accounts: np.ndarray, cloned_share: float = 0.0) -> np.ndarray:
    """People's own accounts, established ones as task platforms require, that they also use
    for paid tasks: an ordinary identity and life, and a following list swollen by earlier
    tasks; `cloned_share` of them run two or three accounts on one phone (app cloning).
    Returns (len(accounts), days): on which days each person is on the app anyway."""
    rng = chunk.rng
    lives = np.array([HUMAN_ARCHETYPES.index(a) for a in PAID_LIVES])
    weights = np.array(list(PAID_LIVES.values()))
    people = People(
        accounts,
        rng.choice(lives, len(accounts), p=weights / weights.sum()),
        languages(chunk, len(accounts)),
    )
    _own_phones(chunk, accounts)
    age = rng.uniform(60, 2000, len(accounts)) * DAY
    chunk.created_at[accounts] = chunk.platform.start - age.astype(np.int64)
    cloned = rng.permutation(accounts)[: round(cloned_share * len(accounts))]
    for group in partition(rng, cloned, 2, 3):
        _share_identity(chunk, group)
    chunk.task_follows[accounts] = rng.lognormal(np.log(TASK_FOLLOWS), 0.8, len(accounts))
    _lives(chunk, people)
    return people.drawn_routine.active


def languages(chunk: Chunk, n: int) -> np.ndarray:
    """Which of the world's languages each of n people chats in (1: the second one)."""
    share = chunk.world.second_language_share
    if share <= 0:
        return np.zeros(n, np.int64)
    return (chunk.text_rng.random(n) < share).astype(np.int64)


# --- identities ---------------------------------------------------------------------------


def _own_phones(chunk: Chunk, account: np.ndarray) -> None:
    """An aged account, one phone, a home line (or only mobile) and a mobile address."""
    rng, n, start, world = chunk.rng, len(account), chunk.platform.start, chunk.world
    new = rng.random(n) < world.new_account_share
    age_days = np.where(new, rng.uniform(1, 30, n), rng.uniform(30, 2600, n))
    chunk.created_at[account] = start - (age_days * DAY).astype(np.int64)
    chunk.humanlike[account] = 1.0
    chunk.home_ip[account] = network.home_or_mobile_ip(rng, n, world.ipv6_share)
    chunk.mobile_ip[account] = network.home_or_mobile_ip(rng, n, min(1.0, 2 * world.ipv6_share))
    cgnat = rng.random(n) < world.cgnat_share
    chunk.mobile_ip[account[cgnat]] = network.random_ipv4(
        rng, int(cgnat.sum()), chunk.platform.mobile_nat
    )
    mobile_only = rng.random(n) < world.mobile_only_share
    chunk.home_ip[account[mobile_only]] = chunk.mobile_ip[account[mobile_only]]
    chunk.device[account] = chunk.new_devices(n)
    chunk.ua[account] = network.phone_user_agents(rng, n)


def _shared_addresses(chunk: Chunk, people: People) -> None:
    """Carrier-NAT and campus users: hundreds behind one public address."""
    rng = chunk.rng
    groups = {"nat_user": chunk.world.nat_group, "campus_user": chunk.world.campus_group}
    for archetype, (low, high) in groups.items():
        ranges = network.CAMPUS_V4 if archetype == "campus_user" else network.CARRIER_V4
        for group in partition(
            rng, rng.permutation(people.account[people.members(archetype)]), low, high
        ):
            chunk.home_ip[group] = network.random_ipv4(rng, 1, ranges)[0]


def _share_identity(chunk: Chunk, group: np.ndarray) -> None:
    """Every account of the group on its first member's device, client and addresses."""
    for attribute in ("device", "ua", "home_ip", "mobile_ip"):
        values = getattr(chunk, attribute)
        values[group] = values[group[0]]


def _shared_devices(chunk: Chunk, people: People) -> None:
    """Households on one tablet, a person's alt accounts on one phone, and internet-café
    regulars who also log in on the café's PCs. Some households got the app together and
    some people opened their main account with their alts, all in one week."""
    rng = chunk.rng
    rows = rng.permutation(people.members("shared_device"))
    kinds = rng.choice(list(SHARED_DEVICE_KINDS), len(rows), p=list(SHARED_DEVICE_KINDS.values()))
    for kind, together in (("household", 0.3), ("alt_accounts", 1.0)):
        for group in partition(
            rng, people.account[rows[kinds == kind]], *chunk.world.household_size
        ):
            _share_identity(chunk, group)
            if rng.random() < together:
                _register_in_one_week(chunk, group if rng.random() < 0.5 else group[1:])
    for group in partition(rng, rows[kinds == "cafe"], *chunk.world.cafe_group):
        pcs = int(rng.integers(3, 11))
        people.cafe_ip[group] = network.random_ipv4(rng, 1)[0]
        people.cafe_pcs[group] = (chunk.new_devices(pcs)[0], pcs)


def _register_in_one_week(chunk: Chunk, accounts: np.ndarray) -> None:
    """Accounts registered within four days of each other, 3 to 300 days before the month."""
    registered = chunk.platform.start - chunk.rng.uniform(3, 300) * DAY
    chunk.created_at[accounts] = (registered + chunk.rng.uniform(0, 4 * DAY, len(accounts))).astype(
        np.int64
    )


def _newcomers(chunk: Chunk, people: People) -> None:
    """Newcomers register during the month, profile not yet filled in, and follow the
    streamers the app suggests within minutes."""
    rng, platform = chunk.rng, chunk.platform
    rows = people.members("newcomer")
    account = people.account[rows]
    chunk.created_at[account] = platform.start + (
        rng.uniform(0, platform.days - 1.5, len(rows)) * DAY
    ).astype(np.int64)
    chunk.humanlike[account] = rng.uniform(0.3, 0.8, len(rows))
    row = np.repeat(rows, rng.integers(3, 9, len(rows)))
    suggested = rng.choice(platform.n_streamers, len(row), p=platform.popularity)
    chunk.follow(
        people.account[row],
        suggested,
        chunk.created_at[people.account[row]] + rng.integers(60, 20 * 60, len(row)),
    )
    _login(chunk, people, rows, chunk.created_at[account] + rng.integers(5, 60, len(rows)))


def _promotions(chunk: Chunk, people: People) -> None:
    """Offline promotions (地推): a merchant's staff sign visitors up on the venue's Wi-Fi
    within a few hours and have them follow the merchant on the spot."""
    rng, platform = chunk.rng, chunk.platform
    for rows in partition(rng, rng.permutation(people.members("promo_signup")), 15, 60):
        merchant = int(platform.small_streamers(rng, 1)[0])
        opening = (
            platform.start
            + int(rng.integers(0, platform.days - 1)) * DAY
            + int(rng.integers(2, 12)) * HOUR
        )
        account = people.account[rows]
        chunk.created_at[account] = opening + rng.integers(0, 3 * HOUR, len(rows))
        chunk.humanlike[account] = rng.uniform(0.3, 0.8, len(rows))
        chunk.follow(
            account,
            np.full(len(rows), merchant),
            chunk.created_at[account] + rng.integers(60, 10 * 60, len(rows)),
        )
        venue = network.random_ipv4(rng, 1)[0]
        chunk.login(
            account,
            chunk.created_at[account] + rng.integers(5, 60, len(rows)),
            0.0,
            ip=np.full(len(rows), venue),
        )


# --- lives --------------------------------------------------------------------------------


def _lives(chunk: Chunk, people: People) -> None:
    """A month of activity: routines, favourites, follows, visits, chat, lucky bags,
    orders and logins."""
    people.routine = _routines(chunk, people)
    favourites = _favourites(chunk, people)
    _viral_follows(chunk, people, favourites)
    followed = _follows(chunk, people, favourites)
    row, session, join, seconds = _visits(chunk, people, favourites)
    _comments(chunk, people, row, session, join, seconds)
    _lucky_bags(chunk, people, row, session, join, seconds, followed)
    _orders(chunk, people, row, session, join, seconds, favourites)
    _logins(chunk, people)


def _routines(chunk: Chunk, people: People) -> Routine:
    rhythm = np.array([ROUTINES[a][0] for a in HUMAN_ARCHETYPES])[people.archetype]
    pattern = np.array([ROUTINES[a][1] for a in HUMAN_ARCHETYPES])[people.archetype]
    return draw_routines(chunk.rng, chunk.platform, rhythm, pattern)


def _login(chunk: Chunk, people: People, row: np.ndarray, ts: np.ndarray) -> None:
    """Logins of the given people: own device at home or on mobile; café regulars half the
    time on one of the café's PCs."""
    rng = chunk.rng
    at_cafe = (people.cafe_ip[row] != 0) & (rng.random(len(row)) < CAFE_LOGIN_SHARE)
    own = ~at_cafe
    chunk.login(people.account[row[own]], ts[own], people.habit("mobile_share")[row[own]])
    first, count = people.cafe_pcs[row[at_cafe]].T
    pc = first + (rng.random(len(first)) * count).astype(np.int64)
    chunk.login(
        people.account[row[at_cafe]],
        ts[at_cafe],
        0.0,
        ip=people.cafe_ip[row[at_cafe]],
        device=pc,
        ua=np.full(len(pc), network.PC_USER_AGENT),
    )


def _logins(chunk: Chunk, people: People) -> None:
    """Logins besides those before visits, at the hours of each person's rhythm."""
    platform = chunk.platform
    count = chunk.rng.poisson(people.habit("extra_logins") * platform.days / 30)
    row = np.repeat(np.arange(len(people.account)), count)
    _login(chunk, people, row, times_in_rhythm(chunk.rng, people.drawn_routine, row, platform))


def _favourites(chunk: Chunk, people: People) -> np.ndarray:
    """(people, FAVOURITES) streamers, by popularity and each person's preferred slots."""
    rng, platform = chunk.rng, chunk.platform
    favourites = np.zeros((len(people.account), FAVOURITES), np.int64)
    for index, name in enumerate(RHYTHM_NAMES):
        mine = people.drawn_routine.rhythm == index
        favourites[mine] = platform.favourites(rng, int(mine.sum()), FAVOURITES, RHYTHMS[name][1])
    return favourites


def _viral_follows(chunk: Chunk, people: People, favourites: np.ndarray) -> None:
    """Viral followers' first favourite is a viral clip's streamer, followed within hours of
    the clip; some registered just to follow."""
    rng, platform = chunk.rng, chunk.platform
    rows = people.members("viral_follower")
    clip = rng.integers(0, len(platform.viral_streamer), len(rows))
    favourites[rows, 0] = platform.viral_streamer[clip]
    follow_ts = platform.viral_ts[clip] + (rng.gamma(1.5, 1.2, len(clip)) * HOUR).astype(np.int64)
    follow_ts = np.minimum(follow_ts, platform.end - 1)
    account = people.account[rows]
    signup = rng.random(len(rows)) < VIRAL_SIGNUP_SHARE
    chunk.created_at[account[signup]] = follow_ts[signup] - rng.integers(
        120, 40 * 60, int(signup.sum())
    )
    chunk.humanlike[account[signup]] = rng.uniform(0.3, 0.8, int(signup.sum()))
    chunk.follow(account, favourites[rows, 0], follow_ts)
    _login(chunk, people, rows, follow_ts - rng.integers(10, 300, len(rows)))


def _follows(chunk: Chunk, people: People, favourites: np.ndarray) -> np.ndarray:
    """Follows of favourites, mostly from before the month; a few unfollows later. Returns
    the followed favourites as (person row) * n_streamers + streamer keys."""
    rng, platform = chunk.rng, chunk.platform
    archetype = people.archetype
    follows = rng.random(favourites.shape) < 0.5
    follows[:, 0] |= archetype == HUMAN_ARCHETYPES.index("superfan")
    follows[people.members("viral_follower"), 0] = False  # followed when the clip went viral
    row, col = np.nonzero(follows)
    who, whom = people.account[row], favourites[row, col]
    earliest = np.maximum(chunk.created_at[who], platform.start - 730 * DAY)
    since = np.minimum(earliest, platform.start)
    before = since + (rng.random(len(who)) * (platform.start - since)).astype(np.int64)
    during = np.maximum(earliest, platform.start) + (
        rng.random(len(who)) * np.maximum(platform.end - np.maximum(earliest, platform.start), 1)
    ).astype(np.int64)
    ts = np.where((rng.random(len(who)) < 0.25) | (earliest >= platform.start), during, before)
    chunk.follow(who, whom, ts)
    unfollow_ts = ts + (rng.exponential(10, len(who)) * DAY).astype(np.int64)
    leaves = (
        (rng.random(len(who)) < 0.05)
        & (unfollow_ts > platform.start)
        & (unfollow_ts < platform.end)
    )
    chunk.follow(who[leaves], whom[leaves], unfollow_ts[leaves], unfollow=True)
    return row * platform.n_streamers + whom


def _live_session(
    sessions: Sessions, favourites: np.ndarray, col: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """The session on `day` of favourite `col`, else of the next favourite live that day,
    else -1."""
    k = favourites.shape[1]
    order = (col[:, None] + np.arange(k)) % k
    candidates = sessions.on_day[np.take_along_axis(favourites, order, 1), day[:, None]]
    pick = (candidates >= 0).argmax(axis=1)
    return candidates[np.arange(len(day)), pick]


def _visits(chunk: Chunk, people: People, favourites: np.ndarray):
    """Visits to live rooms on the person's active days (views, likes, gifts, shares, a
    login before most); returns per visit the person's row, the session, join time and
    length."""
    rng, sessions, platform = chunk.rng, chunk.platform.sessions, chunk.platform
    n = len(people.account)
    appetite = people.habit("visits") * rng.lognormal(-0.18, 0.6, n)
    row = np.repeat(np.arange(n), rng.poisson(appetite * platform.days / 30))
    loyal = rng.random(len(row)) < people.habit("loyalty")[row]
    col = np.where(loyal, 0, rng.integers(0, FAVOURITES, len(row)))
    days = active_days(rng, people.drawn_routine, row)
    session = _live_session(sessions, favourites[row], col, days)
    row, session = row[session >= 0], session[session >= 0]
    length = sessions.end[session] - sessions.start[session]
    notified = rng.random(len(row)) < people.habit("notified")[row]
    offset = np.where(
        notified,
        np.minimum(rng.exponential(90, len(row)), 0.5 * length),
        rng.random(len(row)) * 0.85 * length,
    )
    join = sessions.start[session] + offset.astype(np.int64)
    patience = people.habit("watch_minutes") * rng.lognormal(0, 0.7, n)
    minutes = patience[row] * rng.lognormal(0, 1.0, len(row))
    seconds = np.clip((minutes * 60).astype(np.int64), 5, sessions.end[session] - join)
    visits = _with_watch_parties(chunk, people, row, session, join, seconds)
    row, session, join, seconds = _with_bag_hunts(chunk, people, *visits)
    chunk.watch(
        people.account[row],
        session,
        join,
        seconds,
        people.habit("likes_per_hour")[row],
        gift_probability=people.habit("gift_probability")[row],
        share_probability=0.04,
    )
    logs_in = np.flatnonzero(rng.random(len(row)) < 0.6)
    _login(chunk, people, row[logs_in], join[logs_in] - rng.integers(0, 600, len(logs_in)))
    return row, session, join, seconds


def _with_watch_parties(chunk: Chunk, people: People, row, session, join, seconds):
    """Roommates and colleagues: a share of each group leader's visits are joined by the
    whole group within minutes."""
    rng, sessions = chunk.rng, chunk.platform.sessions
    group = np.full(len(people.account), -1)
    share = np.zeros(len(people.account))
    for archetype, (low, high, shared) in WATCH_PARTIES.items():
        for members in partition(rng, rng.permutation(people.members(archetype)), low, high):
            group[members] = group.max() + 1
            share[members] = shared
    if group.max() < 0:
        return row, session, join, seconds
    grouped = np.flatnonzero(group >= 0)
    by_group = grouped[np.argsort(group[grouped], kind="stable")]
    size = np.bincount(group[grouped], minlength=group.max() + 1)
    first = np.cumsum(size) - size
    leads = (group[row] >= 0) & (row == by_group[first[np.maximum(group[row], 0)]])
    shared_visit = np.flatnonzero(leads & (rng.random(len(row)) < share[row]))
    g = group[row[shared_visit]]
    copies = np.repeat(shared_visit, size[g] - 1)
    nth = (
        1 + np.arange(len(copies)) - np.repeat(np.cumsum(size[g] - 1) - (size[g] - 1), size[g] - 1)
    )
    mate = by_group[np.repeat(first[g], size[g] - 1) + nth]
    mate_session = session[copies]
    mate_join = np.clip(
        join[copies] + rng.normal(0, 90, len(copies)).astype(np.int64),
        sessions.start[mate_session],
        sessions.end[mate_session] - 5,
    )
    mate_seconds = np.clip(
        (seconds[copies] * rng.lognormal(0, 0.3, len(copies))).astype(np.int64),
        5,
        sessions.end[mate_session] - mate_join,
    )
    return (
        np.concatenate([row, mate]),
        np.concatenate([session, mate_session]),
        np.concatenate([join, mate_join]),
        np.concatenate([seconds, mate_seconds]),
    )


def _with_bag_hunts(chunk: Chunk, people: People, row, session, join, seconds):
    """Lucky-bag hunters also drop into any room minutes before its bag is drawn."""
    rng, sessions = chunk.rng, chunk.platform.sessions
    bagged = np.flatnonzero(sessions.bag_ts >= 0)
    hunters = people.members("giveaway_hunter")
    if len(bagged) == 0 or len(hunters) == 0:
        return row, session, join, seconds
    hunter = np.repeat(hunters, rng.poisson(10 * chunk.platform.days / 30, len(hunters)))
    by_day = bagged[np.argsort(sessions.day[bagged], kind="stable")]
    per_day = np.bincount(sessions.day[bagged], minlength=chunk.platform.days)
    first = np.cumsum(per_day) - per_day
    day = active_days(rng, people.drawn_routine, hunter)
    has_bag = per_day[day] > 0
    hunter, day = hunter[has_bag], day[has_bag]
    hunt = by_day[first[day] + (rng.random(len(day)) * per_day[day]).astype(np.int64)]
    hunt_join = np.maximum(
        sessions.bag_ts[hunt] - rng.integers(60, 600, len(hunt)), sessions.start[hunt]
    )
    hunt_seconds = np.minimum(
        sessions.bag_ts[hunt] - hunt_join + rng.integers(30, 300, len(hunt)),
        sessions.end[hunt] - hunt_join,
    )
    return (
        np.concatenate([row, hunter]),
        np.concatenate([session, hunt]),
        np.concatenate([join, hunt_join]),
        np.concatenate([seconds, hunt_seconds]),
    )


def _comments(chunk: Chunk, people: People, row, session, join, seconds) -> None:
    """Live chat during visits by the people who chat at all (see LURKER_SHARE), some
    habitually in long sentences. Superfans mostly repeat their own pet stock phrase. Some
    chat carries what scripts carry too: @mentions of friends, #hashtags#, reposts, links
    and emoji; hawkers advertise their own small trade (代购, 兼职) with their own link."""
    rng, world, vocabulary = chunk.rng, chunk.world, chunk.vocabulary
    n = len(people.account)
    lurker_share = np.array([LURKER_SHARE[a] for a in HUMAN_ARCHETYPES])[people.archetype]
    chatty = rng.random(n) >= np.minimum(lurker_share * world.lurker_scale, 0.95)
    per_visit = people.habit("comments_per_visit")[row] * chatty[row]
    visit, ts = spread_in(rng, rng.poisson(per_visit), join, seconds)
    writer = row[visit]
    lang = people.language[writer]
    long_share = np.where(rng.random(n) < world.long_writer_share, 0.9, 0.15)
    codes = vocabulary.human_chat(rng, lang, 0.0, long_share[writer])
    stock_share = np.minimum(people.habit("stock_share") * world.stock_scale, 1.0)
    stock = rng.random(len(visit)) < stock_share[writer]
    pet_phrase = vocabulary.stock(rng, people.language)[writer]
    superfan = people.archetype[writer] == HUMAN_ARCHETYPES.index("superfan")
    codes[stock] = vocabulary.stock(rng, lang[stock])
    pet = stock & superfan & (rng.random(len(visit)) < 0.6)
    codes[pet] = pet_phrase[pet]
    text_rng = chunk.text_rng
    prefix, suffix = vocabulary.decorate(
        text_rng,
        lang,
        {
            "mention": world.human_mention_share,
            "hashtag": world.human_hashtag_share,
            "repost": world.human_repost_share,
        },
        {"link": world.human_link_share, "emoji": world.emoji_share},
    )
    prefix[stock] = 0
    suffix[stock & (suffix < vocabulary.code("emoji", lang, 0))] = 0
    hawker = text_rng.random(n) < world.hawker_share
    promo = hawker[writer] & (text_rng.random(len(visit)) < 0.3)
    own_link = text_rng.integers(0, 2**40, n)
    codes[promo] = vocabulary.any(text_rng, "promo", lang[promo])
    linked = promo & (text_rng.random(len(visit)) < 0.7)
    suffix[linked] = vocabulary.code("link", lang[linked], own_link[writer[linked]])
    chunk.comment(
        people.account[writer],
        chunk.platform.sessions.streamer[session[visit]],
        ts,
        codes,
        prefix,
        suffix,
    )


def _lucky_bags(
    chunk: Chunk, people: People, row, session, join, seconds, followed: np.ndarray
) -> None:
    """Viewers present when a bag is drawn enter it by posting its password (and following,
    when the bag asks and they do not follow the streamer yet); some unfollow after the
    draw."""
    rng, platform = chunk.rng, chunk.platform
    sessions = platform.sessions
    bag = sessions.bag_ts[session]
    present = (bag >= join) & (bag < join + seconds)
    enters = np.flatnonzero(present & (rng.random(len(row)) < people.habit("bag_entry")[row]))
    who, bag_session = people.account[row[enters]], session[enters]
    ts = np.maximum(sessions.bag_ts[bag_session] - rng.integers(0, 600, len(enters)), join[enters])
    streamer = sessions.streamer[bag_session]
    chunk.comment(
        who, streamer, ts, chunk.vocabulary.code("password", 0, sessions.bag_password[bag_session])
    )
    follows = sessions.bag_needs_follow[bag_session] & ~np.isin(
        row[enters] * platform.n_streamers + streamer, followed
    )
    chunk.follow(who[follows], streamer[follows], ts[follows] + 5)
    unfollow_ts = ts + rng.integers(HOUR, 5 * DAY, len(enters))
    leaves = (
        follows
        & (rng.random(len(enters)) < people.habit("bag_unfollow")[row[enters]])
        & (unfollow_ts < platform.end)
    )
    chunk.follow(who[leaves], streamer[leaves], unfollow_ts[leaves], unfollow=True)


def _orders(
    chunk: Chunk, people: People, row, session, join, seconds, favourites: np.ndarray
) -> None:
    """Orders placed during visits or from a favourite's shop window; buyers refund 5-15% of
    theirs, serial returners 35-70%, others about 8%."""
    rng, platform = chunk.rng, chunk.platform
    n = len(people.account)
    visits = np.bincount(row, minlength=n)
    order_of_row = np.argsort(row, kind="stable")
    first_visit = np.cumsum(visits) - visits
    wanted = rng.poisson(people.habit("orders") * platform.days / 30)
    buyer_row = np.repeat(np.arange(n), np.where(visits > 0, wanted, 0))
    visit = order_of_row[
        first_visit[buyer_row] + (rng.random(len(buyer_row)) * visits[buyer_row]).astype(np.int64)
    ]
    ts = join[visit] + (rng.random(len(visit)) * seconds[visit]).astype(np.int64)
    streamer = platform.sessions.streamer[session[visit]]
    window = rng.random(len(visit)) < SHOP_WINDOW_SHARE
    ts[window] = times_in_rhythm(rng, people.drawn_routine, buyer_row[window], platform)
    streamer[window] = favourites[buyer_row[window], rng.integers(0, FAVOURITES, int(window.sum()))]
    price = np.floor(rng.lognormal(np.log(59), 0.8, len(visit))) + 0.9
    chunk.order(
        people.account[buyer_row],
        streamer,
        ts,
        price,
        _refund_rates(rng, people)[buyer_row],
        (np.clip(rng.lognormal(np.log(3), 0.6, len(visit)), 0.5, 20) * DAY).astype(np.int64),
    )


def _refund_rates(rng: np.random.Generator, people: People) -> np.ndarray:
    n = len(people.account)
    is_buyer = people.archetype == HUMAN_ARCHETYPES.index("buyer")
    returner = is_buyer & (rng.random(n) < SERIAL_RETURNER_SHARE)
    rate = np.where(is_buyer, rng.uniform(*BUYER_REFUNDS, n), OTHER_REFUND)
    rate[returner] = rng.uniform(*SERIAL_RETURNS, int(returner.sum()))
    return rate
