"""An image opened for rendering: its :class:`ImageView` and 2-D regions read from its chunks.

Opening reads the group metadata and each level's array metadata once; the
:class:`~imagesteward.render.TileRenderer` keeps opened images in an LRU, so a tile request
costs no metadata read. Regions come from the renderer's decoded-chunk cache: a region inside
one chunk is a view of it (no copy), a region across chunks is assembled into one buffer.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from imagesteward.errors import RenderError, RenderRequestError, RenditionNotFoundError
from imagesteward.render._cache import LRUCache
from imagesteward.render._chunks import ChunkReader, LevelArray, open_level
from imagesteward.render._histogram import percentile_window, sample_positions
from imagesteward.render._ngff import channel_hints, ngff_block, parse_multiscale, rgb_samples
from imagesteward.render._storage import Storage
from imagesteward.render._view import ChannelView, ImageView, PixelSize

__all__ = ["TILE_SIZE", "ChunkCache", "OpenImage", "check_series_path"]

#: The tile edge viewers are told to request: a quarter of a 1024² plane chunk or one 512²
#: volume chunk, so a tile never needs more than one chunk per channel; ~20-60 KB as JPEG.
TILE_SIZE = 512

#: Decoded chunk planes by (url, series path, level, chunk position, plane within the chunk).
ChunkCache = LRUCache[tuple[str, str, int, tuple[int, ...], tuple[int, ...]], np.ndarray]


def check_series_path(series_path: object) -> str:
    """A relative group path without ``..``: the server passes it from the URL."""
    if not isinstance(series_path, str):
        raise RenderRequestError("series_path", series_path, "expected a string")
    parts = [p for p in series_path.strip("/").split("/") if p]
    if any(p in (".", "..") or "\\" in p for p in parts) or series_path.startswith("/"):
        raise RenderRequestError("series_path", series_path, "must be a relative group path")
    return "/".join(parts)


class OpenImage:
    """One NGFF image of a rendition, ready to serve regions."""

    def __init__(
        self,
        url: str,
        storage: Storage,
        series_path: str,
        chunk_cache: ChunkCache,
        storage_options: dict[str, Any],
    ) -> None:
        # The URL as the caller spells it keys the caches (``invalidate`` receives the same).
        self.url = url
        self.series_path = series_path
        self._cache = chunk_cache
        attributes = _group_attributes(storage, series_path)
        multiscale = parse_multiscale(ngff_block(attributes), storage.url, series_path)
        prefix = f"{series_path}/" if series_path else ""
        arrays = [open_level(storage, prefix + path) for path in multiscale.paths]
        self.readers = [ChunkReader(storage, a, storage_options) for a in arrays]
        self.axes = multiscale.axes
        self._check_axes(arrays)
        self.plane_axes = (self.axes[-2], self.axes[-1])
        self._positions = {axis: n for n, axis in enumerate(self.axes)}
        shape0 = dict(zip(self.axes, arrays[0].shape, strict=True))

        def size(axis: str) -> int:
            return shape0.get(axis, 1) if axis not in self.plane_axes else 1

        dtype = arrays[0].dtype.newbyteorder("=").name
        hints = channel_hints(attributes, size("c"), dtype)
        omero = ngff_block(attributes).get("omero") or {}
        rdefs = omero.get("rdefs") or {}
        self.dtype = np.dtype(dtype)
        self._sizes = {axis: size(axis) for axis in ("t", "c", "z")}
        # Near-isotropic volumes halve z too: a level-0 plane index maps to z // factor.
        depth = self._positions.get("z") if "z" not in self.plane_axes else None
        self._z_factors = tuple(
            1
            if depth is None or multiscale.scales[0][depth] <= 0
            else max(1, round(s[depth] / multiscale.scales[0][depth]))
            for s in multiscale.scales
        )
        channels = tuple(
            ChannelView(
                c,
                hint.name,
                hint.color or "FFFFFF",
                hint.window or self._sampled_window(c),
                hint.data_range,
                hint.visible,
                hint.emission_wavelength,
            )
            for c, hint in enumerate(hints)
        )
        image_doc = (attributes.get("imagesteward") or {}).get("image") or {}
        self.view = ImageView(
            name=multiscale.name or image_doc.get("name"),
            axes=self.axes,
            dtype=dtype,
            levels=tuple(a.shape for a in arrays),
            chunks=tuple(a.chunks for a in arrays),
            tile_size=TILE_SIZE,
            size_t=self._sizes["t"],
            size_c=self._sizes["c"],
            size_z=self._sizes["z"],
            size_y=shape0[self.plane_axes[0]],
            size_x=shape0[self.plane_axes[1]],
            plane_axes=self.plane_axes,
            channels=channels,
            pixel_sizes=tuple(self._pixel_size(multiscale.units, s) for s in multiscale.scales),
            is_rgb=rgb_samples(attributes, self._sizes["c"], dtype) > 0,
            default_z=_within(rdefs.get("defaultZ"), self._sizes["z"], self._sizes["z"] // 2),
            default_t=_within(rdefs.get("defaultT"), self._sizes["t"], 0),
        )

    def _check_axes(self, arrays: list[LevelArray]) -> None:
        where = f"{self.readers[0].storage.url}/{self.series_path}"
        if not set(self.axes) <= {"t", "c", "z", "y", "x"} or len(set(self.axes)) < len(self.axes):
            raise RenderError(f"{where}: cannot render axes {self.axes} (NGFF t, c, z, y, x)")
        if len(self.axes) < 2 or not set(self.axes[-2:]) <= {"z", "y", "x"}:
            raise RenderError(f"{where}: the last two axes {self.axes} are not spatial")
        dtypes = {a.dtype.newbyteorder("=").name for a in arrays}
        if len(dtypes) != 1 or any(len(a.shape) != len(self.axes) for a in arrays):
            raise RenderError(f"{where}: levels disagree with the axes {self.axes} or each other")
        if arrays[0].dtype.kind not in "biuf":
            raise RenderError(f"{where}: cannot render {arrays[0].dtype} pixels")

    def _pixel_size(self, units: tuple[str | None, ...], scale: tuple[float, ...]) -> PixelSize:
        rows, cols = self.plane_axes
        unit = units[self._positions[cols]]
        depth = self._positions.get("z") if "z" not in self.plane_axes else None
        # z is reported in the plane's unit only; an uncalibrated z beside calibrated x is None.
        known = depth is not None and units[depth] == unit
        return PixelSize(
            x=scale[self._positions[cols]],
            y=scale[self._positions[rows]],
            z=scale[depth] if known and depth is not None else None,
            unit=unit,
        )

    def _sampled_window(self, channel: int) -> tuple[float, float]:
        # No rendering hint: the 0.1/99.9 percentiles of the coarsest level, as convert does.
        return percentile_window(self.sample(len(self.readers) - 1, channel))

    def chunk_plane(
        self, level: int, position: tuple[int, ...], inner: tuple[int, ...]
    ) -> np.ndarray:
        """Plane ``inner`` (offsets on the leading axes) of the chunk at ``position``, 2-D.

        The cache holds chunk *planes*: a volume chunk (8 x 512² for 16-bit data) is decoded
        once and split, so the planes on screen stay cached while the other seven age out -
        caching whole volume chunks made the default 192 MiB thrash on a 2048² x 8 x 3 image.
        """
        key = (self.url, self.series_path, level, position, inner)
        return self._cache.get_or_load(key, lambda: self._split(level, position, inner))

    def _split(self, level: int, position: tuple[int, ...], wanted: tuple[int, ...]) -> np.ndarray:
        chunk = self.readers[level].load(position)
        lead = chunk.shape[:-2]
        found: np.ndarray = chunk[(0,) * len(lead)] if math.prod(lead) == 1 else chunk[wanted]
        if math.prod(lead) == 1 or not chunk.flags.c_contiguous:
            # One plane, or the fill value (a zero-stride view): nothing to split or copy.
            return found
        for inner in np.ndindex(*lead):
            if inner != wanted:
                key = (self.url, self.series_path, level, position, inner)
                # A copy, so evicting a plane frees its memory (a view would pin the chunk).
                self._cache.put(key, chunk[inner].copy())
        return found.copy()

    def in_memory(
        self, level: int, t: int, c: int, z: int, y0: int, y1: int, x0: int, x1: int
    ) -> bool:
        """Whether :meth:`region` would read nothing (every chunk plane it needs is cached)."""
        chunks = self.readers[level].array.chunks
        fixed = {"t": t, "c": c, "z": z}
        lead = [fixed[axis] for axis in self.axes[:-2]]
        outer = tuple(i // n for i, n in zip(lead, chunks, strict=False))
        inner = tuple(i % n for i, n in zip(lead, chunks, strict=False))
        ch, cw = chunks[-2], chunks[-1]
        return all(
            (self.url, self.series_path, level, (*outer, row, col), inner) in self._cache
            for row in range(y0 // ch, (y1 - 1) // ch + 1)
            for col in range(x0 // cw, (x1 - 1) // cw + 1)
        )

    def region(
        self, level: int, t: int, c: int, z: int, y0: int, y1: int, x0: int, x1: int
    ) -> np.ndarray:
        """Pixels ``[y0:y1, x0:x1]`` of one plane of ``level`` (a read-only view when it can)."""
        chunks = self.readers[level].array.chunks
        fixed = {"t": t, "c": c, "z": z}
        lead = [fixed[axis] for axis in self.axes[:-2]]
        outer = tuple(i // n for i, n in zip(lead, chunks, strict=False))
        inner = tuple(i % n for i, n in zip(lead, chunks, strict=False))
        ch, cw = chunks[-2], chunks[-1]
        rows = range(y0 // ch, (y1 - 1) // ch + 1)
        cols = range(x0 // cw, (x1 - 1) // cw + 1)
        if len(rows) == 1 and len(cols) == 1:
            plane = self.chunk_plane(level, (*outer, rows[0], cols[0]), inner)
            top, left = rows[0] * ch, cols[0] * cw
            return plane[y0 - top : y1 - top, x0 - left : x1 - left]
        out = np.empty((y1 - y0, x1 - x0), dtype=self.dtype)
        for row in rows:
            for col in cols:
                plane = self.chunk_plane(level, (*outer, row, col), inner)
                top, bottom = max(y0, row * ch), min(y1, (row + 1) * ch)
                left, right = max(x0, col * cw), min(x1, (col + 1) * cw)
                out[top - y0 : bottom - y0, left - x0 : right - x0] = plane[
                    top - row * ch : bottom - row * ch, left - col * cw : right - col * cw
                ]
        return out

    def level_z(self, level: int, z: int) -> int:
        """The plane of ``level`` holding level-0 plane ``z``."""
        return min(z // self._z_factors[level], self._level_z(level) - 1)

    def sample(self, level: int, channel: int, planes: int = 8) -> np.ndarray:
        """Pixels of ``channel`` on up to ``planes`` (t, z) planes spread over the image."""
        height, width = self._level_plane(level)
        z_size = self._level_z(level)
        values = [
            self.region(level, t, channel, z, 0, height, 0, width).ravel()
            for t, z in sample_positions(self._sizes["t"], z_size, planes)
        ]
        return np.concatenate(values)

    def _level_plane(self, level: int) -> tuple[int, int]:
        shape = self.readers[level].array.shape
        return shape[self._positions[self.plane_axes[0]]], shape[
            self._positions[self.plane_axes[1]]
        ]

    def _level_z(self, level: int) -> int:
        # z may be halved on lower levels of near-isotropic volumes.
        if "z" in self.plane_axes or "z" not in self._positions:
            return 1
        return self.readers[level].array.shape[self._positions["z"]]


def _within(value: object, size: int, default: int) -> int:
    return value if isinstance(value, int) and 0 <= value < size else default


def _group_attributes(storage: Storage, series_path: str) -> dict[str, Any]:
    prefix = f"{series_path}/" if series_path else ""
    raw = storage.get(f"{prefix}zarr.json")
    if raw is None:
        raw = storage.get(f"{prefix}.zattrs")
        if raw is None:
            if storage.get(f"{prefix}.zgroup") is None:
                raise RenditionNotFoundError(
                    f"no NGFF image at {storage.url!r}, series path {series_path!r}",
                    url=storage.url,
                    series_path=series_path,
                )
            return {}
        return _json(raw, storage.url, series_path)
    document = _json(raw, storage.url, series_path)
    if document.get("node_type") != "group":
        raise RenditionNotFoundError(
            f"{storage.url}/{series_path} is a Zarr array, not an NGFF image group",
            url=storage.url,
            series_path=series_path,
        )
    attributes = document.get("attributes") or {}
    return attributes if isinstance(attributes, dict) else {}


def _json(raw: bytes, url: str, series_path: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise RenderError(f"{url}/{series_path}: metadata is not JSON ({error})") from error
    return value if isinstance(value, dict) else {}
