"""The tile renderer a server process shares between all its requests.

Caches, from the outside in (all LRU, all thread-safe, all single-flight):

* **tiles**: encoded bytes keyed by ``(url, series_path, request)`` - the request is a frozen
  dataclass holding every rendering setting, so any change of level, region, plane, channel,
  colour, window, gamma, visibility, format or quality is a different key. A quarter of
  ``cache_bytes``.
* **chunks**: decoded chunks keyed by ``(url, series_path, level, chunk position)``; a 1024²
  plane chunk serves four 512² tiles and every rendering of them. Three quarters of
  ``cache_bytes``.
* **images**: opened images (metadata parsed, arrays described) by ``(url, series_path)``.
* **lookup tables**: per (dtype, window, gamma, colour component), 16 MiB.
* **histograms**: per (url, series_path, channel, bins, level).

Renditions are treated as immutable (imagesteward names them by content); call
:meth:`TileRenderer.invalidate` after replacing one in place.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from imagesteward.errors import ConfigurationError, RenderRequestError
from imagesteward.render._cache import CacheStats, LRUCache
from imagesteward.render._composite import LutCache, composite
from imagesteward.render._encode import encode
from imagesteward.render._histogram import histogram
from imagesteward.render._image import ChunkCache, OpenImage, check_series_path
from imagesteward.render._request import MAX_EDGE, Format, TileRequest, check_format, check_number
from imagesteward.render._resample import fit, shrink
from imagesteward.render._storage import open_storage
from imagesteward.render._view import ChannelPlan, ImageView

__all__ = ["RendererStats", "TileRenderer"]

_LUT_BYTES = 16 * 2**20
_MAX_IMAGES = 64
_MAX_HISTOGRAMS = 1024
#: Largest region :meth:`TileRenderer.render_in_memory` renders (one viewer tile).
_INLINE_PIXELS = 512 * 512


@dataclass(frozen=True, slots=True)
class RendererStats:
    """Counters of every cache of a :class:`TileRenderer`."""

    tiles: CacheStats
    chunks: CacheStats
    images: CacheStats
    luts: CacheStats
    histograms: CacheStats


def _nbytes(value: np.ndarray) -> int:
    # A missing chunk is a zero-stride view of one fill value: it costs (almost) nothing.
    return value.nbytes if value.flags.c_contiguous else value.itemsize


def _one(_: object) -> int:
    return 1


class TileRenderer:
    """Renders tiles, thumbnails and histograms of OME-Zarr renditions; share one per process.

    Parameters
    ----------
    cache_bytes
        Memory for encoded tiles (a quarter) and decoded chunks (the rest).
    storage_options
        fsspec options for non-local URLs (``{"endpoint_url": ..., "anon": False}`` for S3).
    """

    def __init__(
        self, cache_bytes: int = 256 * 2**20, storage_options: Mapping[str, Any] | None = None
    ) -> None:
        if cache_bytes < 0:
            raise ConfigurationError(f"cache_bytes={cache_bytes!r}: expected bytes, at least 0")
        tile_bytes = cache_bytes // 4
        self._options = dict(storage_options or {})
        self._tiles: LRUCache[Hashable, bytes] = LRUCache(tile_bytes, len)
        self._chunks: ChunkCache = LRUCache(cache_bytes - tile_bytes, _nbytes)
        self._images: LRUCache[tuple[str, str], OpenImage] = LRUCache(_MAX_IMAGES, _one)
        self._luts = LutCache(_LUT_BYTES)
        self._histograms: LRUCache[Hashable, tuple[np.ndarray, np.ndarray]] = LRUCache(
            _MAX_HISTOGRAMS, _one
        )

    def _open(self, url: object, series_path: object) -> OpenImage:
        if not isinstance(url, str) or not url:
            raise RenderRequestError("url", url, "expected a path or URL")
        path = check_series_path(series_path)
        return self._images.get_or_load(
            (url, path),
            lambda: OpenImage(
                url, open_storage(url, self._options), path, self._chunks, self._options
            ),
        )

    def described(self, url: str, series_path: str = "") -> ImageView | None:
        """The view of an image already opened, else ``None``; never reads anything."""
        if not url:
            return None
        opened = self._images.get((url, check_series_path(series_path)))
        return None if opened is None else opened.view

    def describe(self, url: str, series_path: str = "") -> ImageView:
        """Axes, levels, sizes, channel defaults and pixel sizes of one image."""
        return self._open(url, series_path).view

    def render(self, url: str, series_path: str, request: TileRequest) -> bytes:
        """One region of one plane as JPEG/PNG/WebP bytes (see :class:`TileRequest`)."""
        if not isinstance(request, TileRequest):
            raise RenderRequestError("request", request, "expected a TileRequest")
        key = (url, series_path, request)
        try:
            hash(key)
        except TypeError:
            raise RenderRequestError(
                "channels", request.channels, "expected a tuple of ChannelSetting"
            ) from None
        return self._tiles.get_or_load(key, lambda: self._render(url, series_path, request))

    def render_in_memory(self, url: str, series_path: str, request: TileRequest) -> bytes | None:
        """The tile when making it reads nothing, else ``None`` (then call :meth:`render`).

        Cached, or the image open and every chunk plane the tile needs decoded in memory, and
        the region at most one 512² tile: then rendering is a few milliseconds of pure CPU
        (lookup tables and the encoder), which a server may run on its event loop rather than
        pay a worker-thread hop and the lock contention of threads; anything that would read
        storage (a cold chunk, a remote object) is left to :meth:`render` in a worker thread.
        """
        key = (url, series_path, request)
        found = self._tiles.get(key)
        if found is not None:
            return found
        image = self._images.get((url, check_series_path(series_path)))
        if image is None or request.width * request.height > _INLINE_PIXELS:
            return None
        plan = image.view.resolve(request)
        z = image.level_z(plan.level, plan.z)
        box = (plan.y0, plan.y1, plan.x0, plan.x1)
        if not all(image.in_memory(plan.level, plan.t, ch.index, z, *box) for ch in plan.channels):
            return None
        return self._tiles.get_or_load(key, lambda: self._render(url, series_path, request))

    def _render(self, url: str, series_path: str, request: TileRequest) -> bytes:
        image = self._open(url, series_path)
        plan = image.view.resolve(request)
        z = image.level_z(plan.level, plan.z)
        box = (plan.y0, plan.y1, plan.x0, plan.x1)
        pixels = self._pixels(image, plan.level, plan.t, z, plan.channels, box, rgbx=True)
        return encode(pixels, plan.format, plan.quality)

    def _pixels(
        self,
        image: OpenImage,
        level: int,
        t: int,
        z: int,
        channels: tuple[ChannelPlan, ...],
        box: tuple[int, int, int, int],
        *,
        rgbx: bool = False,
    ) -> np.ndarray:
        y0, y1, x0, x1 = box
        planes = [image.region(level, t, ch.index, z, y0, y1, x0, x1) for ch in channels]
        return composite(planes, channels, self._luts, (y1 - y0, x1 - x0), rgbx=rgbx)

    def thumbnail(
        self,
        url: str,
        series_path: str,
        max_size: int = 256,
        format: Format = "jpeg",  # noqa: A002 - the name the server API uses
    ) -> bytes:
        """The whole image, default settings, middle z, first t, at most ``max_size`` a side.

        Rendered from the coarsest level at least ``max_size`` on its longer side, then
        area-averaged down; images smaller than ``max_size`` are not enlarged.
        """
        check_number(max_size, "max_size", 1, MAX_EDGE + 1)
        kind, quality = check_format(format, 85)
        key = (url, series_path, ("thumbnail", max_size, kind))
        return self._tiles.get_or_load(
            key, lambda: self._thumbnail(url, series_path, max_size, kind, quality)
        )

    def _thumbnail(
        self, url: str, series_path: str, max_size: int, kind: Format, quality: int
    ) -> bytes:
        image = self._open(url, series_path)
        view = image.view
        level = 0
        for candidate in range(len(view.levels)):
            if max(view.level_size(candidate)) >= max_size:
                level = candidate
        height, width = view.level_size(level)
        channels = view.channel_plans(())
        z = image.level_z(level, view.size_z // 2)
        pixels = self._pixels(image, level, 0, z, channels, (0, height, 0, width))
        return encode(shrink(pixels, *fit(height, width, max_size)), kind, quality)

    def histogram(
        self, url: str, series_path: str, channel: int, bins: int = 256, level: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(edges, counts)`` of one channel (``bins + 1`` edges), for auto-contrast.

        Computed on ``level`` (default: the coarsest) over up to 8 planes spread over t and z.
        The arrays are shared between callers and read-only.
        """
        image = self._open(url, series_path)
        view = image.view
        check_number(channel, "channel", 0, view.size_c)
        check_number(bins, "bins", 1, 65537)
        chosen = len(view.levels) - 1 if level is None else level
        check_number(chosen, "level", 0, len(view.levels))
        key = (url, series_path, channel, bins, chosen)

        def compute() -> tuple[np.ndarray, np.ndarray]:
            edges, counts = histogram(image.sample(chosen, channel), bins)
            edges.flags.writeable = False
            counts.flags.writeable = False
            return edges, counts

        return self._histograms.get_or_load(key, compute)

    def stats(self) -> RendererStats:
        """Hits, misses, entries and sizes of every cache."""
        return RendererStats(
            self._tiles.stats(),
            self._chunks.stats(),
            self._images.stats(),
            self._luts.cache.stats(),
            self._histograms.stats(),
        )

    def invalidate(self, url: str) -> None:
        """Forget everything about the rendition at ``url`` (after it was replaced)."""
        self._images.discard(lambda key: key[0] != url)
        self._chunks.discard(lambda key: key[0] != url)
        self._tiles.discard(lambda key: _url_of(key) != url)
        self._histograms.discard(lambda key: _url_of(key) != url)

    def clear(self) -> None:
        """Empty every cache and reset the counters."""
        for cache in (self._tiles, self._chunks, self._images, self._histograms):
            cache.clear()
        self._luts.cache.clear()


def _url_of(key: Hashable) -> object:
    # Tile, thumbnail and histogram keys all start with the URL.
    return key[0] if isinstance(key, tuple) and key else None
