"""``steward pid check``: validate persistent identifiers offline, resolve them on request."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from imagesteward.cli.app import EXIT_FAILED_FILES, app, console, err_console, handle_errors

__all__ = ["pid_app"]

pid_app = typer.Typer(
    help="Persistent identifiers: ORCID, ROR, RRID, DOI, Handle/PIDINST.", no_args_is_help=True
)
app.add_typer(pid_app, name="pid")


@pid_app.command("check")
@handle_errors
def check(
    values: Annotated[list[str], typer.Argument(help="Identifiers, in any usual spelling.")],
    scheme: Annotated[
        str | None,
        typer.Option(
            "--scheme", "-s", help="ORCID, ROR, RRID, DOI, HANDLE or PIDINST (default: detect)."
        ),
    ] = None,
    resolve: Annotated[
        bool,
        typer.Option("--resolve", help="Also ask the scheme's resolver online (network)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check syntax and check digits offline and print each identifier's canonical form.

    Exits with 1 when any identifier is invalid (or, with --resolve, not registered).
    """
    from imagesteward.errors import InvalidPidError
    from imagesteward.model import pids

    results: list[dict[str, Any]] = []
    failed = False
    for value in values:
        try:
            pid = pids.normalize(value, scheme)
        except InvalidPidError as exc:
            failed = True
            results.append({"value": value, "valid": False, "problem": str(exc)})
            continue
        entry: dict[str, Any] = {
            "value": value,
            "valid": True,
            "scheme": pid.scheme,
            "canonical": pid.canonical,
            "uri": pid.uri,
        }
        if resolve:
            outcome = pids.resolve(pid)
            entry.update(resolved=outcome.resolved, status=outcome.status, detail=outcome.detail)
            failed = failed or not outcome.resolved
        results.append(entry)
    if as_json:
        console().print_json(json.dumps({"items": results}))
    else:
        for entry in results:
            if not entry["valid"]:
                err_console().print(f"[bold red]invalid:[/] {entry['problem']}")
                continue
            line = f"{entry['scheme']:<7} {entry['canonical']}"
            if resolve:
                line += f"  ({entry['detail']})"
            console().print(line)
    if failed:
        raise typer.Exit(EXIT_FAILED_FILES)
