"""The bot-kind model on the scoring side: which kind of bot a flagged account is, with a
calibrated probability per kind.

Training (`training.kinds`) fits a multi-class LightGBM over the labels' `bot_kind` on bot
accounts and calibrates it by temperature scaling on out-of-fold scores. It is stored in
the model folder next to the main booster as LightGBM text (`kinds.txt`) and JSON
(`kinds.json`: kind names, temperature, held-out metrics and the text's SHA-256, which
is checked before LightGBM parses the text), so the registered model carries it. A model
trained without kind labels has no kind model; its metadata says why, and reports fall
back to the feature family behind each account's strongest reasons, named as a family.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from fanaudit.errors import ModelStoreError
from fanaudit.features.feature import Language

KINDS_MODEL_FILE = "kinds.txt"
KINDS_METADATA_FILE = "kinds.json"

# How reports name the kinds the simulator (and the trade) knows; other labels are shown as
# written in the labels table.
KIND_TEXT: dict[str, tuple[str, str]] = {
    "bulk_fan": ("bulk fake followers", "批量僵尸粉"),
    "high_end_fan": (
        "high-end fake followers (aged, active-looking)",
        "高级僵尸粉（老号、伪装活跃）",
    ),
    "click_farm": ("click farm (real people paid to follow)", "点击农场（真人付费关注）"),
    "comment_bot": ("comment bot", "评论机器人"),
    "order_brusher": ("order brushing (fake orders)", "刷单账号"),
    "drip_feed": (
        "drip-fed followers (follow, unfollow, top up)",
        "滴灌式涨粉（关注、取关、再补）",
    ),
    "stepped_delivery": ("stepped delivery (rising daily batches)", "阶梯式涨粉（每日递增）"),
}


def kind_title(kind: str, lang: Language = "en") -> str:
    text = KIND_TEXT.get(kind)
    if text is None:
        return kind.replace("_", " ")
    return text[1] if lang == "zh" else text[0]


class KindModelError(ModelStoreError):
    """The kind model files of a model folder are corrupt."""


@dataclass(frozen=True, eq=False)
class KindModel:
    booster: lgb.Booster
    kinds: tuple[str, ...]
    temperature: float
    metrics: dict

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability of each kind (rows x kinds), from the main model's
        feature matrix."""
        raw = np.asarray(self.booster.predict(X, raw_score=True), dtype=float).reshape(len(X), -1)
        scaled = raw / self.temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        p = np.exp(scaled)
        return p / p.sum(axis=1, keepdims=True)

    def save(self, folder: Path) -> str:
        """Write kinds.txt and kinds.json into `folder`; returns the JSON's SHA-256 (the
        main metadata records it, so the pair is checked as one)."""
        from fanaudit.models.artifact import sha256_hex

        text = self.booster.model_to_string().encode("utf-8")
        (Path(folder) / KINDS_MODEL_FILE).write_bytes(text)
        meta = json.dumps(
            {
                "kinds": list(self.kinds),
                "temperature": self.temperature,
                "metrics": self.metrics,
                "model_sha256": sha256_hex(text),
            },
            indent=2,
            ensure_ascii=False,
        ).encode("utf-8")
        (Path(folder) / KINDS_METADATA_FILE).write_bytes(meta)
        return sha256_hex(meta)

    @classmethod
    def load(cls, folder: Path, expected_sha256: str) -> KindModel:
        from fanaudit.models.artifact import sha256_hex

        meta_path, text_path = Path(folder) / KINDS_METADATA_FILE, Path(folder) / KINDS_MODEL_FILE
        try:
            meta_bytes, text = meta_path.read_bytes(), text_path.read_bytes()
        except OSError as exc:
            raise KindModelError(f"kind model in {folder} is incomplete: {exc}") from exc
        if sha256_hex(meta_bytes) != expected_sha256:
            raise KindModelError(
                f"kind model file {meta_path} is corrupt: its SHA-256 does not "
                "match the model metadata"
            )
        meta = json.loads(meta_bytes.decode("utf-8"))
        if sha256_hex(text) != meta.get("model_sha256"):
            raise KindModelError(
                f"kind model file {text_path} is corrupt: its SHA-256 does not "
                f"match {meta_path.name}"
            )
        booster = lgb.Booster(model_str=text.decode("utf-8"))
        kinds = tuple(str(k) for k in meta["kinds"])
        if booster.num_model_per_iteration() != len(kinds):
            raise KindModelError(f"{text_path} and {meta_path} disagree on the number of kinds")
        return cls(booster, kinds, float(meta["temperature"]), dict(meta.get("metrics", {})))


def kind_columns(model, frame: pd.DataFrame, flagged: np.ndarray) -> pd.DataFrame:
    """bot_kind, kind_probability and kind_scores (JSON {kind: probability}) for the
    `flagged` rows of `frame`; empty (and NaN) for the others and for a model without a
    kind model."""
    out = pd.DataFrame(
        {
            "bot_kind": np.full(len(frame), "", dtype=object),
            "kind_probability": np.full(len(frame), np.nan),
            "kind_scores": np.full(len(frame), "{}", dtype=object),
        }
    )
    kinds: KindModel | None = getattr(model, "kind_model", None)
    rows = np.flatnonzero(flagged)
    if kinds is None or len(rows) == 0:
        return out
    p = kinds.predict(model.feature_matrix(frame.iloc[rows]))
    best = p.argmax(axis=1)
    out.iloc[rows, 0] = np.asarray(kinds.kinds, dtype=object)[best]
    out.iloc[rows, 1] = p[np.arange(len(rows)), best]
    out.iloc[rows, 2] = scores_json(kinds.kinds, p)
    return out


def scores_json(kinds: tuple[str, ...], p: np.ndarray) -> list[str]:
    """Each row of `p` as JSON {kind: probability rounded to 6 places}: the text
    `json.dumps` writes (a float as its repr), built per kind rather than per row."""
    keys = [json.dumps(kind) + ": " for kind in kinds]
    columns = [[f"{key}{round(v, 6)!r}" for v in p[:, j].tolist()] for j, key in enumerate(keys)]
    return ["{" + ", ".join(parts) + "}" for parts in zip(*columns, strict=True)]


def kind_note(model) -> str:
    """Why a model has no kind model (empty when it has one)."""
    if getattr(model, "kind_model", None) is not None:
        return ""
    info = model.metadata.get("kind_model") if isinstance(model.metadata, dict) else None
    return (
        str(info.get("note", ""))
        if isinstance(info, dict)
        else "this model was trained without a kind model"
    )
