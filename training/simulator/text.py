"""Nicknames, bios and live-chat comments.

All comment texts live in one vocabulary (`COMMENTS`) and events carry integer codes
into it. The vocabulary has four parts: the short stock live-chat phrases everyone
uses (humans, superfans especially, and click-farm crews), a large space of varied
sentences composed from fragments (ordinary chat, some of it two-part questions and
mini-reviews as long as any script), the longer scripted sentences
comment-bot operators post, with decorated variants careful operators use, and the
lucky-bag passwords (福袋口令) that every viewer entering a raffle posts word for word.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

STOCK_PHRASES = (
    "666", "6666", "主播好", "来了", "来了来了", "哈哈哈", "哈哈哈哈", "🔥🔥", "❤️❤️❤️",
    "👍👍", "好看", "支持主播", "打卡", "晚上好", "冲冲冲", "爱了爱了", "牛", "太强了",
    "笑死", "上车", "已关注", "好好好", "🌹", "赞",
)

_OPENERS = ("", "", "主播", "姐姐", "哥", "宝宝们", "家人们", "老师", "刚来，", "请问")
_BODIES = (
    "这个多少钱", "链接在哪", "今天几点下播", "声音有点小", "好久不见", "这首歌叫什么",
    "能再讲一遍吗", "有没有优惠券", "上次买的很好用", "发货快吗", "衣服好看", "我在上班偷偷看",
    "明天还播吗", "有没有大码", "这个颜色显白吗", "刚下班", "什么时候抽奖", "背景音乐好听",
    "画质好清楚", "讲得真细", "看饿了", "猫好可爱", "口红是什么色号", "怎么退货",
    "第一次来", "新人报道", "是真的吗", "我也想去", "学到了", "有点贵",
)
_CLOSERS = ("", "", "", "？", "！", "哈哈", "😂", "~", "。", "👍", "🙏", "呀")

SCRIPTED_SENTENCES = (
    "主播讲得太好了，已经下单支持！",
    "这个质量真的没话说，买了三次了",
    "主播人美心善，大家快去关注她！",
    "刚收到货，质量超出预期，五星好评",
    "家人们冲啊，这个价格错过就没有了！",
    "关注主播不迷路，每天都有惊喜福利",
    "这是我见过最良心的主播，没有之一",
    "已经推荐给身边的朋友了，都说好用",
    "买了给我妈用，她非常喜欢，谢谢主播",
    "直播间福利太多了，感谢主播的用心",
    "主播的讲解很专业，一听就懂，点赞！",
    "价格这么低质量还这么好，真的太划算了",
    "老粉来支持了，主播越来越火！",
    "每天必看的直播间，主播辛苦了",
    "这款我回购好几次了，强烈推荐大家入手",
    "主播声音好好听，被圈粉了",
    "This product is amazing, bought three already",
    "Best live stream ever, highly recommend to everyone!",
    "主播太有才华了，这么好的主播必须支持",
    "好物分享，值得拥有，大家放心买",
    "第一次在直播间买东西，体验非常好",
    "售后也很好，客服态度一级棒",
    "跟着主播买从来没有踩过雷",
    "这个直播间的东西都是正品，放心冲",
    "主播人真好，给我们争取到了最低价",
    "已经是第五次下单了，全家都在用",
    "支持国货，支持良心主播！",
    "看了这么多直播，还是这家最实在",
    "主播的直播间氛围太好了，每天都来",
    "点赞关注加转发，主播一定要火！",
    "东西收到了，包装很精美，下次还来",
    "宝藏主播，相见恨晚",
    "不买真的会后悔，赶紧下单吧家人们",
    "质量好价格低，主播诚信经营，必须支持",
    "主播好有耐心，问什么都认真回答",
    "这是全网最低价了吧，太良心了",
    "推荐给闺蜜了，她也下单了",
    "每次直播都有新惊喜，爱了爱了",
    "跟主播学到了好多知识，谢谢分享",
    "Great quality, fast delivery, five stars",
)
SCRIPT_DECORATIONS = ("", "!", "！！", "👍", "😊", "~", "❤️", "[赞]")
LUCKY_BAG_PASSWORDS = (
    "点赞关注领福袋", "家人们福袋冲冲冲", "主播人美心善福袋给我", "支持主播越来越好",
    "好物节快乐福袋来了", "关注主播不迷路", "今天也要好运连连", "福袋福袋快到碗里来",
    "感谢主播的福利", "新来的求个福袋", "主播辛苦了早点休息", "中奖中奖中奖啊",
    "国货之光支持一下", "这个价格太划算了", "希望这次能抽中我", "双十一提前囤起来",
    "宝藏直播间天天来", "主播声音真好听呀", "祝主播大卖特卖", "我要中福袋我要中",
)

N_STOCK = len(STOCK_PHRASES)
N_SHORT_CHAT = len(_OPENERS) * len(_BODIES) * len(_CLOSERS)
N_LONG_CHAT = len(_OPENERS) * len(_BODIES) * len(_BODIES) * len(_CLOSERS)
N_CHAT = N_SHORT_CHAT + N_LONG_CHAT
N_SCRIPTED = len(SCRIPTED_SENTENCES)
N_PASSWORDS = len(LUCKY_BAG_PASSWORDS)
CHAT_OFFSET = N_STOCK
SCRIPT_OFFSET = N_STOCK + N_CHAT
PASSWORD_OFFSET = SCRIPT_OFFSET + N_SCRIPTED * len(SCRIPT_DECORATIONS)


def _build_comments() -> pa.Array:
    chat = [o + b + c for o in _OPENERS for b in _BODIES for c in _CLOSERS]
    chat += [o + a + "，" + b + c for o in _OPENERS for a in _BODIES for b in _BODIES
             for c in _CLOSERS]
    scripted = [s + deco for deco in SCRIPT_DECORATIONS for s in SCRIPTED_SENTENCES]
    return pa.array(list(STOCK_PHRASES) + chat + scripted + list(LUCKY_BAG_PASSWORDS),
                    type=pa.string())


COMMENTS = _build_comments()


def stock_phrases(rng: np.random.Generator, n: int) -> np.ndarray:
    """Codes of stock phrases, Zipf-skewed like real live chat."""
    weights = 1.0 / np.arange(1, N_STOCK + 1)
    return rng.choice(N_STOCK, n, p=weights / weights.sum())


def chat_sentences(rng: np.random.Generator, n: int,
                   long_share: np.ndarray | float = 0.2) -> np.ndarray:
    """Codes of varied ordinary chat sentences, `long_share` of them two-part."""
    long = rng.random(n) < long_share
    return CHAT_OFFSET + np.where(long, N_SHORT_CHAT + rng.integers(0, N_LONG_CHAT, n),
                                  rng.integers(0, N_SHORT_CHAT, n))


def scripted_sentences(rng: np.random.Generator, pool: np.ndarray, n: int,
                       decorate: float) -> np.ndarray:
    """Codes of sentences from an operator's pool, decorated with probability `decorate`."""
    sentence = pool[rng.integers(0, len(pool), n)]
    decoration = np.where(rng.random(n) < decorate,
                          rng.integers(1, len(SCRIPT_DECORATIONS), n), 0)
    return SCRIPT_OFFSET + decoration * N_SCRIPTED + sentence


