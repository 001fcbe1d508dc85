"""fanaudit's model as a scikit-learn classifier, for users who want sklearn's tooling
(pipelines, `cross_val_score`, `GridSearchCV`, `CalibrationDisplay`...).

`FanauditClassifier` fits what `fanaudit train` fits, without MLflow: LightGBM, a
calibration map chosen on out-of-fold scores (isotonic or sigmoid, by Brier score), and
the verdict thresholds set on those held-out scores. `predict_proba` gives one column per
class in `classes_` order; `verdicts` gives fanaudit's human / uncertain / bot; `explain`
gives a `shap.Explanation`. `model_` is the same `FanauditModel` the command line saves.

    >>> clf = FanauditClassifier(n_estimators=50).fit(features, labels["label"])
    >>> clf.classes_                      # array(['bot', 'human'], dtype=object)
    >>> clf.predict_proba(features)[:, 0] # probability of 'bot'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shap
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from fanaudit.models.artifact import Calibration, FanauditModel
from fanaudit.models.explain import as_shap
from fanaudit.training.config import TrainConfig
from fanaudit.training.evaluate import choose_thresholds
from fanaudit.training.train import fit_booster_on, fit_on_held_out

POSITIVE = "bot"
LOGISTIC = Calibration("sigmoid", a=-1.0, b=0.0)  # p = 1 / (1 + exp(-raw)): uncalibrated


class FanauditClassifier(ClassifierMixin, BaseEstimator):
    """LightGBM with held-out calibration and verdict thresholds, scikit-learn style.

    Parameters mirror `TrainConfig`, except `label_noise`: "ignore" (default) sets the
    thresholds on the labels as given; "correct" estimates the label noise from held-out
    scores as `fanaudit train` does (it needs a few hundred rows). The positive class is
    ``"bot"`` when the labels hold it, else the second of the sorted classes. Missing values
    (NaN) are allowed: they mean "no data" to LightGBM, as in fanaudit's feature table.
    """

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        learning_rate: float = 0.1,
        num_leaves: int = 31,
        max_depth: int = 8,
        min_child_samples: int = 20,
        feature_fraction: float = 0.8,
        bagging_fraction: float = 0.8,
        reg_lambda: float = 1.0,
        calibration: str = "auto",
        n_folds: int = 5,
        target_fpr: float = 0.01,
        human_max_miss: float = 0.05,
        label_noise: str = "ignore",
        random_state: int = 42,
        n_jobs: int = 2,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.reg_lambda = reg_lambda
        self.calibration = calibration
        self.n_folds = n_folds
        self.target_fpr = target_fpr
        self.human_max_miss = human_max_miss
        self.label_noise = label_noise
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    # ------------------------------------------------------------------ fitting
    def _config(self) -> TrainConfig:
        calibration = "auto" if self.calibration == "none" else self.calibration
        return TrainConfig(
            seed=self.random_state,
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            max_depth=self.max_depth,
            min_child_samples=self.min_child_samples,
            feature_fraction=self.feature_fraction,
            bagging_fraction=self.bagging_fraction,
            reg_lambda=self.reg_lambda,
            n_folds=max(self.n_folds, 2),
            calibration=calibration,
            target_fpr=self.target_fpr,
            human_max_miss=self.human_max_miss,
            label_noise=self.label_noise,
            n_jobs=self.n_jobs,
            bootstrap=0,
        )

    def _names(self, X: Any) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return [str(name) for name in self.feature_names_in_]
        return [f"feature_{i}" for i in range(self.n_features_in_)]

    def fit(self, X: Any, y: Any, groups: Any = None) -> FanauditClassifier:
        """Fit on feature rows `X` and labels `y` (two classes). `groups` (optional) keeps
        related accounts in one fold when the calibration's held-out scores are made."""
        if self.calibration not in ("auto", "isotonic", "sigmoid", "none"):
            raise ValueError(
                f"calibration must be auto, isotonic, sigmoid or none, not {self.calibration!r}"
            )
        X, y = validate_data(self, X, y, ensure_all_finite=False, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = unique_labels(y)
        if len(self.classes_) == 1:
            raise ValueError(
                f"FanauditClassifier needs two classes; the labels hold one class "
                f"({self.classes_[0]!r})"
            )
        if len(self.classes_) > 2:
            raise ValueError(
                f"Only binary classification is supported; the labels hold "
                f"{len(self.classes_)} classes: {list(self.classes_)[:5]}"
            )
        self.positive_class_ = POSITIVE if POSITIVE in self.classes_ else self.classes_[1]
        target = (y == self.positive_class_).astype(int)
        config, names = self._config(), self._names(X)
        calibration, thresholds = LOGISTIC, None
        metadata: dict[str, Any] = {"config": config.model_dump()}
        splits = min(config.n_folds, int(np.bincount(target).min()))
        if self.calibration != "none" and splits >= 2:
            folds = self._folds(X, target, groups, splits)
            raw = np.empty(len(target))
            for fold in range(splits):
                held = folds == fold
                booster = fit_booster_on(X[~held], target[~held], names, config)
                raw[held] = np.asarray(booster.predict(X[held], raw_score=True))
            fit = fit_on_held_out(raw, target, folds, config)  # as `fanaudit train` does
            calibration, thresholds = fit.calibration, fit.thresholds
            metadata |= {"quantification": fit.rates.to_dict(), **fit.noise.as_dict()}
        booster = fit_booster_on(X, target, names, config)
        if thresholds is None:  # too few rows of a class to hold any out
            in_sample = calibration.apply(np.asarray(booster.predict(X, raw_score=True)))
            thresholds = choose_thresholds(
                in_sample,
                target,
                config.target_fpr,
                config.human_max_miss,
                config.min_bot_probability,
                config.max_human_probability,
            )
        self.model_ = FanauditModel(booster, tuple(names), calibration, thresholds, metadata)
        return self

    def _folds(self, X: np.ndarray, target: np.ndarray, groups: Any, splits: int) -> np.ndarray:
        if groups is not None:
            splitter: StratifiedGroupKFold | StratifiedKFold = StratifiedGroupKFold(
                n_splits=splits, shuffle=True, random_state=self.random_state
            )
        else:
            splitter = StratifiedKFold(
                n_splits=splits, shuffle=True, random_state=self.random_state
            )
        folds = np.empty(len(target), dtype=int)
        for number, (_, held) in enumerate(splitter.split(X, target, groups)):
            folds[held] = number
        return folds

    @classmethod
    def from_model(cls, model: FanauditModel) -> FanauditClassifier:
        """A fitted classifier around a trained fanaudit model (e.g. `load_model(...)`),
        classes ``['bot', 'human']``; its parameters are the defaults, not the model's."""
        clf = cls()
        clf.model_ = model
        clf.classes_ = np.array(["bot", "human"], dtype=object)
        clf.positive_class_ = POSITIVE
        clf.feature_names_in_ = np.array(model.feature_names, dtype=object)
        clf.n_features_in_ = len(model.feature_names)
        return clf

    # ------------------------------------------------------------------ predicting
    def _frame(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "model_")
        if isinstance(X, pd.DataFrame) and hasattr(self, "feature_names_in_"):
            X = X.loc[:, list(self.feature_names_in_)]
        values = validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)
        return pd.DataFrame(values, columns=list(self.model_.feature_names))

    def bot_probability(self, X: Any) -> np.ndarray:
        """Calibrated probability of the positive class, one value per row."""
        frame = self._frame(X)  # raises NotFittedError first
        return self.model_.predict_proba(frame)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, one column per class in `classes_` order."""
        positive = self.bot_probability(X)
        proba = np.empty((len(positive), 2))
        column = int(np.flatnonzero(self.classes_ == self.positive_class_)[0])
        proba[:, column] = positive
        proba[:, 1 - column] = 1.0 - positive
        return proba

    def predict(self, X: Any) -> np.ndarray:
        """The more probable class of each row."""
        proba = self.predict_proba(X)  # raises NotFittedError first
        return self.classes_[np.argmax(proba, axis=1)]

    def verdicts(self, X: Any) -> np.ndarray:
        """fanaudit's verdict per row: human, uncertain or bot (the fitted thresholds)."""
        return self.model_.thresholds.verdicts(self.bot_probability(X))

    def explain(self, X: Any) -> shap.Explanation:
        """SHAP contributions (log-odds towards the positive class) as a `shap.Explanation`."""
        frame = self._frame(X)
        return as_shap(self.model_, frame)
