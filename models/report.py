"""The streamer audit report: one self-contained HTML page (charts embedded as PNG data
URIs), in English or Chinese, that a streamer or a merchant can act on.

It opens with one plain verdict sentence built on ONE headline figure: the estimated share
of fake followers with its interval, from the prior-shift-aware estimate of
`models.quantify` (the sentence and one card show it and name the method; every other
number on the page says what it counts, e.g. "1,245 followers above the bot threshold").
Then: how the flagged followers were delivered (spikes, stepped escalations, drips with
unfollow-and-refill top-ups, from `models.delivery`), audience quality (followers by
verdict, bot kinds from the kind model), follower growth with its bursts judged bought or
organic, cumulative follows and unfollows, the streamer against streamers of similar
size (percentile and tier), the live room (scripted comments, views and likes, refunds)
and example accounts spanning kinds and probabilities, with reasons anyone can read. The
footer gives the data span, the model version and the generation time. Probabilities
are rounded for people here; the scores file keeps full precision. The facts come from
`models.audience` and `models.delivery`; this module only words and draws them. Nothing
on the page is an address, a device id or a pseudonym of either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, UTC
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from fanaudit.features.feature import Language
from fanaudit.features.registry import family_title
from fanaudit.models import plots
from fanaudit.features.families.comments import COPY_MIN_OTHERS
from fanaudit.models.artifact import FanauditModel
from fanaudit.models.audience import (
    BURST_FEATURES,
    FLAGGED,
    TIMEZONE,
    Growth,
    Headline,
    Peers,
    Quality,
    RoomAuthenticity,
    RoomEvents,
    account_kind,
    audience_quality,
    follower_growth,
    held_out_calibration_error,
    room_authenticity,
)
from fanaudit.models.delivery import Pattern, daily_flows, delivery_patterns
from fanaudit.models.kinds import kind_note, kind_title

TEMPLATES = Path(__file__).parent / "templates"
EXAMPLES = 8
EXAMPLES_PER_KIND = 2
NEARLY_ALL_REAL = 0.03  # below this expected bot share the sentence says "nearly all real"
REFUND_ANOMALY_RATIO = 2.0  # flagged buyers refund at least this many times as often
MIN_ORDERS = 5  # fewer orders in a group are too few to compare
BURST_FREE_MIN = 10  # say "spread out, not in bursts" only about at least this many flagged
ROOM_ALERT_SHARE = 0.25  # the verdict mentions room activity this much from suspicious accounts

TEXT: dict[str, dict] = {
    "en": {
        "title": "Audience audit: {streamer}",
        "subtitle": "{n:,} current followers · follows up to {last} · model version {version}",
        "verdict_heading": "Verdict",
        "quality": "Audience quality",
        "growth": "Follower growth",
        "room": "The live room",
        "delivery": "How the flagged followers arrived",
        "peers": "Compared with similar streamers",
        "examples": "Example flagged followers",
        "method": "How this report was made",
        "footer": "Data from {first} to {last} · model version {version} · "
        "generated {generated} UTC",
        "kpi_share": "of the followers look bought or fake",
        "kpi_share_sub": "95% interval {range}; estimated by {method}",
        "method_acc": "adjusted classify-and-count (held-out error rates)",
        "method_em": "EM prior re-estimation",
        "method_mean": "mean calibrated probability",
        "kpi_above": "followers above the bot threshold",
        "kpi_above_sub": "bot probability {bot} or more; {uncertain:,} more are uncertain",
        "kpi_pattern": "how flagged followers were delivered",
        "kpi_pattern_sub": "{flagged:,} flagged new followers from {start}",
        "kpi_no_pattern": "no delivery pattern",
        "kpi_no_pattern_sub": "no spike, step or drip",
        "kpi_peers": "of {k} similar streamers have fewer fake followers",
        "kpi_peers_sub": "{lo:,} to {hi:,} followers each",
        "kpi_scripted": "of the room's comments are scripted",
        "kpi_scripted_sub": "of {n:,} comments in the room",
        "kpi_views": "of the room's views come from flagged accounts",
        "kpi_views_sub": "of {n:,} views in the room",
        "human": "real",
        "uncertain": "uncertain",
        "bot": "bot",
        "verdicts_caption": "Followers by verdict (counts): {human:,} below the real threshold, "
        "{uncertain:,} uncertain, {bot:,} above the bot threshold.",
        "histogram_caption": "Bot probability of every follower; dotted lines are the model's "
        "thresholds.",
        "kinds": "Kinds of bot among the flagged followers",
        "kinds_caption": "Flagged followers counted by their most likely kind of bot, from the "
        "kind model (on labelled bots it did not learn from, it named the right "
        "kind for {accuracy} of them).",
        "kinds_families": "Signal families behind the flagged followers",
        "kinds_families_caption": "This model has no bot kinds ({note}). Each flagged follower is "
        "counted under the signal family behind its strongest reasons: "
        "these are families of evidence, not kinds of bot.",
        "kinds_axis": "flagged followers",
        "growth_caption": "New followers per day (China time), coloured by verdict. Shaded days "
        "are "
        "bursts: far more new followers than the days around them, or a flood "
        "of them within ten minutes.",
        "no_growth": "The follows of this streamer carry no times, so growth cannot be shown.",
        "undated": "{n:,} followers have no follow time and are not in the chart.",
        "no_bursts": "No bursts: no day brought far more new followers than the days around it.",
        "burst_dates": "Dates",
        "burst_followers": "New followers",
        "burst_peak": "Most in 10 minutes",
        "burst_flagged": "Flagged",
        "burst_together": "Registered the same week",
        "burst_shared": "Share a login IP",
        "burst_device": "Share a device",
        "burst_lockstep": "Follow in lockstep",
        "burst_looks": "Looks",
        "bought": "bought",
        "organic": "organic (e.g. a viral clip)",
        "mixed": "mixed",
        "burst_explain": "A burst looks bought when most of its accounts are flagged by the model, "
        "log in from devices shared with other accounts, or act as a group in two "
        "ways (registered the same week, share a login IP with accounts "
        "registered that week, share devices, or follow the same accounts within "
        "the same minutes); organic when few are flagged and they have little in "
        "common.",
        "delivery_caption": "Red bars: new followers the model flags, per day (China time); black "
        "line: their share of all of that day's new followers. Shaded: the "
        "delivery patterns found.",
        "no_patterns": "No delivery pattern: flagged new followers never rose well above their "
        "usual level, as a number or as a share of each day's new followers.",
        "cumulative_caption": "Every follow and unfollow of this streamer since the data begins, "
        "added up day by day; red lines count flagged accounts only.",
        "flagged_new": "flagged new followers",
        "flagged_share": "share of the day's new followers",
        "cumulative_new": "follows",
        "cumulative_flagged": "follows by flagged accounts",
        "cumulative_left": "unfollows",
        "cumulative_flagged_left": "unfollows by flagged accounts",
        "pattern_spike": "spike",
        "pattern_steps": "stepped escalation",
        "pattern_drip": "drip with top-ups",
        "pattern_sustained": "sustained delivery",
        "says_spike": "A spike {when}: {flagged:,} flagged new followers in {days} ({share} of the "
        "new followers then).",
        "says_steps": "A stepped escalation {when}: flagged new followers rose in {k} steps, "
        "{levels} a day ({share} of the new followers then).",
        "says_drip": "A drip with top-ups {when}: {low}–{high} flagged new followers a day, "
        "topped up {k} times after flagged followers left ({cycles}).",
        "says_sustained": "A sustained delivery {when}: {low}–{high} flagged new followers a day "
        "({share} of each day's new followers), up from {baseline} before.",
        "says_churn": "A drip with top-ups {when}: {low}–{high} flagged new followers a day, "
        "while {left:,} flagged followers left again and were replaced.",
        "cycle": "{left} left on {day}",
        "almost_none": "almost none",
        "per_day": "{n} a day",
        "when_one": "on {day}",
        "when_range": "from {first} to {last}",
        "one_day": "one day",
        "n_days": "{n} days",
        "then_word": " then ",
        "room_rule": "The dataset does not say which live room is this streamer's; it is inferred "
        "as the room where this streamer's followers make up the largest share of the "
        "audience.",
        "no_room": "None of this streamer's followers were active in any live room, so room "
        "activity cannot be judged.",
        "comments_line": "{scripted:.0%} of the {total:,} comments in the room are scripted: the "
        "same "
        "sentence posted word for word by many accounts, here by accounts the model "
        "flags. {flagged:.0%} of all comments come from flagged accounts.",
        "no_comments": "No comments in the room.",
        "scripts": "Most repeated scripted comments",
        "script_row": "posted {n:,} times by {a:,} accounts",
        "engagement_caption": "Share of the room's activity that comes from flagged (bot or "
        "uncertain) accounts.",
        "engagement_axis": "share from flagged accounts",
        "view": "views",
        "watch_seconds": "watch time",
        "like": "likes",
        "share": "shares",
        "gift_value": "gift value",
        "refunds": "Orders and refunds",
        "refund_flagged": "Flagged buyers had {rate:.0%} of their {n:,} orders refunded{hours}.",
        "refund_human": "Real buyers had {rate:.0%} of their {n:,} orders refunded{hours}.",
        "refund_hours": " (half of them within {h:.0f} hours of the order)",
        "refund_anomaly": "Refunds from flagged buyers are {ratio:.1f} times as frequent: a sign "
        "of "
        "order brushing (fake orders that inflate sales, then get refunded).",
        "refund_anomaly_only": "Only flagged buyers' orders were refunded: a sign of order "
        "brushing (fake orders that inflate sales, then get refunded).",
        "refund_normal": "Refund rates of flagged and real buyers are alike.",
        "no_orders": "No orders in the room.",
        "refund_axis": "orders refunded",
        "refund_rate": "refund rate",
        "refund_fast": "refunded within 3 days",
        "flagged_buyers": "flagged buyers",
        "real_buyers": "real buyers",
        "peers_line": "Against {k} streamers with {lo:,} to {hi:,} followers in the same data, "
        "{pct} of them have fewer fake followers than {streamer}: {tier}.",
        "peers_nearest": " No streamer here has between half and twice as many followers, so "
        "these are the {k} nearest in size.",
        "tier_cleanest": "in the cleanest quarter",
        "tier_cleaner": "in the cleaner half",
        "tier_worse": "in the more fake half",
        "tier_worst": "in the quarter with the most fake followers",
        "no_peers": "Too few streamers of similar size in this data to compare with.",
        "peers_caption": "Each dot is a streamer of similar size at its estimated share of fake "
        "followers (the same method as the headline); the red line is {streamer}.",
        "peers_dots": "similar streamers",
        "peers_own": "this streamer",
        "peers_axis": "estimated share of fake followers",
        "account": "Account",
        "probability": "Bot probability",
        "verdict": "Verdict",
        "kind": "Likely kind",
        "kind_family": "Strongest signal family",
        "reasons": "Why",
        "examples_caption": "Chosen to span the kinds and the range of probabilities. "
        "Probabilities are rounded here; the scores file keeps full precision.",
        "none_flagged": "No follower was flagged.",
        "method_items": [
            "Each follower gets a calibrated probability of being a bot from the model; "
            "'bot' means a probability of at least {bot:.2f}, 'real' below {human:.2f}, "
            "'uncertain' in between.",
            "The headline share of fake followers is estimated by {method} over all {n:,} "
            "followers, with its 95% interval; it is not the count of flagged followers, which "
            "misses careful bots and includes some false alarms. It assumes bots look as they did "
            "in training: kinds the model catches less well make it an underestimate.",
            "Calibration error of the model's probabilities, measured on accounts it was not "
            "trained on: {ece:.1%}.",
            "Delivery patterns are found by change-point detection on the daily number of "
            "flagged new followers, kept only where their share of each day's new followers "
            "rises too, so a viral clip that brings many real people is not called a delivery.",
            "Scripted comments: longer than a stock phrase such as '666', posted word for word "
            "by at least {copy} other accounts on the platform, and posted by an account the "
            "model flags (real people repeat common questions too).",
            "Similar streamers: those with between half and twice as many followers in the same "
            "data, their fake share estimated the same way.",
            "No IP address, device id or pseudonym of either appears in this report.",
        ],
        "number_words": "no,one,two,three,four,five,six,seven,eight,nine,ten",
        "date_format": "%-d %b",
        "day_month": "{d} {month}",
        "and": " and ",
        "months": "January,February,March,April,May,June,July,August,September,October,"
        "November,December",
        "sentence_real": "Nearly all of the {n:,} followers look real: about {pct} ({range}) look "
        "bought or fake.",
        "sentence_bought": "About {pct} ({range}) of the {n:,} followers look bought or fake.",
        "sentence_bursts": " {k} {bursts} on {dates} {verb} bought: {followers:,} new followers, "
        "up to {peak:,} of them within ten minutes.",
        "sentence_spread": " No delivery pattern stands out: the flagged followers arrived at a "
        "steady, low rate.",
        "sentence_organic": " The {bursts} on {dates} {verb} organic: real people, as after a "
        "viral clip.",
        "burst_word": "burst",
        "bursts_word": "bursts",
        "looks": "looks",
        "look": "look",
        "room_alert": " In the live room, {parts} come from flagged accounts.",
        "room_part_view": "{share} of the views",
        "room_part_like": "{share} of the likes",
        "room_part_comment": "{share} of the comments",
        "room_refunds": " Flagged buyers' orders are refunded {flagged} of the time, against "
        "{human} for real buyers.",
        "probability_axis": "bot probability",
        "followers_axis": "followers",
        "new_followers_axis": "new followers per day",
    },
    "zh": {
        "title": "粉丝质量审计：{streamer}",
        "subtitle": "当前粉丝{n:,}个 · 关注数据截至{last} · 模型版本{version}",
        "verdict_heading": "结论",
        "quality": "粉丝质量",
        "growth": "粉丝增长",
        "room": "直播间",
        "examples": "被标记粉丝示例",
        "delivery": "被标记粉丝是怎样涌入的",
        "peers": "与同等规模主播比较",
        "method": "本报告的计算方法",
        "footer": "数据范围：{first}至{last} · 模型版本{version} · 生成于{generated}（UTC）",
        "kpi_share": "的粉丝疑似购买或虚假",
        "kpi_share_sub": "95%区间 {range}；估计方法：{method}",
        "method_acc": "校正的分类计数法（按留出集误差率校正）",
        "method_em": "EM先验重估计",
        "method_mean": "校准概率均值",
        "kpi_above": "个粉丝高于机器粉阈值",
        "kpi_above_sub": "机器粉概率不低于{bot}；另有{uncertain:,}个不确定",
        "kpi_pattern": "被标记粉丝的涌入方式",
        "kpi_pattern_sub": "自{start}起{flagged:,}个被标记的新粉丝",
        "kpi_no_pattern": "没有刷粉模式",
        "kpi_no_pattern_sub": "没有突增、阶梯或滴灌",
        "kpi_peers": "的{k}个同等规模主播虚假粉丝更少",
        "kpi_peers_sub": "每个有{lo:,}到{hi:,}个粉丝",
        "kpi_scripted": "的直播间评论是模板评论",
        "kpi_scripted_sub": "直播间共{n:,}条评论",
        "kpi_views": "的直播间观看来自被标记账号",
        "kpi_views_sub": "直播间共{n:,}次观看",
        "human": "真人",
        "uncertain": "不确定",
        "bot": "机器粉",
        "verdicts_caption": "按判定统计的粉丝数：低于真人阈值{human:,}个，不确定{uncertain:,}个，"
        "高于机器粉阈值{bot:,}个。",
        "histogram_caption": "每个粉丝的机器粉概率；虚线为模型阈值。",
        "kinds": "被标记粉丝中的机器粉类型",
        "kinds_caption": "按类型模型给出的最可能类型统计被标记的粉丝（在它没有学过的已标注机器粉上"
        "，"
        "它对{accuracy}的账号判对了类型）。",
        "kinds_families": "被标记粉丝背后的信号类别",
        "kinds_families_caption": "该模型没有机器粉类型（{note}）。"
        "每个被标记粉丝按其最强原因所属的信号类别统计："
        "这些是证据类别，而不是机器粉类型。",
        "kinds_axis": "被标记的粉丝",
        "growth_caption": "每日新增粉丝（北京时间），按判定着色。阴影日期为集中涨粉："
        "新增粉丝远多于前后几天，"
        "或十分钟内大量涌入。",
        "no_growth": "该主播的关注记录没有时间，无法显示增长。",
        "undated": "有{n:,}个粉丝没有关注时间，未计入图中。",
        "no_bursts": "没有集中涨粉：没有哪一天的新增粉丝远多于前后几天。",
        "burst_dates": "日期",
        "burst_followers": "新增粉丝",
        "burst_peak": "10分钟内最多",
        "burst_flagged": "被标记",
        "burst_together": "同周注册",
        "burst_shared": "共用登录IP",
        "burst_device": "共用设备",
        "burst_lockstep": "同步关注",
        "burst_looks": "判断",
        "bought": "疑似购买",
        "organic": "自然增长（如视频爆火）",
        "mixed": "混合",
        "burst_explain": "如果一次集中涨粉中大多数账号被模型标记、使用与其他账号共用的设备登录，"
        "或在两个方面像一个群组那样行动"
        "（同一周注册、与同周注册的账号共用登录IP、共用设备、在同一时段关注相同的账号），则判断为疑似购买；"
        "如果被标记的很少且彼此没有共同点，则判断为自然增长。",
        "delivery_caption": "红色柱：每天（北京时间）被模型标记的新粉丝数；黑线："
        "它们占当天全部新粉丝的比例。阴影：发现的刷粉模式。",
        "no_patterns": "没有刷粉模式：被标记的新粉丝无论数量还是占每天新粉丝的比例，"
        "都没有明显高于平常。",
        "cumulative_caption": "自数据开始以来该主播的全部关注和取消关注，逐日累加；"
        "红线只统计被标记的账号。",
        "flagged_new": "被标记的新粉丝",
        "flagged_share": "占当天新粉丝的比例",
        "cumulative_new": "关注",
        "cumulative_flagged": "被标记账号的关注",
        "cumulative_left": "取消关注",
        "cumulative_flagged_left": "被标记账号的取消关注",
        "pattern_spike": "突增",
        "pattern_steps": "阶梯式递增",
        "pattern_drip": "滴灌式补粉",
        "pattern_sustained": "持续输送",
        "says_spike": "{when}出现突增：{days}内涌入{flagged:,"
        "}个被标记的新粉丝（占同期新粉丝的{share}）。",
        "says_steps": "{when}出现阶梯式递增：被标记的新粉丝分{k}级上升，"
        "每天{levels}个（占同期新粉丝的{share}）。",
        "says_drip": "{when}出现滴灌式补粉：每天{low}–{high}个被标记的新粉丝，"
        "被标记的粉丝取关后又补了{k}次（{cycles}）。",
        "says_sustained": "{when}持续输送：每天{low}–{high}个被标记的新粉丝（占每天新粉丝的{share}"
        "），此前{baseline}。",
        "says_churn": "{when}出现滴灌式补粉：每天{low}–{high}个被标记的新粉丝，同时有{left:,"
        "}个被标记的粉丝取关后又被补上。",
        "cycle": "{day}有{left}个取关",
        "almost_none": "几乎没有",
        "per_day": "每天{n}个",
        "when_one": "{day}",
        "when_range": "{first}至{last}",
        "one_day": "一天",
        "n_days": "{n}天",
        "then_word": "、",
        "room_rule": "数据集没有说明哪个直播间属于该主播；"
        "本报告取该主播粉丝在观众中占比最高的直播间。",
        "no_room": "该主播的粉丝没有在任何直播间活动，无法评估直播间。",
        "comments_line": "直播间{total:,}条评论中有{scripted:.0%}是模板评论："
        "许多账号一字不差地发的同一句话，"
        "且发布者被模型标记。{flagged:.0%}的评论来自被标记的账号。",
        "no_comments": "直播间没有评论。",
        "scripts": "重复最多的模板评论",
        "script_row": "被{a:,}个账号发了{n:,}次",
        "engagement_caption": "直播间互动中来自被标记账号（机器粉或不确定）的比例。",
        "engagement_axis": "来自被标记账号的比例",
        "view": "观看",
        "watch_seconds": "观看时长",
        "like": "点赞",
        "share": "分享",
        "gift_value": "礼物金额",
        "refunds": "订单与退款",
        "refund_flagged": "被标记买家的{n:,}笔订单中有{rate:.0%}被退款{hours}。",
        "refund_human": "真实买家的{n:,}笔订单中有{rate:.0%}被退款{hours}。",
        "refund_hours": "（一半在下单后{h:.0f}小时内退款）",
        "refund_anomaly": "被标记买家的退款频率是真实买家的{ratio:.1f}倍："
        "这是刷单的迹象（虚假下单冲销量，之后退款）。",
        "refund_anomaly_only": "只有被标记买家的订单被退款：这是刷单的迹象（虚假下单冲销量，"
        "之后退款）。",
        "refund_normal": "被标记买家与真实买家的退款率相近。",
        "no_orders": "直播间没有订单。",
        "refund_axis": "退款订单比例",
        "refund_rate": "退款率",
        "refund_fast": "3天内退款",
        "flagged_buyers": "被标记买家",
        "real_buyers": "真实买家",
        "peers_line": "与同一数据中{k}个拥有{lo:,}到{hi:,}个粉丝的主播相比，"
        "其中{pct}的虚假粉丝比{streamer}少：{tier}。",
        "peers_nearest": "这里没有粉丝数在其一半到两倍之间的主播，因此取规模最接近的{k}个。",
        "tier_cleanest": "属于最干净的四分之一",
        "tier_cleaner": "属于较干净的一半",
        "tier_worse": "属于虚假粉丝较多的一半",
        "tier_worst": "属于虚假粉丝最多的四分之一",
        "no_peers": "该数据中同等规模的主播太少，无法比较。",
        "peers_caption": "每个点是一个同等规模的主播，"
        "位置为其估计的虚假粉丝比例（与标题数字的方法相同）；红线是{streamer}。",
        "peers_dots": "同等规模主播",
        "peers_own": "该主播",
        "peers_axis": "估计的虚假粉丝比例",
        "account": "账号",
        "probability": "机器粉概率",
        "verdict": "判定",
        "kind": "可能类型",
        "kind_family": "最强信号类别",
        "reasons": "原因",
        "examples_caption": "示例覆盖各种类型和不同概率。此处概率已四舍五入；评分文件保留完整精度。"
        "",
        "none_flagged": "没有粉丝被标记。",
        "method_items": [
            "模型为每个粉丝给出经过校准的机器粉概率；概率不低于{bot:.2f}判定为机器粉，低于{human:.2f}判定为真人，介于两者之间为不确定。",
            "标题中的虚假粉丝比例由{method}在全部{n:,}个粉丝上估计，并给出95%区间；它不是被标记粉丝的个数"
            "（个数会漏掉谨慎的机器粉，也包含少量误报）。它假定机器粉与训练时的样子相同：模型较难识别的类型会使它偏低。",
            "在模型没有训练过的账号上测得的概率校准误差：{ece:.1%}。",
            "刷粉模式由每天被标记新粉丝数的变点检测得出，并且只有当它们占每天新粉丝的比例也上升时才算，"
            "因此带来大量真人的爆火视频不会被当作刷粉。",
            "模板评论：比“666”这类常用短语更长，被平台上至少{copy}个其他账号一字不差地发过，"
            "并且发布者被模型标记（真人也会重复常见问题）。",
            "同等规模主播：同一数据中粉丝数在该主播一半到两倍之间的主播，其虚假粉丝比例用相同方法估计。",
            "本报告不包含任何IP地址、设备号或其化名。",
        ],
        "number_words": "零,一,两,三,四,五,六,七,八,九,十",
        "date_format": "%m月%d日",
        "day_month": "{month}{d}日",
        "and": "和",
        "months": "1月,2月,3月,4月,5月,6月,7月,8月,9月,10月,11月,12月",
        "sentence_real": "{n:,}个粉丝几乎都是真人：约{pct}（{range}）疑似购买或虚假。",
        "sentence_bought": "{n:,}个粉丝中约{pct}（{range}）疑似购买或虚假。",
        "sentence_bursts": "{dates}的{k}次{bursts}{verb}购买的：新增{followers:,}个粉丝，"
        "其中最多{peak:,}个在十分钟内涌入。",
        "sentence_spread": "没有明显的刷粉模式：被标记的粉丝以稳定的低速度陆续到来。",
        "sentence_organic": "{dates}的{bursts}{verb}自然增长：是真人，就像视频爆火之后那样。",
        "burst_word": "集中涨粉",
        "bursts_word": "集中涨粉",
        "looks": "看起来是",
        "look": "看起来是",
        "room_alert": "直播间里，{parts}来自被标记的账号。",
        "room_part_view": "{share}的观看",
        "room_part_like": "{share}的点赞",
        "room_part_comment": "{share}的评论",
        "room_refunds": "被标记买家的订单退款率为{flagged}，真实买家为{human}。",
        "probability_axis": "机器粉概率",
        "followers_axis": "粉丝数",
        "new_followers_axis": "每日新增粉丝",
    },
}


@dataclass(frozen=True)
class AuditFacts:
    """Everything the page shows, computed by `models.audience`, `models.delivery` and the
    scorer."""

    streamer: str
    quality: Quality
    growth: Growth
    room: RoomAuthenticity | None
    examples: pd.DataFrame  # chosen by choose_examples: ... verdict, reasons, kind
    probabilities: np.ndarray
    model_version: str
    thresholds: tuple[float, float]  # (human, bot)
    calibration_error: float  # held out, from the model's metadata
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)  # models.delivery.daily_flows
    patterns: tuple[Pattern, ...] = ()
    peers: Peers | None = None
    kind_accuracy: float | None = None  # the kind model's held-out accuracy
    kind_note: str = ""  # why there is no kind model
    data_span: tuple[date, date] | None = None
    generated: datetime | None = None


def calibration_error(model: FanauditModel) -> float:
    """The model's held-out expected calibration error, as its training run measured it."""
    return held_out_calibration_error(model)


