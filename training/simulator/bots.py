"""Bots as the fake-engagement trade sells them, one generator per `bot_kind`.

Each generator takes the chunk's accounts of its kind and that kind's difficulty d:
at d=0 the seller is careless (bursts within minutes, one proxy subnet, emulator
clients, fresh batch-registered accounts); at d=1 the seller imitates people (slow
delivery, residential addresses, aged accounts, real phones, some genuine-looking
viewing). Click farms and high-end fans are hard even at d=0: their signal is only in
co-occurrence, synchrony and mixtures, never in one feature family alone.
"""

from __future__ import annotations

import numpy as np

from . import network, text
from .chunk import Chunk, partition, spread_in
from .config import glerp, lerp
from .platform import DAY, HOUR, PLATFORM_HOURS, UNIFORM_HOURS, times_by_hour

STEPS = np.array([500, 800, 1200, 2000])
STEPS_AT_SCALE = 20  # the scale at which a campaign's steps are exactly STEPS


def _delivery_times(rng: np.random.Generator, chunk: Chunk, n: int, d: float,
                    last_day_margin: int = 1) -> np.ndarray:
    """When sellers start deliveries: any hour when careless, platform hours when careful."""
    hours = lerp(1.0, 0.0, d) * UNIFORM_HOURS / 24 + d * PLATFORM_HOURS / PLATFORM_HOURS.sum()
    return times_by_hour(rng, n, hours, chunk.platform.start,
                         chunk.platform.days - last_day_margin)


def _farm_identity(chunk: Chunk, accounts: np.ndarray, d: float, registered: float,
                   ip_share: float, device_share: float) -> None:
    """Accounts run from a proxy pool and a device farm, registered around `registered`."""
    rng, n = chunk.rng, len(accounts)
    pool = network.proxy_pool(rng, max(1, round(n * ip_share)), subnets=1 + round(4 * d))
    residential = rng.random(pool.size) < lerp(0.0, 0.5, d)
    pool[residential] = network.home_or_mobile_ip(rng, int(residential.sum()))
    chunk.home_ip[accounts] = pool[rng.integers(0, pool.size, n)]
    chunk.mobile_ip[accounts] = pool[rng.integers(0, pool.size, n)]
    devices = chunk.new_devices(max(1, round(n * device_share)))
    chunk.device[accounts] = devices[rng.integers(0, devices.size, n)]
    chunk.ua[accounts] = network.bot_user_agents(rng, n, d)
    spread = glerp(2 * HOUR, 200 * DAY, d)
    chunk.created_at[accounts] = int(registered) - (rng.random(n) * spread).astype(np.int64)
    chunk.humanlike[accounts] = d


def _phone_identity(chunk: Chunk, accounts: np.ndarray, min_age_days: float,
                    max_age_days: float, humanlike: float) -> None:
    """One real phone and one carrier address per account, as a person would have."""
    rng, n = chunk.rng, len(accounts)
    chunk.home_ip[accounts] = network.home_or_mobile_ip(rng, n)
    chunk.mobile_ip[accounts] = chunk.home_ip[accounts]
    chunk.device[accounts] = chunk.new_devices(n)
    chunk.ua[accounts] = network.phone_user_agents(rng, n)
    age = rng.uniform(min_age_days, max_age_days, n) * DAY
    chunk.created_at[accounts] = chunk.platform.start - age.astype(np.int64)
    chunk.humanlike[accounts] = humanlike


def _visit(chunk: Chunk, accounts: np.ndarray, streamers: np.ndarray, seconds_median: float,
           likes_per_hour: float, comments: float = 0.0) -> None:
    """One visit per row to a live session of the given streamer, with a login before it."""
    rng, sessions = chunk.rng, chunk.platform.sessions
    session = sessions.pick(rng, streamers)
    length = sessions.end[session] - sessions.start[session]
    join = sessions.start[session] + (rng.random(len(session)) * 0.8 * length).astype(np.int64)
    seconds = np.clip(rng.lognormal(np.log(seconds_median), 0.8, len(session)), 5,
                      sessions.end[session] - join).astype(np.int64)
    chunk.watch(accounts, session, join, seconds, likes_per_hour, 0.002, 0.01)
    chunk.login(accounts, join - rng.integers(0, 300, len(accounts)), 0.3)
    visit, ts = spread_in(rng, rng.poisson(comments, len(session)), join, seconds)
    chunk.comment(accounts[visit], streamers[visit], ts, text.stock_phrases(rng, len(visit)))


