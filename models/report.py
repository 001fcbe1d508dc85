"""The streamer audit report: one self-contained HTML page (charts embedded as PNG data
URIs), in English or Chinese, that a streamer or a merchant can act on.

It opens with one plain verdict sentence, then shows audience quality (share of real
followers with a 95% interval, followers by verdict and by suspected kind), follower
growth with its bursts judged bought or organic, what happens in the live room (scripted
comments, views and likes, refunds) and example accounts with their reasons. The facts
come from `models.audience`; this module only words and draws them. Nothing on the page
is an address, a device id or a pseudonym of either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from fanaudit.features.feature import Language
from fanaudit.features.registry import family_title
from fanaudit.models import plots
from fanaudit.features.families.comments import COPY_MIN_OTHERS
from fanaudit.models.artifact import FanauditModel
from fanaudit.models.audience import (BURST_FEATURES, FLAGGED, Growth, Quality, RoomAuthenticity,
                             RoomEvents, audience_quality, flagged_in_bursts, follower_growth,
                             room_authenticity, suspected_kind)

TEMPLATES = Path(__file__).parent / "templates"
EXAMPLES = 8
EXAMPLES_PER_KIND = 2
NEARLY_ALL_REAL = 0.03  # below this expected bot share the sentence says "nearly all real"
REFUND_ANOMALY_RATIO = 2.0  # flagged buyers refund at least this many times as often
MIN_ORDERS = 5  # fewer orders in a group are too few to compare
BURST_FREE_MIN = 10  # say "spread out, not in bursts" only about at least this many flagged
ROOM_ALERT_SHARE = 0.25  # the verdict mentions room activity this much from suspicious accounts

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Audience audit: {streamer}",
        "subtitle": "{n:,} current followers · follows up to {last} · model version {version}",
        "verdict_heading": "Verdict",
        "quality": "Audience quality", "growth": "Follower growth", "room": "The live room",
        "examples": "Example suspicious followers", "method": "How this report was made",
        "kpi_real": "real followers", "kpi_real_sub": "95% interval {range}",
        "kpi_flagged": "followers flagged", "kpi_flagged_sub": "{bots:,} bots, {uncertain:,} uncertain",
        "kpi_bursts": "bursts that look bought", "kpi_bursts_sub": "of {k} follower bursts",
        "kpi_no_bursts": "no follower bursts",
        "kpi_scripted": "scripted comments", "kpi_scripted_sub": "of {n:,} comments in the room",
        "kpi_views": "views from suspicious accounts", "kpi_views_sub": "of {n:,} views in the room",
        "human": "real", "uncertain": "uncertain", "bot": "bot",
        "verdicts_caption": "Followers by verdict: {human:,} real, {uncertain:,} uncertain, {bot:,} bots.",
        "histogram_caption": "Bot probability of every follower; dotted lines are the model's "
                             "thresholds.",
        "kinds": "Suspected kind of the flagged followers",
        "kinds_caption": "What gives each flagged follower away most: the signal family behind "
                         "its strongest reasons.",
        "kinds_axis": "flagged followers",
        "growth_caption": "New followers per day (China time), coloured by verdict. Shaded days are "
                          "bursts: far more new followers than the days around them.",
        "no_growth": "The follows of this streamer carry no times, so growth cannot be shown.",
        "undated": "{n:,} followers have no follow time and are not in the chart.",
        "no_bursts": "No bursts: new followers arrived at a steady pace.",
        "burst_dates": "Dates", "burst_followers": "New followers", "burst_flagged": "Flagged",
        "burst_together": "Registered the same week", "burst_shared": "Share a login IP",
        "burst_lockstep": "Follow in lockstep", "burst_looks": "Looks",
        "bought": "bought", "organic": "organic (e.g. a viral clip)", "mixed": "mixed",
        "burst_explain": "A burst looks bought when most of its accounts are flagged by the model or "
                         "act as a group (registered the same week, share a login IP with accounts "
                         "registered that week, or follow the same accounts within the same minutes); "
                         "organic when few are flagged and they have little in common.",
        "room_rule": "The dataset does not say which live room is this streamer's; it is inferred "
                     "as the room where this streamer's followers make up the largest share of the "
                     "audience.",
        "no_room": "None of this streamer's followers were active in any live room, so room "
                   "activity cannot be judged.",
        "comments_line": "{scripted:.0%} of the {total:,} comments in the room are scripted: the same "
                         "sentence posted word for word by many accounts, here by accounts the model "
                         "flags. {flagged:.0%} of all comments come from suspicious accounts.",
        "no_comments": "No comments in the room.",
        "scripts": "Most repeated scripted comments",
        "script_row": "posted {n:,} times by {a:,} accounts",
        "engagement_caption": "Share of the room's activity that comes from suspicious (bot or "
                              "uncertain) accounts.",
        "engagement_axis": "share from suspicious accounts",
        "view": "views", "watch_seconds": "watch time", "like": "likes", "share": "shares",
        "gift_value": "gift value",
        "refunds": "Orders and refunds",
        "refund_flagged": "Suspicious buyers had {rate:.0%} of their {n:,} orders refunded{hours}.",
        "refund_human": "Real buyers had {rate:.0%} of their {n:,} orders refunded{hours}.",
        "refund_hours": " (median {h:.0f} hours after the order)",
        "refund_anomaly": "Refunds from suspicious buyers are {ratio:.1f} times as frequent: a sign of "
                          "order brushing (fake orders that inflate sales, then get refunded).",
        "refund_anomaly_only": "Only suspicious buyers' orders were refunded: a sign of order "
                               "brushing (fake orders that inflate sales, then get refunded).",
        "refund_normal": "Refund rates of suspicious and real buyers are alike.",
        "no_orders": "No orders in the room.",
        "refund_axis": "orders refunded", "refund_rate": "refund rate",
        "refund_fast": "refunded within 3 days",
        "flagged_buyers": "suspicious buyers", "real_buyers": "real buyers",
        "account": "Account", "probability": "Bot probability", "verdict": "Verdict",
        "kind": "Suspected kind", "reasons": "Why",
        "none_flagged": "No follower was flagged.",
        "method_items": [
            "Each follower gets a calibrated probability of being a bot from the model; "
            "'bot' means a probability of at least {bot:.2f}, 'real' below {human:.2f}, "
            "'uncertain' in between.",
            "The share of real followers is the average probability of being real; its 95% "
            "interval covers the chance variation of individual verdicts plus the model's "
            "measured calibration error ({ece:.1%}).",
            "Scripted comments: longer than a stock phrase such as '666', posted word for word "
            "by at least {copy} other accounts on the platform, and posted by an account the "
            "model flags (real people repeat common questions too).",
            "No IP address, device id or pseudonym of either appears in this report.",
        ],
        "number_words": "no,one,two,three,four,five,six,seven,eight,nine,ten",
        "date_format": "%-d %b", "day_month": "{d} {month}", "and": " and ",
        "months": "January,February,March,April,May,June,July,August,September,October,"
                  "November,December",
        "sentence_real": "Nearly all of the {n:,} followers look real (about {real:.0%}).",
        "sentence_bought": "About {pct} of the {n:,} followers look bought or fake",
        "sentence_most_bursts": "; most of them arrived in {k} {bursts} on {dates}",
        "sentence_some_bursts": "; {share:.0%} of them arrived in {k} {bursts} on {dates}",
        "sentence_spread": "; they arrived spread out, not in bursts",
        "sentence_end": ".",
        "sentence_organic": " The {bursts} on {dates} {verb} organic: real people, as after a viral clip.",
        "burst_word": "burst", "bursts_word": "bursts", "looks": "looks", "look": "look",
        "room_alert": " In the live room, {parts} come from suspicious accounts.",
        "room_part_view": "{share} of the views", "room_part_like": "{share} of the likes",
        "room_part_comment": "{share} of the comments",
        "room_refunds": " Suspicious buyers' orders are refunded {flagged} of the time, against "
                        "{human} for real buyers.",
        "probability_axis": "bot probability", "followers_axis": "followers",
        "new_followers_axis": "new followers per day",
    },
    "zh": {
        "title": "粉丝质量审计：{streamer}",
        "subtitle": "当前粉丝{n:,}个 · 关注数据截至{last} · 模型版本{version}",
        "verdict_heading": "结论",
        "quality": "粉丝质量", "growth": "粉丝增长", "room": "直播间", "examples": "可疑粉丝示例",
        "method": "本报告的计算方法",
        "kpi_real": "真实粉丝", "kpi_real_sub": "95%区间 {range}",
        "kpi_flagged": "被标记的粉丝", "kpi_flagged_sub": "机器粉{bots:,}个，不确定{uncertain:,}个",
        "kpi_bursts": "疑似购买的集中涨粉", "kpi_bursts_sub": "共{k}次集中涨粉",
        "kpi_no_bursts": "没有集中涨粉",
        "kpi_scripted": "模板评论", "kpi_scripted_sub": "直播间共{n:,}条评论",
        "kpi_views": "来自可疑账号的观看", "kpi_views_sub": "直播间共{n:,}次观看",
        "human": "真人", "uncertain": "不确定", "bot": "机器粉",
        "verdicts_caption": "按判定划分的粉丝：真人{human:,}个，不确定{uncertain:,}个，机器粉{bot:,}个。",
        "histogram_caption": "每个粉丝的机器粉概率；虚线为模型阈值。",
        "kinds": "被标记粉丝的疑似类型",
        "kinds_caption": "每个被标记粉丝最主要的暴露信号：其最强原因所属的信号类别。",
        "kinds_axis": "被标记的粉丝",
        "growth_caption": "每日新增粉丝（北京时间），按判定着色。阴影日期为集中涨粉：新增粉丝远多于前后几天。",
        "no_growth": "该主播的关注记录没有时间，无法显示增长。",
        "undated": "有{n:,}个粉丝没有关注时间，未计入图中。",
        "no_bursts": "没有集中涨粉：新粉丝匀速增长。",
        "burst_dates": "日期", "burst_followers": "新增粉丝", "burst_flagged": "被标记",
        "burst_together": "同周注册", "burst_shared": "共用登录IP", "burst_lockstep": "同步关注",
        "burst_looks": "判断",
        "bought": "疑似购买", "organic": "自然增长（如视频爆火）", "mixed": "混合",
        "burst_explain": "如果一次集中涨粉中大多数账号被模型标记，或像一个群组那样行动（同一周注册、与同周注册的账号共用登录IP、"
                         "在同一时段关注相同的账号），则判断为疑似购买；如果被标记的很少且彼此没有共同点，则判断为自然增长。",
        "room_rule": "数据集没有说明哪个直播间属于该主播；本报告取该主播粉丝在观众中占比最高的直播间。",
        "no_room": "该主播的粉丝没有在任何直播间活动，无法评估直播间。",
        "comments_line": "直播间{total:,}条评论中有{scripted:.0%}是模板评论：许多账号一字不差地发的同一句话，"
                         "且发布者被模型标记。{flagged:.0%}的评论来自可疑账号。",
        "no_comments": "直播间没有评论。",
        "scripts": "重复最多的模板评论",
        "script_row": "被{a:,}个账号发了{n:,}次",
        "engagement_caption": "直播间互动中来自可疑账号（机器粉或不确定）的比例。",
        "engagement_axis": "来自可疑账号的比例",
        "view": "观看", "watch_seconds": "观看时长", "like": "点赞", "share": "分享", "gift_value": "礼物金额",
        "refunds": "订单与退款",
        "refund_flagged": "可疑买家的{n:,}笔订单中有{rate:.0%}被退款{hours}。",
        "refund_human": "真实买家的{n:,}笔订单中有{rate:.0%}被退款{hours}。",
        "refund_hours": "（中位数为下单后{h:.0f}小时）",
        "refund_anomaly": "可疑买家的退款频率是真实买家的{ratio:.1f}倍：这是刷单的迹象（虚假下单冲销量，之后退款）。",
        "refund_anomaly_only": "只有可疑买家的订单被退款：这是刷单的迹象（虚假下单冲销量，之后退款）。",
        "refund_normal": "可疑买家与真实买家的退款率相近。",
        "no_orders": "直播间没有订单。",
        "refund_axis": "退款订单比例", "refund_rate": "退款率", "refund_fast": "3天内退款",
        "flagged_buyers": "可疑买家", "real_buyers": "真实买家",
        "account": "账号", "probability": "机器粉概率", "verdict": "判定", "kind": "疑似类型",
        "reasons": "原因",
        "none_flagged": "没有粉丝被标记为可疑。",
        "method_items": [
            "模型为每个粉丝给出经过校准的机器粉概率；概率不低于{bot:.2f}判定为机器粉，低于{human:.2f}判定为真人，介于两者之间为不确定。",
            "真实粉丝占比是各粉丝为真人的概率的平均值；95%区间包含单个判定的随机波动和模型实测的校准误差（{ece:.1%}）。",
            "模板评论：比“666”这类常用短语更长，被平台上至少{copy}个其他账号一字不差地发过，"
            "并且发布者被模型标记（真人也会重复常见问题）。",
            "本报告不包含任何IP地址、设备号或其化名。",
        ],
        "number_words": "零,一,两,三,四,五,六,七,八,九,十",
        "date_format": "%m月%d日", "day_month": "{month}{d}日", "and": "和",
        "months": "1月,2月,3月,4月,5月,6月,7月,8月,9月,10月,11月,12月",
        "sentence_real": "{n:,}个粉丝几乎都是真人（约{real:.0%}）。",
        "sentence_bought": "{n:,}个粉丝中约{pct}疑似购买或虚假",
        "sentence_most_bursts": "，其中大部分在{dates}的{k}次{bursts}中涌入",
        "sentence_some_bursts": "，其中{share:.0%}在{dates}的{k}次{bursts}中涌入",
        "sentence_spread": "，它们是陆续到来的，而不是集中涌入",
        "sentence_end": "。",
        "sentence_organic": "{dates}的{bursts}{verb}自然增长：是真人，就像视频爆火之后那样。",
        "burst_word": "集中涨粉", "bursts_word": "集中涨粉", "looks": "看起来是", "look": "看起来是",
        "room_alert": "直播间里，{parts}来自可疑账号。",
        "room_part_view": "{share}的观看", "room_part_like": "{share}的点赞",
        "room_part_comment": "{share}的评论",
        "room_refunds": "可疑买家的订单退款率为{flagged}，真实买家为{human}。",
        "probability_axis": "机器粉概率", "followers_axis": "粉丝数",
        "new_followers_axis": "每日新增粉丝",
    },
}


@dataclass(frozen=True)
class AuditFacts:
    """Everything the page shows, computed by `models.audience` and the scorer."""

    streamer: str
    quality: Quality
    growth: Growth
    room: RoomAuthenticity | None
    examples: pd.DataFrame  # chosen by choose_examples: ... verdict, reasons, kind
    probabilities: np.ndarray
    model_version: str
    thresholds: tuple[float, float]  # (human, bot)
    calibration_error: float


def calibration_error(model: FanauditModel) -> float:
    """The model's held-out expected calibration error, as its training run measured it."""
    metrics = model.metadata.get("metrics")
    value = metrics.get("ece") if isinstance(metrics, dict) else None
    return float(value) if value is not None and math.isfinite(float(value)) else 0.0


