"""Direct shares with an account or a group, and reviewer links to one dataset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from imagesteward.access import (
    REVIEWER_PREFIX,
    Principal,
    Scope,
    digest_matches,
    issue_secret,
    parse_secret,
)
from imagesteward.catalog._access_tables import GroupRow, ReviewerLinkRow, ShareRow
from imagesteward.catalog._accounts import user_row
from imagesteward.catalog._audit import record_event
from imagesteward.catalog._visibility import Located
from imagesteward.errors import AuthenticationError, InvalidCredentialError, NotFoundError

__all__ = [
    "MAX_REVIEWER_LINK_LIFETIME",
    "ReviewerLinkRecord",
    "authenticate_reviewer_link",
    "create_reviewer_link",
    "revoke_reviewer_link",
    "share",
    "unshare",
]

#: Peer review takes months, not years; a link that outlives it is a leak waiting to happen.
MAX_REVIEWER_LINK_LIFETIME = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class ReviewerLinkRecord:
    """A reviewer link as listed (its secret is shown once, at creation)."""

    key_id: str
    target: str
    label: str | None
    created_at: datetime
    created_by: str | None
    expires_at: datetime
    revoked_at: datetime | None


def _recipient(session: Session, user: str | None, group: str | None) -> tuple[int | None, ...]:
    if (user is None) == (group is None):
        raise InvalidCredentialError("Share with exactly one user or one group.")
    if user is not None:
        return user_row(session, user).id, None
    found = session.scalars(select(GroupRow.id).where(GroupRow.name == group)).first()
    if found is None:
        raise NotFoundError(f"No group {group!r}.", ref=group)
    return None, found


def _share_query(where: Located, user_id: int | None, group_id: int | None) -> Select[ShareRow]:
    on_project = where.dataset_id is None
    return select(ShareRow).where(
        ShareRow.project_id == where.project_id if on_project else ShareRow.project_id.is_(None),
        ShareRow.dataset_id.is_(None) if on_project else ShareRow.dataset_id == where.dataset_id,
        ShareRow.user_id.is_(None) if user_id is None else ShareRow.user_id == user_id,
        ShareRow.group_id.is_(None) if group_id is None else ShareRow.group_id == group_id,
    )


def share(
    session: Session,
    where: Located,
    *,
    user: str | None = None,
    group: str | None = None,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> bool:
    """Share ``where`` with one account or one group; ``False`` when it already was."""
    user_id, group_id = _recipient(session, user, group)
    if session.scalars(_share_query(where, user_id, group_id)).first() is not None:
        return False
    session.add(
        ShareRow(
            project_id=where.project_id if where.dataset_id is None else None,
            dataset_id=where.dataset_id,
            user_id=user_id,
            group_id=group_id,
            created_at=now,
            created_by=by,
        )
    )
    record_event(
        session, at=now, actor=by, action="share.add", target=where.target, remote=remote,
        details={"user": user, "group": group},
    )  # fmt: skip
    return True


def unshare(
    session: Session,
    where: Located,
    *,
    user: str | None = None,
    group: str | None = None,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> bool:
    """Withdraw a share; ``False`` when there was none."""
    user_id, group_id = _recipient(session, user, group)
    row = session.scalars(_share_query(where, user_id, group_id)).first()
    if row is None:
        return False
    session.delete(row)
    record_event(
        session, at=now, actor=by, action="share.remove", target=where.target, remote=remote,
        details={"user": user, "group": group},
    )  # fmt: skip
    return True


def _link_record(row: ReviewerLinkRow, target: str) -> ReviewerLinkRecord:
    return ReviewerLinkRecord(
        key_id=row.key_id,
        target=target,
        label=row.label,
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def create_reviewer_link(
    session: Session,
    where: Located,
    *,
    expires_in: timedelta,
    label: str | None,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> tuple[ReviewerLinkRecord, str]:
    """A reviewer link to one dataset: its record and its secret (shown once)."""
    if where.dataset_id is None:
        raise InvalidCredentialError("A reviewer link opens one dataset; name the dataset.")
    if not timedelta(0) < expires_in <= MAX_REVIEWER_LINK_LIFETIME:
        raise InvalidCredentialError(
            f"A reviewer link must expire within {MAX_REVIEWER_LINK_LIFETIME.days} days, "
            f"not {expires_in}."
        )
    issued = issue_secret(REVIEWER_PREFIX)
    row = ReviewerLinkRow(
        key_id=issued.key_id,
        secret_sha256=issued.digest,
        dataset_id=where.dataset_id,
        label=label,
        created_at=now,
        created_by=by,
        expires_at=now + expires_in,
    )
    session.add(row)
    record_event(
        session, at=now, actor=by, action="reviewer-link.create", target=where.target,
        remote=remote, details={"key_id": issued.key_id, "expires_at": row.expires_at.isoformat()},
    )  # fmt: skip
    return _link_record(row, where.target), issued.plaintext


def revoke_reviewer_link(
    session: Session, key_id: str, *, by: str | None, remote: str | None, now: datetime
) -> None:
    """Revoke a reviewer link by its key id."""
    row = session.scalars(select(ReviewerLinkRow).where(ReviewerLinkRow.key_id == key_id)).first()
    if row is None:
        raise NotFoundError(f"No reviewer link with key id {key_id!r}.")
    if row.revoked_at is None:
        row.revoked_at = now
        record_event(
            session, at=now, actor=by, action="reviewer-link.revoke",
            target=f"reviewer-link:{key_id}", remote=remote,
        )  # fmt: skip


def authenticate_reviewer_link(session: Session, plaintext: str, *, now: datetime) -> Principal:
    """The anonymous, read-only caller a reviewer link stands for.

    Raises
    ------
    AuthenticationError
        For a malformed, unknown, revoked or expired link.
    """
    key_id, digest = parse_secret(plaintext, REVIEWER_PREFIX)
    row = session.scalars(select(ReviewerLinkRow).where(ReviewerLinkRow.key_id == key_id)).first()
    if row is None or not digest_matches(row.secret_sha256, digest):
        raise AuthenticationError("Unknown reviewer link.")
    if row.revoked_at is not None or now >= row.expires_at:
        raise AuthenticationError(
            "This reviewer link has expired or was withdrawn; ask the authors for a new one."
        )
    return Principal(scope=Scope.READ, reviewer_datasets=frozenset({row.dataset_id}))
