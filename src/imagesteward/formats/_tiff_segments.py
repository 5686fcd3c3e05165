"""Windows of one TIFF page decoded straight from its tiles or strips.

The general route - tifffile's zarr store read through zarr-python, or ``page.asarray`` - costs
several times the decoding itself on large reads (measured on the conversion benchmark's
uncompressed 512² tiles, 8 planes of 2048², one core: ``asarray`` 290 MB/s, the zarr store
about 750 MB/s, this module about 2.5 GB/s). ``asarray`` starts a thread pool per call and
reads each segment into a fresh ``bytes`` object (page faults on new memory), then copies it
twice; the zarr route adds an event loop hop and a chunk copy per tile.

Here every segment (tile or strip) the window touches is read once and copied once into the
window: uncompressed native-order segments are read with ``readinto`` into a reused buffer -
consecutive segments of a tile row in one call - and compressed ones go through
``page.decode`` (tifffile's codecs, predictors and bit unpacking). Pages this module does not
handle (planar-separate samples, 3-D tiles, unknown sample layouts) return ``None`` and the
caller takes the general route.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, NamedTuple

import numpy as np

__all__ = ["read_window"]

#: Contiguous uncompressed segments are read in one call up to this many bytes.
_RUN_BYTES = 4 * 2**20


def _eligible(key: Any, page: Any) -> bool:
    if not hasattr(key, "decode") or key.dtype is None or getattr(key, "imagedepth", 1) != 1:
        return False
    if key.is_tiled and getattr(key, "tiledepth", 1) != 1:
        return False
    if key.samplesperpixel > 1 and key.planarconfig != 1:  # separate sample planes
        return False
    offsets, counts = page.dataoffsets, page.databytecounts
    if not offsets or len(offsets) != len(counts):
        return False
    return bool(int(key.bitspersample) == np.dtype(key.dtype).itemsize * 8)


def _raw(page: Any) -> bool:
    """Whether segments are stored as plain native-order samples (read without decoding)."""
    if page.compression != 1 or page.predictor not in (1, None) or page.fillorder != 1:
        return False
    dtype = np.dtype(page.dtype)
    if dtype.itemsize == 1:
        return True
    order: str = page.parent.byteorder
    return (order == "<") == (sys.byteorder == "little")


def read_window(
    page: Any, rows: slice, columns: slice, out: np.ndarray | None = None
) -> np.ndarray | None:
    """Rows and columns (step 1) of ``page`` as ``(Y, X, S)``; ``None`` when not handled here.

    ``out`` (shape ``(Y, X, S)``, any strides) receives the window instead of a new array.

    Anything unexpected (a short segment, a decoder that returns another shape) also returns
    ``None``: the general route then reads the page and reports the damage in its own words.
    """
    # A TiffFrame carries only its segment offsets; the structure is its keyframe's.
    key = getattr(page, "keyframe", None) or page
    if not _eligible(key, page):
        return None
    height, width = int(key.imagelength), int(key.imagewidth)
    y0, y1, ystep = rows.indices(height)
    x0, x1, xstep = columns.indices(width)
    if ystep != 1 or xstep != 1 or y1 <= y0 or x1 <= x0:
        return None
    samples = int(key.samplesperpixel)
    dtype = np.dtype(key.dtype)
    if key.is_tiled:
        th, tw = int(key.tilelength), int(key.tilewidth)
    else:
        th, tw = min(int(key.rowsperstrip or height), height), width
    across = -(-width // tw)
    if len(page.dataoffsets) != across * -(-height // th):
        return None
    shape = (y1 - y0, x1 - x0, samples)
    if out is None:
        out = np.empty(shape, dtype=dtype.newbyteorder("="))
    elif out.shape != shape or out.dtype != dtype.newbyteorder("="):
        return None
    geometry = _Geometry(th, tw, samples, across, height, bool(key.is_tiled))
    window = (y0, y1, x0, x1)
    raw = _raw(key)
    handle = page.parent.filehandle
    with handle.lock:
        for ty in range(y0 // th, -(-y1 // th)):
            first, last = x0 // tw, -(-x1 // tw)
            if raw:
                done = _raw_row(page, handle, out, geometry, ty, (first, last), window)
            else:
                done = _decoded_row(key, page, handle, out, geometry, ty, (first, last), window)
            if not done:
                return None
    return out


class _Geometry(NamedTuple):
    th: int
    tw: int
    samples: int
    across: int
    height: int
    tiled: bool

    def rows(self, ty: int) -> int:
        """Rows stored in segment row ``ty`` (a last strip may be shorter)."""
        return self.th if self.tiled else min(self.th, self.height - ty * self.th)


_buffers = threading.local()


def _buffer(nbytes: int) -> np.ndarray:
    # One reused read buffer per thread: fresh memory for every read costs a page fault per 4 KiB.
    buffer: np.ndarray | None = getattr(_buffers, "buffer", None)
    if buffer is None or buffer.nbytes < nbytes:
        buffer = np.empty(max(nbytes, _RUN_BYTES), dtype=np.uint8)
        _buffers.buffer = buffer
    return buffer[:nbytes]


def _raw_row(
    page: Any,
    handle: Any,
    out: np.ndarray,
    geometry: _Geometry,
    ty: int,
    span: tuple[int, int],
    window: tuple[int, int, int, int],
) -> bool:
    # Runs of segments that follow each other in the file are read with one call.
    th, tw, samples, across = geometry.th, geometry.tw, geometry.samples, geometry.across
    rows_here = geometry.rows(ty)
    nbytes = rows_here * tw * samples * out.dtype.itemsize
    offsets, counts = page.dataoffsets, page.databytecounts
    tx, last = span
    while tx < last:
        start = number = ty * across + tx
        if counts[number] < nbytes:
            return False
        count = 1
        while (
            tx + count < last
            and offsets[number + 1] == offsets[number] + nbytes
            and counts[number + 1] >= nbytes
            and (count + 1) * nbytes <= _RUN_BYTES
        ):
            count += 1
            number += 1
        buffer = _buffer(count * nbytes)
        handle.seek(offsets[start])
        if handle.readinto(buffer) != buffer.nbytes:
            return False
        segments = buffer.view(out.dtype).reshape(count, rows_here, tw, samples)
        for k in range(count):
            _place(out, segments[k], ty * th, (tx + k) * tw, window)
        tx += count
    return True


def _decoded_row(
    key: Any,
    page: Any,
    handle: Any,
    out: np.ndarray,
    geometry: _Geometry,
    ty: int,
    span: tuple[int, int],
    window: tuple[int, int, int, int],
) -> bool:
    th, tw, samples, across = geometry.th, geometry.tw, geometry.samples, geometry.across
    full, stored = th * tw * samples, geometry.rows(ty) * tw * samples
    for tx in range(*span):
        number = ty * across + tx
        handle.seek(page.dataoffsets[number])
        data = handle.read(page.databytecounts[number])
        decoded = key.decode(data, number)[0]
        if decoded is None:
            return False
        segment = np.asarray(decoded)
        if segment.size not in (full, stored):
            return False
        _place(out, segment.reshape(-1, tw, samples), ty * th, tx * tw, window)
    return True


def _place(
    out: np.ndarray, segment: np.ndarray, top: int, left: int, window: tuple[int, int, int, int]
) -> None:
    y0, y1, x0, x1 = window
    a, b = max(y0, top), min(y1, top + segment.shape[0])
    c, d = max(x0, left), min(x1, left + segment.shape[1])
    if a < b and c < d:
        out[a - y0 : b - y0, c - x0 : d - x0] = segment[a - top : b - top, c - left : d - left]
