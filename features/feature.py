"""The declaration of one feature (see `features.registry` for the collection)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Direction = Literal["higher", "lower", "either"]
Language = Literal["en", "zh"]


@dataclass(frozen=True)
class Feature:
    """One per-account feature.

    `reason_en` / `reason_zh` describe the account's own value in plain words; they may use
    `{value}` (this feature, formatted with `value_format`) and `{<other feature>}` for any
    other feature of the same account. They are written neutrally ("registered {value} days
    before its first follow") so they read right whichever way the value pushed the score.
    """

    name: str
    family: str
    description: str
    unit: str
    direction: Direction
    reason_en: str
    reason_zh: str
    value_format: str = "{:.0f}"

    def format_value(self, value: float | None) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "unknown"
        if self.unit == "share":
            return f"{100 * value:.0f}%"
        return self.value_format.format(value)

    def template(self, lang: Language = "en") -> str:
        return self.reason_zh if lang == "zh" else self.reason_en
