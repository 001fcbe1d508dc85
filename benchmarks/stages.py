"""The benchmark's stages, each run in a fresh subprocess by run.py so its peak memory is
its own. Every stage calls the library directly (never the CLI) and returns result rows:
what was timed, over how many accounts and events, and how long it took inside the
process (interpreter start and imports excluded; they are a few seconds per process).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from worlds import EVENT_TABLES, World

TRAIN_MAX_ACCOUNTS = 200_000  # training stays on one machine: labels are few
SHAP_SAMPLE = 20_000


@dataclass(frozen=True)
class Row:
    """One timed step: `unit` says whether `rate` counts events or accounts per second."""

    stage: str
    scale: float
    accounts: int
    events: int
    seconds: float
    unit: str = "events"
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def timed(work: Callable[[], object]) -> tuple[object, float]:
    began = time.perf_counter()
    result = work()
    return result, time.perf_counter() - began


def simulate(world: World) -> list[Row]:
    """Simulate the world into the cache (a partial run never looks cached)."""
    from fanaudit.training.simulator import SimulationConfig, simulate as run

    partial = world.folder / "data.partial"
    shutil.rmtree(partial, ignore_errors=True)
    summary, seconds = timed(
        lambda: run(SimulationConfig(seed=world.seed, scale=world.scale), partial)
    )
    shutil.rmtree(world.data, ignore_errors=True)
    partial.rename(world.data)
    world.summary_file.write_text(
        json.dumps(
            {
                "scale": world.scale,
                "seed": world.seed,
                "accounts": summary.accounts,
                "rows": summary.events,
                "seconds": seconds,
                "streamers": summary.streamers[:3],
            }
        )
    )
    return [Row("simulate", world.scale, summary.accounts, world.events(), seconds)]


def stage(world: World) -> list[Row]:
    """Validate, type and pseudonymise the dataset into staged Parquet."""
    from fanaudit.features.loading import stage_dataset

    shutil.rmtree(world.staged_root, ignore_errors=True)
    staged, seconds = timed(lambda: stage_dataset(world.data, world.staged_root))
    world.save_staged(staged)
    return [Row("stage", world.scale, staged.accounts, world.events(), seconds)]


def floor_sql(staged) -> str:
    """One plain grouped pass over every staged event file: events per account."""
    parts = [
        f"SELECT {'follower_id' if name == 'follows' else 'account_id'} AS account_id "
        f"FROM {staged.source_sql(name)}"
        for name in EVENT_TABLES
        if staged.has(name)
    ]
    return f"SELECT account_id, count(*) AS n FROM ({' UNION ALL '.join(parts)}) GROUP BY 1"


def read_floor_sqls(con, staged) -> list[str]:
    """Per event table, one grouped pass that reads every column the features use (max of
    each per account): what merely reading the features' inputs costs."""
    sqls = []
    for name in EVENT_TABLES:
        if not staged.has(name):
            continue
        source = staged.source_sql(name)
        key = "follower_id" if name == "follows" else "account_id"
        columns = [
            c for c in con.sql(f"SELECT * FROM {source} LIMIT 0").columns if c not in (key, "_row")
        ]
        sqls.append(
            f"SELECT {key}, count(*), {', '.join(f'max({c})' for c in columns)} "
            f"FROM {source} GROUP BY 1"
        )
    return sqls


def read_floor(world: World) -> list[Row]:
    from fanaudit.features.loading import duckdb_connection

    staged = world.staged()
    con = duckdb_connection()
    sqls = read_floor_sqls(con, staged)
    _, seconds = timed(lambda: [con.sql(sql).fetch_arrow_table() for sql in sqls])
    return [
        Row(
            "read floor (every input column)",
            world.scale,
            staged.accounts,
            world.events(),
            seconds,
            note="one grouped pass per event table reading every column",
        )
    ]


def floor(world: World) -> list[Row]:
    from fanaudit.features.loading import duckdb_connection

    staged = world.staged()
    con = duckdb_connection()
    groups, seconds = timed(lambda: con.sql(floor_sql(staged)).fetch_arrow_table())
    return [
        Row(
            "floor",
            world.scale,
            staged.accounts,
            world.events(),
            seconds,
            note=f"{groups.num_rows:,} accounts with events",
        )
    ]


