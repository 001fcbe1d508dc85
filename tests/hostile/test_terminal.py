"""Terminal output cannot be taken over, and every failure maps to its documented exit code
with one line; a bug says so, with its traceback only under -v."""

from __future__ import annotations

import pytest
import typer

from fanaudit import cli
from fanaudit.errors import (
    EXIT_BUG,
    EXIT_DATA,
    EXIT_MODEL_STORE,
    EXIT_PATH,
    EXIT_USAGE,
    ConfigError,
    DataError,
    FanauditError,
    ModelStoreError,
    PathError,
)
from fanaudit.features.loading import ContractError
from fanaudit.models.artifact import ModelArtifactError
from fanaudit.models.scoring import RequestError
from fanaudit.training.train import TrainingDataError
from hostile_helpers import fanaudit, one_error_line, write_folder

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e"


@pytest.mark.process
def test_rich_markup_in_ids_is_printed_literally_and_never_crashes(tmp_path):
    accounts = (
        "account_id,created_at\n[/],2024-01-01\n[red]u1[/red],2024-01-01\n"
        "[red]u1[/red],2024-01-01\n"
    )
    data = write_folder(tmp_path / "data", {"accounts.csv": accounts})
    result = fanaudit("validate", data, timeout=120)
    assert result.returncode == EXIT_DATA
    assert "duplicate id '[red]u1[/red]'" in one_error_line(result)


@pytest.mark.process
def test_escape_sequences_in_user_text_are_shown_escaped(tmp_path):
    data = tmp_path / f"data{ESCAPES}"
    result = fanaudit("validate", data, timeout=120)
    assert result.returncode == EXIT_DATA
    line = one_error_line(result)
    assert (
        "\x1b" not in result.stderr and "\x07" not in result.stderr and "\x9b" not in result.stderr
    )
    assert "\\x1b]0;pwned\\x07" in line and "\\u202e" in line


def test_safe_escapes_markup_and_every_control_character():
    shown = cli.safe("[bold]x[/] a\nb\tc\x00\x7f")
    assert shown == "\\[bold]x\\[/] a\\nb\\tc\\x00\\x7f"
    assert cli.safe("two\nlines", lines=True) == "two\nlines"


@pytest.mark.parametrize(
    "error, code",
    [
        (ContractError([]), EXIT_DATA),
        (RequestError("x"), EXIT_DATA),
        (TrainingDataError("x"), EXIT_DATA),
        (ModelArtifactError("x"), EXIT_MODEL_STORE),
        (ConfigError("x"), EXIT_USAGE),
        (PathError("/p", "no space"), EXIT_PATH),
        (IsADirectoryError(21, "Is a directory", "/p"), EXIT_PATH),
        (PermissionError(13, "Permission denied", "/p"), EXIT_PATH),
    ],
)
def test_each_kind_of_failure_has_its_exit_code(error, code, capsys):
    assert cli.failure_exit(error) == code
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
    if isinstance(error, OSError) and not isinstance(error, FanauditError):
        assert "/p: " in err


def test_every_library_error_derives_from_the_one_base():
    from fanaudit.features.adapters.base import SourceError
    from fanaudit.features.jobs import FeatureCountError
    from fanaudit.features.privacy import SecretError
    from fanaudit.models.store import RegistryMismatchError

    for kind in (
        ContractError,
        RequestError,
        TrainingDataError,
        ModelArtifactError,
        SourceError,
        FeatureCountError,
        SecretError,
        RegistryMismatchError,
        PathError,
    ):
        assert issubclass(kind, FanauditError), kind
    assert issubclass(ContractError, DataError) and issubclass(ModelArtifactError, ModelStoreError)


def boom() -> None:
    {}["not there"]


def test_a_bug_is_one_line_and_exit_1_and_shows_its_traceback_only_with_verbose(
    capsys, monkeypatch
):
    guarded = cli.guarded(boom)
    with pytest.raises(typer.Exit) as caught:
        guarded()
    assert caught.value.exit_code == EXIT_BUG
    quiet = capsys.readouterr().err
    assert "unexpected KeyError" in quiet and "a bug in fanaudit" in quiet
    assert "Traceback" not in quiet
    monkeypatch.setattr(cli, "VERBOSE", True)
    with pytest.raises(typer.Exit):
        guarded()
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.process
def test_a_bad_option_value_is_a_usage_error_not_a_bug(tmp_path):
    result = fanaudit("simulate", "--out", tmp_path / "w", "--scale", "-1", timeout=120)
    assert result.returncode == EXIT_USAGE
    assert "scale must be positive" in one_error_line(result)


def test_every_string_the_consoles_render_is_inert_printed_or_in_a_table():
    """The class fix: markup is off and control characters are escaped for every string
    the command line's consoles render, so a print that forgets `safe` is still safe."""
    import io

    from rich.table import Table

    console = cli.SafeConsole(file=io.StringIO())
    hostile = f"[red]u1[/red] [/] {ESCAPES}"
    console.print(f"wrote {hostile}")
    table = Table("id")
    table.add_row(hostile)
    console.print(table)
    console.print(f"[bold]verdict[/] {cli.safe(hostile)}", markup=True)
    shown = console.file.getvalue()
    assert shown.count("[red]u1[/red] [/]") == 3
    assert not set("\x1b\x07\x9b\u202e") & set(shown)
    assert "\\x1b]0;pwned\\x07" in shown


def test_every_markup_print_in_the_command_line_escapes_what_it_interpolates():
    """A print that turns markup on must pass each interpolated value through `safe`
    (numbers with a format spec and the fixed verdict words aside)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(cli))
    unsafe = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or not any(
            k.arg == "markup" and getattr(k.value, "value", None) is True for k in call.keywords
        ):
            continue
        for node in ast.walk(call):
            if not isinstance(node, ast.FormattedValue) or node.format_spec is not None:
                continue
            value = node.value
            wrapped = isinstance(value, ast.Call) and getattr(value.func, "id", "") == "safe"
            fixed = {"result.verdict", "len(summary.unknown)"}  # an enum word, a count
            if not wrapped and ast.unparse(value) not in fixed:
                unsafe.append(f"line {node.lineno}: {{{ast.unparse(value)}}}")
    assert not unsafe, unsafe


def test_log_messages_cannot_steer_the_terminal(capsys):
    import logging

    from fanaudit import logs

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.setup(0, cli.SafeConsole(stderr=True))
        logging.getLogger("fanaudit.test").warning("unknown id %s", f"[red]x[/red]{ESCAPES}")
    finally:
        root.handlers, _ = saved[0], root.setLevel(saved[1])
    err = capsys.readouterr().err
    assert "[red]x[/red]" in err and "\\x1b]0;pwned" in err
    assert not set("\x1b\x07\x9b") & set(err)
