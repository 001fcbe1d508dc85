"""Reasons for many accounts at once: the registry's wording rules applied to whole
matrices of feature values and SHAP contributions.

`models.explain.top_contributions` and `features.registry.reason_for` word one account at
a time (a dict of its values per account, a Python loop over its features). For the
flagged accounts of a whole platform that loop is a fifth of the time of scoring with
reasons, so here the same rules run per feature over all rows (numpy masks), the top k per
row is picked with `argpartition`, and each sentence template is filled per feature for
all the rows that say it. `tests/model/test_reasons_vectorised.py` checks that every row
gets exactly what the one-account functions give it.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter

import numpy as np

from fanaudit.features.feature import Language
from fanaudit.features.registry import (
    FAMILY_TEXT,
    FEATURES_BY_NAME,
    REASONS,
    Reason,
    family_title,
)
from fanaudit.models.explain import NO_SINGLE_REASON, TOP_REASONS

# which sentence of a feature's Reason a chosen reason uses
MISSING, BOT_LOW, BOT_HIGH, HUMAN = 0, 1, 2, 3
NONE = -1


@dataclass(frozen=True)
class Chosen:
    """The reasons chosen for each row: `features[r, :counts[r]]` are column positions of
    the row's reasons, strongest first; `case` says which sentence each one uses."""

    features: np.ndarray  # rows x k, int (NONE past the row's count)
    case: np.ndarray  # rows x k, int (MISSING, BOT_LOW, BOT_HIGH, HUMAN or NONE)
    counts: np.ndarray  # rows


def _at_least(column: np.ndarray, least: float) -> np.ndarray:
    return ~np.isnan(column) & (column >= least)  # NaN >= x is False anyway; said for clarity


def sentence_cases(
    contributions: np.ndarray, X: np.ndarray, names: tuple[str, ...], towards_bot: np.ndarray
) -> np.ndarray:
    """Per (row, feature): the case of the registry's sentence that speaks for this value
    and this direction (NONE: not a reason), as `explain._speakable` and
    `registry.reason_for` decide one account at a time. A missing value speaks once per
    family, for a family with no data at all, towards bot."""
    rows, width = X.shape
    cases = np.full((rows, width), NONE, dtype=np.int8)
    missing = np.isnan(X)
    column_of = {name: j for j, name in enumerate(names)}
    positive = contributions > 0
    negative = contributions < 0
    for j, name in enumerate(names):
        reason: Reason = REASONS.get(name, Reason())
        present = ~missing[:, j]
        value = X[:, j]
        with np.errstate(invalid="ignore"):
            low_side = (
                present & (value <= reason.low) if reason.low is not None else np.zeros(rows, bool)
            )
            high_side = (
                present & (value >= reason.high)
                if reason.high is not None
                else np.zeros(rows, bool)
            )
        context = np.ones(rows, dtype=bool)
        for needed, least in reason.needs:
            if needed in column_of:
                context &= _at_least(X[:, column_of[needed]], least)
            else:
                context[:] = False
        bot = positive[:, j] & context
        if reason.bot_low is not None:
            cases[bot & low_side, j] = BOT_LOW
        if reason.bot_high is not None:
            cases[bot & high_side & ~low_side, j] = BOT_HIGH
        if reason.human is not None:
            cases[negative[:, j] & present & ~low_side & ~high_side, j] = HUMAN
    # a missing value: once per family with no data at all, towards bot only
    signed = np.where(towards_bot[:, None], contributions, -contributions)
    families: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        families.setdefault(FEATURES_BY_NAME[name].family, []).append(j)
    for family, columns in families.items():
        if family not in FAMILY_TEXT:
            continue
        members = np.array(columns)
        empty = missing[:, members].all(axis=1)
        if not empty.any():
            continue
        first = members[np.argmax(signed[:, members], axis=1)]  # the strongest; ties: first
        speaks = empty & towards_bot & (contributions[np.arange(rows), first] > 0)
        cases[np.flatnonzero(speaks), first[speaks]] = MISSING
    return cases


