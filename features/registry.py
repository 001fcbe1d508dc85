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
import math
from dataclasses import asdict, dataclass

from fanaudit.features.families import FAMILY_MODULES
from fanaudit.features.feature import Feature, Language


def _collect() -> tuple[Feature, ...]:
    found: list[Feature] = []
    for module in FAMILY_MODULES:
        found.extend(module.FEATURES)
    names = [f.name for f in found]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"features declared twice: {sorted(duplicated)}")
    unknown_families = {f.family for f in found} - set(FAMILY_TEXT)
    if unknown_families:
        raise ValueError(f"families without FAMILY_TEXT: {sorted(unknown_families)}")
    return tuple(found)


@dataclass(frozen=True)
class FamilyText:
    """How reports name a family, and what a reason says when the account has no data for it."""

    title_en: str
    title_zh: str
    missing_en: str
    missing_zh: str


FAMILY_TEXT: dict[str, FamilyText] = {
    "profile": FamilyText("profile", "资料", "its profile field is empty", "资料字段为空"),
    "ip_device": FamilyText("shared addresses and devices", "共用IP与设备",
                            "has no login records", "没有登录记录"),
    "activity": FamilyText("activity windows", "活跃时段", "has too little activity to judge its rhythm",
                           "活动太少，无法判断作息规律"),
    "follow_bursts": FamilyText("follow bursts", "集中关注", "has no timed follows",
                                "没有带时间的关注记录"),
    "comments": FamilyText("scripted comments", "模板评论", "posted no comments", "没有发表评论"),
    "orders": FamilyText("orders and refunds", "订单与退款", "placed no orders", "没有下单"),
    "lockstep": FamilyText("lockstep groups", "同步行动群组", "never acted in step with a group",
                           "没有与群组同步行动"),
    "content": FamilyText("links, promotion and copied posts", "链接、推销与雷同发言",
                          "posted nothing", "没有发布内容"),
}


FEATURES: tuple[Feature, ...] = _collect()
FEATURES_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(f.family for f in FEATURES))


def family_title(family: str, lang: Language = "en") -> str:
    text = FAMILY_TEXT.get(family)
    if text is None:
        return family.replace("_", " ")
    return text.title_zh if lang == "zh" else text.title_en


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


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def render_reason(name: str, values: dict[str, float | None], lang: Language = "en") -> str:
    """The plain-language reason for feature `name`, filled with one account's values."""
    feature = FEATURES_BY_NAME[name]
    if _is_missing(values.get(name)):
        text = FAMILY_TEXT.get(feature.family)
        if text is not None:
            return text.missing_zh if lang == "zh" else text.missing_en
    mapping = _ValuesByFeature(values)
    mapping["value"] = feature.format_value(values.get(name))
    return feature.template(lang).format_map(mapping)


def registry_version() -> str:
    """A short hash of the whole registry: changes whenever any declaration changes."""
    payload = json.dumps([asdict(f) for f in FEATURES], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]
