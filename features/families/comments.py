"""Comment entropy and templates: what the account says, and who else says it verbatim.

Texts are normalised (lower-cased, whitespace and punctuation removed; emoji kept). A
*stock phrase* is a short text (at most STOCK_MAX_CHARS characters) or one with no letter
at all ("666", "👍👍"): real fans use them all the time, so they never count as copied.
A comment is *copied* when it is not a stock phrase and at least COPY_MIN_OTHERS other
accounts posted the same normalised text, the signature of a comment script's template.
"""

from __future__ import annotations

import ibis

from fanaudit.features.families.common import (
    coefficient_of_variation,
    entropy_bits,
    epoch,
    exact_sum,
    share,
)
from fanaudit.features.feature import Feature
from fanaudit.features.tables import Tables

FAMILY = "comments"
STOCK_MAX_CHARS = 4
COPY_MIN_OTHERS = 3

FEATURES = (
    Feature(
        "comment_count",
        FAMILY,
        "Comments it posted.",
        "comments",
        "either",
        "posted {value} comments",
        "发表了{value}条评论",
    ),
    Feature(
        "comment_text_entropy_bits",
        FAMILY,
        "Entropy (bits) of its normalised comment texts.",
        "bits",
        "either",
        "its comments have a text entropy of {value} bits",
        "其评论内容的熵为{value}比特",
        "{:.2f}",
    ),
    Feature(
        "comment_distinct_ratio",
        FAMILY,
        "Distinct normalised texts per comment.",
        "ratio",
        "lower",
        "{value} of its comments are distinct texts",
        "{value}的评论内容互不相同",
        "{:.2f}",
    ),
    Feature(
        "comment_copied_share",
        FAMILY,
        f"Share of its comments that are longer than {STOCK_MAX_CHARS} characters and "
        f"were posted verbatim by at least {COPY_MIN_OTHERS} other accounts.",
        "share",
        "higher",
        "{value} of its comments are sentences posted word for word by other accounts",
        "{value}的评论是与其他账号一字不差的长句",
    ),
    Feature(
        "comment_copy_breadth_log2",
        FAMILY,
        "Mean over its non-stock comments of log2(1 + other accounts that posted the same text).",
        "log2 accounts",
        "higher",
        "its longer comments were each posted by about 2^{value} other accounts",
        "其长评论平均被约2^{value}个其他账号原样发过",
        "{:.1f}",
    ),
    Feature(
        "comment_stock_share",
        FAMILY,
        f"Share of its comments that are stock phrases (at most {STOCK_MAX_CHARS} "
        "characters, or no letters, like '666' or emoji).",
        "share",
        "either",
        "{value} of its comments are short stock phrases such as '666' or emoji",
        "{value}的评论是“666”或表情这类常用短语",
    ),
    Feature(
        "comment_interval_cv",
        FAMILY,
        "Coefficient of variation of the gaps between its consecutive comments.",
        "ratio",
        "lower",
        "the gaps between its comments vary by a factor of {value}",
        "评论间隔的变异系数为{value}",
        "{:.2f}",
    ),
)


def normalise(text: ibis.StringValue) -> ibis.StringValue:
    """Lower-cased, with whitespace and punctuation removed (emoji kept)."""
    return text.lower().re_replace(r"[\s\p{P}]+", "")


def is_stock(norm: ibis.StringValue) -> ibis.BooleanValue:
    return (norm.length() <= STOCK_MAX_CHARS) | ~norm.re_search(r"\p{L}")


def account_texts(comments: ibis.Table) -> ibis.Table:
    """Per (account_id, norm): n comments, the stock flag and `posters`, the accounts that
    posted that normalised text. Texts are normalised once per distinct text, not per comment."""
    raw = comments.group_by(["account_id", "text"]).aggregate(n=comments.count())
    texts = raw.select("text").distinct()
    # distinct again: it pins the regex below the join (DuckDB would run it once per row)
    texts = texts.select("text", norm=normalise(texts.text)).distinct()
    normed = raw.join(texts, "text")
    per_text = normed.group_by(["account_id", "norm"]).aggregate(n=normed.n.sum())
    posters = per_text.group_by("norm").aggregate(posters=per_text.count())
    posters = posters.mutate(stock=is_stock(posters.norm))
    return per_text.join(posters, "norm")


def text_features(per_text: ibis.Table) -> ibis.Table:
    """Counts, entropy, distinct ratio and copy measures from the per-(account, text) rows."""
    copied = ~per_text.stock & (per_text.posters - 1 >= COPY_MIN_OTHERS)
    breadth = per_text.posters.cast("float64").log2() * per_text.n
    agg = per_text.group_by("account_id").aggregate(
        comment_count=per_text.n.sum(),
        texts=per_text.count(),
        copied=per_text.n.sum(where=copied),
        stock=per_text.n.sum(where=per_text.stock),
        breadth=exact_sum(breadth, where=~per_text.stock),
        unstocked=per_text.n.sum(where=~per_text.stock),
    )
    features = agg.select(
        "account_id",
        "comment_count",
        comment_distinct_ratio=share(agg.texts, agg.comment_count),
        comment_copied_share=share(agg.copied.fill_null(0), agg.comment_count),
        comment_stock_share=share(agg.stock.fill_null(0), agg.comment_count),
        comment_copy_breadth_log2=share(agg.breadth, agg.unstocked),
    )
    entropy = entropy_bits(per_text, "account_id", "n")
    return features.join(entropy.rename(comment_text_entropy_bits="entropy"), "account_id")


def interval_features(tables: Tables) -> ibis.Table:
    """Coefficient of variation of the gaps between an account's consecutive comments."""
    comments = tables.comments
    if comments is None:
        raise ValueError("interval features need the comments table")
    c = tables.keyed(comments.select("account_id", t=epoch(comments.ts)))
    previous = c.t.lag().over(group_by=c.account_key, order_by=c.t)
    gaps = c.select("account_key", gap=c.t - previous)  # integer seconds: exact sums
    cv = gaps.group_by("account_key").aggregate(
        comment_interval_cv=coefficient_of_variation(gaps.gap)
    )
    return tables.unkeyed(cv)


def compute(tables: Tables) -> ibis.Table | None:
    if tables.comments is None:
        return None
    texts = text_features(account_texts(tables.comments))
    return texts.join(interval_features(tables), "account_id")
