"""The fanaudit model artifact: a LightGBM booster in its native text format plus JSON
metadata (feature list, calibration map, thresholds). Loading never unpickles anything.

This module depends only on numpy, pandas and lightgbm: it is shipped with every logged
MLflow model (``code_paths``) so the pyfunc flavour loads it anywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"
FORMAT_VERSION = 1
VERDICTS = ("human", "uncertain", "bot")


class ModelArtifactError(RuntimeError):
    """A model folder is missing, incomplete or corrupt."""


@dataclass(frozen=True)
class Calibration:
    """Maps LightGBM raw scores (log-odds) to calibrated probabilities."""

    method: str  # "isotonic" or "sigmoid"
    x: tuple[float, ...] = ()  # isotonic knots
    y: tuple[float, ...] = ()
    a: float = 0.0  # sigmoid: p = 1 / (1 + exp(a * s + b))
    b: float = 0.0

    def apply(self, raw: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw, dtype=float)
        if self.method == "isotonic":
            return np.interp(raw, self.x, self.y)
        if self.method == "sigmoid":
            return 1.0 / (1.0 + np.exp(self.a * raw + self.b))
        raise ModelArtifactError(f"unknown calibration method {self.method!r}")

    def to_dict(self) -> dict:
        return {"method": self.method, "x": list(self.x), "y": list(self.y), "a": self.a, "b": self.b}

    @classmethod
    def from_dict(cls, data: dict) -> "Calibration":
        return cls(data["method"], tuple(data.get("x", ())), tuple(data.get("y", ())),
                   float(data.get("a", 0.0)), float(data.get("b", 0.0)))


@dataclass(frozen=True)
class Thresholds:
    """`bot` at or above `bot`, `human` below `human`, `uncertain` between."""

    bot: float
    human: float

    def verdicts(self, probability: np.ndarray) -> np.ndarray:
        probability = np.asarray(probability, dtype=float)
        return np.where(probability >= self.bot, "bot",
                        np.where(probability < self.human, "human", "uncertain")).astype(object)


@dataclass(frozen=True, eq=False)  # hashed by identity: explainers are cached per model
class FanauditModel:
    """A trained, calibrated classifier with its thresholds."""

    booster: lgb.Booster
    feature_names: tuple[str, ...]
    calibration: Calibration
    thresholds: Thresholds
    metadata: dict

    def feature_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.feature_names if f not in frame.columns]
        if missing:
            raise ValueError(f"feature frame lacks {len(missing)} model feature(s): {missing[:5]}")
        return frame.loc[:, list(self.feature_names)].to_numpy(dtype=np.float64, na_value=np.nan)

    def raw_score(self, frame: pd.DataFrame) -> np.ndarray:
        return self.booster.predict(self.feature_matrix(frame), raw_score=True)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probability that each row is a bot."""
        return np.clip(self.calibration.apply(self.raw_score(frame)), 0.0, 1.0)

    def save(self, folder: Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(folder / MODEL_FILE))
        metadata = self.metadata | {
            "format_version": FORMAT_VERSION,
            "feature_names": list(self.feature_names),
            "calibration": self.calibration.to_dict(),
            "thresholds": {"bot": self.thresholds.bot, "human": self.thresholds.human},
        }
        (folder / METADATA_FILE).write_text(json.dumps(metadata, indent=2, ensure_ascii=False))
        return folder

    @classmethod
    def load(cls, folder: Path) -> "FanauditModel":
        folder = Path(folder)
        model_path, meta_path = folder / MODEL_FILE, folder / METADATA_FILE
        for path in (model_path, meta_path):
            if not path.is_file():
                raise ModelArtifactError(f"model artifact is incomplete: {path} is missing")
        try:
            metadata = json.loads(meta_path.read_text(encoding="utf-8"))
            features = tuple(metadata["feature_names"])
            calibration = Calibration.from_dict(metadata["calibration"])
            thresholds = Thresholds(float(metadata["thresholds"]["bot"]),
                                    float(metadata["thresholds"]["human"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelArtifactError(f"model metadata {meta_path} is corrupt: {exc!r}") from exc
        try:
            booster = lgb.Booster(model_file=str(model_path))
        except lgb.basic.LightGBMError as exc:
            raise ModelArtifactError(f"model file {model_path} is corrupt: {exc}") from exc
        if tuple(booster.feature_name()) != features:
            raise ModelArtifactError(f"{model_path} and {meta_path} disagree on the feature list")
        return cls(booster, features, calibration, thresholds, metadata)
