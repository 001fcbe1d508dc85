"""The facts behind a streamer's audit report, computed from the staged dataset and the
model's verdicts: audience quality, follower growth and its bursts, and what happens in
the streamer's live room (scripted comments, views and likes, orders and refunds).

**Which room is the streamer's.** The dataset contract does not say which live room
belongs to which streamer, so it is inferred from where the streamer's current followers
are active (viewed, liked, shared, gifted, commented or ordered): the streamer's room is
the one that maximises (followers active there) x (their share of everyone active there),
among rooms with at least `MIN_ROOM_FANS` of them. The share alone would pick a tiny room
that happens to be all fans of a big streamer; the count alone would pick the biggest room,
whose audience follows everyone big. (On simulated platforms, where each streamer has one
room, the rule finds the right room for 19 of 20, 49 of 50 and 99 of 100 streamers.)

**Scripted comments** are copied texts posted by flagged accounts. A comment's text is
*copied* by the feature family's definition (`features.families.comments`): not a stock
phrase, and its normalised text was posted by at least `COPY_MIN_OTHERS` other accounts
anywhere on the platform. Real people copy too (everyone asks "多少钱"), so copying alone
does not make a comment scripted: it must also come from an account the model flags.

Everything here is aggregated: no address, device or pseudonym ever leaves this module.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import ibis
import numpy as np
import pandas as pd

from fanaudit.errors import DataError
from fanaudit.features.families.comments import COPY_MIN_OTHERS, account_texts, normalise
from fanaudit.features.tables import Tables
from fanaudit.models.quantify import QuantificationUnavailable, estimate_bot_share

TIMEZONE = "Asia/Shanghai"  # days are China-time days
VERDICTS = ("human", "uncertain", "bot")
FLAGGED = ("uncertain", "bot")
MIN_ROOM_FANS = 5
BURST_MIN_FOLLOWERS = 10  # fewer new followers in a day is never a burst ...
BURST_MIN_SHARE = 0.005  # ... nor is a day bringing less than this share of the followers
BURST_MAD_FACTOR = 5.0  # a burst day is this many MADs above the local median ...
BURST_MEDIAN_FACTOR = 2.0  # ... and at least this many times the local median
BURST_WINDOW_DAYS = 15  # centred window for the local median
FLOOD_MINUTES = 10  # a flood: this many minutes bringing ...
FLOOD_MIN_FOLLOWERS = 50  # ... at least this many new followers ...
FLOOD_MIN_SHARE = 0.05  # ... and this share of all followers: a burst whatever the days around
SAME_WEEK_DAYS = 3.5  # "registered together": within half a week of the burst's median
PEER_MIN = 2  # shared address / lockstep: at least this many peers
BOUGHT_SHARE = 0.5  # flagged share (or a coordination signal's share) that counts as "most"
ORGANIC_SHARE = 0.2  # flagged share below which a burst can look organic
SCRIPT_EXAMPLES = 3
FAST_REFUND_HOURS = 72
Judgement = Literal["bought", "organic", "mixed"]


# ------------------------------------------------------------------ queries on the dataset


def follow_times(tables: Tables, streamer: str) -> pd.DataFrame:
    """account_id and ts of each account's latest timed follow of `streamer`."""
    if tables.follows is None:
        return pd.DataFrame(
            {"account_id": pd.Series(dtype=str), "ts": pd.Series(dtype="datetime64[us, UTC]")}
        )
    f = tables.follows
    mine = f.filter((f.followee_id == streamer) & (f.action == "follow") & f.ts.notnull())
    latest = mine.group_by(account_id=mine.follower_id).aggregate(ts=mine.ts.max())
    frame = latest.to_pandas()
    frame["account_id"] = frame["account_id"].astype(str)
    return frame


