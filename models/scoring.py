"""Batch scoring: every requested account exactly once, with a calibrated probability, a
verdict from the model's stored thresholds, and plain-language reasons where needed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from fanaudit.errors import DataError
from fanaudit.features.feature import Language
from fanaudit.features.pipeline import ID
from fanaudit.models.artifact import FanauditModel
from fanaudit.models.kinds import kind_columns
from fanaudit.models.explain import explain_matrix
from fanaudit.models.reasons import word

if TYPE_CHECKING:  # staging (DuckDB) is imported only by the functions that read data
    from fanaudit.features.loading import StagedDataset

SCORE_CHUNK = 200_000  # accounts per chunk when only probabilities are needed
EXPLAIN_CHUNK = 20_000  # when reasons are computed too: SHAP is slow, so progress moves often
ExplainWhich = Literal["flagged", "all", "none"]
OUTPUT_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("bot_probability", pa.float64()),
        ("verdict", pa.string()),
        ("reasons", pa.string()),
        ("top_features", pa.string()),
        ("model_version", pa.string()),
        ("bot_kind", pa.string()),
        ("kind_probability", pa.float64()),
        ("kind_scores", pa.string()),
    ]
)


class RequestError(DataError):
    """The requested accounts cannot be scored as asked (unknown ids, unknown streamer...)."""


@dataclass(frozen=True)
class Request:
    """Which accounts to score, deduplicated, with what was dropped and why."""

    account_ids: pd.Index
    source: str
    duplicates: int = 0
    unknown: tuple[str, ...] = field(default=())


def read_account_list(path: Path) -> pd.Series:
    """The `account_id` column of a CSV or Parquet file, by the tables' id rule
    (`features.loading.read_id_column`)."""
    from fanaudit.features.loading import read_id_column

    return pd.Series(read_id_column(Path(path)), dtype=object)


def followers_of(staged: StagedDataset, streamer: str) -> pd.Series:
    """Accounts whose latest follow action on `streamer` is a follow (current followers)."""
    from fanaudit.features.loading import duckdb_connection

    if not staged.has("follows"):
        raise RequestError(f"{staged.source}: no follows table, so no followers of {streamer!r}")
    sql = f"""
        SELECT follower_id FROM {staged.source_sql("follows")}
        WHERE followee_id = $streamer
        QUALIFY row_number() OVER (
                PARTITION BY follower_id ORDER BY ts DESC NULLS FIRST, _row DESC) = 1
            AND action = 'follow'
        ORDER BY follower_id"""
    ids = duckdb_connection().execute(sql, {"streamer": streamer}).df()["follower_id"]
    if ids.empty:
        raise RequestError(f"{staged.source}: account {streamer!r} has no followers in follows")
    return ids.astype(str)


def build_request(
    staged: StagedDataset | None,
    all_ids: pd.Index,
    *,
    streamer: str | None = None,
    accounts_file: Path | None = None,
    skip_unknown: bool = False,
    account_ids: Iterable[str] | None = None,
) -> Request:
    """The accounts to score: a streamer's followers, the ids in `accounts_file`, the ids
    given as `account_ids`, or (none of them) every account."""
    chosen = [c for c in (streamer, accounts_file, account_ids) if c is not None]
    if len(chosen) > 1:
        raise RequestError("score the followers of a streamer or a list of accounts, not both")
    if streamer is not None:
        if staged is None:
            raise RequestError(f"the followers of {streamer!r} come from a dataset; none given")
        wanted, source = followers_of(staged, streamer), f"followers of {streamer}"
    elif accounts_file is not None:
        wanted, source = read_account_list(accounts_file), str(accounts_file)
    elif account_ids is not None:
        wanted = pd.Series([str(i) for i in account_ids], dtype=object)
        source = f"{len(wanted):,} given account id(s)"
    else:
        return Request(all_ids, "all accounts")
    unique = pd.Index(wanted.drop_duplicates())
    unknown = unique.difference(all_ids, sort=False)
    if len(unknown) and not skip_unknown:
        shown = ", ".join(map(repr, unknown[:10]))
        raise RequestError(
            f"{len(unknown)} requested account(s) are not in the dataset: {shown}"
            + (" ..." if len(unknown) > 10 else "")
            + " (skip unknown accounts to score the rest)"
        )
    return Request(
        unique.difference(unknown, sort=False),
        source,
        duplicates=len(wanted) - len(unique),
        unknown=tuple(unknown),
    )


def needs_reasons(verdicts: np.ndarray, which: ExplainWhich) -> np.ndarray:
    if which == "all":
        return np.ones(len(verdicts), dtype=bool)
    if which == "none":
        return np.zeros(len(verdicts), dtype=bool)
    return verdicts != "human"


def add_reasons(
    scored: pd.DataFrame,
    features: pd.DataFrame,
    model: FanauditModel,
    which: ExplainWhich,
    lang: Language,
) -> None:
    """Fill `reasons` and `top_features` for the rows that need them (in place)."""
    rows = np.flatnonzero(needs_reasons(scored["verdict"].to_numpy(), which))
    if len(rows) == 0:
        return
    matrix = model.feature_matrix(features.iloc[rows])
    contributions = explain_matrix(model, matrix).contributions
    towards_bot = scored["verdict"].to_numpy()[rows] != "human"
    worded = word(contributions, matrix, model.feature_names, towards_bot, lang)
    reasons, tops = worded.reasons, worded.top_features
    scored.iloc[rows, scored.columns.get_loc("reasons")] = reasons
    scored.iloc[rows, scored.columns.get_loc("top_features")] = tops


def score_features(
    features: pd.DataFrame,
    model: FanauditModel,
    version: str,
    *,
    which: ExplainWhich = "flagged",
    lang: Language = "en",
) -> pd.DataFrame:
    """Score one chunk of the feature table (one row per account)."""
    probability = model.predict_proba(features)
    scored = pd.DataFrame(
        {
            "account_id": features[ID].astype(str).to_numpy(),
            "bot_probability": probability,
            "verdict": model.thresholds.verdicts(probability),
            "reasons": "",
            "top_features": "[]",
            "model_version": str(version),
        }
    )
    add_reasons(scored, features.reset_index(drop=True), model, which, lang)
    kinds = kind_columns(model, features, scored["verdict"].to_numpy() != "human")
    return pd.concat([scored, kinds.set_axis(scored.index)], axis=1)


def iter_scored_chunks(
    features: pd.DataFrame,
    model: FanauditModel,
    version: str,
    *,
    rows: np.ndarray | None = None,
    which: ExplainWhich = "flagged",
    lang: Language = "en",
    chunk_size: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Score the rows at positions `rows` of `features` (default: all), one chunk at a time.

    Only the current chunk's rows are copied out of `features`; at least one (possibly
    empty) frame is yielded so every output has its columns.
    """
    if rows is None:
        rows = np.arange(len(features))
    chunk_size = chunk_size or (SCORE_CHUNK if which == "none" else EXPLAIN_CHUNK)
    if len(rows) == 0:
        yield empty_scores()
        return
    for start in range(0, len(rows), chunk_size):
        chunk = features.iloc[rows[start : start + chunk_size]]
        yield score_features(chunk, model, version, which=which, lang=lang)


