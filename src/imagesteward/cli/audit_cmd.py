"""``steward audit``: query and export the audit log; ``steward release``: end due embargoes."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from imagesteward.cli.app import app, console, handle_errors
from imagesteward.cli.user_cmd import opened_access

__all__ = ["audit", "release"]


def _instant(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date or time; use ISO 8601 (2026-11-21 or 2026-11-21T09:30Z).",
            param_hint=option,
        ) from None
    # A date or time without a zone is read as UTC, the log's own zone.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@app.command()
@handle_errors
def audit(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="From this instant (ISO 8601, UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this instant.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this user's actions.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action or family (login, token, visibility).")
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="Only about this (dataset:P/D, user:alice).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="At most (0: all).")] = 100,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Export as JSON Lines, oldest first.")
    ] = False,
    csv: Annotated[
        bool, typer.Option("--csv", help="Export as CSV (details as JSON), oldest first.")
    ] = False,
) -> None:
    """Show who did what, when and from where (newest first), or export it."""
    from rich.table import Table

    from imagesteward.catalog import export_audit

    if jsonl and csv:
        raise typer.BadParameter("Choose one export format.", param_hint="--jsonl / --csv")
    with opened_access(ctx) as access:
        events = access.audit_events(
            since=_instant(since, "--since"), until=_instant(until, "--until"), actor=actor,
            action=action, target=target, limit=limit or None,
        )  # fmt: skip
    if jsonl or csv:
        for line in export_audit(reversed(events), "csv" if csv else "jsonl"):
            sys.stdout.write(line)
        return
    table = Table("when (UTC)", "who", "action", "target", "from", "outcome")
    for event in events:
        table.add_row(
            f"{event.at:%Y-%m-%d %H:%M:%S}", event.actor or "-", event.action,
            event.target or "", event.remote or "", event.outcome,
        )  # fmt: skip
    console().print(table)


@app.command()
@handle_errors
def release(ctx: typer.Context) -> None:
    """Make public every embargo whose date has passed, and record it in the audit log.

    Readers see released data at the embargo's date whether or not this has run; it makes
    the release permanent and visible in `steward audit`.
    """
    with opened_access(ctx) as access:
        released = access.release_due()
    if not released:
        console().print("no embargo has ended")
    for target in released:
        console().print(f"released {target}")
