"""fanaudit benchmarks: simulate worlds at several scales (cached on disk), run each stage
in a fresh subprocess, and print wall seconds, throughput, peak memory and the ratio to
the floor: one plain DuckDB grouped pass over the same staged event files.

    python benchmarks/run.py --scales 1 10 50 --stages simulate stage features train score explain

Writes benchmarks/results.md too. Stages: simulate, stage, features, train, score,
explain (score with reasons for flagged accounts), spark-features, spark-score,
explain-one (`fanaudit explain` of one account from the feature table), reasons
(LightGBM's pred_contrib against SHAP's TreeExplainer on every flagged account) and serve
(`fanaudit serve` under benchmarks/serve_load.py). Each
stage needs the cached output of the ones before it (simulate -> stage -> features ->
score); score and explain use the model trained on the largest world at or below their
scale. Peak memory is the stage process's peak resident set (with its children, e.g.
Spark's JVM), from wait4.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stages import STAGES, Row
from worlds import CACHE, SECRET, World

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
DEFAULT_STAGES = ("simulate", "stage", "features", "train", "score", "explain")
FLOOR_STAGES = {"stage", "features", "spark-features", "read-floor"}
MODEL_STAGES = {
    "train", "score", "explain", "spark-score", "explain-one", "reasons", "serve", "reasons-x5"
}


def child_environment(cache: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        FANAUDIT_HOME=str(cache / "home"),
        FANAUDIT_SECRET=SECRET,
        MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false",
        PYTHONUNBUFFERED="1",
    )
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def run_child(
    stage: str, world: World, train_config: Path | None = None
) -> tuple[list[Row], float, float]:
    """Run one stage in a fresh process: its rows, wall seconds and peak RSS in MiB."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "rows.json"
        command = [
            sys.executable,
            str(Path(__file__)),
            "--child",
            stage,
            "--result",
            str(result),
            "--scales",
            f"{world.scale:g}",
            "--seed",
            str(world.seed),
            "--cache",
            str(world.cache),
        ]
        if train_config is not None:
            command += ["--train-config", str(train_config)]
        began = time.perf_counter()
        process = subprocess.Popen(command, env=child_environment(world.cache))
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(
                f"stage {stage} at scale {world.scale:g} failed (exit {process.returncode})"
            )
        rows = [Row(**row) for row in json.loads(result.read_text())]
    return rows, wall, usage.ru_maxrss / 1024  # Linux reports KiB


def cached_simulation(world: World) -> list[Row]:
    summary = world.summary()
    return [
        Row(
            "simulate",
            world.scale,
            summary["accounts"],
            world.events(),
            summary["seconds"],
            note=f"cached; peak {summary.get('peak_mib', float('nan')):,.0f} MiB",
        )
    ]


def measure(stage: str, world: World, train_config: Path | None = None) -> list[tuple[Row, float]]:
    """(row, peak MiB) for every row a stage produces."""
    if stage == "simulate" and world.simulated():
        return [
            (row, world.summary().get("peak_mib", math.nan)) for row in cached_simulation(world)
        ]
    print(f"… {stage} at scale {world.scale:g}", file=sys.stderr, flush=True)
    rows, _, peak = run_child(stage, world, train_config)
    if stage == "simulate":
        world.summary_file.write_text(json.dumps(world.summary() | {"peak_mib": peak}))
    return [(row, peak) for row in rows]


def combined_features_row(
    results: list[tuple[Row, float]], scale: float
) -> list[tuple[Row, float]]:
    """`fanaudit features` = staging + the feature pipeline, when both were measured."""
    by_stage = {row.stage: (row, peak) for row, peak in results if row.scale == scale}
    if "stage" not in by_stage or "features" not in by_stage:
        return []
    (staging, staging_peak), (feats, feats_peak) = by_stage["stage"], by_stage["features"]
    row = Row(
        "fanaudit features (stage + features)",
        scale,
        feats.accounts,
        feats.events,
        staging.seconds + feats.seconds,
    )
    return [(row, max(staging_peak, feats_peak))]


def rate(row: Row) -> str:
    count = row.events if row.unit == "events" else row.accounts
    if not count or not row.seconds or math.isnan(row.seconds):
        return ""
    return f"{count / row.seconds:,.0f} {row.unit}/s"


def table_lines(results: list[tuple[Row, float]]) -> list[str]:
    floors = {row.scale: row.seconds for row, _ in results if row.stage == "floor"}
    header = "| stage | scale | accounts | events | seconds | rate | peak MiB | × floor | note |"
    lines = [header, "|" + "---|" * 9]
    for row, peak in results:
        floor = floors.get(row.scale)
        ratio = f"{row.seconds / floor:.1f}" if floor and not math.isnan(row.seconds) else ""
        seconds = "" if math.isnan(row.seconds) else f"{row.seconds:.1f}"
        lines.append(
            f"| {row.stage} | {row.scale:g} | {row.accounts:,} | {row.events:,} | {seconds} "
            f"| {rate(row)} | {peak:,.0f} | {ratio} | {row.note} |"
        )
    return lines


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory_kib / 1024**2:.0f} GiB RAM, "
        f"Python {platform.python_version()}; load average {load:.1f} when the run ended"
    )


def write_results(lines: list[str], command: str, path: Path) -> None:
    text = [
        "# fanaudit benchmark results",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {machine()}",
        "",
        *lines,
        "",
    ]
    path.write_text("\n".join(text))


def run_benchmarks(
    scales: list[float], stages: list[str], seed: int, cache: Path, train_config: Path | None = None
) -> list[str]:
    results: list[tuple[Row, float]] = []
    for scale in sorted(scales):
        world = World(scale, seed, cache)
        world.folder.mkdir(parents=True, exist_ok=True)
        for stage in stages:
            results += measure(stage, world, train_config)
            if stage == "stage" or (
                stage in FLOOR_STAGES
                and not any(r.stage == "floor" and r.scale == scale for r, _ in results)
            ):
                results += measure("floor", world)
        results += combined_features_row(results, scale)
    return table_lines(results)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales",
        type=float,
        nargs="+",
        default=[1.0],
        help="world scales (1 is about 20,000 accounts)",
    )
    parser.add_argument("--stages", nargs="+", default=list(DEFAULT_STAGES), choices=sorted(STAGES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument(
        "--train-config",
        type=Path,
        help="TOML/JSON training config (train stage; score and explain use the model it trains)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="Markdown file to write")
    parser.add_argument("--child", choices=sorted(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    from fanaudit.runtime import prepare

    prepare()  # OpenMP wait policy, MLflow limits: before LightGBM loads
    args = parse_args(argv)
    if args.child:
        world = World(args.scales[0], args.seed, args.cache)
        uses_model = args.child in MODEL_STAGES
        rows = (
            STAGES[args.child](world, args.train_config)
            if uses_model
            else STAGES[args.child](world)
        )
        args.result.write_text(json.dumps([row.to_dict() for row in rows]))
        return
    lines = run_benchmarks(args.scales, args.stages, args.seed, args.cache, args.train_config)
    print("\n".join(lines))
    write_results(lines, "python benchmarks/run.py " + " ".join(argv), args.results)
    print(f"\nwrote {args.results}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
