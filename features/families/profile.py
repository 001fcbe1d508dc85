"""Profile features: account age, nickname shape, avatar, bio, follower/following ratio."""

from __future__ import annotations

import ibis

from fanaudit.features.feature import Feature
from fanaudit.features.tables import Tables

FAMILY = "profile"
FEATURES = (
    Feature(
        "account_age_days",
        FAMILY,
        "Days from registration to the dataset's last event (batch-registered stock is "
        "young, but so are real newcomers, and careful sellers buy aged accounts).",
        "days",
        "either",
        "registered {value} days before the end of the observed period",
        "在观察期结束前{value}天注册",
    ),
    Feature(
        "nickname_digit_share",
        FAMILY,
        "Share of the nickname's characters that are digits.",
        "share",
        "higher",
        "{value} of its nickname is digits",
        "昵称中{value}是数字",
    ),
    Feature(
        "nickname_length",
        FAMILY,
        "Nickname length in characters.",
        "characters",
        "either",
        "has a nickname of {value} characters",
        "昵称长度为{value}个字符",
    ),
    Feature(
        "has_avatar",
        FAMILY,
        "1 when a profile picture is set.",
        "flag",
        "lower",
        "profile picture set: {value} (1 = yes, 0 = no)",
        "是否设置头像：{value}（1=是，0=否）",
    ),
    Feature(
        "bio_length",
        FAMILY,
        "Profile text length in characters.",
        "characters",
        "lower",
        "has a profile text of {value} characters",
        "个人简介长度为{value}个字符",
    ),
    Feature(
        "log_follower_following_ratio",
        FAMILY,
        "log10((followers + 1) / (following + 1)) from the profile counters.",
        "log10 ratio",
        "lower",
        "has a follower/following ratio of 10^{value}",
        "粉丝数与关注数之比为10^{value}",
        "{:.1f}",
    ),
    Feature(
        "following_count",
        FAMILY,
        "Accounts it follows, as the platform shows.",
        "accounts",
        "higher",
        "follows {value} accounts",
        "关注了{value}个账号",
    ),
    Feature(
        "posts_count",
        FAMILY,
        "Posts, as the platform shows.",
        "posts",
        "lower",
        "has published {value} posts",
        "发布了{value}条作品",
    ),
)


def digit_count(text: ibis.StringValue) -> ibis.IntegerValue:
    return text.length() - text.re_replace(r"[0-9]", "").length()


def compute(tables: Tables) -> ibis.Table:
    a = tables.accounts
    observed = a.observed_at.fill_null(tables.as_of_literal)  # a crawl's time, when given
    age_seconds = observed.epoch_seconds() - a.created_at.epoch_seconds()
    nick_len = ibis.coalesce(a.nickname.length(), a.nickname_chars)  # lengths-only sources
    nick_digits = ibis.coalesce(digit_count(a.nickname), a.nickname_digits)
    return a.select(
        "account_id",
        account_age_days=(age_seconds.clip(lower=0) / 86400.0),  # never negative
        nickname_digit_share=ibis.ifelse(
            nick_len > 0, nick_digits / nick_len.cast("float64"), None
        ),
        nickname_length=nick_len.cast("float64"),
        has_avatar=a.has_avatar.cast("float64"),
        bio_length=ibis.coalesce(
            a.bio.length(), a.bio_chars, ibis.ifelse(a.has_avatar.notnull(), 0, None)
        ).cast("float64"),
        log_follower_following_ratio=(
            (
                (a.followers_count + 1).cast("float64") / (a.following_count + 1).cast("float64")
            ).log10()
        ),
        following_count=a.following_count.cast("float64"),
        posts_count=a.posts_count.cast("float64"),
    )