def audit_facts(
    streamer: str,
    scored: pd.DataFrame,
    features: pd.DataFrame,
    all_ids: pd.Index,
    follows: pd.DataFrame,
    events: RoomEvents,
    room_verdicts: pd.Series,
    model: FanauditModel,
    version: str,
    *,
    follow_events: pd.DataFrame | None = None,
    event_verdicts: pd.Series | None = None,
    headline: Headline | None = None,
    peers: Peers | None = None,
    data_span: tuple[date, date] | None = None,
    generated: datetime | None = None,
) -> AuditFacts:
    """Gather what the page shows. `scored` are the followers' scores (with reasons for the
    flagged ones), `room_verdicts` the verdicts of everyone active in the streamer's room,
    `follow_events` every timed follow and unfollow of the streamer (audience.follow_events)
    with `event_verdicts` covering their accounts (followers who left included)."""
    ece = calibration_error(model)
    rows = all_ids.get_indexer(pd.Index(scored["account_id"]))
    columns = [c for c in BURST_FEATURES if c in features.columns]
    follower_features = features.iloc[rows][columns].set_axis(scored["account_id"].to_numpy())
    flows = (
        daily_flows(follow_events, event_verdicts, TIMEZONE)
        if follow_events is not None
        else pd.DataFrame()
    )
    kinds = model.metadata.get("kind_model") if isinstance(model.metadata, dict) else None
    accuracy = (
        (kinds.get("metrics") or {}).get("kind_accuracy")
        if isinstance(kinds, dict) and getattr(model, "kind_model", None) is not None
        else None
    )
    return AuditFacts(
        streamer=streamer,
        quality=audience_quality(scored, ece, headline),
        growth=follower_growth(follows, scored, follower_features),
        room=room_authenticity(events, room_verdicts) if events.rooms else None,
        examples=choose_examples(scored),
        probabilities=scored["bot_probability"].to_numpy(float),
        model_version=str(version),
        thresholds=(model.thresholds.human, model.thresholds.bot),
        calibration_error=ece,
        flows=flows,
        patterns=delivery_patterns(flows) if not flows.empty else (),
        peers=peers,
        kind_accuracy=accuracy,
        kind_note=kind_note(model),
        data_span=data_span,
        generated=generated or datetime.now(UTC),
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
        later_same_month = (
            position + 1 < len(ordered)
            and ordered[position + 1].month == day.month
            and ordered[position + 1].year == day.year
        )
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


def rounded_probability(p: float) -> str:
    """A probability for people: whole percents, '>99%' and '<1%' at the ends."""
    if p >= 0.995:
        return ">99%"
    if p < 0.005:
        return "<1%"
    return f"{100 * p:.0f}%"


def headline(facts: AuditFacts) -> Headline:
    """The page's one share of fake followers (the mean-probability figure without one)."""
    q = facts.quality
    if q.headline is not None:
        return q.headline
    low, high = q.real_share_ci
    return Headline(1 - q.real_share, 1 - high, 1 - low, "mean", q.followers)


def method_name(method: str, lang: Language) -> str:
    return TEXT[lang].get(f"method_{method}", method)


def day_span(first: date, last: date, lang: Language) -> str:
    text = TEXT[lang]
    if first == last:
        return text["when_one"].format(day=format_days([first], lang))
    start = format_days([first], lang)
    if (first.year, first.month) == (last.year, last.month):  # '1 to 31 October', '10月1日至31日'
        start = str(first.day) if lang == "en" else start
        return text["when_range"].format(
            first=start, last=format_days([last], lang) if lang == "en" else f"{last.day}日"
        )
    return text["when_range"].format(first=start, last=format_days([last], lang))


def pattern_sentence(pattern: Pattern, lang: Language) -> str:
    """What a delivery pattern looks like, with its dates and sizes."""
    text = TEXT[lang]
    when = day_span(pattern.first_day, pattern.last_day, lang)
    days = text["one_day"] if pattern.days == 1 else text["n_days"].format(n=pattern.days)
    share = percent(pattern.share) if not math.isnan(pattern.share) else "–"
    if pattern.kind == "steps":
        levels = [f"{v:,}" for v in pattern.steps]
        said = (
            text["then_word"].join([", ".join(levels[:-1]), levels[-1]])
            if lang == "en"
            else text["then_word"].join(levels)
        )
        return text["says_steps"].format(
            when=when, k=count_word(len(pattern.steps), lang), levels=said, share=share
        )
    if pattern.kind == "drip" and len(pattern.cycles) < 2:
        return text["says_churn"].format(
            when=when, low=pattern.low, high=pattern.high, left=pattern.left
        )
    if pattern.kind == "drip":
        cycles = join_words(
            [
                text["cycle"].format(left=c.left, day=format_days([c.day], lang))
                for c in pattern.cycles
            ],
            lang,
        )
        return text["says_drip"].format(
            when=when,
            low=pattern.low,
            high=pattern.high,
            k=count_word(len(pattern.cycles), lang),
            cycles=cycles,
        )
    if pattern.kind == "spike":
        return text["says_spike"].format(when=when, flagged=pattern.flagged, days=days, share=share)
    baseline = (
        text["almost_none"]
        if pattern.baseline < 1
        else text["per_day"].format(n=f"{pattern.baseline:.0f}")
    )
    return text["says_sustained"].format(
        when=when, low=pattern.low, high=pattern.high, share=share, baseline=baseline
    )


def verdict_sentence(facts: AuditFacts, lang: Language) -> str:
    """The plain verdict at the top of the page: the one headline share with its interval,
    the delivery patterns with dates and sizes, bursts that look bought or organic, and
    the live room."""
    text, q = TEXT[lang], facts.quality
    if q.followers == 0:
        return text["sentence_real"].format(n=0, pct="0%", range="0–0%")
    share = headline(facts)
    key = "sentence_real" if share.share < NEARLY_ALL_REAL else "sentence_bought"
    sentence = text[key].format(
        pct=percent(share.share), n=q.followers, range=percent_range(share.low, share.high)
    )
    for pattern in facts.patterns:
        sentence += ("" if lang == "zh" else " ") + pattern_sentence(pattern, lang)
    in_patterns = {p.first_day for p in facts.patterns}
    bought = [
        b
        for b in facts.growth.bursts
        if b.judgement == "bought"
        and not any(p.first_day <= b.first_day <= p.last_day for p in facts.patterns)
    ]
    if bought:
        sentence += text["sentence_bursts"].format(
            k=count_word(len(bought), lang).capitalize(),
            dates=format_days([b.first_day for b in bought], lang),
            bursts=text["burst_word" if len(bought) == 1 else "bursts_word"],
            verb=text["looks" if len(bought) == 1 else "look"],
            followers=sum(b.followers for b in bought),
            peak=max(b.peak_window for b in bought),
        )
    flagged = q.verdicts.get("bot", 0) + q.verdicts.get("uncertain", 0)
    if (
        not facts.patterns
        and not bought
        and not in_patterns
        and flagged >= BURST_FREE_MIN
        and share.share >= NEARLY_ALL_REAL
    ):
        sentence += text["sentence_spread"]
    organic = [b for b in facts.growth.bursts if b.judgement == "organic"]
    if organic:
        sentence += text["sentence_organic"].format(
            bursts=text["burst_word" if len(organic) == 1 else "bursts_word"],
            dates=format_days([b.first_day for b in organic], lang),
            verb=text["looks" if len(organic) == 1 else "look"],
        )
    return sentence + room_sentence(facts.room, lang)


def room_sentence(room: RoomAuthenticity | None, lang: Language) -> str:
    """What the verdict adds about the live room: activity that is mostly from flagged
    accounts, and anomalous refunds."""
    if room is None:
        return ""
    text = TEXT[lang]
    shares = (
        ("room_part_view", room.engagement["view"]),
        ("room_part_like", room.engagement["like"]),
        ("room_part_comment", room.comments),
    )
    parts = [
        text[key].format(share=percent(s.share))
        for key, s in shares
        if s.total and s.share >= ROOM_ALERT_SHARE
    ]
    sentence = text["room_alert"].format(parts=join_words(parts, lang)) if parts else ""
    refunds = refund_facts(room, lang)
    if refunds is not None and refunds["anomaly"]:
        sentence += text["room_refunds"].format(
            flagged=percent(room.refunds["flagged"].rate), human=percent(room.refunds["human"].rate)
        )
    return sentence


# ------------------------------------------------------------------ page parts


def choose_examples(scored: pd.DataFrame, n: int = EXAMPLES) -> pd.DataFrame:
    """Flagged followers that span the range of probabilities (the nearest to n evenly
    spaced probabilities from the highest to the lowest) and the kinds: a kind missing from
    those gets its median-probability account in place of the account of a kind shown twice
    nearest to it in probability."""
    flagged = scored[scored["verdict"].isin(FLAGGED)].sort_values(
        ["bot_probability", "account_id"], ascending=[False, True], kind="stable"
    )
    if flagged.empty:
        return flagged.assign(kind=pd.Series(dtype=object), kind_is_family=pd.Series(dtype=bool))
    kind, families = account_kind(flagged)
    flagged = flagged.assign(kind=kind.fillna(""), kind_is_family=families).reset_index(drop=True)
    p = flagged["bot_probability"].to_numpy(float)
    chosen: list[int] = []
    for target in np.linspace(p[0], p[-1], min(n, len(flagged))):
        order = np.argsort(np.abs(p - target), kind="stable")
        chosen.append(int(next((i for i in order if i not in chosen), order[0])))
    for missing in flagged["kind"].value_counts().index:
        shown = flagged.loc[chosen, "kind"]
        if missing in set(shown):
            continue
        repeated = shown[shown.duplicated(keep=False)]
        if repeated.empty:
            break
        group = flagged.index[flagged["kind"] == missing]
        median = int(group[len(group) // 2])
        nearest = int(repeated.index[np.argmin(np.abs(p[repeated.index] - p[median]))])
        chosen[chosen.index(nearest)] = median  # the repeat nearest in probability
    return flagged.loc[sorted(set(chosen))]


def kind_label(kind: object, is_family: bool, lang: Language) -> str:
    if not isinstance(kind, str) or not kind:
        return ""
    return family_title(kind, lang) if is_family else kind_title(kind, lang)


def kpi_tiles(facts: AuditFacts, lang: Language) -> list[dict]:
    text, q = TEXT[lang], facts.quality
    share = headline(facts)
    tiles = [
        {
            "id": "kpi-share",
            "value": percent(share.share) if q.followers else "–",
            "label": text["kpi_share"],
            "sub": text["kpi_share_sub"].format(
                range=percent_range(share.low, share.high), method=method_name(share.method, lang)
            )
            if q.followers
            else "",
            "tone": tone(share.share),
        },
        {
            "id": "kpi-above",
            "value": f"{q.verdicts.get('bot', 0):,}",
            "label": text["kpi_above"],
            "sub": text["kpi_above_sub"].format(
                bot=f"{facts.thresholds[1]:.2f}", uncertain=q.verdicts.get("uncertain", 0)
            ),
            "tone": tone(q.verdicts.get("bot", 0) / q.followers if q.followers else math.nan),
        },
    ]
    if facts.patterns:
        first = facts.patterns[0]
        names = join_words(
            list(dict.fromkeys(text[f"pattern_{p.kind}"] for p in facts.patterns)), lang
        )
        tiles.append(
            {
                "id": "kpi-pattern",
                "value": names,
                "label": text["kpi_pattern"],
                "sub": text["kpi_pattern_sub"].format(
                    flagged=sum(p.flagged for p in facts.patterns),
                    start=format_days([first.first_day], lang),
                ),
                "tone": "bad",
            }
        )
    elif not facts.flows.empty:
        tiles.append(
            {
                "id": "kpi-pattern",
                "value": text["kpi_no_pattern"],
                "label": text["kpi_pattern"],
                "sub": text["kpi_no_pattern_sub"],
                "tone": "good",
            }
        )
    if facts.peers is not None:
        p = facts.peers
        tiles.append(
            {
                "id": "kpi-peers",
                "value": percent(p.percentile),
                "label": text["kpi_peers"].format(k=p.peers),
                "sub": text["kpi_peers_sub"].format(lo=p.smallest, hi=p.largest),
                "tone": {"cleanest": "good", "cleaner": "good", "worse": "warn"}.get(p.tier, "bad"),
            }
        )
    room = facts.room
    if room is not None and room.scripted.total:
        tiles.append(
            {
                "id": "kpi-scripted",
                "value": percent(room.scripted.share),
                "label": text["kpi_scripted"],
                "sub": text["kpi_scripted_sub"].format(n=int(room.scripted.total)),
                "tone": tone(room.scripted.share),
            }
        )
    return tiles


def tone(bad_share: float) -> str:
    if math.isnan(bad_share):
        return "neutral"
    return "bad" if bad_share >= 0.25 else "warn" if bad_share >= 0.08 else "good"


def burst_rows(growth: Growth, lang: Language) -> list[dict]:
    text = TEXT[lang]
    rows = []
    for b in growth.bursts:
        dates = (
            format_days([b.first_day], lang)
            if b.first_day == b.last_day
            else f"{format_days([b.first_day], lang)} – {format_days([b.last_day], lang)}"
        )
        rows.append(
            {
                "dates": dates,
                "followers": f"{b.followers:,}",
                "peak": f"{b.peak_window:,}",
                "flagged": percent(b.flagged_share),
                "together": percent(b.registered_together_share),
                "shared": percent(b.shared_address_share),
                "device": percent(b.shared_device_share),
                "lockstep": percent(b.lockstep_share),
                "looks": text[b.judgement],
                "judgement": b.judgement,
            }
        )
    return rows


def peers_line(facts: AuditFacts, lang: Language) -> str:
    text, p = TEXT[lang], facts.peers
    if p is None:
        return text["no_peers"]
    return text["peers_line"].format(
        k=p.peers,
        lo=p.smallest,
        hi=p.largest,
        pct=percent(p.percentile),
        streamer=facts.streamer,
        tier=text[f"tier_{p.tier}"],
    ) + (text["peers_nearest"].format(k=p.peers) if p.nearest else "")


def refund_facts(room: RoomAuthenticity, lang: Language) -> dict | None:
    text = TEXT[lang]
    flagged, human = room.refunds["flagged"], room.refunds["human"]
    if flagged.orders + human.orders == 0:
        return None

    def hours(group) -> str:
        return (
            ""
            if math.isnan(group.median_refund_hours)
            else text["refund_hours"].format(h=group.median_refund_hours)
        )

    line = " ".join(
        text[key].format(rate=group.rate, n=group.orders, hours=hours(group))
        for key, group in (("refund_flagged", flagged), ("refund_human", human))
        if group.orders
    )
    if flagged.orders < MIN_ORDERS or human.orders < MIN_ORDERS:
        return {"line": line, "note": "", "anomaly": False}
    if flagged.rate > 0 and human.rate == 0:
        return {"line": line, "note": text["refund_anomaly_only"], "anomaly": True}
    ratio = flagged.rate / human.rate if human.rate else 1.0
    if ratio >= REFUND_ANOMALY_RATIO:
        return {"line": line, "note": text["refund_anomaly"].format(ratio=ratio), "anomaly": True}
    return {"line": line, "note": text["refund_normal"], "anomaly": False}


# ------------------------------------------------------------------ charts


CHART_KEYS = (
    "human",
    "uncertain",
    "bot",
    "probability_axis",
    "followers_axis",
    "new_followers_axis",
    "date_format",
    "kinds_axis",
    "engagement_axis",
    "view",
    "watch_seconds",
    "like",
    "share",
    "gift_value",
    "refund_axis",
    "refund_rate",
    "refund_fast",
    "flagged_buyers",
    "real_buyers",
    "bought",
    "organic",
    "mixed",
    "flagged_new",
    "flagged_share",
    "cumulative_new",
    "cumulative_flagged",
    "cumulative_left",
    "cumulative_flagged_left",
    "pattern_spike",
    "pattern_steps",
    "pattern_drip",
    "pattern_sustained",
    "peers_dots",
    "peers_own",
    "peers_axis",
)


def chart_labels(lang: Language) -> dict[str, str]:
    text = TEXT[plots.chart_language(lang)]
    return {k: text[k] for k in CHART_KEYS}


def charts(facts: AuditFacts, lang: Language) -> dict[str, str]:
    with plots.chart_style(lang):
        return draw_charts(facts, chart_labels(lang), plots.chart_language(lang))


def draw_charts(facts: AuditFacts, labels: dict[str, str], chart_lang: Language) -> dict[str, str]:
    q = facts.quality
    found = {
        "verdicts": plots.verdict_bar(q.verdicts, labels),
        "histogram": plots.probability_histogram(facts.probabilities, facts.thresholds, labels),
    }
    if q.kinds:
        found["kinds"] = plots.horizontal_bars(
            {kind_label(k, q.kinds_are_families, chart_lang): v for k, v in q.kinds.items()},
            labels["kinds_axis"],
        )
    if not facts.growth.daily.empty:
        marks = [
            (
                b.first_day,
                b.last_day,
                b.judgement,
                labels[b.judgement].split(" (")[0].split("（")[0],
            )
            for b in facts.growth.bursts
        ]
        found["growth"] = plots.growth_chart(facts.growth.daily, marks, labels)
    if not facts.flows.empty:
        episodes = [(p.first_day, p.last_day, labels[f"pattern_{p.kind}"]) for p in facts.patterns]
        found["delivery"] = plots.delivery_chart(facts.flows, episodes, labels)
        found["cumulative"] = plots.cumulative_chart(facts.flows, labels)
    if facts.peers is not None:
        found["peers"] = plots.peers_chart(facts.peers.shares, headline(facts).share, labels)
    room = facts.room
    if room is not None:
        shares = {labels[k]: s.share for k, s in room.engagement.items() if s.total}
        if shares:
            found["engagement"] = plots.horizontal_bars(
                shares, labels["engagement_axis"], as_percent=True
            )
        flagged, human = room.refunds["flagged"], room.refunds["human"]
        if flagged.orders and human.orders:
            found["refunds"] = plots.paired_bars(
                {
                    labels["flagged_buyers"]: {
                        labels["refund_rate"]: flagged.rate,
                        labels["refund_fast"]: flagged.fast_rate,
                    },
                    labels["real_buyers"]: {
                        labels["refund_rate"]: human.rate,
                        labels["refund_fast"]: human.fast_rate,
                    },
                },
                labels["refund_axis"],
            )
    return found


# ------------------------------------------------------------------ the page


def footer_line(facts: AuditFacts, lang: Language) -> str:
    text = TEXT[lang]
    first, last = facts.data_span or (
        (facts.growth.daily.index[0], facts.growth.daily.index[-1])
        if not facts.growth.daily.empty
        else (None, None)
    )
    generated = (facts.generated or datetime.now(UTC)).astimezone(UTC)
    return text["footer"].format(
        first=full_date(first, lang) if first else "–",
        last=full_date(last, lang) if last else "–",
        version=facts.model_version,
        generated=generated.strftime("%Y-%m-%d %H:%M"),
    )


def render_report(facts: AuditFacts, lang: Language = "en") -> str:
    """The report page as one self-contained HTML string."""
    text = TEXT[lang]
    q = facts.quality
    examples = [
        {
            "account_id": row.account_id,
            "probability": rounded_probability(row.bot_probability),
            "verdict": text[row.verdict],
            "verdict_key": row.verdict,
            "kind": kind_label(row.kind, bool(row.kind_is_family), lang),
            "kind_probability": ""
            if row.kind_is_family or pd.isna(getattr(row, "kind_probability", None))
            else rounded_probability(row.kind_probability),
            "reasons": row.reasons,
        }
        for row in facts.examples.itertuples(index=False)
    ]
    daily = facts.growth.daily
    last_follow = full_date(daily.index[-1], lang) if not daily.empty else "–"
    room = facts.room
    share = headline(facts)
    context = {
        "lang": lang,
        "text": text,
        "streamer": facts.streamer,
        "title": text["title"].format(streamer=facts.streamer),
        "subtitle": text["subtitle"].format(
            n=q.followers, last=last_follow, version=facts.model_version
        ),
        "sentence": verdict_sentence(facts, lang),
        "verdict_tone": "good"
        if tone(share.share) == "good"
        and not room_sentence(facts.room, lang)
        and not facts.patterns
        else "bad",
        "tiles": kpi_tiles(facts, lang),
        "verdicts_caption": text["verdicts_caption"].format(
            **{v: q.verdicts.get(v, 0) for v in ("human", "uncertain", "bot")}
        ),
        "kinds_title": text["kinds_families" if q.kinds_are_families else "kinds"],
        "kinds_caption": text["kinds_families_caption"].format(note=facts.kind_note)
        if q.kinds_are_families
        else text["kinds_caption"].format(
            accuracy=percent(facts.kind_accuracy) if facts.kind_accuracy is not None else "–"
        ),
        "kind_header": text["kind_family" if q.kinds_are_families else "kind"],
        "plots": charts(facts, lang),
        "patterns": [
            {
                "kind": p.kind,
                "name": text[f"pattern_{p.kind}"],
                "sentence": pattern_sentence(p, lang),
            }
            for p in facts.patterns
        ],
        "has_flows": not facts.flows.empty,
        "peers_line": peers_line(facts, lang),
        "peers_caption": text["peers_caption"].format(streamer=facts.streamer),
        "bursts": burst_rows(facts.growth, lang),
        "undated": text["undated"].format(n=facts.growth.undated) if facts.growth.undated else "",
        "room": room,
        "comments_line": text["comments_line"].format(
            scripted=room.scripted.share,
            total=int(room.scripted.total),
            flagged=room.comments.share,
        )
        if room is not None and room.scripted.total
        else "",
        "scripts": [
            {"text": t, "row": text["script_row"].format(n=n, a=a)} for t, n, a in room.scripts
        ]
        if room is not None
        else [],
        "refunds": refund_facts(room, lang) if room is not None else None,
        "examples": examples,
        "method_items": [
            item.format(
                bot=facts.thresholds[1],
                human=facts.thresholds[0],
                ece=facts.calibration_error,
                copy=COPY_MIN_OTHERS,
                method=method_name(share.method, lang),
                n=q.followers,
            )
            for item in text["method_items"]
        ],
        "footer": footer_line(facts, lang),
    }
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return environment.get_template("report.html.j2").render(**context)
