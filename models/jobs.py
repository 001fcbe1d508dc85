"""The scoring-side jobs: score a follower list, explain one account. Each takes a dataset
folder and a model URI and returns a result object; the CLI only prints it."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from fanaudit.errors import PathError

from fanaudit.features.feature import Language
from fanaudit.features.engine import Engine, connect
from fanaudit.features.io import check_output, write_text_atomic
from fanaudit.features.cache import data_fingerprint
from fanaudit.features.dataset import Dataset, DataSource, opened
from fanaudit.features.feature_table import check_table, read_feature_table, table_info
from fanaudit.features.loading import dataset_inputs
from fanaudit.features.pipeline import ID
from fanaudit.features.tables import open_tables
from fanaudit.models.audience import (
    current_followers,
    follow_events,
    follow_times,
    headline_share,
    peer_comparison,
    room_events,
)
from fanaudit.models.account import AccountExplanation, explain_account, kind_line  # noqa: F401
from fanaudit.models.output import AtomicChunkWriter
from fanaudit.models.scoring import (
    OUTPUT_SCHEMA,
    ExplainWhich,
    RequestError,
    build_request,
    iter_scored_chunks,
    needs_reasons,
    reconcile,
    request_rows,
    score_in_chunks,
    verdicts_of,
)
from fanaudit.models.quantify import (
    METHOD_NAMES,
    QuantificationUnavailable,
    ShareEstimate,
    estimate_bot_share,
)
from fanaudit.models.store import LoadedModel, load_model, use_tracking
from fanaudit.features.privacy import home_state


def model_inputs(model_uri: str | None) -> list[Path]:
    """What a job reads of the model store: a model folder, and the secret and embedded
    store in fanaudit's home; no output may replace them."""
    reads = home_state()
    if model_uri and Path(model_uri).exists():
        reads.append(Path(model_uri))
    return reads


@dataclass(frozen=True)
class ScoreSummary:
    out: Path
    source: str
    requested: int  # distinct accounts asked for, before unknown ones were skipped
    duplicates: int
    unknown: tuple[str, ...]
    scored: int
    written: int  # rows in the output file
    explained: int  # rows whose reasons were computed (SHAP)
    verdicts: dict[str, int]
    model_uri: str
    model_version: str
    seconds: float
    share: ShareEstimate | None = None  # estimated bot share among the scored accounts
    share_note: str | None = None  # why there is no share (a model without held-out rates)

    def as_dict(self) -> dict:
        """The reconciliation counts and the share, for pipelines (`--summary FILE.json`)."""
        return {
            "out": str(self.out),
            "source": self.source,
            "requested": self.requested,
            "duplicates": self.duplicates,
            "unknown": len(self.unknown),
            "scored": self.scored,
            "written": self.written,
            "explained": self.explained,
            "verdicts": self.verdicts,
            "bot_share": self.share.as_dict() if self.share else None,
            "bot_share_note": self.share_note,
            "model_uri": self.model_uri,
            "model_version": self.model_version,
            "seconds": round(self.seconds, 3),
        }


def check_side_output(path: Path, reads: list[Path]) -> None:
    """A second output of any name (a JSON summary, a PNG): never onto what the command
    reads or writes, never a directory."""
    check_output(path, reads, folder=True)
    if path.is_dir():
        raise PathError(path, "is a directory; give the output a file name")


def write_summary(summary: ScoreSummary, path: Path) -> None:
    """The summary as JSON, written atomically."""
    write_text_atomic(
        json.dumps(summary.as_dict(), indent=2, ensure_ascii=False) + "\n", Path(path)
    )


def share_sentence(share: ShareEstimate) -> str:
    return (
        f"estimated bot share {share.share:.1%} (95% interval {share.low:.1%}-{share.high:.1%}; "
        f"{METHOD_NAMES[share.method]})"
    )


def share_of(probability: np.ndarray, model) -> tuple[ShareEstimate | None, str | None]:
    try:
        return estimate_bot_share(probability, model), None
    except QuantificationUnavailable as exc:
        return None, str(exc)