def audit_facts(streamer: str, scored: pd.DataFrame, features: pd.DataFrame, all_ids: pd.Index,
                follows: pd.DataFrame, events: RoomEvents, room_verdicts: pd.Series,
                model: FanauditModel, version: str) -> AuditFacts:
    """Gather what the page shows. `scored` are the followers' scores (with reasons for the
    flagged ones), `room_verdicts` the verdicts of everyone active in the streamer's room."""
    ece = calibration_error(model)
    rows = all_ids.get_indexer(pd.Index(scored["account_id"]))
    columns = features.columns.get_indexer(list(BURST_FEATURES))
    follower_features = features.iloc[rows, columns].set_axis(scored["account_id"].to_numpy())
    return AuditFacts(
        streamer=streamer,
        quality=audience_quality(scored, ece),
        growth=follower_growth(follows, scored, follower_features),
        room=room_authenticity(events, room_verdicts) if events.rooms else None,
        examples=choose_examples(scored),
        probabilities=scored["bot_probability"].to_numpy(float),
        model_version=str(version),
        thresholds=(model.thresholds.human, model.thresholds.bot),
        calibration_error=ece,
    )


# ------------------------------------------------------------------ wording


def count_word(k: int, lang: Language) -> str:
    words = TEXT[lang]["number_words"].split(",")
    return words[k] if k < len(words) else f"{k:,}"


