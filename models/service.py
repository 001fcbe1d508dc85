"""The scoring service behind `fanaudit serve`: FastAPI over the current feature table.

At start the service loads the model and one feature table (a file written by the
features job, or the dataset's cached one) and scores every account once (probability,
verdict, and the kind of bot when scoring gives one). The reasons of every flagged
account (its MAX_TOP strongest readable SHAP contributions) are computed once per feature
table and model and kept in fanaudit's cache (`features.cache`, keyed on the fingerprints
of both), so the next start reads them and look-ups of flagged accounts never run
TreeSHAP; for other accounts and posted rows it runs per request, a fraction of a
millisecond each. Requests then only look up rows and word the chosen reasons.

    GET  /health                 model, feature table, accounts: is it up and on what
    GET  /accounts/{account_id}  one account: probability, verdict, top reasons, kind
    POST /accounts               {"account_ids": [...]} many at once (at most MAX_BATCH)
    POST /score                  {"rows": [{feature: value, ...}]} for callers who compute
                                 their own features (every registry feature, null = missing)
    GET  /docs, /openapi.json    the interactive API documentation (FastAPI's own)

Bodies are bounded (MAX_BODY_BYTES: 413 beyond it); unknown ids are 404 and malformed
bodies 422, each with one sentence saying what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, SupportsFloat

import numpy as np
import pandas as pd
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from fanaudit.features.feature import Language
from fanaudit.features.pipeline import ID
from fanaudit.features.registry import FEATURES_BY_NAME, registry_version
from fanaudit.models.artifact import FanauditModel
from fanaudit.models.explain import EXPLAIN_BATCH, TOP_REASONS, explain_matrix
from fanaudit.models.reasons import NONE, Chosen, choose, sentences
from fanaudit.models.scoring import score_features, score_in_chunks

MAX_BODY_BYTES = 1 << 20  # 1 MiB: about 25,000 ids or 400 feature rows
MAX_BATCH = 10_000
MAX_TOP = 10
KIND_COLUMNS = ("bot_kind", "kind_probability")  # passed on when scoring provides them


REASONS_FORMAT = "1"
REASON_CODE = ("models/reasons.py", "models/explain.py", "features/registry.py")


@dataclass(frozen=True)
class CachedReasons:
    """The MAX_TOP strongest readable reasons of every flagged account (towards bot), computed
    once: row `row_of[p]` of the arrays for the account at position p (-1: not cached)."""

    row_of: np.ndarray
    features: np.ndarray  # cached accounts x MAX_TOP, column positions (NONE past count)
    case: np.ndarray  # which of the feature's sentences (models.reasons)
    contributions: np.ndarray  # the SHAP contribution of each chosen feature
    counts: np.ndarray
    key: str
    from_cache: bool

    def arrays(self) -> dict[str, np.ndarray]:
        positions = np.flatnonzero(self.row_of >= 0)
        return {
            "positions": positions,
            "features": self.features,
            "case": self.case,
            "contributions": self.contributions,
            "counts": self.counts,
        }


@dataclass
class ServiceState:
    """Everything a request needs, loaded once."""

    model: FanauditModel
    model_uri: str
    model_version: str
    ids: pd.Index  # account ids, in the feature table's order
    matrix: np.ndarray  # accounts x model features (float64, NaN = missing)
    scores: pd.DataFrame  # per account: bot_probability, verdict (+ bot_kind, ...)
    features_source: str
    fingerprint: str
    registry: str
    columns: dict[str, list] = field(default_factory=dict)  # `scores` as plain lists
    cached: CachedReasons | None = None
    explained_on_request: int = 0  # rows whose reasons requests computed (TreeSHAP)
    id_list: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.columns = columns_of(self.scores)
        self.id_list = self.ids.tolist()


def build_state(
    features: pd.DataFrame,
    model: FanauditModel,
    *,
    model_uri: str,
    model_version: str,
    features_source: str,
    fingerprint: str,
    progress=None,
) -> ServiceState:
    scored = score_in_chunks(features, model, model_version, which="none")
    keep = ["bot_probability", "verdict"] + [c for c in KIND_COLUMNS if c in scored.columns]
    state = ServiceState(
        model,
        model_uri,
        model_version,
        pd.Index(features[ID].astype(str)),
        model.feature_matrix(features),
        scored[keep].reset_index(drop=True),
        features_source,
        fingerprint,
        registry_version(),
    )
    state.cached = flagged_reasons(state, progress=progress)
    return state


def table_fingerprint(ids: list[str], matrix: np.ndarray, names: tuple[str, ...]) -> str:
    """SHA-256 of exactly what is served: account ids, feature names and values."""
    digest = hashlib.sha256()
    digest.update("\n".join(names).encode() + b"\0")
    digest.update("\n".join(ids).encode() + b"\0")
    digest.update(np.ascontiguousarray(matrix, dtype=np.float64).data)
    return digest.hexdigest()


def model_fingerprint(model: FanauditModel) -> str:
    """SHA-256 of what decides reasons: the trees, the calibration and the thresholds."""
    digest = hashlib.sha256(model.booster.model_to_string().encode())
    about = {
        "calibration": model.calibration.to_dict(),
        "thresholds": [model.thresholds.human, model.thresholds.bot],
    }
    digest.update(json.dumps(about, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def reasons_key(state: ServiceState) -> str:
    """The cache key of the flagged accounts' reasons: the feature table's and the model's
    fingerprints and the code that chooses reasons."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{REASONS_FORMAT}|{MAX_TOP}|".encode())
    names = state.model.feature_names
    digest.update(table_fingerprint(state.id_list, state.matrix, names).encode())
    digest.update(model_fingerprint(state.model).encode())
    for name in REASON_CODE:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:32]


