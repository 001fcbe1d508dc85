"""What makes one simulated platform differ from another: the world's parameters, the
documented ranges a randomised world draws them from, and named regions of those ranges.

`World()` is the fixed world `fanaudit simulate` writes by default (China time, Chinese
live chat, big carrier NATs and campuses, the trade's usual sellers). `draw_world` draws a
world from `WorldRanges`: activity rhythms and their time zone, NAT, campus, household and
café sizes, how sellers reuse addresses and devices, delivery timing and escalation steps,
comment languages, stock phrases, emoji and lengths, the scripted-posting signals (links,
@mentions, #hashtags#, promotional vocabulary, templated near-duplicates, reposts) of bots
and of the people who also post them, the shares of every archetype and bot kind, bot share,
label noise and seller care. The same seed always draws the same world.

A model trained on one world learns that world's quirks; trained on many drawn worlds it
has to learn what bought fans do everywhere. `REGIONS` names parts of the ranges, so that a
model can be trained on one region and judged on worlds from another it never saw
(benchmarks/transfer.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from .config import BOT_KIND_WEIGHTS, BOT_KINDS, HUMAN_ARCHETYPE_WEIGHTS, HUMAN_ARCHETYPES

LANGUAGES = ("zh", "en", "es", "id")


@dataclass(frozen=True)
class World:
    """The parameters of one world; the defaults are the fixed world."""

    # time: the audience's UTC offset, peaks moved later (+) or earlier (-) by whole hours,
    # hour-of-day shapes sharpened (>1) or flattened (<1) by this exponent
    utc_offset_hours: int = 8
    hour_shift: int = 0
    rhythm_contrast: float = 1.0
    # share of streamers per live slot: evening, lunch, afternoon, late night, morning
    slot_shares: tuple[float, ...] = (0.62, 0.13, 0.10, 0.10, 0.05)
    lucky_bag_share: float = 0.35
    # population: relative weight per archetype (HUMAN_ARCHETYPES order) and per bot kind
    human_weights: tuple[float, ...] = tuple(HUMAN_ARCHETYPE_WEIGHTS.values())
    bot_weights: tuple[float, ...] = tuple(BOT_KIND_WEIGHTS.values())
    lurker_scale: float = 1.0  # multiplies each archetype's share of people who never chat
    new_account_share: float = 0.08
    # addresses and devices of people: accounts behind one carrier NAT or campus address,
    # accounts per shared household device and per internet café
    nat_group: tuple[int, int] = (150, 400)
    campus_group: tuple[int, int] = (200, 500)
    household_size: tuple[int, int] = (2, 4)
    cafe_group: tuple[int, int] = (30, 90)
    mobile_only_share: float = 0.35
    cgnat_share: float = 0.3  # people whose mobile address is a small carrier-NAT pool
    cgnat_pools: int = 0  # /24 pools of mobile carrier NAT (0: the three fixed ones)
    ipv6_share: float = 0.15
    # sellers: accounts per proxy address and per farm device (x the kind's own figure),
    # proxy subnets of a careless seller, spread of care among sellers of one kind
    seller_ip_reuse: float = 1.0
    seller_device_reuse: float = 1.0
    proxy_subnets: int = 1
    care_concentration: float = 2.0
    seller_spread: float = 0.0  # sellers' own habits: log-sd of each seller's reuse and spread
    # deliveries: x on burst spreads, x on trickle lengths, the stepped campaign's steps
    burst_spread: float = 1.0
    trickle_days: float = 1.0
    steps: tuple[int, ...] = (500, 800, 1200, 2000)
    # live chat: languages (the second spoken by `second_language_share` of people),
    # emoji added to a share of chat, people who write long sentences, x on stock phrases
    language: str = "zh"
    second_language: str = "en"
    second_language_share: float = 0.0
    emoji_share: float = 0.0
    long_writer_share: float = 0.15
    stock_scale: float = 1.0
    # scripted-posting signals in people's chat (share of comments), and the share of
    # people who advertise their own small trade (代购, 兼职) now and then
    human_link_share: float = 0.02
    human_mention_share: float = 0.05
    human_hashtag_share: float = 0.02
    human_repost_share: float = 0.02
    hawker_share: float = 0.01
    # ... and in comment bots' posts (share of posts), and the share of other bots' chat
    # that carries spam (links, promotions)
    bot_link_share: float = 0.15
    bot_mention_share: float = 0.05
    bot_hashtag_share: float = 0.1
    bot_promo_share: float = 0.15
    bot_template_share: float = 0.1
    bot_repost_share: float = 0.05
    other_bot_spam_share: float = 0.05

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> World:
        """A world from its `to_dict` (as read back from worlds.json)."""
        settings: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in values.items()
        }
        return cls(**settings)


@dataclass(frozen=True)
class WorldRanges:
    """Where a randomised world draws each parameter from: (low, high) ranges, uniform
    (log-uniform for the `*_reuse`, `burst_spread` and `trickle_days` factors), or tuples
    of choices. Also the per-world settings a world draws: bot share, label noise, and
    each bot kind's mean seller care (difficulty)."""

    utc_offsets: tuple[int, ...] = (-8, -6, -5, -3, 0, 1, 2, 3, 5, 7, 8, 9)
    hour_shift: tuple[int, int] = (-2, 3)
    rhythm_contrast: tuple[float, float] = (0.6, 1.6)
    slot_concentration: float = 8.0  # Dirichlet around the fixed world's slot shares
    lucky_bag_share: tuple[float, float] = (0.0, 0.5)
    population_concentration: float = 6.0  # Dirichlet around the fixed weights
    superfan_share: tuple[float, float] = (0.03, 0.15)  # of humans
    newcomer_share: tuple[float, float] = (0.02, 0.12)
    promo_signup_share: tuple[float, float] = (0.01, 0.08)
    lurker_scale: tuple[float, float] = (0.5, 1.5)
    new_account_share: tuple[float, float] = (0.02, 0.15)
    nat_low: tuple[int, int] = (20, 300)  # smallest group; the largest is 1.5-3 times it
    campus_low: tuple[int, int] = (30, 400)
    household_max: tuple[int, int] = (3, 6)
    cafe_low: tuple[int, int] = (10, 60)
    mobile_only_share: tuple[float, float] = (0.1, 0.6)
    cgnat_share: tuple[float, float] = (0.1, 0.6)
    cgnat_pools: tuple[int, int] = (2, 12)
    ipv6_share: tuple[float, float] = (0.0, 0.5)
    seller_ip_reuse: tuple[float, float] = (0.3, 3.0)
    seller_device_reuse: tuple[float, float] = (0.3, 3.0)
    proxy_subnets: tuple[int, int] = (1, 6)
    care_concentration: tuple[float, float] = (1.0, 4.0)
    seller_spread: tuple[float, float] = (0.2, 0.7)
    burst_spread: tuple[float, float] = (0.3, 3.0)
    trickle_days: tuple[float, float] = (0.5, 2.0)
    step_count: tuple[int, int] = (3, 6)
    step_first: tuple[int, int] = (200, 800)  # at scale 20
    step_growth: tuple[float, float] = (1.2, 1.8)
    languages: tuple[str, ...] = LANGUAGES
    second_language_share: tuple[float, float] = (0.0, 0.3)
    emoji_share: tuple[float, float] = (0.0, 0.4)
    long_writer_share: tuple[float, float] = (0.05, 0.4)
    stock_scale: tuple[float, float] = (0.5, 1.5)
    human_link_share: tuple[float, float] = (0.0, 0.08)
    human_mention_share: tuple[float, float] = (0.0, 0.15)
    human_hashtag_share: tuple[float, float] = (0.0, 0.1)
    human_repost_share: tuple[float, float] = (0.0, 0.1)
    hawker_share: tuple[float, float] = (0.0, 0.03)
    bot_link_share: tuple[float, float] = (0.05, 0.7)
    bot_mention_share: tuple[float, float] = (0.0, 0.4)
    bot_hashtag_share: tuple[float, float] = (0.0, 0.5)
    bot_promo_share: tuple[float, float] = (0.05, 0.6)
    bot_template_share: tuple[float, float] = (0.1, 0.9)
    bot_repost_share: tuple[float, float] = (0.0, 0.4)
    other_bot_spam_share: tuple[float, float] = (0.0, 0.3)
    bot_share: tuple[float, float] = (0.05, 0.6)
    label_noise: tuple[float, float] = (0.0, 0.01)
    care: tuple[float, float] = (0.2, 0.8)  # each kind's mean seller care (difficulty)

    def narrowed(self, **ranges) -> WorldRanges:
        """These ranges with some replaced (a region of the parameter space)."""
        return replace(self, **ranges)

    def to_dict(self) -> dict:
        return asdict(self)


