"""Audience shares by adjusted classify-and-count, and label-noise estimates, on data whose
answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from fanaudit.models.artifact import Calibration, FanauditModel, Thresholds
from fanaudit.models.quantify import (
    HeldOutRates,
    QuantificationUnavailable,
    adjusted_count,
    em_prior,
    estimate_bot_share,
)
from fanaudit.training.evaluate import (
    LabelNoise,
    bot_threshold_at_fpr,
    choose_thresholds,
    estimate_label_noise,
)


def test_held_out_rates_count_at_the_threshold_that_separates_best():
    # bots at 0.9, 0.8, 0.3; humans at 0.6, 0.2, 0.1, 0.05: p >= 0.8 gives tpr 2/3, fpr 0
    # (Youden 0.667); p >= 0.3 gives tpr 1, fpr 1/4 (0.75, the best); p >= 0.6: 2/3 - 1/4.
    p = np.array([0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.05])
    y = np.array([1, 1, 1, 0, 0, 0, 0])
    rates = HeldOutRates.fit(p, y)
    assert rates.threshold == 0.3
    assert (rates.true_positives, rates.false_negatives) == (3, 0)
    assert (rates.false_positives, rates.true_negatives) == (1, 3)
    assert rates.training_prior == 3 / 7


def test_adjusted_count_inverts_the_mixture_of_the_rates():
    # tpr 0.8, fpr 0.1: an audience with 38% above the threshold is (0.38 - 0.1) / 0.7 = 40% bots
    rates = HeldOutRates(0.5, 800, 200, 100, 900, 0.5)
    p = np.array([0.9] * 380 + [0.1] * 620)
    estimate = adjusted_count(p, rates)
    assert estimate.share == pytest.approx(0.4)
    assert estimate.low < 0.4 < estimate.high
    assert estimate.method == "acc" and estimate.accounts == 1000


def test_an_honest_audience_below_the_false_positive_rate_is_estimated_at_zero():
    rates = HeldOutRates(0.5, 800, 200, 100, 900, 0.5)
    estimate = adjusted_count(np.array([0.9] * 5 + [0.1] * 995), rates)  # 0.5% above, fpr 10%
    assert estimate.share == 0.0 and estimate.low == 0.0 and estimate.high < 0.05


def test_shares_under_prior_shift_where_the_mean_probability_fails():
    # Scores drawn from fixed class-conditional laws; rates counted on a 50/50 training
    # sample; audiences at 5% and 60% bots scored by the same laws (pure prior shift).
    # (The scores are not calibrated posteriors, so EM, which assumes they are, is not
    # tested here; benchmarks/quantification.py compares it on calibrated models.)
    rng = np.random.default_rng(0)

    def scores(n_bots, n_humans):
        return np.concatenate([rng.beta(6, 2, n_bots), rng.beta(2, 6, n_humans)])

    train_y = np.repeat([1, 0], 20_000)
    model = FanauditModel(
        None,
        (),
        Calibration("sigmoid"),
        Thresholds(0.9, 0.1),
        {"quantification": HeldOutRates.fit(scores(20_000, 20_000), train_y).to_dict()},
    )
    for share in (0.05, 0.6):
        n_bots = int(share * 4000)
        p = scores(n_bots, 4000 - n_bots)
        estimate = estimate_bot_share(p, model)
        assert abs(estimate.share - share) < 0.02
        assert estimate.low <= share <= estimate.high
        # the naive mean is 0.25 + 0.5 * share (Beta means 3/4 and 1/4): 22.5 and 5 points off
        assert abs(p.mean() - share) > 0.04


def test_em_keeps_the_training_prior_when_nothing_shifted():
    p = np.array([0.2, 0.4, 0.6, 0.8])  # mean 0.5, the training prior
    assert em_prior(p, 0.5) == pytest.approx(0.5)


def test_a_model_without_held_out_rates_says_so():
    model = FanauditModel(None, (), Calibration("sigmoid"), Thresholds(0.9, 0.1), {})
    with pytest.raises(QuantificationUnavailable, match="held-out rates"):
        estimate_bot_share(np.array([0.5]), model)


def test_label_noise_is_estimated_from_the_scores_and_corrected_in_the_threshold():
    # 10,000 humans scored 0.00-0.50, 5,000 bots scored 0.70-1.00; 200 bots labelled human
    # (2% of the labelled humans are bots), no humans labelled bot.
    humans = np.linspace(0.0, 0.5, 10_000)
    bots = np.linspace(0.7, 1.0, 5_000)
    p = np.concatenate([humans, bots])
    y = np.concatenate([np.zeros(10_000, int), np.ones(5_000, int)])
    flipped = 10_000 + np.arange(0, 5_000, 25)  # every 25th bot, across the bots' range
    y[flipped] = 0
    noise = estimate_label_noise(p, y)
    assert noise.bots_among_humans == pytest.approx(200 / 10_200, abs=0.002)
    assert noise.humans_among_bots == 0.0
    # Ignoring the noise, a 1% FPR on the labelled humans lets only the flipped bots above:
    # no true human is ever flagged and the threshold climbs into the bots' range.
    assert bot_threshold_at_fpr(p, y, 0.01) > 0.7
    # Corrected, 1% of the true humans (100 of 10,000, those scoring above 0.495) may be flagged.
    corrected = bot_threshold_at_fpr(p, y, 0.01, noise)
    assert 0.49 < corrected < 0.5
    assert choose_thresholds(p, y, 0.01, 0.05, min_bot=0.3, noise=noise).bot == corrected


def test_a_loose_noise_estimate_at_most_doubles_the_labelled_false_positive_rate():
    # A weak model: humans and bots overlap, so the estimate of bots among the labelled
    # humans is large (here forced to 20%); the threshold may not flag more than 2% of them.
    rng = np.random.default_rng(1)
    p = np.concatenate([rng.beta(2, 3, 5_000), rng.beta(3, 2, 5_000)])
    y = np.repeat([0, 1], 5_000)
    t = bot_threshold_at_fpr(p, y, 0.01, LabelNoise(0.2, 0.0))
    assert (p[y == 0] >= t).mean() <= 0.02
    assert (p[y == 0] >= t).mean() > 0.015  # relaxed as far as the cap allows, no further


def test_without_label_noise_the_correction_changes_nothing():
    p = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    y = np.array([0, 0, 0, 1, 1])
    assert estimate_label_noise(p, y) == LabelNoise(0.0, 0.0)
