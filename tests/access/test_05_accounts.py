"""Accounts, logins and API tokens in the catalog, with their audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imagesteward.access import FacilityRole, GroupLevel, Scope
from imagesteward.catalog import AccessCatalog
from imagesteward.catalog._accounts import (
    LOGIN_WINDOW,
    MAX_FAILED_LOGINS,
    TOKEN_USE_AUDIT_INTERVAL,
)
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.errors import (
    AuthenticationError,
    ConflictError,
    InvalidCredentialError,
    NotFoundError,
    PermissionDeniedError,
)

PASSWORD = "a long and quiet river"


def test_accounts_groups_and_logins(access: AccessCatalog) -> None:
    alice = access.add_user(
        "Alice", password=PASSWORD, display_name="Alice A.", orcid="0000-0002-1825-0097",
        remote="cli root@host",
    )  # fmt: skip
    assert (alice.username, alice.orcid, alice.facility_role) == (
        "alice", "0000-0002-1825-0097", FacilityRole.USER,
    )  # fmt: skip
    with pytest.raises(ConflictError, match="already exists"):
        access.add_user("alice")
    with pytest.raises(InvalidCredentialError, match="not allowed"):
        access.add_user("../etc")
    access.add_user("bob", role=FacilityRole.GUEST)
    access.add_group("Cell biology", GroupLevel.READ_ANNOTATE)
    access.add_member("Cell biology", "alice", owner=True)
    users = {u.username: u for u in access.list_users()}
    assert users["alice"].groups == ("Cell biology",)
    assert access.list_groups()[0].members == (("alice", True),)

    principal = access.login("alice", PASSWORD, remote="10.0.0.7")
    assert principal.username == "alice"
    assert principal.owner_of == principal.member_of != frozenset()
    assert principal.scope is Scope.ADMIN

    # A wrong password, an unknown name and a disabled account get the same answer.
    refusals = []
    for name, password in (("alice", "wrong password!"), ("nobody", PASSWORD)):
        with pytest.raises(AuthenticationError) as info:
            access.login(name, password, remote="10.0.0.8")
        refusals.append(str(info.value))
    access.disable_user("alice", remote="cli root@host")
    with pytest.raises(AuthenticationError) as info:
        access.login("alice", PASSWORD)
    refusals.append(str(info.value))
    assert len(set(refusals)) == 1

    logins = access.audit_events(action="login")
    assert [(e.actor, e.outcome) for e in reversed(logins)] == [
        ("alice", "ok"), ("alice", "denied"), ("nobody", "denied"), ("alice", "denied"),
    ]  # fmt: skip
    assert logins[-1].remote == "10.0.0.7"
    assert all(PASSWORD not in repr(e) for e in access.audit_events(limit=None))
    assert access.audit_events(action="user")[0].action == "user.disable"


def test_only_an_administrator_manages_accounts(access: AccessCatalog) -> None:
    access.add_user("root", password=PASSWORD, role=FacilityRole.ADMIN)
    access.add_user("carol", password=PASSWORD)
    carol = access.login("carol", PASSWORD)
    with pytest.raises(PermissionDeniedError, match="administrator"):
        access.add_user("dave", acting=carol)
    root = access.login("root", PASSWORD)
    assert access.add_user("dave", acting=root).username == "dave"
    assert access.audit_events(action="user.add")[0].actor == "root"


def test_tokens_are_shown_once_scoped_expiring_and_revocable(access: AccessCatalog) -> None:
    access.add_user("scope", role=FacilityRole.USER)
    now = utcnow()
    record, secret = access.create_token(
        "scope", Scope.WRITE, expires_in=timedelta(days=1), label="microscope 3", now=now
    )
    assert secret.startswith(f"ist_{record.key_id}_")
    assert all(secret not in repr(t) for t in access.list_tokens())
    assert all(secret not in repr(e) for e in access.audit_events(limit=None))

    principal = access.authenticate_token(secret, remote="10.1.1.1", now=now)
    assert (principal.username, principal.scope) == ("scope", Scope.WRITE)
    # Use is audited at first use, then at most once per interval.
    access.authenticate_token(secret, now=now + timedelta(minutes=5))
    access.authenticate_token(secret, now=now + TOKEN_USE_AUDIT_INTERVAL)
    assert len(access.audit_events(action="token.use")) == 2

    with pytest.raises(AuthenticationError, match="expired"):
        access.authenticate_token(secret, now=now + timedelta(days=1))
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthenticationError, match="Unknown API token"):
        access.authenticate_token(forged, now=now)

    access.revoke_token(record.key_id)
    with pytest.raises(AuthenticationError, match="revoked"):
        access.authenticate_token(secret, now=now)
    assert access.list_tokens("scope")[0].revoked_at is not None
    with pytest.raises(NotFoundError):
        access.revoke_token("000000000000")
    with pytest.raises(InvalidCredentialError):
        access.create_token("scope", expires_in=timedelta(0))

    # A disabled account's tokens stop working at once.
    _, other = access.create_token("scope", now=now)
    access.disable_user("scope")
    with pytest.raises(AuthenticationError, match="disabled"):
        access.authenticate_token(other, now=now)


def test_repeated_failed_logins_are_slowed_for_any_name(access: AccessCatalog) -> None:
    access.add_user("erin", password=PASSWORD)
    start = utcnow()
    for name in ("erin", "no-such-user"):
        for attempt in range(MAX_FAILED_LOGINS):
            with pytest.raises(AuthenticationError, match="wrong password"):
                access.login(name, "not the password", now=start + timedelta(seconds=attempt))
        # Throttled now, even with the right password, and alike for names that do not exist.
        with pytest.raises(AuthenticationError, match="Too many failed sign-ins") as info:
            access.login(name, PASSWORD, now=start + timedelta(minutes=1))
        assert info.value.details["retry_after"] <= LOGIN_WINDOW.total_seconds()
    later = start + LOGIN_WINDOW + timedelta(seconds=5)
    assert access.login("erin", PASSWORD, now=later).username == "erin"
    throttled = [e for e in access.audit_events(action="login", limit=None) if e.details]
    assert {(e.actor, e.outcome) for e in throttled} == {
        ("erin", "denied"), ("no-such-user", "denied"),
    }  # fmt: skip
