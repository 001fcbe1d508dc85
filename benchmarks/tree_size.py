"""What tree size costs in explanations, and what it buys in accuracy.

SHAP (TreeSHAP, which is what `shap.TreeExplainer` runs for LightGBM) costs time in
proportion to trees x leaves x depth squared per explained row, so the model's shape sets
the price of `--explain flagged`. For each LightGBM shape this trains with the default
grouped cross-validation and calibration on one simulated world and prints the held-out
metrics next to the SHAP cost per explained row:

    python benchmarks/tree_size.py [--scale 1] [--difficulty 0.5] [--rows 5000]
                                   [--shapes TREES:RATE:DEPTH:LEAVES ...]

The world is simulated once into benchmarks/.cache/tree-size-*/ (delete it after
simulator changes).
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from worlds import CACHE, SECRET

SHAPES = (  # (trees, learning rate, max depth, leaves); the second is TrainConfig's default
    (200, 0.05, -1, 31),
    (100, 0.1, 8, 31),
    (100, 0.1, 6, 31),
    (100, 0.1, 5, 24),
)


@dataclass(frozen=True)
class Shape:
    trees: int
    learning_rate: float
    max_depth: int
    leaves: int

    def overrides(self) -> dict:
        return {
            "n_estimators": self.trees,
            "learning_rate": self.learning_rate,
            "max_depth": self.max_depth,
            "num_leaves": self.leaves,
        }


def simulated(scale: float, difficulty: float, seed: int) -> Path:
    from fanaudit.training.simulator import SimulationConfig, simulate

    folder = CACHE / f"tree-size-scale{scale:g}-difficulty{difficulty:g}-seed{seed}"
    if not (folder / "done").is_file():
        simulate(SimulationConfig(seed=seed, scale=scale, difficulty=difficulty), folder / "data")
        (folder / "done").write_text("")
    return folder / "data"


def mean_depth(booster) -> float:
    def depth(node: dict) -> int:
        if "split_index" not in node:
            return 0
        return 1 + max(depth(node["left_child"]), depth(node["right_child"]))

    return float(np.mean([depth(t["tree_structure"]) for t in booster.dump_model()["tree_info"]]))


def measure(data, shape: Shape, rows: int) -> str:
    from fanaudit.models.explain import explain
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.train import train_model

    config = TrainConfig(**shape.overrides())
    began = time.perf_counter()
    outcome = train_model(data, config)
    train_seconds = time.perf_counter() - began
    sample = data.features.sample(min(rows, len(data.features)), random_state=0)
    began = time.perf_counter()
    explain(outcome.model, sample)
    per_row = (time.perf_counter() - began) / len(sample)
    m = outcome.evaluation.metrics
    return (
        f"| {shape.trees} | {shape.learning_rate:g} | {shape.max_depth} | {shape.leaves} "
        f"| {mean_depth(outcome.model.booster):.1f} | {m['roc_auc']:.4f} | {m['pr_auc']:.4f} "
        f"| {m['recall_at_fpr']:.3f} | {m['brier']:.4f} | {train_seconds:.1f} "
        f"| {per_row * 1e6:,.0f} |"
    )


def main() -> None:
    from fanaudit.runtime import prepare

    prepare()  # OpenMP wait policy, MLflow limits: before LightGBM loads
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--difficulty", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rows", type=int, default=5000, help="rows to explain per shape")
    parser.add_argument(
        "--shapes",
        nargs="+",
        default=[":".join(map(str, s)) for s in SHAPES],
        help="TREES:LEARNING_RATE:MAX_DEPTH:LEAVES each",
    )
    args = parser.parse_args()
    os.environ.setdefault("FANAUDIT_SECRET", SECRET)
    from fanaudit.features.loading import staged_dataset
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.train import load_training_data

    with staged_dataset(simulated(args.scale, args.difficulty, args.seed)) as staged:
        data = load_training_data(staged, TrainConfig())
    print(
        f"scale {args.scale:g}, difficulty {args.difficulty:g}: {len(data.labels):,} labelled "
        f"accounts; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| trees | learning rate | max depth | leaves | mean depth | ROC-AUC | PR-AUC "
        "| recall@1%FPR | Brier | train s | SHAP µs/row |"
    )
    print("|" + "---|" * 11)
    for text in args.shapes:
        trees, rate, depth, leaves = text.split(":")
        print(
            measure(data, Shape(int(trees), float(rate), int(depth), int(leaves)), args.rows),
            flush=True,
        )


if __name__ == "__main__":
    main()
