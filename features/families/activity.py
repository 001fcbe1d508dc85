"""Activity windows: when and how regularly the account does anything at all.

All timestamped events (logins, comments, engagements, follows, orders) are pooled per
account. Hours and days are China time (UTC+8). Scripts run around the clock or in short
booked slots, with machine-regular gaps; people cluster in the evening, sleep, and act in
irregular bursts. A session ends after SESSION_GAP_SECONDS without any event.
"""

from __future__ import annotations

import ibis

from fanaudit.features.families.common import (
    china_hour,
    china_second_of_day,
    epoch,
    exact_sum,
    share,
    std_from_sums,
)
from fanaudit.features.feature import Feature
from fanaudit.features.tables import Tables

FAMILY = "activity"
SESSION_GAP_SECONDS = 1_800
NIGHT_HOURS = (1, 6)  # 01:00-05:59 China time

FEATURES = (
    Feature(
        "active_days",
        FAMILY,
        "Distinct China-time days with any event.",
        "days",
        "lower",
        "was active on {value} days",
        "有{value}天处于活跃状态",
    ),
    Feature(
        "events_per_active_day",
        FAMILY,
        "Events per active day.",
        "events/day",
        "higher",
        "produced {value} events on a day it was active",
        "活跃日平均产生{value}次行为",
        "{:.1f}",
    ),
    Feature(
        "hour_entropy_bits",
        FAMILY,
        "Entropy (bits) of its events over the 24 hours of the day, China time; "
        "4.6 is perfectly even.",
        "bits",
        "either",
        "spreads its activity over the day with an hour entropy of {value} bits",
        "活动时段分布的熵为{value}比特",
        "{:.2f}",
    ),
    Feature(
        "night_share",
        FAMILY,
        "Share of its events between 01:00 and 06:00 China time.",
        "share",
        "higher",
        "{value} of its activity falls between 1 and 6 a.m. China time",
        "{value}的活动发生在北京时间凌晨1点到6点",
    ),
    Feature(
        "inter_event_cv",
        FAMILY,
        "Coefficient of variation of the gaps between consecutive events "
        "(about 1 for random timing, near 0 for a metronome).",
        "ratio",
        "lower",
        "the gaps between its actions vary by a factor of {value} (coefficient of variation)",
        "行为间隔的变异系数为{value}",
        "{:.2f}",
    ),
    Feature(
        "mean_session_minutes",
        FAMILY,
        "Mean length of its sessions (events less than 30 minutes apart), minutes.",
        "minutes",
        "either",
        "its sessions last {value} minutes on average",
        "平均每次会话持续{value}分钟",
        "{:.1f}",
    ),
    Feature(
        "daily_span_hours",
        FAMILY,
        "Mean over active days of the hours from its first to its last event that day.",
        "hours",
        "lower",
        "its activity on a day spans {value} hours on average",
        "每个活跃日的活动时间跨度平均为{value}小时",
        "{:.1f}",
    ),
)


def all_events(tables: Tables) -> ibis.Table | None:
    """account_id and t (epoch seconds) of every timestamped event of every table."""
    parts = []
    for name in ("logins", "comments", "engagements", "orders"):
        table = getattr(tables, name)
        if table is not None:
            parts.append(table.select("account_id", t=epoch(table.ts)))
    if tables.follows is not None:
        f = tables.follows.filter(tables.follows.ts.notnull())
        parts.append(f.select(account_id=f.follower_id, t=epoch(f.ts)))
    return ibis.union(*parts, distinct=False) if parts else None


def with_gaps(events: ibis.Table) -> ibis.Table:
    """Each event with `gap`: seconds since the account's previous event (null for its first).

    The family's only ordered pass: one window over the narrow (account_key, t) table."""
    previous = events.t.lag().over(group_by=events.account_key, order_by=events.t)
    return events.select("account_key", "t", gap=events.t - previous)


def hourly_partials(events: ibis.Table) -> ibis.Table:
    """Per (account_key, China-time hour of the event): events and partial sums of the day,
    gap and session measures, all of which add up over the hours of an account.

    Events are in time order within the account, so an event starts a new active day
    exactly when its gap reaches back past that day's midnight, and the gaps within one
    day add up to the day's span from its first to its last event."""
    g = with_gaps(events)
    gap = g.gap.cast("int64")  # integer seconds: sums (and sums of squares) are exact
    new_day = g.gap.isnull() | (g.gap > china_second_of_day(g.t))
    in_session = g.gap <= SESSION_GAP_SECONDS
    return g.group_by(["account_key", china_hour(g.t).name("hour")]).aggregate(
        n=g.count(),
        new_days=new_day.cast("int64").sum(),
        span_seconds=g.gap.sum(where=~new_day),
        gap_sum=gap.sum(),
        gap_squares=(gap * gap).sum(),
        session_seconds=g.gap.sum(where=in_session),
        sessions=(~in_session.fill_null(False)).cast("int64").sum(),
    )


def gap_cv(
    gaps: ibis.IntegerValue, total: ibis.FloatingValue, squares: ibis.FloatingValue
) -> ibis.FloatingValue:
    """Population std / mean of gaps from their count, sum and sum of squares; null with
    fewer than two gaps or a zero mean (as `coefficient_of_variation`)."""
    mean, std = std_from_sums(gaps, total, squares)
    return ibis.ifelse((gaps >= 2) & (mean > 0), std / mean, None)


def hour_entropy(
    hours: ibis.IntegerValue, total: ibis.IntegerValue, n_log_n: ibis.FloatingValue
) -> ibis.FloatingValue:
    """Entropy (bits) of the counts n_h of `hours` hours from their total N and the sum of
    n_h log2 n_h: -sum (n_h / N) log2 (n_h / N) = log2 N - sum n_h log2 n_h / N (exactly 0
    for a single hour, where rounding would leave a trace)."""
    n = total.cast("float64")
    return ibis.ifelse(hours > 1, ibis.greatest(n.log2() - n_log_n / n, 0.0), 0.0)


def compute(tables: Tables) -> ibis.Table | None:
    events = all_events(tables)
    if events is None:
        return None
    h = hourly_partials(tables.keyed(events))
    night = h.hour.between(NIGHT_HOURS[0], NIGHT_HOURS[1] - 1)
    n = h.n.cast("float64")
    agg = h.group_by("account_key").aggregate(
        events=h.n.sum(),
        hours=h.count(),
        night=h.n.sum(where=night),
        n_log_n=exact_sum(n * n.log2()),
        active_days=h.new_days.sum(),
        span_seconds=h.span_seconds.sum(),
        gap_sum=h.gap_sum.sum(),
        gap_squares=h.gap_squares.sum(),
        session_seconds=h.session_seconds.sum(),
        sessions=h.sessions.sum(),
    )
    features = agg.select(
        "account_key",
        "active_days",
        events_per_active_day=share(agg.events, agg.active_days),
        daily_span_hours=share(agg.span_seconds.fill_null(0), agg.active_days) / 3_600.0,
        hour_entropy_bits=hour_entropy(agg.hours, agg.events, agg.n_log_n),
        night_share=share(agg.night.fill_null(0), agg.events),
        inter_event_cv=gap_cv(agg.events - 1, agg.gap_sum, agg.gap_squares),
        mean_session_minutes=share(agg.session_seconds.fill_null(0), agg.sessions) / 60.0,
    )
    return tables.unkeyed(features)