def features_for(
    data: Dataset, features_file: Path | None, progress: Callable[[str], None] | None = None
) -> pd.DataFrame:
    """The feature table of the data: from `features_file` (checked against the data's
    fingerprint and the feature registry) or computed once (and cached)."""
    if features_file is None:
        return data.features(progress)
    frame, _ = read_feature_table(
        Path(features_file), fingerprint=data.fingerprint, data_name=str(data.path)
    )
    return frame


def fingerprint_of(data: DataSource | None) -> str | None:
    if data is None:
        return None
    return data.fingerprint if isinstance(data, Dataset) else data_fingerprint(Path(data))


def no_followers_without_data(streamer: str | None) -> None:
    if streamer is not None:
        raise RequestError(
            f"the followers of {streamer!r} come from the dataset's follows table: "
            "give the dataset folder as well as the feature table"
        )


def score_folder(
    data_dir: DataSource | None,
    out: Path,
    *,
    model_uri: str | None = None,
    streamer: str | None = None,
    accounts_file: Path | None = None,
    skip_unknown: bool = False,
    explain_which: ExplainWhich = "flagged",
    lang: Language = "en",
    tracking_uri: str | None = None,
    allow_unknown: bool = False,
    progress: Callable[[str], None] | None = None,
    advance: Callable[[int, int], None] | None = None,
    engine: Engine = "duckdb",
    spark_master: str | None = None,
    features_file: Path | None = None,
    allow_registry_mismatch: bool = False,
    summary_file: Path | None = None,
) -> ScoreSummary:
    """Score the requested accounts of `data_dir` chunk by chunk into `out`, atomically.

    With `features_file` (a feature table) the features are read from it; without
    `data_dir` it is the only input (no followers lookup then).

    The file appears only once every chunk is written and the accounts written reconcile
    with the accounts requested; any failure leaves `out` as it was. With engine="spark"
    features and scores are computed on Spark and `out` is a Parquet folder. `data_dir`
    is a dataset folder or a loaded `Dataset` (reused, not staged again).
    """
    started = time.perf_counter()
    if data_dir is None and features_file is None:
        raise RequestError("give a dataset folder or a feature table to score")
    folder = (
        None
        if data_dir is None
        else (data_dir.path if isinstance(data_dir, Dataset) else Path(data_dir))
    )
    reads = [
        *(dataset_inputs(folder) if folder else []),
        *([accounts_file] if accounts_file else []),
        *([Path(features_file)] if features_file else []),
        *model_inputs(model_uri),
    ]
    check_output(Path(out), reads, folder=engine == "spark")  # before any work
    if summary_file is not None:  # the JSON summary: any name, never onto an input or `out`
        check_side_output(Path(summary_file), [*reads, Path(out)])
    if features_file is not None:
        check_table(table_info(Path(features_file)))  # and on an unusable feature table
    use_tracking(tracking_uri)
    loaded = load_model(model_uri, allow_registry_mismatch=allow_registry_mismatch)
    if engine == "spark":
        if features_file is not None or data_dir is None:
            raise RequestError(
                "scoring on Spark computes its features from the dataset folder; "
                "a feature table is scored on DuckDB"
            )
        return score_folder_on_spark(
            data_dir,
            out,
            loaded,
            started,
            spark_master=spark_master,
            allow_unknown=allow_unknown,
            progress=progress,
            streamer=streamer,
            accounts_file=accounts_file,
            skip_unknown=skip_unknown,
            which=explain_which,
            lang=lang,
        )
    if data_dir is None or (features_file is not None and streamer is None):
        no_followers_without_data(streamer)
        assert features_file is not None  # checked above: without data_dir it is given
        # a feature table needs no staging: the data, if given, is only fingerprinted
        features, _ = read_feature_table(
            Path(features_file), fingerprint=fingerprint_of(data_dir), data_name=str(data_dir)
        )
        all_ids = pd.Index(features[ID])
        request = build_request(
            None, all_ids, accounts_file=accounts_file, skip_unknown=skip_unknown
        )
    else:
        with opened(data_dir, allow_unknown=allow_unknown, progress=progress) as data:
            features = features_for(data, features_file, progress)
            all_ids = pd.Index(features[ID])
            request = build_request(
                data.staged,
                all_ids,
                streamer=streamer,
                accounts_file=accounts_file,
                skip_unknown=skip_unknown,
            )
    rows = request_rows(all_ids, request)
    ids: list[np.ndarray] = []
    probabilities: list[np.ndarray] = []
    verdicts: Counter[str] = Counter()
    explained = 0
    with AtomicChunkWriter(Path(out), OUTPUT_SCHEMA) as writer:
        for chunk in iter_scored_chunks(
            features, loaded.model, loaded.version, rows=rows, which=explain_which, lang=lang
        ):
            writer.write(chunk)
            ids.append(chunk["account_id"].to_numpy())
            probabilities.append(chunk["bot_probability"].to_numpy(dtype=float))
            verdicts.update(chunk["verdict"].value_counts().to_dict())
            explained += int(needs_reasons(chunk["verdict"].to_numpy(), explain_which).sum())
            if advance:
                advance(writer.rows, len(rows))
        reconcile(request, pd.Index(np.concatenate(ids)))
        writer.commit()
    share, note = share_of(
        np.concatenate(probabilities) if probabilities else np.empty(0), loaded.model
    )
    return ScoreSummary(
        Path(out),
        request.source,
        len(request.account_ids) + len(request.unknown),
        request.duplicates,
        request.unknown,
        len(rows),
        writer.rows,
        explained,
        dict(verdicts),
        loaded.uri,
        loaded.version,
        time.perf_counter() - started,
        share,
        note,
    )


