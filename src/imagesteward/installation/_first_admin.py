"""The first administrator of a new installation, so that its operator can sign in at all.

Access control is on by default: a new installation's data are private, and a server without
any account would show nobody anything. ``steward init`` and ``steward demo`` therefore create
one facility administrator when the catalog holds no account yet. Its password is either the
one the operator supplies (environment variable :data:`ADMIN_PASSWORD_ENV`) or a generated
one, which is returned to be shown once, on the terminal, and is stored only as its hash.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imagesteward.access import FacilityRole, check_new_password

if TYPE_CHECKING:
    from imagesteward.installation._setup import Installation

__all__ = ["ADMIN_PASSWORD_ENV", "DEFAULT_ADMIN", "FirstAdministrator", "first_administrator"]

#: Where an operator may put the first administrator's password instead of having one made.
ADMIN_PASSWORD_ENV = "IMAGESTEWARD_ADMIN_PASSWORD"  # noqa: S105 - a variable name
#: The first administrator's login name unless the operator names another.
DEFAULT_ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class FirstAdministrator:
    """The account created, and its password when it was generated (to be shown once)."""

    username: str
    generated_password: str | None


def first_administrator(
    installation: Installation,
    *,
    username: str = DEFAULT_ADMIN,
    remote: str | None = None,
) -> FirstAdministrator | None:
    """Create a facility administrator if the installation has no account; else ``None``.

    The password is :data:`ADMIN_PASSWORD_ENV` when set (checked like any new password),
    otherwise 24 random URL-safe characters (144 bits) returned in the result and kept
    nowhere else.

    Raises
    ------
    InvalidCredentialError
        When the password from the environment is too weak.
    """
    from imagesteward.catalog import access_catalog

    access = access_catalog(installation.catalog)
    if access.list_users():
        return None
    supplied = os.environ.get(ADMIN_PASSWORD_ENV)
    if supplied:
        check_new_password(supplied)
    password = supplied or secrets.token_urlsafe(18)
    record = access.add_user(
        username,
        password=password,
        role=FacilityRole.ADMIN,
        display_name="Facility administrator",
        remote=remote,
    )
    return FirstAdministrator(record.username, None if supplied else password)
