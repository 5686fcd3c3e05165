"""Root Typer application, global options and the one place errors become exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = [
    "EXIT_FAILED_FILES",
    "EXIT_USAGE",
    "app",
    "console",
    "err_console",
    "handle_errors",
    "home_of",
    "main",
]

EXIT_FAILED_FILES = 1  # the command ran, some items failed
EXIT_USAGE = 2  # nothing done: bad settings, missing installation, bad arguments

app = typer.Typer(
    name="steward",
    help="imagesteward: FAIR microscopy data from the start - ingest, describe, find and share.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def console() -> Any:
    """The Rich console for results (stdout)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def err_console() -> Any:
    """The Rich console for errors and progress (stderr)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="IMAGESTEWARD_HOME",
            help="Installation directory (default: the nearest parent holding imagesteward.toml).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Imagesteward command line."""
    ctx.obj = {"home": home}


def home_of(ctx: typer.Context) -> Path | None:
    """The ``--home`` given to the root command, if any."""
    obj = ctx.obj or {}
    home = obj.get("home")
    return home if isinstance(home, Path) else None


def handle_errors[F: Callable[..., Any]](func: F) -> F:
    """Print imagesteward errors as one clear line and exit with the right code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from imagesteward.errors import FormatError, ImageStewardError

        try:
            return func(*args, **kwargs)
        except ImageStewardError as exc:
            err_console().print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
            code = EXIT_FAILED_FILES if isinstance(exc, FormatError) else EXIT_USAGE
            raise typer.Exit(code) from exc
        except KeyboardInterrupt:
            err_console().print("[yellow]interrupted[/]")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def main() -> None:
    """Console-script entry point."""
    from imagesteward.access import install_secret_redaction

    install_secret_redaction()  # before anything can log: no secret reaches a log
    app(prog_name="steward")
