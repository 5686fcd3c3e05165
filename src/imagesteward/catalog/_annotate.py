"""Annotating images: what only the researcher knows, written into the image documents.

An annotation sets fields of an image's document by path (``biosample_ref``,
``acquisition.imaging_method``, ``channels[0].fluorophore``). The rule that keeps the record
trustworthy: a value the reader captured from the file is never overwritten or removed unless
the caller explicitly allows it; gaps may be filled, and values a person set stay editable.
Every changed image is validated again, its promoted columns recomputed, and each changed leaf
logged with who and when - all in the caller's one transaction.
"""

from __future__ import annotations

import copy
import uuid as uuid_module
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import batched
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from imagesteward import model
from imagesteward.catalog._changes import FieldProblem, person_set_fields, record_changes
from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._inputs import ImageInput
from imagesteward.catalog._lookup import get_image
from imagesteward.catalog._promote import PreparedImage, prepare_image
from imagesteward.catalog._records import structure_from_json
from imagesteward.catalog._tables import (
    DatasetRow,
    ImageChannelRow,
    ImageRow,
    InstrumentRow,
    PersonRow,
    ProjectRow,
    StudyRow,
)
from imagesteward.errors import ImageStewardError, NotFoundError
from imagesteward.model.paths import (
    PathError,
    changed_leaves,
    format_path,
    get_at,
    parse_path,
    set_at,
)

__all__ = ["AnnotatedImage", "ImageAnnotation", "annotate", "validation_problems"]

#: Image fields that point into the project's study, and the study list they point into.
REFERENCES = {"biosample_ref": "biosamples", "specimen_ref": "specimens"}


@dataclass(frozen=True, slots=True)
class ImageAnnotation:
    """New values for fields of one image's document.

    Attributes
    ----------
    image
        The image: id, UUID or unique UUID prefix.
    values
        Field path -> new value, as JSON (objects as dicts); ``None`` removes the value.
    """

    image: int | str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class AnnotatedImage:
    """An image row being changed, with its project and dataset names."""

    row: ImageRow
    project_id: int
    project: str
    dataset: str
    original: dict[str, Any]
    document: dict[str, Any]


def validation_problems(
    exc: ValidationError, *, index: int | None, target: str
) -> list[FieldProblem]:
    """One problem per pydantic error, located by field path."""
    return [
        FieldProblem(
            index, target, format_path(list(error["loc"])), error.get("input"), error["msg"]
        )
        for error in exc.errors()
    ]


def annotate(
    session: Session,
    annotations: Sequence[ImageAnnotation],
    *,
    by: str | None,
    reason: str | None,
    allow_captured: bool,
    at: datetime,
    studies: Mapping[int, dict[str, Any] | None] | None = None,
) -> tuple[list[AnnotatedImage], list[FieldProblem]]:
    """Apply ``annotations`` within the session's transaction.

    ``studies`` overrides the stored study document of some projects (a study saved in the
    same transaction). Returns the annotated images and the problems found; when there are
    problems the caller must roll back, as some rows may already be changed.
    """
    problems: list[FieldProblem] = []
    images = _load(session, annotations, problems)
    person_set = person_set_fields(session, (image.row.id for image in images.values()))
    known = _study_identifiers(session, {image.project_id for image in images.values()}, studies)
    # Which annotation set which path of which image: a schema error found when the whole
    # document is validated is blamed on the annotation that touched that field.
    touched: dict[int, list[tuple[int, str]]] = {}
    for index, annotation in enumerate(annotations):
        image = images.get(index)
        if image is None:
            continue
        for path, value in annotation.values.items():
            touched.setdefault(image.row.id, []).append((index, path))
            problem = _apply(
                image, path, value, person_set.get(image.row.id, set()), allow_captured, known
            )
            if problem is not None:
                problems.append(FieldProblem(index, image.row.uuid, path, value, problem))
    changed: dict[int, AnnotatedImage] = {}
    for image in {id(image): image for image in images.values()}.values():
        if image.document == image.original:
            continue
        try:
            prepared = _prepare(image)
        except ValidationError as exc:
            for found in validation_problems(exc, index=None, target=image.row.uuid):
                blamed = _blamed(touched[image.row.id], found.field)
                problems.append(replace(found, index=blamed))
            continue
        except ImageStewardError as exc:
            blamed = touched[image.row.id][-1][0]
            problems.append(FieldProblem(blamed, image.row.uuid, "", None, exc.message))
            continue
        if not problems:
            _write(session, image, prepared, by=by, reason=reason, at=at)
        changed[image.row.id] = image
    return list(changed.values()), problems


def _blamed(touched: list[tuple[int, str]], field: str) -> int:
    """The last annotation whose path contains ``field`` or lies inside it."""
    for index, path in reversed(touched):
        if field == path or field.startswith((f"{path}.", f"{path}[")) or path.startswith(field):
            return index
    return touched[-1][0]


def _load(
    session: Session, annotations: Sequence[ImageAnnotation], problems: list[FieldProblem]
) -> dict[int, AnnotatedImage]:
    """The images the annotations name, by annotation index; one object per image."""
    ids: dict[int, int] = {}
    for index, annotation in enumerate(annotations):
        try:
            ids[index] = _image_id(session, annotation.image)
        except NotFoundError as exc:
            problems.append(FieldProblem(index, str(annotation.image), "", None, exc.message))
    loaded: dict[int, AnnotatedImage] = {}
    for batch in batched(set(ids.values()), IN_BATCH):
        rows = session.execute(
            select(ImageRow, DatasetRow.project_id, ProjectRow.name, DatasetRow.name)
            .join(DatasetRow, ImageRow.dataset_id == DatasetRow.id)
            .join(ProjectRow, DatasetRow.project_id == ProjectRow.id)
            .where(ImageRow.id.in_(batch))
        )
        for row, project_id, project, dataset in rows:
            original = copy.deepcopy(row.document)
            loaded[row.id] = AnnotatedImage(
                row, project_id, project, dataset, original, copy.deepcopy(original)
            )
    return {index: loaded[image_id] for index, image_id in ids.items()}


