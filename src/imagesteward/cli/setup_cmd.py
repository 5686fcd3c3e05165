"""``steward init``, ``steward doctor`` and ``steward demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imagesteward.cli.app import EXIT_USAGE, app, console, err_console, handle_errors, home_of

if TYPE_CHECKING:
    from imagesteward.installation import Installation

__all__ = ["demo", "doctor", "init"]

# imagesteward.installation's ADMIN_PASSWORD_ENV and DEFAULT_ADMIN, spelled out: importing it
# here would slow every 'steward --help' (a test keeps the copies equal).
ADMIN_PASSWORD_ENV = "IMAGESTEWARD_ADMIN_PASSWORD"  # noqa: S105 - a variable name
DEFAULT_ADMIN = "admin"


@app.command()
@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Installation directory (created if missing).")],
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Catalog database URL (default: SQLite in DIR)."),
    ] = None,
    admin: Annotated[
        str,
        typer.Option(
            "--admin",
            help="Login name of the administrator created when the catalog has no account "
            f"(password: ${ADMIN_PASSWORD_ENV}, else generated and printed once).",
        ),
    ] = DEFAULT_ADMIN,
) -> None:
    """Create an installation: settings file, catalog database and original-file store."""
    from imagesteward.installation import init_installation, open_installation

    settings = init_installation(directory, database_url=database_url)
    out = console()
    out.print(f"[green]installation ready[/] in {settings.home}")
    out.print(f"  catalog  {settings.catalog_url.split('@')[-1]}")
    out.print(f"  store    {settings.store_path}")
    with open_installation(settings.home) as installation:
        _first_administrator(installation, admin)
    out.print(f"next: cd {settings.home} && steward ingest /path/to/images")


def _first_administrator(installation: Installation, username: str) -> None:
    """Create the first administrator if there is no account, and say how to sign in.

    A generated password goes to the terminal once (stdout, never a log) and nowhere else.
    """
    from imagesteward.cli.user_cmd import cli_origin
    from imagesteward.installation import first_administrator

    created = first_administrator(installation, username=username, remote=cli_origin())
    out = console()
    if created is None:
        return
    if created.generated_password is None:
        out.print(
            f"administrator [bold]{created.username}[/] created with the password from "
            f"${ADMIN_PASSWORD_ENV}",
            highlight=False,
        )
        return
    out.print(
        f"administrator created - sign in at /login as [bold]{created.username}[/] with "
        f"password [bold]{created.generated_password}[/]\n"
        "  (shown only this once: keep it in a password manager; "
        "'steward user add' adds more accounts)",
        highlight=False,
    )


@app.command()
@handle_errors
def doctor(ctx: typer.Context) -> None:
    """Check the installation: settings, catalog, store, readers."""
    from imagesteward.config import load_settings
    from imagesteward.installation import doctor as run_doctor

    checks = run_doctor(load_settings(home_of(ctx)))
    out = console()
    for check in checks:
        mark = "[green]ok[/]  " if check.ok else "[red]FAIL[/]"
        out.print(f"{mark} {check.name:<14} {check.detail}")
    if not all(check.ok for check in checks):
        raise typer.Exit(EXIT_USAGE)


@app.command()
@handle_errors
def demo(
    directory: Annotated[Path, typer.Argument(help="Where to build the demo installation.")] = Path(
        "imagesteward-demo"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic images.")] = 0,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port of the web UI on 127.0.0.1.")
    ] = 8000,
    serve: Annotated[
        bool,
        typer.Option("--serve/--no-serve", help="Serve the web UI once built (Ctrl-C stops it)."),
    ] = True,
    scale: Annotated[
        float,
        typer.Option(
            "--scale", min=0.25, max=1.0, help="Linear size of the images (0.5: a quicker demo)."
        ),
    ] = 1.0,
) -> None:
    """Build a demo installation from synthetic microscopy images and open it in the web UI."""
    from imagesteward.cli.render import IngestBars, outcome_table, summary_line
    from imagesteward.cli.show import image_panel
    from imagesteward.demo import build_demo

    if serve:
        # Before the build, not after it: a busy port should cost seconds, not a whole demo.
        _check_port_free(port)
    out = console()
    out.print(f"building the demo installation in {directory.resolve()} ...")
    with IngestBars(err_console()) as bars:
        result = build_demo(directory, seed=seed, scale=scale, progress=bars)
    out.print(outcome_table(result.report.outcomes))
    out.print(summary_line(result.report))
    for record in result.images[:3]:
        out.print(
            image_panel(
                record.document,
                title=f"image {record.id} - {record.project} / {record.dataset}",
                structure=record.structure,
            )
        )
    out.print(f"[green]demo installation ready[/] in {result.home}")
    from imagesteward.installation import open_installation

    with open_installation(result.home) as installation:
        _first_administrator(installation, DEFAULT_ADMIN)
    if result.report.exit_code:
        raise typer.Exit(EXIT_USAGE)
    if not serve:
        out.print(f"try: steward --home {result.home} serve   |   steward --home {result.home} ls")
        return
    _serve_web_ui(result.home, port)


def _check_port_free(port: int) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by an earlier run is free to it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            err_console().print(
                f"[bold red]error:[/] cannot serve the web UI on 127.0.0.1:{port}: {exc.strerror}. "
                "Pass --port with a free port, or --no-serve to only build the installation.",
                highlight=False,
            )
            raise typer.Exit(EXIT_USAGE) from None


def _serve_web_ui(home: Path, port: int) -> None:
    import uvicorn

    from imagesteward.config import load_settings
    from imagesteward.server import FastPath, build_app

    url = f"http://127.0.0.1:{port}"
    console().print(
        f"[bold]web UI:[/] {url}   (REST API {url}/api/v1/docs; Ctrl-C stops the server)",
        highlight=False,
    )
    # The same stack as ``steward serve``: tiles and Zarr keys answered beneath the framework.
    app = FastPath(build_app(load_settings(home)))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
