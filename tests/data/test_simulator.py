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

from fanaudit.training.simulator import BOT_KINDS, HUMAN_ARCHETYPES, SimulationConfig, simulate
from fanaudit.training.simulator.tables import SCHEMAS
from fanaudit.training.simulator.text import LUCKY_BAG_PASSWORDS

SCALE = 0.15
TABLES = tuple(SCHEMAS)
MONTH_START = pd.Timestamp("2026-10-01", tz="UTC")


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
    for name, column in (
        ("follows", "follower_id"),
        ("follows", "followee_id"),
        ("logins", "account_id"),
        ("comments", "account_id"),
        ("engagements", "account_id"),
        ("orders", "account_id"),
    ):
        assert set(tables[name][column]) <= known, (name, column)
    assert str(tables["logins"]["ts"].dt.tz) == "UTC"
    assert set(tables["follows"]["action"]) == {"follow", "unfollow"}
    assert set(tables["engagements"]["kind"]) == {"view", "like", "share", "gift"}
    assert tables["follows"]["ts"].notna().all()
    refunded = tables["orders"].dropna(subset=["refunded_at"])
    assert (refunded["refunded_at"] > refunded["ts"]).all()


def test_no_account_acts_before_it_registered(world):
    _, tables, _ = world
    created = tables["accounts"].set_index("account_id")["created_at"]
    for name, column in (
        ("follows", "follower_id"),
        ("logins", "account_id"),
        ("comments", "account_id"),
        ("engagements", "account_id"),
        ("orders", "account_id"),
    ):
        table = tables[name]
        assert (table["ts"] >= table[column].map(created)).all(), name


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
    assert (
        labels.loc[labels["label"] == "bot", "bot_kind"]
        == labels.loc[labels["label"] == "bot", "archetype"]
    ).all()
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


@pytest.mark.slow  # simulates three worlds
def test_same_seed_gives_identical_tables_and_other_seeds_differ(tmp_path):
    config = SimulationConfig(seed=3, scale=0.06)
    simulate(config, tmp_path / "a")
    simulate(config, tmp_path / "b")
    simulate(SimulationConfig(seed=4, scale=0.06), tmp_path / "c")
    assert _table_digest(tmp_path / "a") == _table_digest(tmp_path / "b")
    assert _table_digest(tmp_path / "a") != _table_digest(tmp_path / "c")


def test_a_world_simulated_in_chunks_has_every_account_once_and_unique_order_ids(tmp_path):
    # (memory per chunk is measured by benchmarks/, never by a unit test)
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


# --- the world's statistics per archetype ------------------------------------------------


