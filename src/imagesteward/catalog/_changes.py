"""The metadata change log: what people changed in study and image documents, who and when.

Ingest writes documents as the readers captured them; every later change goes through
:func:`record_changes`, one row per document changed, listing each changed leaf field with its
old and new value. The rows serve the audit log, and they are how the catalog knows which
image fields a person set (editable) and which came from the files (protected).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import batched
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._tables import MetadataChangeRow, ProjectRow

__all__ = [
    "ChangeRecord",
    "FieldChange",
    "FieldProblem",
    "list_changes",
    "person_set_fields",
    "record_changes",
]


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One leaf field changed: its path and its value before and after (``None``: absent)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """Why one requested change cannot be made.

    Attributes
    ----------
    index
        Position of the annotation in the request (``None`` for the study document).
    target
        ``"study"`` or the image's UUID (or the reference given, when no image matched).
    field
        Field path concerned (``""`` for the document as a whole).
    value
        The value given.
    reason
        What is wrong, in a sentence.
    """

    index: int | None
    target: str
    field: str
    value: Any
    reason: str

    def __str__(self) -> str:
        where = f"{self.target}: {self.field}" if self.field else self.target
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One recorded change of a study or image document."""

    id: int
    subject: str
    project: str
    image_id: int | None
    changed_at: datetime
    changed_by: str | None
    reason: str | None
    changes: tuple[FieldChange, ...]


def record_changes(
    session: Session,
    *,
    subject: str,
    project_id: int,
    image_id: int | None,
    changes: Sequence[tuple[str, Any, Any]],
    by: str | None,
    reason: str | None,
    at: datetime,
) -> None:
    """Log the changed leaves of one document (nothing when ``changes`` is empty)."""
    if not changes:
        return
    session.add(
        MetadataChangeRow(
            subject=subject,
            project_id=project_id,
            image_id=image_id,
            changed_at=at,
            changed_by=by,
            reason=reason,
            changes=[{"field": field, "old": old, "new": new} for field, old, new in changes],
        )
    )


def person_set_fields(session: Session, image_ids: Iterable[int]) -> dict[int, set[str]]:
    """The leaf fields of each image whose current value a person set through annotation.

    A field counts when the latest logged change to it gave it a value; a person who cleared
    a captured value and left it empty made it a gap, which anyone may fill.
    """
    latest: dict[int, dict[str, Any]] = {}
    for batch in batched(set(image_ids), IN_BATCH):
        rows = session.execute(
            select(MetadataChangeRow.image_id, MetadataChangeRow.changes)
            .where(MetadataChangeRow.image_id.in_(batch))
            .order_by(MetadataChangeRow.id)
        )
        for image_id, changes in rows:
            fields = latest.setdefault(image_id, {})
            for change in changes:
                fields[change["field"]] = change["new"]
    return {
        image_id: {field for field, new in fields.items() if new is not None}
        for image_id, fields in latest.items()
    }


def list_changes(
    session: Session,
    *,
    project_id: int | None = None,
    image_id: int | None = None,
    limit: int = 100,
) -> list[ChangeRecord]:
    """Recorded changes, newest first, optionally of one project or one image."""
    query = (
        select(MetadataChangeRow, ProjectRow.name)
        .join(ProjectRow, MetadataChangeRow.project_id == ProjectRow.id)
        .order_by(MetadataChangeRow.id.desc())
        .limit(limit)
    )
    if project_id is not None:
        query = query.where(MetadataChangeRow.project_id == project_id)
    if image_id is not None:
        query = query.where(MetadataChangeRow.image_id == image_id)
    return [
        ChangeRecord(
            id=row.id,
            subject=row.subject,
            project=project,
            image_id=row.image_id,
            changed_at=row.changed_at,
            changed_by=row.changed_by,
            reason=row.reason,
            changes=tuple(FieldChange(c["field"], c["old"], c["new"]) for c in row.changes),
        )
        for row, project in session.execute(query)
    ]
