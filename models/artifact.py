"""The fanaudit model artifact: a LightGBM booster in its native text format plus JSON
metadata (feature list, calibration map, thresholds). Loading never unpickles anything.

The metadata records the SHA-256 of every other file of the folder (``files``), and
loading checks each one before anything parses it: LightGBM's parser aborts the whole
process (it cannot be caught) on some truncated or edited model files, so a corrupt
artifact must be refused first. A model without checksums (format 1) is refused. Every
other defect (a missing file, broken or absurdly nested JSON, a missing field, thresholds
out of range, a feature list the booster disagrees with) is a `ModelArtifactError` that
names the file. Other code reading a file of the folder takes its bytes from
`read_verified`, never from the disk unchecked.

The checksum detects corruption, not tampering: whoever can write the model store can
write a matching checksum. The store is trusted for integrity; what loading guarantees is
that no code from it runs (see the README's trust model).

This module depends only on numpy, pandas and lightgbm; the logged MLflow model's pyfunc
imports it from the installed fanaudit package (a pip requirement of the model).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import lightgbm as lgb
import numpy as np
import pandas as pd

from fanaudit.errors import ModelStoreError

if TYPE_CHECKING:
    from fanaudit.models.kinds import KindModel

MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"
FORMAT_VERSION = 3  # 3: `files` maps every file to its SHA-256; 2 (read): model_sha256 only
OLDEST_FORMAT = 2  # 1 had no checksum: refused
VERDICTS = ("human", "uncertain", "bot")
CALIBRATION_METHODS = ("isotonic", "sigmoid")
BOOSTER_SECTIONS = ("end of trees", "end of parameters")  # a complete model text has both
MAX_METADATA_BYTES = 10 << 20
MAX_FILE_BYTES = 1 << 30


class ModelArtifactError(ModelStoreError):
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

    def problems(self) -> list[str]:
        """What makes this calibration unusable (empty when it is sound)."""
        if self.method not in CALIBRATION_METHODS:
            return [f"method {self.method!r} is not one of {', '.join(CALIBRATION_METHODS)}"]
        if self.method == "sigmoid":
            return (
                []
                if math.isfinite(self.a) and math.isfinite(self.b)
                else ["a and b must be finite"]
            )
        found = []
        if not self.x or len(self.x) != len(self.y):
            found.append("isotonic x and y must be non-empty and of equal length")
        if not all(math.isfinite(v) for v in self.x + self.y):
            found.append("isotonic knots must be finite")
        if any(later < earlier for earlier, later in zip(self.x, self.x[1:], strict=False)):
            found.append("isotonic x must be sorted")
        if any(not 0.0 <= v <= 1.0 for v in self.y):
            found.append("isotonic y must lie in [0, 1]")
        return found

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "x": list(self.x),
            "y": list(self.y),
            "a": self.a,
            "b": self.b,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        return cls(
            str(data["method"]),
            tuple(float(v) for v in data.get("x", ())),
            tuple(float(v) for v in data.get("y", ())),
            float(data.get("a", 0.0)),
            float(data.get("b", 0.0)),
        )


@dataclass(frozen=True)
class Thresholds:
    """`bot` at or above `bot`, `human` below `human`, `uncertain` between."""

    bot: float
    human: float

    def verdicts(self, probability: np.ndarray) -> np.ndarray:
        probability = np.asarray(probability, dtype=float)
        return np.where(
            probability >= self.bot, "bot", np.where(probability < self.human, "human", "uncertain")
        ).astype(object)

    def problems(self) -> list[str]:
        """What makes these thresholds unusable; `bot` may exceed 1 (then nothing is a bot)."""
        if not (math.isfinite(self.bot) and 0.0 <= self.human <= min(self.bot, 1.0)):
            return [
                f"thresholds must satisfy 0 <= human <= bot and human <= 1 "
                f"(human {self.human}, bot {self.bot})"
            ]
        return []


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of `path`, refused beyond `limit`; any failure a ModelArtifactError."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ModelArtifactError(
            f"model file {path} cannot be read ({exc.strerror or exc})"
        ) from exc
    if len(data) > limit:
        raise ModelArtifactError(f"model file {path} is larger than {limit:,} bytes")
    return data


def read_metadata(path: Path) -> dict:
    """The metadata JSON object of a model folder, or a ModelArtifactError naming the file."""
    data = read_limited(path, MAX_METADATA_BYTES)
    try:
        metadata = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelArtifactError(f"model metadata {path} is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise ModelArtifactError(
            f"model metadata {path} is nested too deeply to be metadata"
        ) from exc
    if not isinstance(metadata, dict):
        raise ModelArtifactError(f"model metadata {path} is not a JSON object")
    version = metadata.get("format_version", 1)
    if version == 1:
        raise ModelArtifactError(
            f"model metadata {path} is in format 1, which has no checksum "
            "of the model file; retrain the model with this fanaudit"
        )
    if not isinstance(version, int) or not OLDEST_FORMAT <= version <= FORMAT_VERSION:
        raise ModelArtifactError(
            f"model metadata {path} has format_version {version!r}; this "
            f"fanaudit reads versions {OLDEST_FORMAT} to {FORMAT_VERSION} "
            "(upgrade fanaudit?)"
        )
    return metadata


def file_checksums(metadata: dict, meta_path: Path) -> dict[str, str]:
    """File name -> SHA-256 from metadata (format 2: the model file only)."""
    files: object
    if metadata["format_version"] == 2:
        files = {MODEL_FILE: metadata.get("model_sha256")}
    else:
        files = metadata.get("files")
    if not isinstance(files, dict) or not files:
        raise ModelArtifactError(f"model metadata {meta_path} lacks the checksums of its files")
    for name, digest in files.items():
        if (
            not isinstance(name, str)
            or not isinstance(digest, str)
            or name != Path(name).name
            or name in ("", ".", "..", METADATA_FILE)
        ):
            raise ModelArtifactError(f"model metadata {meta_path} lists a bad file entry {name!r}")
    if MODEL_FILE not in files:
        raise ModelArtifactError(f"model metadata {meta_path} lacks the checksum of {MODEL_FILE}")
    return files


def read_verified(folder: Path, name: str, metadata: dict) -> bytes:
    """The bytes of file `name` of a model folder, checked against its recorded SHA-256."""
    folder = Path(folder)
    files = file_checksums(metadata, folder / METADATA_FILE)
    if name not in files:
        raise ModelArtifactError(f"model file {folder / name} has no checksum in {METADATA_FILE}")
    path = folder / name
    if not path.is_file():
        raise ModelArtifactError(f"model artifact is incomplete: {path} is missing")
    data = read_limited(path, MAX_FILE_BYTES)
    if sha256_hex(data) != files[name]:
        raise ModelArtifactError(
            f"model file {path} is corrupt: its SHA-256 does not match "
            f"{METADATA_FILE} (truncated or modified)"
        )
    return data


def parse_metadata(metadata: dict, path: Path) -> tuple[tuple[str, ...], Calibration, Thresholds]:
    """Feature list, calibration and thresholds from metadata, checked for sense."""
    try:
        features = tuple(metadata["feature_names"])
        calibration = Calibration.from_dict(metadata["calibration"])
        thresholds = Thresholds(
            float(metadata["thresholds"]["bot"]), float(metadata["thresholds"]["human"])
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelArtifactError(
            f"model metadata {path} is corrupt: missing or malformed {exc!r}"
        ) from exc
    problems = calibration.problems() + thresholds.problems()
    if not features or not all(isinstance(f, str) and f for f in features):
        problems.append("feature_names must be a non-empty list of names")
    if problems:
        raise ModelArtifactError(f"model metadata {path} is corrupt: " + "; ".join(problems))
    return features, calibration, thresholds


def read_booster_text(path: Path, metadata: dict) -> str:
    """The booster text, checked against the metadata's checksum and for completeness."""
    data = read_verified(path.parent, path.name, metadata)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelArtifactError(f"model file {path} is corrupt: not UTF-8 text") from exc
    missing = [section for section in BOOSTER_SECTIONS if f"\n{section}\n" not in text]
    if not text.startswith("tree\n") or missing:
        raise ModelArtifactError(
            f"model file {path} is corrupt: not a complete LightGBM text model"
            + (f" (no '{missing[0]}')" if missing else "")
        )
    return text