def format_days(days: list[date], lang: Language) -> str:
    """'3, 9 and 17 November' / '30 October and 2 November'; '11月3日、9日和17日'."""
    text = TEXT[lang]
    months = text["months"].split(",")
    parts, previous_month = [], None
    ordered = sorted(days)
    for position, day in enumerate(ordered):
        later_same_month = position + 1 < len(ordered) and ordered[position + 1].month == day.month \
            and ordered[position + 1].year == day.year
        if lang == "zh":
            show_month = (day.year, day.month) != previous_month
            parts.append(f"{months[day.month - 1]}{day.day}日" if show_month else f"{day.day}日")
        else:
            parts.append(str(day.day) if later_same_month else f"{day.day} {months[day.month - 1]}")
        previous_month = (day.year, day.month)
    return join_words(parts, lang)


def full_date(day: date, lang: Language) -> str:
    """'30 October 2026' / '2026年10月30日'."""
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {TEXT[lang]['months'].split(',')[day.month - 1]} {day.year}"


def join_words(parts: list[str], lang: Language) -> str:
    """'a, b and c' / 'a、b和c'."""
    if len(parts) <= 1:
        return "".join(parts)
    joiner = "、" if lang == "zh" else ", "
    return joiner.join(parts[:-1]) + TEXT[lang]["and"] + parts[-1]


def percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def percent_range(low: float, high: float) -> str:
    """'60–64%', with a decimal when whole percents would hide the width ('9.1–9.4%')."""
    digits = 0 if round(100 * high) - round(100 * low) >= 2 else 1
    return f"{100 * low:.{digits}f}–{100 * high:.{digits}f}%"


def verdict_sentence(facts: AuditFacts, lang: Language) -> str:
    """The plain one- or two-sentence verdict at the top of the page."""
    text, q = TEXT[lang], facts.quality
    bought_share = 1 - q.real_share
    flagged = q.verdicts.get("bot", 0) + q.verdicts.get("uncertain", 0)
    if q.followers == 0 or bought_share < NEARLY_ALL_REAL:
        sentence = text["sentence_real"].format(n=q.followers, real=q.real_share if q.followers else 1.0)
    else:
        sentence = text["sentence_bought"].format(pct=percent(bought_share), n=q.followers)
        bought = [b for b in facts.growth.bursts if b.judgement == "bought"]
        if bought:
            in_bursts = flagged_in_bursts(facts.growth, "bought") / flagged if flagged else 0.0
            key = "sentence_most_bursts" if in_bursts >= 0.5 else "sentence_some_bursts"
            sentence += text[key].format(
                k=count_word(len(bought), lang), share=in_bursts,
                bursts=text["burst_word" if len(bought) == 1 else "bursts_word"],
                dates=format_days([b.first_day for b in bought], lang))
        elif flagged >= BURST_FREE_MIN:
            sentence += text["sentence_spread"]
        sentence += text["sentence_end"]
    organic = [b for b in facts.growth.bursts if b.judgement == "organic"]
    if organic:
        sentence += text["sentence_organic"].format(
            bursts=text["burst_word" if len(organic) == 1 else "bursts_word"],
            dates=format_days([b.first_day for b in organic], lang),
            verb=text["looks" if len(organic) == 1 else "look"])
    return sentence + room_sentence(facts.room, lang)


