"""Explaining one account: its verdict, probability and top reasons with their SHAP
contributions, from a feature table (only the account's row group is read) or a dataset.

Kept apart from `models.jobs` so that `fanaudit explain --features F --account ID` imports
only what it uses (pandas, pyarrow, LightGBM, the registry): MLflow only for a model in
the registry (not a model folder), the staging and feature code only with a dataset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fanaudit.features.feature import Language
from fanaudit.features.feature_table import read_feature_table
from fanaudit.features.pipeline import ID
from fanaudit.features.registry import reason_for
from fanaudit.models.explain import explain, top_contributions
from fanaudit.models.scoring import RequestError

if TYPE_CHECKING:
    from fanaudit.features.dataset import DataSource
    from fanaudit.models.store import LoadedModel


@dataclass(frozen=True)
class AccountExplanation:
    account_id: str
    probability: float
    verdict: str
    base_value: float
    raw_score: float
    contributions: list[tuple[str, float, float | None, str]]  # feature, shap, value, reason
    model_version: str
    thresholds: tuple[float, float]
    kind_line: str = ""  # the likely bot kind (flagged accounts), or why there is none


def kind_line(
    model, row: pd.DataFrame, verdict: str, chosen: list[tuple[str, float]], lang: Language
) -> str:
    """'likely kind: ... (85%); then ... (9%)' for a flagged account; without a kind model,
    the signal family behind its strongest reasons, named as a family."""
    if verdict == "human":
        return ""
    from fanaudit.features.registry import FEATURES_BY_NAME, family_title
    from fanaudit.models.kinds import kind_columns, kind_note, kind_title

    kinds = kind_columns(model, row, np.array([True]))
    if kinds["bot_kind"].iat[0]:
        scores = sorted(json.loads(kinds["kind_scores"].iat[0]).items(), key=lambda kv: -kv[1])
        said = [f"{kind_title(k, lang)} ({100 * p:.0f}%)" for k, p in scores[:3]]
        return ("可能的机器粉类型：" if lang == "zh" else "likely kind: ") + "; ".join(said)
    families = [FEATURES_BY_NAME[name].family for name, shap in chosen if shap > 0]
    family = max(set(families), key=families.count) if families else None
    note = kind_note(model)
    if lang == "zh":
        return f"该模型没有机器粉类型（{note}）" + (
            f"；最强信号类别：{family_title(family, lang)}" if family else ""
        )
    return f"no bot kinds in this model ({note})" + (
        f"; strongest signal family: {family_title(family, lang)}" if family else ""
    )


def explain_account(
    data_dir: DataSource | None,
    account_id: str,
    *,
    model_uri: str | None = None,
    top: int = 5,
    lang: Language = "en",
    tracking_uri: str | None = None,
    allow_unknown: bool = False,
    features_file: Path | None = None,
    allow_registry_mismatch: bool = False,
    waterfall: Path | None = None,
) -> tuple[AccountExplanation, LoadedModel, pd.DataFrame]:
    """Verdict, probability and the top SHAP reasons of one account.

    From a feature table (`features_file`) only the account's row is read, and it is
    checked against the fingerprint of `data_dir` when that is given too.
    """
    if data_dir is None and features_file is None:
        raise RequestError("give a dataset folder or a feature table to explain from")
    if waterfall is not None:  # the plot the caller will write: checked before any work
        from fanaudit.features.dataset import Dataset
        from fanaudit.features.loading import dataset_inputs
        from fanaudit.models.jobs import check_side_output, model_inputs

        folder = data_dir.path if isinstance(data_dir, Dataset) else data_dir
        check_side_output(
            Path(waterfall),
            [
                *(dataset_inputs(Path(folder)) if folder is not None else []),
                *([Path(features_file)] if features_file else []),
                *model_inputs(model_uri),
            ],
        )
    if features_file is not None:
        if data_dir is not None:
            from fanaudit.models.jobs import fingerprint_of

            fingerprint = fingerprint_of(data_dir)
        else:
            fingerprint = None
        row, _ = read_feature_table(
            Path(features_file),
            fingerprint=fingerprint,
            data_name=str(data_dir),
            accounts=[str(account_id)],
        )
        source = features_file
    else:
        assert data_dir is not None  # checked above: one of the two is given
        from fanaudit.features.dataset import opened

        with opened(data_dir, allow_unknown=allow_unknown) as data:
            features = data.features()
            source = data.path
        row = features[features[ID] == str(account_id)]
    if row.empty:
        raise RequestError(f"account {account_id!r} is not in {source}")
    from fanaudit.models.store import load_model, use_tracking

    if model_uri is None or not Path(model_uri).is_dir():  # a model folder needs no MLflow
        use_tracking(tracking_uri)
    loaded = load_model(model_uri, allow_registry_mismatch=allow_registry_mismatch)
    model = loaded.model
    probability = float(model.predict_proba(row)[0])
    verdict = str(model.thresholds.verdicts(np.array([probability]))[0])
    explanation = explain(model, row)
    values = row.iloc[0].to_dict()
    chosen = top_contributions(
        explanation.contributions[0],
        model.feature_names,
        values=values,
        towards_bot=verdict != "human",
        k=top,
    )
    contributions = [
        (
            name,
            shap,
            None if pd.isna(values[name]) else float(values[name]),
            reason_for(name, values, shap, lang) or "",
        )
        for name, shap in chosen
    ]
    raw = float(model.raw_score(row)[0])
    result = AccountExplanation(
        str(account_id),
        probability,
        verdict,
        explanation.base_value,
        raw,
        contributions,
        loaded.version,
        (model.thresholds.human, model.thresholds.bot),
        kind_line(model, row, verdict, chosen, lang),
    )
    return result, loaded, row


