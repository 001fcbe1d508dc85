"""Lockstep groups: three accounts that move together through rooms and follows."""

import pytest

BOTS = ("k1", "k2", "k3")


def view(account, room, hh, mm, ss=0):
    return {
        "account_id": account,
        "room_id": room,
        "ts": f"2026-10-01T{hh:02d}:{mm:02d}:{ss:02d}Z",
        "kind": "view",
    }


@pytest.fixture(scope="module")
def feats(featurize, make_accounts):
    engagements = [
        view(k, room, hour, 1, 10 * i)
        for i, k in enumerate(BOTS)
        for room, hour in (("R1", 10), ("R2", 11), ("R3", 12))
    ]
    engagements += [view("h1", "R1", 14, 0), view("h1", "R2", 15, 0), view("h2", "R1", 10, 1)]
    follows = [
        {"follower_id": k, "followee_id": target, "ts": f"2026-10-01T{hour:02d}:0{i}:00Z"}
        for i, k in enumerate(BOTS)
        for target, hour in (("T1", 9), ("T2", 13))
    ]
    follows += [{"follower_id": "h1", "followee_id": "T1", "ts": "2026-10-01T09:05:00Z"}]
    return featurize(
        {
            "accounts": make_accounts(*BOTS, "h1", "h2", "quiet", "T1", "T2"),
            "engagements": engagements,
            "follows": follows,
        }
    )


def test_lockstep_group(feats):
    for k in BOTS:
        row = feats.loc[k]
        assert (row.room_lockstep_peers, row.room_lockstep_rooms) == (2, 3)
        assert (row.follow_lockstep_peers, row.follow_lockstep_targets) == (2, 2)


def test_people_outside_the_group(feats):
    # h1 visits two rooms but never in the bots' minutes; h2 shares one cell, in one room only
    assert (feats.loc["h1"].room_lockstep_peers, feats.loc["h1"].room_lockstep_rooms) == (0, 0)
    assert (feats.loc["h2"].room_lockstep_peers, feats.loc["h2"].room_lockstep_rooms) == (0, 0)
    # h1 follows one target only: never banded
    assert feats.loc["h1"].follow_lockstep_peers == 0
    assert feats.loc["h2"][["follow_lockstep_peers", "follow_lockstep_targets"]].isna().all()
    assert feats.loc["quiet"].filter(like="lockstep").isna().all()