def room_sentence(room: RoomAuthenticity | None, lang: Language) -> str:
    """What the verdict adds about the live room: activity that is mostly suspicious, and
    anomalous refunds."""
    if room is None:
        return ""
    text = TEXT[lang]
    shares = (("room_part_view", room.engagement["view"]), ("room_part_like", room.engagement["like"]),
              ("room_part_comment", room.comments))
    parts = [text[key].format(share=percent(s.share)) for key, s in shares
             if s.total and s.share >= ROOM_ALERT_SHARE]
    sentence = text["room_alert"].format(parts=join_words(parts, lang)) if parts else ""
    refunds = refund_facts(room, lang)
    if refunds is not None and refunds["anomaly"]:
        sentence += text["room_refunds"].format(flagged=percent(room.refunds["flagged"].rate),
                                                human=percent(room.refunds["human"].rate))
    return sentence



# ------------------------------------------------------------------ page parts


def choose_examples(scored: pd.DataFrame, n: int = EXAMPLES) -> pd.DataFrame:
    """The most confident flagged followers, at most EXAMPLES_PER_KIND of each suspected kind
    first, then the next most confident."""
    flagged = scored[scored["verdict"].isin(FLAGGED)].sort_values("bot_probability", ascending=False,
                                                                  kind="stable")
    flagged = flagged.assign(kind=flagged["top_features"].map(suspected_kind))
    varied = flagged.groupby("kind", dropna=False, sort=False).head(EXAMPLES_PER_KIND)
    rest = flagged.drop(varied.index)
    return pd.concat([varied, rest]).head(n).sort_values("bot_probability", ascending=False, kind="stable")


