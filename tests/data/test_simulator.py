"""The simulated world's own statistics, per archetype and bot kind.

These tests keep the world honest: every signal a detector could learn must be there,
and every confounder that makes a single rule fail must be there too, so the world can
neither lose its signals nor drift into something trivially separable.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from training.simulator import BOT_KINDS, HUMAN_ARCHETYPES, SimulationConfig, simulate
from training.simulator.tables import SCHEMAS

SCALE = 0.15
TABLES = tuple(SCHEMAS)


def _read(folder: Path, fmt: str = "parquet") -> dict[str, pd.DataFrame]:
    if fmt == "parquet":
        return {name: pq.read_table(folder / f"{name}.parquet").to_pandas() for name in TABLES}
    return {name: pd.read_csv(folder / f"{name}.csv", dtype=str) for name in TABLES}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("world")
    summary = simulate(SimulationConfig(seed=7, scale=SCALE), out)
    tables = _read(out)
    role = tables["labels"].set_index("account_id")["archetype"]
    for name in ("logins", "comments", "engagements", "orders"):
        tables[name]["role"] = tables[name]["account_id"].map(role).to_numpy()
    tables["follows"]["role"] = tables["follows"]["follower_id"].map(role).to_numpy()
    return summary, tables, out


def _cst_hour(ts: pd.Series) -> np.ndarray:
    return ts.dt.tz_convert("Asia/Shanghai").dt.hour.to_numpy()


def _in_hours(ts: pd.Series, hours) -> float:
    return float(np.isin(_cst_hour(ts), list(hours)).mean())


# --- contract ---------------------------------------------------------------------------

def test_every_table_follows_the_contract(world):
    summary, tables, out = world
    for name in TABLES:
        schema = pq.read_schema(out / f"{name}.parquet")
        assert schema.equals(SCHEMAS[name]), name
        assert summary.events[name] == len(tables[name])
    accounts = tables["accounts"]
    assert accounts["account_id"].is_unique
    assert tables["orders"]["order_id"].is_unique
    assert set(tables["labels"]["account_id"]) == set(accounts["account_id"])
    known = set(accounts["account_id"])
    for name, column in (("follows", "follower_id"), ("follows", "followee_id"),
                         ("logins", "account_id"), ("comments", "account_id"),
                         ("engagements", "account_id"), ("orders", "account_id")):
        assert set(tables[name][column]) <= known, (name, column)
    assert str(tables["logins"]["ts"].dt.tz) == "UTC"
    assert set(tables["follows"]["action"]) == {"follow", "unfollow"}
    assert set(tables["engagements"]["kind"]) == {"view", "like", "share", "gift"}
    assert tables["follows"]["ts"].notna().all()
    refunded = tables["orders"].dropna(subset=["refunded_at"])
    assert (refunded["refunded_at"] > refunded["ts"]).all()


def test_ids_and_row_order_do_not_leak_the_label(world):
    _, tables, _ = world
    ids = tables["accounts"]["account_id"]
    assert ids.str.fullmatch(r"u\d{10}").all()
    labels = tables["labels"]
    is_bot = (labels["label"] == "bot").to_numpy().astype(float)
    position = np.arange(len(is_bot)) / len(is_bot)
    assert abs(np.corrcoef(position, is_bot)[0, 1]) < 0.1
    id_number = labels["account_id"].str[1:].astype(np.int64).to_numpy()
    assert abs(np.corrcoef(id_number, is_bot)[0, 1]) < 0.1
    bots = labels.loc[labels["label"] == "bot", "account_id"]
    profile = tables["accounts"].set_index("account_id")
    assert 0.05 < profile.loc[bots, "has_avatar"].mean() < 0.9
    assert profile.loc[bots, "nickname"].str.contains(r"\d").mean() < 0.95


def test_population_has_every_kind_and_the_asked_bot_share(world):
    summary, tables, _ = world
    labels = tables["labels"]
    assert set(summary.bots_by_kind) == set(BOT_KINDS)
    assert all(count > 0 for count in summary.bots_by_kind.values())
    assert all(summary.humans_by_archetype[a] > 0 for a in HUMAN_ARCHETYPES)
    members = labels[labels["archetype"] != "streamer"]
    assert (members["label"] == "bot").mean() == pytest.approx(0.3, abs=0.01)
    assert set(labels["bot_kind"].dropna()) == set(BOT_KINDS)
    assert (labels.loc[labels["label"] == "bot", "bot_kind"] == labels.loc[
        labels["label"] == "bot", "archetype"]).all()
    assert len(summary.streamers) == summary.humans_by_archetype["streamer"]
    total = sum(summary.events[name] for name in TABLES if name not in ("accounts", "labels"))
    assert total > 40 * summary.accounts  # scale 1 is 1-2M events for 20,000 accounts


# --- determinism and split --------------------------------------------------------------

def _table_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in TABLES:
        table = pq.read_table(folder / f"{name}.parquet")
        digest.update(table.to_pandas().to_csv(index=False).encode())
    return digest.hexdigest()


def test_same_seed_gives_identical_tables_and_other_seeds_differ(tmp_path):
    config = SimulationConfig(seed=3, scale=0.06)
    simulate(config, tmp_path / "a")
    simulate(config, tmp_path / "b")
    simulate(SimulationConfig(seed=4, scale=0.06), tmp_path / "c")
    assert _table_digest(tmp_path / "a") == _table_digest(tmp_path / "b")
    assert _table_digest(tmp_path / "a") != _table_digest(tmp_path / "c")


def test_chunks_bound_memory_and_keep_ids_unique(tmp_path):
    summary = simulate(SimulationConfig(seed=1, scale=0.1, chunk_accounts=1_000), tmp_path)
    accounts = pq.read_table(tmp_path / "accounts.parquet").to_pandas()
    orders = pq.read_table(tmp_path / "orders.parquet").to_pandas()
    assert len(accounts) == summary.accounts == 2_000
    assert accounts["account_id"].is_unique and orders["order_id"].is_unique


def test_split_has_disjoint_accounts_and_csv_follows_the_contract(tmp_path):
    config = SimulationConfig(seed=5, scale=0.06, split=True, fmt="csv")
    summary = simulate(config, tmp_path)
    train, test = _read(tmp_path / "train", "csv"), _read(tmp_path / "test", "csv")
    streamers = set(summary.streamers)
    train_ids = set(train["accounts"]["account_id"]) - streamers
    test_ids = set(test["accounts"]["account_id"]) - streamers
    assert not train_ids & test_ids
    assert len(test_ids) / (len(train_ids) + len(test_ids)) == pytest.approx(0.3, abs=0.02)
    for side in (train, test):
        known = set(side["accounts"]["account_id"])
        assert set(side["follows"]["followee_id"]) <= known
        assert set(side["engagements"]["account_id"]) <= known
        assert side["logins"]["ts"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
        assert set(side["labels"]["archetype"]) >= {"streamer", "click_farm", "casual"}
        times = pd.to_datetime(side["orders"]["ts"], utc=True)
        assert times.notna().all()


def test_label_noise_flips_about_the_asked_share(tmp_path):
    simulate(SimulationConfig(seed=2, scale=0.1, label_noise=0.1), tmp_path)
    labels = pq.read_table(tmp_path / "labels.parquet").to_pandas()
    members = labels[labels["archetype"] != "streamer"]
    flipped = (members["label"] == "bot") != members["bot_kind"].notna()
    assert flipped.mean() == pytest.approx(0.1, abs=0.01)


# --- hour of day ------------------------------------------------------------------------

def test_humans_peak_in_the_evening_china_time(world):
    _, tables, _ = world
    views = tables["engagements"].query("kind == 'view' and role == 'casual'")
    hours = np.bincount(_cst_hour(views["ts"]), minlength=24) / len(views)
    assert 19 <= hours.argmax() <= 23
    assert hours[19:24].sum() > 0.4
    assert hours[2:7].sum() < 0.05


def test_night_shift_workers_are_active_at_night(world):
    _, tables, _ = world
    night = [23, 0, 1, 2, 3, 4, 5, 6, 7, 8]
    logins = tables["logins"]
    assert _in_hours(logins.query("role == 'night_shift'")["ts"], night) > 0.55
    assert _in_hours(logins.query("role == 'casual'")["ts"], night) < 0.35


def test_click_farms_act_only_in_their_evening_windows(world):
    _, tables, _ = world
    for name in ("engagements", "comments", "logins"):
        farm = tables[name].query("role == 'click_farm'")
        assert _in_hours(farm["ts"], range(18, 24)) > 0.97, name


def test_click_farm_crews_appear_together_across_rooms(world):
    """Members of a crew enter the same rooms within minutes of each other, again and
    again; viewers of the same rooms rarely do."""
    _, tables, _ = world
    views = tables["engagements"].query("kind == 'view'").copy()
    views["visit"] = views["room_id"] + views["ts"].dt.floor("15min").astype(str)

    def partners(role: str) -> float:
        mine = views[views["role"] == role]
        pairs = mine.merge(mine, on="visit")
        pairs = pairs[pairs["account_id_x"] != pairs["account_id_y"]]
        together = pairs.groupby(["account_id_x", "account_id_y"]).size()
        return float((together >= 4).groupby(level=0).sum().median())

    assert partners("click_farm") >= 10
    assert partners("casual") <= 2


# --- IP sharing -------------------------------------------------------------------------

def _accounts_per_ip(logins: pd.DataFrame) -> pd.Series:
    return logins.groupby("ip")["account_id"].nunique()


def test_nat_and_campus_humans_share_addresses_with_hundreds(world):
    _, tables, _ = world
    logins = tables["logins"]
    sharing = _accounts_per_ip(logins)
    for role in ("nat_user", "campus_user"):
        mine = logins[logins["role"] == role]
        busiest = mine["ip"].map(sharing).groupby(mine["account_id"]).max()
        assert busiest.median() >= 100, role
        devices = mine.groupby("ip")["device_id"].nunique().max()
        assert devices >= 100, role  # many different phones behind one address
    casual = logins[logins["role"] == "casual"]
    assert casual["ip"].map(sharing).groupby(casual["account_id"]).max().median() < 30


def test_bulk_fans_share_proxies_and_devices_while_click_farms_do_not(world):
    _, tables, _ = world
    logins = tables["logins"]
    sharing = _accounts_per_ip(logins)
    by_device = logins.groupby("device_id")["account_id"].nunique()

    def median_sharing(role: str, per: pd.Series, column: str) -> float:
        mine = logins[logins["role"] == role]
        return float(mine[column].map(per).groupby(mine["account_id"]).max().median())

    assert median_sharing("bulk_fan", sharing, "ip") >= 5
    assert median_sharing("bulk_fan", by_device, "device_id") >= 5
    assert median_sharing("click_farm", by_device, "device_id") == 1
    assert logins["ip"].str.contains(":").any()  # some IPv6


# --- comments ---------------------------------------------------------------------------

def test_superfans_repeat_short_stock_phrases(world):
    _, tables, _ = world
    comments = tables["comments"]
    fans = comments[comments["role"] == "superfan"]
    top_share = fans.groupby("account_id")["text"].agg(
        lambda t: t.value_counts().iloc[0] / len(t) if len(t) >= 10 else np.nan)
    assert top_share.median() > 0.3
    assert fans["text"].str.len().median() <= 4


def test_comment_bots_repeat_long_sentences_shared_across_accounts(world):
    _, tables, _ = world
    comments = tables["comments"]
    bots = comments[comments["role"] == "comment_bot"]
    assert bots["text"].str.len().median() >= 12
    writers = bots.groupby("text")["account_id"].nunique()
    assert writers.median() >= 10
    casual = comments[(comments["role"] == "casual") & (comments["text"].str.len() >= 12)]
    assert casual.groupby("text")["account_id"].nunique().median() <= 3


def test_comment_bots_post_at_near_fixed_intervals(world):
    _, tables, _ = world
    comments = tables["comments"].sort_values("ts")
    bots = comments[comments["role"] == "comment_bot"]
    gaps = bots.groupby(["account_id", "room_id"])["ts"].diff().dt.total_seconds()
    gaps = gaps[(gaps > 0) & (gaps < 600)]
    per_account = gaps.groupby(bots["account_id"]).agg(lambda g: g.std() / g.mean())
    assert per_account.median() < 0.6


# --- orders -----------------------------------------------------------------------------

def _refund_rate(orders: pd.DataFrame, role: str, settled_before) -> float:
    mine = orders[(orders["role"] == role) & (orders["ts"] < settled_before)]
    return float(mine["refunded_at"].notna().mean())


def test_buyers_refund_now_and_then_and_brushers_almost_always(world):
    _, tables, _ = world
    orders = tables["orders"]
    settled = orders["ts"].max() - pd.Timedelta(days=20)
    assert 0.04 <= _refund_rate(orders, "buyer", settled) <= 0.16
    assert _refund_rate(orders, "order_brusher", settled) >= 0.8
    brushed = orders[(orders["role"] == "order_brusher") & orders["refunded_at"].notna()]
    delay = (brushed["refunded_at"] - brushed["ts"]).dt.total_seconds() / 86_400
    assert delay.between(1, 3).all()


def test_order_brushers_barely_watch(world):
    _, tables, _ = world
    views = tables["engagements"].query("kind == 'view'")
    watched = views.groupby("role")["amount"].sum()
    orders = tables["orders"].groupby("role").size()
    assert watched["order_brusher"] / orders["order_brusher"] < 0.1 * (
        watched["buyer"] / orders["buyer"])


# --- follows ----------------------------------------------------------------------------

def _has_neighbour_within(follows: pd.DataFrame, seconds: int) -> pd.Series:
    """Per follow: is there another follow of the same streamer within `seconds`?"""
    follows = follows.sort_values(["followee_id", "ts"])
    t = (follows["ts"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    gap = t.groupby(follows["followee_id"]).diff()
    next_gap = -t.groupby(follows["followee_id"]).diff(-1)
    return (np.fmin(gap, next_gap) <= seconds).reindex(follows.index)


def test_bulk_fans_arrive_in_bursts_of_minutes(world):
    """Every bulk fan's delivery follow lands within minutes of its pack's; ordinary
    follows of the same rooms are spread out."""
    _, tables, _ = world
    follows = tables["follows"].query("action == 'follow'")
    bulk = follows[follows["role"] == "bulk_fan"]
    in_burst = _has_neighbour_within(bulk, 10 * 60).groupby(bulk["follower_id"]).any()
    assert in_burst.mean() > 0.9
    casual = follows[follows["role"] == "casual"]
    assert _has_neighbour_within(casual, 10 * 60).mean() < 0.5


def test_a_viral_clip_brings_a_genuine_burst_of_diverse_humans(world):
    _, tables, _ = world
    follows = tables["follows"].query("action == 'follow' and role == 'viral_follower'")
    by_streamer = follows.groupby("followee_id")["ts"]
    viral = by_streamer.size().idxmax()
    burst = follows[follows["followee_id"] == viral]["ts"]
    hours_from_median = (burst - burst.median()).dt.total_seconds().abs() / 3600
    assert (hours_from_median <= 6).mean() > 0.8
    assert len(burst) >= 100
    accounts = tables["accounts"].set_index("account_id")
    ages = accounts.loc[follows[follows["followee_id"] == viral]["follower_id"], "created_at"]
    assert (ages.max() - ages.min()) > pd.Timedelta(days=365)
    logins = tables["logins"]
    ips = logins[logins["account_id"].isin(set(follows["follower_id"]))]["ip"]
    assert ips.nunique() > 0.5 * len(burst)


def test_stepped_deliveries_rise_step_by_step(world):
    _, tables, _ = world
    follows = tables["follows"].query("action == 'follow' and role == 'stepped_delivery'")
    day = follows["ts"].dt.tz_convert("Asia/Shanghai").dt.floor("D")
    rising = 0
    campaigns = follows.groupby([follows["followee_id"]])
    campaigns = [c for _, c in campaigns if len(c) >= 30]
    for campaign in campaigns:
        per_day = campaign.groupby(day.loc[campaign.index]).size()
        steps = per_day[per_day >= 0.05 * len(campaign)]
        rising += int(len(steps) >= 3 and np.corrcoef(np.arange(len(steps)), steps)[0, 1] > 0.8)
    assert rising >= 1
    assert rising >= 0.6 * len(campaigns)


def test_drip_feed_followers_unfollow_and_are_topped_up(world):
    _, tables, _ = world
    follows = tables["follows"][tables["follows"]["role"] == "drip_feed"]
    actions = follows.groupby("follower_id")["action"].agg(set)
    left = actions.apply(lambda a: "unfollow" in a).mean()
    assert 0.2 < left < 0.8
    unfollows = follows[follows["action"] == "unfollow"]
    humans = tables["follows"][tables["follows"]["role"] == "casual"]
    assert (humans["action"] == "unfollow").mean() < 0.5 * len(unfollows) / len(follows)


def test_high_end_fans_arrive_over_days_and_mix_people_and_machines(world):
    _, tables, _ = world
    follows = tables["follows"].query("role == 'high_end_fan' and action == 'follow'")
    main = follows.groupby("followee_id")["ts"].agg(lambda t: t.max() - t.min())
    assert main.max() > pd.Timedelta(days=2)
    logins = tables["logins"]
    sharing = _accounts_per_ip(logins)
    mine = logins[logins["role"] == "high_end_fan"]
    busiest = mine["ip"].map(sharing).groupby(mine["account_id"]).max()
    assert 0.2 < (busiest == 1).mean() < 0.9  # some run by people on own phones


# --- hardness and difficulty -----------------------------------------------------------

def _single_family_features(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One simple per-account feature from each family a detector would build."""
    accounts = tables["accounts"].set_index("account_id")
    logins, comments = tables["logins"], tables["comments"]
    views = tables["engagements"].query("kind == 'view'")
    by_ip = logins.groupby("ip")["account_id"].nunique()
    by_device = logins.groupby("device_id")["account_id"].nunique()
    evening = np.isin(_cst_hour(logins["ts"]), range(18, 24))
    features = pd.DataFrame({
        "profile_age_days": (pd.Timestamp("2026-10-01", tz="UTC")
                             - accounts["created_at"]).dt.days,
        "profile_followers": accounts["followers_count"],
        "hours_evening_share": pd.Series(evening, logins.index).groupby(
            logins["account_id"]).mean(),
        "network_ip_sharing": logins["ip"].map(by_ip).groupby(logins["account_id"]).max(),
        "network_device_sharing": logins["device_id"].map(by_device).groupby(
            logins["account_id"]).max(),
        "network_addresses": logins.groupby("account_id")["ip"].nunique(),
        "viewing_watch_median": views.groupby("account_id")["amount"].median(),
        "viewing_visits": views.groupby("account_id").size(),
        "comments_count": comments.groupby("account_id").size(),
        "comments_length": comments["text"].str.len().groupby(comments["account_id"]).median(),
    })
    return features.reindex(accounts.index).fillna(-1)


