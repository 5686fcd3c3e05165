"""The audit log: who did what, to what, when, from where - appended, never changed.

Every function that changes accounts, credentials, visibility or shares writes its event in
the same transaction as the change, so the log cannot miss a change nor record one that was
rolled back. Refusals (a failed login, a denied action) are written in their own transaction,
since the request that caused them fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from imagesteward.catalog._access_tables import AuditEventRow

__all__ = ["AuditRecord", "list_audit_events", "record_event"]

type Outcome = Literal["ok", "denied", "failed"]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One event of the audit log.

    ``actor`` is ``None`` for anonymous callers and for the system itself (an embargo that
    ended at its date); ``remote`` says from where (``"cli alice@host"``, a client address).
    """

    id: int
    at: datetime
    actor: str | None
    action: str
    target: str | None
    remote: str | None
    outcome: str
    details: Mapping[str, Any] | None


def record_event(
    session: Session,
    *,
    at: datetime,
    actor: str | None,
    action: str,
    target: str | None = None,
    remote: str | None = None,
    outcome: Outcome = "ok",
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one event in the caller's transaction."""
    session.add(
        AuditEventRow(
            at=at,
            actor=actor,
            action=action,
            target=target,
            remote=remote,
            outcome=outcome,
            details=dict(details) if details else None,
        )
    )


def list_audit_events(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: int | None = 100,
) -> list[AuditRecord]:
    """Events matching every filter given, newest first.

    ``action`` matches a whole action or a family (``"token"`` matches ``token.create``);
    ``since`` is inclusive and ``until`` exclusive.
    """
    query = select(AuditEventRow).order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
    if since is not None:
        query = query.where(AuditEventRow.at >= since)
    if until is not None:
        query = query.where(AuditEventRow.at < until)
    if actor is not None:
        query = query.where(AuditEventRow.actor == actor)
    if action is not None:
        query = query.where(
            (AuditEventRow.action == action)
            | AuditEventRow.action.startswith(f"{action}.", autoescape=True)
        )
    if target is not None:
        query = query.where(AuditEventRow.target == target)
    if limit is not None:
        query = query.limit(limit)
    return [
        AuditRecord(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            remote=row.remote,
            outcome=row.outcome,
            details=row.details,
        )
        for row in session.scalars(query)
    ]
