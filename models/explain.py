"""SHAP explanations: TreeExplainer contributions per feature, turned into plain-language
reasons from the feature registry.

Contributions are in the model's raw (log-odds) space: base value + sum of contributions
= LightGBM's raw score for the row. Explaining is the slow step, so callers pass only the
rows that need reasons.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shap

from fanaudit.features.feature import Language
from fanaudit.features.registry import FEATURES_BY_NAME, family_title, reason_for
from fanaudit.models.artifact import FanauditModel

TOP_REASONS = 3
EXPLAIN_BATCH = 20_000


@dataclass(frozen=True)
class Explanation:
    contributions: np.ndarray  # rows x features, raw (log-odds) units
    base_value: float
    feature_names: tuple[str, ...]


@lru_cache(maxsize=4)
def _explainer(model: FanauditModel) -> shap.TreeExplainer:
    return shap.TreeExplainer(model.booster)


def explain(model: FanauditModel, frame: pd.DataFrame) -> Explanation:
    """SHAP contributions of every feature for every row of `frame`, in batches."""
    X = model.feature_matrix(frame)
    explainer = _explainer(model)
    # SHAP notes its LightGBM output format changed; handled below
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="LightGBM binary classifier",
                                category=UserWarning)
        parts = [np.asarray(explainer.shap_values(X[start:start + EXPLAIN_BATCH],
                                                  check_additivity=False))
                 for start in range(0, len(X), EXPLAIN_BATCH)]
    parts = parts or [np.empty((0, len(model.feature_names)))]
    values = np.vstack(parts)
    if values.ndim == 3:  # some SHAP versions return one slice per class
        values = values[..., -1]
    base = np.ravel(explainer.expected_value)[-1]
    return Explanation(values, float(base), model.feature_names)


def as_shap(model: FanauditModel, frame: pd.DataFrame) -> shap.Explanation:
    """The rows of `frame` explained as a `shap.Explanation` (raw log-odds units), so that
    `shap.plots.waterfall(e[0])`, `shap.plots.beeswarm(e)` and the rest work on it."""
    explanation = explain(model, frame)
    rows = len(explanation.contributions)
    return shap.Explanation(values=explanation.contributions,
                            base_values=np.full(rows, explanation.base_value),
                            data=model.feature_matrix(frame),
                            feature_names=list(model.feature_names))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _speakable(name: str, contribution: float, values: dict[str, float],
               missing_families: set[str]) -> bool:
    """Can this feature be a reason? Only when the registry words it for this value and
    this direction (`features.registry.reason_for`). A missing value speaks only for a
    family with no data at all ("posted no comments"), once; where the family has data it
    means "not applicable"."""
    if not _missing(values.get(name)):
        return reason_for(name, values, contribution) is not None
    family = FEATURES_BY_NAME[name].family
    if family in missing_families or contribution <= 0:
        return False
    siblings = (f for f in FEATURES_BY_NAME.values() if f.family == family and f.name in values)
    if any(not _missing(values[f.name]) for f in siblings):
        return False
    missing_families.add(family)
    return True


def top_contributions(contributions: np.ndarray, names: tuple[str, ...], towards_bot: bool,
                      k: int = TOP_REASONS, values: dict[str, float] | None = None
                      ) -> list[tuple[str, float]]:
    """The k features pushing hardest towards the verdict (bot: positive; human: negative).

    With the account's `values`, only features that make a sensible reason are kept (see
    `_speakable`); without them, the raw top k.
    """
    signed = contributions if towards_bot else -contributions
    chosen: list[tuple[str, float]] = []
    missing_families: set[str] = set()
    for i in np.argsort(-signed, kind="stable"):
        if signed[i] <= 0 or len(chosen) == k:
            break
        if values is None or _speakable(names[i], float(contributions[i]), values,
                                        missing_families):
            chosen.append((names[i], float(contributions[i])))
    return chosen


def reasons_sentence(top: list[tuple[str, float]], values: dict[str, float | None],
                     lang: Language = "en") -> str:
    """The chosen reasons as one line; each says which way it points by its own words."""
    separator = "；" if lang == "zh" else "; "
    said = (reason_for(name, values, shap, lang) for name, shap in top)
    return separator.join(s for s in said if s)


NO_SINGLE_REASON = {
    True: ("no single sign stands out; taken together, its {family} look most like a bot's",
           "没有单独突出的迹象；综合来看，它的{family}最像机器粉"),
    False: ("no single sign stands out; taken together, its {family} look most like a person's",
            "没有单独突出的迹象；综合来看，它的{family}最像真人"),
}


def no_single_reason(contributions: np.ndarray, names: tuple[str, ...], towards_bot: bool,
                     lang: Language = "en") -> str:
    """What to say when no feature makes a readable reason: the signal family (named as a
    family) that pushes hardest towards the verdict."""
    signed = contributions if towards_bot else -contributions
    by_family: dict[str, float] = {}
    for name, value in zip(names, signed):
        family = FEATURES_BY_NAME[name].family
        by_family[family] = by_family.get(family, 0.0) + float(value)
    if not by_family:
        return ""
    family = max(by_family, key=by_family.get)
    return NO_SINGLE_REASON[towards_bot][lang == "zh"].format(family=family_title(family, lang))


def top_features_json(top: list[tuple[str, float]], values: dict[str, float]) -> str:
    """Machine-readable top contributions: feature, its value and its SHAP contribution."""
    return json.dumps([{"feature": n, "value": None if pd.isna(values.get(n)) else float(values[n]),
                        "shap": round(c, 6), "family": FEATURES_BY_NAME[n].family} for n, c in top])
