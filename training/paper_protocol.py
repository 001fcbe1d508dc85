"""The papers' evaluation protocol on a labelled folder (an imported public set, or any
dataset folder), reusing the training machinery, and cross-dataset transfer.

Cross-validation: stratified k-fold, grouped when accounts are linked (shared addresses,
devices or follow bursts, as `fanaudit train` groups them): every group stays on one side
of each split, so a purchase batch is never half trained on and half tested. Sets without
such links (profiles only, or posts only as on Weibo) get plain stratified folds. Posting
the same text is not a link: platforms' own notices ("this post was deleted") and
templated giveaway posts would chain most accounts of a set into one group. The majority
class is downsampled to the minority's size with a fixed seed where the set's paper
balanced its classes (cresci-2015). Each outer fold gets a model built as `fanaudit train`
builds one, from its training folds only: inner stratified folds give out-of-fold raw
scores, which choose the calibration and the `bot` threshold (false-positive rate on
humans at most the target, never below `min_bot_probability`), then a booster is fitted on
all the training folds. So the false-positive rate on humans at the `bot` threshold is
measured on accounts that chose neither the model nor the threshold. Transfer: the same
model built on one whole folder, scored on another, with accounts of the test folder that
are also in the training folder left out.

Metrics, pooled over the held-out accounts: ROC-AUC, and accuracy, F1, MCC, recall and
false-positive rate on humans at the `bot` threshold and at probability 0.5 (the papers'
classifiers decide at 0.5).

Where the accounts post text, a baseline runs on the same folds: TF-IDF of each account's
posts (character unigrams and bigrams, which are the words of Chinese and cover any
language without a tokeniser) and a logistic regression, scikit-learn's defaults
otherwise. It shows what the words alone say, against fanaudit's behaviour features.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef, roc_auc_score
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from fanaudit.features.adapters.base import PublishedResult
from fanaudit.features.adapters.registry import imported_adapter
from fanaudit.features.loading import StagedDataset, duckdb_connection, staged_dataset
from fanaudit.features.registry import FEATURE_NAMES
from fanaudit.models.artifact import FanauditModel
from fanaudit.models.quantify import ShareEstimate, estimate_bot_share
from fanaudit.training.config import TrainConfig
from fanaudit.training.train import (
    TrainingDataError,
    fit_booster,
    fit_on_held_out,
    load_training_data,
    out_of_fold_raw_scores,
)

Progress = Callable[[str], None]
PAPER_DECISION = 0.5


@dataclass(frozen=True)
class ProtocolConfig:
    """What `fanaudit evaluate` does; `balanced=None` follows the set's paper."""

    folds: int = 10
    inner_folds: int = 5  # inside each training part: calibration and thresholds
    balanced: bool | None = None
    bot_kinds: tuple[str, ...] = ()  # keep only these kinds of bot (all humans stay); () keeps all
    # one thread: many small boosters, on machines that are often shared
    train: TrainConfig = field(default_factory=lambda: TrainConfig(bootstrap=0, n_jobs=1))


@dataclass(frozen=True)
class LabelledSet:
    """The labelled accounts of a folder, as features, ready for the protocol."""

    name: str
    features: pd.DataFrame  # account_id + FEATURE_NAMES
    labels: pd.DataFrame  # account_id, label, bot_kind, archetype
    balanced: bool  # the set's paper balanced its classes
    published: tuple[PublishedResult, ...]
    groups: np.ndarray | None = None  # linked accounts share a number (None: none linked)
    documents: pd.Series | None = None  # each account's posts as one text (None: no posts)

    @property
    def y(self) -> np.ndarray:
        return (self.labels["label"].to_numpy() == "bot").astype(int)

    def subset(self, keep: np.ndarray) -> LabelledSet:
        return replace(
            self,
            features=self.features[keep].reset_index(drop=True),
            labels=self.labels[keep].reset_index(drop=True),
            groups=None if self.groups is None else self.groups[keep],
            documents=None
            if self.documents is None
            else self.documents[keep].reset_index(drop=True),
        )


@dataclass(frozen=True)
class OperatingPoint:
    """Decision metrics at one probability threshold."""

    accuracy: float
    f1: float
    mcc: float
    recall: float  # of bots
    fpr_humans: float