def follow_events(tables: Tables, streamer: str) -> pd.DataFrame:
    """account_id, ts and action of every timed follow and unfollow of `streamer`."""
    if tables.follows is None:
        return pd.DataFrame(
            {
                "account_id": pd.Series(dtype=str),
                "ts": pd.Series(dtype="datetime64[us, UTC]"),
                "action": pd.Series(dtype=str),
            }
        )
    f = tables.follows
    mine = f.filter((f.followee_id == streamer) & f.ts.notnull())
    frame = mine.select(account_id=mine.follower_id, ts=mine.ts, action=mine.action).to_pandas()
    frame["account_id"] = frame["account_id"].astype(str)
    return frame.sort_values(["ts", "account_id"], kind="stable").reset_index(drop=True)


def room_presence(tables: Tables) -> ibis.Table | None:
    """Distinct (account_id, room_id) of every engagement, comment and order."""
    parts = [
        t.select("account_id", "room_id").distinct()
        for t in (tables.engagements, tables.comments, tables.orders)
        if t is not None
    ]
    if not parts:
        return None
    return ibis.union(*parts, distinct=True)


def streamer_rooms(tables: Tables, followers: pd.Index) -> tuple[str, ...]:
    """The streamer's live room by the rule in the module docstring (empty if none)."""
    presence = room_presence(tables)
    if presence is None or len(followers) == 0:
        return ()
    fans = ibis.memtable(pd.DataFrame({"account_id": followers.astype(str), "fan": 1}))
    joined = presence.left_join(fans, "account_id")
    per_room = joined.group_by("room_id").aggregate(audience=joined.count(), fans=joined.fan.sum())
    candidates = per_room.filter(per_room.fans >= MIN_ROOM_FANS)
    fans = candidates.fans.cast("float64")
    ranked = candidates.mutate(weight=fans * fans / candidates.audience)
    best = ranked.order_by([ibis.desc("weight"), "room_id"]).limit(1).to_pandas()
    return tuple(best["room_id"].astype(str))


@dataclass(frozen=True)
class RoomEvents:
    """Per-account activity in the streamer's rooms (aggregated, no addresses)."""

    rooms: tuple[str, ...]
    engagement: pd.DataFrame  # account_id, kind, events, amount
    comments: pd.DataFrame  # account_id, comments
    copied: pd.DataFrame  # norm, account_id, comments: comments of copied texts (see docstring)
    spellings: dict[str, str]  # norm -> its most frequent original spelling in the room
    orders: pd.DataFrame  # account_id, amount, refund_hours (NaN when not refunded)

    def accounts(self) -> pd.Index:
        ids = [frame["account_id"] for frame in (self.engagement, self.comments, self.orders)]
        return pd.Index(pd.concat(ids, ignore_index=True).astype(str).unique())


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def room_engagement(tables: Tables, rooms: tuple[str, ...]) -> pd.DataFrame:
    if tables.engagements is None or not rooms:
        return _empty(
            {"account_id": "object", "kind": "object", "events": "int64", "amount": "float64"}
        )
    e = tables.engagements.filter(tables.engagements.room_id.isin(rooms))
    return (
        e.group_by(["account_id", "kind"])
        .aggregate(events=e.count(), amount=e.amount.sum().fill_null(0))
        .to_pandas()
    )


def room_comments(
    tables: Tables, rooms: tuple[str, ...]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Comments per account in `rooms`; the room's comments of copied texts per (normalised
    text, account) (not a stock phrase, posted by at least COPY_MIN_OTHERS other accounts
    anywhere on the platform); and each copied text's most frequent spelling in the room."""
    if tables.comments is None or not rooms:
        return (
            _empty({"account_id": "object", "comments": "int64"}),
            _empty({"norm": "object", "account_id": "object", "comments": "int64"}),
            {},
        )
    platform = account_texts(tables.comments)
    copied_texts = platform.filter(~platform.stock & (platform.posters - 1 >= COPY_MIN_OTHERS))
    copied_texts = copied_texts.select("norm").distinct()
    here = tables.comments.filter(tables.comments.room_id.isin(rooms))
    spelled = here.group_by(["account_id", "text"]).aggregate(comments=here.count())
    texts = spelled.select("text").distinct()
    spelled = spelled.join(texts.select("text", norm=normalise(texts.text)), "text")
    per_account = (
        spelled.group_by("account_id").aggregate(comments=spelled.comments.sum()).to_pandas()
    )
    copied = spelled.join(copied_texts, "norm")
    per_text = copied.group_by(["norm", "account_id"]).aggregate(comments=copied.comments.sum())
    spellings = copied.group_by(["norm", "text"]).aggregate(n=copied.comments.sum()).to_pandas()
    best = spellings.sort_values(["n", "text"], ascending=[False, True]).drop_duplicates("norm")
    return per_account, per_text.to_pandas(), dict(zip(best["norm"], best["text"], strict=False))


