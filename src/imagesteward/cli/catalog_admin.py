"""``steward db``: catalog schema status and upgrades."""

from __future__ import annotations

import typer

from imagesteward.cli.app import EXIT_USAGE, app, console, handle_errors, home_of

__all__ = ["db_app"]

db_app = typer.Typer(help="Catalog database: schema status and upgrades.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("status")
@handle_errors
def status(ctx: typer.Context) -> None:
    """Show the catalog's schema revision and whether it is current."""
    from imagesteward.catalog import catalog_status
    from imagesteward.config import load_settings

    settings = load_settings(home_of(ctx))
    state = catalog_status(settings.catalog_url)
    out = console()
    out.print(f"backend   {state.backend}")
    out.print(f"revision  {state.current or '(empty database)'}")
    out.print(f"expected  {state.head}")
    if not state.is_current:
        out.print("[yellow]out of date: run 'steward db upgrade'[/]")
        raise typer.Exit(EXIT_USAGE)
    out.print("[green]up to date[/]")


@db_app.command("upgrade")
@handle_errors
def upgrade(ctx: typer.Context) -> None:
    """Upgrade the catalog's schema to this version of imagesteward (safe to repeat)."""
    from imagesteward.catalog import upgrade_catalog
    from imagesteward.config import load_settings

    settings = load_settings(home_of(ctx))
    revision = upgrade_catalog(settings.catalog_url)
    console().print(f"catalog schema at revision {revision}")