def kpi_tiles(facts: AuditFacts, lang: Language) -> list[dict]:
    text, q = TEXT[lang], facts.quality
    tiles = [
        {"value": percent(q.real_share) if q.followers else "–", "label": text["kpi_real"],
         "sub": text["kpi_real_sub"].format(range=percent_range(*q.real_share_ci))
         if q.followers else "", "tone": tone(1 - q.real_share)},
        {"value": f"{q.verdicts.get('bot', 0) + q.verdicts.get('uncertain', 0):,}",
         "label": text["kpi_flagged"],
         "sub": text["kpi_flagged_sub"].format(bots=q.verdicts.get("bot", 0),
                                               uncertain=q.verdicts.get("uncertain", 0)),
         "tone": tone(1 - q.real_share)},
    ]
    bursts = facts.growth.bursts
    bought = sum(b.judgement == "bought" for b in bursts)
    tiles.append({"value": f"{bought}", "label": text["kpi_bursts"],
                  "sub": text["kpi_bursts_sub"].format(k=len(bursts)) if bursts else text["kpi_no_bursts"],
                  "tone": "bad" if bought else "good"})
    room = facts.room
    if room is not None and room.scripted.total:
        tiles.append({"value": percent(room.scripted.share), "label": text["kpi_scripted"],
                      "sub": text["kpi_scripted_sub"].format(n=int(room.scripted.total)),
                      "tone": tone(room.scripted.share)})
    if room is not None and room.engagement["view"].total:
        views = room.engagement["view"]
        tiles.append({"value": percent(views.share), "label": text["kpi_views"],
                      "sub": text["kpi_views_sub"].format(n=int(views.total)), "tone": tone(views.share)})
    return tiles


def tone(bad_share: float) -> str:
    if math.isnan(bad_share):
        return "neutral"
    return "bad" if bad_share >= 0.25 else "warn" if bad_share >= 0.08 else "good"


def burst_rows(growth: Growth, lang: Language) -> list[dict]:
    text = TEXT[lang]
    rows = []
    for b in growth.bursts:
        dates = format_days([b.first_day], lang) if b.first_day == b.last_day else \
            f"{format_days([b.first_day], lang)} – {format_days([b.last_day], lang)}"
        rows.append({"dates": dates, "followers": f"{b.followers:,}", "flagged": percent(b.flagged_share),
                     "together": percent(b.registered_together_share),
                     "shared": percent(b.shared_address_share), "lockstep": percent(b.lockstep_share),
                     "looks": text[b.judgement], "judgement": b.judgement})
    return rows


def refund_facts(room: RoomAuthenticity, lang: Language) -> dict | None:
    text = TEXT[lang]
    flagged, human = room.refunds["flagged"], room.refunds["human"]
    if flagged.orders + human.orders == 0:
        return None

    def hours(group) -> str:
        return "" if math.isnan(group.median_refund_hours) else \
            text["refund_hours"].format(h=group.median_refund_hours)

    line = " ".join(text[key].format(rate=group.rate, n=group.orders, hours=hours(group))
                    for key, group in (("refund_flagged", flagged), ("refund_human", human))
                    if group.orders)
    if flagged.orders < MIN_ORDERS or human.orders < MIN_ORDERS:
        return {"line": line, "note": "", "anomaly": False}
    if flagged.rate > 0 and human.rate == 0:
        return {"line": line, "note": text["refund_anomaly_only"], "anomaly": True}
    ratio = flagged.rate / human.rate if human.rate else 1.0
    if ratio >= REFUND_ANOMALY_RATIO:
        return {"line": line, "note": text["refund_anomaly"].format(ratio=ratio), "anomaly": True}
    return {"line": line, "note": text["refund_normal"], "anomaly": False}


# ------------------------------------------------------------------ charts


def chart_labels(lang: Language) -> dict[str, str]:
    text = TEXT[plots.chart_language(lang)]
    keys = ("human", "uncertain", "bot", "probability_axis", "followers_axis", "new_followers_axis",
            "date_format", "kinds_axis", "engagement_axis", "view", "watch_seconds", "like", "share",
            "gift_value", "refund_axis", "refund_rate", "refund_fast", "flagged_buyers", "real_buyers",
            "bought", "organic", "mixed")
    return {k: text[k] for k in keys}


