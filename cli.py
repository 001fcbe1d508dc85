"""fanaudit's command line: thin typer wiring over the library's jobs.

Each command parses options, calls one library function and prints its result; no other
module knows about the command line. Options whose values are a fixed set are enums, so
`--help` lists them; `-v`/`-q` set the verbosity (`fanaudit.logs.verbosity()`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from rich.traceback import Traceback

from fanaudit.logs import escape_controls
from fanaudit.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_MODEL_STORE,
    EXIT_PATH,
    EXIT_USAGE,
    FanauditError,
    os_error_message,
)

VERBOSE = False  # set by the app's callback (-v): unexpected errors then show their traceback


def safe(text: object, *, lines: bool = False) -> str:
    """User-controlled text made inert inside a markup template (``markup=True``): control
    characters shown as escapes, rich markup escaped. With `lines`, newlines are kept."""
    shown = str(text)
    if not lines:
        shown = shown.replace("\n", "\\n")
    return escape(escape_controls(shown))


def failure_exit(exc: BaseException) -> int:
    """Print an expected failure as one message naming what failed; the exit code for it.

    Exit codes are documented in `fanaudit.errors`. A bug (any other exception) gets a
    one-line notice, and its traceback only under ``-v``.
    """
    if isinstance(exc, KeyboardInterrupt):
        console.print("[bold red]interrupted[/]", markup=True)
        return EXIT_INTERRUPTED
    if isinstance(exc, FanauditError):
        return error_line(str(exc), exc.exit_code)
    if isinstance(exc, OSError):
        return error_line(os_error_message(exc), EXIT_PATH)
    if "mlflow" in sys.modules:
        from mlflow.exceptions import MlflowException

        if isinstance(exc, MlflowException):
            return error_line(f"model store: {exc.message}", EXIT_MODEL_STORE)
    if "pydantic" in sys.modules:
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            return error_line(str(exc), EXIT_USAGE)
    if VERBOSE:
        console.print(Traceback.from_exception(type(exc), exc, exc.__traceback__))
    return error_line(
        f"unexpected {type(exc).__name__}: {exc} (a bug in fanaudit; "
        "run again with -v for the traceback)",
        EXIT_BUG,
    )


def error_line(message: str, code: int) -> int:
    console.print(
        f"[bold red]error:[/] {safe(message, lines=True)}", markup=True
    )
    return code


def fail(message: str, code: int = EXIT_USAGE) -> None:
    raise typer.Exit(error_line(message, code))


@contextmanager
def clear_errors():
    """Kept where commands group their work: every error is mapped by `guarded`."""
    yield


def guarded(command: Callable) -> Callable:
    """`command` with every exception turned into a message and an exit code."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, click_exceptions()):
            raise
        except (Exception, KeyboardInterrupt) as exc:
            raise typer.Exit(failure_exit(exc)) from None

    return run


def click_exceptions() -> type[BaseException]:
    from click.exceptions import ClickException

    return ClickException


