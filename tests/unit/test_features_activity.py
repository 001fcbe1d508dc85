"""Activity windows on one account whose four events come from three different tables."""

import math

import numpy as np
import pytest


@pytest.fixture
def row(featurize, make_accounts):
    # 08:00, 08:10, 08:20 China time on 10-01, then 02:00 China time on 10-02.
    feats = featurize({
        "accounts": make_accounts("x", "idle"),
        "logins": [{"account_id": "x", "ts": "2026-10-01T00:00:00Z", "ip": "1.2.3.4"},
                   {"account_id": "x", "ts": "2026-10-01T00:10:00Z", "ip": "1.2.3.4"}],
        "comments": [{"account_id": "x", "room_id": "r", "ts": "2026-10-01T00:20:00Z",
                      "text": "hi"}],
        "engagements": [{"account_id": "x", "room_id": "r", "ts": "2026-10-01T18:00:00Z",
                         "kind": "like"}],
    })
    assert feats.loc["idle"][["active_days", "hour_entropy_bits", "inter_event_cv"]].isna().all()
    return feats.loc["x"]


def test_days_and_hours(row):
    assert row.active_days == 2
    assert row.events_per_active_day == 2
    assert row.daily_span_hours == pytest.approx((20 / 60 + 0) / 2)
    assert row.hour_entropy_bits == pytest.approx(-(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)))
    assert row.night_share == 0.25


def test_gaps_and_sessions(row):
    gaps = np.array([600, 600, 63_600])
    assert row.inter_event_cv == pytest.approx(gaps.std() / gaps.mean())
    # sessions: [0, 600, 1200] lasting 20 minutes and [64800] lasting 0
    assert row.mean_session_minutes == pytest.approx(10)