@dataclass(frozen=True)
class ProtocolResult:
    dataset: str
    mode: str  # e.g. "10-fold CV, balanced" or "trained on cresci-2015"
    humans: int
    bots: int
    roc_auc: float
    at_bot: OperatingPoint  # at each model's stored `bot` threshold
    at_half: OperatingPoint  # at probability 0.5
    bot_thresholds: tuple[float, ...]  # one per model
    published: tuple[PublishedResult, ...]
    notes: tuple[str, ...]
    baseline_roc_auc: float | None = None  # TF-IDF + logistic regression on the same folds
    # the estimated bot share of the scored accounts (models.quantify), and the true one
    share: ShareEstimate | None = None

    @property
    def true_share(self) -> float:
        return self.bots / max(self.humans + self.bots, 1)


# --------------------------------------------------------------------------- data


def read_labelled_set(
    folder: Path, config: ProtocolConfig, progress: Progress | None = None
) -> LabelledSet:
    """Features and labels of `folder`, with only the requested kinds of bot."""
    adapter = imported_adapter(folder)
    with staged_dataset(Path(folder), progress=progress) as staged:
        data = load_training_data(staged, config.train, progress)
        documents = account_documents(staged, data.labels["account_id"])
    linked = len(np.unique(data.groups)) < len(data.groups)
    labelled = LabelledSet(
        adapter.name if adapter else Path(folder).name,
        data.features,
        data.labels,
        adapter.protocol.balanced if adapter else False,
        adapter.published if adapter else (),
        data.groups if linked else None,
        documents,
    )
    return keep_bot_kinds(labelled, config.bot_kinds)


def account_documents(staged: StagedDataset, account_ids: pd.Series) -> pd.Series | None:
    """Each account's comments joined into one text, in time order ("" without comments)."""
    if not staged.has("comments"):
        return None
    docs = (
        duckdb_connection()
        .sql(
            "SELECT account_id, string_agg(text, ' ' ORDER BY ts, text) AS doc "
            f"FROM read_parquet('{staged.parquet_glob('comments')}') GROUP BY 1"
        )
        .df()
    )
    docs = docs.set_index(docs["account_id"].astype(str))["doc"]
    return docs.reindex(account_ids.astype(str)).fillna("").reset_index(drop=True)


def keep_bot_kinds(labelled: LabelledSet, kinds: tuple[str, ...]) -> LabelledSet:
    """All humans and the bots of `kinds` (every bot when `kinds` is empty)."""
    labels = labelled.labels
    if kinds:
        labelled = replace(
            labelled.subset(
                ((labels["label"] == "human") | labels["bot_kind"].isin(kinds)).to_numpy()
            ),
            name=f"{labelled.name} ({', '.join(kinds)})",
        )
    if len(np.unique(labelled.y)) < 2:
        raise TrainingDataError(
            f"{labelled.name}: needs both humans and bots"
            + (f" of kind {', '.join(kinds)}" if kinds else "")
        )
    return labelled


def balanced_rows(y: np.ndarray, seed: int) -> np.ndarray:
    """Every account of the minority class and as many of the majority, drawn with `seed`."""
    minority = int(np.argmin(np.bincount(y, minlength=2)))
    keep = np.flatnonzero(y == minority)
    majority = np.flatnonzero(y != minority)
    drawn = np.random.default_rng(seed).choice(majority, size=len(keep), replace=False)
    mask = np.zeros(len(y), dtype=bool)
    mask[np.concatenate([keep, drawn])] = True
    return mask


def as_evaluated(
    labelled: LabelledSet, config: ProtocolConfig
) -> tuple[LabelledSet, tuple[str, ...]]:
    """The set as the protocol uses it: balanced when asked (or when its paper balanced);
    also a note of what balancing left out."""
    balanced = labelled.balanced if config.balanced is None else config.balanced
    if not balanced:
        return labelled, ()
    data = labelled.subset(balanced_rows(labelled.y, config.train.seed))
    left_out = len(labelled.y) - len(data.y)
    return data, (
        f"{labelled.name} balanced: {left_out:,} majority-class accounts left out "
        f"(seed {config.train.seed})",
    )


# --------------------------------------------------------------------------- models


def build_model(features: pd.DataFrame, y: np.ndarray, config: ProtocolConfig) -> FanauditModel:
    """A model as training builds one: calibration and thresholds from inner out-of-fold
    scores on `features` only, then a booster fitted on all of them."""
    X = features.loc[:, list(FEATURE_NAMES)].to_numpy(dtype=np.float64, na_value=np.nan)
    train = config.train.model_copy(update={"split": "group"})  # each inner fold held out once
    inner = StratifiedKFold(n_splits=config.inner_folds, shuffle=True, random_state=train.seed)
    folds = np.empty(len(y), dtype=int)
    for number, (_, held) in enumerate(inner.split(X, y)):
        folds[held] = number
    raw = out_of_fold_raw_scores(X, y, folds, train)
    fit = fit_on_held_out(raw, y, folds, train)
    return FanauditModel(
        fit_booster(X, y, train),
        FEATURE_NAMES,
        fit.calibration,
        fit.thresholds,
        {"quantification": fit.rates.to_dict()},
    )


