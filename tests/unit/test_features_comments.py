"""Comment entropy and templates: a template shared by four accounts, a superfan's '666'."""

import math

import pytest

TEMPLATE = "今天直播间的东西真不错，大家快来买！"


def comment(account, second, text):
    return {
        "account_id": account,
        "room_id": "r1",
        "ts": f"2026-10-01T12:{second // 60:02d}:{second % 60:02d}Z",
        "text": text,
    }


@pytest.fixture(scope="module")
def feats(featurize, make_accounts):
    rows = [comment(a, 0, TEMPLATE) for a in ("c1", "c2", "c3", "c4")]
    rows += [comment("c1", 60, "Hello, World!"), comment("c1", 180, "hello   world")]
    rows += [comment("s1", s, "666") for s in (0, 10, 20)] + [comment("s1", 30, "主播好棒")]
    return featurize(
        {"accounts": make_accounts("c1", "c2", "c3", "c4", "s1", "quiet"), "comments": rows}
    )


def test_template_poster(feats):
    row = feats.loc["c1"]
    assert row.comment_count == 3
    # normalised texts: the template once, 'helloworld' twice
    assert row.comment_text_entropy_bits == pytest.approx(
        -(1 / 3 * math.log2(1 / 3) + 2 / 3 * math.log2(2 / 3))
    )
    assert row.comment_distinct_ratio == pytest.approx(2 / 3)
    assert row.comment_copied_share == pytest.approx(1 / 3)  # the template: 3 other posters
    assert row.comment_copy_breadth_log2 == pytest.approx((2 + 0 + 0) / 3)
    assert row.comment_stock_share == 0
    assert row.comment_interval_cv == pytest.approx(30 / 90)  # gaps 60 and 120 seconds


def test_single_template_comment(feats):
    row = feats.loc["c2"]
    assert (row.comment_count, row.comment_text_entropy_bits, row.comment_distinct_ratio) == (
        1,
        0,
        1,
    )
    assert row.comment_copied_share == 1 and row.comment_copy_breadth_log2 == 2
    assert math.isnan(row.comment_interval_cv)


def test_superfan_stock_phrases_are_not_copies(feats):
    row = feats.loc["s1"]
    assert row.comment_stock_share == 1
    assert row.comment_copied_share == 0
    assert math.isnan(row.comment_copy_breadth_log2)
    assert row.comment_distinct_ratio == 0.5
    assert row.comment_text_entropy_bits == pytest.approx(
        -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    )
    assert row.comment_interval_cv == 0  # one comment every 10 seconds


def test_no_comments_is_missing(feats):
    assert feats.loc["quiet"].filter(like="comment_").isna().all()
