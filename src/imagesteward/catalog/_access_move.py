"""Moving an image to another dataset of its project, under the policy, audited.

An image moves with its fileset: the files of one acquisition were read together and stay
together (a multi-series file cannot be half in one dataset). Moves stay within a project:
images refer to their project's study (biosamples, specimens), which another project does
not have. Nothing is copied or deleted - the stored originals, their digests and the image
UUIDs are unchanged; only the dataset the catalog files them under changes, so every PID and
download link still resolves. The search index of the project is derived again in the same
transaction, and the move is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from imagesteward.catalog import _search_index
from imagesteward.catalog._audit import record_event
from imagesteward.catalog._records import ImageRecord
from imagesteward.catalog._tables import FilesetRow, ImageRow
from imagesteward.catalog._visibility import Located, locate
from imagesteward.errors import ConflictError

__all__ = ["MovedImages", "move_fileset"]


@dataclass(frozen=True, slots=True)
class MovedImages:
    """Where the images of one fileset went (UUIDs unchanged)."""

    project: str
    source: str
    destination: str
    fileset_id: int
    image_uuids: tuple[str, ...]


def move_fileset(
    session: Session,
    image: ImageRecord,
    dataset: str,
    *,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> tuple[Located, Located, MovedImages]:
    """Refile ``image``'s fileset under ``dataset`` of the same project.

    Returns the source and destination (for the caller's policy checks, made before the
    transaction commits) and what moved.

    Raises
    ------
    NotFoundError
        For a destination dataset that does not exist in the project.
    ConflictError
        When the destination is the dataset the image is already in.
    """
    source = locate(session, image.project, image.dataset)
    destination = locate(session, image.project, dataset)
    if destination.dataset_id == source.dataset_id:
        raise ConflictError(f"Image {image.uuid} is already in dataset {dataset!r}.")
    uuids = tuple(
        session.scalars(
            select(ImageRow.uuid)
            .where(ImageRow.fileset_id == image.fileset_id)
            .order_by(ImageRow.id)
        )
    )
    session.execute(
        update(FilesetRow)
        .where(FilesetRow.id == image.fileset_id)
        .values(dataset_id=destination.dataset_id)
    )
    session.execute(
        update(ImageRow)
        .where(ImageRow.fileset_id == image.fileset_id)
        .values(dataset_id=destination.dataset_id)
    )
    session.flush()
    # Both datasets' entries (counts, facets, completeness) and the images' own change.
    _search_index.refresh(session.connection(), project_ids=[source.project_id])
    moved = MovedImages(image.project, str(source.dataset), dataset, image.fileset_id, uuids)
    record_event(
        session, at=now, actor=by, action="move", target=source.target, remote=remote,
        details={"to": destination.target, "fileset": image.fileset_id, "images": list(uuids)},
    )  # fmt: skip
    return source, destination, moved
