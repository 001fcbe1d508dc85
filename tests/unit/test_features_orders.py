"""Orders: a brusher who refunds and buys in rooms it never watched, and a viewer-buyer."""

import math

import pytest


def at(day, hour):
    return f"2026-10-{day:02d}T{hour:02d}:00:00Z"  # 04:00 UTC is noon China time


@pytest.fixture(scope="module")
def feats(featurize, make_accounts):
    orders = [
        {
            "order_id": "o1",
            "account_id": "b",
            "room_id": "R1",
            "ts": at(1, 4),
            "amount": 9.9,
            "refunded_at": at(1, 6),
        },
        {
            "order_id": "o2",
            "account_id": "b",
            "room_id": "R2",
            "ts": at(1, 4),
            "amount": 9.9,
            "refunded_at": at(1, 8),
        },
        {"order_id": "o3", "account_id": "b", "room_id": "R1", "ts": at(2, 4), "amount": 9.9},
        {"order_id": "o4", "account_id": "h", "room_id": "R1", "ts": at(3, 5), "amount": 99},
    ]
    views = [
        ("b", "R1", at(1, 3)),
        ("h", "R1", at(3, 3)),
        ("h", "R1", at(3, 4)),
        ("h", "R1", at(4, 4)),
    ]
    return featurize(
        {
            "accounts": make_accounts("b", "h", "v"),
            "orders": orders,
            "engagements": [
                {"account_id": a, "room_id": r, "ts": t, "kind": "view"} for a, r, t in views
            ]
            + [{"account_id": "b", "room_id": "R2", "ts": at(1, 3), "kind": "like"}],
        }
    )


def test_brusher(feats):
    row = feats.loc["b"]
    assert row.order_count == 3
    assert row.refund_rate == pytest.approx(2 / 3)
    assert row.refund_delay_hours == 3  # median of 2 and 4 hours
    assert row.orders_per_visit == 3  # one visit: R1 on day 1 (a like is not a view)
    assert row.orders_without_view_share == pytest.approx(2 / 3)


def test_viewer_buyer(feats):
    row = feats.loc["h"]
    assert (row.order_count, row.refund_rate) == (1, 0)
    assert math.isnan(row.refund_delay_hours)
    assert row.orders_per_visit == 0.5  # R1 on day 3 and on day 4
    assert row.orders_without_view_share == 0


def test_orders_without_engagements(featurize, make_accounts):
    feats = featurize(
        {
            "accounts": make_accounts("b"),
            "orders": [
                {"order_id": "o1", "account_id": "b", "room_id": "R1", "ts": at(1, 4), "amount": 1}
            ],
        }
    )
    row = feats.loc["b"]
    assert row.order_count == 1 and row.refund_rate == 0
    assert math.isnan(row.orders_per_visit) and math.isnan(row.orders_without_view_share)
