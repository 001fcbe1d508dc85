"""The feature registry: every feature declared once.

Each feature has a name, a family, a description, a unit, the direction that raises
suspicion and a neutral description of its value in English and Chinese; `REASONS` words
it for people as a sign of a bot or of a person, depending on where its value lies and
which way it pushed the score (see `Reason` and `reason_for`). Training selects
its columns from here, explanations and reports turn SHAP contributions into sentences
from here. Family modules under `features.families` declare their features; this module
gathers them in a fixed order.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from fanaudit.features.families import FAMILY_MODULES
from fanaudit.features.feature import Feature, Language


def _collect() -> tuple[Feature, ...]:
    found: list[Feature] = []
    for module in FAMILY_MODULES:
        found.extend(module.FEATURES)
    names = [f.name for f in found]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"features declared twice: {sorted(duplicated)}")
    unknown_families = {f.family for f in found} - set(FAMILY_TEXT)
    if unknown_families:
        raise ValueError(f"families without FAMILY_TEXT: {sorted(unknown_families)}")
    return tuple(found)


@dataclass(frozen=True)
class FamilyText:
    """How reports name a family, and what a reason says when the account has no data for it."""

    title_en: str
    title_zh: str
    missing_en: str
    missing_zh: str


FAMILY_TEXT: dict[str, FamilyText] = {
    "profile": FamilyText("profile", "资料", "its profile field is empty", "资料字段为空"),
    "ip_device": FamilyText(
        "shared addresses and devices", "共用IP与设备", "has no login records", "没有登录记录"
    ),
    "activity": FamilyText(
        "activity windows",
        "活跃时段",
        "has too little activity to judge its rhythm",
        "活动太少，无法判断作息规律",
    ),
    "follow_bursts": FamilyText(
        "follow bursts", "集中关注", "has no timed follows", "没有带时间的关注记录"
    ),
    "comments": FamilyText("scripted comments", "模板评论", "posted no comments", "没有发表评论"),
    "orders": FamilyText("orders and refunds", "订单与退款", "placed no orders", "没有下单"),
    "lockstep": FamilyText(
        "lockstep groups", "同步行动群组", "never acted in step with a group", "没有与群组同步行动"
    ),
    "content": FamilyText(
        "links, promotion and copied posts",
        "链接、推销与雷同发言",
        "posted nothing",
        "没有发布内容",
    ),
}


FEATURES: tuple[Feature, ...] = _collect()
FEATURES_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(f.family for f in FEATURES))


def family_title(family: str, lang: Language = "en") -> str:
    text = FAMILY_TEXT.get(family)
    if text is None:
        return family.replace("_", " ")
    return text.title_zh if lang == "zh" else text.title_en


def features_of_family(family: str) -> tuple[Feature, ...]:
    return tuple(f for f in FEATURES if f.family == family)


class _ValuesByFeature(dict):
    """Formats `{other_feature}` placeholders with that feature's own format."""

    def __init__(self, values: Mapping[str, float | None]):
        super().__init__()
        self.account_values = values

    def __missing__(self, key: str) -> str:
        feature = FEATURES_BY_NAME.get(key)
        if feature is None:
            raise KeyError(f"reason template names unknown feature '{key}'")
        return feature.format_value(self.account_values.get(key))


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def render_reason(
    name: str,
    values: Mapping[str, float | None],
    lang: Language = "en",
    contribution: float | None = None,
) -> str:
    """The plain-language reason for feature `name`, filled with one account's values.

    With the feature's SHAP `contribution` this is `reason_for` (use that: it can say "no
    reason"). Without it, the direction is read from where the value lies (a suspicious
    side reads as a sign of a bot, the usual range as a sign of a person); a value that is
    neither falls back to the feature's neutral description (`Feature.reason_en`).
    """
    feature = FEATURES_BY_NAME[name]
    value = values.get(name)
    if contribution is None and value is not None and not _is_missing(value) and name in REASONS:
        reason = REASONS[name]
        suspicious = (reason.low is not None and float(value) <= reason.low) or (
            reason.high is not None and float(value) >= reason.high
        )
        contribution = 1.0 if suspicious else -1.0
    if contribution is not None:
        said = reason_for(name, values, contribution, lang)
        if said is not None:
            return said
    if _is_missing(values.get(name)):
        text = FAMILY_TEXT.get(feature.family)
        if text is not None:
            return text.missing_zh if lang == "zh" else text.missing_en
    mapping = _ValuesByFeature(values)
    mapping["value"] = feature.format_value(values.get(name))
    return feature.template(lang).format_map(mapping)


