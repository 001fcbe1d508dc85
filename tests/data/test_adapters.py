"""Adapters of the public sets of real accounts: rows hand-checked against the published
files, imported folders valid under the contract, profile features from the new optional
columns, and errors that say where. The sets are read from ../shared/datasets."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from fanaudit.cli import app
from fanaudit.features.adapters import (
    cresci2015,
    cresci2017,
    instafake,
    social_honeypot,
    weibo_spam,
)
from fanaudit.features.adapters.base import SourceError
from fanaudit.features.adapters.registry import ADAPTERS, IMPORT_INFO, import_set, imported_adapter
from fanaudit.features.loading import staged_dataset
from fanaudit.features.pipeline import compute_features
from tests.conftest import SHARED

DATASETS = SHARED / "datasets"
UTC = "UTC"
runner = CliRunner()

pytestmark = pytest.mark.usefixtures("shared_datasets")  # tests/conftest.py: fails in CI if missing


def source(name: str):
    return DATASETS / ADAPTERS[name].folder


def row(mapped, account_id: str) -> tuple[pd.Series, pd.Series]:
    accounts = mapped.accounts.set_index("account_id")
    labels = mapped.labels.set_index("account_id")
    return accounts.loc[account_id], labels.loc[account_id]


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Every set imported through the command line into its own folder."""
    root = tmp_path_factory.mktemp("imported")
    for name in ADAPTERS:
        result = runner.invoke(app, ["import", name, str(source(name)), "--out", str(root / name)])
        assert result.exit_code == 0, result.output + repr(result.exception)
    return root


def test_cresci_2015_rows_match_the_files():
    mapped = cresci2015.read(source("cresci-2015"))
    assert len(mapped.accounts) == 1481 + 1337 and mapped.notes == ()
    human, label = row(mapped, "3610511")  # first row of E13_users.csv
    assert (
        human.nickname,
        human.followers_count,
        human.following_count,
        human.posts_count,
        human.listed_count,
        human.favourites_count,
    ) == ("braddd", 5470, 2385, 20370, 52, 145)
    assert human.created_at == pd.Timestamp("2007-04-06 10:58:22", tz=UTC)
    assert (human.url, human.language) == ("http://braddd.tumblr.com", "it")
    assert not human.default_profile and human.has_avatar and not human.verified  # empty = false
    assert (label.label, label.archetype) == ("human", "E13") and pd.isna(label.bot_kind)
    bot, label = row(mapped, "370098498")  # first row of INT_users.csv
    assert (bot.posts_count, bot.followers_count, bot.following_count) == (24, 4, 588)
    assert bot.created_at == pd.Timestamp("2011-09-08 13:20:35", tz=UTC)
    assert (label.label, label.bot_kind, label.archetype) == ("bot", "bought_follower", "INT")
    assert mapped.accounts["account_id"].map(type).eq(str).all()


def test_cresci_2017_reads_the_zip_and_rejoins_split_records():
    mapped = cresci2017.read(source("cresci-2017"))
    kinds = mapped.labels.groupby("label")["bot_kind"].value_counts(dropna=False)
    assert kinds["bot"].to_dict() == {
        "social_spambot": 4721,
        "bought_follower": 2650,
        "traditional_spambot": 2413,
    }
    assert mapped.labels["label"].eq("human").sum() == 5045  # 5,051 lines, 6 of them continuations
    assert mapped.notes == (
        "6 record(s) split by line breaks in their profile text were re-joined",
    )
    split, label = row(mapped, "295788103")  # one record over three lines of genuine account.csv
    assert split.bio == (
        "Official Twitter account of Alessio Soardi. \n \n Management & HR "
        "Specialist.\n \n You can find me also on my E-mail page: alessiosoardi@alice.it"
    )
    assert split.created_at == pd.Timestamp("2011-05-09 17:24:48", tz=UTC)
    assert (split.posts_count, split.followers_count, split.following_count) == (19255, 964, 1951)
    assert label.label == "human"
    fake, label = row(mapped, "1612469616")  # first row of fake_users.csv
    assert (fake.nickname, fake.default_profile, fake.has_avatar) == ("pxibejs_pgv", True, True)
    assert fake.observed_at == pd.Timestamp("2017-04-19 04:32:01", tz=UTC)  # the zip's newest table
    assert label.bot_kind == "bought_follower"
    assert mapped.accounts["account_id"].str.fullmatch(r"[0-9]+").all()