@pytest.mark.parametrize("kind", ["click_farm", "high_end_fan"])
def test_hard_kinds_stay_hard_for_any_single_feature(world, kind):
    from sklearn.metrics import roc_auc_score

    _, tables, _ = world
    role = tables["labels"].set_index("account_id")["archetype"]
    features = _single_family_features(tables)
    pool = role[role.isin([*HUMAN_ARCHETYPES, kind])]
    target = (pool == kind).astype(int)
    for name in features:
        auc = roc_auc_score(target, features.loc[pool.index, name])
        assert max(auc, 1 - auc) < 0.95, (kind, name, auc)


def test_difficulty_spreads_bulk_deliveries_and_pools(tmp_path):
    def bulk_stats(difficulty: float) -> tuple[float, float]:
        folder = tmp_path / str(difficulty)
        simulate(SimulationConfig(seed=9, scale=0.06, kind_difficulty=(
            ("bulk_fan", difficulty),)), folder)
        tables = _read(folder)
        bulk = set(tables["labels"].query("archetype == 'bulk_fan'")["account_id"])
        follows = tables["follows"][tables["follows"]["follower_id"].isin(bulk)]
        spread = follows.groupby("followee_id")["ts"].agg(
            lambda t: (t.quantile(0.5) - t.min()).total_seconds()).max()
        logins = tables["logins"][tables["logins"]["account_id"].isin(bulk)]
        return spread, logins["ip"].nunique() / len(bulk)

    blatant, careful = bulk_stats(0.0), bulk_stats(1.0)
    assert blatant[0] < careful[0]
    assert blatant[1] < careful[1]