class App(typer.Typer):
    """A Typer app whose commands all go through `guarded`."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)

        def decorator(function: Callable) -> Callable:
            register(guarded(function))
            return function

        return decorator


app = App(
    help="Tell machine fans from real people: simulate, validate, featurise, train, "
    "score, explain and report.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_show_locals=False,
)


class SafeConsole(Console):
    """A console that user text cannot steer: every string it renders, printed or in a table
    cell, has its control characters shown as escapes (`escape_controls`), and markup is off
    unless a call asks for it with ``markup=True`` (whose interpolated values then go through
    `safe`). So a path, id or message is printed exactly as it is, whatever it contains."""

    def __init__(self, **kwargs: Any):
        super().__init__(markup=False, emoji=False, highlight=False, soft_wrap=True, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Any:
        return super().render_str(escape_controls(text), **kwargs)


console = SafeConsole(stderr=True)
out = SafeConsole()


class Lang(StrEnum):
    en = "en"
    zh = "zh"


class Explain(StrEnum):
    flagged = "flagged"
    all = "all"
    none = "none"


class EngineChoice(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class Split(StrEnum):
    group = "group"
    time = "time"


class Format(StrEnum):
    parquet = "parquet"
    csv = "csv"


def show_version(value: bool) -> None:
    if value:
        from fanaudit import __version__

        out.print(f"fanaudit {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="More output: -v libraries' info, -vv debug."
        ),
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=show_version,
            is_eager=True,
            help="Print fanaudit's version and exit.",
        ),
    ] = False,
) -> None:
    """Tell machine fans from real people: simulate, validate, featurise, train, score,
    explain and report."""
    import os

    from fanaudit import logs, runtime

    os.environ.setdefault("MPLBACKEND", "Agg")  # charts go to files, never to windows
    global VERBOSE
    VERBOSE = verbose > 0  # tracebacks of unexpected errors
    logs.setup(-1 if quiet else verbose, console)
    runtime.prepare()  # before any command loads LightGBM or talks to MLflow


DataOpt = Annotated[Path, typer.Option("--data", help="Dataset folder (see docs/dataset.md).")]
TrackingOpt = Annotated[
    str | None,
    typer.Option(
        "--tracking-uri",
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or ~/.fanaudit/mlflow.db).",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Model URI (default: models:/MODEL_NAME@champion, the model name from the "
        "settings), runs:/ URI or model folder.",
    ),
]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of reasons.")]
FeaturesOpt = Annotated[
    Path | None,
    typer.Option(
        "--features",
        help="Feature table written by `fanaudit features` (.parquet); checked against "
        "the feature registry and, with --data, the data's fingerprint.",
    ),
]
OptionalDataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="Dataset folder (see docs/dataset.md); optional with --features."),
]
AllowUnknownOpt = Annotated[
    bool,
    typer.Option(
        "--allow-unknown",
        help="Add accounts that only appear in event tables, with empty profiles.",
    ),
]
AllowMismatchOpt = Annotated[
    bool,
    typer.Option(
        "--allow-registry-mismatch",
        help="Use a model built with another feature registry version.",
    ),
]


def stage_progress():
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def status(message: str) -> None:
    console.print(f"[dim]… {safe(message)}[/]", markup=True)


def check_lang(lang: Lang | str) -> Literal["en", "zh"]:
    return "zh" if Lang(lang) is Lang.zh else "en"


@app.command()
def simulate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the dataset to.")],
    seed: Annotated[int, typer.Option(help="Random seed (deterministic output).")] = 0,
    scale: Annotated[float, typer.Option(help="1.0 is about 20,000 accounts (per world).")] = 1.0,
    bot_share: Annotated[
        float | None,
        typer.Option(
            help="Share of fans that are bots (default 0.3; drawn per world with --randomise).",
        ),
    ] = None,
    difficulty: Annotated[
        float | None,
        typer.Option(
            help="0 blatant bots, 1 human-like bots "
            "(default 0.5; drawn per kind with --randomise).",
        ),
    ] = None,
    kind_difficulty: Annotated[
        list[str] | None,
        typer.Option(help="Per-kind difficulty, KIND=VALUE (repeatable), e.g. click_farm=0.9."),
    ] = None,
    label_noise: Annotated[
        float | None,
        typer.Option(help="Share of labels flipped (default 0; drawn per world with --randomise)."),
    ] = None,
    days: Annotated[int, typer.Option(help="Days of platform activity.")] = 30,
    split: Annotated[
        bool, typer.Option(help="Write train/ and test/ with disjoint accounts.")
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", help="Table file format.")] = Format.parquet,
    randomise: Annotated[
        bool,
        typer.Option(
            "--randomise",
            help="Draw the world's parameters from documented ranges "
            "(time zone, rhythms, languages, NAT sizes, sellers...); see README.",
        ),
    ] = False,
    worlds: Annotated[
        int,
        typer.Option(help="Randomised worlds to write into the one folder (disjoint accounts)."),
    ] = 1,
    region: Annotated[
        str, typer.Option(help="Ranges randomised worlds are drawn from: all, home or away.")
    ] = "all",
) -> None:
    """Simulate a labelled live-streaming platform, bots and all."""
    from fanaudit.training.simulator import SimulationConfig, randomised_configs, simulate_worlds
    from fanaudit.training.simulator import simulate as run

    overrides = []
    for item in kind_difficulty or []:
        kind, _, value = item.partition("=")
        try:
            overrides.append((kind, float(value)))
        except ValueError:
            fail(f"--kind-difficulty expects KIND=VALUE, got {item!r}")
    if worlds < 1:
        fail("--worlds must be at least 1")
    randomise = randomise or worlds > 1
    pinned: dict[str, Any] = {
        name: value
        for name, value in (
            ("bot_share", bot_share),
            ("label_noise", label_noise),
            ("difficulty", difficulty),
        )
        if value is not None
    }
    if overrides:
        pinned["kind_difficulty"] = tuple(overrides)
    with clear_errors(), stage_progress() as bar:
        task = bar.add_task("simulating", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if randomise:
            if "difficulty" in pinned and "kind_difficulty" not in pinned:
                pinned["kind_difficulty"] = ()
            configs = randomised_configs(
                seed,
                worlds,
                scale=scale,
                ranges=region,
                days=days,
                split=split,
                fmt=Format(fmt).value,
                **pinned,
            )
            summary = simulate_worlds(configs, out_dir, step, region)
        else:
            config = SimulationConfig(
                seed=seed, scale=scale, days=days, split=split, fmt=Format(fmt).value, **pinned
            )
            summary = run(config, out_dir, progress=step)
    out.print(
        f"wrote {summary.out_dir}: {summary.accounts:,} accounts, "
        f"{sum(summary.events.values()):,} rows in {summary.seconds:.1f} s"
    )
    for index, world in enumerate(summary.worlds):
        out.print(
            f"world {index}: {world.accounts:,} accounts, most-followed streamer "
            f"{world.streamers[0]}"
        )
    if summary.worlds:
        out.print(f"drawn parameters: {summary.out_dir / 'worlds.json'}")
    table = Table("table", "rows")
    for name, count in summary.events.items():
        table.add_row(name, f"{count:,}")
    out.print(table)
    out.print("bots by kind: " + ", ".join(f"{k} {v:,}" for k, v in summary.bots_by_kind.items()))
    out.print(f"most-followed streamer: {summary.streamers[0]}")


@app.command()
def validate(
    data_dir: Annotated[Path, typer.Argument(help="Dataset folder to check.")],
    allow_unknown: AllowUnknownOpt = False,
) -> None:
    """Check a dataset folder against the contract; exit non-zero with file, row and column
    of each problem."""
    from fanaudit.features.loading import staged_dataset

    with clear_errors(), staged_dataset(data_dir, allow_unknown=allow_unknown) as staged:
        table = Table("table", "file", "rows")
        for name, info in staged.tables.items():
            table.add_row(name, info.source.name, f"{info.rows:,}")
        out.print(table)
        out.print(f"accounts: {staged.accounts:,}")
        out.print(f"time span: {staged.first_event} .. {staged.last_event}")
        for warning in staged.warnings:
            console.print(f"[yellow]warning:[/] {safe(warning, lines=True)}", markup=True)
        out.print("[green]valid[/]", markup=True)


@app.command()
def features(
    data_dir: DataOpt,
    out_file: Annotated[Path, typer.Option("--out", help="Feature table (.parquet or .csv).")],
    engine: Annotated[
        EngineChoice, typer.Option(help="spark writes a Parquet folder.")
    ] = EngineChoice.duckdb,
    spark_master: Annotated[str | None, typer.Option(help="Spark master URL.")] = None,
    allow_unknown: AllowUnknownOpt = False,
) -> None:
    """Write the per-account feature table: exactly one row per account (on Spark: a Parquet
    folder written by the cluster)."""
    from fanaudit.features.jobs import FeatureCountError, write_features

    with clear_errors():
        try:
            done = write_features(
                data_dir,
                out_file,
                engine=EngineChoice(engine).value,
                spark_master=spark_master,
                allow_unknown=allow_unknown,
                progress=status,
            )
        except FeatureCountError as exc:
            fail(str(exc))
    out.print(f"wrote {done.out}: {done.accounts:,} accounts x {done.features} features")


@app.command()
def train(
    data_dir: DataOpt,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="TOML or JSON training config.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Override the config's seed.")] = None,
    n_estimators: Annotated[int | None, typer.Option(help="Override the number of trees.")] = None,
    split: Annotated[Split | None, typer.Option(help="Validation split (default: group).")] = None,
    target_fpr: Annotated[
        float | None, typer.Option(help="FPR on humans at the bot threshold.")
    ] = None,
    promote: Annotated[bool, typer.Option(help="Make the new version the champion.")] = False,
    tune: Annotated[int, typer.Option(help="Optuna trials before training (0: no search).")] = 0,
    tracking_uri: TrackingOpt = None,
    allow_unknown: AllowUnknownOpt = False,
) -> None:
    """Train LightGBM, log one MLflow run and register a new version of the model."""
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.jobs import train_from_folder

    overrides = {
        "seed": seed,
        "n_estimators": n_estimators,
        "split": Split(split).value if split else None,
        "target_fpr": target_fpr,
    }
    with clear_errors():
        config = (
            TrainConfig.from_file(config_file, **overrides)
            if config_file
            else TrainConfig(**{k: v for k, v in overrides.items() if v is not None})
        )
        result = train_from_folder(
            data_dir,
            config,
            promote=promote,
            tracking_uri=tracking_uri,
            allow_unknown=allow_unknown,
            tune_trials=tune,
            progress=status,
        )
    out.print(f"run id: {result.run_id}")
    if result.groups is not None:
        out.print(f"validation: {result.groups.sentence()}")
    if result.group_warning:
        out.print(f"warning: {result.group_warning}")
    out.print(
        f"model: {config.model_name} version {result.version}"
        + (" (champion)" if result.champion else " (not promoted; use fanaudit promote)")
    )
    m = result.metrics
    interval = (
        f" [{m['roc_auc_ci_low']:.4f}, {m['roc_auc_ci_high']:.4f}]" if "roc_auc_ci_low" in m else ""
    )  # no interval with bootstrap = 0
    out.print(
        f"ROC-AUC {m['roc_auc']:.4f}{interval}  "
        f"PR-AUC {m['pr_auc']:.4f}  recall@{config.target_fpr:.0%}FPR {m['recall_at_fpr']:.3f}  "
        f"precision@bot {m['precision_at_bot']:.3f}  Brier {m['brier']:.4f}  ECE {m['ece']:.4f}"
    )
    out.print(
        f"at the bot verdict (held out): recall {m['recall_at_bot']:.3f}, "
        f"FPR on humans {m['fpr_at_bot']:.2%}, uncertain {m['uncertain_share']:.1%}; "
        "calibration figures are cross-fitted (calibrator fitted on other folds)"
    )
    out.print(f"tracking: {result.tracking_uri}")


@app.command()
def score(
    out_file: Annotated[Path, typer.Option("--out", help="Scores (.parquet or .csv).")],
    streamer: Annotated[
        str | None, typer.Option("--followers-of", help="Score this account's followers.")
    ] = None,
    accounts_file: Annotated[
        Path | None, typer.Option("--accounts", help="CSV/Parquet with account_id.")
    ] = None,
    model: ModelOpt = None,
    skip_unknown: Annotated[
        bool, typer.Option(help="List and skip requested ids not in the data.")
    ] = False,
    explain_which: Annotated[
        Explain,
        typer.Option("--explain", help="Reasons for: flagged (bot and uncertain), all or none."),
    ] = Explain.flagged,
    lang: LangOpt = Lang.en,
    tracking_uri: TrackingOpt = None,
    allow_unknown: AllowUnknownOpt = False,
    allow_registry_mismatch: AllowMismatchOpt = False,
    engine: Annotated[
        EngineChoice, typer.Option(help="spark writes a Parquet folder.")
    ] = EngineChoice.duckdb,
    spark_master: Annotated[
        str | None, typer.Option(help="Spark master URL (default $SPARK_MASTER or local[*]).")
    ] = None,
    data_dir: OptionalDataOpt = None,
    features_file: FeaturesOpt = None,
    summary_file: Annotated[
        Path | None,
        typer.Option(
            "--summary",
            help="Also write the reconciliation counts and the estimated bot share as JSON.",
        ),
    ] = None,
) -> None:
    """Score accounts: probability, verdict, reasons; every requested account exactly once."""
    from fanaudit.models.jobs import score_folder, share_sentence, write_summary

    if streamer is not None and accounts_file is not None:
        fail("choose --followers-of or --accounts, not both")
    with clear_errors(), stage_progress() as bar:
        task = bar.add_task("scoring", total=None)
        summary = score_folder(
            data_dir,
            out_file,
            model_uri=model,
            streamer=streamer,
            accounts_file=accounts_file,
            skip_unknown=skip_unknown,
            explain_which=Explain(explain_which).value,
            lang=check_lang(lang),
            tracking_uri=tracking_uri,
            allow_unknown=allow_unknown,
            allow_registry_mismatch=allow_registry_mismatch,
            progress=status,
            advance=lambda done, total: bar.update(task, completed=done, total=total),
            engine=EngineChoice(engine).value,
            spark_master=spark_master,
            features_file=features_file,
            summary_file=summary_file,
        )
    if summary.unknown:
        console.print(
            f"[yellow]skipped {len(summary.unknown)} unknown id(s):[/] "
            + ", ".join(safe(i) for i in summary.unknown[:20]),
            markup=True,
        )
    out.print(
        f"requested {summary.requested:,} ({summary.source}); duplicates {summary.duplicates:,}; "
        f"unknown {len(summary.unknown):,}; scored {summary.scored:,}; written {summary.written:,};"
        f" "
        f"explained {summary.explained:,}"
    )
    out.print("verdicts: " + ", ".join(f"{k} {v:,}" for k, v in sorted(summary.verdicts.items())))
    if summary.share is not None:
        out.print(share_sentence(summary.share))
    elif summary.share_note:
        out.print(f"no bot share: {summary.share_note}")
    if summary_file is not None:
        with clear_errors():
            write_summary(summary, summary_file)
        out.print(f"summary: {summary_file}")
    out.print(
        f"model {summary.model_uri} (version {summary.model_version}); wrote {summary.out} "
        f"in {summary.seconds:.1f} s"
    )


@app.command()
def explain(
    account: Annotated[str, typer.Option("--account", help="Account id to explain.")],
    model: ModelOpt = None,
    top: Annotated[int, typer.Option(help="Number of reasons.")] = 5,
    lang: LangOpt = Lang.en,
    waterfall: Annotated[
        Path | None, typer.Option(help="Save a SHAP waterfall plot (PNG).")
    ] = None,
    tracking_uri: TrackingOpt = None,
    allow_unknown: AllowUnknownOpt = False,
    allow_registry_mismatch: AllowMismatchOpt = False,
    data_dir: OptionalDataOpt = None,
    features_file: FeaturesOpt = None,
) -> None:
    """Print an account's verdict, probability and top reasons with their SHAP contributions."""
    from fanaudit.runtime import lightgbm_without_sklearn

    lightgbm_without_sklearn()  # a second of start-up: this process trains nothing
    from fanaudit.models.account import explain_account

    with clear_errors():
        result, loaded, row = explain_account(
            data_dir,
            account,
            model_uri=model,
            top=top,
            lang=check_lang(lang),
            tracking_uri=tracking_uri,
            allow_unknown=allow_unknown,
            allow_registry_mismatch=allow_registry_mismatch,
            features_file=features_file,
            waterfall=waterfall,
        )
    out.print(
        f"account {safe(result.account_id)}: [bold]{result.verdict}[/] "
        f"(bot probability {result.probability:.3f}; model version {safe(result.model_version)}; "
        f"thresholds human < {result.thresholds[0]:.3f}, bot ≥ {result.thresholds[1]:.3f})",
        markup=True,
    )
    table = Table("SHAP (log-odds)", "feature", "value", "reason")
    for name, shap_value, value, reason in result.contributions:
        table.add_row(f"{shap_value:+.3f}", name, "" if value is None else f"{value:.4g}", reason)
    out.print(table)
    out.print(
        f"base value {result.base_value:+.3f} + contributions = raw score {result.raw_score:+.3f}"
    )
    if result.kind_line:
        out.print(result.kind_line)
    if waterfall:
        from fanaudit.models.plots import waterfall_png

        waterfall_png(loaded.model, row, waterfall)
        out.print(f"wrote {waterfall}")


