"""Raw OME-Zarr over HTTP: which rendition an image UUID names, and which keys are safe.

``/zarr/{uuid}/{key}`` maps onto ``{rendition url}/{series path}/{key}``: the image's own group
inside its rendition (a bioformats2raw series, a plate field), so the URL alone is a complete
NGFF image. Chunk reads must not cost a catalog query each, so the mapping is cached; an entry
lives for ``ttl`` seconds, which bounds how long a re-conversion to a new place goes unseen.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesteward.errors import NotFoundError

if TYPE_CHECKING:
    from imagesteward.catalog import Catalog, RenditionRecord

__all__ = ["RenditionIndex", "ZarrLocation", "media_type_of", "safe_key"]

# Zarr keys we write are made of these (zarr.json, .zattrs, 0, c, 0.0.0); anything else -
# '..', '%2e%2e' decoded or not, backslashes, absolute paths, NUL - is refused as not found.
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$|^\.z(attrs|group|array|metadata)$")
_MAX_SEGMENTS = 32


@dataclass(frozen=True, slots=True)
class ZarrLocation:
    """Where one image's Zarr group is.

    Attributes
    ----------
    image_uuid
        The image.
    url, series_path
        The rendition (root of its hierarchy) and the image's group inside it.
    plan
        Digest of the conversion that wrote it (part of every entity tag).
    zarr_format
        2 or 3.
    local
        The group as a local directory, or ``None`` when it is remote.
    fs, fs_path
        For a remote group: its fsspec file system and the group's path in it.
    """

    image_uuid: str
    url: str
    series_path: str
    plan: str
    zarr_format: int
    local: Path | None
    fs: Any = None
    fs_path: str = ""


def safe_key(key: str) -> str | None:
    """``key`` when it is a plain relative Zarr key, else ``None``."""
    if not key or len(key) > 1024:
        return None
    segments = key.split("/")
    if len(segments) > _MAX_SEGMENTS:
        return None
    for segment in segments:
        if segment in {".", ".."} or not _SEGMENT.match(segment):
            return None
    return key


def media_type_of(key: str) -> str:
    """Zarr metadata documents are JSON; everything else is opaque chunk bytes."""
    name = key.rsplit("/", 1)[-1]
    if name in {"zarr.json", ".zattrs", ".zgroup", ".zarray", ".zmetadata"}:
        return "application/json"
    return "application/octet-stream"


class RenditionIndex:
    """The UUID → rendition mapping, cached with a bounded size and lifetime; thread-safe.

    Parameters
    ----------
    catalog
        Where renditions are recorded.
    storage_options
        fsspec options for renditions that are not local (S3 credentials, endpoint).
    ttl
        Seconds an entry is trusted.
    capacity
        Entries kept (least recently used go first).
    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        storage_options: dict[str, Any] | None = None,
        ttl: float = 60.0,
        capacity: int = 8192,
    ) -> None:
        self._catalog = catalog
        self._storage_options = dict(storage_options or {})
        self._ttl = ttl
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[float, ZarrLocation]] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, image_uuid: str) -> ZarrLocation | None:
        """The cached location, if fresh; never touches the catalog (safe on the event loop)."""
        with self._lock:
            entry = self._entries.get(image_uuid)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[image_uuid]
                return None
            self._entries.move_to_end(image_uuid)
            return entry[1]

    def resolve(self, image_uuid: str) -> ZarrLocation:
        """The location, from the cache or the catalog (blocking: call from a worker thread).

        Raises
        ------
        NotFoundError
            For an unknown image, or one without a rendition (not cached: a conversion may
            finish at any moment).
        """
        found = self.cached(image_uuid)
        if found is not None:
            return found
        record = self._catalog.get_image(image_uuid)
        renditions = self._catalog.renditions(record.id)
        if not renditions:
            raise NotFoundError(
                f"Image {record.uuid} has no OME-Zarr rendition yet; convert it with "
                f"'steward convert {record.uuid}'.",
                image=record.uuid,
            )
        newest = renditions[0]
        location = self._locate(record.uuid, newest)
        with self._lock:
            self._entries[record.uuid] = (time.monotonic() + self._ttl, location)
            self._entries.move_to_end(record.uuid)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return location

    def forget(self) -> None:
        """Drop every entry (after a re-conversion, say)."""
        with self._lock:
            self._entries.clear()

    def _locate(self, image_uuid: str, rendition: RenditionRecord) -> ZarrLocation:
        series = rendition.series_path.strip("/")
        url = rendition.url
        common = (image_uuid, url, rendition.series_path, rendition.plan, rendition.zarr_format)
        if "://" in url and not url.startswith("file://"):
            import fsspec

            group = url.rstrip("/") + (f"/{series}" if series else "")
            fs, path = fsspec.core.url_to_fs(group, **self._storage_options)
            return ZarrLocation(*common, local=None, fs=fs, fs_path=str(path).rstrip("/"))
        local = Path(url.removeprefix("file://"))
        return ZarrLocation(*common, local=local / series if series else local)
