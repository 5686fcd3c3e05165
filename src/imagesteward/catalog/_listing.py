"""Listings and totals: images page by page, projects, datasets, instruments, statistics."""

from __future__ import annotations

import base64
import binascii
import json

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from imagesteward.catalog._lookup import images_with_names
from imagesteward.catalog._records import (
    CatalogStats,
    DatasetRecord,
    ImageRecord,
    InstrumentRecord,
    Page,
    ProjectRecord,
    image_record,
    instrument_record,
)
from imagesteward.catalog._tables import (
    DatasetRow,
    FilesetRow,
    ImageRow,
    InstrumentRow,
    OriginalFileRow,
    ProjectRow,
)
from imagesteward.errors import NotFoundError

__all__ = [
    "MAX_PAGE_SIZE",
    "catalog_stats",
    "list_datasets",
    "list_images",
    "list_instruments",
    "list_projects",
]

#: Larger pages are cut to this size; callers follow ``next_cursor`` for the rest.
MAX_PAGE_SIZE = 1000


def _encode_cursor(after: int, project: str | None, dataset: str | None) -> str:
    # The filters travel with the position: the next page needs only the cursor, and a cursor
    # given other filters is caught instead of silently skipping rows.
    payload = json.dumps({"after": after, "project": project, "dataset": dataset})
    return base64.urlsafe_b64encode(payload.encode("utf-8")).decode("ascii").rstrip("=")


def _decode_cursor(
    cursor: str, project: str | None, dataset: str | None
) -> tuple[int, str | None, str | None]:
    """Position and filters of a cursor; filters given must be the cursor's or none."""
    problem = "it is not one this catalog issued"
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after = data["after"]
        if not isinstance(after, int) or after < 0:
            raise TypeError(after)
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    else:
        filters = (data.get("project"), data.get("dataset"))
        if (project, dataset) in ((None, None), filters):
            return after, *filters
        problem = "it belongs to a listing with other project/dataset filters"
    raise NotFoundError(
        f"Cannot continue the image listing from cursor {cursor!r}: {problem}. "
        "Start again from the first page (no cursor).",
        cursor=cursor,
    )


def _project_id(session: Session, project: str) -> int:
    found = session.scalars(select(ProjectRow.id).where(ProjectRow.name == project)).first()
    if found is None:
        known = session.scalars(select(ProjectRow.name).order_by(ProjectRow.name).limit(10)).all()
        listed = ", ".join(known) if known else "none yet"
        raise NotFoundError(f"No project named {project!r}. Projects: {listed}.", project=project)
    return found


def _image_filter(
    session: Session, project: str | None, dataset: str | None
) -> ColumnElement[bool] | None:
    project_id = _project_id(session, project) if project is not None else None
    if dataset is None:
        return None if project_id is None else DatasetRow.project_id == project_id
    query = select(DatasetRow.id).where(DatasetRow.name == dataset, DatasetRow.removed_at.is_(None))
    if project_id is not None:
        query = query.where(DatasetRow.project_id == project_id)
    dataset_ids = session.scalars(query).all()
    if not dataset_ids:
        where = f" in project {project!r}" if project is not None else ""
        raise NotFoundError(
            f"No dataset named {dataset!r}{where}; list the datasets to see their names.",
            project=project,
            dataset=dataset,
        )
    return ImageRow.dataset_id.in_(dataset_ids)