def features(world: World, engine: str = "duckdb") -> list[Row]:
    """The feature pipeline on the staged world, written as Parquet (on Spark: a folder
    written by Spark, as `fanaudit features --engine spark` does)."""
    from fanaudit.features.io import write_frame_atomic
    from fanaudit.features.pipeline import compute_features

    staged = world.staged()
    if engine == "spark":
        from fanaudit.features.jobs import write_features_on_spark

        target = world.folder / "features-spark.parquet"
        shutil.rmtree(target, ignore_errors=True)
        done, seconds = timed(lambda: write_features_on_spark(staged, target, None))
        return [
            Row(
                "features (spark)",
                world.scale,
                done.accounts,
                world.events(),
                seconds,
                note="computed and written by Spark local[*], read back and reconciled",
            )
        ]
    frame, seconds = timed(lambda: compute_features(staged, engine=engine))
    target = (
        world.features_file if engine == "duckdb" else world.folder / f"features-{engine}.parquet"
    )
    _, write_seconds = timed(lambda: write_frame_atomic(frame, target))
    name = "features" if engine == "duckdb" else f"features ({engine})"
    return [
        Row(
            name,
            world.scale,
            len(frame),
            world.events(),
            seconds + write_seconds,
            note=f"write {write_seconds:.1f} s",
        )
    ]


def train(world: World, config_file: Path | None = None) -> list[Row]:
    """Grouped cross-validation, calibration, thresholds, final model; then MLflow."""
    from fanaudit.training.config import TrainConfig
    from fanaudit.models.store import use_tracking
    from fanaudit.training.tracking import log_training_run, start_training_run
    from fanaudit.training.train import load_training_data, train_model

    staged = world.staged()
    if staged.accounts > TRAIN_MAX_ACCOUNTS:
        return [
            Row(
                "train",
                world.scale,
                staged.accounts,
                world.events(),
                float("nan"),
                "accounts",
                f"skipped: more than {TRAIN_MAX_ACCOUNTS:,} accounts",
            )
        ]
    config = TrainConfig.from_file(config_file) if config_file else TrainConfig()
    data, load_seconds = timed(lambda: load_training_data(staged, config))
    outcome, train_seconds = timed(lambda: train_model(data, config))
    uri = use_tracking(f"sqlite:///{world.folder / 'mlflow.db'}")
    with start_training_run(config):
        _, log_seconds = timed(lambda: log_training_run(data, outcome, config, True, uri))
    shutil.rmtree(world.model_folder(config_file), ignore_errors=True)
    outcome.model.save(world.model_folder(config_file))
    labelled = len(data.labels)
    auc = outcome.evaluation.metrics["roc_auc"]
    return [
        Row(
            "train",
            world.scale,
            labelled,
            world.events(),
            train_seconds,
            "accounts",
            f"{config.n_folds} grouped folds + calibration + final; {config.n_estimators} trees, "
            f"max depth {config.max_depth}; ROC-AUC {auc:.4f}",
        ),
        Row(
            "train (with features, groups, MLflow)",
            world.scale,
            labelled,
            world.events(),
            load_seconds + train_seconds + log_seconds,
            "accounts",
            f"features+groups {load_seconds:.1f} s, MLflow {log_seconds:.1f} s",
        ),
    ]


def model_for(world: World, config_file: Path | None = None):
    """The model (trained with `config_file`) of the largest cached world of this seed at or
    below this scale."""
    from fanaudit.models.artifact import FanauditModel

    candidates = sorted(
        (
            w
            for w in cached_worlds(world)
            if w.scale <= world.scale and (w.model_folder(config_file) / "model.txt").is_file()
        ),
        key=lambda w: w.scale,
    )
    if not candidates:
        raise FileNotFoundError(
            f"no trained model at or below scale {world.scale:g}: "
            "run the 'train' stage at a smaller scale first"
        )
    return FanauditModel.load(candidates[-1].model_folder(config_file)), candidates[-1].scale


def cached_worlds(world: World) -> list[World]:
    found = []
    for summary in world.cache.glob(f"world-scale*-seed{world.seed}/world.json"):
        found.append(World(json.loads(summary.read_text())["scale"], world.seed, world.cache))
    return found