def operating_point(flagged: np.ndarray, y: np.ndarray) -> OperatingPoint:
    humans = y == 0
    return OperatingPoint(
        accuracy=float(accuracy_score(y, flagged)),
        f1=float(f1_score(y, flagged, zero_division=0.0)),
        mcc=float(matthews_corrcoef(y, flagged)),
        recall=float(flagged[~humans].mean()),
        fpr_humans=float(flagged[humans].mean()),
    )


def scored_result(
    labelled: LabelledSet,
    mode: str,
    p: np.ndarray,
    bot_threshold: np.ndarray,
    thresholds: list[float],
    published: tuple[PublishedResult, ...],
    notes: tuple[str, ...],
) -> ProtocolResult:
    y = labelled.y
    return ProtocolResult(
        labelled.name,
        mode,
        int((y == 0).sum()),
        int((y == 1).sum()),
        float(roc_auc_score(y, p)),
        operating_point(p >= bot_threshold, y),
        operating_point(p >= PAPER_DECISION, y),
        tuple(thresholds),
        published,
        notes,
    )


def outer_folds(data: LabelledSet, config: ProtocolConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, held-out) rows of each outer fold: stratified, and grouped when accounts
    are linked."""
    y, seed = data.y, config.train.seed
    if data.groups is None:
        outer = StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=seed)
        return list(outer.split(np.zeros(len(y)), y))
    outer = StratifiedGroupKFold(n_splits=config.folds, shuffle=True, random_state=seed)
    return list(outer.split(np.zeros(len(y)), y, data.groups))


def text_baseline(
    documents: pd.Series, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """Held-out probabilities of TF-IDF (character 1-2-grams) + logistic regression."""
    p = np.empty(len(y))
    for train, held in folds:
        vectoriser = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 2), min_df=2, sublinear_tf=True
        )
        words = vectoriser.fit_transform(documents.iloc[train])
        model = LogisticRegression(max_iter=2000).fit(words, y[train])
        p[held] = model.predict_proba(vectoriser.transform(documents.iloc[held]))[:, 1]
    return p


def pooled_share(shares: list[ShareEstimate]) -> ShareEstimate:
    """The folds' estimates pooled into one for the whole set: the accounts-weighted mean,
    with the weighted mean of the folds' bounds as a conservative (wide) interval."""
    n = np.array([s.accounts for s in shares], dtype=float)
    weighted = {
        k: float(np.dot(n, [getattr(s, k) for s in shares]) / n.sum())
        for k in ("share", "low", "high")
    }
    return ShareEstimate(
        weighted["share"], weighted["low"], weighted["high"], shares[0].method, int(n.sum())
    )


def cross_validate(
    labelled: LabelledSet, config: ProtocolConfig, progress: Progress | None = None
) -> ProtocolResult:
    """Stratified (grouped) k-fold on one set; every account scored once by a model that
    never saw it or its group; the text baseline on the same folds where there are posts."""
    data, notes = as_evaluated(labelled, config)
    y = data.y
    folds = outer_folds(data, config)
    p, bot_threshold, thresholds = np.empty(len(y)), np.empty(len(y)), []
    shares: list[ShareEstimate] = []
    for number, (train, held) in enumerate(folds):
        if progress:
            progress(f"{data.name}: fold {number + 1} of {config.folds}")
        model = build_model(data.features.iloc[train], y[train], config)
        p[held] = model.predict_proba(data.features.iloc[held])
        bot_threshold[held] = model.thresholds.bot
        thresholds.append(model.thresholds.bot)
        shares.append(estimate_bot_share(p[held], model, seed=config.train.seed))
    mode = f"{config.folds}-fold {'grouped ' if data.groups is not None else ''}CV" + (
        ", balanced" if notes else ""
    )
    if data.groups is not None:
        notes += (
            (
                f"{len(y) - len(np.unique(data.groups)):,} accounts share a group with "
                "another (shared addresses, devices or follow bursts) and were kept on one "
                "side of every split"
            ),
        )
    result = scored_result(data, mode, p, bot_threshold, thresholds, labelled.published, notes)
    result = replace(result, share=pooled_share(shares))
    if data.documents is None:
        return result
    if progress:
        progress(f"{data.name}: TF-IDF + logistic regression on the same folds")
    baseline = text_baseline(data.documents, y, folds)
    return replace(result, baseline_roc_auc=float(roc_auc_score(y, baseline)))


