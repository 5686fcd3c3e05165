"""Accounts, groups and API tokens, and turning credentials into a :class:`Principal`.

Every change is written to the audit log in the same transaction. Passwords and token secrets
never leave this module except as the one-time plaintext of a new token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from imagesteward.access import (
    TOKEN_PREFIX,
    FacilityRole,
    GroupLevel,
    Principal,
    Scope,
    digest_matches,
    hash_password,
    issue_secret,
    needs_rehash,
    parse_secret,
    verify_password,
    waste_verification,
)
from imagesteward.catalog._access_tables import (
    ApiTokenRow,
    AuditEventRow,
    GroupMemberRow,
    GroupRow,
    UserRow,
)
from imagesteward.catalog._audit import record_event
from imagesteward.errors import (
    AuthenticationError,
    ConflictError,
    InvalidCredentialError,
    NotFoundError,
)
from imagesteward.model.pids import normalize_orcid

__all__ = [
    "LOGIN_WINDOW",
    "MAX_FAILED_LOGINS",
    "TOKEN_USE_AUDIT_INTERVAL",
    "GroupRecord",
    "TokenRecord",
    "UserRecord",
    "add_group",
    "add_member",
    "add_user",
    "authenticate_password",
    "authenticate_token",
    "bad_login",
    "create_token",
    "disable_user",
    "list_groups",
    "list_tokens",
    "list_users",
    "principal_of",
    "revoke_token",
    "set_group_level",
    "user_row",
]

_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
_GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
#: A token's use is audited at its first use and then at most once per interval: every API
#: request would otherwise add a row.
TOKEN_USE_AUDIT_INTERVAL = timedelta(hours=1)
_BAD_LOGIN = "Unknown user name or wrong password."
#: Failed logins for one name within the window after which that name is refused unchecked.
MAX_FAILED_LOGINS = 5
LOGIN_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class UserRecord:
    """An account as shown to administrators (never its password hash)."""

    id: int
    username: str
    display_name: str | None
    email: str | None
    orcid: str | None
    facility_role: FacilityRole
    created_at: datetime
    disabled_at: datetime | None
    last_login_at: datetime | None
    groups: tuple[str, ...]

    @property
    def disabled(self) -> bool:
        """The account can no longer sign in nor use its tokens."""
        return self.disabled_at is not None


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """A group, its OMERO permission level and its members (owners marked)."""

    id: int
    name: str
    level: GroupLevel
    description: str | None
    members: tuple[tuple[str, bool], ...]


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """An API token as listed: its key id identifies it; the secret is gone."""

    key_id: str
    username: str
    scope: Scope
    label: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def active_at(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and now < self.expires_at


def _normal_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise InvalidCredentialError(
            f"User name {username!r} is not allowed: use 2-64 lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter."
        )
    return name


def user_row(session: Session, username: str) -> UserRow:
    """The account called ``username``."""
    row = session.scalars(select(UserRow).where(UserRow.username == username.lower())).first()
    if row is None:
        raise NotFoundError(f"No user {username!r}; `steward user list` shows them.", ref=username)
    return row


def _group_row(session: Session, name: str) -> GroupRow:
    row = session.scalars(select(GroupRow).where(GroupRow.name == name)).first()
    if row is None:
        raise NotFoundError(f"No group {name!r}.", ref=name)
    return row


def _user_record(session: Session, row: UserRow) -> UserRecord:
    groups = session.scalars(
        select(GroupRow.name)
        .join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
        .where(GroupMemberRow.user_id == row.id)
        .order_by(GroupRow.name)
    ).all()
    return UserRecord(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        email=row.email,
        orcid=row.orcid,
        facility_role=FacilityRole(row.facility_role),
        created_at=row.created_at,
        disabled_at=row.disabled_at,
        last_login_at=row.last_login_at,
        groups=tuple(groups),
    )


def add_user(
    session: Session,
    username: str,
    *,
    password: str | None,
    role: FacilityRole,
    display_name: str | None,
    email: str | None,
    orcid: str | None,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> UserRecord:
    """Create an account; without a password it can only use API tokens."""
    name = _normal_username(username)
    if session.scalars(select(UserRow.id).where(UserRow.username == name)).first() is not None:
        raise ConflictError(f"A user {name!r} already exists.", ref=name)
    orcid_id = None if orcid is None else normalize_orcid(orcid).value
    if (
        orcid_id is not None
        and session.scalars(select(UserRow.username).where(UserRow.orcid == orcid_id)).first()
    ):
        raise ConflictError(f"ORCID iD {orcid_id} already belongs to another account.")
    row = UserRow(
        username=name,
        display_name=display_name,
        email=email,
        orcid=orcid_id,
        facility_role=role.value,
        password_hash=None if password is None else hash_password(password),
        created_at=now,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        at=now,
        actor=by,
        action="user.add",
        target=f"user:{name}",
        remote=remote,
        details={"role": role.value, "password": password is not None},
    )
    return _user_record(session, row)


def list_users(session: Session) -> list[UserRecord]:
    """Every account, by user name."""
    rows = session.scalars(select(UserRow).order_by(UserRow.username)).all()
    return [_user_record(session, row) for row in rows]


def disable_user(
    session: Session, username: str, *, by: str | None, remote: str | None, now: datetime
) -> UserRecord:
    """Stop an account from signing in and its tokens from working (kept for the record)."""
    row = user_row(session, username)
    if row.disabled_at is None:
        row.disabled_at = now
        record_event(
            session, at=now, actor=by, action="user.disable", target=f"user:{row.username}",
            remote=remote,
        )  # fmt: skip
    return _user_record(session, row)


def add_group(
    session: Session,
    name: str,
    level: GroupLevel,
    *,
    description: str | None,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> GroupRecord:
    """Create a group with an OMERO permission level."""
    if not _GROUP_NAME.match(name):
        raise InvalidCredentialError(
            f"Group name {name!r} is not allowed: 1-64 letters, digits, spaces, '.', '_' or '-'."
        )
    if session.scalars(select(GroupRow.id).where(GroupRow.name == name)).first() is not None:
        raise ConflictError(f"A group {name!r} already exists.", ref=name)
    row = GroupRow(name=name, permission_level=level.value, description=description, created_at=now)
    session.add(row)
    session.flush()
    record_event(
        session, at=now, actor=by, action="group.add", target=f"group:{name}", remote=remote,
        details={"level": level.value},
    )  # fmt: skip
    return GroupRecord(row.id, name, level, description, ())


def set_group_level(
    session: Session,
    name: str,
    level: GroupLevel,
    *,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> None:
    """Change a group's permission level (what members may do with each other's data)."""
    row = _group_row(session, name)
    if row.permission_level == level.value:
        return
    before = row.permission_level
    row.permission_level = level.value
    record_event(
        session, at=now, actor=by, action="group.level", target=f"group:{name}", remote=remote,
        details={"from": before, "to": level.value},
    )  # fmt: skip


def add_member(
    session: Session,
    group: str,
    username: str,
    *,
    owner: bool,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> None:
    """Put an account in a group (or change whether it owns the group)."""
    group_row = _group_row(session, group)
    user = user_row(session, username)
    membership = session.get(GroupMemberRow, (group_row.id, user.id))
    if membership is None:
        session.add(GroupMemberRow(group_id=group_row.id, user_id=user.id, is_owner=owner))
    elif membership.is_owner == owner:
        return
    else:
        membership.is_owner = owner
    record_event(
        session, at=now, actor=by, action="group.member", target=f"group:{group}",
        remote=remote, details={"user": user.username, "owner": owner},
    )  # fmt: skip


def list_groups(session: Session) -> list[GroupRecord]:
    """Every group with its members, by name."""
    records = []
    for row in session.scalars(select(GroupRow).order_by(GroupRow.name)):
        members = session.execute(
            select(UserRow.username, GroupMemberRow.is_owner)
            .join(GroupMemberRow, GroupMemberRow.user_id == UserRow.id)
            .where(GroupMemberRow.group_id == row.id)
            .order_by(UserRow.username)
        ).all()
        records.append(
            GroupRecord(
                row.id,
                row.name,
                GroupLevel(row.permission_level),
                row.description,
                tuple((name, bool(is_owner)) for name, is_owner in members),
            )
        )
    return records


def principal_of(session: Session, user: UserRow, scope: Scope) -> Principal:
    """The caller an account is, with ``scope``, for policy decisions."""
    memberships = session.execute(
        select(GroupMemberRow.group_id, GroupMemberRow.is_owner).where(
            GroupMemberRow.user_id == user.id
        )
    ).all()
    return Principal(
        user_id=user.id,
        username=user.username,
        facility_role=FacilityRole(user.facility_role),
        member_of=frozenset(gid for gid, _ in memberships),
        owner_of=frozenset(gid for gid, is_owner in memberships if is_owner),
        scope=scope,
    )


def authenticate_password(
    session: Session, username: str, password: str, *, remote: str | None, now: datetime
) -> Principal | timedelta | None:
    """The caller a login stands for; ``None`` when refused; a wait when throttled.

    Unknown names, wrong passwords and disabled accounts are refused alike, after the same
    work, so neither the answer nor its timing tells which names exist. After
    :data:`MAX_FAILED_LOGINS` refusals for one name within :data:`LOGIN_WINDOW`, further
    attempts for that name - existing or not - are refused unchecked until the window has
    passed (the returned wait). Every attempt is audited (the name as typed, never the
    password): commit even when refused.
    """
    name = username.strip().lower()[:64]
    recent = session.scalars(
        select(AuditEventRow.at)
        .where(
            AuditEventRow.action == "login",
            AuditEventRow.actor == name,
            AuditEventRow.outcome == "denied",
            AuditEventRow.at > now - LOGIN_WINDOW,
            AuditEventRow.at <= now,
        )
        .order_by(AuditEventRow.at.desc())
        .limit(MAX_FAILED_LOGINS)
    ).all()
    if len(recent) >= MAX_FAILED_LOGINS:
        record_event(
            session, at=now, actor=name, action="login", remote=remote, outcome="denied",
            details={"throttled": True},
        )  # fmt: skip
        return recent[-1] + LOGIN_WINDOW - now
    row = session.scalars(select(UserRow).where(UserRow.username == name)).first()
    if row is None or row.password_hash is None:
        waste_verification(password)
        ok = False
    else:
        ok = verify_password(row.password_hash, password) and row.disabled_at is None
    record_event(
        session, at=now, actor=name, action="login", target=None, remote=remote,
        outcome="ok" if ok else "denied",
    )  # fmt: skip
    if not ok or row is None:
        return None
    row.last_login_at = now
    if row.password_hash is not None and needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
    return principal_of(session, row, Scope.ADMIN)


def bad_login() -> AuthenticationError:
    """The one refusal every failed login gets."""
    return AuthenticationError(_BAD_LOGIN)


def create_token(
    session: Session,
    username: str,
    scope: Scope,
    *,
    expires_in: timedelta,
    label: str | None,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> tuple[TokenRecord, str]:
    """A new token for ``username``: its record and its secret, which is never shown again."""
    if expires_in <= timedelta(0):
        raise InvalidCredentialError(f"A token must expire in the future, not in {expires_in}.")
    user = user_row(session, username)
    if user.disabled_at is not None:
        raise ConflictError(f"User {user.username!r} is disabled and cannot get tokens.")
    issued = issue_secret(TOKEN_PREFIX)
    row = ApiTokenRow(
        key_id=issued.key_id,
        secret_sha256=issued.digest,
        user_id=user.id,
        scope=scope.value,
        label=label,
        created_at=now,
        expires_at=now + expires_in,
    )
    session.add(row)
    session.flush()
    record_event(
        session, at=now, actor=by, action="token.create", target=f"token:{issued.key_id}",
        remote=remote, details={"user": user.username, "scope": scope.value},
    )  # fmt: skip
    return _token_record(row, user.username), issued.plaintext


def _token_record(row: ApiTokenRow, username: str) -> TokenRecord:
    return TokenRecord(
        key_id=row.key_id,
        username=username,
        scope=Scope(row.scope),
        label=row.label,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def list_tokens(session: Session, username: str | None = None) -> list[TokenRecord]:
    """Tokens (of one account, or all), newest first."""
    query = (
        select(ApiTokenRow, UserRow.username)
        .join(UserRow, UserRow.id == ApiTokenRow.user_id)
        .order_by(ApiTokenRow.created_at.desc(), ApiTokenRow.id.desc())
    )
    if username is not None:
        query = query.where(UserRow.id == user_row(session, username).id)
    return [_token_record(row, name) for row, name in session.execute(query)]


def revoke_token(
    session: Session, key_id: str, *, by: str | None, remote: str | None, now: datetime
) -> TokenRecord:
    """Revoke a token by its key id (the part after ``ist_``); revoking twice changes nothing."""
    found = session.execute(
        select(ApiTokenRow, UserRow.username)
        .join(UserRow, UserRow.id == ApiTokenRow.user_id)
        .where(ApiTokenRow.key_id == key_id.removeprefix(f"{TOKEN_PREFIX}_")[:12])
    ).first()
    if found is None:
        raise NotFoundError(f"No token with key id {key_id!r}; `steward token list` shows them.")
    row, username = found
    if row.revoked_at is None:
        row.revoked_at = now
        record_event(
            session, at=now, actor=by, action="token.revoke", target=f"token:{row.key_id}",
            remote=remote, details={"user": username},
        )  # fmt: skip
    return _token_record(row, username)


def authenticate_token(
    session: Session, plaintext: str, *, remote: str | None, now: datetime, record: bool
) -> tuple[Principal, bool]:
    """The caller a presented API token stands for, and whether its use is due for the log.

    With ``record`` the due use is written (the session must be a writing one); without, the
    check only reads, so that most requests never take the writer's lock.

    Raises
    ------
    AuthenticationError
        For a malformed, unknown, revoked or expired token, or a disabled account; the
        message says which, since the token's holder already knows it exists.
    """
    key_id, digest = parse_secret(plaintext, TOKEN_PREFIX)
    found = session.execute(
        select(ApiTokenRow, UserRow)
        .join(UserRow, UserRow.id == ApiTokenRow.user_id)
        .where(ApiTokenRow.key_id == key_id)
    ).first()
    if found is None or not digest_matches(found[0].secret_sha256, digest):
        raise AuthenticationError("Unknown API token.")
    token, user = found
    if token.revoked_at is not None:
        raise AuthenticationError(f"API token {key_id} was revoked.")
    if now >= token.expires_at:
        raise AuthenticationError(
            f"API token {key_id} expired at {token.expires_at.isoformat()}; create a new one."
        )
    if user.disabled_at is not None:
        raise AuthenticationError(f"The account of API token {key_id} is disabled.")
    due = token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_AUDIT_INTERVAL
    if due and record:
        record_event(
            session, at=now, actor=user.username, action="token.use",
            target=f"token:{key_id}", remote=remote,
        )  # fmt: skip
        token.last_used_at = now
    return principal_of(session, user, Scope(token.scope)), due and not record
