"""Typed, frozen training configuration; every value (the seed included) is logged to MLflow."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fanaudit.settings import current


class TrainConfig(BaseModel):
    """What a training run does. Load from TOML/JSON with `from_file`, override with options."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 42
    # LightGBM. The shape sets what SHAP reasons cost (trees x leaves x depth^2 per row):
    # 100 trees of depth <= 8 were as accurate as 200 unbounded ones and three times
    # cheaper to explain (`python benchmarks/tree_size.py`; README "Performance").
    n_estimators: int = Field(100, ge=1)
    learning_rate: float = Field(0.1, gt=0)
    num_leaves: int = Field(31, ge=2)
    max_depth: int = 8
    min_child_samples: int = Field(20, ge=1)
    feature_fraction: float = Field(0.8, gt=0, le=1)
    bagging_fraction: float = Field(0.8, gt=0, le=1)
    bagging_freq: int = 1
    reg_lambda: float = Field(1.0, ge=0)
    n_jobs: int = 2
    # validation
    n_folds: int = Field(5, ge=2)
    split: Literal["group", "time"] = "group"
    # validation groups (training/groups.py): keys (address, device, follow cell) shared by
    # more accounts than this link nobody; components above this share of the accounts are
    # split by Leiden communities
    group_key_cap: int = Field(200, ge=2)
    group_max_share: float = Field(0.1, gt=0, le=1)
    time_test_fraction: float = Field(0.3, gt=0, lt=1)
    # calibration and thresholds
    calibration: Literal["auto", "isotonic", "sigmoid"] = "auto"
    # thresholds and audience-share rates of the true classes under the label noise
    # estimated from held-out scores ("correct"), or of the labels as given ("ignore")
    label_noise: Literal["correct", "ignore"] = "correct"
    # bot threshold: FPR on held-out humans at most this
    target_fpr: float = Field(0.01, gt=0, lt=1)
    # human threshold: at most this share of bots below
    human_max_miss: float = Field(0.05, gt=0, lt=1)
    # Floors that keep verdicts consistent with the calibrated probabilities on near-perfect
    # models: never call `bot` below this probability, never `human` above the other.
    min_bot_probability: float = Field(0.5, gt=0, lt=1)
    max_human_probability: float = Field(0.2, gt=0, lt=1)
    # evaluation
    bootstrap: int = Field(200, ge=0)
    # registry (defaults: the settings' model name and experiment)
    model_name: str = Field(default_factory=lambda: current().model_name, min_length=1)
    experiment: str = Field(default_factory=lambda: current().experiment, min_length=1)

    @classmethod
    def from_file(cls, path: Path, **overrides) -> TrainConfig:
        text = Path(path).read_text(encoding="utf-8")
        values = json.loads(text) if str(path).endswith(".json") else tomllib.loads(text)
        values = values.get("train", values)
        return cls(**(values | {k: v for k, v in overrides.items() if v is not None}))

    def lightgbm_params(self) -> dict:
        return {
            "objective": "binary",
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_child_samples": self.min_child_samples,
            "colsample_bytree": self.feature_fraction,
            "subsample": self.bagging_fraction,
            "subsample_freq": self.bagging_freq,
            "reg_lambda": self.reg_lambda,
            "random_state": self.seed,
            "n_jobs": self.n_jobs,
            "deterministic": True,
            "force_col_wise": True,
            "verbosity": -1,
        }