def charts(facts: AuditFacts, lang: Language) -> dict[str, str]:
    with plots.chart_style(lang):
        return draw_charts(facts, chart_labels(lang), plots.chart_language(lang))


def draw_charts(facts: AuditFacts, labels: dict[str, str], chart_lang: Language) -> dict[str, str]:
    q = facts.quality
    found = {"verdicts": plots.verdict_bar(q.verdicts, labels),
             "histogram": plots.probability_histogram(facts.probabilities, facts.thresholds, labels)}
    if q.kinds:
        found["kinds"] = plots.horizontal_bars({family_title(k, chart_lang): v for k, v in q.kinds.items()},
                                               labels["kinds_axis"])
    if not facts.growth.daily.empty:
        marks = [(b.first_day, b.last_day, b.judgement, labels[b.judgement].split(" (")[0].split("（")[0])
                 for b in facts.growth.bursts]
        found["growth"] = plots.growth_chart(facts.growth.daily, marks, labels)
    room = facts.room
    if room is not None:
        shares = {labels[k]: s.share for k, s in room.engagement.items() if s.total}
        if shares:
            found["engagement"] = plots.horizontal_bars(shares, labels["engagement_axis"],
                                                        as_percent=True)
        flagged, human = room.refunds["flagged"], room.refunds["human"]
        if flagged.orders and human.orders:
            found["refunds"] = plots.paired_bars(
                {labels["flagged_buyers"]: {labels["refund_rate"]: flagged.rate,
                                            labels["refund_fast"]: flagged.fast_rate},
                 labels["real_buyers"]: {labels["refund_rate"]: human.rate,
                                         labels["refund_fast"]: human.fast_rate}},
                labels["refund_axis"])
    return found


# ------------------------------------------------------------------ the page


def render_report(facts: AuditFacts, lang: Language = "en") -> str:
    """The report page as one self-contained HTML string."""
    text = TEXT[lang]
    q = facts.quality
    examples = [{"account_id": row.account_id, "probability": f"{row.bot_probability:.2f}",
                 "verdict": text[row.verdict], "verdict_key": row.verdict,
                 "kind": family_title(row.kind, lang) if isinstance(row.kind, str) else "",
                 "reasons": row.reasons}
                for row in facts.examples.itertuples(index=False)]
    daily = facts.growth.daily
    last_follow = full_date(daily.index[-1], lang) if not daily.empty else "–"
    kinds = sorted(((family_title(k, lang), v) for k, v in q.kinds.items()), key=lambda kv: -kv[1])
    room = facts.room
    context = {
        "lang": lang, "text": text, "streamer": facts.streamer,
        "title": text["title"].format(streamer=facts.streamer),
        "subtitle": text["subtitle"].format(n=q.followers, last=last_follow,
                                            version=facts.model_version),
        "sentence": verdict_sentence(facts, lang),
        "verdict_tone": "good" if tone(1 - q.real_share) == "good" and not room_sentence(facts.room, lang)
        else "bad",
        "tiles": kpi_tiles(facts, lang),
        "verdicts_caption": text["verdicts_caption"].format(**{v: q.verdicts.get(v, 0)
                                                               for v in ("human", "uncertain", "bot")}),
        "kinds": kinds, "plots": charts(facts, lang),
        "bursts": burst_rows(facts.growth, lang),
        "undated": text["undated"].format(n=facts.growth.undated) if facts.growth.undated else "",
        "room": room,
        "comments_line": text["comments_line"].format(
            scripted=room.scripted.share, total=int(room.scripted.total),
            flagged=room.comments.share) if room is not None and room.scripted.total else "",
        "scripts": [{"text": t, "row": text["script_row"].format(n=n, a=a)} for t, n, a in room.scripts]
        if room is not None else [],
        "refunds": refund_facts(room, lang) if room is not None else None,
        "examples": examples,
        "method_items": [item.format(bot=facts.thresholds[1], human=facts.thresholds[0],
                                     ece=facts.calibration_error, copy=COPY_MIN_OTHERS)
                         for item in text["method_items"]],
    }
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    return environment.get_template("report.html.j2").render(**context)