def flagged_reasons(state: ServiceState, progress=None) -> CachedReasons:
    """The reasons of every flagged account: from the cache when this feature table was
    served with this model before, else computed in batches (TreeSHAP) and kept."""
    from fanaudit.features.cache import REASONS, keep_arrays, load_arrays

    key = reasons_key(state)
    flagged = np.flatnonzero(np.asarray(state.columns["verdict"], dtype=object) != "human")
    row_of = np.full(len(state.id_list), -1, dtype=np.int64)
    stored = load_arrays(REASONS, key)
    if stored is not None and np.array_equal(stored["positions"], flagged):
        if progress:
            progress(f"reasons of {len(flagged):,} flagged accounts from the cache")
        row_of[flagged] = np.arange(len(flagged))
        return CachedReasons(
            row_of,
            stored["features"],
            stored["case"],
            stored["contributions"],
            stored["counts"],
            key,
            True,
        )
    names = state.model.feature_names
    parts: list[tuple[np.ndarray, ...]] = []
    for start in range(0, len(flagged), EXPLAIN_BATCH):
        if progress:
            progress(f"reasons of flagged accounts: {start:,} of {len(flagged):,}")
        rows = state.matrix[flagged[start : start + EXPLAIN_BATCH]]
        contributions = explain_matrix(state.model, rows).contributions
        chosen = choose(contributions, rows, names, np.ones(len(rows), bool), MAX_TOP)
        kept = np.take_along_axis(contributions, np.maximum(chosen.features, 0), axis=1)
        shaps = np.where(chosen.features >= 0, kept, 0.0)
        parts.append((chosen.features, chosen.case, shaps, chosen.counts))
    width = min(MAX_TOP, len(names))
    empty = (
        np.empty((0, width), np.int64),
        np.empty((0, width), np.int8),
        np.empty((0, width)),
        np.empty(0, np.int64),
    )
    features, case, contributions, counts = (
        np.concatenate([p[i] for p in parts]) if parts else empty[i] for i in range(4)
    )
    row_of[flagged] = np.arange(len(flagged))
    cached = CachedReasons(
        row_of,
        features.astype(np.int16),
        case.astype(np.int8),
        contributions,
        counts.astype(np.int16),
        key,
        False,
    )
    keep_arrays(
        REASONS,
        key,
        cached.arrays(),
        source=state.features_source,
        fingerprint=state.fingerprint,
        accounts=len(flagged),
    )
    return cached