def _image_id(session: Session, ref: int | str) -> int:
    # Full UUIDs (what spreadsheets carry) resolve with one indexed lookup; ids and prefixes
    # go through the catalog's general resolver and its messages.
    if isinstance(ref, str):
        try:
            canonical = str(uuid_module.UUID(ref.strip()))
        except ValueError:
            canonical = None
        if canonical is not None:
            found = session.scalars(
                select(ImageRow.id)
                .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
                .where(
                    ImageRow.uuid == canonical,
                    ImageRow.removed_at.is_(None),  # a removed image is not found, as anywhere
                    DatasetRow.removed_at.is_(None),
                )
            ).first()
            if found is None:
                raise NotFoundError(f"No image with UUID {canonical} in the catalog.", ref=ref)
            return found
    return get_image(session, ref).id


def _study_identifiers(
    session: Session, project_ids: set[int], studies: Mapping[int, dict[str, Any] | None] | None
) -> dict[int, dict[str, set[str]] | None]:
    documents: dict[int, dict[str, Any] | None] = dict.fromkeys(project_ids)
    stored = session.execute(
        select(StudyRow.project_id, StudyRow.document).where(StudyRow.project_id.in_(project_ids))
    )
    documents.update(dict(stored.all()))
    documents.update({k: v for k, v in (studies or {}).items() if k in project_ids})
    return {
        project_id: None
        if document is None
        else {
            kind: {
                item["identifier"] for item in document.get(kind) or [] if item.get("identifier")
            }
            for kind in REFERENCES.values()
        }
        for project_id, document in documents.items()
    }


def _apply(
    image: AnnotatedImage,
    path: str,
    value: Any,
    person_set: set[str],
    allow_captured: bool,
    known: Mapping[int, dict[str, set[str]] | None],
) -> str | None:
    """Set one field of the working document; the reason it cannot be set, or ``None``."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_none=True)
    try:
        parts = parse_path(path)
    except PathError as exc:
        return str(exc)
    old = get_at(image.document, parts)
    if not allow_captured:
        for leaf, before, after in changed_leaves(old, value, parts):
            if before is not None and leaf not in person_set:
                action = "remove" if after is None else "overwrite"
                return (
                    f"{leaf} = {before!r} was captured from the original file; annotations do "
                    f"not {action} captured facts unless explicitly allowed (allow_captured)."
                )
    kind = REFERENCES.get(path)
    if kind is not None and value is not None:
        identifiers = known.get(image.project_id)
        if identifiers is None:
            return (
                f"project {image.project!r} has no study description yet; describe its "
                f"{kind} first, then refer to them by identifier."
            )
        if value not in identifiers[kind]:
            listed = ", ".join(sorted(identifiers[kind])) or "none"
            return f"{value!r} is not a {kind[:-1]} of the study (known: {listed})."
    try:
        set_at(image.document, parts, copy.deepcopy(value))
    except PathError as exc:
        return str(exc)
    return None


def _prepare(image: AnnotatedImage) -> PreparedImage:
    document = model.Image.model_validate(image.document)
    return prepare_image(
        ImageInput(document, structure_from_json(image.row.structure), uuid=image.row.uuid)
    )


def _write(
    session: Session,
    image: AnnotatedImage,
    prepared: PreparedImage,
    *,
    by: str | None,
    reason: str | None,
    at: datetime,
) -> None:
    row = image.row
    changes = changed_leaves(image.original, prepared.columns["document"])
    for name, value in prepared.columns.items():
        if name not in {"uuid", "structure"}:
            setattr(row, name, value)
    # The reader's identities are only re-resolved when a person changed them: resolving
    # creates rows, and an unchanged microscope must keep pointing at its instrument.
    if any(leaf.startswith("acquisition.microscope") for leaf, _, _ in changes):
        row.instrument_id = _identity_id(session, InstrumentRow, prepared.instrument)
    if any(leaf.startswith("acquisition.operator") for leaf, _, _ in changes):
        row.operator_id = _identity_id(session, PersonRow, prepared.operator)
    if any(leaf.startswith("channels") for leaf, _, _ in changes):
        session.execute(delete(ImageChannelRow).where(ImageChannelRow.image_id == row.id))
        session.add_all(ImageChannelRow(image_id=row.id, **values) for values in prepared.channels)
    row.updated_at = at
    row.updated_by = by
    record_changes(
        session,
        subject="image",
        project_id=image.project_id,
        image_id=row.id,
        changes=changes,
        by=by,
        reason=reason,
        at=at,
    )


def _identity_id(
    session: Session, table: type[InstrumentRow] | type[PersonRow], values: dict[str, Any] | None
) -> int | None:
    """Id of the instrument or person with these values, created when new."""
    if values is None:
        return None
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # ON CONFLICT: an ingest creating the same identity at this moment is not an error.
    session.execute(
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["identity_key"])
    )
    return session.scalars(
        select(table.id).where(table.identity_key == values["identity_key"])
    ).one()
