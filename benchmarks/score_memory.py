"""Memory of batch scoring at a million accounts: the feature table itself, and what
scoring adds on top while it streams chunks into the atomic output writer.

    python benchmarks/score_memory.py [--accounts 1000000] [--explain none]

The feature table is the scale-1 world's of benchmarks/explain_cost.py (simulated and
trained there on first use, cached after) tiled to --accounts rows with fresh ids, so the
probabilities are realistic. Prints the peak resident memory after building the table and
after scoring and writing, in MiB. --explain flagged adds SHAP time (a few hundred rows/s
on 2 busy cores), but little memory: contributions exist for one chunk at a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from explain_cost import CACHE, SECRET, trained_model, world_features


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def tiled(features: pd.DataFrame, accounts: int) -> pd.DataFrame:
    """`accounts` rows of the world's features, cycling through it, with unique ids."""
    positions = [i % len(features) for i in range(accounts)]
    frame = features.iloc[positions].reset_index(drop=True)
    frame["account_id"] = [f"a{i:09d}" for i in range(accounts)]
    return frame


def score_to_file(frame: pd.DataFrame, model, which: str, out: Path) -> tuple[int, float]:
    """Score every row in chunks into `out` as the score job does; rows written and seconds."""
    from fanaudit.models.output import AtomicChunkWriter
    from fanaudit.models.scoring import OUTPUT_SCHEMA, iter_scored_chunks

    started = time.perf_counter()
    with AtomicChunkWriter(out, OUTPUT_SCHEMA) as writer:
        for chunk in iter_scored_chunks(frame, model, "bench", which=which):
            writer.write(chunk)
        writer.commit()
    return writer.rows, time.perf_counter() - started


def main() -> None:
    from fanaudit.runtime import prepare

    prepare()  # OpenMP wait policy, MLflow limits: before LightGBM loads
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--explain", default="none", choices=("none", "flagged", "all"))
    args = parser.parse_args()
    os.environ.setdefault("FANAUDIT_SECRET", SECRET)
    folder = CACHE / "explain-cost-scale1-seed0"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("FANAUDIT_HOME", str(folder / "home"))
    data, features = world_features(folder, 1.0, 0)
    model = trained_model(folder, data, 0, None, None)
    frame = tiled(features, args.accounts)
    del features
    table_mib = frame.memory_usage(deep=True).sum() / 2**20
    before = peak_mib()
    with tempfile.TemporaryDirectory() as tmp:
        rows, seconds = score_to_file(frame, model, args.explain, Path(tmp) / "scores.parquet")
        size = (Path(tmp) / "scores.parquet").stat().st_size / 2**20
    after = peak_mib()
    print(f"{rows:,} accounts x {frame.shape[1] - 1} features; --explain {args.explain}")
    print(f"feature table in pandas:        {table_mib:8.0f} MiB")
    print(f"peak RSS with the table built:  {before:8.0f} MiB")
    print(
        f"peak RSS after scoring+writing: {after:8.0f} MiB  (+{after - before:.0f} MiB for scoring)"
    )
    print(
        f"scored and written in {seconds:.1f} s ({rows / seconds:,.0f} accounts/s); "
        f"output {size:.0f} MiB Parquet"
    )


if __name__ == "__main__":
    main()
