"""fanaudit on real accounts: the papers' protocol on the public labelled sets, and
cross-dataset transfer between the two sets of bought Twitter followers, as one table.

    python benchmarks/real_datasets.py [--datasets ../shared/datasets] [--folds 10] [--seed 42]
                                       [--only weibo-spam ...]

Weibo (posts with times, text and clients) is evaluated with its source project's protocol,
5-fold cross-validation (grouped where accounts are linked), next to a TF-IDF + logistic
regression on the posts' words run on the same folds.

Each set is imported from where it lies into a temporary folder (never copied into the
repository), read once, and evaluated with `training.paper_protocol`: stratified k-fold
cross-validation (balanced where the set's paper balanced), each fold's model, calibration
and `bot` threshold built from its training folds only. Transfer trains on all of one set
and tests on the other's accounts it never saw. Prints a Markdown table with the published
results from the datasets' README beside fanaudit's, then the notes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from fanaudit.runtime import prepare  # noqa: E402

prepare()  # OpenMP wait policy: before the imports below load LightGBM

from fanaudit.features.adapters.registry import ADAPTERS, import_set  # noqa: E402
from fanaudit.training.config import TrainConfig  # noqa: E402
from fanaudit.training.paper_protocol import (  # noqa: E402
    METRIC_TITLES,
    LabelledSet,
    ProtocolConfig,  # noqa: E402
    ProtocolResult,
    comparison_rows,
    cross_validate,
    format_metric,
    keep_bot_kinds,
    read_labelled_set,
    threshold_span,
    transfer,
)

BOUGHT = ("bought_follower",)


@dataclass(frozen=True)
class Run:
    title: str  # the set as evaluated, e.g. "cresci-2017, bought followers only"
    result: ProtocolResult


def read_all(
    datasets: Path, work: Path, config: ProtocolConfig, only: tuple[str, ...] = ()
) -> dict[str, LabelledSet]:
    sets = {}
    for name, adapter in ADAPTERS.items():
        if only and name not in only:
            continue
        print(f"… importing {name}", file=sys.stderr)
        import_set(name, datasets / adapter.folder, work / name)
        sets[name] = read_labelled_set(work / name, config)
    return sets


def all_runs(sets: dict[str, LabelledSet], config: ProtocolConfig) -> list[Run]:
    """Cross-validation on every set (cresci-2017 also with bought followers only), then
    transfer both ways between the bought followers of cresci-2015 and cresci-2017."""

    def progress(message: str) -> None:
        print(f"… {message}", file=sys.stderr)

    runs = []
    if "weibo-spam" in sets:
        weibo = replace(config, folds=ADAPTERS["weibo-spam"].protocol.folds)
        runs.append(Run("weibo-spam", cross_validate(sets["weibo-spam"], weibo, progress)))
    if "cresci-2015" in sets:
        runs.append(Run("cresci-2015", cross_validate(sets["cresci-2015"], config, progress)))
    if "cresci-2017" in sets:
        bought_2017 = keep_bot_kinds(sets["cresci-2017"], BOUGHT)
        runs += [
            Run("cresci-2017, all bots", cross_validate(sets["cresci-2017"], config, progress)),
            Run("cresci-2017, bought followers", cross_validate(bought_2017, config, progress)),
        ]
    if "cresci-2015" in sets and "cresci-2017" in sets:
        bought_2015 = keep_bot_kinds(sets["cresci-2015"], BOUGHT)
        runs += [
            Run(
                "cresci-2017, bought followers",
                transfer(bought_2015, bought_2017, config, progress),
            ),
            Run("cresci-2015", transfer(bought_2017, bought_2015, config, progress)),
        ]
    for name in ("instafake", "social-honeypot"):
        if name in sets:
            runs.append(Run(name, cross_validate(sets[name], config, progress)))
    return runs


def markdown_table(runs: list[Run]) -> list[str]:
    header = ["set", "protocol", "model", "humans", "bots", *METRIC_TITLES.values()]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for run in runs:
        r = run.result
        for who, setting, values in comparison_rows(r):
            if who == "fanaudit":
                model = (
                    f"fanaudit, bot threshold {threshold_span(r)}"
                    if setting == "bot threshold"
                    else f"fanaudit, {setting.replace('>=', '≥')}"
                )
                counts = [f"{r.humans:,}", f"{r.bots:,}"]
            elif who == "baseline":
                model, counts = setting, [f"{r.humans:,}", f"{r.bots:,}"]
            else:
                model, counts = f"published: {setting}", ["", ""]
            protocol = r.mode if who != "published" else "as published"
            lines.append(
                "| "
                + " | ".join(
                    [
                        run.title,
                        protocol,
                        model,
                        *counts,
                        *(format_metric(m, values[m]) for m in METRIC_TITLES),
                    ]
                )
                + " |"
            )
    return lines


def falls(runs: list[Run]) -> list[str]:
    """How far transfer falls from cross-validation on the same test set."""
    lines = []
    by_title = {}
    for run in runs:
        if run.result.mode.startswith("trained on"):
            home = by_title.get(run.title)
            if home is None:
                continue
            lines.append(
                f"- {run.title}, {run.result.mode} instead of {home.result.mode}: ROC-AUC "
                f"{home.result.roc_auc:.3f} → {run.result.roc_auc:.3f}; at the bot threshold "
                f"recall {home.result.at_bot.recall:.3f} → {run.result.at_bot.recall:.3f}, "
                f"FPR on humans {home.result.at_bot.fpr_humans:.2%} → "
                f"{run.result.at_bot.fpr_humans:.2%}"
            )
        else:
            by_title.setdefault(run.title, run)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, default=HERE.parent.parent / "shared" / "datasets")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--only",
        nargs="+",
        default=(),
        choices=list(ADAPTERS),
        help="evaluate only these sets (transfer needs both cresci sets)",
    )
    args = parser.parse_args()
    config = ProtocolConfig(
        folds=args.folds, train=TrainConfig(bootstrap=0, n_jobs=1, seed=args.seed)
    )
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fanaudit-real-") as work:
        sets = read_all(args.datasets, Path(work), config, tuple(args.only))
        runs = all_runs(sets, config)
    print("\n".join(markdown_table(runs)))
    print()
    print("\n".join(falls(runs)))
    notes = dict.fromkeys(note for run in runs for note in run.result.notes)
    for note in notes:
        print(f"- {note}")
    weibo = (
        f" (weibo-spam: {ADAPTERS['weibo-spam'].protocol.folds}, its source's protocol)"
        if "weibo-spam" in sets
        else ""
    )
    print(f"\n{args.folds} folds{weibo}, seed {args.seed}, {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