def transfer(
    train_set: LabelledSet,
    test_set: LabelledSet,
    config: ProtocolConfig,
    progress: Progress | None = None,
) -> ProtocolResult:
    """A model built on all of `train_set` (balanced as its paper did), scored on `test_set`
    without the accounts the two share (both with the same kinds of bot)."""
    train_data, notes = as_evaluated(train_set, config)
    shared = test_set.features["account_id"].isin(set(train_set.features["account_id"])).to_numpy()
    test_data = test_set.subset(~shared)
    if len(np.unique(test_data.y)) < 2:
        raise TrainingDataError(
            f"{test_set.name}: nothing left to test on after leaving out "
            f"the {shared.sum():,} accounts it shares with {train_set.name}"
        )
    if progress:
        progress(f"training on {train_set.name}")
    model = build_model(train_data.features, train_data.y, config)
    p = model.predict_proba(test_data.features)
    if shared.any():
        notes += (
            f"{shared.sum():,} accounts of {test_set.name} are also in {train_set.name} and "
            "were left out of the test",
        )
    result = scored_result(
        test_data,
        f"trained on {train_set.name}",
        p,
        np.full(len(p), model.thresholds.bot),
        [model.thresholds.bot],
        (),
        notes,
    )
    return replace(result, share=estimate_bot_share(p, model, seed=config.train.seed))


def evaluate_folder(
    data_dir: Path,
    config: ProtocolConfig,
    *,
    train_on: Path | None = None,
    progress: Progress | None = None,
) -> ProtocolResult:
    """The protocol on `data_dir`: cross-validation, or transfer from `train_on`."""
    test_set = read_labelled_set(data_dir, config, progress)
    if train_on is None:
        return cross_validate(test_set, config, progress)
    train_set = read_labelled_set(train_on, config, progress)
    return transfer(train_set, test_set, config, progress)


# --------------------------------------------------------------------------- reporting

BASELINE = "TF-IDF + logistic regression on the posts' words, same folds"
METRIC_TITLES = {
    "accuracy": "accuracy",
    "f1": "F1",
    "mcc": "MCC",
    "roc_auc": "ROC-AUC",
    "fpr_humans": "FPR humans",
    "recall": "recall",
}


def format_metric(name: str, value: float | None) -> str:
    """A metric for a table: rates on humans in percent (1% is the goal), the rest to 3 places."""
    if value is None:
        return "—"
    return f"{value:.2%}" if name == "fpr_humans" else f"{value:.3f}"


def threshold_span(result: ProtocolResult) -> str:
    """The `bot` threshold of the one model, or the range over the folds' models."""
    low, high = min(result.bot_thresholds), max(result.bot_thresholds)
    return f"{low:.3f}" if high - low < 0.0005 else f"{low:.3f}-{high:.3f}"


def comparison_rows(result: ProtocolResult) -> list[tuple[str, str, dict[str, float | None]]]:
    """(who, setting, metric -> value or None when not reported): fanaudit at its `bot`
    threshold and at 0.5, then each published result with its source as the setting."""
    rows: list[tuple[str, str, dict[str, float | None]]] = []
    for setting, point in (
        ("bot threshold", result.at_bot),
        (f"p >= {PAPER_DECISION}", result.at_half),
    ):
        rows.append(
            (
                "fanaudit",
                setting,
                {
                    "accuracy": point.accuracy,
                    "f1": point.f1,
                    "mcc": point.mcc,
                    "roc_auc": result.roc_auc,
                    "fpr_humans": point.fpr_humans,
                    "recall": point.recall,
                },
            )
        )
    if result.baseline_roc_auc is not None:
        rows.append(
            (
                "baseline",
                BASELINE,
                {
                    "accuracy": None,
                    "f1": None,
                    "mcc": None,
                    "roc_auc": result.baseline_roc_auc,
                    "fpr_humans": None,
                    "recall": None,
                },
            )
        )
    for published in result.published:
        rows.append(
            (
                "published",
                published.source,
                {
                    "accuracy": published.accuracy,
                    "f1": published.f1,
                    "mcc": published.mcc,
                    "roc_auc": published.roc_auc,
                    "fpr_humans": None,
                    "recall": None,
                },
            )
        )
    return rows
