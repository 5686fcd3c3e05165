"""Undoing a removal: an operator's way back, before ``steward store purge`` freed the bytes.

A removed image comes back when its dataset is live; a removed dataset comes back under its
name (unless a live dataset took it) with the images removed together with it - images
removed one by one before stay removed. Both are audited and indexed again. Given the store's
``has_bytes``, a restore whose originals a purge deleted is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from imagesteward.catalog import _search_index
from imagesteward.catalog._audit import record_event
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.catalog._tables import DatasetRow, ImageRow, OriginalFileRow, ProjectRow
from imagesteward.catalog._visibility import locate
from imagesteward.errors import ConflictError, NotFoundError

__all__ = ["Removed", "restore_dataset", "restore_image"]


@dataclass(frozen=True, slots=True)
class Removed:
    """What a removal marked: a dataset (with its images) or one image."""

    target: str  # as the audit log names it: dataset:P/D or image:UUID
    project: str
    dataset: str
    image_uuids: tuple[str, ...]
    removed_at: datetime
    removed_by: str | None


def _project_name(session: Session, project_id: int) -> str:
    name: str = session.scalars(select(ProjectRow.name).where(ProjectRow.id == project_id)).one()
    return name


def _require_bytes(
    s: Session, image_ids: list[int], has_bytes: Callable[[str], bool] | None
) -> None:
    """Refuse to bring back images whose originals a purge has deleted."""
    if has_bytes is None or not image_ids:
        return
    digests = s.scalars(
        select(OriginalFileRow.sha256)
        .join(ImageRow, ImageRow.fileset_id == OriginalFileRow.fileset_id)
        .where(ImageRow.id.in_(image_ids), OriginalFileRow.stored_in_place.is_(False))
        .distinct()
    ).all()
    gone = [digest for digest in digests if not has_bytes(digest)]
    if gone:
        raise ConflictError(
            f"Cannot restore: 'steward store purge' has deleted {len(gone)} of its original "
            f"file(s) (sha256 {gone[0]}{', ...' if len(gone) > 1 else ''}).",
            sha256=gone[0],
        )


def restore_image(
    s: Session, *, uuid: str, remote: str | None, has_bytes: Callable[[str], bool] | None = None
) -> Removed:
    """Undo an image's removal (the operator's; before a purge freed its bytes).

    Raises
    ------
    NotFoundError
        For a UUID no removed image has, or one whose dataset is removed (restore that).
    """
    at = utcnow()

    found = s.execute(
        select(ImageRow, DatasetRow)
        .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
        .where(ImageRow.uuid == uuid.lower(), ImageRow.removed_at.is_not(None))
    ).first()
    if found is None or found[1].removed_at is not None:
        raise NotFoundError(f"No removed image {uuid} in a live dataset.", ref=uuid)
    image, dataset = found
    _require_bytes(s, [image.id], has_bytes)
    image.removed_at = image.removed_by = None
    where = locate(s, _project_name(s, dataset.project_id), dataset.name)
    s.flush()
    _search_index.refresh(s.connection(), image_ids=[image.id])
    record_event(
        s, at=at, actor=None, action="image.restore", target=f"image:{image.uuid}",
        remote=remote, details={"dataset": where.target},
    )  # fmt: skip
    return Removed(f"image:{image.uuid}", where.project, dataset.name, (image.uuid,), at, None)


def restore_dataset(
    s: Session,
    *,
    project: str,
    dataset: str,
    remote: str | None,
    has_bytes: Callable[[str], bool] | None = None,
) -> Removed:
    """Undo the latest removal of dataset ``dataset`` of ``project`` with its images.

    Images removed one by one before the dataset stay removed.

    Raises
    ------
    NotFoundError
        When no removed dataset of that name is in the project.
    ConflictError
        When a live dataset has taken the name since.
    """
    at = utcnow()

    pid = locate(s, project).project_id
    tombstone = s.scalars(
        select(DatasetRow)
        .where(
            DatasetRow.project_id == pid,
            DatasetRow.removed_at.is_not(None),
            DatasetRow.name.startswith(f"{dataset} (removed #"),
        )
        .order_by(DatasetRow.removed_at.desc())
    ).first()
    if tombstone is None:
        raise NotFoundError(f"No removed dataset {dataset!r} in project {project!r}.")
    live = s.scalars(
        select(DatasetRow.id).where(
            DatasetRow.project_id == pid,
            DatasetRow.name == dataset,
            DatasetRow.removed_at.is_(None),
        )
    ).first()
    if live is not None:
        raise ConflictError(
            f"Project {project!r} has a dataset {dataset!r} again; rename it first."
        )
    images = list(
        s.scalars(
            select(ImageRow).where(
                ImageRow.dataset_id == tombstone.id,
                ImageRow.removed_at == tombstone.removed_at,
            )
        )
    )
    _require_bytes(s, [image.id for image in images], has_bytes)
    for image in images:
        image.removed_at = image.removed_by = None
    tombstone.name, tombstone.removed_at, tombstone.removed_by = dataset, None, None
    s.flush()
    _search_index.refresh(s.connection(), project_ids=[pid])
    target = f"dataset:{project}/{dataset}"
    uuids = tuple(image.uuid for image in images)
    record_event(
        s, at=at, actor=None, action="dataset.restore", target=target, remote=remote,
        details={"images": list(uuids)},
    )  # fmt: skip
    return Removed(target, project, dataset, uuids, at, None)
