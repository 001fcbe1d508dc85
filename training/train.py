"""Training: features and labels of a dataset folder -> grouped out-of-fold scores ->
calibration -> thresholds -> metrics -> final LightGBM -> one MLflow run -> a registered
model version (the first one ever becomes `champion`; later ones only when promoted)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from sklearn.model_selection import StratifiedGroupKFold

from fanaudit.errors import DataError
from fanaudit.features.loading import StagedDataset, duckdb_connection
from fanaudit.features.pipeline import compute_features
from fanaudit.features.registry import FEATURE_NAMES, registry_version
from fanaudit.models.artifact import Calibration, FanauditModel, Thresholds
from fanaudit.training.calibration import choose_calibration
from fanaudit.training.config import TrainConfig
from fanaudit.training.evaluate import (
    NO_NOISE,
    Evaluation,
    LabelNoise,
    choose_thresholds,
    estimate_label_noise,
    evaluate,
)
from fanaudit.training.groups import GroupSummary, account_groups
from fanaudit.training.kinds import fit_kind_model
from fanaudit.models.quantify import HeldOutRates

Progress = Callable[[str], None]
NEVER_HELD_OUT = -1


class TrainingDataError(DataError):
    """The dataset cannot be trained on (no labels, one class only...)."""


@dataclass(frozen=True)
class TrainingData:
    staged: StagedDataset
    features: pd.DataFrame  # account_id + FEATURE_NAMES, labelled accounts only
    labels: pd.DataFrame  # account_id, label, bot_kind, archetype
    groups: np.ndarray  # validation group of each labelled account (training/groups.py)
    first_seen: np.ndarray  # epoch seconds of each account's first event (time split)
    group_summary: GroupSummary | None = None

    @property
    def y(self) -> np.ndarray:
        return (self.labels["label"].to_numpy() == "bot").astype(int)

    @property
    def X(self) -> np.ndarray:
        return self.features.loc[:, list(FEATURE_NAMES)].to_numpy(dtype=np.float64, na_value=np.nan)


def read_labels(staged: StagedDataset) -> pd.DataFrame:
    if not staged.has("labels"):
        raise TrainingDataError(
            f"{staged.source}: training needs a labels table "
            "(labels.parquet or labels.csv with account_id, label)"
        )
    table = pq.read_table(staged.tables["labels"].staged)
    return table.select(["account_id", "label", "bot_kind", "archetype"]).to_pandas()


def first_event_seconds(staged: StagedDataset, account_ids: pd.Series) -> np.ndarray:
    """Each account's first event time (epoch seconds), or its creation time without events."""
    parts = [
        f"SELECT {col} AS account_id, min(ts) AS ts FROM {staged.source_sql(t)} GROUP BY 1"
        for t, col in (
            ("follows", "follower_id"),
            ("logins", "account_id"),
            ("comments", "account_id"),
            ("engagements", "account_id"),
            ("orders", "account_id"),
        )
        if staged.has(t)
    ]
    parts.append(
        f"SELECT account_id, min(created_at) AS ts FROM {staged.source_sql('accounts')} GROUP BY 1"
    )
    sql = f"SELECT account_id, epoch(min(ts)) AS s FROM ({' UNION ALL '.join(parts)}) GROUP BY 1"
    seen = duckdb_connection().sql(sql).df().set_index("account_id")["s"]
    return seen.reindex(account_ids.astype(str)).fillna(0).to_numpy(dtype=float)


def load_training_data(
    staged: StagedDataset,
    config: TrainConfig,
    progress: Progress | None = None,
    features: pd.DataFrame | None = None,
) -> TrainingData:
    """Labelled accounts' features, labels, leak groups and first-seen times (`features`:
    the dataset's feature table when already computed)."""
    labels = read_labels(staged)
    if labels["label"].nunique() < 2:
        raise TrainingDataError(f"{staged.source}: labels need both 'human' and 'bot' accounts")
    if features is None:
        features = compute_features(staged, progress=progress)
    labelled = features.merge(labels[["account_id"]], on="account_id", how="inner")
    labels = labels.set_index("account_id").loc[labelled["account_id"]].reset_index()
    if progress:
        progress("groups")
    groups, summary = account_groups(
        staged,
        labelled["account_id"],
        key_cap=config.group_key_cap,
        max_share=config.group_max_share,
        seed=config.seed,
    )
    return TrainingData(
        staged,
        labelled.reset_index(drop=True),
        labels,
        groups,
        first_event_seconds(staged, labelled["account_id"]),
        summary,
    )


def assign_folds(data: TrainingData, config: TrainConfig) -> np.ndarray:
    """Held-out fold of each account; NEVER_HELD_OUT for the first block of a time split."""
    if config.split == "time":
        order = np.argsort(data.first_seen, kind="stable")
        blocks = np.array_split(order, config.n_folds + 1)
        folds = np.full(len(order), NEVER_HELD_OUT)
        for number, block in enumerate(blocks[1:]):
            folds[block] = number
        return folds
    splitter = StratifiedGroupKFold(n_splits=config.n_folds, shuffle=True, random_state=config.seed)
    folds = np.full(len(data.y), NEVER_HELD_OUT)
    for number, (_, held) in enumerate(splitter.split(data.X, data.y, data.groups)):
        folds[held] = number
    return folds