def room_orders(tables: Tables, rooms: tuple[str, ...]) -> pd.DataFrame:
    if tables.orders is None or not rooms:
        return _empty({"account_id": "object", "amount": "float64", "refund_hours": "float64"})
    o = tables.orders.filter(tables.orders.room_id.isin(rooms))
    hours = (o.refunded_at.epoch_seconds() - o.ts.epoch_seconds()).cast("float64") / 3600.0
    return o.select("account_id", amount=o.amount.cast("float64"), refund_hours=hours).to_pandas()


def room_events(tables: Tables, followers: pd.Index) -> RoomEvents:
    rooms = streamer_rooms(tables, followers)
    comments, copied, spellings = room_comments(tables, rooms)
    return RoomEvents(
        rooms,
        room_engagement(tables, rooms),
        comments,
        copied,
        spellings,
        room_orders(tables, rooms),
    )


# ------------------------------------------------------------------ audience quality


@dataclass(frozen=True)
class Headline:
    """The one share of fake followers the page leads with (models.quantify's estimate)."""

    share: float
    low: float
    high: float
    method: str
    accounts: int


def headline_share(probability: np.ndarray, model, seed: int = 0) -> Headline:
    """The prior-shift-aware share of bots among `probability`'s accounts, with its 95%
    interval (`models.quantify`); a model trained before held-out rates were recorded
    gets the mean calibrated probability (method "mean"), with the interval of
    `real_share_interval`."""
    try:
        found = estimate_bot_share(np.asarray(probability, float), model, seed=seed)
    except QuantificationUnavailable:
        real, (low, high) = real_share_interval(
            np.asarray(probability, float), held_out_calibration_error(model)
        )
        return Headline(1 - real, 1 - high, 1 - low, "mean", len(probability))
    return Headline(found.share, found.low, found.high, found.method, found.accounts)


def held_out_calibration_error(model) -> float:
    """The model's held-out expected calibration error, as its training run measured it."""
    metrics = model.metadata.get("metrics") if isinstance(model.metadata, dict) else None
    value = metrics.get("ece") if isinstance(metrics, dict) else None
    return float(value) if value is not None and math.isfinite(float(value)) else 0.0


@dataclass(frozen=True)
class Quality:
    followers: int
    real_share: float
    real_share_ci: tuple[float, float]
    verdicts: dict[str, int]
    kinds: dict[str, int]  # bot kind (or, without a kind model, feature family) -> followers
    headline: Headline | None = None
    kinds_are_families: bool = True


def real_share_interval(
    p: np.ndarray, calibration_error: float = 0.0
) -> tuple[float, tuple[float, float]]:
    """Expected share of real people from calibrated probabilities, with a 95% interval.

    Given the probabilities, the number of real followers is a sum of independent
    Bernoulli draws (variance sum p(1-p)); the model's held-out calibration error is added
    on both sides as a systematic margin.
    """
    if len(p) == 0:
        return math.nan, (math.nan, math.nan)
    share = float(np.mean(1 - p))
    half = 1.96 * math.sqrt(float(np.sum(p * (1 - p)))) / len(p) + calibration_error
    return share, (max(0.0, share - half), min(1.0, share + half))