@app.command()
def report(
    data_dir: DataOpt,
    streamer: Annotated[str, typer.Option("--streamer", help="Streamer account id.")],
    out_file: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path(
        "report.html"
    ),
    model: ModelOpt = None,
    lang: LangOpt = Lang.en,
    tracking_uri: TrackingOpt = None,
    allow_unknown: AllowUnknownOpt = False,
    allow_registry_mismatch: AllowMismatchOpt = False,
    features_file: FeaturesOpt = None,
) -> None:
    """Write a streamer's audience audit page (self-contained HTML)."""
    from fanaudit.models.jobs import report_streamer

    with clear_errors():
        result = report_streamer(
            data_dir,
            streamer,
            out_file,
            model_uri=model,
            lang=check_lang(lang),
            tracking_uri=tracking_uri,
            allow_unknown=allow_unknown,
            allow_registry_mismatch=allow_registry_mismatch,
            progress=status,
            features_file=features_file,
        )
    out.print(
        f"wrote {result.out}: {result.followers:,} followers; "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(result.verdicts.items()))
    )
    out.print(result.sentence)


@app.command()
def promote(
    version: Annotated[str, typer.Argument(help="Registered version to make champion.")],
    name: Annotated[
        str | None, typer.Option(help="Registered model name (default: the settings', fanaudit).")
    ] = None,
    tracking_uri: TrackingOpt = None,
) -> None:
    """Move the `champion` alias to VERSION."""
    from mlflow.exceptions import MlflowException

    from fanaudit.models.store import model_name, set_champion, use_tracking

    use_tracking(tracking_uri)
    name = model_name(name)
    try:
        set_champion(version, name)
    except MlflowException as exc:
        fail(f"cannot promote {name} version {version}: {exc.message}")
    out.print(f"{name} version {version} is now champion")


