"""Comment entropy and templates: what the account says, and who else says it verbatim.

Texts are normalised (lower-cased, whitespace and punctuation removed; emoji kept). A
*stock phrase* is a short text (at most STOCK_MAX_CHARS characters) or one with no letter
at all ("666", "👍👍"): real fans use them all the time, so they never count as copied.
A comment is *copied* when it is not a stock phrase and at least COPY_MIN_OTHERS other
accounts posted the same normalised text, the signature of a comment script's template.
"""

from __future__ import annotations

import ibis

from features.families.common import coefficient_of_variation, entropy_bits, epoch, share
from features.feature import Feature
from features.tables import Tables

FAMILY = "comments"
STOCK_MAX_CHARS = 4
COPY_MIN_OTHERS = 3

FEATURES = (
    Feature("comment_count", FAMILY, "Comments it posted.", "comments", "either",
            "posted {value} comments", "发表了{value}条评论"),
    Feature("comment_text_entropy_bits", FAMILY,
            "Entropy (bits) of its normalised comment texts.", "bits", "either",
            "its comments have a text entropy of {value} bits",
            "其评论内容的熵为{value}比特", "{:.2f}"),
    Feature("comment_distinct_ratio", FAMILY,
            "Distinct normalised texts per comment.", "ratio", "lower",
            "{value} of its comments are distinct texts", "{value}的评论内容互不相同", "{:.2f}"),
    Feature("comment_copied_share", FAMILY,
            f"Share of its comments that are longer than {STOCK_MAX_CHARS} characters and "
            f"were posted verbatim by at least {COPY_MIN_OTHERS} other accounts.", "share",
            "higher", "{value} of its comments are sentences posted word for word by other accounts",
            "{value}的评论是与其他账号一字不差的长句"),
    Feature("comment_copy_breadth_log2", FAMILY,
            "Mean over its non-stock comments of log2(1 + other accounts that posted the same "
            "text).", "log2 accounts", "higher",
            "its longer comments were each posted by about 2^{value} other accounts",
            "其长评论平均被约2^{value}个其他账号原样发过", "{:.1f}"),
    Feature("comment_stock_share", FAMILY,
            f"Share of its comments that are stock phrases (at most {STOCK_MAX_CHARS} "
            "characters, or no letters, like '666' or emoji).", "share", "either",
            "{value} of its comments are short stock phrases such as '666' or emoji",
            "{value}的评论是“666”或表情这类常用短语"),
    Feature("comment_interval_cv", FAMILY,
            "Coefficient of variation of the gaps between its consecutive comments.", "ratio",
            "lower", "the gaps between its comments vary by a factor of {value}",
            "评论间隔的变异系数为{value}", "{:.2f}"),
)


def normalised_comments(comments: ibis.Table) -> ibis.Table:
    """account_id, t, norm (normalised text), stock flag."""
    norm = comments.text.lower().re_replace(r"[\s\p{P}]+", "")
    c = comments.select("account_id", t=epoch(comments.ts), norm=norm)
    stock = (c.norm.length() <= STOCK_MAX_CHARS) | ~c.norm.re_search(r"\p{L}")
    return c.mutate(stock=stock.cast("int64"))


def with_copy_counts(c: ibis.Table) -> ibis.Table:
    """Each comment with the number of other accounts that posted the same text."""
    texts = c.group_by("norm").aggregate(posters=c.account_id.nunique())
    joined = c.join(texts, "norm")
    return joined.mutate(others=joined.posters - 1)


def text_features(c: ibis.Table) -> ibis.Table:
    per_text = c.group_by(["account_id", "norm"]).aggregate(n=c.count())
    entropy = entropy_bits(per_text, "account_id", "n")
    distinct = per_text.group_by("account_id").aggregate(texts=per_text.count(),
                                                         total=per_text.n.sum())
    distinct = distinct.select("account_id",
                               comment_distinct_ratio=share(distinct.texts, distinct.total))
    return distinct.join(entropy.rename(comment_text_entropy_bits="entropy"), "account_id")


def copy_features(c: ibis.Table) -> ibis.Table:
    c = with_copy_counts(c)
    copied = (c.stock == 0) & (c.others >= COPY_MIN_OTHERS)
    previous = c.t.lag().over(group_by=c.account_id, order_by=c.t)
    c = c.mutate(copied=copied.cast("int64"), gap=(c.t - previous).cast("float64"))
    agg = c.group_by("account_id").aggregate(
        comment_count=c.count(),
        copied=c.copied.sum(),
        stock=c.stock.sum(),
        comment_copy_breadth_log2=(c.others + 1).cast("float64").log2().mean(where=c.stock == 0),
        comment_interval_cv=coefficient_of_variation(c.gap),
    )
    return agg.select("account_id", "comment_count", "comment_copy_breadth_log2",
                      "comment_interval_cv",
                      comment_copied_share=share(agg.copied, agg.comment_count),
                      comment_stock_share=share(agg.stock, agg.comment_count))


def compute(tables: Tables) -> ibis.Table | None:
    if tables.comments is None:
        return None
    c = normalised_comments(tables.comments)
    return copy_features(c).left_join(text_features(c), "account_id").drop("account_id_right")