def score(world: World, config_file: Path | None = None, which: str = "none") -> list[Row]:
    """Probability and verdict (and reasons for `which`) for every account, to Parquet."""
    import pandas as pd

    from fanaudit.features.io import write_frame_atomic
    from fanaudit.models.scoring import score_in_chunks

    frame = pd.read_parquet(world.features_file)
    model, model_scale = model_for(world, config_file)
    scored, seconds = timed(lambda: score_in_chunks(frame, model, "benchmark", which=which))
    out = world.folder / f"scores-{which}.parquet"
    _, write_seconds = timed(lambda: write_frame_atomic(scored, out))
    flagged = int((scored["verdict"] != "human").sum())
    name = "score" if which == "none" else f"score + reasons ({which})"
    shape = "" if config_file is None else f" ({Path(config_file).stem})"
    note = (
        f"model of scale {model_scale:g}{shape}; {flagged:,} flagged; write {write_seconds:.1f} s"
    )
    rows = [
        Row(
            name, world.scale, len(frame), world.events(), seconds + write_seconds, "accounts", note
        )
    ]
    if which != "none":
        rows.append(shap_cost(world, frame, scored, model))
    return rows


def explain(world: World, config_file: Path | None = None) -> list[Row]:
    return score(world, config_file, "flagged")


def shap_cost(world: World, frame, scored, model) -> Row:
    """SHAP alone on a sample of flagged accounts: the part of reasons that is SHAP."""
    from fanaudit.models.explain import explain as shap_values

    flagged = frame[(scored["verdict"] != "human").to_numpy()].head(SHAP_SAMPLE)
    _, seconds = timed(lambda: shap_values(model, flagged))
    params = model.booster.params
    return Row(
        "SHAP only (flagged sample)",
        world.scale,
        len(flagged),
        0,
        seconds,
        "accounts",
        f"{model.booster.num_trees()} trees, max depth {params.get('max_depth', '?')}, "
        f"{params.get('num_leaves', '?')} leaves max",
    )


def spark_score(world: World, config_file: Path | None = None) -> list[Row]:
    """Probability and verdict on Spark (mapInPandas) from the cached feature table."""
    from fanaudit.features.engine import spark_session
    from fanaudit.models.spark_scoring import score_dataframe

    model, model_scale = model_for(world, config_file)
    session = spark_session()
    features = session.read.parquet(str(world.features_file))
    out = world.folder / "scores-spark.parquet"
    scores = score_dataframe(features, model, "benchmark", which="none")
    _, seconds = timed(lambda: scores.write.mode("overwrite").parquet(str(out)))
    return [
        Row(
            "score (spark)",
            world.scale,
            world.accounts(),
            world.events(),
            seconds,
            "accounts",
            f"model of scale {model_scale:g}; {session.sparkContext.master}",
        )
    ]


def feature_table(world: World) -> Path:
    """The world's features as a reusable feature table (registry version and fingerprint
    in its metadata), made once from the cached feature Parquet."""
    import pandas as pd

    from fanaudit.features.feature_table import (
        FeatureTableError,
        read_feature_table,
        write_feature_table,
    )

    path = world.folder / "feature-table.parquet"
    try:
        read_feature_table(path, fingerprint=world.staged().fingerprint, accounts=[])
    except FeatureTableError:
        write_feature_table(pd.read_parquet(world.features_file), path, world.staged().fingerprint)
    return path


def model_folder_for(world: World, config_file: Path | None = None) -> tuple[Path, float]:
    _, scale = model_for(world, config_file)
    return World(scale, world.seed, world.cache).model_folder(config_file), scale