@app.command()
def runs(
    limit: Annotated[int, typer.Option(help="How many recent runs.")] = 10,
    experiment: Annotated[
        str | None, typer.Option(help="Experiment name (default: the settings', fanaudit).")
    ] = None,
    tracking_uri: TrackingOpt = None,
) -> None:
    """List recent training runs with headline metrics and registered versions."""
    from mlflow.exceptions import MlflowException

    from fanaudit.models.history import recent_runs
    from fanaudit.models.store import use_tracking

    table = Table(
        "run id",
        "started",
        "status",
        "version",
        "ROC-AUC",
        "PR-AUC",
        "recall@FPR",
        "Brier",
        "champion",
    )
    try:
        found = recent_runs(experiment, limit, tracking_uri)
    except MlflowException as exc:
        fail(f"cannot list runs from {use_tracking(tracking_uri)}: {exc.message.splitlines()[0]}")
    for run in found:
        status = Text(
            run.status, style="red" if run.status in ("DIED", "FAILED", "KILLED") else ""
        )
        table.add_row(
            run.run_id[:12],
            run.started,
            status,
            run.version,
            f"{run.roc_auc:.4f}",
            f"{run.pr_auc:.4f}",
            f"{run.recall_at_fpr:.3f}",
            f"{run.brier:.4f}",
            "yes" if run.champion else "",
        )
    out.print(table)


