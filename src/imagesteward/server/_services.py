"""The service layer: every data access of the server, on behalf of a :class:`Viewer`.

Routes never touch the catalog, the store or the renderer directly; they ask a
:class:`Services` made for their request's viewer. That is where authorization will check
each access (one place, every route covered), and where catalog records are looked up with
the same meaning for the REST API, the Zarr URLs and the tiles.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread

from imagesteward import __version__
from imagesteward.errors import NotFoundError, StoreError
from imagesteward.server._viewer import Viewer
from imagesteward.server._zarr import RenditionIndex, ZarrLocation

if TYPE_CHECKING:
    from imagesteward.catalog import (
        Catalog,
        DatasetRecord,
        ImageRecord,
        InstrumentRecord,
        OriginalFileRecord,
        ProjectRecord,
        RenditionRecord,
        Restriction,
    )
    from imagesteward.installation import Installation
    from imagesteward.render import TileRenderer
    from imagesteward.server._schemas import ImageQuery

__all__ = ["ImagePageResult", "Resources", "Services"]

#: Images a basic search examines per request before returning a (possibly short) page.
SCAN_BUDGET = 2000
_SCAN_PAGE = 500
_SEARCH_CURSOR = "s."


@dataclass
class Resources:
    """What the server opens once (lifespan) and shares between requests."""

    installation: Installation
    renditions: RenditionIndex
    render_cache_bytes: int = 256 * 2**20
    _renderer: TileRenderer | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def renderer(self) -> TileRenderer:
        """The tile renderer, created on first use (its imports are heavy)."""
        with self._lock:
            if self._renderer is None:
                from imagesteward.render import TileRenderer

                options = dict(self.installation.settings.rendition_storage_options) or None
                self._renderer = TileRenderer(
                    cache_bytes=self.render_cache_bytes, storage_options=options
                )
            return self._renderer

    def close(self) -> None:
        """Release the catalog's connections."""
        self.installation.close()