FULL_RANGES = WorldRanges()
# Two disjoint regions of the ranges, for judging transfer: "home" is a Chinese-speaking
# platform in UTC+7..+9 with big carrier NATs and campuses and mostly careless sellers;
# "away" speaks other languages in other time zones, with later evenings, small NATs and
# campuses, other seller habits and more careful sellers.
REGIONS: dict[str, WorldRanges] = {
    "all": FULL_RANGES,
    "home": FULL_RANGES.narrowed(
        utc_offsets=(7, 8, 9),
        hour_shift=(-2, 0),
        rhythm_contrast=(0.6, 1.1),
        languages=("zh",),
        second_language_share=(0.0, 0.0),
        nat_low=(150, 300),
        campus_low=(200, 400),
        household_max=(3, 4),
        cafe_low=(30, 60),
        cgnat_pools=(2, 5),
        seller_ip_reuse=(0.3, 1.0),
        seller_device_reuse=(0.3, 1.0),
        proxy_subnets=(1, 3),
        burst_spread=(0.3, 1.0),
        step_count=(3, 4),
        step_growth=(1.2, 1.5),
        care=(0.2, 0.5),
    ),
    "away": FULL_RANGES.narrowed(
        utc_offsets=(-8, -6, -5, -3, 0, 1, 2, 3),
        hour_shift=(1, 3),
        rhythm_contrast=(1.1, 1.6),
        languages=("en", "es", "id"),
        nat_low=(20, 120),
        campus_low=(30, 150),
        household_max=(5, 6),
        cafe_low=(10, 25),
        cgnat_pools=(6, 12),
        seller_ip_reuse=(1.0, 3.0),
        seller_device_reuse=(1.0, 3.0),
        proxy_subnets=(4, 6),
        burst_spread=(1.0, 3.0),
        step_count=(5, 6),
        step_growth=(1.5, 1.8),
        care=(0.5, 0.8),
    ),
}