@app.command()
def serve(
    features_file: FeaturesOpt = None,
    data_dir: OptionalDataOpt = None,
    model: ModelOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    tracking_uri: TrackingOpt = None,
    allow_unknown: AllowUnknownOpt = False,
) -> None:
    """Serve look-ups and scores over HTTP (FastAPI): GET /accounts/ID, POST /accounts,
    POST /score, GET /health; API documentation at /docs."""
    from fanaudit.models.service import load_state, run_server

    with clear_errors():
        state = load_state(
            features_file=features_file,
            data_dir=data_dir,
            model_uri=model,
            tracking_uri=tracking_uri,
            allow_unknown=allow_unknown,
            progress=status,
        )
    console.print(
        f"serving {len(state.ids):,} accounts with model {state.model_uri} (version "
        f"{state.model_version}) on http://{host}:{port} (API docs: /docs)",
        highlight=False,
    )
    run_server(state, host, port)


cache_app = typer.Typer(
    help="The staging and feature cache in fanaudit's home folder.", no_args_is_help=True
)
app.add_typer(cache_app, name="cache")


@cache_app.command("list")
def cache_list() -> None:
    """List cached staged tables and feature tables, least recently used first."""
    from datetime import datetime

    from fanaudit.features.cache import cache_root, entries, limit_bytes

    with clear_errors():
        found, limit = entries(), limit_bytes()
    table = Table("kind", "key", "accounts", "MiB", "last used", "fingerprint", "data")
    for entry in found:
        table.add_row(
            entry.kind,
            entry.key[:12],
            f"{entry.accounts:,}",
            f"{entry.bytes / 2**20:,.1f}",
            datetime.fromtimestamp(entry.last_used).strftime("%Y-%m-%d %H:%M"),
            entry.fingerprint[:12],
            entry.source,
        )
    out.print(table)
    total = sum(e.bytes for e in found)
    out.print(
        f"{len(found)} entries, {total / 2**20:,.1f} MiB of {limit / 2**30:g} GiB "
        f"(FANAUDIT_CACHE_MAX_GB) in {cache_root()}"
    )