def list_images(
    session: Session,
    *,
    project: str | None,
    dataset: str | None,
    limit: int,
    cursor: str | None,
) -> Page[ImageRecord]:
    """One page of images in id order (keyset pagination: stable while rows are added).

    A cursor continues the listing it came from, filters included; giving it other filters
    is refused.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    limit = min(limit, MAX_PAGE_SIZE)
    after = 0
    if cursor is not None:
        after, project, dataset = _decode_cursor(cursor, project, dataset)
    query = images_with_names().where(ImageRow.id > after)
    condition = _image_filter(session, project, dataset)
    if condition is not None:
        query = query.where(condition)
    rows = session.execute(query.order_by(ImageRow.id).limit(limit + 1)).all()
    items = tuple(image_record(*row) for row in rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        next_cursor = _encode_cursor(items[-1].id, project, dataset)
    return Page(items=items, next_cursor=next_cursor)


def list_projects(session: Session) -> list[ProjectRecord]:
    """Every project, by name, with its dataset and image counts."""
    datasets = (
        select(DatasetRow.project_id, func.count().label("n"))
        .where(DatasetRow.removed_at.is_(None))
        .group_by(DatasetRow.project_id)
        .subquery()
    )
    images = (
        select(DatasetRow.project_id, func.count().label("n"))
        .join(ImageRow, ImageRow.dataset_id == DatasetRow.id)
        .where(ImageRow.removed_at.is_(None), DatasetRow.removed_at.is_(None))
        .group_by(DatasetRow.project_id)
        .subquery()
    )
    rows = session.execute(
        select(ProjectRow, func.coalesce(datasets.c.n, 0), func.coalesce(images.c.n, 0))
        .outerjoin(datasets, datasets.c.project_id == ProjectRow.id)
        .outerjoin(images, images.c.project_id == ProjectRow.id)
        .order_by(ProjectRow.name)
    ).all()
    return [
        ProjectRecord(p.id, p.name, p.description, p.created_at, int(n_datasets), int(n_images))
        for p, n_datasets, n_images in rows
    ]


def list_datasets(session: Session, project: str | None = None) -> list[DatasetRecord]:
    """Datasets (of one project, or all), by project and name, with their image counts."""
    images = (
        select(ImageRow.dataset_id, func.count().label("n"))
        .where(ImageRow.removed_at.is_(None))
        .group_by(ImageRow.dataset_id)
        .subquery()
    )
    query = (
        select(DatasetRow, ProjectRow.name, func.coalesce(images.c.n, 0))
        .join(ProjectRow, DatasetRow.project_id == ProjectRow.id)
        .outerjoin(images, images.c.dataset_id == DatasetRow.id)
        .where(DatasetRow.removed_at.is_(None))
        .order_by(ProjectRow.name, DatasetRow.name)
    )
    if project is not None:
        query = query.where(DatasetRow.project_id == _project_id(session, project))
    return [
        DatasetRecord(
            d.id, d.project_id, project_name, d.name, d.description, d.created_at, int(count)
        )
        for d, project_name, count in session.execute(query).all()
    ]


def list_instruments(session: Session) -> list[InstrumentRecord]:
    """Every instrument, in the order first seen, with the number of images taken on it."""
    images = (
        select(ImageRow.instrument_id, func.count().label("n"))
        .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
        .where(
            ImageRow.instrument_id.is_not(None),
            ImageRow.removed_at.is_(None),
            DatasetRow.removed_at.is_(None),
        )
        .group_by(ImageRow.instrument_id)
        .subquery()
    )
    rows = session.execute(
        select(InstrumentRow, func.coalesce(images.c.n, 0))
        .outerjoin(images, images.c.instrument_id == InstrumentRow.id)
        .order_by(InstrumentRow.id)
    ).all()
    return [instrument_record(row, int(count)) for row, count in rows]


def catalog_stats(session: Session) -> CatalogStats:
    """Totals over the whole catalog."""

    def count(table: type[ProjectRow | DatasetRow | FilesetRow | ImageRow | InstrumentRow]) -> int:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)

    # Removed datasets and images are not counted (their originals are, until purged).
    live_images = (
        select(func.count())
        .select_from(ImageRow)
        .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
        .where(ImageRow.removed_at.is_(None), DatasetRow.removed_at.is_(None))
    )
    live_datasets = select(func.count()).where(DatasetRow.removed_at.is_(None))

    files, size = session.execute(
        select(func.count(), func.coalesce(func.sum(OriginalFileRow.size), 0))
    ).one()
    return CatalogStats(
        projects=count(ProjectRow),
        datasets=int(session.scalar(live_datasets) or 0),
        filesets=count(FilesetRow),
        images=int(session.scalar(live_images) or 0),
        original_files=int(files),
        original_bytes=int(size),
        instruments=count(InstrumentRow),
    )
