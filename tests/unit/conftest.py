"""Shared fixtures for the feature tests: write tiny datasets, stage them, compute features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fanaudit.features.loading import staged_dataset
from fanaudit.features.pipeline import compute_features


def write_dataset(folder: Path, tables: dict[str, list[dict] | pd.DataFrame]) -> Path:
    """Write each table as NAME.csv in `folder` (created if needed) and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def features_of(folder: Path, engine: str = "duckdb") -> pd.DataFrame:
    """The feature table of a dataset folder, indexed by account_id."""
    with staged_dataset(folder) as staged:
        return compute_features(staged, engine=engine).set_index("account_id")


@pytest.fixture(scope="module")
def featurize(tmp_path_factory):
    """featurize(tables, engine) -> features indexed by account_id, for a dataset written in
    a fresh folder and computed on `engine` (duckdb or spark). Module-scoped, like the
    modules' `feats` fixtures built on it: each tiny platform is staged once per module."""
    counter = iter(range(1_000))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FANAUDIT_SECRET", "unit-test-secret")

        def run(
            tables: dict[str, list[dict] | pd.DataFrame], engine: str = "duckdb"
        ) -> pd.DataFrame:
            folder = tmp_path_factory.mktemp("ds") / f"ds{next(counter)}"
            return features_of(write_dataset(folder, tables), engine)

        yield run


def accounts(*ids: str, created_at: str = "2026-01-01T00:00:00Z") -> list[dict]:
    """Minimal account rows, all registered at `created_at`."""
    return [{"account_id": i, "created_at": created_at} for i in ids]


@pytest.fixture(scope="session")
def make_accounts():
    """The `accounts` row helper, as a fixture for test modules."""
    return accounts


def random_world(seed: int, n_accounts: int = 24) -> dict[str, pd.DataFrame]:
    """A small random dataset with every table, plus a planted group of six bots that
    register together, share an IP, move through rooms in lockstep and follow in a burst."""
    rng = np.random.default_rng(seed)
    ids = [f"acc{i:03d}" for i in range(n_accounts)]
    start = pd.Timestamp("2026-10-01T00:00:00Z").value // 10**9
    created = (
        start - rng.integers(1, 400, n_accounts) * 86_400 - rng.integers(0, 86_400, n_accounts)
    )
    bots = ids[:6]
    created[:6] = start - 86_400
    accounts_ = pd.DataFrame(
        {
            "account_id": ids,
            "created_at": created,
            "nickname": [f"user{rng.integers(0, 10**6)}" for _ in ids],
            "has_avatar": rng.random(n_accounts) < 0.7,
            "followers_count": rng.integers(0, 500, n_accounts),
            "following_count": rng.integers(0, 500, n_accounts),
            "posts_count": rng.integers(0, 50, n_accounts),
            "bio": rng.choice(["", "爱生活", "live music fan"], n_accounts),
        }
    )

    def events(n):  # random activity of the people; the bots only do what is planted
        who = rng.choice(ids[6:], n)
        ts = start + rng.integers(0, 3 * 86_400, n)
        return who, ts

    who, ts = events(120)
    ips = np.array(["10.0.0.1", "10.0.0.2", "10.0.1.7", "2408:8400::1", "192.168.3.3"])
    logins = pd.DataFrame(
        {
            "account_id": who,
            "ts": ts,
            "ip": rng.choice(ips, len(who)),
            "device_id": rng.choice([f"dev{i}" for i in range(15)], len(who)),
        }
    )
    logins = pd.concat(
        [
            logins,
            pd.DataFrame(
                {"account_id": bots, "ts": start + 3_600, "ip": "8.8.8.8", "device_id": "farm"}
            ),
        ]
    )
    rooms = np.array(["roomA", "roomB", "roomC", "roomD"])
    who, ts = events(200)
    engagements = pd.DataFrame(
        {
            "account_id": who,
            "room_id": rng.choice(rooms, len(who)),
            "ts": ts,
            "kind": rng.choice(["view", "like", "gift"], len(who)),
            "amount": rng.integers(1, 100, len(who)),
        }
    )
    planted = pd.DataFrame(
        [
            {
                "account_id": b,
                "room_id": room,
                "ts": start + h * 3_600 + i,
                "kind": "view",
                "amount": 60,
            }
            for i, b in enumerate(bots)
            for room, h in (("roomA", 5), ("roomB", 7), ("roomC", 30), ("roomD", 55))
        ]
    )
    engagements = pd.concat([engagements, planted])
    who, ts = events(80)
    texts = np.array(
        ["666", "主播好棒", "这个直播间的东西真的很不错大家快来看看", "hello there friend", "😂😂"]
    )
    comments = pd.DataFrame(
        {
            "account_id": who,
            "room_id": rng.choice(rooms, len(who)),
            "ts": ts,
            "text": rng.choice(texts, len(who)),
            "client": rng.choice(["iPhone", "Android", "web"], len(who)),
        }
    )
    who, ts = events(60)
    follows = pd.DataFrame(
        {
            "follower_id": who,
            "followee_id": rng.choice(ids[6:11], len(who)),
            "ts": ts,
            "action": rng.choice(["follow", "unfollow"], len(who), p=[0.85, 0.15]),
        }
    )
    follows = pd.concat(
        [
            follows,
            pd.DataFrame(
                [
                    {
                        "follower_id": b,
                        "followee_id": t,
                        "ts": start + h * 3_600 + i * 30,
                        "action": "follow",
                    }
                    for i, b in enumerate(bots)
                    for t, h in ((ids[12], 2), (ids[13], 4))
                ]
            ),
        ]
    )
    who, ts = events(25)
    refunded = np.where(rng.random(len(who)) < 0.4, ts + rng.integers(60, 86_400, len(who)), None)
    orders = pd.DataFrame(
        {
            "order_id": [f"ord{i}" for i in range(len(who))],
            "account_id": who,
            "room_id": rng.choice(rooms, len(who)),
            "ts": ts,
            "amount": rng.integers(1, 300, len(who)),
            "refunded_at": refunded,
        }
    )
    return {
        "accounts": accounts_,
        "logins": logins,
        "engagements": engagements,
        "comments": comments,
        "follows": follows,
        "orders": orders,
    }


@pytest.fixture(scope="session")
def make_world():
    """random_world(seed) as a fixture."""
    return random_world
