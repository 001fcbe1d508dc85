"""Fitting the calibration map from out-of-fold raw scores, choosing isotonic or sigmoid
by the Brier score each achieves on folds it was not fitted on.

Every figure about calibration is held out: each account's calibrated probability used for
thresholds, ECE, Brier and the reliability plot comes from a map fitted on the other folds'
out-of-fold scores (cross-fitting), so the calibrator never saw the account it maps. The
map stored with the model is then fitted on every out-of-fold score."""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from fanaudit.models.artifact import Calibration

MAX_ISOTONIC_KNOTS = 512


def fit_isotonic(raw: np.ndarray, y: np.ndarray) -> Calibration:
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
    x, p = iso.X_thresholds_, iso.y_thresholds_
    if len(x) > MAX_ISOTONIC_KNOTS:
        keep = np.unique(np.linspace(0, len(x) - 1, MAX_ISOTONIC_KNOTS).round().astype(int))
        x, p = x[keep], p[keep]
    return Calibration("isotonic", x=tuple(map(float, x)), y=tuple(map(float, p)))


def fit_sigmoid(raw: np.ndarray, y: np.ndarray) -> Calibration:
    lr = LogisticRegression(C=1e6).fit(raw.reshape(-1, 1), y)
    return Calibration("sigmoid", a=float(-lr.coef_[0, 0]), b=float(-lr.intercept_[0]))


FITTERS = {"isotonic": fit_isotonic, "sigmoid": fit_sigmoid}


def cross_fitted(method: str, raw: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Each fold's scores calibrated by a `method` map fitted on the other folds only."""
    calibrated = np.empty_like(raw, dtype=float)
    for fold in np.unique(folds):
        held = folds == fold
        calibrated[held] = FITTERS[method](raw[~held], y[~held]).apply(raw[held])
    return calibrated


def choose_calibration(
    raw: np.ndarray, y: np.ndarray, folds: np.ndarray, method: str = "auto"
) -> tuple[Calibration, dict[str, float], np.ndarray]:
    """The calibration map (fitted on all out-of-fold scores), each candidate's cross-fitted
    Brier score, and the chosen method's cross-fitted (held-out) probabilities."""
    candidates = list(FITTERS) if method == "auto" else [method]
    held_out = {m: cross_fitted(m, raw, y, folds) for m in candidates}
    scores = {m: float(brier_score_loss(y, p)) for m, p in held_out.items()}
    best = min(scores, key=scores.__getitem__)
    return FITTERS[best](raw, y), scores, held_out[best]
