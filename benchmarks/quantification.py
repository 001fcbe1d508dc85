"""Audience shares under prior shift: how close fanaudit's estimated bot share comes to the
truth when an audience's fake share is not the training share.

    python benchmarks/quantification.py [--scale 0.5] [--audience 1000] [--repeats 100]
                                        [--datasets ../shared/datasets] [--seed 42]

Simulated: a model is trained on one world (features, grouped cross-validation, held-out
calibration, thresholds and rates, as `fanaudit train` does, without MLflow) and scores a
second world simulated with another seed (no account, batch or crew in common). Audiences
of `--audience` accounts are drawn from the second world at 2%, 10%, 30% and 60% bots,
`--repeats` times each, and four estimates of their bot share are compared with the truth:
adjusted classify-and-count (fanaudit's default), EM prior re-estimation, the mean
calibrated probability, and the share of `bot` verdicts.

Real: the same on the bought-follower sets of ../shared/datasets, with the model built on
one set (as `fanaudit evaluate --train-on` builds it) and audiences drawn from the other.

Prints one Markdown table (mean and 95th-percentile absolute error in points, and the
coverage of the 95% interval) and the time taken.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fanaudit.runtime import prepare

prepare()  # OpenMP wait policy: before the imports below load OpenMP (sklearn, LightGBM)

import numpy as np  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from fanaudit.features.adapters.registry import ADAPTERS, import_set  # noqa: E402
from fanaudit.features.loading import staged_dataset  # noqa: E402
from fanaudit.features.pipeline import compute_features  # noqa: E402
from fanaudit.models.artifact import FanauditModel  # noqa: E402
from fanaudit.models.quantify import estimate_bot_share, held_out_rates  # noqa: E402
from fanaudit.training.config import TrainConfig  # noqa: E402
from fanaudit.training.paper_protocol import (  # noqa: E402
    ProtocolConfig,
    build_model,
    keep_bot_kinds,  # noqa: E402
    read_labelled_set,
)
from fanaudit.training.simulator import SimulationConfig, simulate  # noqa: E402
from fanaudit.training.train import load_training_data, read_labels, train_model  # noqa: E402

HERE = Path(__file__).resolve().parent
SHARES = (0.02, 0.10, 0.30, 0.60)
BOUGHT = ("bought_follower",)
NOTES: list[str] = []


@dataclass(frozen=True)
class Row:
    setting: str
    share: float
    audience: int
    errors: dict[str, np.ndarray]  # method -> absolute errors over the repeats
    covered: np.ndarray  # ACC interval held the truth


def rates_line(p: np.ndarray, y: np.ndarray, model: FanauditModel, setting: str) -> str:
    """Whether the scored set keeps the training's rates: prior shift keeps them, a change
    in what bots or people look like does not (and no quantifier can correct that)."""
    rates = held_out_rates(model)
    above = p >= rates.threshold
    return (
        f"- {setting}: ROC-AUC {roc_auc_score(y, p):.3f}; at the quantification threshold "
        f"{rates.threshold:.3f}, held-out TPR {rates.tpr:.3f} / FPR {rates.fpr:.3f} in training, "
        f"{above[y == 1].mean():.3f} / {above[y == 0].mean():.3f} on the scored set"
    )


def audiences(
    p: np.ndarray,
    y: np.ndarray,
    model: FanauditModel,
    setting: str,
    size: int,
    repeats: int,
    seed: int,
) -> list[Row]:
    NOTES.append(rates_line(p, y, model, setting))
    rng = np.random.default_rng(seed)
    bots, humans = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    rows = []
    for share in SHARES:
        n_bots = int(round(share * size))
        if n_bots > len(bots) or size - n_bots > len(humans):
            continue
        errors: dict[str, list[float]] = {
            "acc": [],
            "em": [],
            "mean probability": [],
            "bot verdicts": [],
        }
        covered = []
        for _ in range(repeats):
            pick = np.concatenate(
                [
                    rng.choice(bots, n_bots, replace=False),
                    rng.choice(humans, size - n_bots, replace=False),
                ]
            )
            truth = n_bots / size
            acc = estimate_bot_share(p[pick], model, seed=int(rng.integers(1 << 31)))
            em = estimate_bot_share(p[pick], model, method="em")
            errors["acc"].append(abs(acc.share - truth))
            errors["em"].append(abs(em.share - truth))
            errors["mean probability"].append(abs(p[pick].mean() - truth))
            errors["bot verdicts"].append(abs((p[pick] >= model.thresholds.bot).mean() - truth))
            covered.append(acc.low <= truth <= acc.high)
        rows.append(
            Row(
                setting, share, size, {k: np.array(v) for k, v in errors.items()}, np.array(covered)
            )
        )
    return rows


def simulated(scale: float, seed: int, size: int, repeats: int, work: Path) -> list[Row]:
    train_world, test_world = work / "train", work / "test"
    simulate(SimulationConfig(seed=seed, scale=scale), train_world)
    simulate(SimulationConfig(seed=seed + 1, scale=scale), test_world)
    config = TrainConfig(seed=seed, bootstrap=0)
    with staged_dataset(train_world) as staged:
        outcome = train_model(load_training_data(staged, config), config)
    with staged_dataset(test_world) as staged:
        features = compute_features(staged).merge(read_labels(staged), on="account_id")
    y = (features["label"] == "bot").to_numpy().astype(int)
    p = outcome.model.predict_proba(features)
    setting = f"simulated, scale {scale:g} (seed {seed} -> {seed + 1})"
    return audiences(p, y, outcome.model, setting, size, repeats, seed)


def real(datasets: Path, seed: int, size: int, repeats: int, work: Path) -> list[Row]:
    config = ProtocolConfig(train=TrainConfig(bootstrap=0, n_jobs=1, seed=seed))
    sets = {}
    for name in ("cresci-2015", "cresci-2017"):
        import_set(name, datasets / ADAPTERS[name].folder, work / name)
        sets[name] = keep_bot_kinds(read_labelled_set(work / name, config), BOUGHT)
    rows = []
    for source, target in (("cresci-2015", "cresci-2017"), ("cresci-2017", "cresci-2015")):
        model = build_model(sets[source].features, sets[source].y, config)
        test = sets[target]
        unseen = (
            ~test.features["account_id"].isin(set(sets[source].features["account_id"])).to_numpy()
        )
        test = test.subset(unseen)
        p = model.predict_proba(test.features)
        n = min(size, int(test.y.sum() / max(SHARES)), int((1 - test.y).sum()))
        rows += audiences(
            p, test.y, model, f"real: {source} -> {target}, bought followers", n, repeats, seed
        )
    return rows


def markdown(rows: list[Row]) -> list[str]:
    methods = ("acc", "em", "mean probability", "bot verdicts")
    header = [
        "audiences",
        "bot share",
        "accounts",
        *(f"{m}: mean / p95 error" for m in methods),
        "ACC 95% interval coverage",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [
            f"{100 * row.errors[m].mean():.1f} / {100 * np.percentile(row.errors[m], 95):.1f}"
            for m in methods
        ]
        lines.append(
            "| "
            + " | ".join(
                [
                    row.setting,
                    f"{row.share:.0%}",
                    f"{row.audience:,}",
                    *cells,
                    f"{row.covered.mean():.0%}",
                ]
            )
            + " |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--audience", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--datasets", type=Path, default=HERE.parent.parent / "shared" / "datasets")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-real", action="store_true")
    args = parser.parse_args()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fanaudit-quantification-") as work:
        print("… simulated worlds", file=sys.stderr)
        rows = simulated(args.scale, args.seed, args.audience, args.repeats, Path(work) / "sim")
        if not args.skip_real:
            print("… real sets", file=sys.stderr)
            rows += real(args.datasets, args.seed, args.audience, args.repeats, Path(work) / "real")
    print("\n".join(markdown(rows)))
    print()
    print("\n".join(NOTES))
    print(
        f"\nerrors in percentage points over {args.repeats} audiences a row; "
        f"{time.perf_counter() - began:.0f} s"
    )


if __name__ == "__main__":
    main()