@dataclass(frozen=True, slots=True)
class ImagePageResult:
    """A page of images and the cursor of the next one."""

    items: tuple[ImageRecord, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Services:
    """Data access for one viewer (made per request; cheap)."""

    resources: Resources
    viewer: Viewer

    @property
    def _catalog(self) -> Catalog:
        return self.resources.installation.catalog

    # -- catalog ------------------------------------------------------------------------------

    def image_count(self) -> tuple[str, int]:
        """Backend name and number of images (health)."""
        return self._catalog.backend, self._catalog.stats().images

    def projects(self) -> list[ProjectRecord]:
        """Every project (the viewer may list), counting what the viewer may list."""
        projects = self._catalog.list_projects()
        if self.viewer.readable is None:
            return projects
        shown: dict[int, list[DatasetRecord]] = {}
        for record in self.datasets(None):
            shown.setdefault(record.project_id, []).append(record)
        return [
            replace(p, dataset_count=len(ds), image_count=sum(d.image_count for d in ds))
            for p in projects
            if (ds := shown.get(p.id))
        ]

    def datasets(self, project: str | None) -> list[DatasetRecord]:
        """Datasets of a project, or all (those the viewer may list)."""
        readable = self.viewer.readable
        if readable is None:
            return self._catalog.list_datasets(project)
        try:
            records = [d for d in self._catalog.list_datasets(project) if d.id in readable]
        except NotFoundError:
            records = []
        if project is not None and not records:
            raise _hidden_project(project)
        return records

    def instruments(self) -> list[InstrumentRecord]:
        """Every instrument, with the number of images acquired on it.

        Under access control: only instruments with images the viewer may see, counting only
        those (a count must not reveal what the viewer cannot list).
        """
        instruments = self._catalog.list_instruments()
        if self.viewer.readable is None:
            return instruments
        counts: Counter[int | None] = Counter()
        for dataset in self.datasets(None):
            cursor: str | None = None
            while True:
                page = self._catalog.list_images(
                    project=dataset.project, dataset=dataset.name, limit=_SCAN_PAGE, cursor=cursor
                )
                counts.update(image.instrument_id for image in page.items)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        return [replace(i, image_count=counts[i.id]) for i in instruments if counts[i.id]]

    def search_restriction(self) -> Restriction | None:
        """The search condition showing only what the viewer may list (``None``: all)."""
        if self.viewer.readable is None:
            return None
        from imagesteward.catalog import AccessCatalog

        return AccessCatalog.search_restriction(
            self.viewer.readable, self.viewer.readable_projects or frozenset()
        )

    def image(self, ref: str) -> ImageRecord:
        """An image by id, UUID or UUID prefix."""
        return self._catalog.get_image(ref)

    def image_files(self, ref: str) -> tuple[ImageRecord, list[OriginalFileRecord]]:
        """An image and its original files, primary first."""
        record = self.image(ref)
        return record, self._catalog.image_files(record.id)

    def renditions(self, ref: str) -> tuple[ImageRecord, list[RenditionRecord]]:
        """An image and its renditions, newest first."""
        record = self.image(ref)
        return record, self._catalog.renditions(record.id)

    def original(self, sha256: str) -> OriginalFileRecord:
        """A catalogued original file by its SHA-256 digest.

        Raises
        ------
        NotFoundError
            When the catalog holds no original with that digest.
        """
        found = self._catalog.find_original_files([sha256.lower()])
        record = found.get(sha256.lower())
        # An original only removed images refer to is gone for every reader (until a purge
        # frees its bytes), exactly like an unknown one.
        if record is None or not self._catalog.fileset_images(record.fileset_id):
            raise NotFoundError(f"No original file with SHA-256 {sha256}.", sha256=sha256)
        return record

    def original_file(self, record: OriginalFileRecord) -> tuple[Path, int]:
        """Where the store keeps an original, and its size.

        Raises
        ------
        StoreError
            When the bytes are gone (an original registered in place and moved since).
        """
        path = self.resources.installation.store.content_path(record.sha256)
        try:
            return path, path.stat().st_size
        except OSError as exc:
            raise StoreError(
                f"Original {record.original_name} (sha256 {record.sha256}) is catalogued but "
                f"{path} cannot be read: {exc.strerror}. Run 'steward doctor'.",
                sha256=record.sha256,
            ) from exc

    def images(self, query: ImageQuery) -> ImagePageResult:
        """One page of images matching the query (see :data:`SCAN_BUDGET` for name searches).

        Under access control a page shows only what the viewer may list, so it may be
        shorter than asked; its cursor still leads on.
        """
        readable = self.viewer.readable
        if readable is None:
            return self._images(query)
        if query.project is not None or query.dataset is not None:
            # An unlisted project or dataset is "not found", word for word like a missing one.
            listed = self.datasets(query.project)
            if query.dataset is not None and all(d.name != query.dataset for d in listed):
                raise _hidden_dataset(query.project, query.dataset)
        result = self._images(query)
        items = tuple(record for record in result.items if record.dataset_id in readable)
        return ImagePageResult(items, result.next_cursor)

    def _images(self, query: ImageQuery) -> ImagePageResult:
        if query.cursor and query.cursor.startswith(_SEARCH_CURSOR):
            return self._search(*_decode_search_cursor(query))
        if query.q is not None or query.format is not None:
            if query.cursor is not None:
                raise _foreign_cursor(query.cursor)
            return self._search(query, None, 0)
        page = self._catalog.list_images(
            project=query.project, dataset=query.dataset, limit=query.limit, cursor=query.cursor
        )
        return ImagePageResult(page.items, page.next_cursor)

    def _search(self, query: ImageQuery, position: str | None, after_id: int) -> ImagePageResult:
        # The catalog filters by project and dataset only; name and format are matched here,
        # page by page, until the catalog learns them (then this becomes one call).
        needle = (query.q or "").casefold()
        items: list[ImageRecord] = []
        scanned = 0
        while True:
            page = self._catalog.list_images(
                project=query.project, dataset=query.dataset, limit=_SCAN_PAGE, cursor=position
            )
            rows = [row for row in page.items if row.id > after_id]
            for index, row in enumerate(rows):
                if not _matches(row, needle, query.format):
                    continue
                items.append(row)
                if len(items) < query.limit:
                    continue
                if index + 1 < len(rows):
                    return ImagePageResult(tuple(items), _search_cursor(query, position, row.id))
                if page.next_cursor is None:
                    return ImagePageResult(tuple(items), None)
                return ImagePageResult(tuple(items), _search_cursor(query, page.next_cursor, 0))
            scanned += len(rows)
            if page.next_cursor is None:
                return ImagePageResult(tuple(items), None)
            position, after_id = page.next_cursor, 0
            if scanned >= SCAN_BUDGET:
                return ImagePageResult(tuple(items), _search_cursor(query, position, 0))

    # -- renditions over HTTP -----------------------------------------------------------------

    def zarr_location_cached(self, image_uuid: str) -> ZarrLocation | None:
        """The image's Zarr group if the mapping is cached (no I/O: safe on the event loop)."""
        return self.resources.renditions.cached(image_uuid)

    async def zarr_location(self, image_uuid: str) -> ZarrLocation:
        """The image's Zarr group, looked up in the catalog when not cached."""
        found = self.resources.renditions.cached(image_uuid)
        if found is not None:
            return found
        return await anyio.to_thread.run_sync(self.resources.renditions.resolve, image_uuid)

    def rendition_of(self, ref: str) -> tuple[str, ZarrLocation]:
        """An image's UUID and the rendition its tiles are drawn from (blocking).

        A full UUID is answered from the rendition cache without a catalog query: tiles come
        in bursts of dozens per screen.
        """
        try:
            canonical = str(uuid.UUID(ref))
        except ValueError:
            canonical = self.image(ref).uuid
        location = self.resources.renditions.resolve(canonical)
        return location.image_uuid, location

    @property
    def renderer(self) -> TileRenderer:
        """The shared tile renderer."""
        return self.resources.renderer

    @property
    def version(self) -> str:
        """The version of imagesteward (part of rendered images' entity tags)."""
        return __version__


def _matches(record: ImageRecord, needle: str, file_format: str | None) -> bool:
    if file_format is not None and record.file_format != file_format:
        return False
    return not needle or needle in (record.name or "").casefold()


def _search_cursor(query: ImageQuery, position: str | None, after_id: int) -> str:
    # Filters travel with the position, as the catalog's own cursors do.
    payload = {"c": position, "a": after_id, "q": query.q, "f": query.format}
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return _SEARCH_CURSOR + encoded


def _decode_search_cursor(query: ImageQuery) -> tuple[ImageQuery, str | None, int]:
    """Position of a search cursor; filters given with it must be its own (or none)."""
    assert query.cursor is not None
    text = query.cursor.removeprefix(_SEARCH_CURSOR)
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        position, after_id, q, file_format = data["c"], data["a"], data["q"], data["f"]
        valid = isinstance(position, str | None) and isinstance(after_id, int)
        valid = valid and query.q in (None, q) and query.format in (None, file_format)
    except (ValueError, KeyError, TypeError, binascii.Error):
        valid = False
    if not valid:
        raise _foreign_cursor(query.cursor)
    # The cursor's filters apply, as with the catalog's own cursors.
    return query.model_copy(update={"q": q, "format": file_format}), position, after_id


def _hidden_project(project: str) -> NotFoundError:
    # One answer for a project that does not exist and one the viewer may not list; the
    # catalog's own message names every project, which access control must not reveal.
    return NotFoundError(f"No project named {project!r}.", project=project)


def _hidden_dataset(project: str | None, dataset: str) -> NotFoundError:
    # The catalog's own words for a dataset that does not exist (catalog/_listing.py).
    where = f" in project {project!r}" if project is not None else ""
    return NotFoundError(
        f"No dataset named {dataset!r}{where}; list the datasets to see their names.",
        project=project,
        dataset=dataset,
    )


def _foreign_cursor(cursor: str) -> NotFoundError:
    return NotFoundError(
        f"Cannot continue the image listing from cursor {cursor!r}: it belongs to a listing "
        "with other filters, or was not issued here. Start again from the first page.",
        cursor=cursor,
    )
