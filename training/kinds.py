"""Training the bot-kind model: a multi-class LightGBM over the labels' `bot_kind`, fitted
on bot accounts only (scoring applies it to flagged accounts), with held-out metrics from
out-of-fold probabilities on the main model's folds and temperature scaling fitted on
those out-of-fold scores (one number: it keeps the ranking and fixes over-confidence).

Kinds with fewer than `MIN_KIND_ACCOUNTS` labelled bots are left out (named in the note);
with fewer than two kinds left there is no kind model, and the note says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from fanaudit.features.registry import FEATURE_NAMES
from fanaudit.models.kinds import KindModel
from fanaudit.training.config import TrainConfig

MIN_KIND_ACCOUNTS = 10
NEVER_HELD_OUT = -1  # as training.train


@dataclass(frozen=True)
class KindOutcome:
    model: KindModel | None
    metadata: dict  # note, kinds, held-out metrics (stored in the main model's metadata)


def kind_params(config: TrainConfig, n_kinds: int) -> dict:
    return config.lightgbm_params() | {"objective": "multiclass", "num_class": n_kinds}


def fit_kind_booster(
    X: np.ndarray, y: np.ndarray, n_kinds: int, config: TrainConfig
) -> lgb.Booster:
    # lightgbm.train, not LGBMClassifier: the wrapper re-encodes the classes it sees, so a
    # fold whose training part lacks a kind would give one column fewer than there are kinds
    params = kind_params(config, n_kinds)
    rounds = params.pop("n_estimators")
    data = lgb.Dataset(pd.DataFrame(X, columns=list(FEATURE_NAMES)), label=y)
    return lgb.train(params, data, num_boost_round=rounds)


def softmax(raw: np.ndarray, temperature: float) -> np.ndarray:
    scaled = raw / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    p = np.exp(scaled)
    return p / p.sum(axis=1, keepdims=True)


def fit_temperature(raw: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising the log loss of softmax(raw / T) on held-out scores."""

    def loss(log_t: float) -> float:
        p = softmax(raw, math.exp(log_t))
        return -float(np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0))))

    return float(math.exp(minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded").x))


def held_out_metrics(p: np.ndarray, y: np.ndarray, kinds: list[str]) -> dict:
    """Accuracy, macro F1, log loss and top-label calibration error (10 bins)."""
    predicted = p.argmax(axis=1)
    f1s = []
    for k in range(len(kinds)):
        tp = np.sum((predicted == k) & (y == k))
        denominator = np.sum(predicted == k) + np.sum(y == k)
        f1s.append(2 * tp / denominator if denominator else 0.0)
    confidence = p.max(axis=1)
    correct = predicted == y
    bins = np.minimum((confidence * 10).astype(int), 9)
    ece = sum(
        abs(correct[bins == b].mean() - confidence[bins == b].mean()) * np.mean(bins == b)
        for b in range(10)
        if np.any(bins == b)
    )
    return {
        "kind_accuracy": float(correct.mean()),
        "kind_macro_f1": float(np.mean(f1s)),
        "kind_log_loss": float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1)))),
        "kind_ece": float(ece),
        "kind_held_out_accounts": int(len(y)),
    }


def fit_kind_model(
    X: np.ndarray,
    labels: pd.DataFrame,
    is_bot: np.ndarray,
    folds: np.ndarray,
    config: TrainConfig,
    progress=None,
) -> KindOutcome:
    """The kind model of labelled bots (see the module docstring)."""
    kind = labels["bot_kind"].fillna("").astype(str).str.strip().to_numpy()
    usable = is_bot.astype(bool) & (kind != "")
    counts = pd.Series(kind[usable]).value_counts()
    kinds = sorted(counts.index[counts >= MIN_KIND_ACCOUNTS])
    rare = sorted(counts.index[counts < MIN_KIND_ACCOUNTS])
    rare_note = (
        f"; left out, fewer than {MIN_KIND_ACCOUNTS} labelled bots: {', '.join(rare)}"
        if rare
        else ""
    )
    if len(kinds) < 2:
        note = (
            f"no kind model: the labels name {len(kinds)} bot kind(s) with at least "
            f"{MIN_KIND_ACCOUNTS} accounts, at least 2 are needed{rare_note}"
        )
        return KindOutcome(None, {"note": note, "kinds": kinds})
    rows = np.flatnonzero(usable & np.isin(kind, kinds))
    code = {k: i for i, k in enumerate(kinds)}
    y = np.array([code[k] for k in kind[rows]])
    Xk, fk = X[rows], folds[rows]
    raw = np.full((len(rows), len(kinds)), np.nan)
    for fold in sorted(set(fk) - {NEVER_HELD_OUT}):
        if progress:
            progress(f"kind model, fold {fold + 1}")
        held = fk == fold
        train = ~held if config.split == "group" else fk < fold  # as training.train
        if train.sum() == 0 or held.sum() == 0:
            continue
        booster = fit_kind_booster(Xk[train], y[train], len(kinds), config)
        raw[held] = np.asarray(booster.predict(Xk[held], raw_score=True)).reshape(held.sum(), -1)
    scored = ~np.isnan(raw[:, 0])
    temperature = fit_temperature(raw[scored], y[scored]) if scored.any() else 1.0
    metrics = (
        held_out_metrics(softmax(raw[scored], temperature), y[scored], kinds)
        if scored.any()
        else {}
    )
    if progress:
        progress("kind model")
    booster = fit_kind_booster(Xk, y, len(kinds), config)
    note = f"kinds of {len(rows):,} labelled bots, calibrated by temperature scaling{rare_note}"
    model = KindModel(booster, tuple(kinds), temperature, metrics)
    return KindOutcome(
        model, {"note": note, "kinds": kinds, "temperature": temperature, "metrics": metrics}
    )
