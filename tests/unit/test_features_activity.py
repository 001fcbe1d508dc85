"""Activity windows on one account whose four events come from three different tables."""

import math

import numpy as np
import pytest


@pytest.fixture(scope="module")
def row(featurize, make_accounts):
    # 08:00, 08:10, 08:20 China time on 10-01, then 02:00 China time on 10-02.
    feats = featurize(
        {
            "accounts": make_accounts("x", "idle"),
            "logins": [
                {"account_id": "x", "ts": "2026-10-01T00:00:00Z", "ip": "1.2.3.4"},
                {"account_id": "x", "ts": "2026-10-01T00:10:00Z", "ip": "1.2.3.4"},
            ],
            "comments": [
                {"account_id": "x", "room_id": "r", "ts": "2026-10-01T00:20:00Z", "text": "hi"}
            ],
            "engagements": [
                {"account_id": "x", "room_id": "r", "ts": "2026-10-01T18:00:00Z", "kind": "like"}
            ],
        }
    )
    assert feats.loc["idle"][["active_days", "hour_entropy_bits", "inter_event_cv"]].isna().all()
    return feats.loc["x"]


def test_days_and_hours(row):
    assert row.active_days == 2
    assert row.events_per_active_day == 2
    assert row.daily_span_hours == pytest.approx((20 / 60 + 0) / 2)
    assert row.hour_entropy_bits == pytest.approx(
        -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    )
    assert row.night_share == 0.25


def test_gaps_and_sessions(row):
    gaps = np.array([600, 600, 63_600])
    assert row.inter_event_cv == pytest.approx(gaps.std() / gaps.mean())
    # sessions: [0, 600, 1200] lasting 20 minutes and [64800] lasting 0
    assert row.mean_session_minutes == pytest.approx(10)


def test_metronome_across_midnight(featurize, make_accounts):
    # every 10 minutes from 23:40 to 00:20 China time: 2 days, one session, no variation
    feats = featurize(
        {
            "accounts": make_accounts("m"),
            "logins": [
                {"account_id": "m", "ts": f"2026-10-01T{hh}:{mm}:00Z", "ip": "1.2.3.4"}
                for hh, mm in (("15", "40"), ("15", "50"), ("16", "00"), ("16", "10"), ("16", "20"))
            ],
        }
    )
    row = feats.loc["m"]
    assert (row.active_days, row.events_per_active_day) == (2, 2.5)
    assert row.daily_span_hours == pytest.approx((600 + 1200) / 2 / 3600)
    assert row.inter_event_cv == 0
    assert row.mean_session_minutes == pytest.approx(40)
    assert row.hour_entropy_bits == pytest.approx(-(0.4 * math.log2(0.4) + 0.6 * math.log2(0.6)))
    assert row.night_share == 0
