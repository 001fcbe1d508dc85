"""The scoring-side jobs: score a follower list, explain one account. Each takes a dataset
folder and a model URI and returns a result object; the CLI only prints it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.feature import Language
from features.io import output_format, write_frame_atomic
from features.loading import staged_dataset
from features.pipeline import ID, compute_features
from models.explain import explain, top_contributions
from models.scoring import (ExplainWhich, RequestError, build_request, reconcile,
                            score_in_chunks)
from models.store import LoadedModel, load_model, use_tracking
from features.registry import render_reason


@dataclass(frozen=True)
class ScoreSummary:
    out: Path
    source: str
    requested: int  # distinct accounts asked for, before unknown ones were skipped
    duplicates: int
    unknown: tuple[str, ...]
    scored: int
    verdicts: dict[str, int]
    model_uri: str
    model_version: str
    seconds: float


def score_folder(data_dir: Path, out: Path, *, model_uri: str | None = None,
                 streamer: str | None = None, accounts_file: Path | None = None,
                 skip_unknown: bool = False, explain_which: ExplainWhich = "flagged",
                 lang: Language = "en", tracking_uri: str | None = None,
                 allow_unknown: bool = False,
                 progress: Callable[[str], None] | None = None,
                 advance: Callable[[int, int], None] | None = None) -> ScoreSummary:
    """Score the requested accounts of `data_dir` and write them to `out` atomically."""
    started = time.perf_counter()
    output_format(Path(out))  # fail on a bad extension before any work
    use_tracking(tracking_uri)
    loaded = load_model(model_uri)
    with staged_dataset(Path(data_dir), allow_unknown=allow_unknown, progress=progress) as staged:
        features = compute_features(staged, progress=progress)
        request = build_request(staged, pd.Index(features[ID]), streamer=streamer,
                                accounts_file=accounts_file, skip_unknown=skip_unknown)
    selected = features.set_index(ID).loc[request.account_ids].reset_index()
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        if advance:
            advance(done, len(selected))

    scored = score_in_chunks(selected, loaded.model, loaded.version, which=explain_which,
                             lang=lang, progress=step)
    reconcile(request, scored)
    write_frame_atomic(scored, Path(out))
    return ScoreSummary(Path(out), request.source, len(request.account_ids) + len(request.unknown),
                        request.duplicates, request.unknown, len(scored),
                        scored["verdict"].value_counts().to_dict(), loaded.uri, loaded.version,
                        time.perf_counter() - started)


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


def explain_account(data_dir: Path, account_id: str, *, model_uri: str | None = None,
                    top: int = 5, lang: Language = "en", tracking_uri: str | None = None,
                    allow_unknown: bool = False) -> tuple[AccountExplanation, LoadedModel, pd.DataFrame]:
    """Verdict, probability and the top SHAP reasons of one account."""
    use_tracking(tracking_uri)
    loaded = load_model(model_uri)
    with staged_dataset(Path(data_dir), allow_unknown=allow_unknown) as staged:
        features = compute_features(staged)
    row = features[features[ID] == str(account_id)]
    if row.empty:
        raise RequestError(f"account {account_id!r} is not in {data_dir}")
    model = loaded.model
    probability = float(model.predict_proba(row)[0])
    verdict = str(model.thresholds.verdicts([probability])[0])
    explanation = explain(model, row)
    values = row.iloc[0].to_dict()
    chosen = top_contributions(explanation.contributions[0], model.feature_names,
                               towards_bot=verdict != "human", k=top)
    contributions = [(name, shap, None if pd.isna(values[name]) else float(values[name]),
                      render_reason(name, values, lang)) for name, shap in chosen]
    raw = float(model.raw_score(row)[0])
    result = AccountExplanation(str(account_id), probability, verdict, explanation.base_value, raw,
                                contributions, loaded.version,
                                (model.thresholds.human, model.thresholds.bot))
    return result, loaded, row


@dataclass(frozen=True)
class ReportResult:
    out: Path
    followers: int
    verdicts: dict[str, int]
    model_version: str


def streamer_follows(staged, streamer: str) -> pd.DataFrame:
    """The streamer's follow events (follower_id, ts), for the growth timeline."""
    from features.loading import duckdb_connection

    if not staged.has("follows"):
        return pd.DataFrame({"follower_id": pd.Series(dtype=str), "ts": pd.Series(dtype="datetime64[us, UTC]")})
    sql = (f"SELECT follower_id, ts FROM read_parquet('{staged.parquet_glob('follows')}') "
           "WHERE followee_id = $s AND action = 'follow' AND ts IS NOT NULL ORDER BY ts, follower_id")
    return duckdb_connection().execute(sql, {"s": streamer}).df()


def report_streamer(data_dir: Path, streamer: str, out: Path, *, model_uri: str | None = None,
                    lang: Language = "en", tracking_uri: str | None = None,
                    allow_unknown: bool = False,
                    progress: Callable[[str], None] | None = None) -> ReportResult:
    """Score a streamer's followers and write the audience audit page to `out`."""
    from models.report import render_report
    from features.io import write_text_atomic

    use_tracking(tracking_uri)
    loaded = load_model(model_uri)
    with staged_dataset(Path(data_dir), allow_unknown=allow_unknown, progress=progress) as staged:
        features = compute_features(staged, progress=progress)
        request = build_request(staged, pd.Index(features[ID]), streamer=streamer)
        follows = streamer_follows(staged, streamer)
    selected = features.set_index(ID).loc[request.account_ids].reset_index()
    scored = score_in_chunks(selected, loaded.model, loaded.version, lang=lang)
    reconcile(request, scored)
    thresholds = (loaded.model.thresholds.human, loaded.model.thresholds.bot)
    html = render_report(streamer, scored, follows, model_version=loaded.version,
                         thresholds=thresholds, lang=lang)
    write_text_atomic(html, Path(out))
    return ReportResult(Path(out), len(scored), scored["verdict"].value_counts().to_dict(), loaded.version)