def test_instafake_maps_lengths_and_makes_ids():
    mapped = instafake.read(source("instafake"))
    assert mapped.labels["label"].value_counts().to_dict() == {"human": 994, "bot": 200}
    fake, label = row(mapped, "fake-1")  # first record of fake-v1.0_fakeAccountData.json
    assert (
        fake.followers_count,
        fake.following_count,
        fake.posts_count,
        fake.bio_chars,
        fake.nickname_chars,
        fake.nickname_digits,
    ) == (25, 1937, 0, 0, 10, 0)
    assert fake.has_avatar and fake.is_private
    assert (label.label, label.bot_kind) == ("bot", "fake")
    assert row(mapped, "real-994")[1].label == "human"


def test_social_honeypot_parses_dates_and_drops_ambiguous_ids():
    mapped = social_honeypot.read(source("social-honeypot"))
    assert len(mapped.accounts) == 22223 + 19276 - 2 * 44
    assert mapped.notes[0].startswith("44 social honeypot id(s) published more than once")
    human, label = row(mapped, "614")  # 614,7/13/2006 15:30,11/20/2009 23:56,510,350,3265,10,34,0
    assert human.created_at == pd.Timestamp("2006-07-13 15:30", tz=UTC)
    assert human.observed_at == pd.Timestamp("2009-11-20 23:56", tz=UTC)
    assert (
        human.following_count,
        human.followers_count,
        human.posts_count,
        human.nickname_chars,
        human.bio_chars,
    ) == (510, 350, 3265, 10, 34)
    assert label.label == "human"
    assert row(mapped, "6301")[1].bot_kind == "content_polluter"


def test_weibo_spam_keeps_posts_clients_and_reposts():
    mapped = weibo_spam.read(source("weibo-spam"))
    assert (
        len(mapped.accounts),
        len(mapped.events["comments"]),
        len(mapped.events["engagements"]),
    ) == (858, 36465, 22)
    account, label = row(mapped, "1005383941")  # first row of accounts.csv.gz
    assert (
        account.nickname,
        account.followers_count,
        account.following_count,
        account.posts_count,
    ) == ("彩铃免费了", 65, 493, 48)
    assert (label.label, label.bot_kind, label.archetype) == ("bot", "spammer", "spammer")
    assert row(mapped, "1022212724")[1].archetype == "ordinary"
    first = mapped.events["comments"].iloc[0]
    assert first.ts == pd.Timestamp("2015-08-10 08:22:29", tz=UTC)
    assert first.text.startswith("对@张思莱医师 说：") and first.client == "微博 weibo.com"
    assert mapped.events["comments"]["client"].isna().sum() == 3960  # no client published
    share = mapped.events["engagements"].iloc[0]
    assert (share.account_id, share.kind) == ("1601094207", "share")


def test_weibo_spam_bad_time_is_reported_with_file_row_and_column(tmp_path):
    for name in ("accounts", "labels", "comments", "engagements"):
        frame = pd.read_csv(source("weibo-spam") / f"{name}.csv.gz", dtype=str, nrows=3)
        if name == "comments":
            frame.loc[1, "ts"] = "10 August 2015"
        frame.to_csv(tmp_path / f"{name}.csv.gz", index=False)
    with pytest.raises(
        SourceError,
        match=r"comments.csv.gz, row 2, column 'ts': '10 August 2015' "
        r"is not a timestamp",
    ):
        weibo_spam.read(tmp_path)


