"""Evaluation: thresholds from held-out humans, headline metrics with bootstrap confidence
intervals, per-kind recall and per-archetype false-positive rates, and the plots."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve

from fanaudit.models.artifact import Thresholds

CI_LEVEL = 0.95


def _share_at_or_above(sorted_scores: np.ndarray, t: np.ndarray) -> np.ndarray:
    return 1 - np.searchsorted(sorted_scores, t, side="left") / max(len(sorted_scores), 1)


def _share_below(sorted_scores: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.searchsorted(sorted_scores, t, side="left") / max(len(sorted_scores), 1)


@dataclass(frozen=True)
class LabelNoise:
    """Estimated contamination of each labelled class by the other (label errors)."""

    bots_among_humans: float  # share of accounts labelled human that are bots
    humans_among_bots: float  # share of accounts labelled bot that are humans

    def as_dict(self) -> dict[str, float]:
        return {
            "label_noise_bots_among_humans": self.bots_among_humans,
            "label_noise_humans_among_bots": self.humans_among_bots,
        }


NO_NOISE = LabelNoise(0.0, 0.0)
NOISE_MIN_SHARE = 0.5
# The correction may at most double a rate measured on the labels as given: the noise
# estimate is an upper bound that is tight on strong models and loose on weak ones (on real
# Weibo posts, ROC-AUC 0.80, it let the `bot` verdict flag 9% of the labelled humans).
MAX_NOISE_RELAXATION = 2.0


def estimate_label_noise(
    p: np.ndarray, y: np.ndarray, min_share: float = NOISE_MIN_SHARE
) -> LabelNoise:
    """Mixture proportion estimates of label noise (Scott, Blanchard & Handy 2013): the
    labelled humans are a mixture (1 - a) humans + a bots, so wherever true humans are
    rare, the share of labelled humans scoring above a threshold, over the share of
    labelled bots doing so, falls to `a`; its minimum over the thresholds that keep at least
    `min_share` of the labelled bots above bounds `a` from above (and the same from below
    for the humans among labelled bots). On clean labels the bound is the rate of the
    hardest humans at the top, small, so the correction stays small."""
    humans, bots = np.sort(p[y == 0]), np.sort(p[y == 1])
    if len(humans) == 0 or len(bots) == 0:
        return NO_NOISE
    top = np.unique(bots)
    tpr, fpr = _share_at_or_above(bots, top), _share_at_or_above(humans, top)
    keep = tpr >= min_share
    a = float(np.min(fpr[keep] / tpr[keep])) if keep.any() else 0.0
    bottom = np.unique(humans)
    tnr = np.searchsorted(humans, bottom, side="right") / len(humans)
    miss = np.searchsorted(bots, bottom, side="right") / len(bots)
    keep = tnr >= min_share
    b = float(np.min(miss[keep] / tnr[keep])) if keep.any() else 0.0
    return LabelNoise(min(a, 0.5), min(b, 0.5))


def bot_threshold_at_fpr(
    p: np.ndarray, y: np.ndarray, target_fpr: float, noise: LabelNoise = NO_NOISE
) -> float:
    """The lowest threshold whose false-positive rate on humans is at most `target_fpr`;
    with label noise, on true humans: the labelled humans' rate less the bots among them,
    ``(fpr_labelled - a * tpr_labelled) / (1 - a)``."""
    humans, bots = np.sort(p[y == 0]), np.sort(p[y == 1])
    if len(humans) == 0:
        return 0.5
    candidates = np.unique(np.append(np.nextafter(humans, np.inf), 0.0))
    a = noise.bots_among_humans
    labelled = _share_at_or_above(humans, candidates)
    flagged = labelled - a * _share_at_or_above(bots, candidates)
    allowed = np.floor(target_fpr * len(humans) + 1e-9) / len(humans)
    ok = (flagged / (1 - a) <= allowed + 1e-12) & (
        labelled <= MAX_NOISE_RELAXATION * allowed + 1e-12
    )
    return float(candidates[np.argmax(ok)]) if ok.any() else float(np.nextafter(humans[-1], np.inf))


def human_threshold_at_miss(
    p: np.ndarray, y: np.ndarray, max_miss: float, bot: float, noise: LabelNoise = NO_NOISE
) -> float:
    """The highest threshold below which at most `max_miss` of bots fall (never above `bot`);
    with label noise, of true bots (the labelled bots' rate less the humans among them)."""
    bots, humans = np.sort(p[y == 1]), np.sort(p[y == 0])
    if len(bots) == 0:
        return min(0.5, bot)
    candidates = np.unique(np.append(bots, 1.0))
    b = noise.humans_among_bots
    labelled = _share_below(bots, candidates)
    missed = labelled - b * _share_below(humans, candidates)
    allowed = np.floor(max_miss * len(bots) + 1e-9) / len(bots)
    ok = (missed / (1 - b) <= allowed + 1e-12) & (
        labelled <= MAX_NOISE_RELAXATION * allowed + 1e-12
    )
    threshold = candidates[ok].max() if ok.any() else bots[0]
    return float(min(threshold, bot))


def choose_thresholds(
    p: np.ndarray,
    y: np.ndarray,
    target_fpr: float,
    max_miss: float,
    min_bot: float = 0.5,
    max_human: float = 0.2,
    noise: LabelNoise = NO_NOISE,
) -> Thresholds:
    """`bot` at the target false-positive rate but never below `min_bot` (a higher threshold
    only lowers the FPR); `human` where at most `max_miss` of bots fall below, but never
    above `max_human` nor the bot threshold. Rates are of true classes under `noise`."""
    bot = max(bot_threshold_at_fpr(p, y, target_fpr, noise), min_bot)
    human = min(human_threshold_at_miss(p, y, max_miss, bot, noise), max_human)
    return Thresholds(bot=bot, human=human)


def recall_at_fpr(p: np.ndarray, y: np.ndarray, fpr: float) -> float:
    curve_fpr, curve_tpr, _ = roc_curve(y, p)
    return float(np.max(curve_tpr[curve_fpr <= fpr], initial=0.0))


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.mean() * abs(p[inside].mean() - y[inside].mean())
    return float(total)


def headline_metrics(
    p: np.ndarray, y: np.ndarray, thresholds: Thresholds, target_fpr: float
) -> dict[str, float]:
    flagged = p >= thresholds.bot
    tp = float((flagged & (y == 1)).sum())
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "recall_at_fpr": recall_at_fpr(p, y, target_fpr),
        "precision_at_bot": tp / max(flagged.sum(), 1),
        "recall_at_bot": tp / max((y == 1).sum(), 1),
        "fpr_at_bot": float((flagged & (y == 0)).sum() / max((y == 0).sum(), 1)),
        "uncertain_share": float(((p >= thresholds.human) & (p < thresholds.bot)).mean()),
        "brier": float(brier_score_loss(y, p)),
        "ece": expected_calibration_error(p, y),
    }


