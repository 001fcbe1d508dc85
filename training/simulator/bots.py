"""Bots as the fake-engagement trade sells them, one generator per `bot_kind`.

Each generator takes the chunk's accounts of its kind and that kind's difficulty d:
at d=0 the seller is careless (bursts within minutes, one proxy subnet, emulator
clients, fresh batch-registered accounts); at d=1 the seller imitates people (slow
delivery at the platform's hours, residential addresses, one real phone per account,
aged accounts bought from account markets, some genuine-looking viewing). Sellers of one
kind differ: each pack, campaign, ring or operator draws its own carefulness around d
(`seller_cares`), so cheap blatant deliveries sit next to careful ones. Click farms
and high-end fans are hard even at d=0: people run them with their own accounts and
lives, so their signal is only in co-occurrence, synchrony and mixtures, never in one
feature family alone.
"""

from __future__ import annotations

import numpy as np

from . import network
from .chunk import Chunk, partition, spread_in
from .config import glerp, lerp, seller_cares
from .humans import languages, paid_people
from .platform import DAY, HOUR, UNIFORM_HOURS, Platform, times_by_hour

STEPS_AT_SCALE = 20  # the scale at which a campaign's steps are exactly the world's steps


def _cares(chunk: Chunk, kind_d: float, n: int) -> list[float]:
    return seller_cares(chunk.rng, kind_d, n, chunk.world.care_concentration)


def _own_habit(chunk: Chunk) -> float:
    """A seller's own factor on the world's reuse and timing habits (1 in the fixed world)."""
    spread = chunk.world.seller_spread
    return float(np.exp(chunk.rng.normal(0.0, spread))) if spread > 0 else 1.0


def _seller_hours(platform: Platform, d: float) -> np.ndarray:
    """When sellers act: any hour when careless, the platform's hours when careful."""
    hours = platform.hours
    return lerp(1.0, 0.0, d) * UNIFORM_HOURS / 24 + d * hours / hours.sum()


def _delivery_times(
    rng: np.random.Generator, chunk: Chunk, n: int, d: float, last_day_margin: int = 1
) -> np.ndarray:
    """When sellers start deliveries."""
    platform = chunk.platform
    return times_by_hour(
        rng,
        n,
        _seller_hours(platform, d),
        platform.start,
        platform.days - last_day_margin,
        platform.offset,
    )


def _farm_identity(
    chunk: Chunk,
    accounts: np.ndarray,
    d: float,
    registered: float,
    ip_share: float,
    device_share: float,
) -> None:
    """Accounts from a seller's stock: a share d of careful ones, aged accounts bought from
    account markets, each on its own residential address and real phone; the rest
    registered in a batch around `registered` and run from a proxy pool and a device farm,
    with `ip_share` addresses and `device_share` devices per account when careless, more
    (up to one each) the more careful the seller."""
    careful = chunk.rng.random(len(accounts)) < d
    _bought_identity(chunk, accounts[careful], d)
    _batch_identity(chunk, accounts[~careful], d, registered, ip_share, device_share)


