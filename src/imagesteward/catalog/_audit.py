"""The audit log: who did what, to what, when, from where - appended, never changed.

Every function that changes accounts, credentials, visibility or shares writes its event in
the same transaction as the change, so the log cannot miss a change nor record one that was
rolled back. Refusals (a failed login, a denied action) are written in their own transaction,
since the request that caused them fails.
"""

from __future__ import annotations

import csv
import io
import json
import platform
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from imagesteward.catalog._access_tables import AuditEventRow
from imagesteward.catalog._records import FilesetRecord

__all__ = [
    "AuditRecord",
    "audit_ingest",
    "audit_metadata_edit",
    "export_audit",
    "list_audit_events",
    "record_event",
    "recorded_since",
]

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


def recorded_since(session: Session, action: str, target: str, since: datetime) -> bool:
    """Whether an ``action`` event about ``target`` was recorded at or after ``since``."""
    found = session.scalars(
        select(AuditEventRow.id)
        .where(
            AuditEventRow.action == action,
            AuditEventRow.target == target,
            AuditEventRow.at >= since,
        )
        .limit(1)
    ).first()
    return found is not None


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


def audit_ingest(session: Session, records: Sequence[FilesetRecord]) -> None:
    """Record who ingested which filesets, from which files on which host (same transaction).

    One event per fileset: its files by path and SHA-256, so the log says where every
    original came from even if the catalog record is later removed.
    """
    host = platform.node() or None
    rows = [
        {
            "at": record.ingested_at,
            "actor": record.ingested_by,
            "action": "ingest",
            "target": f"dataset:{record.project}/{record.dataset}",
            "remote": None if host is None else f"ingest@{host}",
            "outcome": "ok",
            "details": {
                "fileset": record.id,
                "reader": record.reader,
                "files": [{"path": f.original_path, "sha256": f.sha256} for f in record.files],
                "images": [image.uuid for image in record.images],
            },
        }
        for record in records
    ]
    if rows:
        # One executemany for the whole batch: an ingest batch stays a few statements
        # whatever its size (tests/catalog/test_08_batch_statements.py).
        session.execute(insert(AuditEventRow), rows)


def audit_metadata_edit(
    session: Session,
    *,
    at: datetime,
    by: str | None,
    action: Literal["metadata.study", "metadata.annotate"],
    target: str,
    reason: str | None,
    details: Mapping[str, Any],
) -> None:
    """Record an edit of a study or of image documents (the field-level trail is kept apart).

    ``by`` is the editor as the caller names them: a user name, or ``cli user@host``.
    """
    record_event(
        session, at=at, actor=by, action=action, target=target,
        details={**details, "reason": reason},
    )  # fmt: skip


_COLUMNS = ("id", "at", "actor", "action", "target", "remote", "outcome", "details")


def export_audit(events: Iterable[AuditRecord], fmt: Literal["jsonl", "csv"]) -> Iterator[str]:
    """The events as lines of JSON Lines or CSV (with a header row), in the order given.

    ``at`` is ISO 8601 in UTC; in CSV, ``details`` is a JSON object in one cell.
    """
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(_COLUMNS)
    for event in events:
        row = {
            "id": event.id, "at": event.at.isoformat(), "actor": event.actor,
            "action": event.action, "target": event.target, "remote": event.remote,
            "outcome": event.outcome,
            "details": None if event.details is None else dict(event.details),
        }  # fmt: skip
        if fmt == "jsonl":
            yield json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"
            continue
        details = row["details"]
        row["details"] = "" if details is None else json.dumps(details, sort_keys=True)
        writer.writerow(["" if row[c] is None else row[c] for c in _COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if fmt == "csv" and buffer.getvalue():
        yield buffer.getvalue()