def score_folder_on_spark(
    data_dir: DataSource,
    out: Path,
    loaded: LoadedModel,
    started: float,
    *,
    spark_master: str | None,
    allow_unknown: bool,
    progress: Callable[[str], None] | None,
    **request,
) -> ScoreSummary:
    """score_folder on Spark (models.spark_scoring): staged here, scored on the executors."""
    from fanaudit.models.spark_scoring import score_staged_on_spark

    with opened(data_dir, allow_unknown=allow_unknown, progress=progress) as data:
        done = score_staged_on_spark(
            data.staged,
            Path(out),
            loaded.model,
            loaded.version,
            spark_master=spark_master,
            **request,
        )
    probability = pq.read_table(Path(out), columns=["bot_probability"]).column(0).to_numpy()
    share, note = share_of(probability, loaded.model)
    return ScoreSummary(
        Path(out),
        done.source,
        done.requested,
        done.duplicates,
        done.unknown,
        done.written,
        done.written,
        done.explained,
        done.verdicts,
        loaded.uri,
        loaded.version,
        time.perf_counter() - started,
        share,
        note,
    )


@dataclass(frozen=True)
class Scores:
    """Scored accounts in memory: `frame` has the score file's columns (account_id,
    bot_probability, verdict, reasons, top_features, model_version), one row per account."""

    frame: pd.DataFrame
    source: str
    requested: int
    duplicates: int
    unknown: tuple[str, ...]
    explained: int
    model_uri: str
    model_version: str

    @property
    def verdicts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.frame["verdict"].value_counts().items()}

    def write(self, out: Path) -> Path:
        """Write the scores (.csv or .parquet) atomically, as `fanaudit score` does."""
        with AtomicChunkWriter(Path(out), OUTPUT_SCHEMA) as writer:
            writer.write(self.frame)
            writer.commit()
        return Path(out)


