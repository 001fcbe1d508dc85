"""Content: what an account's posts carry, and whether they are near copies.

General signals of scripted or promotional posting, on any platform and in any language:

- **links, mentions and hashtags**: the share of its comments (posts) that carry a link
  (`http://`, `https://`, `www.`), an @mention of another account (not an e-mail
  address), or a hashtag (`#topic#` as on Weibo, or `#topic` as on Twitter).
- **promotional vocabulary**: the share that uses a word of PROMO_WORDS, a small fixed
  lexicon of sales, giveaway and "contact me off the platform" words in Chinese and
  English (优惠, 包邮, 加微信, free, discount, giveaway, whatsapp...). It is documented here
  and is the same on every platform: marketing accounts sell, people mostly do not.
- **near copies**: texts are compared by their 3-character pieces (shingles, after
  lower-casing and removing links, whitespace and punctuation; the first
  SHINGLE_MAX_CHARS characters). Each distinct text gets a MinHash signature
  (BANDS x ROWS seeded hashes, integer arithmetic on the characters' code points, so DuckDB
  and Spark agree and renaming nothing changes anything); two texts whose signatures agree
  on all ROWS hashes of a band are near copies. The chance is J**ROWS per band for
  shingle overlap (Jaccard) J: about 0.9 of pairs at J = 0.7 and 0.15 at J = 0.3 are
  found. Stock phrases (see `comments`: at most 4 characters, or no letters, like "666")
  are never compared: real fans repeat them all the time. An account's *self near
  duplicates* are its longer comments that repeat, word for word or nearly, another of its
  own; its *near copies* are those that match a comment of another account.
- **relative measures**: comment length and the time of its last comment are given as the
  account's percentile among the dataset's accounts (0 to 1), so that a platform of long
  posts and one of short chat lines, or a month and five years of data, read alike.
- **reposts**: shares (`engagements.kind = share`, reposts without words of its own) as a
  share of everything it posted (comments and shares).
- **posting client** (only when `comments.client` is given): how many apps or devices it
  posted from, and the share of its comments from a client used by at most
  RARE_CLIENT_SHARE of the dataset's accounts (scheduling tools and unreviewed apps that
  marketing accounts use and almost nobody else does).
"""

from __future__ import annotations

import ibis
from fanaudit.features.families.comments import is_stock
from fanaudit.features.families.common import HASH_MODULUS, epoch, share
from fanaudit.features.feature import Feature
from fanaudit.features.tables import Tables

FAMILY = "content"
SHINGLE_CHARS = 3
SHINGLE_MAX_CHARS = 280
BANDS = 6
ROWS = 3
CODE_POINTS = 1_114_112  # Unicode code points: a character's code is below this
SEEDS = tuple(
    (69_621 + 10_007 * i * i + 48_611 * i, 7_777 + 31_337 * i) for i in range(BANDS * ROWS)
)
RARE_CLIENT_SHARE = 0.01
CLIENT_FEATURES = ("comment_client_count", "comment_rare_client_share")  # need comments.client

LINK = r"https?://|www\."
MENTION = r"(^|[^A-Za-z0-9._%+@-])@[\p{L}\p{N}_]"  # not an e-mail address
HASHTAG = r"#[^#\s]{1,50}#|(^|\s)#[\p{L}\p{N}_]"
# Sales, giveaway and contact-me words; English ones match whole words only.
PROMO_WORDS_ZH = (
    "优惠",
    "折扣",
    "打折",
    "特价",
    "促销",
    "秒杀",
    "包邮",
    "限时",
    "抢购",
    "代购",
    "下单",
    "团购",
    "低价",
    "爆款",
    "招商",
    "代理",
    "加盟",
    "赚钱",
    "兼职",
    "返利",
    "返现",
    "红包",
    "抽奖",
    "福利",
    "免费",
    "私信",
    "咨询",
    "加微",
    "微信",
    "微商",
    "扫码",
    "二维码",
    "链接",
    "点击",
    "店铺",
    "淘宝",
    "互粉",
)
PROMO_WORDS_EN = (
    "free",
    "sale",
    "discount",
    "deal",
    "deals",
    "offer",
    "promo",
    "coupon",
    "giveaway",
    "cheap",
    "buy now",
    "order now",
    "shop now",
    "click",
    "link in bio",
    "dm me",
    "follow me",
    "follow back",
    "subscribe",
    "whatsapp",
    "telegram",
    "earn",
    "cash",
    "bonus",
    "limited time",
    "win",
)
PROMO = "|".join(PROMO_WORDS_ZH) + "|" + r"\b(" + "|".join(PROMO_WORDS_EN) + r")\b"