def _archetype_statistics(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per archetype, the median over its accounts of what an analyst looks at first (refund
    rate: over all its orders old enough to have been refunded)."""
    accounts = tables["accounts"].set_index("account_id")
    logins, views = tables["logins"], tables["engagements"]
    events = pd.concat([logins[["account_id", "ts"]], views[["account_id", "ts"]]])
    hour = pd.Series(_cst_hour(events["ts"]), events.index)
    by_account = events["account_id"]
    users_of_ip = logins.groupby("ip")["account_id"].nunique()
    users_of_device = logins.groupby("device_id")["account_id"].nunique()
    comments = tables["comments"]
    written = comments.groupby("account_id").size()
    top_text = comments.groupby(["account_id", "text"]).size().groupby("account_id").max()
    follows = tables["follows"].query("action == 'follow'")
    first_follow = follows.groupby("follower_id")["ts"].min()
    per_account = pd.DataFrame(
        {
            "evening_share": hour.between(18, 23).groupby(by_account).mean(),
            "daytime_share": hour.between(9, 17).groupby(by_account).mean(),
            "night_share": hour.between(1, 5).groupby(by_account).mean(),
            "active_days": events["ts"]
            .dt.tz_convert("Asia/Shanghai")
            .dt.date.groupby(by_account)
            .nunique(),
            "ip_sharing": logins["ip"].map(users_of_ip).groupby(logins["account_id"]).max(),
            "device_sharing": logins["device_id"]
            .map(users_of_device)
            .groupby(logins["account_id"])
            .max(),
            "age_days": (MONTH_START - accounts["created_at"]).dt.total_seconds() / 86_400,
            "top_comment_share": (top_text / written).where(written >= 5),
            "first_follow_minutes": (first_follow - accounts["created_at"]).dt.total_seconds() / 60,
        }
    ).reindex(accounts.index)
    role = tables["labels"].set_index("account_id")["archetype"]
    statistics = per_account.groupby(role).median()
    # A bot kind's accounts come from careful stock (own address and phone, aged) and from
    # batch stock (shared proxies and devices, young), in a share that varies by seller:
    # its batch half is described by the upper quartile of sharing and the lower of age.
    by_role = per_account.groupby(role)
    statistics["ip_sharing_batch"] = by_role["ip_sharing"].quantile(0.75)
    statistics["device_sharing_batch"] = by_role["device_sharing"].quantile(0.75)
    statistics["age_days_batch"] = by_role["age_days"].quantile(0.25)
    orders = tables["orders"]
    settled = orders[orders["ts"] < orders["ts"].max() - pd.Timedelta(days=20)]
    statistics["refund_rate"] = settled["refunded_at"].notna().groupby(settled["role"]).mean()
    return statistics


# statistic: {archetype: (low, high)} for the world at the default difficulty 0.5; bot kinds
# mix careless and careful sellers (`seller_cares`), so their statistics move with the draw
# of a few sellers and their bounds are wider than the humans'.
EXPECTED = {
    "evening_share": {
        "casual": (0.55, 0.9),
        "superfan": (0.8, 1.0),
        "night_shift": (0.2, 0.5),
        "campus_user": (0.7, 0.95),
        "click_farm": (0.7, 0.95),
        "bulk_fan": (0.35, 0.7),
    },
    "daytime_share": {
        "casual": (0.05, 0.25),
        "buyer": (0.08, 0.3),
        "night_shift": (0.0, 0.1),
        "campus_user": (0.0, 0.1),
    },
    "night_share": {"night_shift": (0.15, 0.5), "casual": (0.0, 0.05)},
    "active_days": {
        "casual": (4, 12),
        "superfan": (12, 22),
        "promo_signup": (1, 6),
        "giveaway_hunter": (10, 22),
        "newcomer": (2, 9),
        "click_farm": (7, 16),
        "bulk_fan": (2, 10),
    },
    "ip_sharing": {
        "casual": (1, 3),
        "nat_user": (100, 500),
        "campus_user": (100, 500),
        "promo_signup": (15, 61),
        "shared_device": (2, 10),
        "click_farm": (1, 3),
        "bulk_fan": (1, 100),
        "comment_bot": (1, 100),
    },
    "ip_sharing_batch": {"bulk_fan": (4, 150), "comment_bot": (3, 100), "drip_feed": (3, 100)},
    "device_sharing": {
        "casual": (1, 1),
        "nat_user": (1, 1),
        "shared_device": (2, 6),
        "click_farm": (1, 1),
        "high_end_fan": (1, 5),
        "bulk_fan": (1, 40),
        "order_brusher": (1, 40),
    },
    "device_sharing_batch": {
        "bulk_fan": (3, 60),
        "order_brusher": (3, 60),
        "stepped_delivery": (3, 60),
    },
    "age_days": {
        "casual": (600, 2000),
        "newcomer": (-30, 0),
        "promo_signup": (-30, 0),
        "click_farm": (500, 1500),
        "bulk_fan": (-30, 700),
        "drip_feed": (0, 700),
    },
    "age_days_batch": {
        "bulk_fan": (-30, 120),
        "drip_feed": (-30, 120),
        "stepped_delivery": (-30, 120),
        "click_farm": (150, 1000),
    },
    "top_comment_share": {
        "superfan": (0.4, 0.8),
        "casual": (0.1, 0.3),
        "comment_bot": (0.03, 0.15),
    },
    "first_follow_minutes": {"newcomer": (0, 20), "promo_signup": (0, 10)},
    "refund_rate": {"buyer": (0.15, 0.35), "casual": (0.02, 0.15), "order_brusher": (0.7, 0.95)},
}


def test_each_archetype_keeps_its_statistics(world):
    """The per-archetype statistics of the world stay where a trust-and-safety analyst would
    expect them; every violation is listed."""
    _, tables, _ = world
    statistics = _archetype_statistics(tables)
    outside = [
        f"{archetype} {name} = {statistics.loc[archetype, name]:.3g} not in [{low}, {high}]"
        for name, bounds in EXPECTED.items()
        for archetype, (low, high) in bounds.items()
        if not low <= statistics.loc[archetype, name] <= high
    ]
    assert not outside, "\n".join(outside)


# --- hour of day and routines -------------------------------------------------------------


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


def test_people_keep_different_rhythms(world):
    """Office lunch breaks, after-work evenings, retirees' daytime, weekend-only users and
    evening binges: the per-person hour and day shapes are spread wide."""
    _, tables, _ = world
    logins = tables["logins"].query("role == 'casual'")
    local = logins["ts"].dt.tz_convert("Asia/Shanghai")
    person = logins["account_id"]
    count = person.value_counts()
    regular = count.index[count >= 8]
    evening = local.dt.hour.between(18, 23).groupby(person).mean()[regular]
    daytime = local.dt.hour.between(9, 17).groupby(person).mean()[regular]
    assert evening.quantile(0.1) < 0.35 and evening.quantile(0.9) > 0.85
    assert 0.05 < (daytime > 0.5).mean() < 0.4
    weekend = local.dt.day_of_week.isin([5, 6]).groupby(person).mean()[count.index[count >= 5]]
    assert 0.03 < (weekend > 0.8).mean() < 0.3
    days = local.dt.date.groupby(person).nunique()
    assert 0.01 < ((count >= 15) & (days <= 5)).mean() < 0.2  # bingers


def test_click_farm_crews_work_booked_evenings_but_live_like_people(world):
    """Crew members log in at every hour of their own lives, with the booked evening
    windows on top."""
    _, tables, _ = world
    logins = tables["logins"]
    farm = logins.query("role == 'click_farm'")
    casual = logins.query("role == 'casual'")
    farm_hours = np.bincount(_cst_hour(farm["ts"]), minlength=24) / len(farm)
    casual_hours = np.bincount(_cst_hour(casual["ts"]), minlength=24) / len(casual)
    assert 0.5 * np.abs(farm_hours - casual_hours).sum() < 0.3
    assert 19 <= farm_hours.argmax() <= 21
    assert _in_hours(farm["ts"], range(18, 24)) < 0.85


def _lockstep_partners(views: pd.DataFrame, role: str) -> float:
    """Median over the role's accounts of the other accounts of the role that entered the
    same room in the same 15 minutes at least four times."""
    mine = views[views["role"] == role]
    pairs = mine.merge(mine, on="visit")
    pairs = pairs[pairs["account_id_x"] != pairs["account_id_y"]]
    together = pairs.groupby(["account_id_x", "account_id_y"]).size()
    partners = (together >= 4).groupby(level=0).sum()
    return float(partners.reindex(mine["account_id"].unique(), fill_value=0).median())


def test_click_farm_crews_appear_together_across_rooms(world):
    """Members of a crew enter the same rooms within minutes of each other, again and
    again; superfans meet at the start of their favourite's shows; casual viewers rarely
    meet twice."""
    _, tables, _ = world
    views = tables["engagements"].query("kind == 'view'").copy()
    views["visit"] = views["room_id"] + views["ts"].dt.floor("15min").astype(str)
    assert _lockstep_partners(views, "click_farm") >= 5
    assert _lockstep_partners(views, "superfan") >= 2
    assert _lockstep_partners(views, "casual") <= 1


# --- IP and device sharing ----------------------------------------------------------------


def _accounts_per_ip(logins: pd.DataFrame) -> pd.Series:
    return logins.groupby("ip")["account_id"].nunique()


def test_nat_and_campus_humans_share_addresses_with_hundreds(world):
    _, tables, _ = world
    logins = tables["logins"]
    for role in ("nat_user", "campus_user"):
        mine = logins[logins["role"] == role]
        devices = mine.groupby("ip")["device_id"].nunique().max()
        assert devices >= 100, role  # many different phones behind one address


def test_households_alts_and_cafes_share_devices(world):
    """Shared-device people: two to four accounts on a household tablet or one person's
    phone (alts registered the same week), and café PCs used by many regulars."""
    _, tables, _ = world
    logins = tables["logins"]
    users = logins.groupby("device_id")["account_id"].nunique()
    mine = logins[logins["role"] == "shared_device"]
    busiest = mine["device_id"].map(users).groupby(mine["account_id"]).max()
    assert (busiest >= 2).mean() > 0.9
    at_cafe = mine["user_agent"].str.contains("Windows")
    assert users[mine.loc[~at_cafe, "device_id"].unique()].max() <= 4
    assert users[mine.loc[at_cafe, "device_id"].unique()].median() >= 5
    casual = logins[logins["role"] == "casual"]
    assert casual["device_id"].map(users).max() == 1


def test_promotion_signups_register_together_on_the_venue_address(world):
    """Every promotion sign-up logged in from a venue address shared with the 15-60 people
    signed up there within the same three hours."""
    _, tables, _ = world
    created = tables["accounts"].set_index("account_id")["created_at"]
    logins = tables["logins"].query("role == 'promo_signup'")
    signups = logins.groupby("ip")["account_id"].unique()
    venues = signups[signups.map(len) >= 10]
    assert venues.map(len).between(15, 60).all()
    spans = venues.map(lambda accounts: created[accounts].max() - created[accounts].min())
    assert (spans <= pd.Timedelta(hours=3)).all()
    assert venues.map(len).sum() >= 0.95 * logins["account_id"].nunique()


def test_bulk_fans_share_proxies_and_devices_while_click_farms_do_not(world):
    _, tables, _ = world
    logins = tables["logins"]
    sharing = _accounts_per_ip(logins)
    by_device = logins.groupby("device_id")["account_id"].nunique()

    def median_sharing(role: str, per: pd.Series, column: str, q: float = 0.5) -> float:
        mine = logins[logins["role"] == role]
        return float(mine[column].map(per).groupby(mine["account_id"]).max().quantile(q))

    assert median_sharing("bulk_fan", sharing, "ip", 0.75) >= 5  # the batch stock
    assert median_sharing("bulk_fan", by_device, "device_id", 0.75) >= 5
    assert median_sharing("click_farm", by_device, "device_id", 0.95) == 1
    assert logins["ip"].str.contains(":").any()  # some IPv6


# --- registration -------------------------------------------------------------------------


def test_newcomers_follow_suggested_streamers_within_minutes_of_registering(world):
    _, tables, _ = world
    accounts = tables["accounts"].set_index("account_id")
    follows = tables["follows"].query("role == 'newcomer' and action == 'follow'")
    delay = follows["ts"] - follows["follower_id"].map(accounts["created_at"])
    early = (delay <= pd.Timedelta(minutes=20)).groupby(follows["follower_id"]).sum()
    assert (early >= 3).mean() > 0.9
    assert (accounts.loc[early.index, "created_at"] >= MONTH_START).all()


def test_some_viral_followers_registered_to_follow(world):
    _, tables, _ = world
    accounts = tables["accounts"].set_index("account_id")
    follows = tables["follows"].query("role == 'viral_follower' and action == 'follow'")
    first = follows.groupby("follower_id")["ts"].min()
    fresh = (first - accounts.loc[first.index, "created_at"]) <= pd.Timedelta(hours=1)
    assert 0.15 < fresh.mean() < 0.45


# --- comments -----------------------------------------------------------------------------


def test_superfans_repeat_short_stock_phrases(world):
    _, tables, _ = world
    comments = tables["comments"]
    fans = comments[comments["role"] == "superfan"]
    assert fans["text"].str.len().median() <= 4


def test_comment_bots_repeat_long_sentences_shared_across_accounts(world):
    _, tables, _ = world
    comments = tables["comments"]
    bots = comments[comments["role"] == "comment_bot"]
    scripted = bots[bots["text"].str.len() >= 12]
    assert len(scripted) > 0.5 * len(bots)
    writers = scripted.groupby("text")["account_id"].nunique()
    assert scripted["text"].map(writers).median() >= 10


def test_lucky_bag_passwords_are_posted_word_for_word_by_many_people(world):
    """A raffle's password is a long sentence hundreds of viewers post verbatim, the human
    twin of a comment script; lucky-bag hunters post little else."""
    _, tables, _ = world
    comments = tables["comments"]
    humans = comments[comments["role"].isin(HUMAN_ARCHETYPES)]
    passwords = humans[humans["text"].isin(LUCKY_BAG_PASSWORDS)]
    assert passwords.groupby("text")["account_id"].nunique().median() >= 20
    posted = passwords["account_id"].nunique() / humans["account_id"].nunique()
    assert 0.1 < posted < 0.6
    hunters = humans[humans["role"] == "giveaway_hunter"]
    share = hunters["text"].isin(LUCKY_BAG_PASSWORDS).groupby(hunters["account_id"]).mean()
    assert share.median() > 0.5


def test_comment_bots_post_at_near_fixed_intervals(world):
    _, tables, _ = world
    comments = tables["comments"].sort_values("ts")
    bots = comments[comments["role"] == "comment_bot"]
    gaps = bots.groupby(["account_id", "room_id"])["ts"].diff().dt.total_seconds()
    gaps = gaps[(gaps > 0) & (gaps < 600)]
    per_account = gaps.groupby(bots["account_id"]).agg(lambda g: g.std() / g.mean())
    assert per_account.median() < 0.6


# --- orders -------------------------------------------------------------------------------


def test_serial_returners_refund_most_and_brushers_refund_within_days(world):
    _, tables, _ = world
    orders = tables["orders"]
    settled = orders[orders["ts"] < orders["ts"].max() - pd.Timedelta(days=20)]
    buyers = settled[settled["role"] == "buyer"]
    rate = buyers["refunded_at"].notna().groupby(buyers["account_id"]).agg(["mean", "size"])
    rate = rate.loc[rate["size"] >= 4, "mean"]
    assert rate.median() <= 0.25
    assert 0.1 < (rate >= 0.35).mean() < 0.45
    brushed = orders[(orders["role"] == "order_brusher") & orders["refunded_at"].notna()]
    delay = (brushed["refunded_at"] - brushed["ts"]).dt.total_seconds() / 86_400
    assert delay.between(1, 3).mean() > 0.6


def test_order_brushers_barely_watch_while_shop_window_buyers_did_not_need_to(world):
    _, tables, _ = world
    views = tables["engagements"].query("kind == 'view'")
    watched = views.groupby("role")["amount"].sum()
    orders = tables["orders"]
    placed = orders.groupby("role").size()
    # careful rings watch before ordering, careless ones barely open the room
    assert watched["order_brusher"] / placed["order_brusher"] < 0.2 * (
        watched["buyer"] / placed["buyer"]
    )
    day = orders["ts"].dt.tz_convert("Asia/Shanghai").dt.date
    viewed = set(
        zip(
            views["account_id"],
            views["room_id"],
            views["ts"].dt.tz_convert("Asia/Shanghai").dt.date,
            strict=False,
        )
    )
    unviewed = pd.Series(
        [
            key not in viewed
            for key in zip(orders["account_id"], orders["room_id"], day, strict=True)
        ],
        orders.index,
    )
    assert 0.1 < unviewed[orders["role"] == "buyer"].mean() < 0.4
    assert unviewed[orders["role"] == "order_brusher"].mean() > 0.4


# --- follows ------------------------------------------------------------------------------


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


def _churn(follows: pd.DataFrame, role: str) -> float:
    """Share of the role's accounts that unfollowed someone."""
    mine = follows[follows["role"] == role]
    return float((mine["action"] == "unfollow").groupby(mine["follower_id"]).any().mean())


def test_drip_feeds_and_lucky_bag_hunters_churn_while_casual_viewers_rarely_do(world):
    """Drip-feed followers unfollow and are topped up; hunters follow to enter a raffle and
    unfollow after the draw; casual viewers rarely unfollow."""
    _, tables, _ = world
    follows = tables["follows"]
    drip, hunters, casual = (_churn(follows, r) for r in ("drip_feed", "giveaway_hunter", "casual"))
    assert 0.2 < drip < 0.8
    assert hunters > 0.3
    assert casual < 0.5 * min(drip, hunters)


def test_high_end_fans_arrive_over_days_and_mix_people_and_machines(world):
    _, tables, _ = world
    follows = tables["follows"].query("role == 'high_end_fan' and action == 'follow'")
    main = follows.groupby("followee_id")["ts"].agg(lambda t: t.max() - t.min())
    assert main.max() > pd.Timedelta(days=2)
    logins = tables["logins"]
    by_device = logins.groupby("device_id")["account_id"].nunique()
    mine = logins[logins["role"] == "high_end_fan"]
    busiest = mine["device_id"].map(by_device).groupby(mine["account_id"]).max()
    assert 0.2 < (busiest == 1).mean() < 0.8  # some run by people on their own phones


# --- hardness and difficulty -------------------------------------------------------------


def _single_family_features(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One simple per-account feature from each family a detector would build."""
    accounts = tables["accounts"].set_index("account_id")
    logins, comments = tables["logins"], tables["comments"]
    views = tables["engagements"].query("kind == 'view'")
    by_ip = logins.groupby("ip")["account_id"].nunique()
    by_device = logins.groupby("device_id")["account_id"].nunique()
    evening = np.isin(_cst_hour(logins["ts"]), range(18, 24))
    features = pd.DataFrame(
        {
            "profile_age_days": (MONTH_START - accounts["created_at"]).dt.days,
            "profile_followers": accounts["followers_count"],
            "hours_evening_share": pd.Series(evening, logins.index)
            .groupby(logins["account_id"])
            .mean(),
            "network_ip_sharing": logins["ip"].map(by_ip).groupby(logins["account_id"]).max(),
            "network_device_sharing": logins["device_id"]
            .map(by_device)
            .groupby(logins["account_id"])
            .max(),
            "network_addresses": logins.groupby("account_id")["ip"].nunique(),
            "viewing_watch_median": views.groupby("account_id")["amount"].median(),
            "viewing_visits": views.groupby("account_id").size(),
            "comments_count": comments.groupby("account_id").size(),
            "comments_length": comments["text"].str.len().groupby(comments["account_id"]).median(),
        }
    )
    return features.reindex(accounts.index).fillna(-1)


def _single_feature_aucs(tables: dict[str, pd.DataFrame], kind: str) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    role = tables["labels"].set_index("account_id")["archetype"]
    features = _single_family_features(tables)
    pool = role[role.isin([*HUMAN_ARCHETYPES, kind])]
    target = (pool == kind).astype(int)
    aucs = {name: roc_auc_score(target, features.loc[pool.index, name]) for name in features}
    return {name: max(auc, 1 - auc) for name, auc in aucs.items()}


@pytest.mark.parametrize("kind", ["click_farm", "high_end_fan"])
def test_hard_kinds_stay_hard_for_any_single_feature(world, kind):
    _, tables, _ = world
    aucs = _single_feature_aucs(tables, kind)
    assert max(aucs.values()) < 0.85, aucs


@pytest.mark.parametrize(
    "kind", ["bulk_fan", "comment_bot", "order_brusher", "drip_feed", "stepped_delivery"]
)
def test_no_kind_is_separated_by_one_simple_feature(world, kind):
    _, tables, _ = world
    aucs = _single_feature_aucs(tables, kind)
    assert max(aucs.values()) < 0.99, aucs


def _kind_tables(tmp_path: Path, kind: str, difficulty: float) -> dict[str, pd.DataFrame]:
    folder = tmp_path / f"{kind}-{difficulty}"
    simulate(SimulationConfig(seed=9, scale=0.06, kind_difficulty=((kind, difficulty),)), folder)
    tables = _read(folder)
    members = set(tables["labels"].query("archetype == @kind")["account_id"])
    for name, column in (
        ("follows", "follower_id"),
        ("logins", "account_id"),
        ("orders", "account_id"),
        ("engagements", "account_id"),
    ):
        tables[name] = tables[name][tables[name][column].isin(members)]
    tables["members"] = tables["accounts"][tables["accounts"]["account_id"].isin(members)]
    return tables


def test_difficulty_spreads_bulk_deliveries_pools_and_devices(tmp_path):
    def bulk_stats(difficulty: float) -> tuple[float, float, float, float]:
        tables = _kind_tables(tmp_path, "bulk_fan", difficulty)
        follows, logins = tables["follows"], tables["logins"]
        spread = (
            follows.groupby("followee_id")["ts"]
            .agg(lambda t: (t.quantile(0.5) - t.min()).total_seconds())
            .max()
        )
        per_device = logins.groupby("device_id")["account_id"].nunique()
        device_sharing = (
            logins["device_id"].map(per_device).groupby(logins["account_id"]).max().median()
        )
        aged = ((MONTH_START - tables["members"]["created_at"]) > pd.Timedelta(days=365)).mean()
        return spread, logins["ip"].nunique() / len(tables["members"]), device_sharing, aged

    blatant, careful = bulk_stats(0.0), bulk_stats(1.0)
    assert blatant[0] < careful[0]
    assert blatant[1] < careful[1]
    assert blatant[2] >= 10 and careful[2] == 1
    assert blatant[3] == 0 and careful[3] > 0.4


def test_difficulty_makes_brushers_keep_orders_and_watch(tmp_path):
    def brusher_stats(difficulty: float) -> tuple[float, float]:
        tables = _kind_tables(tmp_path, "order_brusher", difficulty)
        orders = tables["orders"]
        settled = orders[orders["ts"] < MONTH_START + pd.Timedelta(days=20)]
        watched = tables["engagements"].query("kind == 'view'")["amount"].sum()
        return settled["refunded_at"].notna().mean(), watched / len(orders)

    blatant, careful = brusher_stats(0.0), brusher_stats(1.0)
    assert blatant[0] > 0.9 and careful[0] < 0.8
    assert blatant[1] < careful[1]


def test_difficulty_scatters_click_farm_entries(tmp_path):
    def partners(difficulty: float) -> float:
        tables = _kind_tables(tmp_path, "click_farm", difficulty)
        views = tables["engagements"].query("kind == 'view'").copy()
        views["role"] = "click_farm"
        views["visit"] = views["room_id"] + views["ts"].dt.floor("15min").astype(str)
        return _lockstep_partners(views, "click_farm")

    assert partners(0.0) > 2 * partners(1.0)