def explain_one(world: World, config_file: Path | None = None) -> list[Row]:
    """`fanaudit explain` of one account from the feature table: the whole command (a fresh
    interpreter, imports, model, the account's row, TreeSHAP) and the library call alone."""
    import statistics
    import subprocess
    import sys

    import pyarrow.parquet as pq

    table = feature_table(world)
    folder, model_scale = model_folder_for(world, config_file)
    ids = pq.read_table(table, columns=["account_id"]).column(0).to_pylist()
    account = ids[len(ids) // 2]
    command = [
        sys.executable,
        "-m",
        "fanaudit",
        "explain",
        "--features",
        str(table),
        "--account",
        account,
        "--model",
        str(folder),
    ]
    walls = []
    for _ in range(3):
        _, seconds = timed(lambda: subprocess.run(command, check=True, capture_output=True))
        walls.append(seconds)

    def fresh(*arguments: str) -> float:  # median wall of 3 fresh interpreters
        runs = [
            timed(lambda: subprocess.run(arguments, check=True, capture_output=True))[1]
            for _ in range(3)
        ]
        return statistics.median(runs)

    imports = fresh(
        sys.executable,
        "-c",
        "from fanaudit.runtime import lightgbm_without_sklearn as w; w(); "
        "import fanaudit.cli, fanaudit.models.account",
    )
    version = fresh(sys.executable, "-m", "fanaudit", "--version")
    helped = fresh(sys.executable, "-m", "fanaudit", "--help")
    bare = fresh(sys.executable, "-c", "import pandas, pyarrow.parquet, lightgbm")
    from fanaudit.models.account import explain_account

    calls = []
    for _ in range(3):
        _, seconds = timed(
            lambda: explain_account(None, account, features_file=table, model_uri=str(folder))
        )
        calls.append(seconds)
    note = f"model of scale {model_scale:g}; median of 3"
    return [
        Row(
            "explain one account (command, from feature table)",
            world.scale,
            len(ids),
            world.events(),
            statistics.median(walls),
            "accounts",
            f"{note}; its imports {imports:.2f} s; python -c 'import pandas, pyarrow.parquet, "
            f"lightgbm' {bare:.2f} s; fanaudit --version {version:.2f} s, --help {helped:.2f} s",
        ),
        Row(
            "explain one account (library call, from feature table)",
            world.scale,
            len(ids),
            world.events(),
            statistics.median(calls),
            "accounts",
            note,
        ),
    ]


def reasons(world: World, config_file: Path | None = None) -> list[Row]:
    """Reasons for every flagged account: LightGBM's own TreeSHAP (pred_contrib, what
    fanaudit uses) against SHAP's TreeExplainer on the same rows, and the whole of scoring
    with reasons (contributions, top reasons, sentences)."""
    import warnings

    import numpy as np
    import pandas as pd

    from fanaudit.models.explain import explain as contributions_of
    from fanaudit.models.scoring import score_in_chunks

    frame = pd.read_parquet(world.features_file)
    model, model_scale = model_for(world, config_file)
    scored, score_seconds = timed(lambda: score_in_chunks(frame, model, "benchmark", which="none"))
    flagged = frame[(scored["verdict"] != "human").to_numpy()].reset_index(drop=True)
    own, own_seconds = timed(lambda: contributions_of(model, flagged))

    def with_shap():
        import shap

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            explainer = shap.TreeExplainer(model.booster)
            values = np.asarray(
                explainer.shap_values(model.feature_matrix(flagged), check_additivity=False)
            )
        return values[..., -1] if values.ndim == 3 else values

    from fanaudit.models.reasons import word

    towards_bot = np.ones(len(flagged), dtype=bool)
    matrix = model.feature_matrix(flagged)
    _, word_seconds = timed(
        lambda: word(own.contributions, matrix, model.feature_names, towards_bot)
    )
    theirs, shap_seconds = timed(with_shap)
    difference = float(np.abs(own.contributions - theirs).max()) if len(flagged) else 0.0
    _, full_seconds = timed(lambda: score_in_chunks(frame, model, "benchmark", which="flagged"))
    shape = f"model of scale {model_scale:g}; {len(flagged):,} flagged"
    return [
        Row(
            "reasons: LightGBM pred_contrib (flagged)",
            world.scale,
            len(flagged),
            0,
            own_seconds,
            "accounts",
            f"{shape}; max |difference| to SHAP {difference:.1e}",
        ),
        Row(
            "reasons: wording (top 3, sentences, JSON; flagged)",
            world.scale,
            len(flagged),
            0,
            word_seconds,
            "accounts",
            f"{shape}; models.reasons.word on the contributions above",
        ),
        Row(
            "reasons: SHAP TreeExplainer (flagged)",
            world.scale,
            len(flagged),
            0,
            shap_seconds,
            "accounts",
            f"{shape}; with importing SHAP and building the explainer",
        ),
        Row(
            "score + reasons (flagged), as fanaudit score",
            world.scale,
            len(frame),
            world.events(),
            full_seconds,
            "accounts",
            f"{shape}; probabilities alone {score_seconds:.1f} s",
        ),
    ]


def reasons_x5(world: World, config_file: Path | None = None) -> list[Row]:
    """Score + reasons (flagged) of the world's feature table repeated 5 times under new
    ids: a 1M-account table from a scale-10 world without simulating and staging scale 50
    (TreeSHAP and wording cost per row, so only the count of rows matters)."""
    import pandas as pd

    from fanaudit.models.scoring import score_in_chunks

    base = pd.read_parquet(world.features_file)
    frame = pd.concat(
        [base.assign(account_id=base["account_id"].astype(str) + f"-{i}") for i in range(5)],
        ignore_index=True,
    )
    del base
    model, model_scale = model_for(world, config_file)
    scored, seconds = timed(lambda: score_in_chunks(frame, model, "benchmark", which="flagged"))
    flagged = int((scored["verdict"] != "human").sum())
    _, bare = timed(lambda: score_in_chunks(frame, model, "benchmark", which="none"))
    return [
        Row(
            "score + reasons (flagged), feature table x5",
            world.scale * 5,
            len(frame),
            0,
            seconds,
            "accounts",
            f"model of scale {model_scale:g}; {flagged:,} flagged; "
            f"probabilities alone {bare:.1f} s",
        )
    ]


def serve(world: World, config_file: Path | None = None) -> list[Row]:
    """`fanaudit serve` on the world's feature table, driven by benchmarks/serve_load.py:
    single look-ups at 100 requests/s (open loop) and batch look-ups of 1,000 ids."""
    import serve_load

    table = feature_table(world)
    folder, model_scale = model_folder_for(world, config_file)
    process, url, startup = serve_load.start_server(table, str(folder), None)
    try:
        import pyarrow.parquet as pq

        ids = pq.read_table(table, columns=["account_id"]).column(0).to_pylist()
        for account in ids[:50]:
            serve_load.get_status(url, f"/accounts/{account}")
        reasons = serve_load.session().get(f"{url}/health", timeout=30).json()["reasons"]
        cached = (
            f"reasons of {reasons['cached_accounts']:,} flagged accounts "
            + ("read from the cache" if reasons["from_cache"] else "computed at start")
        )
        single = serve_load.single_lookups(url, ids, 100.0, 20.0)
        batch = serve_load.batch_lookups(url, ids, 1000, 10.0, top=3)
        bare = serve_load.batch_lookups(url, ids, 1000, 10.0, top=0)
    finally:
        process.terminate()
        process.wait(timeout=30)
    note = f"model of scale {model_scale:g}; server up in {startup:.1f} s ({cached})"
    return [
        Row(
            "serve: GET /accounts/ID at 100 req/s (top 3 reasons)",
            world.scale,
            single["requests"],
            0,
            single["requests"] / single["achieved"],
            "accounts",
            f"p50 {single['p50']:.1f} ms, p90 {single['p90']:.1f} ms, p99 {single['p99']:.1f} ms, "
            f"max {single['max']:.0f} ms; {single['achieved']:.1f} req/s achieved; "
            f"{single['errors']} errors; {note}",
        ),
        Row(
            "serve: POST /accounts, 1,000 ids (top 3 reasons)",
            world.scale,
            batch["accounts"],
            0,
            batch["seconds"],
            "accounts",
            f"{batch['ms_per_request']:.0f} ms per request",
        ),
        Row(
            "serve: POST /accounts, 1,000 ids (no reasons)",
            world.scale,
            bare["accounts"],
            0,
            bare["seconds"],
            "accounts",
            f"{bare['ms_per_request']:.0f} ms per request",
        ),
    ]


STAGES: dict[str, Callable[..., list[Row]]] = {  # (world) or (world, train config)
    "simulate": simulate,
    "stage": stage,
    "floor": floor,
    "read-floor": read_floor,
    "features": features,
    "train": train,
    "score": score,
    "explain": explain,
    "spark-features": lambda world: features(world, "spark"),
    "spark-score": spark_score,
    "explain-one": explain_one,
    "reasons": reasons,
    "serve": serve,
    "reasons-x5": reasons_x5,
}