def passwords(index: np.ndarray) -> np.ndarray:
    """Codes of the lucky-bag passwords with the given indices."""
    return PASSWORD_OFFSET + np.asarray(index, np.int64)


def human_chat(rng: np.random.Generator, n: int, stock_share: float,
               long_share: np.ndarray | float = 0.2) -> np.ndarray:
    """Comment codes for ordinary viewers: a mix of stock phrases and varied chat."""
    codes = chat_sentences(rng, n, long_share)
    stock = rng.random(n) < stock_share
    codes[stock] = stock_phrases(rng, int(stock.sum()))
    return codes


_SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐")
_GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红")
_PINYIN = ("xiaoyu", "lele", "momo", "tiantian", "weiwei", "jiajia", "haohao", "xinxin",
           "yaya", "bobo", "linlin", "dudu", "chenchen", "mengmeng", "kiki", "lucky", "sunny")
_PHRASES = ("快乐小猪", "追风少年", "一只喵", "半夏", "晚风", "吃货一枚", "不想上班", "小太阳",
            "南城旧梦", "奶茶续命", "山川湖海", "星星点灯", "柠檬精", "熬夜冠军", "佛系青年")
NICKNAME_STYLES = ("chinese", "pinyin", "phrase", "default", "phrase_digits")
HUMAN_STYLE_WEIGHTS = np.array([0.30, 0.20, 0.33, 0.07, 0.10])
BOT_STYLE_WEIGHTS = np.array([0.15, 0.15, 0.10, 0.35, 0.25])


def _pick(rng: np.random.Generator, options: tuple[str, ...], n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def _digits(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    return rng.integers(low, high, n).astype(str).astype(object)


def nicknames(rng: np.random.Generator, humanlike: np.ndarray) -> pa.Array:
    """Display names from one shared generator; `humanlike` (0..1 per account) blends the
    style mix from the bot-farm one (default names, digits) to the human one."""
    n = len(humanlike)
    weights = (np.outer(humanlike, HUMAN_STYLE_WEIGHTS)
               + np.outer(1 - humanlike, BOT_STYLE_WEIGHTS))
    style = (rng.random(n)[:, None] > np.cumsum(weights, axis=1)).sum(axis=1)
    style = np.minimum(style, len(NICKNAME_STYLES) - 1)
    names = np.where(style == 0, _pick(rng, _SURNAMES, n) + _pick(rng, _GIVEN, n),
                     _pick(rng, _PINYIN, n))
    short_given = rng.random(n) < 0.5
    names = np.where((style == 0) & ~short_given, names + _pick(rng, _GIVEN, n), names)
    names = np.where((style == 1) & (rng.random(n) < 0.4), names + _digits(rng, n, 1, 2000), names)
    names = np.where(style == 2, _pick(rng, _PHRASES, n), names)
    names = np.where(style == 3, "用户" + _digits(rng, n, 10**6, 10**10), names)
    names = np.where(style == 4, _pick(rng, _PHRASES, n) + _digits(rng, n, 10, 99999), names)
    return pa.array(names.tolist(), type=pa.string())


_BIOS = ("热爱生活", "记录日常", "一个普通人", "喜欢音乐和旅行", "宝妈一枚", "95后", "在读大学生",
         "努力搬砖中", "广东人在北京", "爱吃爱玩", "摄影爱好者", "不定期更新", "谢谢关注",
         "工作日夜班，周末在线", "做自己就好", "互关", "每天开心")


def bios(rng: np.random.Generator, has_bio: np.ndarray) -> pa.Array:
    """Profile texts; null where the account has none."""
    texts = _pick(rng, _BIOS, len(has_bio))
    return pa.array(np.where(has_bio, texts, None).tolist(), type=pa.string())
