"""Platform simulator: a month of a live-streaming platform with real people and the
bots of the fake-engagement trade, written as a labelled fanaudit dataset folder."""

from .config import BOT_KINDS, HUMAN_ARCHETYPES, SimulationConfig, SimulationSummary
from .engine import simulate

__all__ = ["BOT_KINDS", "HUMAN_ARCHETYPES", "SimulationConfig", "SimulationSummary", "simulate"]