def registry_version() -> str:
    """A short hash of the whole registry: changes whenever any declaration changes."""
    payload = json.dumps([asdict(f) for f in FEATURES], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


# ------------------------------------------------------------------ reasons anyone can read


@dataclass(frozen=True)
class Reason:
    """How explanations word one feature, for people.

    Values at or below `low` are the suspicious low side (said with `bot_low` when the
    feature pushes the account towards bot); at or above `high` the suspicious high side
    (`bot_high`); in between is the usual range of people (said with `human` when the
    feature pushes towards human). Any other combination is no reason: trees are not
    monotone, and "was active on 30 days" is no sign of a bot whatever SHAP says. A
    sentence is an (English, Chinese) pair or None (never said). `needs` names context
    features and the least value each must have for the bot sentences to be said: a
    feature whose suspicion depends on context says why it is suspicious for this account
    (the context is in the sentence) or is not a reason. `low` and `high` were set by hand
    near the 10th and 90th percentiles of simulated people; they only choose wording.

    Style: plain words, no statistics terms; bot sentences say what is odd, human
    sentences end with "like most people" / "和大多数人一样".
    """

    low: float | None = None
    high: float | None = None
    bot_low: tuple[str, str] | None = None
    bot_high: tuple[str, str] | None = None
    human: tuple[str, str] | None = None
    needs: tuple[tuple[str, float], ...] = ()


HUMAN_EN, HUMAN_ZH = "like most people", "和大多数人一样"
_NO_REASON = Reason()


def _human(en: str, zh: str) -> tuple[str, str]:
    return (f"{en}, {HUMAN_EN}", f"{zh}，{HUMAN_ZH}")


REASONS: dict[str, Reason] = {
    # profile
    "account_age_days": Reason(
        low=30,
        high=300,
        bot_low=(
            "was registered only {value} days ago, the same day as {burst_same_day_peers} "
            "other accounts that followed in the same rush",
            "注册仅{value}天，与另外{burst_same_day_peers}个同一天注册的账号在同一波涌入中关注",
        ),
        needs=(("burst_same_day_peers", 1),),
    ),
    "nickname_digit_share": Reason(
        high=0.5,
        bot_high=(
            "{value} of its nickname is digits, like machine-made names",
            "昵称中{value}是数字，像批量生成的名字",
        ),
        human=_human("its nickname is mostly letters or characters", "昵称主要是文字"),
    ),
    "nickname_length": _NO_REASON,
    "has_avatar": Reason(
        low=0,
        high=2,
        bot_low=("has no profile picture", "没有设置头像"),
        human=_human("has a profile picture", "设置了头像"),
    ),
    "bio_length": Reason(
        low=0,
        high=10**9,
        bot_low=("has an empty profile text", "个人简介为空"),
        human=_human("wrote a profile text", "写了个人简介"),
    ),
    "log_follower_following_ratio": Reason(
        low=-1.5,
        bot_low=(
            "follows far more accounts than follow it back ({following_count} followed)",
            "关注的账号远多于关注它的账号（关注了{following_count}个）",
        ),
        human=_human("has about as many followers as accounts it follows", "粉丝数与关注数相当"),
    ),
    "following_count": Reason(
        high=250,
        bot_high=(
            "follows {value} accounts, more than nine in ten people",
            "关注了{value}个账号，比九成的人都多",
        ),
        human=_human("follows {value} accounts", "关注了{value}个账号"),
    ),
    "posts_count": Reason(
        low=0,
        bot_low=("has never published anything", "从未发布过作品"),
        human=_human("has published {value} posts", "发布了{value}条作品"),
    ),
    # shared addresses and devices
    "ip_count": _NO_REASON,
    "device_count": _NO_REASON,
    "ip_shared_accounts": Reason(
        high=2,
        bot_high=(
            "shares its login address with {value} other accounts, "
            "{ip_same_week_peers} of them registered the same week as it",
            "与另外{value}个账号共用登录地址，其中{ip_same_week_peers}个与它同一周注册",
        ),
        needs=(("ip_same_week_peers", 2),),
    ),
    "ip_same_week_peers": Reason(
        high=2,
        bot_high=(
            "shares its login address with {value} other accounts registered the "
            "same week, as batches of new accounts do",
            "与另外{value}个同一周注册的账号共用登录地址，像成批注册的账号",
        ),
        human=_human(
            "shares its login address with no batch of new accounts",
            "没有与成批的新账号共用登录地址",
        ),
    ),
    "ip_peer_median_age_days": Reason(
        low=30,
        bot_low=(
            "the other accounts on its login address are only about {value} days old",
            "与它共用登录地址的账号大多只注册了约{value}天",
        ),
        needs=(("ip_shared_accounts", 2),),
    ),
    "ip_devices_per_account": Reason(
        low=0.5,
        bot_low=(
            "the accounts on its login address share a few devices between them",
            "与它共用登录地址的账号共用少数几台设备",
        ),
        needs=(("ip_shared_accounts", 2),),
    ),
    "prefix_shared_accounts": Reason(
        high=2,
        bot_high=(
            "logs in from a network shared with {value} other accounts, "
            "{prefix_same_week_peers} of them registered the same week as it",
            "与另外{value}个账号共用同一网段登录，其中{prefix_same_week_peers}个与它同一周注册",
        ),
        needs=(("prefix_same_week_peers", 2),),
    ),
    "prefix_same_week_peers": Reason(
        high=5,
        bot_high=(
            "logs in from a network shared with {value} other accounts registered the same week",
            "与另外{value}个同一周注册的账号共用同一网段登录",
        ),
        human=_human(
            "shares its network with no batch of new accounts", "没有与成批的新账号共用网段"
        ),
    ),
    "device_shared_accounts": Reason(
        high=1,
        bot_high=(
            "logs in from a phone used by {value} other accounts",
            "登录用的手机还被另外{value}个账号使用",
        ),
        human=_human("has a phone of its own", "使用自己的手机登录"),
    ),
    # activity windows
    "active_days": Reason(
        low=3,
        bot_low=("was active on only {value} days", "只在{value}天里有过活动"),
        human=_human("was active on {value} days", "有{value}天有活动"),
    ),
    "events_per_active_day": Reason(
        high=15,
        bot_high=(
            "does {value} things on a day it is active, more than nine in ten people",
            "活跃日平均做{value}件事，比九成的人都多",
        ),
        human=_human("does a few things on a day it is active", "活跃日只做几件事"),
    ),
    "hour_entropy_bits": Reason(
        low=1.5,
        high=3.6,
        bot_low=(
            "is active only in the same few hours of every day, as scheduled scripts are",
            "每天只在固定的几个小时活动，像定时脚本",
        ),
        bot_high=(
            "is active evenly around the clock, night and day, which people are not",
            "不分昼夜全天均匀活动，真人不会这样",
        ),
        human=_human(
            "is active at some hours of the day more than others", "在一天中某些时段更活跃"
        ),
    ),
    "night_share": Reason(
        high=0.25,
        bot_high=(
            "does {value} of its activity between 1 and 6 a.m. China time, when most people sleep",
            "{value}的活动发生在北京时间凌晨1点到6点，这时大多数人在睡觉",
        ),
        human=_human("is rarely active between 1 and 6 a.m.", "很少在凌晨1点到6点活动"),
    ),
    "inter_event_cv": Reason(
        low=1.0,
        bot_low=(
            "acts at near-fixed intervals, like a timer",
            "几乎每隔固定时间行动一次，像定时器",
        ),
        human=_human("acts at irregular times", "行动时间没有规律"),
    ),
    "mean_session_minutes": Reason(
        high=60,
        bot_high=(
            "stays {value} minutes per visit on average, longer than people stay",
            "平均每次停留{value}分钟，比真人待得久",
        ),
        needs=(("active_days", 3),),
    ),
    "daily_span_hours": Reason(
        low=0.2,
        bot_low=(
            "does everything of a day within {value} hours, in one quick run",
            "每天的全部活动都在{value}小时内一口气完成",
        ),
        human=_human("spreads its activity over the day", "活动分散在一天之中"),
    ),
    # follow bursts
    "follow_count": Reason(
        high=20,
        bot_high=(
            "made {value} follows, more than nine in ten people",
            "共关注了{value}次，比九成的人都多",
        ),
        human=_human("made {value} follows", "共关注了{value}次"),
    ),
    "follows_per_active_day": Reason(
        high=3,
        bot_high=(
            "follows {value} accounts on a day it follows anyone",
            "每个关注日平均关注{value}个账号",
        ),
        human=_human("follows one account at a time", "每次只关注一个账号"),
    ),
    "first_follow_delay_days": Reason(
        low=3,
        bot_low=(
            "made its first follow {value} days after registering, in a rush with "
            "{burst_same_day_peers} accounts registered the same day",
            "注册后{value}天第一次关注，与另外{burst_same_day_peers}个同一天注册的账号一起涌入",
        ),
        needs=(("burst_same_day_peers", 1),),
    ),
    "follow_burst_share": Reason(
        high=0.5,
        bot_high=(
            "{value} of its follows came in sudden rushes of followers to the same account",
            "{value}的关注发生在对象突然大量涨粉的时段",
        ),
        human=_human("follows at quiet times", "在平常时段关注"),
    ),
    "follow_rate_excess_log2": Reason(
        high=2,
        bot_high=(
            "followed when the account was gaining followers many times faster than usual",
            "关注时对象的涨粉速度是平时的许多倍",
        ),
        human=_human("followed at ordinary times", "在平常时段关注"),
    ),
    "burst_cohort_created_spread_days": Reason(
        low=30,
        bot_low=(
            "the accounts that followed in the same rush as it were registered "
            "within about {value} days of each other, like a batch",
            "与它同一波涌入的账号注册时间相差仅约{value}天，像同一批注册的",
        ),
        human=_human(
            "the accounts that followed at the same time as it were registered years apart",
            "与它同时关注的账号注册时间相差很久",
        ),
    ),
    "burst_same_day_peers": Reason(
        high=2,
        bot_high=(
            "followed in a rush together with {value} other accounts registered the same day as it",
            "与另外{value}个同一天注册的账号在同一波涌入中关注了同一对象",
        ),
        human=_human(
            "followed alone, not with a batch of new accounts", "独自关注，而不是和一批新账号一起"
        ),
    ),
    "unfollow_churn_share": Reason(
        high=0.3,
        bot_high=(
            "unfollowed {value} of the accounts it followed, as paid followers "
            "who are topped up do",
            "取消关注了{value}的已关注账号，像被补单的付费粉丝",
        ),
        human=_human("keeps following the accounts it follows", "一直关注着已关注的账号"),
    ),
    # scripted comments
    "comment_count": _NO_REASON,
    "comment_text_entropy_bits": Reason(
        low=1.0,
        bot_low=(
            "keeps posting the same few sentences ({comment_count} comments)",
            "反复发同几句话（共{comment_count}条评论）",
        ),
        needs=(("comment_count", 5),),
    ),
    "comment_distinct_ratio": Reason(
        low=0.3,
        bot_low=(
            "repeats itself: only {value} of its comments are different texts",
            "不断重复：只有{value}的评论内容互不相同",
        ),
        human=_human("writes different comments", "评论内容各不相同"),
    ),
    "comment_copied_share": Reason(
        high=0.5,
        bot_high=(
            "{value} of its comments are sentences posted word for word by many other accounts",
            "{value}的评论是许多其他账号一字不差发过的句子",
        ),
        human=_human("writes its own comments", "评论是自己写的"),
    ),
    "comment_copy_breadth_log2": Reason(
        high=6,
        bot_high=(
            "posts the same longer sentences as many other accounts",
            "发的长句和许多其他账号一模一样",
        ),
        human=_human("its longer comments are its own", "长评论是自己写的"),
    ),
    "comment_stock_share": Reason(
        high=0.9,
        bot_high=(
            "posted {comment_count} comments that are nearly all stock phrases "
            "such as '666' or emoji",
            "发了{comment_count}条评论，几乎全是“666”或表情这类常用短语",
        ),
        needs=(("comment_count", 10),),
    ),
    "comment_interval_cv": Reason(
        low=0.4,
        bot_low=(
            "comments at near-fixed intervals, like a timer",
            "几乎每隔固定时间发一条评论，像定时器",
        ),
        human=_human("comments at irregular times", "评论时间没有规律"),
    ),
    # orders and refunds
    "order_count": _NO_REASON,
    "refund_rate": Reason(
        high=0.5,
        bot_high=(
            "had {value} of its orders refunded, as fake orders are",
            "{value}的订单被退款，像虚假订单",
        ),
        human=_human("keeps what it buys", "买了东西不退"),
    ),
    "refund_delay_hours": Reason(
        low=24,
        bot_low=(
            "asked for refunds within {value} hours of ordering",
            "下单后{value}小时内就申请退款",
        ),
        human=_human("rarely asks for a refund soon after buying", "很少在购买后马上退款"),
    ),
    "orders_per_visit": Reason(
        high=1.5,
        bot_high=(
            "places {value} orders per visit to a live room, more than nine in ten buyers",
            "每次进直播间平均下单{value}笔，比九成的买家都多",
        ),
        human=_human("orders now and then", "偶尔下单"),
    ),
    "orders_without_view_share": Reason(
        high=0.5,
        bot_high=(
            "placed {value} of its orders in live rooms it had not watched that day",
            "{value}的订单是在当天没有观看的直播间下的",
        ),
        human=_human("orders in the rooms it watches", "在自己观看的直播间下单"),
    ),
    # lockstep groups
    "room_lockstep_peers": Reason(
        high=20,
        bot_high=(
            "enters the same live rooms in the same minutes as {value} other "
            "accounts, across {room_lockstep_rooms} rooms",
            "与另外{value}个账号在{room_lockstep_rooms}个直播间的同一时段先后进入",
        ),
        human=_human("enters live rooms on its own schedule", "按自己的时间进入直播间"),
        needs=(("room_lockstep_rooms", 2),),
    ),
    "room_lockstep_rooms": Reason(
        high=2,
        bot_high=(
            "entered {value} live rooms in the same minutes as one group of accounts",
            "与同一群账号在同一时段先后进入了{value}个直播间",
        ),
        human=_human("enters live rooms on its own schedule", "按自己的时间进入直播间"),
    ),
    "follow_lockstep_peers": Reason(
        high=2,
        bot_high=(
            "followed the same accounts within the same minutes as {value} other "
            "accounts, {follow_lockstep_targets} times",
            "与另外{value}个账号在同一时段先后关注了相同的{follow_lockstep_targets}个对象",
        ),
        human=_human("follows on its own schedule", "按自己的时间关注"),
        needs=(("follow_lockstep_targets", 2),),
    ),
    "follow_lockstep_targets": Reason(
        high=2,
        bot_high=(
            "followed {value} accounts in the same minutes as one group of accounts",
            "与同一群账号在同一时段关注了{value}个对象",
        ),
        human=_human("follows on its own schedule", "按自己的时间关注"),
    ),
    # links, promotion and copied posts (features.families.content)
    "comment_link_share": Reason(
        high=0.5,
        bot_high=("puts a link in {value} of its posts", "{value}的发言带有链接"),
        human=_human("rarely posts links", "很少发链接"),
    ),
    "comment_mention_share": _NO_REASON,
    "comment_hashtag_share": _NO_REASON,
    "comment_promo_share": Reason(
        high=0.3,
        bot_high=(
            "{value} of its posts use sales or giveaway words such as free, "
            "discount or add me on WeChat",
            "{value}的发言含有免费、优惠、加微信这类推销或抽奖用语",
        ),
        human=_human("rarely uses sales words", "很少用推销用语"),
    ),
    "comment_self_near_dup_share": Reason(
        high=0.5,
        bot_high=(
            "{value} of its longer posts repeat its own other posts, word for word or nearly",
            "{value}的长发言与它自己的其他发言相同或几乎相同",
        ),
        human=_human("does not repeat its own posts", "不重复自己发过的内容"),
    ),
    "comment_near_copy_share": Reason(
        high=0.5,
        bot_high=(
            "{value} of its longer posts are near copies of other accounts' posts",
            "{value}的长发言与其他账号的发言几乎相同",
        ),
        human=_human("its longer posts are its own", "长发言是自己写的"),
    ),
    "comment_length_pct": _NO_REASON,
    "comment_last_pct": _NO_REASON,
    "repost_share": _NO_REASON,
    "comment_client_count": _NO_REASON,
    "comment_rare_client_share": Reason(
        high=0.5,
        bot_high=(
            "{value} of its posts come from apps that almost no other account here uses",
            "{value}的发言来自这里几乎没有其他账号使用的客户端",
        ),
        human=_human("posts from common apps", "用常见的客户端发布"),
    ),
}


def _at_least(value: float | None, least: float) -> bool:
    return value is not None and not _is_missing(value) and float(value) >= least


def _has_context(reason: Reason, values: Mapping[str, float | None]) -> bool:
    return all(_at_least(values.get(name), least) for name, least in reason.needs)


def reason_for(
    name: str, values: Mapping[str, float | None], contribution: float, lang: Language = "en"
) -> str | None:
    """The sentence explaining feature `name` of one account whose SHAP contribution is
    `contribution` (> 0 towards bot), or None when it is no reason this way (see `Reason`).
    A missing value speaks for its family ("posted no comments") towards bot only."""
    feature = FEATURES_BY_NAME[name]
    value = values.get(name)
    if value is None or _is_missing(value):
        text = FAMILY_TEXT.get(feature.family)
        if text is None or contribution <= 0:
            return None
        return text.missing_zh if lang == "zh" else text.missing_en
    reason = REASONS.get(name, _NO_REASON)
    v = float(value)
    low_side = reason.low is not None and v <= reason.low
    high_side = reason.high is not None and v >= reason.high
    if contribution > 0:
        pair = reason.bot_low if low_side else reason.bot_high if high_side else None
        if pair is not None and not _has_context(reason, values):
            pair = None
    elif contribution < 0:
        pair = reason.human if not (low_side or high_side) else None
    else:
        pair = None
    if pair is None:
        return None
    mapping = _ValuesByFeature(values)
    mapping["value"] = feature.format_value(value)
    return (pair[1] if lang == "zh" else pair[0]).format_map(mapping)
