"""Follow bursts on a hand-built dataset: six accounts follow one target within minutes."""

import math

import pytest

BOTS = [f"b{i}" for i in range(6)]


@pytest.fixture(scope="module")
def feats(featurize, make_accounts):
    acc = [{"account_id": b, "created_at": "2026-10-01T00:00:00Z"} for b in BOTS[:5]]
    acc += [{"account_id": "b5", "created_at": "2026-10-02T00:00:00Z"}]
    acc += make_accounts("h1", "T", "U", created_at="2026-09-01T00:00:00Z")
    follows = [
        {"follower_id": b, "followee_id": "T", "ts": f"2026-10-02T12:0{i}:00Z", "action": "follow"}
        for i, b in enumerate(BOTS)
    ]
    follows += [
        {"follower_id": "h1", "followee_id": "T", "ts": "2026-10-05T12:00:00Z", "action": "follow"},
        {"follower_id": "h1", "followee_id": "U", "ts": "2026-10-05T13:00:00Z", "action": "follow"},
        {
            "follower_id": "h1",
            "followee_id": "U",
            "ts": "2026-10-06T00:00:00Z",
            "action": "unfollow",
        },
    ]
    return featurize({"accounts": acc, "follows": follows})


def test_burst_followers(feats):
    # T: 7 follows over 10-02 12:00 .. 10-05 12:00 = 3 days = 432 + 1 buckets of 10 minutes.
    usual = 7 / 433
    ratio = 6 / (1 + usual)  # 5.90 >= 5: a burst
    for b in BOTS:
        row = feats.loc[b]
        assert row.follow_count == 1
        assert row.follow_burst_share == 1
        assert row.follow_rate_excess_log2 == pytest.approx(math.log2(ratio))
        # five created at day 0, one at day 1: population std = sqrt(5/36) days
        assert row.burst_cohort_created_spread_days == pytest.approx(math.sqrt(5 / 36))
        # one cell (12:00-12:10); b0-b4 registered on 10-01 (08:00 China time), b5 on 10-02
        assert row.burst_same_day_peers == (0 if b == "b5" else 4)
        assert row.follows_per_active_day == 1
        assert row.unfollow_churn_share == 0
    assert feats.loc["b0"].first_follow_delay_days == pytest.approx(1.5)
    assert feats.loc["b3"].first_follow_delay_days == pytest.approx(1.5 + 3 / 1440)
    assert feats.loc["b5"].first_follow_delay_days == pytest.approx(0.5 + 5 / 1440)


def test_quiet_follower(feats):
    row = feats.loc["h1"]
    assert row.follow_count == 2
    assert row.follow_burst_share == 0
    # T: 1 follow in its cell vs 7/433 usual; U: 1 follow, span floored to 144 buckets (a day)
    expected = (math.log2(1 / (1 + 7 / 433)) + math.log2(1 / (1 + 1 / 144))) / 2
    assert row.follow_rate_excess_log2 == pytest.approx(expected)
    assert math.isnan(row.burst_cohort_created_spread_days)
    assert row.burst_same_day_peers == 0  # no follow in a burst
    assert row.follows_per_active_day == 2  # 20:00 and 21:00 China time, one day
    assert row.first_follow_delay_days == pytest.approx(34.5)
    assert row.unfollow_churn_share == 0.5


def test_accounts_without_follows_are_missing(feats):
    assert feats.loc["T"][["follow_count", "follow_burst_share"]].isna().all()


def test_follows_without_timestamps(featurize, make_accounts):
    feats = featurize(
        {
            "accounts": make_accounts("a", "b"),
            "follows": [
                {"follower_id": "a", "followee_id": "b"},
                {"follower_id": "a", "followee_id": "b", "action": "unfollow"},
            ],
        }
    )
    row = feats.loc["a"]
    assert row.follow_count == 1 and row.unfollow_churn_share == 1
    assert math.isnan(row.follow_burst_share) and math.isnan(row.first_follow_delay_days)
