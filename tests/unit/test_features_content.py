"""Content features on a tiny platform: a promoter who links and repeats a sale, an account
that copies it, a near copy with one character changed, a person who writes an e-mail
address and a hashtag, a superfan of stock cheers, and 100 quiet '666' posters that make
the dataset large enough for a client used by one account to count as rare (at most 1%)."""

import math

import pytest

SALE = "Big SALE today, free shipping http://shop.example/x"
SALE_AGAIN = "Big SALE today, free shipping http://shop.example/y"  # the same after links go
SALE_COPY = "Big sale today... free shipping!!"
TAG = "hi @alice #music# great show"
LONG = "the river runs quietly past the old mill where we used to fish every summer"
LONG_NEAR = LONG[:-1] + "s"  # one character changed: most 3-character pieces are shared
PERSON = ("I loved the concert last night", "email me at bob@example.com", "#music rocks")


def comment(account, minute, text, client=None):
    return {
        "account_id": account,
        "room_id": "r1",
        "ts": f"2026-10-01T{minute // 60:02d}:{minute % 60:02d}:00Z",
        "text": text,
        "client": client,
    }


FILLERS = [f"f{i:03d}" for i in range(100)]


def rows():
    out = [
        comment("p1", 600, SALE, "ToolX"),
        comment("p1", 601, SALE_AGAIN, "ToolX"),
        comment("p1", 602, TAG, "iPhone"),
        comment("p1", 603, "666", "iPhone"),
        comment("c1", 500, SALE_COPY, "iPhone"),
        comment("n1", 610, LONG, "iPhone"),
        comment("n2", 611, LONG_NEAR, "iPhone"),
    ]
    out += [comment("h1", 700 + i, text) for i, text in enumerate(PERSON)]  # no client known
    out += [
        comment("s1", 400 + i, text, "iPhone") for i, text in enumerate(("666", "来了", "👍👍"))
    ]
    out += [comment(f, 10, "666", "iPhone") for f in FILLERS]
    return out


@pytest.fixture(scope="module")
def feats(featurize, make_accounts):
    ids = ["p1", "c1", "n1", "n2", "h1", "s1", "quiet", *FILLERS]
    return featurize(
        {
            "accounts": make_accounts(*ids),
            "comments": rows(),
            "engagements": [
                {"account_id": "p1", "room_id": "r1", "ts": "2026-10-01T10:05:00Z", "kind": "share"}
            ],
        }
    )


def test_promoter_links_promotes_mentions_and_repeats(feats):
    row = feats.loc["p1"]
    assert row.comment_link_share == 0.5  # the two sale posts
    assert row.comment_promo_share == 0.5  # "sale", "free"
    assert row.comment_mention_share == 0.25 and row.comment_hashtag_share == 0.25
    # non-stock comments: the sale twice (the same once links are removed) and the tag post
    assert row.comment_self_near_dup_share == pytest.approx(2 / 3)
    assert row.comment_near_copy_share == pytest.approx(2 / 3)  # c1 posted the sale too
    assert row.repost_share == pytest.approx(1 / 5)  # one share against four comments


def test_copier_and_near_copy(feats):
    assert feats.loc["c1", "comment_near_copy_share"] == 1
    assert feats.loc["c1", "comment_self_near_dup_share"] == 0
    # one changed character of 76: the MinHash bands still find the pair
    assert feats.loc["n1", "comment_near_copy_share"] == 1
    assert feats.loc["n2", "comment_near_copy_share"] == 1


def test_person_email_is_not_a_mention(feats):
    row = feats.loc["h1"]
    assert row.comment_mention_share == 0
    assert row.comment_hashtag_share == pytest.approx(1 / 3)  # Twitter-style '#music'
    assert row.comment_link_share == 0 and row.comment_promo_share == 0
    assert row.comment_near_copy_share == 0 and row.comment_self_near_dup_share == 0
    assert math.isnan(row.comment_client_count) and math.isnan(row.comment_rare_client_share)


def test_superfan_stock_cheers_are_not_compared(feats):
    row = feats.loc["s1"]
    assert math.isnan(row.comment_near_copy_share) and math.isnan(row.comment_self_near_dup_share)
    assert row.comment_promo_share == 0 and row.comment_link_share == 0


def test_clients(feats):
    # 102 accounts have a known client; ToolX is used by one (<= 1.02): rare
    assert feats.loc["p1", "comment_client_count"] == 2
    assert feats.loc["p1", "comment_rare_client_share"] == 0.5
    assert feats.loc["c1", "comment_rare_client_share"] == 0
    assert feats.loc["f000", "comment_client_count"] == 1


def test_relative_length_and_recency(feats):
    # 106 accounts posted; percent rank = (rank - 1) / 105, ties share the lowest rank
    def mean_len(texts):
        return sum(len(t) for t in texts) / len(texts)

    means = {
        "p1": mean_len([SALE, SALE_AGAIN, TAG, "666"]),
        "c1": len(SALE_COPY),
        "n1": len(LONG),
        "n2": len(LONG_NEAR),
        "h1": mean_len(PERSON),
        "s1": mean_len(["666", "来了", "👍👍"]),
    }
    every = sorted(list(means.values()) + [3.0] * 100)
    for account, value in means.items():
        assert feats.loc[account, "comment_length_pct"] == pytest.approx(every.index(value) / 105)
    # last comments: fillers at 00:10, s1 06:42, c1 08:20, p1 10:03, n1 10:10, n2 10:11, h1 11:42
    order = ["s1", "c1", "p1", "n1", "n2", "h1"]
    for place, account in enumerate(order):
        assert feats.loc[account, "comment_last_pct"] == pytest.approx((100 + place) / 105)
    assert feats.loc["f000", "comment_last_pct"] == 0


def test_no_posts_is_missing(feats):
    assert feats.loc["quiet"].filter(regex="^(comment_|repost_)").isna().all()


def test_absent_client_column_gives_missing_client_features(featurize, make_accounts):
    plain = [{k: v for k, v in r.items() if k != "client"} for r in rows()[:4]]
    row = featurize({"accounts": make_accounts("p1"), "comments": plain}).loc["p1"]
    assert math.isnan(row.comment_client_count) and math.isnan(row.comment_rare_client_share)
    assert row.comment_link_share == 0.5 and row.repost_share == 0  # no engagements table
