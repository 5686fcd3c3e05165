"""Signing in through an OpenID Connect provider: the verified identity to a local account.

The server verifies the provider's ID token (signature, issuer, audience, expiry, nonce);
this module only decides which account the verified ``(issuer, subject)`` is. A subject
already bound signs in as its account, whatever user name the provider now reports: names
can change at a provider, subjects cannot, so a rename there cannot take over another
account here. A first login binds the subject to the account its user-name claim names -
created with the configured role if new, linked if it exists unbound and linking is allowed.
Every attempt, accepted or refused, is in the audit log as ``login.oidc``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from imagesteward.access import FacilityRole, Principal, Scope
from imagesteward.catalog._access_tables import AuditEventRow, OidcIdentityRow, UserRow
from imagesteward.catalog._accounts import LOGIN_WINDOW, principal_of
from imagesteward.catalog._audit import record_event
from imagesteward.errors import AuthenticationError, InvalidPidError
from imagesteward.model.pids import normalize_orcid

__all__ = ["MAX_FAILED_OIDC_LOGINS", "OidcIdentity", "oidc_login", "oidc_throttled"]

#: Refused OIDC callbacks from one address within the login window before it is refused
#: unchecked: a callback costs a token request to the provider, so guessing codes is slowed.
MAX_FAILED_OIDC_LOGINS = 10
_NAME_CHARACTERS = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class OidcIdentity:
    """What a verified ID token says about the person signing in."""

    issuer: str
    subject: str
    username: str | None
    display_name: str | None
    email: str | None
    orcid: str | None


def _local_name(claimed: str) -> str | None:
    """A valid local user name from a claim (``Alice.B@lab.org`` -> ``alice.b``), if any."""
    name = _NAME_CHARACTERS.sub("-", claimed.split("@", 1)[0].strip().lower()).strip("-")
    if not name or not name[0].isalpha():
        return None
    return name[:64] if len(name) >= 2 else None


def oidc_throttled(session: Session, remote: str | None, *, now: datetime) -> bool:
    """Whether ``remote`` has had too many refused OIDC callbacks within the login window."""
    if remote is None:
        return False
    refused = session.scalars(
        select(AuditEventRow.id)
        .where(
            AuditEventRow.action == "login.oidc",
            AuditEventRow.remote == remote,
            AuditEventRow.outcome == "denied",
            AuditEventRow.at > now - LOGIN_WINDOW,
            AuditEventRow.at <= now,
        )
        .limit(MAX_FAILED_OIDC_LOGINS)
    ).all()
    return len(refused) >= MAX_FAILED_OIDC_LOGINS


def _refuse(
    session: Session, identity: OidcIdentity, reason: str, *, remote: str | None, now: datetime
) -> AuthenticationError:
    record_event(
        session, at=now, actor=identity.username, action="login.oidc", remote=remote,
        outcome="denied", details={"issuer": identity.issuer, "subject": identity.subject,
                                   "reason": reason},
    )  # fmt: skip
    return AuthenticationError(f"Sign-in through the identity provider refused: {reason}")


def oidc_login(
    session: Session,
    identity: OidcIdentity,
    *,
    new_user_role: FacilityRole,
    link_existing: bool,
    remote: str | None,
    now: datetime,
) -> Principal | AuthenticationError:
    """The account ``identity`` signs in as (bound, linked or created), or the refusal.

    The refusal is returned, not raised, so that the caller commits its audit event.
    """
    bound = session.scalars(
        select(OidcIdentityRow).where(
            OidcIdentityRow.issuer == identity.issuer,
            OidcIdentityRow.subject == identity.subject,
        )
    ).first()
    how = "bound"
    if bound is not None:
        user = session.get_one(UserRow, bound.user_id)
    else:
        name = None if identity.username is None else _local_name(identity.username)
        if name is None:
            return _refuse(
                session, identity, "the provider sent no usable user name claim",
                remote=remote, now=now,
            )  # fmt: skip
        existing = session.scalars(select(UserRow).where(UserRow.username == name)).first()
        if existing is not None:
            linked_elsewhere = session.scalars(
                select(OidcIdentityRow.id).where(OidcIdentityRow.user_id == existing.id)
            ).first()
            if linked_elsewhere is not None or not link_existing:
                return _refuse(
                    session, identity,
                    f"the account {name!r} exists and is not linked to this identity; "
                    "an administrator must link it",
                    remote=remote, now=now,
                )  # fmt: skip
            user, how = existing, "linked"
        else:
            user = UserRow(
                username=name,
                display_name=identity.display_name,
                email=identity.email,
                facility_role=new_user_role.value,
                password_hash=None,
                created_at=now,
            )
            session.add(user)
            session.flush()
            how = "created"
            record_event(
                session, at=now, actor=name, action="user.add", target=f"user:{name}",
                remote=remote, details={"role": new_user_role.value, "via": "oidc"},
            )  # fmt: skip
        session.add(
            OidcIdentityRow(
                issuer=identity.issuer, subject=identity.subject, user_id=user.id, created_at=now
            )
        )
    if user.disabled_at is not None:
        return _refuse(session, identity, "the account is disabled", remote=remote, now=now)
    _adopt_orcid(session, user, identity.orcid)
    user.last_login_at = now
    record_event(
        session, at=now, actor=user.username, action="login.oidc", target=f"user:{user.username}",
        remote=remote, details={"issuer": identity.issuer, "subject": identity.subject,
                                "account": how},
    )  # fmt: skip
    return principal_of(session, user, Scope.ADMIN)


def _adopt_orcid(session: Session, user: UserRow, claimed: str | None) -> None:
    """Take the provider's ORCID iD for an account without one, unless another holds it."""
    if claimed is None or user.orcid is not None:
        return
    try:
        orcid = normalize_orcid(claimed).value
    except InvalidPidError:
        return  # a malformed claim is the provider's problem, not a reason to refuse login
    taken = session.scalars(select(UserRow.id).where(UserRow.orcid == orcid)).first()
    if taken is None:
        user.orcid = orcid
