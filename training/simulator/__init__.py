"""Platform simulator: a month of a live-streaming platform with real people and the
bots of the fake-engagement trade, written as a labelled fanaudit dataset folder; one fixed
world by default, or worlds drawn from documented ranges (world.py), several per folder."""

from .config import BOT_KINDS, HUMAN_ARCHETYPES, SimulationConfig, SimulationSummary
from .engine import randomised_configs, simulate, simulate_worlds, write_training_worlds
from .world import FULL_RANGES, REGIONS, World, WorldRanges, draw_world

__all__ = [
    "BOT_KINDS",
    "FULL_RANGES",
    "HUMAN_ARCHETYPES",
    "REGIONS",
    "SimulationConfig",
    "SimulationSummary",
    "World",
    "WorldRanges",
    "draw_world",
    "randomised_configs",
    "simulate",
    "simulate_worlds",
    "write_training_worlds",
]
