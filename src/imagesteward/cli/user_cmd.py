"""``steward user``, ``steward group`` and ``steward token``: accounts and their credentials.

The command line acts as the installation's operator (whoever can run it could edit the
database anyway); every change is audited with ``cli <login>@<host>`` as its origin.
Passwords are read from a hidden prompt or stdin, never from arguments (which ``ps`` and
shell history would keep); a token's secret is printed once, to stdout, and never again.
"""

from __future__ import annotations

import enum
import json
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from imagesteward.cli.app import app, console, err_console, handle_errors, home_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from imagesteward.catalog import AccessCatalog

__all__ = ["cli_origin", "group_app", "opened_access", "token_app", "user_app"]

user_app = typer.Typer(help="Accounts: add, list, disable.", no_args_is_help=True)
group_app = typer.Typer(help="Groups and their OMERO permission levels.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts and instruments.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(group_app, name="group")
app.add_typer(token_app, name="token")


class RoleChoice(enum.StrEnum):
    """Facility roles, as typed on the command line."""

    admin = "admin"
    steward = "steward"
    user = "user"
    guest = "guest"


class LevelChoice(enum.StrEnum):
    """OMERO group permission levels."""

    private = "private"
    read_only = "read-only"
    read_annotate = "read-annotate"
    read_write = "read-write"


class ScopeChoice(enum.StrEnum):
    """Token scopes."""

    read = "read"
    write = "write"
    admin = "admin"


def cli_origin() -> str:
    """Where a command-line change comes from, for the audit log: ``cli <login>@<host>``."""
    import getpass
    import socket

    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        login = "?"
    return f"cli {login}@{socket.gethostname()}"


@contextmanager
def opened_access(ctx: typer.Context) -> Iterator[AccessCatalog]:
    """The installation's access catalog, closed when the command ends."""
    from imagesteward.catalog import access_catalog
    from imagesteward.installation import open_installation

    with open_installation(home_of(ctx)) as installation:
        yield access_catalog(installation.catalog)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _print_json(rows: list[dict[str, Any]]) -> None:
    console().print_json(json.dumps(rows, default=str))


@user_app.command("add")
@handle_errors
def user_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Lower-case letters, digits, '.', '_', '-'.")],
    role: Annotated[RoleChoice, typer.Option(help="Facility role.")] = RoleChoice.user,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    orcid: Annotated[str | None, typer.Option(help="ORCID iD (checked).")] = None,
    password: Annotated[
        bool, typer.Option("--password/--no-password", help="Ask for a password (hidden).")
    ] = True,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Create an account (without a password it can only use API tokens)."""
    from imagesteward.access import FacilityRole, check_new_password

    secret = _read_password(password_stdin) if password or password_stdin else None
    if secret is not None:
        check_new_password(secret)  # before opening anything: a typo costs nothing
    with opened_access(ctx) as access:
        user = access.add_user(
            username, password=secret, role=FacilityRole(role.value), display_name=name,
            email=email, orcid=orcid, remote=cli_origin(),
        )  # fmt: skip
        console().print(f"added user {user.username} ({user.facility_role.value})")


@user_app.command("list")
@handle_errors
def user_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List accounts with their role, groups and state."""
    from rich.table import Table

    with opened_access(ctx) as access:
        users = access.list_users()
        rows: list[dict[str, Any]] = [
            {
                "username": u.username, "name": u.display_name, "role": u.facility_role.value,
                "orcid": u.orcid, "groups": list(u.groups), "disabled": u.disabled,
                "last_login": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in users
        ]  # fmt: skip
        if as_json:
            _print_json(rows)
            return
        table = Table("user", "name", "role", "groups", "state", "last login")
        for row in rows:
            table.add_row(
                row["username"], row["name"] or "", row["role"], ", ".join(row["groups"]),
                "disabled" if row["disabled"] else "active", row["last_login"] or "never",
            )  # fmt: skip
        console().print(table)


@user_app.command("disable")
@handle_errors
def user_disable(
    ctx: typer.Context, username: Annotated[str, typer.Argument(help="The account.")]
) -> None:
    """Stop an account from signing in and its tokens from working (it stays on record)."""
    with opened_access(ctx) as access:
        user = access.disable_user(username, remote=cli_origin())
        console().print(f"disabled user {user.username}")


@group_app.command("add")
@handle_errors
def group_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Group name.")],
    level: Annotated[
        LevelChoice, typer.Option(help="What members may do with each other's data.")
    ] = LevelChoice.read_only,
    description: Annotated[str | None, typer.Option(help="What the group is.")] = None,
) -> None:
    """Create a group with an OMERO permission level."""
    from imagesteward.access import GroupLevel

    with opened_access(ctx) as access:
        group = access.add_group(
            name, GroupLevel(level.value), description=description, remote=cli_origin()
        )
        console().print(f"added group {group.name} ({group.level.value})")


@group_app.command("member")
@handle_errors
def group_member(
    ctx: typer.Context,
    group: Annotated[str, typer.Argument(help="Group name.")],
    username: Annotated[str, typer.Argument(help="The account to add.")],
    owner: Annotated[bool, typer.Option("--owner", help="Make it an owner of the group.")] = False,
) -> None:
    """Put an account in a group (again with --owner to make it an owner)."""
    with opened_access(ctx) as access:
        access.add_member(group, username, owner=owner, remote=cli_origin())
        console().print(f"{username} is {'an owner' if owner else 'a member'} of {group}")


@group_app.command("list")
@handle_errors
def group_list(ctx: typer.Context) -> None:
    """List groups, their levels and members (owners marked *)."""
    from rich.table import Table

    with opened_access(ctx) as access:
        table = Table("group", "level", "members")
        for group in access.list_groups():
            members = ", ".join(f"{name}{'*' if owner else ''}" for name, owner in group.members)
            table.add_row(group.name, group.level.value, members)
        console().print(table)


@token_app.command("create")
@handle_errors
def token_create(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The account the token acts for.")],
    scope: Annotated[ScopeChoice, typer.Option(help="What the token may do.")] = ScopeChoice.read,
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="Lifetime.")] = 90,
    label: Annotated[str | None, typer.Option(help="What it is for (shown in lists).")] = None,
) -> None:
    """Create an API token and print its secret - the only time it is ever shown."""
    from datetime import timedelta

    from imagesteward.access import Scope

    with opened_access(ctx) as access:
        record, secret = access.create_token(
            username, Scope(scope.value), expires_in=timedelta(days=days), label=label,
            remote=cli_origin(),
        )  # fmt: skip
        err_console().print(
            f"token {record.key_id} for {record.username}, scope {record.scope.value}, "
            f"expires {record.expires_at:%Y-%m-%d %H:%M} UTC. Copy it now: it is not stored "
            "and cannot be shown again."
        )
        # Bare on stdout, so that `steward token create ... > file` captures only the secret.
        typer.echo(secret)


