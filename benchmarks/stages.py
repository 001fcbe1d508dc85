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
    summary, seconds = timed(lambda: run(SimulationConfig(seed=world.seed, scale=world.scale), partial))
    shutil.rmtree(world.data, ignore_errors=True)
    partial.rename(world.data)
    world.summary_file.write_text(json.dumps({
        "scale": world.scale, "seed": world.seed, "accounts": summary.accounts,
        "rows": summary.events, "seconds": seconds, "streamers": summary.streamers[:3]}))
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
    parts = [f"SELECT {'follower_id' if name == 'follows' else 'account_id'} AS account_id "
             f"FROM {staged.source_sql(name)}"
             for name in EVENT_TABLES if staged.has(name)]
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
        columns = [c for c in con.sql(f"SELECT * FROM {source} LIMIT 0").columns
                   if c not in (key, "_row")]
        sqls.append(f"SELECT {key}, count(*), {', '.join(f'max({c})' for c in columns)} "
                    f"FROM {source} GROUP BY 1")
    return sqls


def read_floor(world: World) -> list[Row]:
    from fanaudit.features.loading import duckdb_connection

    staged = world.staged()
    con = duckdb_connection()
    sqls = read_floor_sqls(con, staged)
    _, seconds = timed(lambda: [con.sql(sql).fetch_arrow_table() for sql in sqls])
    return [Row("read floor (every input column)", world.scale, staged.accounts, world.events(),
                seconds, note="one grouped pass per event table reading every column")]


def floor(world: World) -> list[Row]:
    from fanaudit.features.loading import duckdb_connection

    staged = world.staged()
    con = duckdb_connection()
    groups, seconds = timed(lambda: con.sql(floor_sql(staged)).fetch_arrow_table())
    return [Row("floor", world.scale, staged.accounts, world.events(), seconds,
                note=f"{groups.num_rows:,} accounts with events")]


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
        return [Row("features (spark)", world.scale, done.accounts, world.events(), seconds,
                    note="computed and written by Spark local[*], read back and reconciled")]
    frame, seconds = timed(lambda: compute_features(staged, engine=engine))
    target = world.features_file if engine == "duckdb" else world.folder / f"features-{engine}.parquet"
    _, write_seconds = timed(lambda: write_frame_atomic(frame, target))
    name = "features" if engine == "duckdb" else f"features ({engine})"
    return [Row(name, world.scale, len(frame), world.events(), seconds + write_seconds,
                note=f"write {write_seconds:.1f} s")]


def train(world: World, config_file: Path | None = None) -> list[Row]:
    """Grouped cross-validation, calibration, thresholds, final model; then MLflow."""
    from fanaudit.training.config import TrainConfig
    from fanaudit.models.store import use_tracking
    from fanaudit.training.tracking import log_training_run, start_training_run
    from fanaudit.training.train import load_training_data, train_model

    staged = world.staged()
    if staged.accounts > TRAIN_MAX_ACCOUNTS:
        return [Row("train", world.scale, staged.accounts, world.events(), float("nan"), "accounts",
                    f"skipped: more than {TRAIN_MAX_ACCOUNTS:,} accounts")]
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
        Row("train", world.scale, labelled, world.events(), train_seconds, "accounts",
            f"{config.n_folds} grouped folds + calibration + final; {config.n_estimators} trees, "
            f"max depth {config.max_depth}; ROC-AUC {auc:.4f}"),
        Row("train (with features, groups, MLflow)", world.scale, labelled, world.events(),
            load_seconds + train_seconds + log_seconds, "accounts",
            f"features+groups {load_seconds:.1f} s, MLflow {log_seconds:.1f} s"),
    ]


def model_for(world: World, config_file: Path | None = None):
    """The model (trained with `config_file`) of the largest cached world of this seed at or
    below this scale."""
    from fanaudit.models.artifact import FanauditModel

    candidates = sorted((w for w in cached_worlds(world) if w.scale <= world.scale
                         and (w.model_folder(config_file) / "model.txt").is_file()),
                        key=lambda w: w.scale)
    if not candidates:
        raise FileNotFoundError(f"no trained model at or below scale {world.scale:g}: "
                                "run the 'train' stage at a smaller scale first")
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
    note = f"model of scale {model_scale:g}{shape}; {flagged:,} flagged; write {write_seconds:.1f} s"
    rows = [Row(name, world.scale, len(frame), world.events(), seconds + write_seconds,
                "accounts", note)]
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
    return Row("SHAP only (flagged sample)", world.scale, len(flagged), 0, seconds, "accounts",
               f"{model.booster.num_trees()} trees, max depth {params.get('max_depth', '?')}, "
               f"{params.get('num_leaves', '?')} leaves max")


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
    return [Row("score (spark)", world.scale, world.accounts(), world.events(), seconds, "accounts",
                f"model of scale {model_scale:g}; {session.sparkContext.master}")]


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
}