@cache_app.command("clear")
def cache_clear(
    kind: Annotated[str | None, typer.Option(help="Only 'staged' or 'features' entries.")] = None,
) -> None:
    """Remove cached entries (those another process is using are kept)."""
    from fanaudit.features.cache import clear

    if kind not in (None, "staged", "features"):
        fail("--kind must be staged or features")
    with clear_errors():
        removed, freed = clear(kind)
    out.print(f"removed {removed} entries, {freed / 2**20:,.1f} MiB")


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the demo's results.")] = Path(
        "demo-out"
    ),
    scale: Annotated[
        float,
        typer.Option(
            help="Audited world size (1.0 is about 20,000 accounts); each of the 3 training "
            "worlds is 0.4 of it."
        ),
    ] = 0.5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    tracking_uri: TrackingOpt = None,
) -> None:
    """Run the main job end to end: simulate, train, score a streamer's followers, report."""
    from fanaudit.demo import run_demo

    with clear_errors():
        result = run_demo(
            out_dir, scale=scale, seed=seed, tracking_uri=tracking_uri, progress=status
        )
    out.print(f"trained on: {result.training} (randomised worlds; their parameters in worlds.json)")
    out.print(f"audited:    {result.dataset} (a randomised platform the model never saw)")
    out.print(
        f"model:      {result.model_name} version {result.version} (run {result.run_id}); "
        f"ROC-AUC {result.metrics['roc_auc']:.4f}, recall at 1% FPR "
        f"{result.metrics['recall_at_fpr']:.3f}"
    )
    out.print(f"scores:     {result.scores} ({result.followers:,} followers of {result.streamer})")
    out.print(f"report:     {result.report}")
    out.print(
        f"MLflow:     {result.tracking_uri}  (browse: mlflow ui --backend-store-uri "
        f"{result.tracking_uri})"
    )


