"""Reading back a written level (the input of later stages), chunk by chunk, without zarr-python.

Later stages read a region of an already reduced level. Decoding here, one chunk at a time in
the task's own thread, keeps that read inside the region's memory account (zarr-python's read
path fans out to its own thread pool and buffers; measured +40 MiB per reader thread). The
format knowledge mirrors :mod:`imagesteward.convert._codec`; zarr-python remains the
independent reader of the spot checks and the validation.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from imagesteward.convert._axes import Box
from imagesteward.convert._plan import SeriesPlan
from imagesteward.convert._target import Writer

__all__ = ["read_box"]

_EMPTY = 2**64 - 1


def _decode(data: bytes, compressor: str) -> bytes:
    if compressor == "none":
        return data
    import imagecodecs

    return bytes(imagecodecs.blosc_decode(data, numthreads=1))


def read_box(writer: Writer, series: SeriesPlan, level: int, box: Box) -> np.ndarray:
    """The pixels of ``box`` at ``level`` (chunks never written read as zero)."""
    spec = series.levels[level]
    dtype = np.dtype(series.dtype).newbyteorder("<")
    out = np.zeros(tuple(b - a for a, b in box), dtype=dtype)
    outer = spec.shards or spec.chunks
    ranges = [range(a // g, -(-b // g)) for (a, b), g in zip(box, outer, strict=True)]
    for position in itertools.product(*ranges):
        data = writer.get(series.chunk_key(level, position))
        if data is None:
            continue
        origin = tuple(p * g for p, g in zip(position, outer, strict=True))
        if spec.shards is None:
            _place(out, box, origin, _chunk(data, spec.chunks, dtype, series.codec.compressor))
            continue
        index = np.frombuffer(data[-(16 * _count(spec.shards, spec.chunks)) - 4 : -4], "<u8")
        grid = tuple(s // c for s, c in zip(spec.shards, spec.chunks, strict=True))
        for number, inner in enumerate(itertools.product(*(range(g) for g in grid))):
            offset, nbytes = int(index[2 * number]), int(index[2 * number + 1])
            if offset == _EMPTY:
                continue
            start = tuple(o + i * c for o, i, c in zip(origin, inner, spec.chunks, strict=True))
            if any(
                s >= b or s + c <= a for s, c, (a, b) in zip(start, spec.chunks, box, strict=True)
            ):
                continue
            chunk = _chunk(
                data[offset : offset + nbytes], spec.chunks, dtype, series.codec.compressor
            )
            _place(out, box, start, chunk)
    return out if dtype.isnative else out.astype(dtype.newbyteorder("="))


def _count(shards: tuple[int, ...], chunks: tuple[int, ...]) -> int:
    return math.prod(s // c for s, c in zip(shards, chunks, strict=True))


def _chunk(
    data: bytes, shape: tuple[int, ...], dtype: np.dtype[np.generic], compressor: str
) -> np.ndarray:
    return np.frombuffer(_decode(data, compressor), dtype=dtype).reshape(shape)


def _place(out: np.ndarray, box: Box, origin: tuple[int, ...], chunk: np.ndarray) -> None:
    target, source = [], []
    for (a, b), o, n in zip(box, origin, chunk.shape, strict=True):
        low, high = max(a, o), min(b, o + n)
        target.append(slice(low - a, high - a))
        source.append(slice(low - o, high - o))
    out[tuple(target)] = chunk[tuple(source)]
