"""Follow bursts: follows that arrive in a rush on one target, from accounts made together.

Follows are counted per (target, 10-minute bucket) cell. A target's usual rate is its
follows per bucket over its own observed span (at least one day), so a streamer whose
followers trickle in steadily and one that only ever receives a bought batch are both
measured against a sensible baseline. A cell's rate ratio is its follows / (1 + the
usual rate), so a lone follow of a quiet target is not a burst; a follow is in a burst
when its cell's ratio is at least BURST_RATE_FACTOR (hence at least that many follows).
Whether a burst's accounts were created together is the spread (population standard
deviation, in days) of their registration times: bought batches are registered within
hours, viral followers over years. A seller's pack often mixes aged accounts into a batch,
which inflates that spread, so each account also counts the accounts in its burst cell
registered on its own China-time day (its registration cohort). Drip-fill services
follow, unfollow and refill; the churn share is the part of its targets the account also
unfollowed.
"""

from __future__ import annotations

import ibis

from fanaudit.features.families.common import (
    DAY_SECONDS,
    china_day,
    created_epoch,
    epoch,
    exact_mean,
    share,
    std_from_sums,
)
from fanaudit.features.feature import Feature
from fanaudit.features.tables import Tables

FAMILY = "follow_bursts"
BUCKET_SECONDS = 600
SPREAD_ORIGIN = 1_420_070_400  # 2015-01-01: registration minutes from here square into int64
MIN_BASELINE_BUCKETS = DAY_SECONDS // BUCKET_SECONDS
BURST_RATE_FACTOR = 5.0

FEATURES = (
    Feature(
        "follow_count",
        FAMILY,
        "Follow actions it made.",
        "follows",
        "higher",
        "made {value} follows",
        "共关注了{value}次",
    ),
    Feature(
        "follows_per_active_day",
        FAMILY,
        "Follows per distinct China-time day on which it followed anyone.",
        "follows/day",
        "higher",
        "follows {value} accounts on a day it is active",
        "活跃日平均关注{value}个账号",
        "{:.1f}",
    ),
    Feature(
        "first_follow_delay_days",
        FAMILY,
        "Days from registration to its first timestamped follow (new users follow the "
        "app's suggestions within minutes; stock bought from account markets follows long "
        "after registering, batch-registered stock within days).",
        "days",
        "either",
        "made its first follow {value} days after registering",
        "注册后{value}天第一次关注",
        "{:.1f}",
    ),
    Feature(
        "follow_burst_share",
        FAMILY,
        f"Share of its timestamped follows that landed in a burst: a 10-minute window "
        f"in which the target gained at least {BURST_RATE_FACTOR:.0f} times (1 + its usual "
        f"follows per window).",
        "share",
        "higher",
        "{value} of its follows arrived in a burst on the same account",
        "{value}的关注发生在同一对象的集中涨粉时段",
    ),
    Feature(
        "follow_rate_excess_log2",
        FAMILY,
        "Mean over its follows of log2(follows of the target in the same 10-minute window "
        "/ (1 + the target's usual follows per window)).",
        "log2 ratio",
        "higher",
        "its follows came when the target gained followers at 2^{value} times its usual rate",
        "其关注发生时，对象的涨粉速度是平时的2^{value}倍",
        "{:.1f}",
    ),
    Feature(
        "burst_cohort_created_spread_days",
        FAMILY,
        "Median over its burst follows of the spread (std. dev., days) of the registration "
        "times of the accounts in the same burst.",
        "days",
        "lower",
        "the accounts that followed in the same burst were registered within about "
        "{value} days of each other",
        "同一波集中关注的账号注册时间相差约{value}天",
        "{:.1f}",
    ),
    Feature(
        "burst_same_day_peers",
        FAMILY,
        "Most other accounts, over its burst follows, that followed the same target in the "
        "same 10-minute window and registered on the same China-time day as it (0 with no "
        "burst follow).",
        "accounts",
        "higher",
        "followed in a burst together with {value} other accounts registered the same day as it",
        "与另外{value}个同一天注册的账号在同一波集中关注中关注了同一对象",
    ),
    Feature(
        "unfollow_churn_share",
        FAMILY,
        "Share of the targets it followed that it also unfollowed (follow/unfollow churn).",
        "share",
        "higher",
        "unfollowed {value} of the accounts it followed",
        "取消关注了{value}的已关注账号",
    ),
)


