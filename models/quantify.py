"""The share of bots in an audience, corrected for prior shift.

A streamer's fake share is almost never the training share: a bought audience may be 60%
fake, an honest one 2%. The mean calibrated probability is calibrated for the training
prior only, and counting `bot` verdicts misses every bot below the threshold and counts
every human above it. Both are biased wherever the prior differs from training.

**Adjusted classify-and-count** (ACC; Forman 2008, "Quantifying counts and costs via
classification"): if a share `q` of the audience scores at or above a threshold whose
true-positive rate is `tpr` and false-positive rate `fpr`, then under prior shift (the
accounts of each class look as they did in training, only their mix changes)
``q = share * tpr + (1 - share) * fpr``, so ``share = (q - fpr) / (tpr - fpr)``. The rates
are the model's held-out rates, counted on cross-fitted out-of-fold predictions at
training (`quantification` in the model metadata), at the threshold where `tpr - fpr` is
largest (Forman's MAX: the least noisy adjustment).

**Interval**: Monte Carlo over every uncertainty the estimate has: the rates, each drawn
from its Jeffreys posterior Beta(k + 1/2, n - k + 1/2) given the held-out counts, and the
audience's own count above the threshold, drawn the same way. The 2.5th and 97.5th
percentiles of the adjusted share, clipped to [0, 1], make the 95% interval.

**EM** (Saerens, Latinne & Decaestecker 2002) re-estimates the prior from the calibrated
posteriors and is offered as the alternative method (`method="em"`, interval by bootstrap
of the audience); `benchmarks/quantification.py` compares the two.

What neither corrects: a shift in what bots look like (a kind the model catches less
well than in training makes the share an underestimate). The report says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from sklearn.metrics import roc_curve

from fanaudit.errors import ModelStoreError
from fanaudit.models.artifact import FanauditModel

Method = Literal["acc", "em"]
METHOD_NAMES = {
    "acc": "adjusted classify-and-count (Forman 2008) with held-out rates",
    "em": "EM prior re-estimation (Saerens, Latinne & Decaestecker 2002)",
}
DRAWS = 4000
LEVEL = 0.95
EM_ITERATIONS = 1000
EM_TOLERANCE = 1e-8


class QuantificationUnavailable(ModelStoreError):
    """The model carries no held-out rates (trained before they were recorded)."""


@dataclass(frozen=True)
class ShareEstimate:
    """Estimated share of bots among `accounts`, with its 95% interval."""

    share: float
    low: float
    high: float
    method: str
    accounts: int

    def as_dict(self) -> dict:
        return asdict(self) | {
            "level": LEVEL,
            "method_name": METHOD_NAMES.get(self.method, self.method),
        }


@dataclass(frozen=True)
class HeldOutRates:
    """Counts of cross-fitted out-of-fold predictions at `threshold`, stored with the model."""

    threshold: float
    true_positives: float  # of true bots, after the label-noise correction (so not integers)
    false_negatives: float
    false_positives: float
    true_negatives: float
    training_prior: float

    @property
    def tpr(self) -> float:
        return self.true_positives / max(self.true_positives + self.false_negatives, 1)

    @property
    def fpr(self) -> float:
        return self.false_positives / max(self.false_positives + self.true_negatives, 1)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> HeldOutRates:
        return cls(
            *(
                float(data[k])
                for k in (
                    "threshold",
                    "true_positives",
                    "false_negatives",
                    "false_positives",
                    "true_negatives",
                    "training_prior",
                )
            )
        )

    @classmethod
    def fit(
        cls,
        probability: np.ndarray,
        y: np.ndarray,
        bots_among_humans: float = 0.0,
        humans_among_bots: float = 0.0,
    ) -> HeldOutRates:
        """Counts at the threshold maximising tpr - fpr on held-out `probability`, of the
        true classes when the labels carry the given noise: the labelled rates are mixtures,
        ``tpr_l = (1 - b) tpr + b fpr`` and ``fpr_l = a tpr + (1 - a) fpr``, solved for the
        true rates (the threshold is the same: tpr - fpr only scales by 1 / (1 - a - b))."""
        p, y = np.asarray(probability, float), np.asarray(y, int)
        fpr_l, tpr_l, thresholds = roc_curve(y, p, drop_intermediate=False)
        best = int(np.argmax(tpr_l - fpr_l))
        t = float(min(thresholds[best], 1.0))
        a, b = bots_among_humans, humans_among_bots
        tpr, fpr = np.linalg.solve([[1 - b, b], [a, 1 - a]], [tpr_l[best], fpr_l[best]])
        tpr, fpr = float(np.clip(tpr, 0, 1)), float(np.clip(fpr, 0, 1))
        n_bots, n_humans = float((y == 1).sum()), float((y == 0).sum())
        true_bots = (1 - b) * n_bots + a * n_humans
        true_humans = len(y) - true_bots
        return cls(
            t,
            tpr * true_bots,
            (1 - tpr) * true_bots,
            fpr * true_humans,
            (1 - fpr) * true_humans,
            true_bots / max(len(y), 1),
        )


def held_out_rates(model: FanauditModel) -> HeldOutRates:
    stored = model.metadata.get("quantification")
    if not isinstance(stored, dict):
        raise QuantificationUnavailable(
            "this model records no held-out rates for estimating audience shares; retrain it "
            "with this version of fanaudit"
        )
    return HeldOutRates.from_dict(stored)


def _jeffreys(rng: np.random.Generator, hits: float, total: float, size: int) -> np.ndarray:
    return rng.beta(hits + 0.5, total - hits + 0.5, size)


def adjusted_count(probability: np.ndarray, rates: HeldOutRates, seed: int = 0) -> ShareEstimate:
    p = np.asarray(probability, float)
    n = len(p)
    above = int((p >= rates.threshold).sum())
    q = above / max(n, 1)
    gap = rates.tpr - rates.fpr
    share = float(np.clip((q - rates.fpr) / gap, 0, 1)) if gap > 0 else float("nan")
    rng = np.random.default_rng(seed)
    tpr = _jeffreys(rng, rates.true_positives, rates.true_positives + rates.false_negatives, DRAWS)
    fpr = _jeffreys(rng, rates.false_positives, rates.false_positives + rates.true_negatives, DRAWS)
    qs = _jeffreys(rng, above, n, DRAWS)
    ok = tpr > fpr
    draws = np.clip((qs[ok] - fpr[ok]) / (tpr[ok] - fpr[ok]), 0, 1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail]) if len(draws) else (0.0, 1.0)
    return ShareEstimate(share, float(min(low, share)), float(max(high, share)), "acc", n)


def em_prior(probability: np.ndarray, training_prior: float) -> float:
    """Saerens et al.'s EM: the bot prior under which the re-weighted posteriors average to it."""
    p = np.clip(np.asarray(probability, float), 1e-12, 1 - 1e-12)
    train = min(max(training_prior, 1e-6), 1 - 1e-6)
    prior = train
    for _ in range(EM_ITERATIONS):
        bot = prior / train * p
        human = (1 - prior) / (1 - train) * (1 - p)
        new = float(np.mean(bot / (bot + human)))
        if abs(new - prior) < EM_TOLERANCE:
            return new
        prior = new
    return prior


def expectation_maximisation(
    probability: np.ndarray, rates: HeldOutRates, seed: int = 0, rounds: int = 200
) -> ShareEstimate:
    p = np.asarray(probability, float)
    share = em_prior(p, rates.training_prior)
    rng = np.random.default_rng(seed)
    draws = (
        [em_prior(p[rng.integers(0, len(p), len(p))], rates.training_prior) for _ in range(rounds)]
        if len(p)
        else [0.0]
    )
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return ShareEstimate(share, float(min(low, share)), float(max(high, share)), "em", len(p))


def estimate_bot_share(
    probability: np.ndarray, model: FanauditModel, seed: int = 0, method: Method = "acc"
) -> ShareEstimate:
    """The share of bots among the accounts whose calibrated probabilities are given."""
    rates = held_out_rates(model)
    if len(probability) == 0:
        return ShareEstimate(float("nan"), 0.0, 1.0, method, 0)
    if method == "em":
        return expectation_maximisation(probability, rates, seed)
    return adjusted_count(probability, rates, seed)
