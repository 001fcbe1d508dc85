"""Configuration and result types of the platform simulator, and the difficulty knobs.

Difficulty runs from 0 (blatant bots) to 1 (bots that imitate humans closely). Every
bot parameter that differs between a blatant and a careful seller is interpolated with
`lerp` (additive quantities such as probabilities) or `glerp` (scale quantities such as
time spreads, where the geometric mean is the natural midpoint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scipy.stats import beta

from fanaudit.errors import ConfigError

if TYPE_CHECKING:
    from .world import World

BOT_KINDS: tuple[str, ...] = (
    "bulk_fan",
    "high_end_fan",
    "click_farm",
    "comment_bot",
    "order_brusher",
    "drip_feed",
    "stepped_delivery",
)

HUMAN_ARCHETYPES: tuple[str, ...] = (
    "casual",
    "superfan",
    "nat_user",
    "campus_user",
    "night_shift",
    "viral_follower",
    "buyer",
    "shared_device",
    "newcomer",
    "promo_signup",
    "giveaway_hunter",
)

STREAMER = "streamer"

# Share of bots per kind and of humans per archetype (each sums to 1).
BOT_KIND_WEIGHTS: dict[str, float] = {
    "bulk_fan": 0.25,
    "high_end_fan": 0.15,
    "click_farm": 0.15,
    "comment_bot": 0.11,
    "order_brusher": 0.10,
    "drip_feed": 0.10,
    "stepped_delivery": 0.14,
}
HUMAN_ARCHETYPE_WEIGHTS: dict[str, float] = {
    "casual": 0.30,
    "superfan": 0.08,
    "nat_user": 0.08,
    "campus_user": 0.07,
    "night_shift": 0.05,
    "viral_follower": 0.08,
    "buyer": 0.11,
    "shared_device": 0.08,
    "newcomer": 0.06,
    "promo_signup": 0.04,
    "giveaway_hunter": 0.05,
}

ACCOUNTS_AT_SCALE_1 = 20_000
STREAMER_SHARE = 0.005


@dataclass(frozen=True)
class SimulationConfig:
    """What world to simulate and how to write it.

    label_noise flips the `label` of that share of non-streamer accounts; `bot_kind` and
    `archetype` keep the account's true kind, so a flipped row is one whose label
    disagrees with its bot_kind (bot_kind set and label human, or the reverse).
    `world` holds the world's parameters (world.py); None is the fixed world.
    """

    seed: int = 0
    scale: float = 1.0
    bot_share: float = 0.3
    difficulty: float = 0.5
    kind_difficulty: tuple[tuple[str, float], ...] = ()
    label_noise: float = 0.0
    days: int = 30
    start: str = "2026-10-01"
    fmt: str = "parquet"
    split: bool = False
    test_fraction: float = 0.3
    chunk_accounts: int = 50_000
    world: World | None = None

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ConfigError("scale must be positive")
        if not 0 <= self.bot_share < 1:
            raise ConfigError("bot_share must be in [0, 1)")
        if self.fmt not in ("parquet", "csv"):
            raise ConfigError("fmt must be 'parquet' or 'csv'")
        if not 0 <= self.label_noise <= 0.5:
            raise ConfigError("label_noise must be in [0, 0.5]")
        if not 0 < self.test_fraction < 1:
            raise ConfigError("test_fraction must be in (0, 1)")
        if self.days < 7:
            raise ConfigError("days must be at least 7")
        if self.chunk_accounts < 1_000:
            raise ConfigError("chunk_accounts must be at least 1000")
        for kind, value in (("difficulty", self.difficulty), *self.kind_difficulty):
            if kind != "difficulty" and kind not in BOT_KINDS:
                raise ConfigError(f"unknown bot kind {kind!r} in kind_difficulty")
            if not 0 <= value <= 1:
                raise ConfigError(f"difficulty of {kind} must be in [0, 1]")

    @property
    def world_parameters(self) -> World:
        from .world import World

        return self.world if self.world is not None else World()

    @property
    def total_accounts(self) -> int:
        return max(1_000, round(ACCOUNTS_AT_SCALE_1 * self.scale))

    @property
    def streamer_count(self) -> int:
        return max(20, round(self.total_accounts * STREAMER_SHARE))

    def difficulty_of(self, kind: str) -> float:
        """The difficulty of one bot kind: its override, else the global difficulty."""
        return dict(self.kind_difficulty).get(kind, self.difficulty)


@dataclass(frozen=True)
class SimulationSummary:
    out_dir: Path
    accounts: int
    events: dict[str, int]
    bots_by_kind: dict[str, int]
    humans_by_archetype: dict[str, int]
    streamers: list[str] = field(default_factory=list)
    seconds: float = 0.0
    worlds: tuple[SimulationSummary, ...] = ()  # each world's, when several were written


def lerp(blatant: float, humanlike: float, d: float) -> float:
    """Linear interpolation from the blatant value (d=0) to the human-like one (d=1)."""
    return blatant + (humanlike - blatant) * d


def glerp(blatant: float, humanlike: float, d: float) -> float:
    """Geometric interpolation, for positive scale parameters such as time spreads."""
    return blatant * (humanlike / blatant) ** d


SELLER_CARE_CONCENTRATION = 2.0  # Beta(2d, 2(1-d)): uniform over sellers at d = 0.5


def seller_cares(
    rng, d: float, n: int, concentration: float = SELLER_CARE_CONCENTRATION
) -> list[float]:
    """How careful each of n sellers of one kind (packs, campaigns, rings, operators) is.

    The market of a kind at difficulty d holds cheap careless sellers next to careful ones,
    with mean carefulness d (exactly d at 0 and 1): draws from Beta(2d, 2(1-d)), uniform at
    d = 0.5, stratified so that even a few sellers span the range (one draw per 1/n slice of
    the distribution, in random order)."""
    if d <= 0.0 or d >= 1.0:
        return [float(d)] * n
    k = concentration
    slices = (rng.permutation(n) + rng.random(n)) / n
    return [float(x) for x in beta.ppf(slices, k * d, k * (1.0 - d))]
