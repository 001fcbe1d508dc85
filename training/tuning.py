"""Optional hyperparameter search with Optuna: each trial is a nested MLflow run scored by
the out-of-fold PR-AUC on the same leak-free folds the final model is validated on."""

from __future__ import annotations

import mlflow
import numpy as np
from sklearn.metrics import average_precision_score

from fanaudit.training.config import TrainConfig
from fanaudit.training.train import (
    NEVER_HELD_OUT,
    Progress,
    TrainingData,
    assign_folds,
    out_of_fold_raw_scores,
)


def suggest(trial, config: TrainConfig) -> dict:
    """The search space: the LightGBM settings that matter most for tabular behaviour data.
    The number of trees ranges from half to twice the config's."""
    low = max(10, config.n_estimators // 2)
    return {
        "num_leaves": trial.suggest_int("num_leaves", 8, 128, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.2, log=True),
        "n_estimators": trial.suggest_int("n_estimators", low, 2 * config.n_estimators),
        "min_child_samples": trial.suggest_int("min_child_samples", 5, 100, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.5, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
    }


def held_out_pr_auc(data: TrainingData, config: TrainConfig) -> float:
    folds = assign_folds(data, config)
    raw = out_of_fold_raw_scores(data.X, data.y, folds, config)
    held = folds != NEVER_HELD_OUT
    return float(average_precision_score(data.y[held], raw[held]))


def tune(
    data: TrainingData, config: TrainConfig, trials: int, progress: Progress | None = None
) -> TrainConfig:
    """The config with the best trial's settings; trials are nested runs of the active run."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial) -> float:
        settings = suggest(trial, config)
        candidate = config.model_copy(update=settings)
        with mlflow.start_run(run_name=f"trial-{trial.number}", nested=True):
            mlflow.log_params(settings | {"seed": config.seed})
            score = held_out_pr_auc(data, candidate)
            mlflow.log_metric("pr_auc", score)
        if progress:
            progress(f"trial {trial.number + 1}/{trials}: PR-AUC {score:.4f}")
        return score

    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=config.seed)
    )
    study.optimize(objective, n_trials=trials)
    mlflow.log_metric("tuning_best_pr_auc", study.best_value)
    best = {k: v for k, v in study.best_params.items() if np.isscalar(v)}
    return config.model_copy(update=best)