def _camouflage(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """Activity careful sellers add so accounts look used: viewing, logins, other follows."""
    rng, platform = chunk.rng, chunk.platform
    visits = rng.poisson(lerp(0.0, 5.0, d), len(accounts))
    who = np.repeat(accounts, visits)
    streamer = rng.choice(platform.n_streamers, len(who), p=platform.popularity)
    _visit(chunk, who, streamer, glerp(30, 600, d), lerp(0.0, 6.0, d))
    logins = np.repeat(accounts, rng.poisson(lerp(1.0, 8.0, d), len(accounts)))
    hours = (1 - d) * UNIFORM_HOURS / 24 + d * PLATFORM_HOURS / PLATFORM_HOURS.sum()
    chunk.login(logins, times_by_hour(rng, len(logins), hours, platform.start, platform.days), 0.3)
    follower = np.repeat(accounts, rng.poisson(lerp(0.0, 2.0, d), len(accounts)))
    chunk.follow(follower, rng.choice(platform.n_streamers, len(follower), p=platform.popularity),
                 platform.start + rng.integers(0, platform.days * DAY, len(follower)))


def _deliver(chunk: Chunk, accounts: np.ndarray, client: int, begin: int, spread: float,
             exponential: bool = True) -> np.ndarray:
    """Follows of `client` by the accounts from `begin` on, each with a login just before."""
    rng, n = chunk.rng, len(accounts)
    offset = rng.exponential(spread, n) if exponential else rng.random(n) * spread
    ts = np.minimum(begin + offset.astype(np.int64), chunk.platform.end - 1)
    chunk.follow(accounts, np.full(n, client), ts)
    chunk.login(accounts, ts - rng.integers(10, 300, n), 0.3)
    return ts


def bulk_fans(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """Machine fans sold in packs, each pack delivered to one streamer as a burst."""
    rng = chunk.rng
    for pack in partition(rng, accounts, 80, 400):
        client = int(chunk.platform.small_streamers(rng, 1)[0])
        begin = int(_delivery_times(rng, chunk, 1, d)[0])
        _farm_identity(chunk, pack, d, begin - glerp(2 * DAY, 500 * DAY, d),
                       ip_share=glerp(0.02, 0.5, d), device_share=glerp(0.03, 0.8, d))
        _deliver(chunk, pack, client, begin, glerp(60, 6 * HOUR, d))
        _camouflage(chunk, pack, d)


def high_end_fans(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """'High-end' fans: human-run and machine-run accounts mixed, delivered over days."""
    rng = chunk.rng
    for order in partition(rng, accounts, 50, 250):
        client = int(chunk.platform.small_streamers(rng, 1)[0])
        begin = int(_delivery_times(rng, chunk, 1, d, last_day_margin=10)[0])
        human_run = rng.random(len(order)) < lerp(0.3, 0.7, d)
        people, machines = order[human_run], order[~human_run]
        _phone_identity(chunk, people, 60, 2000, lerp(0.6, 1.0, d))
        _farm_identity(chunk, machines, d, begin - glerp(30 * DAY, 400 * DAY, d),
                       ip_share=glerp(0.1, 0.4, d), device_share=glerp(0.1, 0.6, d))
        _deliver(chunk, order, client, begin, glerp(2, 10, d) * DAY, exponential=False)
        visits = rng.poisson(lerp(4, 10, d), len(people))
        who = np.repeat(people, visits)
        to_client = rng.random(len(who)) < 0.5
        streamer = np.where(to_client, client, chunk.platform.favourites(rng, len(who), 1)[:, 0])
        _visit(chunk, who, streamer, 600, 8.0, comments=0.4)
        idle = np.repeat(machines, rng.poisson(lerp(2, 6, d), len(machines)))
        _visit(chunk, idle, np.full(len(idle), client), 2400, lerp(0.0, 3.0, d))
        _camouflage(chunk, machines, d)


def click_farms(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """'Real-person' crews booked for evening windows: one phone and one address each,
    the whole crew entering the same rooms together, across days and rooms."""
    rng, platform = chunk.rng, chunk.platform
    sessions = platform.sessions
    evening = np.unique(sessions.streamer[platform.evening_sessions])
    for crew in partition(rng, accounts, 20, 60):
        _phone_identity(chunk, crew, glerp(20, 300, d), glerp(200, 2000, d), lerp(0.5, 1.0, d))
        clients = rng.choice(evening, min(len(evening), int(rng.integers(2, 5))), replace=False)
        booked = sessions.pick(rng, rng.choice(clients, int(rng.integers(6, 15))))
        window_start = sessions.start[booked]
        window_end = np.minimum(window_start + 2 * HOUR, sessions.end[booked])
        member, booking = np.nonzero(rng.random((len(crew), len(booked))) < lerp(0.97, 0.75, d))
        who = crew[member]
        join = window_start[booking] + rng.exponential(glerp(60, 900, d), len(who)).astype(
            np.int64)
        join = np.minimum(join, window_end[booking] - 120)
        stay = rng.lognormal(np.log(glerp(3600, 600, d)), 0.9, len(who)).astype(np.int64)
        seconds = np.clip(stay, 60, window_end[booking] - join)
        chunk.watch(who, booked[booking], join, seconds, lerp(25.0, 8.0, d), 0.04, 0.1)
        chunk.login(who, join - rng.integers(0, 120, len(who)), 1.0)
        visit, ts = spread_in(rng, rng.poisson(lerp(1.5, 0.6, d), len(who)), join, seconds)
        chunk.comment(who[visit], sessions.streamer[booked[booking]][visit], ts,
                      text.stock_phrases(rng, len(visit)))
        _earlier_follows(chunk, crew, lerp(1.0, 3.0, d))
        first = np.unique(member, return_index=True)[1]
        fan = rng.random(len(first)) < 0.6
        chunk.follow(who[first][fan], sessions.streamer[booked[booking[first]]][fan],
                     join[first][fan] + rng.integers(60, 600, int(fan.sum())))


def _earlier_follows(chunk: Chunk, accounts: np.ndarray, mean: float) -> None:
    """Follows of popular streamers from before the month, as a used account has."""
    rng, platform = chunk.rng, chunk.platform
    who = np.repeat(accounts, rng.poisson(mean, len(accounts)))
    since = np.maximum(chunk.created_at[who], platform.start - 730 * DAY)
    ts = since + (rng.random(len(who)) * (platform.start - since)).astype(np.int64)
    chunk.follow(who, rng.choice(platform.n_streamers, len(who), p=platform.popularity), ts)


def comment_bots(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """Operators' bots posting sentences from a shared script at near-fixed intervals."""
    rng, sessions = chunk.rng, chunk.platform.sessions
    for operator in partition(rng, accounts, 20, 100):
        script = rng.choice(text.N_SCRIPTED, int(rng.integers(12, 26)), replace=False)
        clients = chunk.platform.small_streamers(rng, int(rng.integers(1, 4)))
        _farm_identity(chunk, operator, d, _delivery_times(rng, chunk, 1, d)[0]
                       - glerp(5 * DAY, 500 * DAY, d), ip_share=glerp(0.05, 0.5, d),
                       device_share=glerp(0.05, 0.8, d))
        runs = 1 + rng.poisson(lerp(12, 6, d), len(operator))
        bot = np.repeat(np.arange(len(operator)), runs)
        session = sessions.pick(rng, rng.choice(clients, len(bot)))
        length = sessions.end[session] - sessions.start[session]
        begin = sessions.start[session] + (rng.random(len(bot)) * 0.5 * length).astype(np.int64)
        duration = np.minimum(rng.uniform(20 * 60, 2 * HOUR, len(bot)),
                              sessions.end[session] - begin).astype(np.int64)
        interval = rng.uniform(45, 240, len(operator))[bot]
        posts = np.maximum(1, (duration / interval).astype(np.int64))
        run = np.repeat(np.arange(len(bot)), posts)
        position = np.arange(len(run)) - np.repeat(np.cumsum(posts) - posts, posts)
        jitter = rng.normal(0, lerp(0.03, 0.5, d), len(run)) * interval[run]
        ts = begin[run] + (position * interval[run] + np.abs(jitter)).astype(np.int64)
        who = operator[bot]
        chunk.comment(who[run], sessions.streamer[session][run], ts,
                      text.scripted_sentences(rng, script, len(run), lerp(0.0, 0.6, d)))
        chunk.login(who, begin - rng.integers(0, 120, len(bot)), 0.3)
        viewed = rng.random(len(bot)) < lerp(0.2, 1.0, d)
        chunk.watch(who[viewed], session[viewed], begin[viewed], duration[viewed], 0.0, 0.0, 0.0)
        _camouflage(chunk, operator, d)


def order_brushers(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """Rings placing orders in a merchant's room with little viewing, refunded in 1-3 days."""
    rng, sessions = chunk.rng, chunk.platform.sessions
    for ring in partition(rng, accounts, 20, 100):
        merchant = int(chunk.platform.small_streamers(rng, 1)[0])
        _farm_identity(chunk, ring, d, chunk.platform.start - glerp(3 * DAY, 400 * DAY, d),
                       ip_share=glerp(0.05, 0.5, d), device_share=glerp(0.05, 0.8, d))
        buyer = np.repeat(ring, 1 + rng.poisson(lerp(4.0, 1.5, d), len(ring)))
        session = sessions.pick(rng, np.full(len(buyer), merchant))
        length = sessions.end[session] - sessions.start[session]
        ts = sessions.start[session] + (rng.random(len(buyer)) * length).astype(np.int64)
        fixed_price = float(rng.choice([9.9, 19.9, 29.9, 99.0]))
        price = np.where(rng.random(len(buyer)) < d,
                         np.floor(rng.lognormal(np.log(59), 0.8, len(buyer))) + 0.9, fixed_price)
        chunk.order(buyer, np.full(len(buyer), merchant), ts, price, lerp(1.0, 0.8, d),
                    rng.uniform(1 * DAY, 3 * DAY, len(buyer)).astype(np.int64))
        chunk.login(buyer, ts - rng.integers(30, 300, len(buyer)), 0.3)
        viewed = rng.random(len(buyer)) < lerp(0.05, 0.7, d)
        seconds = rng.lognormal(np.log(glerp(15, 300, d)), 0.5, int(viewed.sum())).astype(np.int64)
        chunk.watch(buyer[viewed], session[viewed], ts[viewed] - seconds, seconds, 0.0, 0.0, 0.0)
        _camouflage(chunk, ring, d)


def drip_feeds(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """Followers fed in a trickle over the month; many unfollow days later and the seller
    tops the count up with new accounts soon after each loss (some re-follow)."""
    rng, platform = chunk.rng, chunk.platform
    for campaign in partition(rng, accounts, 40, 200):
        client = int(platform.small_streamers(rng, 1)[0])
        _farm_identity(chunk, campaign, d, platform.start - glerp(3 * DAY, 400 * DAY, d),
                       ip_share=glerp(0.05, 0.5, d), device_share=glerp(0.05, 0.8, d))
        first_wave = campaign[: max(1, int(len(campaign) * 0.65))]
        top_ups = campaign[len(first_wave):]
        followed = _deliver(chunk, first_wave, client, platform.start,
                            (platform.days - 1) * DAY, exponential=False)
        leaves = rng.random(len(first_wave)) < 0.6
        left_at = followed[leaves] + rng.uniform(2 * DAY, 10 * DAY, int(leaves.sum())).astype(
            np.int64)
        in_month = left_at < platform.end
        quitters, left_at = first_wave[leaves][in_month], left_at[in_month]
        chunk.follow(quitters, np.full(len(quitters), client), left_at, unfollow=True)
        chunk.login(quitters, left_at - rng.integers(10, 300, len(quitters)), 0.3)
        back = rng.random(len(quitters)) < 0.35
        _redeliver(chunk, quitters[back], client,
                   left_at[back] + rng.uniform(DAY, 5 * DAY, int(back.sum())).astype(np.int64))
        anchor = (left_at[rng.integers(0, len(left_at), len(top_ups))] if len(left_at)
                  else platform.start + rng.integers(0, platform.days * DAY, len(top_ups)))
        _redeliver(chunk, top_ups, client,
                   anchor + rng.uniform(HOUR, DAY, len(top_ups)).astype(np.int64))
        _camouflage(chunk, campaign, d)


def _redeliver(chunk: Chunk, accounts: np.ndarray, client: int, ts: np.ndarray) -> None:
    keep = ts < chunk.platform.end
    accounts, ts = accounts[keep], ts[keep]
    chunk.follow(accounts, np.full(len(accounts), client), ts)
    chunk.login(accounts, ts - chunk.rng.integers(10, 300, len(accounts)), 0.3)


def stepped_deliveries(chunk: Chunk, accounts: np.ndarray, d: float) -> None:
    """Deliveries to one streamer rising step by step on successive days, to stay under
    per-day alert thresholds: 500, 800, 1200, 2000 at scale 20, proportionally smaller at
    smaller scales, each step jittered."""
    rng, platform = chunk.rng, chunk.platform
    size = max(40, round(STEPS.sum() * chunk.config.scale / STEPS_AT_SCALE))
    campaigns = np.array_split(accounts, max(1, len(accounts) // size))
    weights = 1.0 / np.sqrt(platform.popularity)
    clients = rng.choice(platform.n_streamers, min(len(campaigns), platform.n_streamers),
                         replace=False, p=weights / weights.sum())
    for number, campaign in enumerate(campaigns):
        client = int(clients[number % len(clients)])
        jitter = lerp(0.03, 0.15, d)
        weights = STEPS * (1 + rng.uniform(-jitter, jitter, len(STEPS)))
        cuts = np.round(np.cumsum(weights) / weights.sum() * len(campaign)).astype(np.int64)
        gaps = rng.integers(1, 2 + round(2 * d), len(STEPS))
        first_day = int(rng.integers(0, platform.days - gaps.sum() - 1))
        days = first_day + np.cumsum(gaps) - gaps[0]
        start_hour = rng.integers(10, 20)
        _farm_identity(chunk, campaign, d, platform.start + first_day * DAY
                       - glerp(2 * DAY, 300 * DAY, d), ip_share=glerp(0.02, 0.5, d),
                       device_share=glerp(0.03, 0.8, d))
        for step, batch in enumerate(np.split(campaign, cuts[:-1])):
            begin = platform.start + days[step] * DAY + (start_hour - 8) * HOUR
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
