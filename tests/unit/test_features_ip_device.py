"""IP and device reuse on a hand-built dataset: three fresh accounts and an old one on one IP."""

import pytest

AS_OF = "2026-10-10T00:00:00Z"


@pytest.fixture(scope="module")
def feats(featurize):
    created = {
        "a1": "2026-10-01T01:00:00Z",
        "a2": "2026-10-02T00:00:00Z",
        "a3": "2026-10-03T00:00:00Z",  # same epoch week (weeks start Thursday 00:00 UTC)
        "n1": "2025-10-01T00:00:00Z",
        "n2": "2024-10-01T00:00:00Z",
    }
    logins = [
        ("a1", "1.1.1.1", "D1"),
        ("a2", "1.1.1.1", "D1"),
        ("a3", "1.1.1.1", "D2"),
        ("n1", "1.1.1.1", "D3"),
        ("n1", "2.2.2.2", "D3"),
        ("n2", "1.1.1.9", "D4"),
    ]
    return featurize(
        {
            "accounts": [{"account_id": a, "created_at": c} for a, c in created.items()],
            "logins": [
                {"account_id": a, "ts": AS_OF, "ip": ip, "device_id": d} for a, ip, d in logins
            ],
        }
    )


def test_address_counts(feats):
    assert feats.ip_count.to_dict() == {"a1": 1, "a2": 1, "a3": 1, "n1": 2, "n2": 1}
    assert feats.device_count.to_dict() == {"a1": 1, "a2": 1, "a3": 1, "n1": 1, "n2": 1}
    assert feats.ip_shared_accounts.to_dict() == {"a1": 3, "a2": 3, "a3": 3, "n1": 3, "n2": 0}
    assert feats.prefix_shared_accounts.to_dict() == {a: 4 for a in feats.index}
    assert feats.device_shared_accounts.to_dict() == {"a1": 1, "a2": 1, "a3": 0, "n1": 0, "n2": 0}


def test_who_shares_the_address(feats):
    assert feats.ip_same_week_peers.to_dict() == {"a1": 2, "a2": 2, "a3": 2, "n1": 0, "n2": 0}
    assert feats.prefix_same_week_peers.to_dict() == {"a1": 2, "a2": 2, "a3": 2, "n1": 0, "n2": 0}
    # ages on 1.1.1.1: 7, 8, 8 23/24 and 374 days -> median (8 + 8 23/24) / 2
    assert feats.loc["a1"].ip_peer_median_age_days == pytest.approx((8 + 8 + 23 / 24) / 2)
    assert feats.loc["n2"].ip_peer_median_age_days == pytest.approx(739)
    # 1.1.1.1: devices D1, D2, D3 for four accounts
    assert feats.loc["a3"].ip_devices_per_account == pytest.approx(0.75)
    assert feats.loc["n2"].ip_devices_per_account == 1


def test_without_device_ids(featurize, make_accounts):
    feats = featurize(
        {
            "accounts": make_accounts("a", "b"),
            "logins": [{"account_id": a, "ts": AS_OF, "ip": "::1"} for a in "ab"],
        }
    )
    assert feats.ip_shared_accounts.to_dict() == {"a": 1, "b": 1}
    assert feats.ip_same_week_peers.to_dict() == {"a": 1, "b": 1}
    assert (
        feats[["device_count", "device_shared_accounts", "ip_devices_per_account"]]
        .isna()
        .all()
        .all()
    )