FEATURES = (
    Feature(
        "comment_link_share",
        FAMILY,
        "Share of its comments that carry a link (http://, https://, www.).",
        "share",
        "higher",
        "puts a link in {value} of its posts",
        "{value}的发言带有链接",
    ),
    Feature(
        "comment_mention_share",
        FAMILY,
        "Share of its comments that @mention an account.",
        "share",
        "either",
        "mentions other accounts with @ in {value} of its posts",
        "{value}的发言@了其他账号",
    ),
    Feature(
        "comment_hashtag_share",
        FAMILY,
        "Share of its comments with a hashtag (#topic# or #topic).",
        "share",
        "either",
        "uses hashtags in {value} of its posts",
        "{value}的发言带有话题标签（#）",
    ),
    Feature(
        "comment_promo_share",
        FAMILY,
        "Share of its comments using a word of a fixed sales and giveaway lexicon in "
        "Chinese and English (优惠, 包邮, 加微信, free, discount, giveaway, ...; "
        "features.families.content.PROMO_WORDS_*).",
        "share",
        "higher",
        "{value} of its posts use sales or giveaway words (free, discount, add me on WeChat)",
        "{value}的发言含有推销或抽奖用语（免费、优惠、加微信等）",
    ),
    Feature(
        "comment_self_near_dup_share",
        FAMILY,
        "Share of its longer (non-stock) comments that repeat another of its own comments "
        "word for word or nearly (MinHash of 3-character shingles).",
        "share",
        "higher",
        "{value} of its longer posts repeat, word for word or nearly, its own other posts",
        "{value}的长发言与它自己的其他发言相同或几乎相同",
    ),
    Feature(
        "comment_near_copy_share",
        FAMILY,
        "Share of its longer (non-stock) comments that are near copies of a comment by "
        "another account (MinHash of 3-character shingles).",
        "share",
        "higher",
        "{value} of its longer posts are near copies of posts by other accounts",
        "{value}的长发言与其他账号的发言几乎相同",
    ),
    Feature(
        "comment_length_pct",
        FAMILY,
        "Percentile (0-1) of its mean comment length among the dataset's accounts.",
        "share",
        "either",
        "writes longer posts than {value} of the accounts here",
        "发言平均长度超过本数据中{value}的账号",
    ),
    Feature(
        "comment_last_pct",
        FAMILY,
        "Percentile (0-1) of the time of its last comment among the dataset's accounts.",
        "share",
        "either",
        "its last post came later than those of {value} of the accounts here",
        "最后一次发言晚于本数据中{value}的账号",
    ),
    Feature(
        "repost_share",
        FAMILY,
        "Shares (reposts without words of its own) per comment or share it posted.",
        "share",
        "either",
        "{value} of what it posts are reposts rather than its own words",
        "{value}的发布内容是转发而非自己的话",
    ),
    Feature(
        "comment_client_count",
        FAMILY,
        "Distinct apps or devices its comments were posted from (needs comments.client).",
        "clients",
        "either",
        "posted from {value} different apps or devices",
        "使用过{value}种不同的客户端发布内容",
    ),
    Feature(
        "comment_rare_client_share",
        FAMILY,
        f"Share of its comments posted from a client used by at most "
        f"{RARE_CLIENT_SHARE:.0%} of the dataset's accounts (needs comments.client).",
        "share",
        "higher",
        "{value} of its posts come from apps that almost no other account here uses",
        "{value}的发言来自本数据中几乎没有其他账号使用的客户端",
    ),
)