@dataclass(frozen=True, eq=False)  # hashed by identity: explainers are cached per model
class FanauditModel:
    """A trained, calibrated classifier with its thresholds."""

    booster: lgb.Booster
    feature_names: tuple[str, ...]
    calibration: Calibration
    thresholds: Thresholds
    metadata: dict
    kind_model: KindModel | None = None  # stored as kinds.txt + kinds.json

    def feature_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.feature_names if f not in frame.columns]
        if missing:
            raise ValueError(f"feature frame lacks {len(missing)} model feature(s): {missing[:5]}")
        return frame.loc[:, list(self.feature_names)].to_numpy(dtype=np.float64, na_value=np.nan)

    def raw_score(self, frame: pd.DataFrame) -> np.ndarray:
        # a dense matrix in, one column of raw scores out (the stubs allow sparse output)
        return cast(np.ndarray, self.booster.predict(self.feature_matrix(frame), raw_score=True))

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probability that each row is a bot."""
        return np.clip(self.calibration.apply(self.raw_score(frame)), 0.0, 1.0)

    def save(self, folder: Path) -> Path:
        """Write model.txt and metadata.json into `folder`; the metadata holds the SHA-256 of
        every file then in the folder (files of other parts are written before this)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        text = self.booster.model_to_string().encode("utf-8")
        (folder / MODEL_FILE).write_bytes(text)
        kinds = (
            {}
            if self.kind_model is None
            else {
                "kind_model": dict(self.metadata.get("kind_model") or {})
                | {"sha256": self.kind_model.save(folder)}
            }
        )
        files = {
            path.name: sha256_hex(path.read_bytes())
            for path in sorted(folder.iterdir())
            if path.is_file() and path.name != METADATA_FILE
        }
        metadata = (
            self.metadata
            | kinds
            | {
                "format_version": FORMAT_VERSION,
                "files": files,  # every other file of the folder, written before save()
                "model_sha256": files[MODEL_FILE],
                "feature_names": list(self.feature_names),
                "calibration": self.calibration.to_dict(),
                "thresholds": {"bot": self.thresholds.bot, "human": self.thresholds.human},
            }
        )
        (folder / METADATA_FILE).write_text(
            json.dumps(metadata, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        return folder

    @classmethod
    def load(cls, folder: Path) -> FanauditModel:
        """Load and check a model folder; a ModelArtifactError says what is wrong."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ModelArtifactError(f"model folder {folder} does not exist")
        model_path, meta_path = folder / MODEL_FILE, folder / METADATA_FILE
        for path in (model_path, meta_path):
            if not path.is_file():
                raise ModelArtifactError(f"model artifact is incomplete: {path} is missing")
        metadata = read_metadata(meta_path)
        features, calibration, thresholds = parse_metadata(metadata, meta_path)
        for name in file_checksums(metadata, meta_path):  # every file, before anything parses
            read_verified(folder, name, metadata)
        text = read_booster_text(model_path, metadata)
        try:
            booster = lgb.Booster(model_str=text)
        except lgb.basic.LightGBMError as exc:
            raise ModelArtifactError(f"model file {model_path} is corrupt: {exc}") from exc
        if tuple(booster.feature_name()) != features:
            raise ModelArtifactError(f"{model_path} and {meta_path} disagree on the feature list")
        return cls(
            booster, features, calibration, thresholds, metadata, load_kind_model(folder, metadata)
        )


def load_kind_model(folder: Path, metadata: dict):
    """The kind model stored with the main model (models.kinds), or None when it has none."""
    info = metadata.get("kind_model")
    if not isinstance(info, dict) or not isinstance(info.get("sha256"), str):
        return None
    from fanaudit.models.kinds import KindModel, KindModelError

    try:
        return KindModel.load(folder, info["sha256"])
    except (KindModelError, ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as exc:
        raise ModelArtifactError(f"model folder {folder}: kind model is corrupt: {exc}") from exc
