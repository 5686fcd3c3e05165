"""``steward visibility``, ``steward share``, ``steward reviewer-link``: who may see what.

The command line acts as the installation's operator; every change is audited with
``cli <login>@<host>`` as its origin.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from imagesteward.cli.app import app, console, err_console, handle_errors
from imagesteward.cli.user_cmd import cli_origin, opened_access

__all__ = ["reviewer_app", "share", "visibility"]

reviewer_app = typer.Typer(help="Reviewer links: read-only, expiring, one dataset.")
app.add_typer(reviewer_app, name="reviewer-link")


class VisibilityChoice(enum.StrEnum):
    """Visibility states, as typed on the command line."""

    private = "private"
    embargoed = "embargoed"
    public = "public"


def _until(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date; use ISO 8601 (2027-03-01 or 2027-03-01T09:00+01:00).",
            param_hint="--until",
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@app.command()
@handle_errors
def visibility(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project.")],
    dataset: Annotated[
        str | None, typer.Argument(help="A dataset of it (else the project).")
    ] = None,
    state: Annotated[
        VisibilityChoice | None, typer.Option("--set", help="New state (else show it).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Embargo end (ISO 8601; UTC if no zone given).")
    ] = None,
    event: Annotated[
        str | None, typer.Option(help="Embargo until this event is recorded (publication).")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Give it this owner.")] = None,
    group: Annotated[str | None, typer.Option(help="Put the project in this group.")] = None,
) -> None:
    """Show or set who owns a project or dataset and how visible it is."""
    from imagesteward.access import Visibility

    with opened_access(ctx) as access:
        if owner is not None or group is not None:
            access.assign(project, dataset, owner=owner, group=group, remote=cli_origin())
        if state is not None:
            access.set_visibility(
                project, dataset, visibility=Visibility(state.value), until=_until(until),
                event=event, remote=cli_origin(),
            )  # fmt: skip
        record = access.access_of(project, dataset)
    end = []
    if record.embargo_until is not None:
        end.append(f"until {record.embargo_until:%Y-%m-%d %H:%M:%S} UTC")
    if record.embargo_event is not None:
        end.append(f"until {record.embargo_event}")
    out = console()
    out.print(f"{record.target}: {record.visibility.value} {' or '.join(end)}".rstrip())
    out.print(f"owner {record.owner or '-'}, group {record.group or '-'}")


@app.command()
@handle_errors
def share(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project.")],
    dataset: Annotated[
        str | None, typer.Argument(help="A dataset of it (else the project).")
    ] = None,
    user: Annotated[str | None, typer.Option(help="Share with this account.")] = None,
    group: Annotated[str | None, typer.Option(help="Share with this group.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Withdraw the share.")] = False,
) -> None:
    """Share a project or dataset directly with an account or a group (or withdraw it)."""
    with opened_access(ctx) as access:
        call = access.unshare if remove else access.share
        changed = call(project, dataset, user=user, group=group, remote=cli_origin())
    what = f"{project}/{dataset}" if dataset else project
    whom = f"user {user}" if user else f"group {group}"
    verb = "withdrew the share of" if remove else "shared"
    console().print(f"{verb} {what} with {whom}" if changed else "nothing to change")


@reviewer_app.command("create")
@handle_errors
def reviewer_create(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project.")],
    dataset: Annotated[str, typer.Argument(help="The dataset under review.")],
    days: Annotated[int, typer.Option(min=1, max=366, help="Days the link works.")] = 90,
    label: Annotated[str | None, typer.Option(help="For whom (the journal).")] = None,
) -> None:
    """Create a reviewer link and print its secret - the only time it is ever shown."""
    with opened_access(ctx) as access:
        record, secret = access.create_reviewer_link(
            project, dataset, expires_in=timedelta(days=days), label=label, remote=cli_origin()
        )
    err_console().print(
        f"reviewer link {record.key_id} to {record.target}, expires "
        f"{record.expires_at:%Y-%m-%d %H:%M} UTC; it opens the dataset only while it is "
        "embargoed. Copy it now: it cannot be shown again."
    )
    typer.echo(secret)


@reviewer_app.command("revoke")
@handle_errors
def reviewer_revoke(
    ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="The link's key id.")]
) -> None:
    """Withdraw a reviewer link at once."""
    with opened_access(ctx) as access:
        access.revoke_reviewer_link(key_id, remote=cli_origin())
    console().print(f"revoked reviewer link {key_id}")