def suspected_kind(top_features: str) -> str | None:
    """The feature family contributing most to an account's top reasons (towards bot)."""
    items = json.loads(top_features) if top_features else []
    by_family: dict[str, float] = {}
    for item in items:
        by_family[item["family"]] = by_family.get(item["family"], 0.0) + item["shap"]
    return max(by_family, key=by_family.__getitem__) if by_family else None


def account_kind(scored: pd.DataFrame) -> tuple[pd.Series, bool]:
    """Each row's bot kind from the kind model, or (without one) the family of its strongest
    reasons; and whether these are families."""
    kinds = scored["bot_kind"].fillna("") if "bot_kind" in scored else pd.Series("", scored.index)
    if (kinds != "").any():
        return kinds.where(kinds != "", None), False
    return scored["top_features"].map(suspected_kind), True


def audience_quality(
    scored: pd.DataFrame, calibration_error: float = 0.0, headline: Headline | None = None
) -> Quality:
    share, ci = real_share_interval(scored["bot_probability"].to_numpy(float), calibration_error)
    flagged = scored[scored["verdict"].isin(FLAGGED)]
    kind, families = account_kind(flagged)
    kinds = kind.dropna().value_counts()
    verdicts = scored["verdict"].value_counts()
    return Quality(
        len(scored),
        share,
        ci,
        {v: int(verdicts.get(v, 0)) for v in VERDICTS},
        {str(k): int(n) for k, n in kinds.items()},
        headline,
        families,
    )


# ------------------------------------------------------------------ peers


PEER_MIN_FOLLOWERS = 20  # streamers with fewer followers are no peers
PEER_SIZE_FACTOR = 2.0  # peers have between 1/2 and 2 times the streamer's followers ...
PEER_MIN = 5  # ... widened to the PEER_NEAREST nearest in size when fewer than this
PEER_NEAREST = 20
PEER_MAX = 50  # at most this many peers, the nearest in size
TIERS = ("cleanest", "cleaner", "worse", "worst")  # quarters of the peers' fake shares


@dataclass(frozen=True)
class Peers:
    peers: int
    smallest: int  # followers of the smallest and the largest peer
    largest: int
    percentile: float  # share of peers with a lower fake share than the streamer
    tier: str  # one of TIERS
    shares: tuple[float, ...]  # the peers' fake shares (for the chart)
    nearest: bool = False  # too few of similar size: the PEER_NEAREST nearest in size instead


def current_followers(tables: Tables) -> pd.DataFrame:
    """streamer, account_id of every current follow (the latest action is a follow)."""
    f = tables.follows
    if f is None:
        raise DataError("the dataset has no follows table, so no account follows anyone")
    latest = f.mutate(
        rank=ibis.row_number().over(
            group_by=[f.follower_id, f.followee_id],
            order_by=[ibis.desc(f.ts.isnull().ifelse(1, 0)), ibis.desc(f.ts)],
        )
    )  # as followers_of
    current = latest.filter((latest["rank"] == 0) & (latest.action == "follow"))
    frame = current.select(streamer=current.followee_id, account_id=current.follower_id).to_pandas()
    return frame.astype(str)