def score_in_chunks(
    features: pd.DataFrame,
    model: FanauditModel,
    version: str,
    *,
    rows: np.ndarray | None = None,
    which: ExplainWhich = "flagged",
    lang: Language = "en",
) -> pd.DataFrame:
    """All scored rows in one frame (for reports and benchmarks, which need them together)."""
    return pd.concat(
        iter_scored_chunks(features, model, version, rows=rows, which=which, lang=lang),
        ignore_index=True,
    )


def empty_scores() -> pd.DataFrame:
    return OUTPUT_SCHEMA.empty_table().to_pandas()


def request_rows(all_ids: pd.Index, request: Request) -> np.ndarray:
    """Positions in the feature table of the requested accounts, in request order."""
    rows = all_ids.get_indexer(request.account_ids)
    if (rows < 0).any():
        missing = request.account_ids[rows < 0]
        raise RequestError(
            f"{len(missing)} requested account(s) have no feature row, e.g. {missing[0]!r}"
        )
    return rows


def verdicts_of(
    features: pd.DataFrame,
    all_ids: pd.Index,
    account_ids: pd.Index,
    model: FanauditModel,
    version: str,
    known: pd.DataFrame | None = None,
) -> pd.Series:
    """The verdict of each of `account_ids` (no reasons), reusing the rows of `known` scores."""
    verdicts = (
        known.set_index("account_id")["verdict"] if known is not None else pd.Series(dtype=object)
    )
    todo = pd.Index(account_ids).difference(verdicts.index)
    rows = all_ids.get_indexer(todo)
    if (rows < 0).any():
        raise RequestError(f"account {todo[rows < 0][0]!r} has no feature row")
    parts = [verdicts] + [
        chunk.set_index("account_id")["verdict"]
        for chunk in iter_scored_chunks(features, model, version, rows=rows, which="none")
    ]
    return pd.concat(parts)


def reconcile(request: Request, scored_ids: pd.Index) -> None:
    """Accounts in must equal accounts out: each requested id exactly once, none added."""
    out = pd.Index(scored_ids)
    problems = []
    if out.has_duplicates:
        problems.append(f"{out.duplicated().sum()} account(s) scored twice")
    missing = request.account_ids.difference(out)
    if len(missing):
        problems.append(
            f"{len(missing)} requested account(s) missing from the output, e.g. {missing[0]!r}"
        )
    extra = out.difference(request.account_ids)
    if len(extra):
        problems.append(
            f"{len(extra)} account(s) in the output that were not requested, e.g. {extra[0]!r}"
        )
    if problems:
        raise RuntimeError("scoring failed to reconcile: " + "; ".join(problems))
