"""Properties of the whole feature table: row order and id names do not matter, labels are
never read, missing tables give missing values, and every declared feature is computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fanaudit.features.families import profile
from fanaudit.features.registry import FEATURES, FEATURE_NAMES, render_reason

ACCOUNT_COLUMNS = {
    "accounts": ["account_id"],
    "logins": ["account_id"],
    "engagements": ["account_id"],
    "comments": ["account_id"],
    "follows": ["follower_id", "followee_id"],
    "orders": ["account_id"],
}
PROFILE_FEATURES = {f.name for f in profile.FEATURES}


def renamed_and_shuffled(tables: dict[str, pd.DataFrame], seed: int):
    """Every table with rows shuffled and account, room, order and device ids renamed
    consistently; also the map from new account id to old."""
    rng = np.random.default_rng(seed)
    old = tables["accounts"].account_id.tolist()
    new = [f"z{v}" for v in rng.permutation(10**6)[: len(old)]]
    accounts = dict(zip(old, new, strict=False))
    rooms = {r: f"room-{rng.integers(10**9)}-{r}" for r in ("roomA", "roomB", "roomC", "roomD")}
    out = {}
    for name, frame in tables.items():
        frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        for column in ACCOUNT_COLUMNS[name]:
            frame[column] = frame[column].map(accounts)
        if "room_id" in frame:
            frame["room_id"] = frame["room_id"].map(rooms)
        if name == "orders":
            frame["order_id"] = "x" + frame["order_id"]
        if name == "logins":
            frame["device_id"] = "phone-" + frame["device_id"]
        out[name] = frame
    return out, {v: k for k, v in accounts.items()}


@pytest.mark.slow  # eight stagings of a whole small platform
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**31 - 1))
def test_row_order_and_id_names_do_not_matter(featurize, make_world, seed):
    world = make_world(seed)
    before = featurize(world)
    shuffled, back = renamed_and_shuffled(world, seed + 1)
    after = featurize(shuffled).rename(index=back).sort_index()
    pd.testing.assert_frame_equal(before.sort_index(), after, check_exact=False, rtol=1e-9)


def test_labels_are_never_read(featurize, make_world):
    world = make_world(7)
    labels = pd.DataFrame(
        {
            "account_id": world["accounts"].account_id,
            "label": ["bot"] * 6 + ["human"] * (len(world["accounts"]) - 6),
        }
    )
    pd.testing.assert_frame_equal(featurize(world), featurize({**world, "labels": labels}))


def test_every_declared_feature_is_computed(featurize, make_world):
    feats = featurize(make_world(3))
    assert list(feats.columns) == list(FEATURE_NAMES)
    assert [name for name in FEATURE_NAMES if feats[name].isna().all()] == []


def test_planted_bots_stand_out(featurize, make_world):
    """Six bots (tests/unit/conftest.py) enter four rooms and follow two targets in the same
    minutes, from one address, registered the same day: each has exactly the other five as
    peers, and no person does; both their follows land in bursts (nobody else follows
    those two targets: six follows in one 10-minute cell, 6 / (1 + 6/144) > 5)."""
    feats = featurize(make_world(11))
    bots = feats.loc[[f"acc{i:03d}" for i in range(6)]]
    assert (bots.room_lockstep_peers == 5).all() and (bots.room_lockstep_rooms == 4).all()
    assert (bots.follow_lockstep_peers == 5).all() and (bots.follow_lockstep_targets == 2).all()
    assert (bots.ip_same_week_peers == 5).all()
    assert (bots.follow_burst_share == 1).all()
    people = feats.drop(bots.index)
    assert (people[["room_lockstep_peers", "follow_lockstep_peers"]].fillna(0) < 5).all().all()


def test_accounts_only_gives_missing_behaviour(featurize, make_world):
    feats = featurize({"accounts": make_world(5)["accounts"]})
    behaviour = [n for n in FEATURE_NAMES if n not in PROFILE_FEATURES]
    assert feats[behaviour].isna().all().all()
    assert feats["account_age_days"].notna().all()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_reason_renders(lang):
    values = {f.name: 1.5 for f in FEATURES}
    for feature in FEATURES:
        text = render_reason(feature.name, values, lang)
        assert text and "{" not in text
        unknown = render_reason(feature.name, {}, lang)
        assert unknown and "{" not in unknown and "nan" not in unknown.lower()