def fit_booster_on(
    X: np.ndarray, y: np.ndarray, names: list[str], config: TrainConfig
) -> lgb.Booster:
    """A LightGBM booster on columns `names` of X."""
    classifier = lgb.LGBMClassifier(**config.lightgbm_params())
    classifier.fit(pd.DataFrame(X, columns=names), y)
    return classifier.booster_


def fit_booster(X: np.ndarray, y: np.ndarray, config: TrainConfig) -> lgb.Booster:
    return fit_booster_on(X, y, list(FEATURE_NAMES), config)


def out_of_fold_raw_scores(
    X: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    config: TrainConfig,
    progress: Progress | None = None,
) -> np.ndarray:
    """Raw scores of each held-out account from a model that never saw it (or its group)."""
    raw = np.full(len(y), np.nan)
    for fold in sorted(set(folds) - {NEVER_HELD_OUT}):
        if progress:
            progress(f"fold {fold + 1}")
        held = folds == fold
        train = ~held if config.split == "group" else (folds < fold)
        booster = fit_booster(X[train], y[train], config)
        raw[held] = booster.predict(X[held], raw_score=True)
    return raw


@dataclass(frozen=True)
class HeldOutFit:
    """Calibration, thresholds and quantification rates, all chosen on held-out predictions."""

    calibration: Calibration
    calibration_brier: dict[str, float]  # cross-fitted Brier score of each candidate map
    probability: np.ndarray  # cross-fitted calibrated probability of each held-out account
    thresholds: Thresholds
    rates: HeldOutRates
    noise: LabelNoise = NO_NOISE


def fit_on_held_out(
    raw: np.ndarray, y: np.ndarray, folds: np.ndarray, config: TrainConfig
) -> HeldOutFit:
    """From out-of-fold raw scores: the calibration map (fitted on all of them), and, from
    cross-fitted probabilities (each fold mapped by a calibrator fitted on the other folds),
    the verdict thresholds and the held-out rates for audience shares.

    Real labels are wrong now and then, and a bot labelled human sits among the humans the
    bot threshold is counted on: on a test world with 2% of labels flipped both ways, the
    threshold rose until the true FPR was a fifth of the target and recall fell by a
    quarter. So, by default, the rates behind thresholds and audience shares are those of
    the true classes under the label noise estimated from the held-out scores
    (`estimate_label_noise`); the reported metrics describe the labels as given."""
    calibration, brier, probability = choose_calibration(raw, y, folds, config.calibration)
    noise = estimate_label_noise(probability, y) if config.label_noise == "correct" else NO_NOISE
    thresholds = choose_thresholds(
        probability,
        y,
        config.target_fpr,
        config.human_max_miss,
        config.min_bot_probability,
        config.max_human_probability,
        noise,
    )
    return HeldOutFit(
        calibration,
        brier,
        probability,
        thresholds,
        HeldOutRates.fit(probability, y, noise.bots_among_humans, noise.humans_among_bots),
        noise,
    )


@dataclass(frozen=True)
class TrainOutcome:
    model: FanauditModel
    evaluation: Evaluation
    held_out_probability: (
        np.ndarray
    )  # cross-fitted calibrated out-of-fold probability (NaN: never held out)
    calibration_brier: dict[str, float]
    folds: np.ndarray


def train_model(
    data: TrainingData, config: TrainConfig, progress: Progress | None = None
) -> TrainOutcome:
    X, y = data.X, data.y
    folds = assign_folds(data, config)
    raw = out_of_fold_raw_scores(X, y, folds, config, progress)
    held = folds != NEVER_HELD_OUT
    fit = fit_on_held_out(raw[held], y[held], folds[held], config)
    probability = np.full(len(y), np.nan)
    probability[held] = fit.probability
    if progress:
        progress("evaluation")
    evaluation = evaluate(
        fit.probability,
        y[held],
        data.labels[held].reset_index(drop=True),
        fit.thresholds,
        config.target_fpr,
        config.bootstrap,
        config.seed,
    )
    if progress:
        progress("final model")
    booster = fit_booster(X, y, config)
    metadata = {
        "registry_version": registry_version(),
        "dataset_fingerprint": data.staged.fingerprint,
        "config": config.model_dump(),
        "metrics": evaluation.metrics,
        "quantification": fit.rates.to_dict(),
        **fit.noise.as_dict(),
    }
    if data.group_summary is not None:
        metadata["validation_groups"] = data.group_summary.as_params()
    kinds = fit_kind_model(X, data.labels, y, folds, config, progress)
    metadata["kind_model"] = kinds.metadata
    model = FanauditModel(
        booster, FEATURE_NAMES, fit.calibration, fit.thresholds, metadata, kinds.model
    )
    return TrainOutcome(model, evaluation, probability, fit.calibration_brier, folds)