def timed_follows(follows: ibis.Table) -> ibis.Table:
    """Follow actions with a timestamp: account_id, target, t (epoch seconds), bucket."""
    f = follows.filter(follows.ts.notnull() & (follows.action == "follow"))
    f = f.select(account_id=f.follower_id, target=f.followee_id, t=epoch(f.ts))
    return f.mutate(bucket=f.t // BUCKET_SECONDS)


def target_baselines(f: ibis.Table) -> ibis.Table:
    """Per target: follows per 10-minute bucket over its observed span (at least a day)."""
    g = f.group_by("target").aggregate(n=f.count(), first=f.bucket.min(), last=f.bucket.max())
    span = ibis.greatest(g["last"] - g["first"] + 1, MIN_BASELINE_BUCKETS)
    return g.select("target", usual_rate=g.n.cast("float64") / span.cast("float64"))


def follows_with_creation(f: ibis.Table, accounts: ibis.Table) -> ibis.Table:
    """Timed follows with the follower's registration time and China-time registration day."""
    joined = f.left_join(created_epoch(accounts), "account_id").drop("account_id_right")
    return joined.mutate(created_day=china_day(joined.created))


def burst_cells(f: ibis.Table) -> ibis.Table:
    """Per (target, bucket): follows, ratio to the usual rate, burst flag, creation spread."""
    minutes = (f.created - SPREAD_ORIGIN) // 60  # whole minutes: exact integer sums
    cells = f.group_by(["target", "bucket"]).aggregate(
        cell_follows=f.count(),
        known=minutes.count(),
        total=minutes.sum(),
        squares=(minutes * minutes).sum(),
    )
    cells = cells.mutate(
        created_spread_days=std_from_sums(cells.known, cells.total, cells.squares)[1]
        * 60
        / DAY_SECONDS
    )
    cells = cells.join(target_baselines(f), "target")
    ratio = cells.cell_follows.cast("float64") / (cells.usual_rate + 1.0)
    is_burst = ratio >= BURST_RATE_FACTOR
    return cells.select(
        "target",
        "bucket",
        "created_spread_days",
        log_ratio=ratio.log2(),
        in_burst=is_burst.cast("int64"),
    )


def registration_cohorts(f: ibis.Table) -> ibis.Table:
    """Per (target, bucket, registration day): the other followers registered that day."""
    known = f.filter(f.created_day.notnull())
    return known.group_by(["target", "bucket", "created_day"]).aggregate(
        same_day_peers=known.count() - 1
    )


def burst_features(f: ibis.Table, accounts: ibis.Table) -> ibis.Table:
    f = follows_with_creation(f, accounts)
    keys = ["target", "bucket", "created_day"]
    per_follow = (
        f.join(burst_cells(f), ["target", "bucket"])
        .left_join(registration_cohorts(f), keys)
        .drop(*(f"{k}_right" for k in keys))
    )
    agg = per_follow.group_by("account_id").aggregate(
        timed_follows=per_follow.count(),
        bursts=per_follow.in_burst.sum(),
        follow_rate_excess_log2=exact_mean(per_follow.log_ratio),
        burst_cohort_created_spread_days=ibis.ifelse(  # median() ignores the nulls
            per_follow.in_burst == 1, per_follow.created_spread_days, None
        ).median(),
        burst_same_day_peers=ibis.ifelse(  # null only when its registration day is unknown
            per_follow.in_burst == 1, per_follow.same_day_peers, 0
        ).max(),
        active_days=china_day(per_follow.t).nunique(),
        first_follow=per_follow.t.min(),
        created=per_follow.created.max(),  # the account's own, on each of its follows
    )
    return agg.select(
        "account_id",
        "follow_rate_excess_log2",
        "burst_cohort_created_spread_days",
        "burst_same_day_peers",
        follow_burst_share=share(agg.bursts, agg.timed_follows),
        follows_per_active_day=share(agg.timed_follows, agg.active_days),
        first_follow_delay_days=(  # never negative, even for follows dated before registering
            (agg.first_follow - agg.created).clip(lower=0).cast("float64") / DAY_SECONDS
        ),
    )


def churn_features(follows: ibis.Table) -> ibis.Table:
    """Follow count and the share of followed targets it also unfollowed."""
    per_target = follows.group_by(["follower_id", "followee_id"]).aggregate(
        follows=(follows.action == "follow").cast("int64").sum(),
        unfollows=(follows.action == "unfollow").cast("int64").sum(),
    )
    agg = per_target.group_by("follower_id").aggregate(
        follow_count=per_target.follows.sum(),
        followed=(per_target.follows > 0).cast("int64").sum(),
        churned=((per_target.follows > 0) & (per_target.unfollows > 0)).cast("int64").sum(),
    )
    return agg.select(
        account_id=agg.follower_id,
        follow_count=agg.follow_count,
        unfollow_churn_share=share(agg.churned, agg.followed),
    )


def compute(tables: Tables) -> ibis.Table | None:
    if tables.follows is None:
        return None
    timed = burst_features(timed_follows(tables.follows), tables.accounts)
    churn = churn_features(tables.follows)
    return churn.left_join(timed, "account_id").drop("account_id_right")