def near_normal(lowered: ibis.StringValue) -> ibis.StringValue:
    """Lower-cased text without links, whitespace and punctuation (for near copies)."""
    return lowered.re_replace(r"(https?://|www\.)\S*", "").re_replace(r"[\s\p{P}]+", "")


def text_flags(comments: ibis.Table) -> ibis.Table:
    """Per (account_id, text): n comments, its flags, length and near-copy form.
    The regular expressions run once per distinct text, not per comment."""
    raw = comments.group_by(["account_id", "text"]).aggregate(n=comments.count())
    texts = raw.select("text").distinct()
    low = texts.text.lower()
    near = near_normal(low)
    flags = texts.select(
        "text",
        link=low.re_search(LINK),
        mention=texts.text.re_search(MENTION),
        hashtag=texts.text.re_search(HASHTAG),
        promo=low.re_search(PROMO),
        chars=texts.text.length(),
        near=near,
        stock=is_stock(near),
    ).distinct()  # pins the regexes
    return raw.join(flags, "text")


def shingle_codes(docs: ibis.Table) -> ibis.Table:
    """Distinct (near, code): one integer per 3-character shingle of each text."""
    length = ibis.least(docs.near.length(), SHINGLE_MAX_CHARS)
    pieces = docs.select("near", i=ibis.range(0, length - (SHINGLE_CHARS - 1)).unnest())
    code = ibis.literal(0, type="int64")
    for k in range(SHINGLE_CHARS):
        point = pieces.near.substr(pieces.i + k, 1).ascii_str().cast("int64")
        code = (code * CODE_POINTS + point) % HASH_MODULUS
    return pieces.select("near", code=code).distinct()


def band_keys(docs: ibis.Table) -> ibis.Table:
    """(near, band, k0..k{ROWS-1}): each text's MinHash values, band by band."""
    codes = shingle_codes(docs)
    mins = {f"m{i}": ((codes.code * a + b) % HASH_MODULUS).min() for i, (a, b) in enumerate(SEEDS)}
    sig = codes.group_by("near").aggregate(**mins)
    bands = [
        sig.select(
            "near",
            band=ibis.literal(b, type="int64"),
            **{f"k{r}": sig[f"m{b * ROWS + r}"] for r in range(ROWS)},
        )
        for b in range(BANDS)
    ]
    return ibis.union(*bands, distinct=False)


def near_copy_features(per_text: ibis.Table) -> ibis.Table:
    """Self near-duplicate and near-copy shares over each account's non-stock comments."""
    longer = per_text.filter(~per_text.stock)
    members = longer.group_by(["account_id", "near"]).aggregate(n=longer.n.sum())
    keys = ["band", *[f"k{r}" for r in range(ROWS)]]
    banded = members.join(band_keys(members.select("near").distinct()), "near")
    # Two accounts share a bucket (a copy), or one account has two texts in it (a self
    # near duplicate), when the bucket's least and greatest differ: window minima and
    # maxima, not grouped counts joined back (DuckDB planned those joins 5-10x slower).
    bucket = ibis.window(group_by=keys)
    own = ibis.window(group_by=["account_id", *keys])
    accounts_differ = banded.account_id.min().over(bucket) != banded.account_id.max().over(bucket)
    texts_differ = banded.near.min().over(own) != banded.near.max().over(own)
    flagged = banded.select(
        "account_id",
        "near",
        "n",
        copy=accounts_differ.cast("int8"),
        self_=texts_differ.cast("int8"),
    )
    per_member = flagged.group_by(["account_id", "near"]).aggregate(
        n=flagged.n.max(), copy=flagged.copy.max(), self_=flagged.self_.max()
    )
    repeated = (per_member.self_ == 1) | (per_member.n >= 2)
    agg = per_member.group_by("account_id").aggregate(
        total=per_member.n.sum(),
        copies=per_member.n.sum(where=per_member.copy == 1),
        repeats=per_member.n.sum(where=repeated),
    )
    return agg.select(
        "account_id",
        comment_self_near_dup_share=share(agg.repeats.fill_null(0), agg.total),
        comment_near_copy_share=share(agg.copies.fill_null(0), agg.total),
    )


