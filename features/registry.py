"""The feature registry: every feature declared once.

Each feature has a name, a family, a description, a unit, the direction that raises
suspicion and a plain-language reason template in English and Chinese. Training selects
its columns from here, explanations and reports turn SHAP contributions into sentences
from here. Family modules under `features.families` declare their features; this module
gathers them in a fixed order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from features.families import FAMILY_MODULES
from features.feature import Feature, Language


def _collect() -> tuple[Feature, ...]:
    found: list[Feature] = []
    for module in FAMILY_MODULES:
        found.extend(module.FEATURES)
    names = [f.name for f in found]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"features declared twice: {sorted(duplicated)}")
    return tuple(found)


FEATURES: tuple[Feature, ...] = _collect()
FEATURES_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(f.family for f in FEATURES))


def features_of_family(family: str) -> tuple[Feature, ...]:
    return tuple(f for f in FEATURES if f.family == family)


class _ValuesByFeature(dict):
    """Formats `{other_feature}` placeholders with that feature's own format."""

    def __init__(self, values: dict[str, float | None]):
        super().__init__()
        self.values = values

    def __missing__(self, key: str) -> str:
        feature = FEATURES_BY_NAME.get(key)
        if feature is None:
            raise KeyError(f"reason template names unknown feature '{key}'")
        return feature.format_value(self.values.get(key))


def render_reason(name: str, values: dict[str, float | None], lang: Language = "en") -> str:
    """The plain-language reason for feature `name`, filled with one account's values."""
    feature = FEATURES_BY_NAME[name]
    mapping = _ValuesByFeature(values)
    mapping["value"] = feature.format_value(values.get(name))
    return feature.template(lang).format_map(mapping)


def registry_version() -> str:
    """A short hash of the whole registry: changes whenever any declaration changes."""
    payload = json.dumps([asdict(f) for f in FEATURES], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]