def top_k(scores: np.ndarray, eligible: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the columns of the k largest positive `scores` among `eligible` ones, largest
    first, ties in column order (as a stable sort gives); NONE past the row's count."""
    rows, width = scores.shape
    k = min(k, width)
    if rows == 0 or k == 0:
        return np.full((rows, k), NONE, dtype=np.int64), np.zeros(rows, dtype=np.int64)
    masked = np.where(eligible & (scores > 0), scores, -np.inf)
    if k < width:
        picked = np.argpartition(-masked, k - 1, axis=1)[:, :k]
    else:
        picked = np.broadcast_to(np.arange(width), (rows, width)).copy()
    values = np.take_along_axis(masked, picked, axis=1)
    order = np.lexsort((picked, -values), axis=1)
    picked = np.take_along_axis(picked, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    if k < width:
        # argpartition breaks ties at the k-th value arbitrarily: redo those rows stably
        kth = values[:, -1]
        tied = np.isfinite(kth) & ((masked >= kth[:, None]).sum(axis=1) > k)
        for r in np.flatnonzero(tied):
            stable = np.argsort(-masked[r], kind="stable")[:k]
            picked[r], values[r] = stable, masked[r, stable]
    counts = np.isfinite(values).sum(axis=1)
    picked[~np.isfinite(values)] = NONE
    return picked, counts


def choose(
    contributions: np.ndarray,
    X: np.ndarray,
    names: tuple[str, ...],
    towards_bot: np.ndarray,
    k: int = TOP_REASONS,
) -> Chosen:
    """The k features of each row that push hardest towards its verdict and make a
    sentence (`explain.top_contributions` with the account's values, for every row)."""
    cases = sentence_cases(contributions, X, names, towards_bot)
    signed = np.where(towards_bot[:, None], contributions, -contributions)
    picked, counts = top_k(signed, cases != NONE, k)
    case = np.where(picked >= 0, np.take_along_axis(cases, np.maximum(picked, 0), axis=1), NONE)
    return Chosen(picked, case, counts)


def _fields(template: str) -> list[str]:
    return [field for _, field, _, _ in Formatter().parse(template) if field]


def _formatted(name: str | None, column: np.ndarray | None, rows: int) -> list[str]:
    """`Feature.format_value` of each value of a column (a feature the model lacks: unknown)."""
    if name is None or column is None:
        return ["unknown"] * rows
    feature = FEATURES_BY_NAME[name]
    return [feature.format_value(v) for v in column.tolist()]


def sentences(
    chosen: Chosen, X: np.ndarray, names: tuple[str, ...], lang: Language = "en"
) -> np.ndarray:
    """The sentence of every chosen reason (rows x k, object; "" past a row's count),
    each template filled per feature for all the rows that say it."""
    rows, k = chosen.features.shape
    said = np.full((rows, k), "", dtype=object)
    column_of = {name: j for j, name in enumerate(names)}
    zh = lang == "zh"
    for j in np.unique(chosen.features[chosen.features >= 0]).tolist():
        name = names[j]
        at = chosen.features == j
        reason = REASONS.get(name, Reason())
        for case in (MISSING, BOT_LOW, BOT_HIGH, HUMAN):
            where = at & (chosen.case == case)
            if not where.any():
                continue
            if case == MISSING:
                text = FAMILY_TEXT[FEATURES_BY_NAME[name].family]
                said[where] = text.missing_zh if zh else text.missing_en
                continue
            pair = {BOT_LOW: reason.bot_low, BOT_HIGH: reason.bot_high, HUMAN: reason.human}[case]
            assert pair is not None  # sentence_cases chose this case only where it exists
            template = pair[1] if zh else pair[0]
            row_of = np.flatnonzero(where.any(axis=1))
            fields = _fields(template)
            columns = [
                _formatted(name, X[row_of, j], len(row_of))
                if field == "value"
                else _formatted(
                    field if field in column_of else None,
                    X[row_of, column_of[field]] if field in column_of else None,
                    len(row_of),
                )
                for field in fields
            ]
            if fields:
                texts = [
                    template.format_map(dict(zip(fields, vs, strict=True)))
                    for vs in zip(*columns, strict=True)
                ]
            else:
                texts = [template] * len(row_of)
            said[where] = np.array(texts, dtype=object)
    return said


def no_single_reasons(
    contributions: np.ndarray,
    names: tuple[str, ...],
    towards_bot: np.ndarray,
    lang: Language = "en",
) -> list[str]:
    """`explain.no_single_reason` of every row: the family pushing hardest its way."""
    signed = np.where(towards_bot[:, None], contributions, -contributions)
    families = list(dict.fromkeys(FEATURES_BY_NAME[n].family for n in names))
    if not families:
        return [""] * len(contributions)
    sums = np.zeros((len(contributions), len(families)))
    for j, name in enumerate(names):  # summed in the feature order, as one account is
        sums[:, families.index(FEATURES_BY_NAME[name].family)] += signed[:, j]
    best = np.argmax(sums, axis=1)
    titles = [family_title(f, lang) for f in families]
    return [
        NO_SINGLE_REASON[bool(bot)][lang == "zh"].format(family=titles[f])
        for bot, f in zip(towards_bot.tolist(), best.tolist(), strict=True)
    ]


def top_features_lines(
    contributions: np.ndarray,
    X: np.ndarray,
    names: tuple[str, ...],
    features: np.ndarray,
    counts: np.ndarray,
) -> list[str]:
    """Each row's chosen features as `explain.top_features_json` writes them (the same
    text: `json.dumps` writes a float as its repr), built as strings rather than dicts."""
    rows, slots = np.nonzero(features >= 0)  # row by row, slots in order
    columns = features[rows, slots]
    head = [
        f'{{"feature": "{name}", "value": ' for name in names
    ]  # registry names are plain identifiers: nothing to escape
    tail = [f'"family": "{FEATURES_BY_NAME[name].family}"}}' for name in names]
    values = X[rows, columns].tolist()
    shaps = contributions[rows, columns].tolist()
    items = [
        f"{head[j]}{'null' if v != v else repr(v)}, \"shap\": {round(c, 6)!r}, {tail[j]}"
        for j, v, c in zip(columns.tolist(), values, shaps, strict=True)
    ]
    lines, at = [], 0
    for count in counts.tolist():
        lines.append("[" + ", ".join(items[at : at + count]) + "]")
        at += count
    return lines


@dataclass(frozen=True)
class Worded:
    """Reasons of many rows, as `fanaudit score` writes them."""

    reasons: list[str]  # the sentence line of each row
    top_features: list[str]  # JSON: feature, value, shap, family of each row's top reasons


def word(
    contributions: np.ndarray,
    X: np.ndarray,
    names: tuple[str, ...],
    towards_bot: np.ndarray,
    lang: Language = "en",
    k: int = TOP_REASONS,
) -> Worded:
    """The reasons line and top-features JSON of every row (as `scoring` wrote them one
    row at a time: readable reasons when there are some; otherwise the family that pushes
    hardest, with the strongest raw contributions in the JSON)."""
    chosen = choose(contributions, X, names, towards_bot, k)
    said = sentences(chosen, X, names, lang)
    separator = "；" if lang == "zh" else "; "
    silent = chosen.counts == 0
    fallback = iter(no_single_reasons(contributions[silent], names, towards_bot[silent], lang))
    features, counts = chosen.features.copy(), chosen.counts.copy()
    if silent.any():  # the JSON gets the strongest contributions, readable or not
        signed = np.where(towards_bot[silent, None], contributions[silent], -contributions[silent])
        features[silent], counts[silent] = top_k(signed, np.ones_like(signed, dtype=bool), k)
    reasons = [
        next(fallback) if quiet else separator.join(line[:count])
        for quiet, line, count in zip(
            silent.tolist(), said.tolist(), chosen.counts.tolist(), strict=True
        )
    ]
    tops = top_features_lines(contributions, X, names, features, counts)
    return Worded(reasons, tops)