@app.command("import")
def import_(
    name: Annotated[
        str,
        typer.Argument(help="cresci-2015, cresci-2017, instafake, social-honeypot or weibo-spam."),
    ],
    src: Annotated[
        Path, typer.Argument(help="The set's folder, e.g. ../shared/datasets/cresci-2015.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Dataset folder to write.")],
) -> None:
    """Map a public labelled set of real accounts onto the dataset contract."""
    from fanaudit.features.adapters.registry import get_adapter, import_set

    with clear_errors():
        summary = import_set(name, src, out_dir)
    out.print(
        f"wrote {summary.out}: {summary.accounts:,} accounts, {summary.humans:,} human; bots: "
        + ", ".join(f"{kind} {n:,}" for kind, n in summary.bots_by_kind.items())
    )
    for note in summary.notes:
        out.print(f"note: {note}")
    out.print(f"terms: {get_adapter(name).terms} (evaluate on it; do not redistribute it)")


@app.command()
def evaluate(
    data_dir: DataOpt,
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 10,
    train_on: Annotated[
        Path | None,
        typer.Option("--train-on", help="Transfer: train on this folder, test on --data."),
    ] = None,
    bot_kind: Annotated[
        list[str] | None,
        typer.Option(help="Keep only this kind of bot (repeatable); all humans stay."),
    ] = None,
    balanced: Annotated[
        bool | None,
        typer.Option(
            "--balanced/--unbalanced",
            help="Downsample the majority class (default: as the set's paper).",
        ),
    ] = None,
    target_fpr: Annotated[
        float, typer.Option(help="FPR on humans the bot threshold aims at.")
    ] = 0.01,
    seed: Annotated[int, typer.Option(help="Seed of folds, balancing and models.")] = 42,
) -> None:
    """The papers' protocol: k-fold CV (or transfer) with accuracy, F1, MCC, ROC-AUC and the
    false-positive rate on humans at the bot threshold, next to the published numbers."""
    from fanaudit.models.quantify import METHOD_NAMES
    from fanaudit.training.config import TrainConfig
    from fanaudit.training.paper_protocol import (
        BASELINE,
        METRIC_TITLES,
        ProtocolConfig,
        comparison_rows,
        evaluate_folder,
        format_metric,
        threshold_span,
    )

    with clear_errors():
        config = ProtocolConfig(
            folds=folds,
            balanced=balanced,
            bot_kinds=tuple(bot_kind or ()),
            train=TrainConfig(bootstrap=0, n_jobs=1, seed=seed, target_fpr=target_fpr),
        )
        result = evaluate_folder(data_dir, config, train_on=train_on, progress=status)
    out.print(f"{result.dataset}: {result.mode}; {result.humans:,} humans, {result.bots:,} bots")
    table = Table("", *METRIC_TITLES.values())
    sources = []
    for who, setting, values in comparison_rows(result):
        if who == "published":
            sources.append(setting)
            setting = f"published {len(sources)}"
        elif who == "baseline":
            sources.append(setting)
            setting = f"baseline {len(sources)}"
        table.add_row(setting, *(format_metric(m, values[m]) for m in METRIC_TITLES))
    out.print(table)
    out.print(
        f"bot threshold: {threshold_span(result)} (FPR on humans at most {target_fpr:.1%} "
        "on out-of-fold scores of the training accounts, and at least 0.5)"
    )
    if result.share is not None:
        share = result.share
        out.print(
            f"bot share: {result.true_share:.1%} labelled, estimated {share.share:.1%} "
            f"(95% interval {share.low:.1%}-{share.high:.1%}; {METHOD_NAMES[share.method]})"
        )
    for number, source in enumerate(sources, start=1):
        kind = "baseline" if source == BASELINE else "published"
        out.print(f"{kind} {number}: {source}")
    for note in result.notes:
        out.print(f"note: {note}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
