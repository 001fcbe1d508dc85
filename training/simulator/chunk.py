"""One chunk of accounts under construction: their identities and the events they cause.

Generators (humans.py, bots.py) fill a `Chunk`: each sets the profile seeds of its
accounts (creation time, how human-looking the profile is, home and mobile address,
device, client, follows made before the month for paid tasks) and appends integer-coded
events. Accounts are local indices here;
streamers are referred to by their platform index. No account acts before it exists:
events that generators placed before an account's registration are dropped when the
chunk's tables are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import SimulationConfig
from .platform import Platform

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "follows": ("account", "streamer", "ts", "unfollow"),
    "logins": ("account", "ts", "ip", "device", "ua"),
    "comments": ("account", "streamer", "ts", "text", "prefix", "suffix"),
    "engagements": ("account", "streamer", "ts", "kind", "amount"),
    "orders": ("account", "streamer", "ts", "amount", "refunded_at"),
}
ENGAGEMENT_KINDS = ("view", "like", "share", "gift")
VIEW, LIKE, SHARE, GIFT = range(4)
GIFT_VALUES = np.array([1, 1, 5, 10, 52, 99, 188, 520, 1314], dtype=np.float64)
GIFT_WEIGHTS = np.array([40, 20, 12, 10, 8, 5, 3, 1.5, 0.5])
NOT_REFUNDED = -1


@dataclass
class Chunk:
    """Accounts of one chunk and the events they generated so far."""

    index: int
    config: SimulationConfig
    platform: Platform
    rng: np.random.Generator
    size: int
    device_base: int = 0  # device codes of this world start here (worlds share no device)
    # what comments say beyond their body (languages, mentions, links, promotions...) is
    # drawn from its own stream, so it never moves what accounts do
    text_rng: np.random.Generator = field(init=False)
    created_at: np.ndarray = field(init=False)
    humanlike: np.ndarray = field(init=False)
    task_follows: np.ndarray = field(init=False)
    home_ip: np.ndarray = field(init=False)
    mobile_ip: np.ndarray = field(init=False)
    device: np.ndarray = field(init=False)
    ua: np.ndarray = field(init=False)
    _columns: dict[str, list[dict[str, np.ndarray]]] = field(init=False)
    _next_device: int = field(init=False)

    def __post_init__(self) -> None:
        n = self.size
        self.created_at = np.zeros(n, np.int64)
        self.humanlike = np.ones(n)
        self.task_follows = np.zeros(n, np.int64)
        self.home_ip = np.zeros(n, np.int64)
        self.mobile_ip = np.zeros(n, np.int64)
        self.device = np.zeros(n, np.int64)
        self.ua = np.zeros(n, np.int64)
        self._columns = {table: [] for table in TABLE_COLUMNS}
        self._next_device = self.device_base + (self.index + 1) * 10**9
        self.text_rng = np.random.default_rng([self.config.seed, self.index, 0x7E47])

    @property
    def world(self):
        return self.platform.world

    @property
    def vocabulary(self):
        return self.platform.vocabulary

    def new_devices(self, n: int) -> np.ndarray:
        """Codes of n devices never seen before on the platform."""
        codes = np.arange(self._next_device, self._next_device + n, dtype=np.int64)
        self._next_device += n
        return codes

    def add(self, table: str, **columns: np.ndarray) -> None:
        assert set(columns) == set(TABLE_COLUMNS[table]), (table, set(columns))
        self._columns[table].append(columns)

    def table(self, table: str) -> dict[str, np.ndarray]:
        """All rows of a table so far, without those before their account's registration."""
        parts = self._columns[table]
        if not parts:
            return {name: np.zeros(0, np.int64) for name in TABLE_COLUMNS[table]}
        columns = {
            name: np.concatenate([np.asarray(p[name]) for p in parts])
            for name in TABLE_COLUMNS[table]
        }
        exists = columns["ts"] >= self.created_at[columns["account"]]
        return {name: values[exists] for name, values in columns.items()}

    # --- shared event builders -------------------------------------------------------

    def follow(
        self, account: np.ndarray, streamer: np.ndarray, ts: np.ndarray, unfollow: bool = False
    ) -> None:
        self.add(
            "follows",
            account=account,
            streamer=streamer,
            ts=ts,
            unfollow=np.full(len(account), unfollow),
        )

    def login(
        self,
        account: np.ndarray,
        ts: np.ndarray,
        mobile_share: np.ndarray | float,
        ip: np.ndarray | None = None,
        device: np.ndarray | None = None,
        ua: np.ndarray | None = None,
    ) -> None:
        """Sessions from each account's own device, at home or on mobile (or from a given
        address, device and client)."""
        if ip is None:
            mobile = self.rng.random(len(account)) < mobile_share
            ip = np.where(mobile, self.mobile_ip[account], self.home_ip[account])
        self.add(
            "logins",
            account=account,
            ts=ts,
            ip=ip,
            device=self.device[account] if device is None else device,
            ua=self.ua[account] if ua is None else ua,
        )

    def watch(
        self,
        account: np.ndarray,
        session: np.ndarray,
        join: np.ndarray,
        seconds: np.ndarray,
        likes_per_hour: np.ndarray | float,
        gift_probability: float,
        share_probability: float,
    ) -> None:
        """A view per visit, with likes, gifts and shares at times inside the visit."""
        streamer = self.platform.sessions.streamer[session]
        self.add(
            "engagements",
            account=account,
            streamer=streamer,
            ts=join,
            kind=np.full(len(account), VIEW),
            amount=seconds.astype(np.float64),
        )
        rng = self.rng
        likes = rng.poisson(np.broadcast_to(likes_per_hour, seconds.shape) * seconds / 3600)
        self._during(account, streamer, join, seconds, likes, LIKE, np.ones(likes.sum()))
        gifts = (rng.random(len(account)) < gift_probability).astype(np.int64)
        values = rng.choice(GIFT_VALUES, gifts.sum(), p=GIFT_WEIGHTS / GIFT_WEIGHTS.sum())
        self._during(account, streamer, join, seconds, gifts, GIFT, values)
        shares = (rng.random(len(account)) < share_probability).astype(np.int64)
        self._during(account, streamer, join, seconds, shares, SHARE, np.zeros(shares.sum()))

    def _during(self, account, streamer, join, seconds, counts, kind, amount) -> None:
        visit, ts = spread_in(self.rng, counts, join, seconds)
        self.add(
            "engagements",
            account=account[visit],
            streamer=streamer[visit],
            ts=ts,
            kind=np.full(len(visit), kind),
            amount=amount,
        )

    def comment(
        self,
        account: np.ndarray,
        streamer: np.ndarray,
        ts: np.ndarray,
        text: np.ndarray,
        prefix: np.ndarray | None = None,
        suffix: np.ndarray | None = None,
    ) -> None:
        """Comments: body codes into the world's vocabulary texts, optional prefix and
        suffix codes into its affixes (0: none)."""
        none = np.zeros(len(account), np.int64)
        self.add(
            "comments",
            account=account,
            streamer=streamer,
            ts=ts,
            text=text,
            prefix=none if prefix is None else prefix,
            suffix=none if suffix is None else suffix,
        )

    def order(
        self,
        account: np.ndarray,
        streamer: np.ndarray,
        ts: np.ndarray,
        amount: np.ndarray,
        refund_probability: np.ndarray | float,
        refund_delay: np.ndarray,
    ) -> None:
        """Orders, refunded with the given probability after the given delay (seconds);
        a refund that would fall after the simulated month has not happened yet."""
        refunded = self.rng.random(len(account)) < refund_probability
        refunded_at = np.where(refunded, ts + refund_delay, NOT_REFUNDED)
        refunded_at[refunded_at >= self.platform.end] = NOT_REFUNDED
        self.add(
            "orders",
            account=account,
            streamer=streamer,
            ts=ts,
            amount=np.round(amount, 2),
            refunded_at=refunded_at,
        )


def spread_in(
    rng: np.random.Generator, counts: np.ndarray, begin: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`counts[i]` instants uniformly inside [begin[i], begin[i] + length[i]); returns the
    row each instant belongs to and the instants."""
    row = np.repeat(np.arange(len(counts)), counts)
    ts = begin[row] + (rng.random(len(row)) * length[row]).astype(np.int64)
    return row, ts


def partition(
    rng: np.random.Generator, members: np.ndarray, low: int, high: int
) -> list[np.ndarray]:
    """Split members into consecutive groups of random size in [low, high]."""
    groups, i = [], 0
    while i < len(members):
        size = int(rng.integers(low, high + 1))
        groups.append(members[i : i + size])
        i += size
    return groups
