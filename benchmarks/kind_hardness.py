"""How hard is each bot kind? For every kind against all humans: the ROC-AUC of the best
single feature family and of the full model, both out of fold on leak-free groups.

    python benchmarks/kind_hardness.py [--scale 1.0] [--seed 0] [--difficulty 0.5]

Prints a Markdown table. A kind is "hard" when no single family separates it well; the
full model's job is to combine families. The last column names the features that catch
each kind: the three with the largest mean SHAP contribution towards `bot` over that
kind's bots, in a full model fitted on the kind and all humans.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from fanaudit.runtime import prepare

prepare()  # OpenMP wait policy: before the imports below load OpenMP (sklearn, LightGBM)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shap  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import StratifiedGroupKFold  # noqa: E402

from fanaudit.features.loading import staged_dataset  # noqa: E402
from fanaudit.features.registry import FAMILIES, features_of_family  # noqa: E402
from fanaudit.training.config import TrainConfig  # noqa: E402
from fanaudit.training.simulator import SimulationConfig, simulate  # noqa: E402
from fanaudit.training.train import fit_booster_on, load_training_data  # noqa: E402


def out_of_fold_auc(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, names: list[str], config: TrainConfig
) -> float:
    scores = np.zeros(len(y))
    splitter = StratifiedGroupKFold(n_splits=config.n_folds, shuffle=True, random_state=config.seed)
    for train, held in splitter.split(X, y, groups):
        booster = fit_booster_on(X[train], y[train], names, config)
        scores[held] = booster.predict(X[held], raw_score=True)
    return float(roc_auc_score(y, scores))


def catching_features(
    X: np.ndarray,
    y: np.ndarray,
    names: list[str],
    config: TrainConfig,
    top: int = 3,
    sample: int = 500,
) -> str:
    """The features pushing this kind's bots hardest towards `bot` (mean SHAP)."""
    booster = fit_booster_on(X, y, names, config)
    bots = X[y == 1][:sample]
    contributions = np.asarray(
        shap.TreeExplainer(booster).shap_values(bots, check_additivity=False)
    )
    if contributions.ndim == 3:
        contributions = contributions[..., -1]
    mean = contributions.mean(axis=0)
    return ", ".join(f"{names[i]} ({mean[i]:+.1f})" for i in np.argsort(-mean)[:top])


def hardness_table(data, config: TrainConfig) -> pd.DataFrame:
    labels = data.labels
    humans = (labels["label"] == "human").to_numpy()
    rows = []
    for kind in sorted(labels.loc[labels["label"] == "bot", "bot_kind"].dropna().unique()):
        subset = (
            humans | (labels["bot_kind"] == kind).to_numpy() & (labels["label"] == "bot").to_numpy()
        )
        y = (labels.loc[subset, "label"] == "bot").to_numpy().astype(int)
        groups = data.groups[subset]
        row = {"bot_kind": kind, "bots": int(y.sum())}
        for family in FAMILIES:
            names = [f.name for f in features_of_family(family)]
            X = data.features.loc[subset, names].to_numpy(dtype=float, na_value=np.nan)
            row[family] = out_of_fold_auc(X, y, groups, names, config)
        best = max(FAMILIES, key=lambda f: row[f])
        row["best_family"], row["best_family_auc"] = best, row[best]
        names = list(data.features.columns.drop("account_id"))
        X = data.features.loc[subset, names].to_numpy(dtype=float, na_value=np.nan)
        row["full_model_auc"] = out_of_fold_auc(X, y, groups, names, config)
        row["caught_by"] = catching_features(X, y, names, config)
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--difficulty", type=float, default=0.5)
    args = parser.parse_args()
    config = TrainConfig(n_estimators=100, n_folds=5, bootstrap=0, seed=args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        world = simulate(
            SimulationConfig(seed=args.seed, scale=args.scale, difficulty=args.difficulty),
            Path(folder) / "data",
        )
        with staged_dataset(world.out_dir) as staged:
            data = load_training_data(staged, config)
    table = hardness_table(data, config)
    columns = [
        "bot_kind",
        "bots",
        "best_family",
        "best_family_auc",
        "full_model_auc",
        *FAMILIES,
        "caught_by",
    ]
    print(
        f"scale {args.scale}, seed {args.seed}, difficulty {args.difficulty}: "
        f"{world.accounts:,} accounts; out-of-fold ROC-AUC of each kind vs all humans "
        f"({time.perf_counter() - started:.0f} s)\n"
    )
    print(table[columns].to_markdown(index=False, floatfmt=".3f"))


if __name__ == "__main__":
    main()