def percentile(per_account: ibis.Table, column: str, name: str) -> ibis.Table:
    """account_id and the percentile (0-1) of `column` among accounts where it is known."""
    known = per_account.filter(per_account[column].notnull())
    rank = ibis.percent_rank().over(order_by=known[column])
    return known.select("account_id", **{name: rank.cast("float64")})


def text_features(comments: ibis.Table) -> ibis.Table:
    per_text = text_flags(comments)
    n = per_text.n
    agg = per_text.group_by("account_id").aggregate(
        total=n.sum(),
        links=n.sum(where=per_text.link),
        mentions=n.sum(where=per_text.mention),
        hashtags=n.sum(where=per_text.hashtag),
        promos=n.sum(where=per_text.promo),
        chars=(per_text.chars * n).sum(),
    )
    out = agg.select(
        "account_id",
        comment_link_share=share(agg.links.fill_null(0), agg.total),
        comment_mention_share=share(agg.mentions.fill_null(0), agg.total),
        comment_hashtag_share=share(agg.hashtags.fill_null(0), agg.total),
        comment_promo_share=share(agg.promos.fill_null(0), agg.total),
        mean_chars=share(agg.chars, agg.total),
    )
    lengths = percentile(out, "mean_chars", "comment_length_pct")
    last = comments.group_by("account_id").aggregate(last=epoch(comments.ts.max()))
    out = (
        out.drop("mean_chars")
        .left_join(lengths, "account_id")
        .drop("account_id_right")
        .left_join(percentile(last, "last", "comment_last_pct"), "account_id")
        .drop("account_id_right")
        .left_join(near_copy_features(per_text), "account_id")
        .drop("account_id_right")
    )
    return out


def client_features(comments: ibis.Table) -> ibis.Table:
    """Distinct clients and the share of comments from rare clients (null without clients)."""
    known = comments.filter(comments.client.notnull())
    users = known.group_by("client").aggregate(users=known.account_id.nunique())
    everyone = known.account_id.nunique().as_scalar()
    rare = users.select("client", rare=users.users <= everyone * RARE_CLIENT_SHARE)
    tagged = known.join(rare, "client")
    agg = tagged.group_by("account_id").aggregate(
        clients=tagged.client.nunique(), n=tagged.count(), rare=tagged.count(where=tagged.rare)
    )
    return agg.select(
        "account_id",
        comment_client_count=agg.clients.cast("float64"),
        comment_rare_client_share=share(agg.rare, agg.n),
    )


def repost_features(tables: Tables) -> ibis.Table | None:
    parts = []
    if tables.comments is not None:
        parts.append(tables.comments.select("account_id", shared=ibis.literal(0, type="int64")))
    if tables.engagements is not None:
        e = tables.engagements.filter(tables.engagements.kind == "share")
        parts.append(e.select("account_id", shared=ibis.literal(1, type="int64")))
    if not parts:
        return None
    posted = ibis.union(*parts, distinct=False)
    agg = posted.group_by("account_id").aggregate(shares=posted.shared.sum(), n=posted.count())
    return agg.select("account_id", repost_share=share(agg.shares, agg.n))


def compute(tables: Tables) -> ibis.Table | None:
    reposts = repost_features(tables)
    if tables.comments is None:
        return reposts
    out = text_features(tables.comments)
    out = out.left_join(client_features(tables.comments), "account_id").drop("account_id_right")
    if reposts is not None:
        out = out.join(reposts, "account_id", how="outer")
        out = out.select(
            account_id=ibis.coalesce(out.account_id, out.account_id_right),
            **{c: out[c] for c in out.columns if c not in ("account_id", "account_id_right")},
        )
    return out