def peer_comparison(
    streamer: str, share: float, followers: pd.DataFrame, probability: pd.Series, estimate
) -> Peers | None:
    """The streamer's fake share against streamers of similar audience size (see the
    constants): `followers` from current_followers, `probability` by account_id, and
    `estimate(probabilities) -> share` the same estimator as the streamer's own figure."""
    sizes = followers.groupby("streamer").size()
    if streamer not in sizes:
        return None
    own = sizes[streamer]
    others = sizes[(sizes.index != streamer) & (sizes >= PEER_MIN_FOLLOWERS)]
    distance = (np.log(others) - math.log(own)).abs().sort_values(kind="stable")
    chosen = distance[distance <= math.log(PEER_SIZE_FACTOR)]
    nearest = len(chosen) < PEER_MIN
    if nearest:
        chosen = distance.head(PEER_NEAREST)
    chosen = chosen.head(PEER_MAX)
    if len(chosen) < PEER_MIN:
        return None
    groups = followers[followers["streamer"].isin(chosen.index)].groupby("streamer")["account_id"]
    shares = np.array([estimate(probability.reindex(ids).to_numpy(float)) for _, ids in groups])
    percentile = float(np.mean(shares < share) + 0.5 * np.mean(shares == share))
    tier = TIERS[
        0 if percentile < 0.25 else 1 if percentile <= 0.5 else 2 if percentile < 0.75 else 3
    ]
    return Peers(
        len(shares),
        int(sizes[chosen.index].min()),
        int(sizes[chosen.index].max()),
        percentile,
        tier,
        tuple(float(s) for s in shares),
        nearest,
    )


# ------------------------------------------------------------------ growth and bursts


@dataclass(frozen=True)
class Burst:
    first_day: date
    last_day: date
    followers: int
    flagged_share: float
    registered_together_share: float  # registered within half a week of the burst's median
    shared_address_share: float  # share a login IP with PEER_MIN+ accounts registered that week
    lockstep_share: float  # followed in step with PEER_MIN+ accounts across targets
    judgement: Judgement
    shared_device_share: float = 0.0  # logged in from a device shared with PEER_MIN+ accounts
    peak_window: int = 0  # most of its new followers within any FLOOD_MINUTES


@dataclass(frozen=True)
class Growth:
    daily: pd.DataFrame  # index: China-time day; columns: human, uncertain, bot (new followers)
    bursts: tuple[Burst, ...]
    undated: int  # current followers with no timed follow of the streamer


def follower_days(follows: pd.DataFrame) -> pd.Series:
    """China-time day of each follower's follow, indexed by account_id."""
    days = follows["ts"].dt.tz_convert(TIMEZONE).dt.date
    return pd.Series(days.to_numpy(), index=follows["account_id"].astype(str))


def daily_new_followers(days: pd.Series, verdicts: pd.Series) -> pd.DataFrame:
    """New followers per calendar day (every day from the first to the last) by verdict."""
    if days.empty:
        return pd.DataFrame(columns=list(VERDICTS), dtype="int64")
    frame = pd.DataFrame(
        {"day": days.to_numpy(), "verdict": verdicts.reindex(days.index).to_numpy()}
    )
    table = pd.crosstab(frame["day"], frame["verdict"]).reindex(
        columns=list(VERDICTS), fill_value=0
    )
    calendar = pd.date_range(min(days), max(days), freq="D").date
    return table.reindex(calendar, fill_value=0).rename_axis("day")


def flood_days(follows: pd.DataFrame, followers: int) -> list[date]:
    """China-time days holding a FLOOD_MINUTES window that brought at least
    FLOOD_MIN_FOLLOWERS new followers and FLOOD_MIN_SHARE of all `followers`: a burst even
    when there are no quiet days around it to compare with."""
    if follows.empty:
        return []
    windows = peak_windows(follows["ts"])
    need = max(FLOOD_MIN_FOLLOWERS, FLOOD_MIN_SHARE * followers)
    return sorted({day for day, count in windows.items() if count >= need})


def peak_windows(ts: pd.Series) -> pd.Series:
    """Per China-time day, the most follows in any FLOOD_MINUTES (sliding) window."""
    local = ts.dt.tz_convert(TIMEZONE).sort_values()
    counts = pd.Series(1, index=pd.DatetimeIndex(local)).rolling(f"{FLOOD_MINUTES}min").sum()
    return counts.groupby(counts.index.date).max().astype(int)


def _mad(values: np.ndarray) -> float:
    return float(np.median(np.abs(values - np.median(values))))