def number(value: SupportsFloat | None) -> float | None:
    """A JSON-safe float: NaN and missing become null."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def reasons_of(
    model: FanauditModel,
    rows: np.ndarray,
    verdicts: list[str],
    top: int,
    lang: Language,
    cached: CachedReasons | None = None,
    positions: np.ndarray | None = None,
    state: ServiceState | None = None,
) -> list[list[dict]]:
    """Top reasons of each row of `rows` (a feature matrix) towards its verdict: the
    cached ones where `cached` holds the row at `positions`, else computed (TreeSHAP,
    counted in `state.explained_on_request`)."""
    if len(rows) == 0 or top == 0:
        return [[] for _ in range(len(rows))]
    names = model.feature_names
    k = min(top, len(names))
    features = np.full((len(rows), k), NONE, dtype=np.int64)
    case = np.full((len(rows), k), NONE, dtype=np.int8)
    shaps = np.zeros((len(rows), k))
    hit = np.zeros(len(rows), dtype=bool)
    if cached is not None and positions is not None:
        at = cached.row_of[positions]
        hit = at >= 0
        took = at[hit]
        features[hit] = cached.features[took, :k]
        case[hit] = cached.case[took, :k]
        shaps[hit] = cached.contributions[took, :k]
    todo = np.flatnonzero(~hit)
    if state is not None:
        state.explained_on_request += len(todo)
    if len(todo):
        contributions = explain_matrix(model, rows[todo]).contributions
        towards_bot = np.array([verdicts[i] != "human" for i in todo.tolist()], dtype=bool)
        fresh = choose(contributions, rows[todo], names, towards_bot, k)
        features[todo], case[todo] = fresh.features, fresh.case
        shaps[todo] = np.take_along_axis(contributions, np.maximum(fresh.features, 0), axis=1)
    counts = (features >= 0).sum(axis=1)
    said = sentences(Chosen(features, case, counts), rows, names, lang)
    families = [FEATURES_BY_NAME[n].family for n in names]
    found = []
    for r in range(len(rows)):
        row = []
        for slot, j in enumerate(features[r, : counts[r]].tolist()):
            value = rows[r, j]
            row.append(
                {
                    "feature": names[j],
                    "family": families[j],
                    "value": None if value != value else float(value),
                    "contribution": round(float(shaps[r, slot]), 6),
                    "reason": said[r, slot],
                }
            )
        found.append(row)
    return found


def answers(
    state: ServiceState,
    positions: np.ndarray,
    top: int,
    lang: Language,
    ids: list[str] | None = None,
    scores: pd.DataFrame | None = None,
    matrix: np.ndarray | None = None,
) -> list[dict]:
    """The JSON answers for rows `positions` of the state (or of a posted frame); plain
    numpy and lists on this path, since a look-up costs a millisecond or so."""
    columns = state.columns if scores is None else columns_of(scores)
    matrix = state.matrix if matrix is None else matrix
    ids = state.id_list if ids is None else ids
    verdicts = [columns["verdict"][p] for p in positions]
    cached = state.cached if scores is None else None  # posted rows are never cached
    reasons = reasons_of(
        state.model, matrix[positions], verdicts, top, lang, cached, np.asarray(positions), state
    )
    out = []
    for i, position in enumerate(positions):
        answer = {
            "account_id": ids[position],
            "bot_probability": round(columns["bot_probability"][position], 6),
            "verdict": verdicts[i],
            "reasons": reasons[i],
            "model_version": state.model_version,
        }
        for column in KIND_COLUMNS:
            if column in columns:
                answer[column] = columns[column][position]
        out.append(answer)
    return out


def columns_of(scores: pd.DataFrame) -> dict[str, list]:
    """Scores as plain lists (JSON-ready: NaN as None, kind probabilities rounded)."""
    found = {
        "bot_probability": scores["bot_probability"].astype(float).tolist(),
        "verdict": scores["verdict"].astype(str).tolist(),
    }
    for column in KIND_COLUMNS:
        if column in scores.columns:
            values = scores[column]
            found[column] = [
                None
                if pd.isna(v) or v == ""
                # no kind: a human verdict
                else round(float(v), 6)
                if column == "kind_probability"
                else str(v)
                for v in values.tolist()
            ]
    return found


# --------------------------------------------------------------------------- request bodies


class LookupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_ids: list[str] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"account ids (at most {MAX_BATCH:,})"
    )
    top: int = Field(TOP_REASONS, ge=0, le=MAX_TOP, description="reasons per account (0: none)")
    lang: Literal["en", "zh"] = "en"
    skip_unknown: bool = Field(
        False,
        description="answer for the known ids and list the unknown ones instead of refusing (404)",
    )


class ScoreBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, float | str | None]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="feature vectors: every feature of the registry (null when missing), "
        "and optionally account_id",
    )
    top: int = Field(TOP_REASONS, ge=0, le=MAX_TOP)
    lang: Literal["en", "zh"] = "en"


def posted_frame(body: ScoreBody, names: tuple[str, ...]) -> pd.DataFrame:
    """The posted rows as a feature frame; every problem is one 422 sentence."""
    expected = set(names)
    for index, row in enumerate(body.rows):
        unknown = sorted(set(row) - expected - {ID})
        if unknown:
            raise HTTPException(422, f"rows[{index}]: unknown feature(s) {', '.join(unknown[:5])}")
        missing = [n for n in names if n not in row]
        if missing:
            raise HTTPException(
                422,
                f"rows[{index}]: missing feature(s) {', '.join(missing[:5])}"
                + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                + " (send null for a missing value)",
            )
        for name in names:
            value = row[name]
            if isinstance(value, str) or (value is not None and not math.isfinite(value)):
                raise HTTPException(
                    422, f"rows[{index}].{name}: {value!r} is not a finite number or null"
                )
    frame = pd.DataFrame(
        [[row[n] for n in names] for row in body.rows], columns=list(names), dtype=np.float64
    )
    frame.insert(0, ID, [str(row.get(ID, f"row-{i}")) for i, row in enumerate(body.rows)])
    return frame


# --------------------------------------------------------------------------- the app


class BodyLimit:
    """Pure ASGI middleware: refuse bodies over `limit` bytes (413) before they are read
    whole, whether or not the client sends Content-Length."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self.too_large(send)
        seen, refused = 0, False

        async def bounded():
            nonlocal seen, refused
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:  # the app sees the client leave; the client gets a 413
                refused = True
                return {"type": "http.disconnect"}
            return message

        async def unless_refused(message):
            if not refused:
                await send(message)

        await self.app(scope, bounded, unless_refused)
        if refused:
            await self.too_large(send)

    async def too_large(self, send):
        body = json.dumps({"detail": f"request body larger than {self.limit:,} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def create_app(state: ServiceState) -> FastAPI:
    app = FastAPI(
        title="fanaudit",
        version=state.model_version,
        description="Bot or human: look up accounts of the current feature table, or "
        "score feature vectors, with the registered fanaudit model.",
    )

    @app.exception_handler(RequestValidationError)
    async def clear_validation(request: Request, exc: RequestValidationError):
        problems = [
            "{}: {}".format(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()[:5]
        ]
        return JSONResponse({"detail": "; ".join(problems)}, status_code=422)

    @app.get("/health")
    async def health() -> dict:
        thresholds, cached = state.model.thresholds, state.cached
        return {
            "status": "ok",
            "model": state.model_uri,
            "model_version": state.model_version,
            "accounts": len(state.ids),
            "features": state.features_source,
            "data_fingerprint": state.fingerprint,
            "registry_version": state.registry,
            "thresholds": {"human_below": thresholds.human, "bot_from": thresholds.bot},
            "reasons": {
                "cached_accounts": 0 if cached is None else int((cached.row_of >= 0).sum()),
                "from_cache": cached is not None and cached.from_cache,
                "key": None if cached is None else cached.key,
                "explained_on_request": state.explained_on_request,
            },
        }

    @app.get("/accounts/{account_id}")
    async def account(
        account_id: str,
        top: int = Query(TOP_REASONS, ge=0, le=MAX_TOP),
        lang: Literal["en", "zh"] = "en",
    ) -> dict:
        """Probability, verdict, top reasons (and kind, when known) of one account."""
        position = state.ids.get_indexer([account_id])[0]
        if position < 0:
            raise HTTPException(404, f"account {account_id!r} is not in the feature table")
        return answers(state, np.array([position]), top, lang)[0]

    @app.post("/accounts")
    async def accounts(body: LookupBody) -> dict:
        """Many accounts at once, in the order asked (duplicates answered once)."""
        wanted = pd.Index(body.account_ids).drop_duplicates()
        positions = state.ids.get_indexer(wanted)
        unknown = wanted[positions < 0].tolist()
        if unknown and not body.skip_unknown:
            shown = ", ".join(map(repr, unknown[:10])) + (" ..." if len(unknown) > 10 else "")
            raise HTTPException(
                404,
                f"{len(unknown)} account(s) are not in the feature table: "
                f"{shown} (set skip_unknown to answer for the rest)",
            )
        results = answers(state, positions[positions >= 0], body.top, body.lang)
        return {"results": results, "unknown": unknown}

    @app.post("/score")
    async def score(body: ScoreBody) -> dict:
        """Score posted feature vectors (for callers who compute their own features)."""
        frame = posted_frame(body, state.model.feature_names)
        scored = score_features(frame, state.model, state.model_version, which="none")
        positions = np.arange(len(frame))
        return {
            "results": answers(
                state,
                positions,
                body.top,
                body.lang,
                ids=frame[ID].tolist(),
                scores=scored,
                matrix=state.model.feature_matrix(frame),
            )
        }

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    return app


def load_state(
    *,
    features_file: Path | None = None,
    data_dir: Path | None = None,
    model_uri: str | None = None,
    tracking_uri: str | None = None,
    allow_unknown: bool = False,
    progress=None,
) -> ServiceState:
    """The model and the current feature table: `features_file` (checked against `data_dir`'s
    fingerprint when both are given), else `data_dir`'s features from the cache."""
    from fanaudit.features.cache import data_fingerprint, features_of, staged
    from fanaudit.features.feature_table import read_feature_table
    from fanaudit.models.scoring import RequestError
    from fanaudit.models.store import load_model, use_tracking

    if features_file is None and data_dir is None:
        raise RequestError("the service needs a feature table or a dataset folder")
    use_tracking(tracking_uri)
    loaded = load_model(model_uri)
    if progress:
        progress("reading the feature table")
    if features_file is not None:
        fingerprint = None if data_dir is None else data_fingerprint(Path(data_dir))
        frame, info = read_feature_table(
            Path(features_file), fingerprint=fingerprint, data_name=str(data_dir)
        )
        source, fingerprint = str(features_file), info.fingerprint
    else:
        assert data_dir is not None  # checked above: one of the two is given
        with staged(Path(data_dir), allow_unknown=allow_unknown, progress=progress) as data:
            frame = features_of(data, progress=progress)
        source, fingerprint = f"{data_dir} (cached features)", data.fingerprint
    if progress:
        progress(f"scoring {len(frame):,} accounts")
    return build_state(
        frame,
        loaded.model,
        model_uri=loaded.uri,
        model_version=loaded.version,
        features_source=source,
        fingerprint=fingerprint,
        progress=progress,
    )


def run_server(state: ServiceState, host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    uvicorn.run(create_app(state), host=host, port=port, log_level="warning", timeout_keep_alive=30)
