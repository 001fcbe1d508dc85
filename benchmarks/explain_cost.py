"""What explaining costs: SHAP (TreeExplainer) time per row for a trained model on a
simulated world, next to plain scoring, and what `--explain flagged|all|none` costs end to
end (SHAP plus the sentences).

    python benchmarks/explain_cost.py [--scale 1] [--seed 0] [--model URI --tracking-uri URI]

Without --model it simulates the world, trains a model with the default training config
and caches both under benchmarks/.cache/explain-cost-scale{S}-seed{N}/ (the first run takes
minutes; later runs reuse them). Prints a Markdown table: rows explained, seconds, rows/s.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

CACHE = Path(__file__).resolve().parent / ".cache"
SECRET = "fanaudit-benchmark-secret"


@dataclass(frozen=True)
class Row:
    what: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else float("nan")


def timed(run) -> tuple[object, float]:
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def world_features(folder: Path, scale: float, seed: int) -> tuple[Path, pd.DataFrame]:
    """The simulated dataset and its feature table, simulated and computed once."""
    from fanaudit.features.loading import staged_dataset
    from fanaudit.features.pipeline import compute_features
    from fanaudit.training.simulator import SimulationConfig, simulate

    data, features_file = folder / "data", folder / "features.parquet"
    if not (data / "accounts.parquet").is_file():
        simulate(SimulationConfig(seed=seed, scale=scale), data)
    if not features_file.is_file():
        with staged_dataset(data) as staged:
            compute_features(staged).to_parquet(features_file, index=False)
    return data, pd.read_parquet(features_file)


def trained_model(
    folder: Path, data: Path, seed: int, model_uri: str | None, tracking_uri: str | None
):
    """The model to explain: the one given, else one trained once on the world."""
    from fanaudit.models.store import load_model, use_tracking
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.jobs import train_from_folder

    if model_uri is None:
        tracking_uri = f"sqlite:///{folder / 'mlflow.db'}"
        use_tracking(tracking_uri)
        marker = folder / "model-version.txt"
        if not marker.is_file():
            run = train_from_folder(data, TrainConfig(seed=seed), tracking_uri=tracking_uri)
            marker.write_text(run.version)
        model_uri = f"models:/fanaudit/{marker.read_text().strip()}"
    use_tracking(tracking_uri)
    return load_model(model_uri).model


def measure(model, features: pd.DataFrame, sizes: list[int]) -> list[Row]:
    from fanaudit.models.explain import explain
    from fanaudit.models.scoring import score_in_chunks

    rows = []
    _, seconds = timed(lambda: model.predict_proba(features))
    rows.append(Row("score only (probability + verdict)", len(features), seconds))
    for size in sizes:
        sample = features.sample(size, random_state=0)
        _, seconds = timed(lambda sample=sample: explain(model, sample))
        rows.append(Row("SHAP TreeExplainer", size, seconds))
    for which in ("none", "flagged", "all"):
        scored, seconds = timed(
            lambda which=which: score_in_chunks(features, model, "bench", which=which)
        )
        explained = (
            len(scored)
            if which == "all"
            else 0
            if which == "none"
            else int((scored["verdict"] != "human").sum())
        )
        rows.append(
            Row(f"score --explain {which} ({explained:,} explained)", len(features), seconds)
        )
    return rows


def print_table(rows: list[Row], scale: float, accounts: int, trees: int) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Scale {scale:g} world: {accounts:,} accounts; model with {trees} trees; "
        f"{os.cpu_count()} cores; {platform.python_version()}; load average {load:.1f}\n"
    )
    print("| step | rows | seconds | rows/s |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row.what} | {row.rows:,} | {row.seconds:.2f} | {row.rate:,.0f} |")


def main() -> None:
    from fanaudit.runtime import prepare

    prepare()  # OpenMP wait policy, MLflow limits: before LightGBM loads
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", help="model URI (default: train one on the world)")
    parser.add_argument("--tracking-uri")
    parser.add_argument("--sizes", default="500,2000,8000", help="rows to explain, comma-separated")
    args = parser.parse_args()
    os.environ.setdefault("FANAUDIT_SECRET", SECRET)
    folder = CACHE / f"explain-cost-scale{args.scale:g}-seed{args.seed}"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("FANAUDIT_HOME", str(folder / "home"))
    data, features = world_features(folder, args.scale, args.seed)
    model = trained_model(folder, data, args.seed, args.model, args.tracking_uri)
    sizes = [min(int(s), len(features)) for s in args.sizes.split(",")]
    rows = measure(model, features, sizes)
    print_table(rows, args.scale, len(features), model.booster.num_trees())


if __name__ == "__main__":
    main()
