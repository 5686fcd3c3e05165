"""Study descriptions: each project's REMBI ``Study`` document.

A study is what only the researcher knows - title, authors, licence, biosamples, specimens,
study components. It is validated with the generated ``Study`` class and checked against the
catalog: identifiers of biosamples and specimens are unique, the image UUIDs it lists are images
of the project, and no biosample or specimen an image still refers to may disappear.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import batched
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from imagesteward import model
from imagesteward.catalog._annotate import (
    REFERENCES,
    AnnotatedImage,
    ImageAnnotation,
    annotate,
    validation_problems,
)
from imagesteward.catalog._changes import FieldProblem, record_changes
from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._tables import DatasetRow, ImageRow, ProjectRow, StudyRow
from imagesteward.errors import ConflictError, NotFoundError
from imagesteward.model.paths import changed_leaves

__all__ = ["StudyRecord", "get_study", "project_id", "save_study"]

#: Study lists whose items name catalogued images in ``image_ids``.
_IMAGE_LISTS = ("study_components", "image_correlations", "analysed_data")


@dataclass(frozen=True, slots=True)
class StudyRecord:
    """A project's study as catalogued.

    ``revision`` counts the saves that changed the document; pass it back to
    ``save_study(expected_revision=...)`` to refuse overwriting someone else's save.
    """

    project: str
    project_id: int
    document: model.Study
    revision: int
    created_at: datetime
    updated_at: datetime
    updated_by: str | None


def project_id(session: Session, project: str) -> int:
    """The id of the project called ``project``."""
    found = session.scalars(select(ProjectRow.id).where(ProjectRow.name == project)).first()
    if found is None:
        names = session.scalars(select(ProjectRow.name).order_by(ProjectRow.name)).all()
        raise NotFoundError(
            f"No project {project!r} in the catalog (projects: {', '.join(names) or 'none'}).",
            ref=project,
        )
    return found


def _record(row: StudyRow, project: str) -> StudyRecord:
    return StudyRecord(
        project=project,
        project_id=row.project_id,
        document=model.Study.model_validate(row.document),
        revision=row.revision,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def get_study(session: Session, project: str) -> StudyRecord | None:
    """The project's study, or ``None`` when it has not been described yet."""
    row = session.scalars(
        select(StudyRow).where(StudyRow.project_id == project_id(session, project))
    ).first()
    return None if row is None else _record(row, project)


def save_study(
    session: Session,
    project: str,
    study: model.Study | Mapping[str, Any],
    *,
    annotations: Sequence[ImageAnnotation],
    by: str | None,
    reason: str | None,
    expected_revision: int | None,
    allow_captured: bool,
    at: datetime,
) -> tuple[StudyRecord | None, list[AnnotatedImage], list[FieldProblem]]:
    """Create or replace the project's study and apply ``annotations``.

    Everything happens in the caller's transaction. With problems (and no record) the caller
    must roll back.
    """
    pid = project_id(session, project)
    row = session.scalars(select(StudyRow).where(StudyRow.project_id == pid)).first()
    current = 0 if row is None else row.revision
    if expected_revision is not None and expected_revision != current:
        raise ConflictError(
            f"The study of {project!r} is at revision {current}, not {expected_revision}: "
            f"someone saved it meanwhile{f' ({row.updated_by})' if row and row.updated_by else ''}."
            " Load it again and reapply your changes.",
            current=current,
            expected=expected_revision,
        )
    document, problems = _validated(study)
    if document is not None:
        problems.extend(_unique_identifiers(document))
        problems.extend(_unknown_images(session, pid, document))
    images, annotation_problems = annotate(
        session,
        annotations,
        by=by,
        reason=reason,
        allow_captured=allow_captured,
        at=at,
        studies={pid: document if document is not None else (row.document if row else None)},
    )
    problems.extend(annotation_problems)
    old = {} if row is None else row.document
    if document is not None and not problems:
        problems.extend(_dangling_references(session, pid, old, document))
    if document is None or problems:
        return None, images, problems
    changes = changed_leaves(old, document)
    if row is None:
        row = StudyRow(project_id=pid, created_at=at, revision=0)
        session.add(row)
    if changes:
        row.title = document["title"]
        row.document = document
        row.revision += 1
        row.updated_at = at
        row.updated_by = by
        record_changes(
            session,
            subject="study",
            project_id=pid,
            image_id=None,
            changes=changes,
            by=by,
            reason=reason,
            at=at,
        )
    session.flush()
    return _record(row, project), images, problems


