"""Removing datasets and images: tombstones under the policy, and what a purge may delete.

A facility must be able to trust that originals are never lost by accident. Removal
therefore deletes no row and no byte: it marks the dataset or image removed (when, by whom),
audits it, and takes it out of the search index in the same transaction. Every lookup and
listing starts from live rows only (``_lookup.images_with_names``, ``_listing``,
``_visibility.locate``), so a removed object is "not found" on every path at once.

The bytes go only in an explicit purge (``steward store purge``), which asks
:meth:`RemovalCatalog.purge_candidates` for the originals and renditions no live record
refers to: an original stays while any live image of its fileset, or any live fileset or
image naming the same digest (de-duplicated content), remains; a rendition hierarchy stays
while a live image is drawn from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from imagesteward.access import Action, Principal
from imagesteward.catalog import _restore, _search_index, _search_write
from imagesteward.catalog._access import AccessCatalog
from imagesteward.catalog._audit import record_event
from imagesteward.catalog._catalog import Catalog
from imagesteward.catalog._records import OriginalFileRecord, file_record
from imagesteward.catalog._restore import Removed
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.catalog._tables import (
    DatasetRow,
    FilesetRow,
    ImageRow,
    OriginalFileRow,
    RenditionRow,
)
from imagesteward.catalog._visibility import locate

__all__ = ["PurgeCandidates", "RemovalCatalog", "Removed", "removal_catalog"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class PurgeCandidates:
    """Stored bytes no live record refers to any more."""

    originals: tuple[OriginalFileRecord, ...]
    renditions: tuple[str, ...]  # URLs of Zarr hierarchies


def removal_catalog(catalog: Catalog) -> RemovalCatalog:
    """The removal side of an open catalog."""
    return RemovalCatalog(catalog)


def _live_image() -> ColumnElement[bool]:
    return ImageRow.removed_at.is_(None) & DatasetRow.removed_at.is_(None)


class RemovalCatalog:
    """Remove and restore datasets and images (audited); find what a purge may delete."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._access = AccessCatalog(catalog)

    def _write(self, work: Callable[[Session], _T]) -> _T:
        with self._catalog._writing() as session:
            return work(session)

    def remove_image(
        self,
        ref: str,
        *,
        acting: Principal | None = None,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> Removed:
        """Remove one image. ``acting`` needs the policy's ``delete`` on its dataset.

        Raises
        ------
        NotFoundError
            For an unknown or already removed image, and for one ``acting`` may not see.
        PermissionDeniedError
            When ``acting`` sees the image but may not delete it.
        """
        at = now or utcnow()
        if acting is None:
            record = self._catalog.get_image(ref)
        else:
            record = self._access.require_on_image(acting, ref, Action.DELETE, now=at)
        by = None if acting is None else acting.username

        def work(s: Session) -> Removed:
            s.execute(
                update(ImageRow)
                .where(ImageRow.id == record.id, ImageRow.removed_at.is_(None))
                .values(removed_at=at, removed_by=by)
            )
            self._reindex(s, record.project, image_ids=[record.id])
            target = f"image:{record.uuid}"
            record_event(
                s, at=at, actor=by, action="image.remove", target=target, remote=remote,
                details={"project": record.project, "dataset": record.dataset,
                         "fileset": record.fileset_id, "name": record.name},
            )  # fmt: skip
            return Removed(target, record.project, record.dataset, (record.uuid,), at, by)

        return self._write(work)

    def remove_dataset(
        self,
        project: str,
        dataset: str,
        *,
        acting: Principal | None = None,
        remote: str | None = None,
        now: datetime | None = None,
    ) -> Removed:
        """Remove a dataset and every image in it. ``acting`` needs the policy's ``delete``.

        The dataset's name is freed (the tombstone is renamed ``NAME (removed #ID)``) so
        that new data can be filed under it; the audit event keeps the name it had.

        Raises
        ------
        NotFoundError
            For an unknown or removed dataset, and for one ``acting`` may not see.
        PermissionDeniedError
            When ``acting`` sees the dataset but may not delete it.
        """
        at = now or utcnow()
        if acting is not None:
            self._access.require_on_project(acting, project, Action.DELETE, dataset=dataset, now=at)
        by = None if acting is None else acting.username

        def work(s: Session) -> Removed:
            where = locate(s, project, dataset)
            assert where.dataset_id is not None
            uuids = tuple(
                s.scalars(
                    select(ImageRow.uuid)
                    .where(ImageRow.dataset_id == where.dataset_id, ImageRow.removed_at.is_(None))
                    .order_by(ImageRow.id)
                )
            )
            image_ids = list(
                s.scalars(select(ImageRow.id).where(ImageRow.dataset_id == where.dataset_id))
            )
            s.execute(
                update(ImageRow)
                .where(ImageRow.dataset_id == where.dataset_id, ImageRow.removed_at.is_(None))
                .values(removed_at=at, removed_by=by)
            )
            s.execute(
                update(DatasetRow)
                .where(DatasetRow.id == where.dataset_id)
                .values(
                    removed_at=at, removed_by=by, name=f"{dataset} (removed #{where.dataset_id})"
                )
            )
            _search_write.remove(s.connection(), "dataset", [where.dataset_id])
            self._reindex(s, project, image_ids=image_ids)
            record_event(
                s, at=at, actor=by, action="dataset.remove", target=where.target, remote=remote,
                details={"images": list(uuids)},
            )  # fmt: skip
            return Removed(where.target, project, dataset, uuids, at, by)

        return self._write(work)

    def restore_image(
        self,
        image_uuid: str,
        *,
        remote: str | None = None,
        has_bytes: Callable[[str], bool] | None = None,
    ) -> Removed:
        """Undo an image's removal, before a purge freed its bytes (see :mod:`._restore`)."""
        return self._write(
            partial(_restore.restore_image, uuid=image_uuid, remote=remote, has_bytes=has_bytes)
        )

    def restore_dataset(
        self,
        project: str,
        dataset: str,
        *,
        remote: str | None = None,
        has_bytes: Callable[[str], bool] | None = None,
    ) -> Removed:
        """Undo the latest removal of a dataset, with its images (see :mod:`._restore`)."""
        return self._write(
            partial(
                _restore.restore_dataset,
                project=project,
                dataset=dataset,
                remote=remote,
                has_bytes=has_bytes,
            )
        )

    @staticmethod
    def _reindex(session: Session, project: str, *, image_ids: list[int]) -> None:
        """Drop the images' entries and derive the datasets and study above them again."""
        session.flush()
        connection = session.connection()
        _search_write.remove(connection, "image", image_ids)
        _search_index.refresh(connection, project_ids=[locate(session, project).project_id])

    def record_purge(
        self,
        *,
        originals: list[str],
        renditions: list[str],
        freed_bytes: int,
        remote: str | None = None,
    ) -> None:
        """Write a purge to the audit log (the operator at the command line ran it)."""
        details = {"originals": originals, "renditions": renditions, "freed_bytes": freed_bytes}
        self._write(
            lambda s: record_event(
                s,
                at=utcnow(),
                actor=None,
                action="store.purge",
                target="store",
                remote=remote,
                details=details,
            )
        )

    def purge_candidates(self) -> PurgeCandidates:
        """The originals and renditions that only removed records refer to."""
        with self._catalog._session() as s:
            live_fileset = exists(
                select(ImageRow.id)
                .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
                .where(ImageRow.fileset_id == OriginalFileRow.fileset_id, _live_image())
            )
            # De-duplicated content: the same digest named by a live fileset or image.
            named_live = exists(
                select(ImageRow.id)
                .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
                .join(FilesetRow, FilesetRow.id == ImageRow.fileset_id)
                .where(
                    _live_image(),
                    (FilesetRow.metadata_sha256 == OriginalFileRow.sha256)
                    | (ImageRow.original_metadata_sha256 == OriginalFileRow.sha256),
                )
            )
            originals = tuple(
                file_record(row)
                for row in s.scalars(
                    select(OriginalFileRow)
                    .where(~live_fileset, ~named_live)
                    .order_by(OriginalFileRow.id)
                )
            )
            live_urls = set(
                s.scalars(
                    select(RenditionRow.url)
                    .join(ImageRow, ImageRow.id == RenditionRow.image_id)
                    .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
                    .where(_live_image())
                )
            )
            removed_urls = set(
                s.scalars(
                    select(RenditionRow.url)
                    .join(ImageRow, ImageRow.id == RenditionRow.image_id)
                    .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
                    .where(~_live_image())
                )
            )
        return PurgeCandidates(originals, tuple(sorted(removed_urls - live_urls)))
