"""Evaluation: thresholds from held-out humans, headline metrics with bootstrap confidence
intervals, per-kind recall and per-archetype false-positive rates, and the plots."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve

from fanaudit.models.artifact import Thresholds

CI_LEVEL = 0.95


def bot_threshold_at_fpr(p: np.ndarray, y: np.ndarray, target_fpr: float) -> float:
    """The lowest threshold whose false-positive rate on humans is at most `target_fpr`."""
    humans = np.sort(p[y == 0])
    if len(humans) == 0:
        return 0.5
    allowed = int(np.floor(target_fpr * len(humans)))  # humans that may score >= threshold
    threshold = humans[len(humans) - allowed - 1] if allowed < len(humans) else 0.0
    return float(np.nextafter(threshold, np.inf))


def human_threshold_at_miss(p: np.ndarray, y: np.ndarray, max_miss: float, bot: float) -> float:
    """The highest threshold below which at most `max_miss` of bots fall (never above `bot`)."""
    bots = np.sort(p[y == 1])
    if len(bots) == 0:
        return min(0.5, bot)
    allowed = int(np.floor(max_miss * len(bots)))
    threshold = bots[allowed] if allowed < len(bots) else 1.0
    return float(min(threshold, bot))


def choose_thresholds(p: np.ndarray, y: np.ndarray, target_fpr: float, max_miss: float,
                      min_bot: float = 0.5, max_human: float = 0.2) -> Thresholds:
    """`bot` at the target false-positive rate but never below `min_bot` (a higher threshold
    only lowers the FPR); `human` where at most `max_miss` of bots fall below, but never
    above `max_human` nor the bot threshold."""
    bot = max(bot_threshold_at_fpr(p, y, target_fpr), min_bot)
    human = min(human_threshold_at_miss(p, y, max_miss, bot), max_human)
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


def headline_metrics(p: np.ndarray, y: np.ndarray, thresholds: Thresholds, target_fpr: float) -> dict[str, float]:
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


def bootstrap_intervals(p: np.ndarray, y: np.ndarray, thresholds: Thresholds, target_fpr: float,
                        rounds: int, seed: int) -> dict[str, tuple[float, float]]:
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
    return {name: (float(np.percentile(v, tail)), float(np.percentile(v, 100 - tail)))
            for name, v in draws.items()}


def per_group_rates(p: np.ndarray, labels: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Recall per bot_kind and false-positive rate per human archetype at the bot threshold."""
    frame = labels.assign(p=p, flagged=p >= thresholds.bot,
                          uncertain=(p >= thresholds.human) & (p < thresholds.bot))
    frame["group"] = np.where(frame["label"] == "bot",
                              "bot:" + frame["bot_kind"].fillna("unknown").astype(str),
                              "human:" + frame.get("archetype", pd.Series(index=frame.index, dtype=object))
                              .fillna("unspecified").astype(str))
    table = frame.groupby("group").agg(accounts=("p", "size"), flagged_share=("flagged", "mean"),
                                       uncertain_share=("uncertain", "mean"), mean_probability=("p", "mean"))
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


def evaluate(p: np.ndarray, y: np.ndarray, labels: pd.DataFrame, thresholds: Thresholds,
             target_fpr: float, rounds: int, seed: int) -> Evaluation:
    return Evaluation(headline_metrics(p, y, thresholds, target_fpr),
                      bootstrap_intervals(p, y, thresholds, target_fpr, rounds, seed),
                      per_group_rates(p, labels, thresholds))