def _validated(
    study: model.Study | Mapping[str, Any],
) -> tuple[dict[str, Any] | None, list[FieldProblem]]:
    dumped = (
        study.model_dump(mode="json", exclude_none=True)
        if isinstance(study, model.Study)
        else dict(study)
    )
    try:
        validated = model.Study.model_validate(dumped)
    except ValidationError as exc:
        return None, validation_problems(exc, index=None, target="study")
    return validated.model_dump(mode="json", exclude_none=True), []


def _unique_identifiers(document: dict[str, Any]) -> list[FieldProblem]:
    problems = []
    for kind in REFERENCES.values():
        items = document.get(kind) or []
        counts = Counter(item.get("identifier") for item in items if item.get("identifier"))
        for position, item in enumerate(items):
            identifier = item.get("identifier")
            if identifier and counts[identifier] > 1:
                problems.append(
                    FieldProblem(
                        None,
                        "study",
                        f"{kind}[{position}].identifier",
                        identifier,
                        f"{identifier!r} names {counts[identifier]} {kind}; identifiers must be "
                        "unique within the study.",
                    )
                )
    return problems


def _unknown_images(session: Session, pid: int, document: dict[str, Any]) -> list[FieldProblem]:
    listed: list[tuple[str, str]] = []
    for kind in _IMAGE_LISTS:
        for position, item in enumerate(document.get(kind) or []):
            for number, image_id in enumerate(item.get("image_ids") or []):
                listed.append((f"{kind}[{position}].image_ids[{number}]", image_id))
    known: set[str] = set()
    for batch in batched({uuid for _, uuid in listed}, IN_BATCH):
        known.update(
            session.scalars(
                select(ImageRow.uuid)
                .join(DatasetRow, ImageRow.dataset_id == DatasetRow.id)
                .where(DatasetRow.project_id == pid, ImageRow.uuid.in_(batch))
            )
        )
    return [
        FieldProblem(
            None,
            "study",
            path,
            value,
            f"{value!r} is not the UUID of an image of this project (give full, lower-case "
            "catalog UUIDs).",
        )
        for path, value in listed
        if value not in known
    ]


def _dangling_references(
    session: Session, pid: int, old: dict[str, Any], new: dict[str, Any]
) -> list[FieldProblem]:
    """Problems for biosamples and specimens removed while images still refer to them."""
    problems = []
    for slot, kind in REFERENCES.items():

        def identifiers(document: dict[str, Any], kind: str = kind) -> set[str]:
            return {i["identifier"] for i in document.get(kind) or [] if i.get("identifier")}

        removed = identifiers(old) - identifiers(new)
        if not removed:
            continue
        # The flush makes annotations of this transaction (re-pointed images) visible here.
        session.flush()
        reference = ImageRow.document[slot].as_string()
        rows = session.execute(
            select(reference, ImageRow.uuid)
            .join(DatasetRow, ImageRow.dataset_id == DatasetRow.id)
            .where(DatasetRow.project_id == pid, reference.in_(sorted(removed)))
            .order_by(ImageRow.id)
        ).all()
        users: dict[str, list[str]] = {}
        for identifier, uuid in rows:
            users.setdefault(identifier, []).append(uuid)
        for identifier, uuids in sorted(users.items()):
            shown = ", ".join(uuids[:3]) + (f" and {len(uuids) - 3} more" if len(uuids) > 3 else "")
            problems.append(
                FieldProblem(
                    None,
                    "study",
                    kind,
                    identifier,
                    f"{kind[:-1]} {identifier!r} would be removed, but {len(uuids)} image(s) "
                    f"still refer to it ({shown}); point them elsewhere (their {slot}) first.",
                )
            )
    return problems
