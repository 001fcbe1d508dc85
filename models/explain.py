"""SHAP explanations: TreeSHAP contributions per feature, turned into plain-language
reasons from the feature registry.

Contributions are in the model's raw (log-odds) space: base value + sum of contributions
= LightGBM's raw score for the row. They are LightGBM's own TreeSHAP (`pred_contrib`):
for a LightGBM model `shap.TreeExplainer` runs that same routine and returns the same
numbers bit for bit (`benchmarks/explain_cost.py` checks it), so calling it directly spares
importing SHAP and building an explainer, seconds that matter when explaining one
account. Explaining is the slow step, so callers pass only the rows that need reasons.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fanaudit.features.feature import Language

if TYPE_CHECKING:
    import shap
from fanaudit.features.registry import FEATURES_BY_NAME, family_title, reason_for
from fanaudit.models.artifact import FanauditModel

TOP_REASONS = 3
EXPLAIN_BATCH = 20_000
SMALL_BATCH = 64


@dataclass(frozen=True)
class Explanation:
    contributions: np.ndarray  # rows x features, raw (log-odds) units
    base_value: float
    feature_names: tuple[str, ...]


def explain_matrix(model: FanauditModel, X: np.ndarray) -> Explanation:
    """SHAP contributions of every feature for every row of a feature matrix, in batches."""
    width = len(model.feature_names)
    # no thread wake-ups for a few rows
    threads: dict[str, Any] = {"num_threads": 1} if len(X) < SMALL_BATCH else {}
    parts = [
        model.booster.predict(X[start : start + EXPLAIN_BATCH], pred_contrib=True, **threads)
        for start in range(0, len(X), EXPLAIN_BATCH)
    ]
    if not parts:  # the base value alone: LightGBM's contribution of an all-missing row
        # a dense row in: a dense (1, width + 1) matrix out (the stubs allow sparse output)
        matrix = model.booster.predict(np.full((1, width), np.nan), pred_contrib=True)
        base = cast(np.ndarray, matrix)[0, -1]
        return Explanation(np.empty((0, width)), float(base), model.feature_names)
    values = np.vstack(parts)
    return Explanation(values[:, :width], float(values[0, width]), model.feature_names)


def explain(model: FanauditModel, frame: pd.DataFrame) -> Explanation:
    """SHAP contributions of every feature for every row of `frame`, in batches."""
    return explain_matrix(model, model.feature_matrix(frame))


def as_shap(model: FanauditModel, frame: pd.DataFrame) -> shap.Explanation:
    """The rows of `frame` explained as a `shap.Explanation` (raw log-odds units), so that
    `shap.plots.waterfall(e[0])`, `shap.plots.beeswarm(e)` and the rest work on it."""
    import shap  # only here: scoring and explaining need no SHAP import

    explanation = explain(model, frame)
    rows = len(explanation.contributions)
    return shap.Explanation(
        values=explanation.contributions,
        base_values=np.full(rows, explanation.base_value),
        data=model.feature_matrix(frame),
        feature_names=list(model.feature_names),
    )


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _speakable(
    name: str,
    contribution: float,
    values: Mapping[str, float | None],
    missing_families: set[str],
) -> bool:
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


def top_contributions(
    contributions: np.ndarray,
    names: tuple[str, ...],
    towards_bot: bool,
    k: int = TOP_REASONS,
    values: Mapping[str, float | None] | None = None,
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
        if values is None or _speakable(
            names[i], float(contributions[i]), values, missing_families
        ):
            chosen.append((names[i], float(contributions[i])))
    return chosen


def reasons_sentence(
    top: list[tuple[str, float]], values: dict[str, float | None], lang: Language = "en"
) -> str:
    """The chosen reasons as one line; each says which way it points by its own words."""
    separator = "；" if lang == "zh" else "; "
    said = (reason_for(name, values, shap, lang) for name, shap in top)
    return separator.join(s for s in said if s)


NO_SINGLE_REASON = {
    True: (
        "no single sign stands out; taken together, its {family} look most like a bot's",
        "没有单独突出的迹象；综合来看，它的{family}最像机器粉",
    ),
    False: (
        "no single sign stands out; taken together, its {family} look most like a person's",
        "没有单独突出的迹象；综合来看，它的{family}最像真人",
    ),
}


def no_single_reason(
    contributions: np.ndarray, names: tuple[str, ...], towards_bot: bool, lang: Language = "en"
) -> str:
    """What to say when no feature makes a readable reason: the signal family (named as a
    family) that pushes hardest towards the verdict."""
    signed = contributions if towards_bot else -contributions
    by_family: dict[str, float] = {}
    for name, value in zip(names, signed, strict=False):
        family = FEATURES_BY_NAME[name].family
        by_family[family] = by_family.get(family, 0.0) + float(value)
    if not by_family:
        return ""
    family = max(by_family, key=by_family.__getitem__)
    return NO_SINGLE_REASON[towards_bot][lang == "zh"].format(family=family_title(family, lang))


def top_features_json(top: list[tuple[str, float]], values: dict[str, float]) -> str:
    """Machine-readable top contributions: feature, its value and its SHAP contribution."""
    return json.dumps(
        [
            {
                "feature": n,
                "value": None if pd.isna(values.get(n)) else float(values[n]),
                "shap": round(c, 6),
                "family": FEATURES_BY_NAME[n].family,
            }
            for n, c in top
        ]
    )