@token_app.command("list")
@handle_errors
def token_list(
    ctx: typer.Context,
    username: Annotated[str | None, typer.Argument(help="Only this account's.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List API tokens (key ids only; secrets are never kept)."""
    from datetime import UTC, datetime

    from rich.table import Table

    now = datetime.now(UTC)
    with opened_access(ctx) as access:
        tokens = access.list_tokens(username)
        rows: list[dict[str, Any]] = [
            {
                "key_id": t.key_id, "user": t.username, "scope": t.scope.value, "label": t.label,
                "expires": t.expires_at.isoformat(), "active": t.active_at(now),
                "last_used": t.last_used_at.isoformat() if t.last_used_at else None,
            }
            for t in tokens
        ]  # fmt: skip
        if as_json:
            _print_json(rows)
            return
        table = Table("key id", "user", "scope", "label", "expires", "state", "last used")
        for row in rows:
            table.add_row(
                row["key_id"], row["user"], row["scope"], row["label"] or "", row["expires"],
                "active" if row["active"] else "revoked/expired", row["last_used"] or "never",
            )  # fmt: skip
        console().print(table)


@token_app.command("revoke")
@handle_errors
def token_revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The token's key id (from `steward token list`).")],
) -> None:
    """Revoke an API token at once."""
    with opened_access(ctx) as access:
        record = access.revoke_token(key_id, remote=cli_origin())
        console().print(f"revoked token {record.key_id} of {record.username}")