def burst_days(total: pd.Series, followers: int) -> list[date]:
    """Days with far more new followers than the days around them (see the constants)."""
    if total.empty:
        return []
    window = total.rolling(BURST_WINDOW_DAYS, center=True, min_periods=1)
    median = window.median()
    mad = window.apply(_mad, raw=True)
    is_burst = (
        (total >= max(BURST_MIN_FOLLOWERS, BURST_MIN_SHARE * followers))
        & (total > median + BURST_MAD_FACTOR * np.maximum(mad, 1.0))
        & (total >= BURST_MEDIAN_FACTOR * median)
    )
    return list(total.index[is_burst.to_numpy()])


def group_consecutive(days: list[date]) -> list[tuple[date, date]]:
    """Runs of consecutive days as (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def registered_together_share(age_days: pd.Series) -> float:
    known = age_days.dropna()
    if known.empty:
        return 0.0
    return float((np.abs(known - known.median()) <= SAME_WEEK_DAYS).mean())


def strong_signals(*shares: float) -> int:
    return sum(share >= BOUGHT_SHARE for share in shares)


def judge(flagged: float, signals: int, shared_device: float = 0.0) -> Judgement:
    """Bought: most accounts flagged, most share two of the group signals, or most log in
    from devices shared with other accounts (people do not share phones in the hundreds).
    Organic: few flagged and at most one group signal (the followers of a viral clip all
    follow in the same minutes, so lockstep alone proves nothing). Otherwise mixed."""
    if flagged >= BOUGHT_SHARE or signals >= 2 or shared_device >= BOUGHT_SHARE:
        return "bought"
    if flagged < ORGANIC_SHARE:
        return "organic"
    return "mixed"


def describe_burst(
    first: date,
    last: date,
    accounts: pd.Index,
    features: pd.DataFrame,
    verdicts: pd.Series,
    peak: int = 0,
) -> Burst:
    """What the accounts that followed during a burst have in common."""
    mine = features.reindex(accounts)
    flagged = float(verdicts.reindex(accounts).isin(FLAGGED).mean())
    together = registered_together_share(mine["account_age_days"])
    shared = float((mine["ip_same_week_peers"].fillna(0) >= PEER_MIN).mean())
    lockstep = float((mine["follow_lockstep_peers"].fillna(0) >= PEER_MIN).mean())
    device = (
        float((mine["device_shared_accounts"].fillna(0) >= PEER_MIN).mean())
        if "device_shared_accounts" in mine
        else 0.0
    )
    return Burst(
        first,
        last,
        len(accounts),
        flagged,
        together,
        shared,
        lockstep,
        judge(flagged, strong_signals(together, shared, lockstep, device), device),
        device,
        peak,
    )


BURST_FEATURES = (
    "account_age_days",
    "ip_same_week_peers",
    "follow_lockstep_peers",
    "device_shared_accounts",
)


def follower_growth(follows: pd.DataFrame, scored: pd.DataFrame, features: pd.DataFrame) -> Growth:
    """Daily new followers by verdict, with each burst described and judged.

    `features` is indexed by account_id and holds at least BURST_FEATURES.
    """
    verdicts = scored.set_index("account_id")["verdict"]
    follows = follows[follows["account_id"].isin(verdicts.index)]
    days = follower_days(follows)
    daily = daily_new_followers(days, verdicts)
    bursts = []
    found = set(burst_days(daily.sum(axis=1), len(verdicts))) | set(
        flood_days(follows, len(verdicts))
    )
    peaks = peak_windows(follows["ts"]) if len(follows) else pd.Series(dtype=int)
    for first, last in group_consecutive(sorted(found)):
        accounts = pd.Index(days.index[(days >= first).to_numpy() & (days <= last).to_numpy()])
        peak = int(peaks.loc[first:last].max()) if len(peaks) else 0
        bursts.append(describe_burst(first, last, accounts, features, verdicts, peak))
    return Growth(daily, tuple(bursts), len(verdicts) - len(days))


def flagged_in_bursts(growth: Growth, judgement: Judgement) -> int:
    """Flagged followers who arrived in bursts with this judgement."""
    total = 0
    for burst in growth.bursts:
        if burst.judgement == judgement:
            days = growth.daily.loc[burst.first_day : burst.last_day]
            total += int(days[list(FLAGGED)].to_numpy().sum())
    return total


# ------------------------------------------------------------------ the room


@dataclass(frozen=True)
class Share:
    """A total and the part of it coming from flagged (bot or uncertain) accounts."""

    total: float
    flagged: float

    @property
    def share(self) -> float:
        return self.flagged / self.total if self.total else math.nan


@dataclass(frozen=True)
class RefundGroup:
    orders: int
    refunded: int
    refunded_fast: int  # refunded within FAST_REFUND_HOURS of the order
    median_refund_hours: float

    @property
    def rate(self) -> float:
        return self.refunded / self.orders if self.orders else math.nan

    @property
    def fast_rate(self) -> float:
        return self.refunded_fast / self.orders if self.orders else math.nan


@dataclass(frozen=True)
class RoomAuthenticity:
    rooms: int
    comments: Share  # comments posted by flagged accounts
    scripted: Share  # total: all comments; flagged: copied texts posted by flagged accounts
    engagement: dict[str, Share]  # view, watch_seconds, like, share, gift_value
    refunds: dict[str, RefundGroup]  # "flagged" and "human" buyers
    scripts: tuple[tuple[str, int, int], ...] = field(default=())  # text, comments, accounts


def _share(frame: pd.DataFrame, column: str, flagged: pd.Series) -> Share:
    values = frame[column].astype(float)
    return Share(float(values.sum()), float(values[flagged.to_numpy()].sum()))


def _refund_group(orders: pd.DataFrame) -> RefundGroup:
    refunded = orders["refund_hours"].dropna()
    return RefundGroup(
        len(orders),
        len(refunded),
        int((refunded <= FAST_REFUND_HOURS).sum()),
        float(refunded.median()) if len(refunded) else math.nan,
    )


def room_authenticity(events: RoomEvents, verdicts: pd.Series) -> RoomAuthenticity:
    """How much of the room's activity comes from flagged accounts. `verdicts` by account_id
    must cover every account active in the room."""

    def is_flagged(frame: pd.DataFrame) -> pd.Series:
        return verdicts.reindex(frame["account_id"].astype(str)).isin(FLAGGED)

    c = events.comments
    scripted = events.copied[is_flagged(events.copied).to_numpy()]
    e = events.engagement
    engagement = {}
    for kind, column, label in (
        ("view", "events", "view"),
        ("view", "amount", "watch_seconds"),
        ("like", "events", "like"),
        ("share", "events", "share"),
        ("gift", "amount", "gift_value"),
    ):
        rows = e[e["kind"] == kind]
        engagement[label] = _share(rows, column, is_flagged(rows))
    o = events.orders
    buyer_flagged = is_flagged(o).to_numpy()
    return RoomAuthenticity(
        rooms=len(events.rooms),
        comments=_share(c, "comments", is_flagged(c)),
        scripted=Share(float(c["comments"].sum()), float(scripted["comments"].sum())),
        engagement=engagement,
        refunds={
            "flagged": _refund_group(o[buyer_flagged]),
            "human": _refund_group(o[~buyer_flagged]),
        },
        scripts=top_scripts(scripted, events.spellings),
    )


def top_scripts(
    scripted: pd.DataFrame, spelled: dict[str, str]
) -> tuple[tuple[str, int, int], ...]:
    """The most posted scripted texts: (text, comments, accounts)."""
    per_text = scripted.groupby("norm").agg(
        comments=("comments", "sum"), accounts=("account_id", "nunique")
    )
    top = per_text.sort_values(["comments", "accounts"], ascending=False, kind="stable").head(
        SCRIPT_EXAMPLES
    )
    return tuple(
        (spelled.get(norm, norm), int(row.comments), int(row.accounts))
        for norm, row in top.iterrows()
    )