def bootstrap_intervals(
    p: np.ndarray, y: np.ndarray, thresholds: Thresholds, target_fpr: float, rounds: int, seed: int
) -> dict[str, tuple[float, float]]:
    """Percentile confidence intervals of every headline metric over bootstrap resamples."""
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    for _ in range(rounds):
        pick = rng.integers(0, len(p), len(p))
        if len(np.unique(y[pick])) < 2:
            continue
        for name, value in headline_metrics(p[pick], y[pick], thresholds, target_fpr).items():
            draws.setdefault(name, []).append(value)
    tail = (1 - CI_LEVEL) / 2 * 100
    return {
        name: (float(np.percentile(v, tail)), float(np.percentile(v, 100 - tail)))
        for name, v in draws.items()
    }


def per_group_rates(p: np.ndarray, labels: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Recall per bot_kind and false-positive rate per human archetype at the bot threshold."""
    frame = labels.assign(
        p=p, flagged=p >= thresholds.bot, uncertain=(p >= thresholds.human) & (p < thresholds.bot)
    )
    frame["group"] = np.where(
        frame["label"] == "bot",
        "bot:" + frame["bot_kind"].fillna("unknown").astype(str),
        "human:"
        + frame.get("archetype", pd.Series(index=frame.index, dtype=object))
        .fillna("unspecified")
        .astype(str),
    )
    table = frame.groupby("group").agg(
        accounts=("p", "size"),
        flagged_share=("flagged", "mean"),
        uncertain_share=("uncertain", "mean"),
        mean_probability=("p", "mean"),
    )
    return table.reset_index()


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    groups: pd.DataFrame

    def flat_metrics(self) -> dict[str, float]:
        flat = dict(self.metrics)
        for name, (lo, hi) in self.intervals.items():
            flat[f"{name}_ci_low"], flat[f"{name}_ci_high"] = lo, hi
        for row in self.groups.itertuples():
            kind = "recall" if row.group.startswith("bot:") else "fpr"
            flat[f"{kind}_{row.group.split(':', 1)[1]}"] = float(row.flagged_share)
        return flat


def evaluate(
    p: np.ndarray,
    y: np.ndarray,
    labels: pd.DataFrame,
    thresholds: Thresholds,
    target_fpr: float,
    rounds: int,
    seed: int,
) -> Evaluation:
    return Evaluation(
        headline_metrics(p, y, thresholds, target_fpr),
        bootstrap_intervals(p, y, thresholds, target_fpr, rounds, seed),
        per_group_rates(p, labels, thresholds),
    )
