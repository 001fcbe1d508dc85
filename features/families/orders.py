"""Orders: refunds and buying without watching, the marks of order brushing.

Brushed orders inflate a live room's sales and are refunded soon after; the brushing
account often never watched the room it "bought" in. A *visit* is a (room, China-time
day) on which the account has a view engagement; an order is *without viewing* when the
account has no view of that room on the order's China-time day.
"""

from __future__ import annotations

import ibis

from fanaudit.features.families.common import china_day, epoch, share
from fanaudit.features.feature import Feature
from fanaudit.features.tables import Tables

FAMILY = "orders"

FEATURES = (
    Feature(
        "order_count",
        FAMILY,
        "Orders it placed.",
        "orders",
        "either",
        "placed {value} orders",
        "下了{value}笔订单",
    ),
    Feature(
        "refund_rate",
        FAMILY,
        "Share of its orders that were refunded.",
        "share",
        "higher",
        "{value} of its orders were refunded",
        "{value}的订单被退款",
    ),
    Feature(
        "refund_delay_hours",
        FAMILY,
        "Median hours from order to refund, over its refunded orders.",
        "hours",
        "lower",
        "its refunds came {value} hours after the order (median)",
        "下单后{value}小时退款（中位数）",
        "{:.1f}",
    ),
    Feature(
        "orders_per_visit",
        FAMILY,
        "Orders per room visit (a room on a day it viewed).",
        "orders/visit",
        "higher",
        "placed {value} orders per live-room visit",
        "每次进入直播间平均下单{value}笔",
        "{:.2f}",
    ),
    Feature(
        "orders_without_view_share",
        FAMILY,
        "Share of its orders placed in a room it did not view that day.",
        "share",
        "higher",
        "{value} of its orders were placed in a room it did not watch that day",
        "{value}的订单是在当天未观看的直播间下的",
    ),
)


def view_visits(engagements: ibis.Table) -> ibis.Table:
    """Distinct (account_id, room_id, day) with a view."""
    views = engagements.filter(engagements.kind == "view")
    return views.select("account_id", "room_id", day=china_day(epoch(views.ts))).distinct()


def order_features(orders: ibis.Table) -> ibis.Table:
    refunded = orders.refunded_at.notnull()
    delay_hours = (epoch(orders.refunded_at) - epoch(orders.ts)).cast("float64") / 3_600.0
    agg = orders.group_by("account_id").aggregate(
        order_count=orders.count(),
        refunds=refunded.cast("int64").sum(),
        refund_delay_hours=delay_hours.median(),  # null (not refunded) delays are ignored
    )
    return agg.select(
        "account_id",
        "order_count",
        "refund_delay_hours",
        refund_rate=share(agg.refunds, agg.order_count),
    )


def viewing_features(orders: ibis.Table, engagements: ibis.Table) -> ibis.Table:
    visits = view_visits(engagements)
    per_order = orders.select("account_id", "room_id", day=china_day(epoch(orders.ts)))
    marked = per_order.left_join(
        visits.mutate(viewed=ibis.literal(1)), ["account_id", "room_id", "day"]
    )
    agg = marked.group_by("account_id").aggregate(
        orders=marked.count(), unviewed=marked.viewed.isnull().cast("int64").sum()
    )
    visit_counts = visits.group_by("account_id").aggregate(visits=visits.count())
    agg = agg.left_join(visit_counts, "account_id")
    return agg.select(
        "account_id",
        orders_per_visit=share(agg.orders, agg.visits),
        orders_without_view_share=share(agg.unviewed, agg.orders),
    )


def compute(tables: Tables) -> ibis.Table | None:
    if tables.orders is None:
        return None
    out = order_features(tables.orders)
    if tables.engagements is not None:
        viewing = viewing_features(tables.orders, tables.engagements)
        out = out.left_join(viewing, "account_id").drop("account_id_right")
    return out
