"""fanaudit's public Python API (re-exported by ``import fanaudit``).

Load a dataset folder once, then run every step on it::

    import fanaudit

    data = fanaudit.load("demo-out/dataset")        # validated and staged once
    table = fanaudit.feature_table(data)             # one row per account
    run = fanaudit.train(data, n_estimators=200)     # MLflow run + registered version
    scores = fanaudit.score(data, followers_of="u0236736985", model=run.model_uri)
    shap_values = fanaudit.explain(data, scores.frame["account_id"][:100], model=run.model_uri)
    fanaudit.report(data, "u0236736985", "report.html", model=run.model_uri)

Every function also takes a folder instead of a `Dataset` (it is then loaded for that
call only). Errors are the library's own exceptions and never refer to the command line.
The command line (`fanaudit.cli`) is wiring over these functions and the jobs they call.

Nothing heavy is imported with this module: each function calls
`fanaudit.runtime.prepare()` (OpenMP wait policy, MLflow HTTP limits) before LightGBM
loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fanaudit.features.dataset import Dataset, DataSource
from fanaudit.runtime import prepare

if TYPE_CHECKING:
    import pandas as pd
    import shap

    from fanaudit.models.history import RunRow
    from fanaudit.models.jobs import ReportResult, Scores
    from fanaudit.models.store import LoadedModel
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.simulator import SimulationConfig, SimulationSummary
    from fanaudit.training.tracking import RunResult

Progress = Callable[[str], None]


def load(
    path: str | Path, *, allow_unknown: bool = False, progress: Progress | None = None
) -> Dataset:
    """Validate and stage a dataset folder (docs/dataset.md) once, for reuse by every step.

    A `ContractError` lists each problem's file, row and column. With `allow_unknown`,
    accounts that appear only in event tables are added with empty profiles. Use the
    result as a context manager, or call `close()`, to remove the staged copy early.
    """
    return Dataset.load(path, allow_unknown=allow_unknown, progress=progress)


def simulate(
    out: str | Path,
    config: SimulationConfig | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> SimulationSummary:
    """Write a labelled simulated platform to `out` (see `SimulationConfig` for `options`:
    seed, scale, bot_share, difficulty, kind_difficulty, label_noise, days, split, fmt...)."""
    prepare()
    from fanaudit.training.simulator import SimulationConfig
    from fanaudit.training.simulator import simulate as run

    if "kind_difficulty" in options and isinstance(options["kind_difficulty"], Mapping):
        options["kind_difficulty"] = tuple(options["kind_difficulty"].items())
    if config is None:
        config = SimulationConfig(**options)
    elif options:
        from dataclasses import replace

        config = replace(config, **options)
    return run(config, Path(out), progress=progress)


def feature_table(
    data: DataSource,
    *,
    out: str | Path | None = None,
    allow_unknown: bool = False,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """The per-account feature table (`account_id` + every registry feature), exactly one
    row per account; with `out` (.parquet or .csv) also written atomically. The frame of a
    `Dataset` is computed once and shared: treat it as read-only.

    (Named `feature_table` because `fanaudit.features` is the features sub-package.)"""
    prepare()
    from fanaudit.features.dataset import opened
    from fanaudit.features.io import write_frame_atomic
    from fanaudit.features.jobs import reconcile
    from fanaudit.features.pipeline import ID

    with opened(data, allow_unknown=allow_unknown, progress=progress) as dataset:
        frame = dataset.features(progress)
        reconcile(dataset.accounts, len(frame), frame[ID].nunique())
    if out is not None:
        write_frame_atomic(frame, Path(out))
    return frame


def train(
    data: DataSource,
    config: TrainConfig | str | Path | None = None,
    *,
    promote: bool = False,
    tracking_uri: str | None = None,
    tune_trials: int = 0,
    allow_unknown: bool = False,
    progress: Progress | None = None,
    **overrides: Any,
) -> RunResult:
    """Train on a labelled dataset: grouped cross-validation, calibration, thresholds, one
    MLflow run and a new registered version (`champion` when promoted, or the first).

    `config` is a `TrainConfig`, a TOML/JSON file, or None (defaults); `overrides` (e.g.
    seed=1, n_estimators=200, model_name="fanaudit-staging") go on top.
    """
    prepare()
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.jobs import train_from_folder

    if config is None:
        config = TrainConfig(**overrides)
    elif isinstance(config, (str, Path)):
        config = TrainConfig.from_file(Path(config), **overrides)
    elif overrides:
        config = config.model_copy(update=overrides)
        config = TrainConfig.model_validate(config.model_dump())
    return train_from_folder(
        data,
        config,
        promote=promote,
        tracking_uri=tracking_uri,
        allow_unknown=allow_unknown,
        tune_trials=tune_trials,
        progress=progress,
    )


def score(
    data: DataSource,
    *,
    model: str | None = None,
    followers_of: str | None = None,
    accounts: Iterable[str] | None = None,
    skip_unknown: bool = False,
    explain: str = "flagged",
    lang: str = "en",
    tracking_uri: str | None = None,
    allow_unknown: bool = False,
    progress: Progress | None = None,
) -> Scores:
    """Score a streamer's followers, the given account ids, or (neither) every account:
    probability, verdict and, for `explain` = "flagged" (bot and uncertain), "all" or
    "none", plain-language reasons in `lang` ("en" or "zh"). Every requested account comes
    out exactly once; `Scores.write(path)` writes the file `fanaudit score` writes.

    `model` is a model URI (default: the settings' model name at alias `champion`), a
    runs:/ URI or a model folder.
    """
    prepare()
    from fanaudit.models.jobs import score_accounts

    return score_accounts(
        data,
        model_uri=model,
        streamer=followers_of,
        account_ids=accounts,
        skip_unknown=skip_unknown,
        explain_which=_choice(explain, ("flagged", "all", "none"), "explain"),
        lang=_language(lang),
        tracking_uri=tracking_uri,
        allow_unknown=allow_unknown,
        progress=progress,
    )


def explain(
    data: DataSource,
    accounts: str | Iterable[str],
    *,
    model: str | None = None,
    tracking_uri: str | None = None,
    allow_unknown: bool = False,
) -> shap.Explanation:
    """SHAP contributions of the given accounts (rows in the order given), in the model's
    log-odds: base value + contributions = raw score. A `shap.Explanation`, so
    `shap.plots.waterfall(e[0])` or `shap.plots.beeswarm(e)` draw it."""
    prepare()
    import pandas as pd

    from fanaudit.features.dataset import opened
    from fanaudit.features.pipeline import ID
    from fanaudit.models.explain import as_shap
    from fanaudit.models.scoring import RequestError
    from fanaudit.models.store import load_model as load, use_tracking

    wanted = [accounts] if isinstance(accounts, str) else [str(a) for a in accounts]
    use_tracking(tracking_uri)
    loaded = load(model)
    with opened(data, allow_unknown=allow_unknown) as dataset:
        frame = dataset.features()
        source = dataset.path
    rows = pd.Index(frame[ID]).get_indexer(wanted)
    if (rows < 0).any():
        missing = [w for w, r in zip(wanted, rows, strict=True) if r < 0]
        raise RequestError(
            f"{len(missing)} account(s) are not in {source}: " + ", ".join(map(repr, missing[:10]))
        )
    return as_shap(loaded.model, frame.iloc[rows])


def report(
    data: DataSource,
    streamer: str,
    out: str | Path,
    *,
    model: str | None = None,
    lang: str = "en",
    tracking_uri: str | None = None,
    allow_unknown: bool = False,
    progress: Progress | None = None,
) -> ReportResult:
    """Write `streamer`'s audience audit page (self-contained HTML) to `out`, atomically."""
    prepare()
    from fanaudit.models.jobs import report_streamer

    return report_streamer(
        data,
        streamer,
        Path(out),
        model_uri=model,
        lang=_language(lang),
        tracking_uri=tracking_uri,
        allow_unknown=allow_unknown,
        progress=progress,
    )


def load_model(model: str | None = None, *, tracking_uri: str | None = None) -> LoadedModel:
    """A trained model (`.model` is a `FanauditModel`: `predict_proba`, `thresholds`...)
    from a models:/ or runs:/ URI or a folder; default: the settings' model at `champion`.
    `FanauditClassifier.from_model(loaded.model)` wraps it for scikit-learn."""
    prepare()
    from fanaudit.models.store import load_model as load, use_tracking

    use_tracking(tracking_uri)
    return load(model)


def runs(
    limit: int = 10,
    *,
    experiment: str | None = None,
    model_name: str | None = None,
    tracking_uri: str | None = None,
) -> list[RunRow]:
    """The latest training runs, newest first, with headline metrics and versions."""
    prepare()
    from fanaudit.models.history import recent_runs

    return recent_runs(experiment, limit, tracking_uri, model_name)


def promote(
    version: str | int, *, model_name: str | None = None, tracking_uri: str | None = None
) -> None:
    """Move the `champion` alias of `model_name` (default: the settings') to `version`."""
    prepare()
    from fanaudit.models.store import set_champion, use_tracking

    use_tracking(tracking_uri)
    set_champion(str(version), model_name)


def _choice(value: str, allowed: tuple[str, ...], what: str) -> Any:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _language(lang: str) -> Any:
    return _choice(lang, ("en", "zh"), "lang")