@pytest.mark.parametrize("name", list(ADAPTERS))
def test_imported_folders_pass_validate(imported, name):
    result = runner.invoke(app, ["validate", str(imported / name)])
    assert result.exit_code == 0, result.output
    assert re.search(r"(?m)^valid$", result.output), result.output  # not "invalid"
    info = json.loads((imported / name / IMPORT_INFO).read_text())
    assert info["dataset"] == name and info["terms"] == ADAPTERS[name].terms
    assert imported_adapter(imported / name) is ADAPTERS[name]


def test_profile_features_use_observation_time_and_published_lengths(imported):
    with staged_dataset(imported / "social-honeypot") as staged:
        features = compute_features(staged).set_index("account_id")
    age = (pd.Timestamp("2009-11-20 23:56") - pd.Timestamp("2006-07-13 15:30")) / pd.Timedelta(
        days=1
    )
    assert features.loc["614", "account_age_days"] == pytest.approx(age)
    assert (features.loc["614", "nickname_length"], features.loc["614", "bio_length"]) == (10, 34)
    assert pd.isna(features.loc["614", "nickname_digit_share"])  # only the length is published
    with staged_dataset(imported / "instafake") as staged:
        features = compute_features(staged).set_index("account_id")
    assert features.loc["fake-1", "nickname_digit_share"] == 0
    assert features.loc["fake-2", "nickname_digit_share"] == pytest.approx(4 / 15)
    assert features["account_age_days"].isna().all()  # InstaFake publishes no dates


def test_bad_value_is_reported_with_file_row_and_column(tmp_path):
    good = "614,7/13/2006 15:30,11/20/2009 23:56,510,350,3265,10,34,0\n"
    (tmp_path / "legitimate_users.csv").write_text(
        good + "615,13/45/2006 15:30,11/20/2009 23:56,1,2,3,4,5,0\n"
    )
    (tmp_path / "content_polluters.csv").write_text(
        "6301,9/18/2006 1:07,1/17/2010 20:38,3,3,8,8,13,1\n"
    )
    with pytest.raises(
        SourceError,
        match=r"legitimate_users.csv, row 2, column 'CreatedAt': "
        r"'13/45/2006 15:30' is not a timestamp",
    ):
        social_honeypot.read(tmp_path)
    (tmp_path / "legitimate_users.csv").write_text(
        good + "615,7/13/2006 15:30,11/20/2009 23:56,-1,2,3,4,5,0\n"
    )
    with pytest.raises(
        SourceError, match=r"row 2, column 'NumFollowings': '-1' is not a non-negative"
    ):
        social_honeypot.read(tmp_path)


def test_split_records_are_rejoined_and_overlong_ones_rejected():
    text = (
        "a,b,description,created_at\n1,x,first line\nsecond line,2017-01-01\n2,y,plain,2017-01-02\n"
    )
    frame, rejoined = cresci2017.rejoined_records(io.StringIO(text), "t.csv")
    assert rejoined == 1
    assert frame["description"].tolist() == ["first line\nsecond line", "plain"]
    assert frame["created_at"].tolist() == ["2017-01-01", "2017-01-02"]
    with pytest.raises(
        SourceError, match=r"t.csv, row 1: record has 5 fields where the header has 4"
    ):
        cresci2017.rejoined_records(io.StringIO("a,b,c,d\n1,2,3,4,5\n"), "t.csv")


def test_import_refuses_a_folder_with_other_tables(tmp_path):
    (tmp_path / "follows.csv").write_text("follower_id,followee_id\n")
    with pytest.raises(ValueError, match="already holds dataset tables \\(follows.csv\\)"):
        import_set("instafake", source("instafake"), tmp_path)
    with pytest.raises(ValueError, match="unknown dataset 'twibot'"):
        import_set("twibot", source("instafake"), tmp_path / "x")