def _bought_identity(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    rng, n = chunk.rng, len(accounts)
    chunk.home_ip[accounts] = network.home_or_mobile_ip(rng, n)
    chunk.mobile_ip[accounts] = network.home_or_mobile_ip(rng, n, ipv6_share=0.3)
    chunk.device[accounts] = chunk.new_devices(n)
    chunk.ua[accounts] = network.phone_user_agents(rng, n)
    age = rng.uniform(60, 2200, n) * DAY
    chunk.created_at[accounts] = chunk.platform.start - age.astype(np.int64)
    chunk.humanlike[accounts] = lerp(0.5, 1.0, d)


def _batch_identity(
    chunk: Chunk,
    accounts: np.ndarray,
    d: float,
    registered: float,
    ip_share: float,
    device_share: float,
) -> None:
    rng, n, world = chunk.rng, len(accounts), chunk.world
    ip_share = min(1.0, ip_share / world.seller_ip_reuse * _own_habit(chunk))
    device_share = min(1.0, device_share / world.seller_device_reuse * _own_habit(chunk))
    pool = network.proxy_pool(
        rng, max(1, round(n * glerp(ip_share, 1.0, d))), subnets=world.proxy_subnets + round(4 * d)
    )
    chunk.home_ip[accounts] = pool[rng.permutation(n) % pool.size]
    chunk.mobile_ip[accounts] = pool[rng.permutation(n) % pool.size]
    devices = chunk.new_devices(max(1, round(n * glerp(device_share, 1.0, d))))
    chunk.device[accounts] = devices[rng.permutation(n) % devices.size]
    chunk.ua[accounts] = network.bot_user_agents(rng, n, d)
    spread = glerp(2 * HOUR, 200 * DAY, d)
    chunk.created_at[accounts] = int(registered) - (rng.random(n) * spread).astype(np.int64)
    chunk.humanlike[accounts] = d


def _visit(
    chunk: Chunk,
    accounts: np.ndarray,
    streamers: np.ndarray,
    seconds_median: float,
    likes_per_hour: float,
    comments: float = 0.0,
) -> None:
    """One visit per row to a live session of the given streamer, with a login before it."""
    rng, sessions = chunk.rng, chunk.platform.sessions
    session = sessions.pick(rng, streamers)
    length = sessions.end[session] - sessions.start[session]
    join = sessions.start[session] + (rng.random(len(session)) * 0.8 * length).astype(np.int64)
    seconds = np.clip(
        rng.lognormal(np.log(seconds_median), 0.8, len(session)), 5, sessions.end[session] - join
    ).astype(np.int64)
    chunk.watch(accounts, session, join, seconds, likes_per_hour, 0.002, 0.01)
    chunk.login(accounts, join - rng.integers(0, 300, len(accounts)), 0.3)
    visit, ts = spread_in(rng, rng.poisson(comments, len(session)), join, seconds)
    _machine_chat(chunk, accounts[visit], streamers[visit], ts)


def _machine_chat(
    chunk: Chunk, accounts: np.ndarray, streamers: np.ndarray, ts: np.ndarray
) -> None:
    """What machine-run accounts post now and then: stock cheers, and in some worlds spam
    (a promotion with a link, or a cheer with a mention or hashtag)."""
    world, vocabulary, text_rng = chunk.world, chunk.vocabulary, chunk.text_rng
    lang = languages(chunk, len(accounts))
    codes = vocabulary.stock(chunk.rng, lang)
    spam = text_rng.random(len(accounts)) < world.other_bot_spam_share
    codes[spam] = vocabulary.any(text_rng, "promo", lang[spam])
    prefix, suffix = vocabulary.decorate(
        text_rng, lang, {"mention": 0.3, "hashtag": 0.3}, {"link": 0.6, "tail": 0.2}
    )
    prefix[~spam], suffix[~spam] = 0, 0
    chunk.comment(accounts, streamers, ts, codes, prefix, suffix)


def _camouflage(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """Activity careful sellers add so accounts look used: viewing (with a stock cheer now
    and then), logins, other follows."""
    rng, platform = chunk.rng, chunk.platform
    visits = rng.poisson(lerp(0.0, 5.0, d), len(accounts))
    who = np.repeat(accounts, visits)
    streamer = rng.choice(platform.n_streamers, len(who), p=platform.popularity)
    _visit(chunk, who, streamer, glerp(30, 600, d), lerp(0.0, 6.0, d), lerp(0.0, 0.3, d))
    logins = np.repeat(accounts, rng.poisson(lerp(1.0, 8.0, d), len(accounts)))
    chunk.login(
        logins,
        times_by_hour(
            rng,
            len(logins),
            _seller_hours(platform, d),
            platform.start,
            platform.days,
            platform.offset,
        ),
        0.3,
    )
    follower = np.repeat(accounts, rng.poisson(lerp(0.0, 2.0, d), len(accounts)))
    chunk.follow(
        follower,
        rng.choice(platform.n_streamers, len(follower), p=platform.popularity),
        platform.start + rng.integers(0, platform.days * DAY, len(follower)),
    )


def _deliver(
    chunk: Chunk, accounts: np.ndarray, client: int, begin: int, spread: float
) -> np.ndarray:
    """A burst: follows of `client` from `begin` on, exponentially spread, each with a login
    just before."""
    spread = spread * chunk.world.burst_spread * _own_habit(chunk)
    offset = chunk.rng.exponential(spread, len(accounts)).astype(np.int64)
    return _follow_with_login(chunk, accounts, client, begin + offset)


def _trickle(
    chunk: Chunk, accounts: np.ndarray, client: int, begin: int, days: float, d: float
) -> np.ndarray:
    """Follows of `client` spread over `days` days from `begin`, at the seller's hours."""
    platform = chunk.platform
    first_day = platform.start + (begin - platform.start) // DAY * DAY
    days = days * chunk.world.trickle_days * _own_habit(chunk)
    ts = times_by_hour(
        chunk.rng,
        len(accounts),
        _seller_hours(platform, d),
        first_day,
        max(1, round(days)),
        platform.offset,
    )
    return _follow_with_login(chunk, accounts, client, np.maximum(ts, begin))


def _follow_with_login(
    chunk: Chunk, accounts: np.ndarray, client: int, ts: np.ndarray
) -> np.ndarray:
    ts = np.minimum(ts, chunk.platform.end - 1)
    chunk.follow(accounts, np.full(len(accounts), client), ts)
    chunk.login(accounts, ts - chunk.rng.integers(10, 300, len(accounts)), 0.3)
    return ts


def bulk_fans(chunk: Chunk, accounts: np.ndarray, kind_d: float) -> None:
    """Machine fans sold in packs, each pack delivered to one streamer as a burst."""
    rng = chunk.rng
    packs = partition(rng, accounts, 40, 200)
    for pack, d in zip(packs, _cares(chunk, kind_d, len(packs)), strict=False):
        client = int(chunk.platform.small_streamers(rng, 1)[0])
        begin = int(_delivery_times(rng, chunk, 1, d)[0])
        _farm_identity(
            chunk, pack, d, begin - glerp(2 * DAY, 500 * DAY, d), ip_share=0.02, device_share=0.03
        )
        _deliver(chunk, pack, client, begin, glerp(60, 6 * HOUR, d))
        _camouflage(chunk, pack, d)


def high_end_fans(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """'High-end' fans delivered over days: people paid to follow and drop by with their own
    accounts (some running two or three on one phone), mixed with careful machine-run ones."""
    rng = chunk.rng
    by_person = np.zeros(chunk.size, bool)
    by_person[accounts[rng.random(len(accounts)) < lerp(0.3, 0.7, d)]] = True
    paid_people(chunk, accounts[by_person[accounts]], cloned_share=lerp(0.5, 0.2, d))
    for order in partition(rng, accounts, 50, 250):
        client = int(chunk.platform.small_streamers(rng, 1)[0])
        begin = int(_delivery_times(rng, chunk, 1, d, last_day_margin=10)[0])
        people, machines = order[by_person[order]], order[~by_person[order]]
        _farm_identity(
            chunk,
            machines,
            d,
            begin - glerp(30 * DAY, 400 * DAY, d),
            ip_share=0.1,
            device_share=0.1,
        )
        _trickle(chunk, order, client, begin, glerp(2, 10, d), d)
        who = np.repeat(people, rng.poisson(lerp(4, 2, d), len(people)))
        _visit(chunk, who, np.full(len(who), client), 600, 8.0, comments=0.4)
        idle = np.repeat(machines, rng.poisson(lerp(2, 6, d), len(machines)))
        _visit(chunk, idle, np.full(len(idle), client), 2400, lerp(0.0, 3.0, d))
        _camouflage(chunk, machines, d)


def click_farms(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """'Real-person' crews booked for evening windows: people on their own phones with their
    own lives; when booked, the members on the app that day (careless crews: nearly all)
    enter the same rooms within minutes of each other, again and again across days and
    rooms."""
    rng, platform = chunk.rng, chunk.platform
    sessions = platform.sessions
    evening = np.unique(sessions.streamer[platform.evening_sessions])
    on_app = np.zeros((chunk.size, platform.days), bool)
    on_app[accounts] = paid_people(chunk, accounts)
    for crew in partition(rng, accounts, 20, 60):
        clients = rng.choice(evening, min(len(evening), int(rng.integers(2, 5))), replace=False)
        booked = sessions.pick(rng, rng.choice(clients, int(rng.integers(6, 15))))
        window_start = sessions.start[booked]
        window_end = np.minimum(window_start + 2 * HOUR, sessions.end[booked])
        available = on_app[crew][:, sessions.day[booked]]
        takes = np.where(available, lerp(0.97, 0.9, d), lerp(0.97, 0.05, d) * (1 - d))
        member, booking = np.nonzero(rng.random((len(crew), len(booked))) < takes)
        who = crew[member]
        join = window_start[booking] + rng.exponential(glerp(60, 900, d), len(who)).astype(np.int64)
        join = np.minimum(join, window_end[booking] - 120)
        stay = rng.lognormal(np.log(glerp(3600, 300, d)), 0.9, len(who)).astype(np.int64)
        seconds = np.clip(stay, 60, window_end[booking] - join)
        chunk.watch(who, booked[booking], join, seconds, lerp(25.0, 5.0, d), 0.04, 0.1)
        chunk.login(who, join - rng.integers(0, 120, len(who)), 0.5)
        visit, ts = spread_in(rng, rng.poisson(lerp(1.5, 0.2, d), len(who)), join, seconds)
        vocabulary = chunk.vocabulary
        chunk.comment(
            who[visit],
            sessions.streamer[booked[booking]][visit],
            ts,
            vocabulary.human_chat(rng, languages(chunk, len(visit)), lerp(1.0, 0.4, d)),
        )
        first = np.unique(member, return_index=True)[1]
        fan = rng.random(len(first)) < 0.6
        chunk.follow(
            who[first][fan],
            sessions.streamer[booked[booking[first]]][fan],
            join[first][fan] + rng.integers(60, 600, int(fan.sum())),
        )


def comment_bots(chunk: Chunk, accounts: np.ndarray, kind_d: float) -> None:
    """Operators' bots posting at near-fixed intervals: sentences from a shared script, or,
    for hype bots (more of them among careful sellers), the short cheers and chat any
    viewer posts. Scripts carry what spam carries on real platforms, each operator in its
    own mix around the world's shares (careless operators more): promotions (加微信, 私信,
    代购, 兼职), the operator's few links and hashtags, @mentions, reposts, and small
    variations (numbers, contact handles) that make near-duplicates of one template."""
    rng, sessions = chunk.rng, chunk.platform.sessions
    world, vocabulary, text_rng = chunk.world, chunk.vocabulary, chunk.text_rng
    operators = partition(rng, accounts, 20, 100)
    for operator, d in zip(operators, _cares(chunk, kind_d, len(operators)), strict=False):
        lang = int(
            len(vocabulary.languages) > 1 and text_rng.random() < world.second_language_share
        )
        n_scripts = vocabulary.n_scripts(lang)
        script = rng.choice(n_scripts, min(n_scripts, int(rng.integers(12, 26))), replace=False)
        clients = chunk.platform.small_streamers(rng, int(rng.integers(1, 4)))
        _farm_identity(
            chunk,
            operator,
            d,
            _delivery_times(rng, chunk, 1, d)[0] - glerp(5 * DAY, 500 * DAY, d),
            ip_share=0.05,
            device_share=0.05,
        )
        runs = 1 + rng.poisson(lerp(12, 4, d), len(operator))
        bot = np.repeat(np.arange(len(operator)), runs)
        session = sessions.pick(rng, rng.choice(clients, len(bot)))
        length = sessions.end[session] - sessions.start[session]
        begin = sessions.start[session] + (rng.random(len(bot)) * 0.5 * length).astype(np.int64)
        duration = np.minimum(
            rng.uniform(20 * 60, 2 * HOUR, len(bot)), sessions.end[session] - begin
        ).astype(np.int64)
        interval = (rng.uniform(45, 240, len(operator)) * glerp(1, 4, d))[bot]
        posts = np.maximum(1, (duration / interval).astype(np.int64))
        run = np.repeat(np.arange(len(bot)), posts)
        position = np.arange(len(run)) - np.repeat(np.cumsum(posts) - posts, posts)
        jitter = rng.normal(0, lerp(0.03, 0.5, d), len(run)) * interval[run]
        ts = begin[run] + (position * interval[run] + np.abs(jitter)).astype(np.int64)
        who = operator[bot]
        hype = (rng.random(len(operator)) < lerp(0.2, 0.5, d))[bot[run]]
        langs = np.full(len(run), lang)
        codes = vocabulary.scripted(rng, lang, script, len(run), lerp(0.0, 0.6, d))
        mix = _operator_signals(text_rng, world, d)
        promo = text_rng.random(len(run)) < mix.pop("promo")
        promo_pool = text_rng.integers(0, 2**40, int(text_rng.integers(2, 6)))
        codes[promo] = vocabulary.code("promo", lang, text_rng.choice(promo_pool, int(promo.sum())))
        pools = {
            "link": text_rng.integers(0, 2**40, int(text_rng.integers(1, 4))),
            "hashtag": text_rng.integers(0, 2**40, int(text_rng.integers(1, 3))),
        }
        prefix, suffix = vocabulary.decorate(
            text_rng,
            langs,
            {k: mix[k] for k in ("mention", "hashtag", "repost")},
            {k: mix[k] for k in ("link", "tail")},
            pools,
        )
        codes[hype] = vocabulary.human_chat(rng, langs[hype], 0.7)
        prefix[hype], suffix[hype] = 0, 0
        chunk.comment(who[run], sessions.streamer[session][run], ts, codes, prefix, suffix)
        chunk.login(who, begin - rng.integers(0, 120, len(bot)), 0.3)
        viewed = rng.random(len(bot)) < lerp(0.2, 1.0, d)
        chunk.watch(who[viewed], session[viewed], begin[viewed], duration[viewed], 0.0, 0.0, 0.0)
        _camouflage(chunk, operator, d)


def _operator_signals(rng: np.random.Generator, world, d: float) -> dict[str, float]:
    """One operator's shares of posts with each scripted-posting signal: the world's share
    times a factor of its own (0-2), fewer the more careful the operator; prefixes (mention,
    hashtag, repost) and suffixes (link, tail) each share at most one per post."""
    blatant = lerp(1.3, 0.5, d)
    mix = {
        name: float(getattr(world, f"bot_{attribute}_share") * blatant * rng.uniform(0, 2))
        for name, attribute in (
            ("promo", "promo"),
            ("mention", "mention"),
            ("hashtag", "hashtag"),
            ("repost", "repost"),
            ("link", "link"),
            ("tail", "template"),
        )
    }
    for group in (("mention", "hashtag", "repost"), ("link", "tail")):
        total = sum(mix[k] for k in group)
        for k in group:
            mix[k] = mix[k] / max(1.0, total)
    mix["promo"] = min(1.0, mix["promo"])
    return mix


def order_brushers(chunk: Chunk, accounts: np.ndarray, kind_d: float) -> None:
    """Rings placing orders in a merchant's room with little viewing, refunded in 1-3 days;
    careful rings watch first, keep some orders (shipped empty parcels) and refund on the
    schedule of ordinary returns."""
    rng, sessions = chunk.rng, chunk.platform.sessions
    rings = partition(rng, accounts, 20, 100)
    for ring, d in zip(rings, _cares(chunk, kind_d, len(rings)), strict=False):
        merchant = int(chunk.platform.small_streamers(rng, 1)[0])
        _farm_identity(
            chunk,
            ring,
            d,
            chunk.platform.start - glerp(3 * DAY, 400 * DAY, d),
            ip_share=0.05,
            device_share=0.05,
        )
        buyer = np.repeat(ring, 1 + rng.poisson(lerp(4.0, 1.5, d), len(ring)))
        session = sessions.pick(rng, np.full(len(buyer), merchant))
        length = sessions.end[session] - sessions.start[session]
        ts = sessions.start[session] + (rng.random(len(buyer)) * length).astype(np.int64)
        fixed_price = float(rng.choice([9.9, 19.9, 29.9, 99.0]))
        price = np.where(
            rng.random(len(buyer)) < d,
            np.floor(rng.lognormal(np.log(59), 0.8, len(buyer))) + 0.9,
            fixed_price,
        )
        returns = np.where(
            rng.random(len(buyer)) < d,
            np.clip(rng.lognormal(np.log(3), 0.6, len(buyer)), 0.5, 20),
            rng.uniform(1, 3, len(buyer)),
        )
        chunk.order(
            buyer,
            np.full(len(buyer), merchant),
            ts,
            price,
            lerp(1.0, 0.6, d),
            (returns * DAY).astype(np.int64),
        )
        chunk.login(buyer, ts - rng.integers(30, 300, len(buyer)), 0.3)
        viewed = rng.random(len(buyer)) < lerp(0.05, 0.8, d)
        seconds = rng.lognormal(np.log(glerp(15, 600, d)), 0.5, int(viewed.sum())).astype(np.int64)
        chunk.watch(buyer[viewed], session[viewed], ts[viewed] - seconds, seconds, 0.0, 0.0, 0.0)
        _camouflage(chunk, ring, d)


def drip_feeds(chunk: Chunk, accounts: np.ndarray, kind_d: float) -> None:
    """Followers fed in a trickle over the month; many unfollow days later and the seller
    tops the count up with new accounts soon after each loss (some re-follow)."""
    rng, platform = chunk.rng, chunk.platform
    campaigns = partition(rng, accounts, 40, 200)
    for campaign, d in zip(campaigns, _cares(chunk, kind_d, len(campaigns)), strict=False):
        client = int(platform.small_streamers(rng, 1)[0])
        _farm_identity(
            chunk,
            campaign,
            d,
            platform.start - glerp(3 * DAY, 400 * DAY, d),
            ip_share=0.05,
            device_share=0.05,
        )
        first_wave = campaign[: max(1, int(len(campaign) * 0.65))]
        top_ups = campaign[len(first_wave) :]
        followed = _trickle(chunk, first_wave, client, platform.start, platform.days - 1, d)
        leaves = rng.random(len(first_wave)) < 0.6
        left_at = followed[leaves] + rng.uniform(2 * DAY, 10 * DAY, int(leaves.sum())).astype(
            np.int64
        )
        in_month = left_at < platform.end
        quitters, left_at = first_wave[leaves][in_month], left_at[in_month]
        chunk.follow(quitters, np.full(len(quitters), client), left_at, unfollow=True)
        chunk.login(quitters, left_at - rng.integers(10, 300, len(quitters)), 0.3)
        back = rng.random(len(quitters)) < 0.35
        _redeliver(
            chunk,
            quitters[back],
            client,
            left_at[back] + rng.uniform(DAY, 5 * DAY, int(back.sum())).astype(np.int64),
        )
        anchor = (
            left_at[rng.integers(0, len(left_at), len(top_ups))]
            if len(left_at)
            else platform.start + rng.integers(0, platform.days * DAY, len(top_ups))
        )
        _redeliver(
            chunk, top_ups, client, anchor + rng.uniform(HOUR, DAY, len(top_ups)).astype(np.int64)
        )
        _camouflage(chunk, campaign, d)


def _redeliver(chunk: Chunk, accounts: np.ndarray, client: int, ts: np.ndarray) -> None:
    keep = ts < chunk.platform.end
    accounts, ts = accounts[keep], ts[keep]
    chunk.follow(accounts, np.full(len(accounts), client), ts)
    chunk.login(accounts, ts - chunk.rng.integers(10, 300, len(accounts)), 0.3)


def stepped_deliveries(chunk: Chunk, accounts: np.ndarray, kind_d: float) -> None:
    """Deliveries to one streamer rising step by step on successive days, to stay under
    per-day alert thresholds: 500, 800, 1200, 2000 at scale 20, proportionally smaller at
    smaller scales, each step jittered."""
    rng, platform = chunk.rng, chunk.platform
    steps = np.array(chunk.world.steps, float)
    size = max(40, round(steps.sum() * chunk.config.scale / STEPS_AT_SCALE))
    campaigns = np.array_split(accounts, max(1, len(accounts) // size))
    weights = 1.0 / np.sqrt(platform.popularity)
    clients = rng.choice(
        platform.n_streamers,
        min(len(campaigns), platform.n_streamers),
        replace=False,
        p=weights / weights.sum(),
    )
    cares = _cares(chunk, kind_d, len(campaigns))
    for number, (campaign, d) in enumerate(zip(campaigns, cares, strict=False)):
        client = int(clients[number % len(clients)])
        jitter = lerp(0.03, 0.15, d)
        weights = steps * (1 + rng.uniform(-jitter, jitter, len(steps)))
        cuts = np.round(np.cumsum(weights) / weights.sum() * len(campaign)).astype(np.int64)
        gaps = rng.integers(1, 2 + round(2 * d), len(steps))
        first_day = int(rng.integers(0, max(1, platform.days - gaps.sum() - 1)))
        days = first_day + np.cumsum(gaps) - gaps[0]
        start_hour = rng.integers(10, 20)
        _farm_identity(
            chunk,
            campaign,
            d,
            platform.start + first_day * DAY - glerp(2 * DAY, 300 * DAY, d),
            ip_share=0.02,
            device_share=0.03,
        )
        for step, batch in enumerate(np.split(campaign, cuts[:-1])):
            begin = platform.start + days[step] * DAY + start_hour * HOUR - platform.offset
            _deliver(chunk, batch, client, int(begin), glerp(600, 3 * HOUR, d))
        _camouflage(chunk, campaign, d)


GENERATORS = {
    "bulk_fan": bulk_fans,
    "high_end_fan": high_end_fans,
    "click_farm": click_farms,
    "comment_bot": comment_bots,
    "order_brusher": order_brushers,
    "drip_feed": drip_feeds,
    "stepped_delivery": stepped_deliveries,
}