def score_accounts(
    data: DataSource,
    *,
    model_uri: str | None = None,
    streamer: str | None = None,
    account_ids: Iterable[str] | None = None,
    skip_unknown: bool = False,
    explain_which: ExplainWhich = "flagged",
    lang: Language = "en",
    tracking_uri: str | None = None,
    allow_unknown: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Scores:
    """Score accounts into memory: a streamer's followers, the given ids, or everyone."""
    use_tracking(tracking_uri)
    loaded = load_model(model_uri)
    with opened(data, allow_unknown=allow_unknown, progress=progress) as dataset:
        features = dataset.features(progress)
        all_ids = pd.Index(features[ID])
        request = build_request(
            dataset.staged,
            all_ids,
            streamer=streamer,
            account_ids=account_ids,
            skip_unknown=skip_unknown,
        )
    scored = score_in_chunks(
        features,
        loaded.model,
        loaded.version,
        rows=request_rows(all_ids, request),
        which=explain_which,
        lang=lang,
    )
    reconcile(request, pd.Index(scored["account_id"]))
    explained = int(needs_reasons(scored["verdict"].to_numpy(), explain_which).sum())
    return Scores(
        scored,
        request.source,
        len(request.account_ids) + len(request.unknown),
        request.duplicates,
        request.unknown,
        explained,
        loaded.uri,
        loaded.version,
    )


def data_span(tables) -> tuple | None:
    """First and last China-time day of the follows table (the report's footer)."""
    if tables.follows is None:
        return None
    f = tables.follows
    row = f.aggregate(first=f.ts.min(), last=f.ts.max()).to_pandas().iloc[0]
    if pd.isna(row["first"]) or pd.isna(row["last"]):
        return None
    return tuple(pd.Timestamp(row[k]).tz_convert("Asia/Shanghai").date() for k in ("first", "last"))


@dataclass(frozen=True)
class ReportResult:
    out: Path
    followers: int
    verdicts: dict[str, int]
    model_version: str
    sentence: str
    bursts: dict[str, int]  # judgement -> bursts
    rooms: tuple[str, ...]


def report_streamer(
    data_dir: DataSource,
    streamer: str,
    out: Path,
    *,
    model_uri: str | None = None,
    lang: Language = "en",
    tracking_uri: str | None = None,
    allow_unknown: bool = False,
    allow_registry_mismatch: bool = False,
    progress: Callable[[str], None] | None = None,
    features_file: Path | None = None,
) -> ReportResult:
    """Score a streamer's followers (and everyone active in its live room) and write the
    audience audit page to `out`, atomically."""
    folder = data_dir.path if isinstance(data_dir, Dataset) else Path(data_dir)
    check_output(
        Path(out), [*dataset_inputs(folder), *model_inputs(model_uri)], folder=True
    )  # HTML: any name, but never onto an input
    from fanaudit.models.report import audit_facts, render_report, verdict_sentence  # charts: slow

    if Path(out).is_dir():
        raise PathError(Path(out), "is a directory; give the report a file name")
    use_tracking(tracking_uri)
    loaded = load_model(model_uri, allow_registry_mismatch=allow_registry_mismatch)
    with opened(data_dir, allow_unknown=allow_unknown, progress=progress) as data:
        features = features_for(data, features_file, progress)
        all_ids = pd.Index(features[ID])
        request = build_request(data.staged, all_ids, streamer=streamer)
        if progress:
            progress("the live room")
        tables = open_tables(connect("duckdb"), data.staged)
        follows = follow_times(tables, streamer)
        events = room_events(tables, request.account_ids)
        timed = follow_events(tables, streamer)
        everyone = current_followers(tables)
        span = data_span(tables)
    if progress:
        progress("scoring and explaining the followers")
    scored = score_in_chunks(
        features, loaded.model, loaded.version, rows=request_rows(all_ids, request), lang=lang
    )
    reconcile(request, pd.Index(scored["account_id"]))
    room_verdicts = verdicts_of(
        features, all_ids, events.accounts(), loaded.model, loaded.version, known=scored
    )
    if progress:
        progress("the share of fake followers and similar streamers")
    model = loaded.model
    probability = pd.Series(model.predict_proba(features), index=all_ids)
    event_verdicts = pd.Series(
        model.thresholds.verdicts(
            probability.reindex(timed["account_id"].unique()).to_numpy(float)
        ),
        index=timed["account_id"].unique(),
    )
    own = headline_share(scored["bot_probability"].to_numpy(float), model)
    peers = peer_comparison(
        streamer, own.share, everyone, probability, lambda p: headline_share(p, model).share
    )
    facts = audit_facts(
        streamer,
        scored,
        features,
        all_ids,
        follows,
        events,
        room_verdicts,
        model,
        loaded.version,
        follow_events=timed,
        event_verdicts=event_verdicts,
        headline=own,
        peers=peers,
        data_span=span,
    )
    write_text_atomic(render_report(facts, lang), Path(out))
    judgements: Counter[str] = Counter(b.judgement for b in facts.growth.bursts)
    return ReportResult(
        Path(out),
        len(scored),
        facts.quality.verdicts,
        loaded.version,
        verdict_sentence(facts, lang),
        dict(judgements),
        events.rooms,
    )
