"""The papers' protocol on real accounts: cross-validation beats a sanity bar on InstaFake,
cresci-2015 is balanced as its paper did, transfer leaves out the accounts two sets share,
and the command prints the published numbers. The sets are read from ../shared/datasets."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from fanaudit.cli import app
from fanaudit.features.adapters.registry import ADAPTERS, import_set
from tests.conftest import SHARED
from fanaudit.training.config import TrainConfig
from fanaudit.training.paper_protocol import (ProtocolConfig, as_evaluated, balanced_rows, evaluate_folder,
                                     read_labelled_set)

DATASETS = SHARED / "datasets"
FAST = ProtocolConfig(folds=5, inner_folds=3,
                      train=TrainConfig(n_estimators=80, bootstrap=0, n_jobs=1, seed=3))

pytestmark = pytest.mark.skipif(not DATASETS.is_dir(), reason="../shared/datasets is not here")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    for name in ("instafake", "cresci-2015", "cresci-2017"):
        import_set(name, DATASETS / ADAPTERS[name].folder, root / name)
    return root


def test_instafake_cross_validation_beats_the_sanity_bar(folders):
    result = evaluate_folder(folders / "instafake", FAST)
    assert (result.humans, result.bots, result.mode) == (994, 200, "5-fold CV")
    assert result.roc_auc > 0.9
    assert result.at_half.accuracy > 0.9
    assert result.at_bot.fpr_humans < 0.03  # thresholds aimed at 1% on humans of other folds
    assert len(result.bot_thresholds) == 5 and result.published == ()


def test_balancing_keeps_every_minority_account_and_is_seeded():
    y = np.array([0] * 7 + [1] * 3)
    keep = balanced_rows(y, seed=1)
    assert keep[7:].all() and keep[:7].sum() == 3
    assert np.array_equal(keep, balanced_rows(y, seed=1))


def test_cresci_2015_is_balanced_as_in_the_paper(folders):
    labelled = read_labelled_set(folders / "cresci-2015", FAST)
    data, notes = as_evaluated(labelled, FAST)
    assert np.bincount(data.y).tolist() == [1337, 1337]
    assert notes == ("cresci-2015 balanced: 144 majority-class accounts left out (seed 3)",)
    unbalanced, _ = as_evaluated(labelled, ProtocolConfig(balanced=False))
    assert np.bincount(unbalanced.y).tolist() == [1481, 1337]


def test_transfer_tests_only_accounts_the_training_set_never_saw(folders):
    config = ProtocolConfig(inner_folds=3, bot_kinds=("bought_follower",),
                            train=TrainConfig(n_estimators=80, bootstrap=0, n_jobs=1))
    result = evaluate_folder(folders / "cresci-2017", config, train_on=folders / "cresci-2015")
    assert result.dataset == "cresci-2017 (bought_follower)"
    assert result.mode == "trained on cresci-2015 (bought_follower)"
    assert (result.humans, result.bots) == (5045 - 1335, 2650)  # E13 humans re-crawled in 2017 left out
    assert result.notes[-1] == ("1,335 accounts of cresci-2017 (bought_follower) are also in "
                                "cresci-2015 (bought_follower) and were left out of the test")
    assert result.roc_auc > 0.9


def test_evaluate_prints_metrics_next_to_the_published_ones(folders):
    result = CliRunner().invoke(app, ["evaluate", "--data", str(folders / "cresci-2015"), "--folds", "2"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "cresci-2015: 2-fold CV, balanced; 1,337 humans, 1,337 bots" in result.output
    assert "published 1: Cresci 2015 random forest, profile features (Class A)" in result.output
    assert "bot threshold: 0." in result.output
    assert "0.987" in result.output and "FPR humans" in result.output


def test_grouped_folds_keep_each_group_on_one_side():
    import pandas as pd

    from fanaudit.training.paper_protocol import LabelledSet, outer_folds

    n = 40
    groups = np.arange(n) // 4  # ten groups of four
    labels = pd.DataFrame({"account_id": [f"a{i}" for i in range(n)],
                           "label": np.where(groups % 2 == 0, "bot", "human")})
    data = LabelledSet("toy", pd.DataFrame({"account_id": labels.account_id}), labels, False, (),
                       groups=groups)
    folds = outer_folds(data, ProtocolConfig(folds=5))
    assert sorted(np.concatenate([held for _, held in folds]).tolist()) == list(range(n))
    for train, held in folds:
        assert not set(groups[train]) & set(groups[held])
        assert set(data.y[held]) == {0, 1}


def test_weibo_evaluate_prints_fanaudit_and_the_text_baseline(tmp_path):
    folder = tmp_path / "weibo"
    import_set("weibo-spam", DATASETS / ADAPTERS["weibo-spam"].folder, folder)
    result = CliRunner().invoke(app, ["evaluate", "--data", str(folder), "--folds", "3"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    # posts only: no shared addresses, devices or follows link accounts, so the folds are plain
    assert "weibo-spam: 3-fold CV; 429 humans, 429 bots" in result.output
    assert "baseline 1: TF-IDF + logistic regression on the posts' words, same folds" in result.output
    assert "published 2: source project's 28 hand-made features" in result.output
    auc = [float(line.split("│")[5]) for line in result.output.splitlines()  # ROC-AUC column
           if line.startswith("│ p >= 0.5") or line.startswith("│ baseline 1")]
    assert len(auc) == 2 and auc[0] > 0.75 and auc[1] > 0.7  # both well above chance