@dataclass(frozen=True)
class DrawnWorld:
    """A drawn world and the per-world settings drawn with it."""

    world: World
    bot_share: float
    label_noise: float
    kind_difficulty: tuple[tuple[str, float], ...]


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(*bounds))


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]))))


def _integer(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    return int(rng.integers(bounds[0], bounds[1] + 1))


def _group(rng: np.random.Generator, low_bounds: tuple[int, int]) -> tuple[int, int]:
    low = _integer(rng, low_bounds)
    return low, round(low * rng.uniform(1.5, 3.0))


def _dirichlet(rng: np.random.Generator, weights, concentration: float) -> np.ndarray:
    base = np.asarray(list(weights), float)
    return rng.dirichlet(concentration * base / base.sum() * len(base))


def _human_weights(rng: np.random.Generator, ranges: WorldRanges) -> tuple[float, ...]:
    """Archetype shares: superfans, newcomers and promotions from their own ranges, the rest
    Dirichlet around the fixed world's mix."""
    pinned = {
        "superfan": ranges.superfan_share,
        "newcomer": ranges.newcomer_share,
        "promo_signup": ranges.promo_signup_share,
    }
    drawn = {a: _uniform(rng, pinned[a]) for a in pinned}
    others = [a for a in HUMAN_ARCHETYPES if a not in pinned]
    rest = _dirichlet(
        rng, [HUMAN_ARCHETYPE_WEIGHTS[a] for a in others], ranges.population_concentration
    )
    rest = np.maximum(rest, 0.01)
    rest = rest / rest.sum() * (1.0 - sum(drawn.values()))
    drawn.update(zip(others, rest.tolist(), strict=False))
    return tuple(round(drawn[a], 6) for a in HUMAN_ARCHETYPES)


def _steps(rng: np.random.Generator, ranges: WorldRanges) -> tuple[int, ...]:
    count, first = _integer(rng, ranges.step_count), _integer(rng, ranges.step_first)
    growth = _uniform(rng, ranges.step_growth)
    return tuple(round(first * growth**i) for i in range(count))


def draw_world(seed: int, ranges: WorldRanges = FULL_RANGES) -> DrawnWorld:
    """A world drawn from `ranges`; the same seed and ranges always give the same world."""
    rng = np.random.default_rng([seed, 0x5EED, 13])
    language = str(rng.choice(ranges.languages))
    others = [lang for lang in LANGUAGES if lang != language]
    slots = _dirichlet(rng, World.slot_shares, ranges.slot_concentration)
    bots = np.maximum(
        _dirichlet(rng, BOT_KIND_WEIGHTS.values(), ranges.population_concentration), 0.03
    )
    world = World(
        utc_offset_hours=int(rng.choice(ranges.utc_offsets)),
        hour_shift=_integer(rng, ranges.hour_shift),
        rhythm_contrast=round(_uniform(rng, ranges.rhythm_contrast), 4),
        slot_shares=tuple(round(float(s), 6) for s in np.maximum(slots, 0.02)),
        lucky_bag_share=round(_uniform(rng, ranges.lucky_bag_share), 4),
        human_weights=_human_weights(rng, ranges),
        bot_weights=tuple(round(float(b), 6) for b in bots / bots.sum()),
        lurker_scale=round(_uniform(rng, ranges.lurker_scale), 4),
        new_account_share=round(_uniform(rng, ranges.new_account_share), 4),
        nat_group=_group(rng, ranges.nat_low),
        campus_group=_group(rng, ranges.campus_low),
        household_size=(2, _integer(rng, ranges.household_max)),
        cafe_group=_group(rng, ranges.cafe_low),
        mobile_only_share=round(_uniform(rng, ranges.mobile_only_share), 4),
        cgnat_share=round(_uniform(rng, ranges.cgnat_share), 4),
        cgnat_pools=_integer(rng, ranges.cgnat_pools),
        ipv6_share=round(_uniform(rng, ranges.ipv6_share), 4),
        seller_ip_reuse=round(_log_uniform(rng, ranges.seller_ip_reuse), 4),
        seller_device_reuse=round(_log_uniform(rng, ranges.seller_device_reuse), 4),
        proxy_subnets=_integer(rng, ranges.proxy_subnets),
        care_concentration=round(_uniform(rng, ranges.care_concentration), 4),
        seller_spread=round(_uniform(rng, ranges.seller_spread), 4),
        burst_spread=round(_log_uniform(rng, ranges.burst_spread), 4),
        trickle_days=round(_log_uniform(rng, ranges.trickle_days), 4),
        steps=_steps(rng, ranges),
        language=language,
        second_language=str(rng.choice(others)),
        second_language_share=round(_uniform(rng, ranges.second_language_share), 4),
        emoji_share=round(_uniform(rng, ranges.emoji_share), 4),
        long_writer_share=round(_uniform(rng, ranges.long_writer_share), 4),
        stock_scale=round(_uniform(rng, ranges.stock_scale), 4),
        **{
            f.name: round(_uniform(rng, getattr(ranges, f.name)), 4)
            for f in fields(World)
            if f.name.endswith("_share")
            and f.name.startswith(("human_", "bot_", "hawker", "other_bot"))
        },
    )
    kinds = tuple((kind, round(_uniform(rng, ranges.care), 4)) for kind in BOT_KINDS)
    return DrawnWorld(
        world,
        round(_uniform(rng, ranges.bot_share), 4),
        round(_uniform(rng, ranges.label_noise), 4),
        kinds,
    )
