"""Chunk and shard encoding, byte-for-byte what Zarr declares, and the shuffle measurement.

Chunks are encoded here rather than through zarr-python's write path: the conversion decides
which thread encodes what (no second thread pool, no event-loop hop per chunk), and the bytes
must not depend on it. blosc is called through imagecodecs with ``numthreads=1``: blosc's own
threads place compressed blocks in completion order, which makes the output differ from run to
run (measured); one thread per chunk is deterministic and the conversion parallelises over
chunks anyway. The stream is standard blosc 1, exactly what ``numcodecs.Blosc`` (zarr's codec)
produces single-threaded.

Zarr v3 sharding (``sharding_indexed``): inner chunks concatenated in row-major order, then the
index - ``(offset, nbytes)`` as little-endian uint64 per inner chunk, ``2**64 - 1`` for an empty
one - followed by its CRC32C (``index_codecs = [bytes, crc32c]``, ``index_location = end``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BLOCKSIZE",
    "CodecSpec",
    "choose_shuffle",
    "encode_chunk",
    "encode_shard",
    "iter_chunks",
]

_SHUFFLE_CODES = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}
_EMPTY = np.uint64(2**64 - 1)


#: blosc block size: 1 MiB blocks compress 16-bit fluorescence 30 % faster than blosc's automatic
#: choice (~655 vs ~505 MB/s per core at zstd level 1), 4 % smaller, and decode faster (measured,
#: docs/convert.md); blosc clamps it to the chunk size.
BLOCKSIZE = 2**20


@dataclass(frozen=True, slots=True)
class CodecSpec:
    """How chunk bytes are compressed: blosc's codec, level, shuffle and block size, or nothing."""

    compressor: str
    clevel: int
    shuffle: str
    blocksize: int = BLOCKSIZE

    def encode(self, data: np.ndarray) -> bytes:
        """Compress one C-contiguous little-endian chunk."""
        contiguous = np.ascontiguousarray(data)
        if self.compressor == "none":
            return contiguous.tobytes()
        import imagecodecs

        # The array itself, never a byte view of it: imagecodecs takes blosc's typesize from
        # the buffer's item size and ignores ``typesize`` for a byte view, so a shuffle of a
        # byte view shuffles nothing (measured: 16-bit chunks 1.0x with lz4 instead of 1.6x,
        # and the stream's header said typesize 1 where zarr.json says 2).
        # imagecodecs releases the GIL while blosc runs; it returns bytes, which bytes() passes
        # through without a copy.
        return bytes(
            imagecodecs.blosc_encode(
                contiguous,
                level=self.clevel,
                compressor=self.compressor,
                shuffle=_SHUFFLE_CODES[self.shuffle],
                typesize=data.dtype.itemsize,
                blocksize=self.blocksize,
                numthreads=1,
            )
        )


def iter_chunks(
    shape: Sequence[int], chunks: Sequence[int], offset: Sequence[int] = ()
) -> Iterator[tuple[tuple[int, ...], tuple[slice, ...]]]:
    """Chunk grid positions covering ``shape`` and their slices, row-major.

    ``offset`` (a multiple of ``chunks``) places the region in the array: positions are
    absolute, slices relative to the region.
    """
    offset = tuple(offset) or (0,) * len(shape)
    ranges = [range(-(-n // c)) for n, c in zip(shape, chunks, strict=True)]
    for position in itertools.product(*ranges):
        slices = tuple(
            slice(p * c, min((p + 1) * c, n))
            for p, c, n in zip(position, chunks, shape, strict=True)
        )
        absolute = tuple(p + o // c for p, o, c in zip(position, offset, chunks, strict=True))
        yield absolute, slices


def _padded(piece: np.ndarray, chunks: Sequence[int]) -> np.ndarray:
    # Zarr stores every chunk at full size; the part beyond the array holds the fill value 0.
    # The one copy a chunk needs (a slice of a region is not contiguous) happens here.
    if tuple(piece.shape) == tuple(chunks):
        return np.ascontiguousarray(piece)
    full = np.zeros(tuple(chunks), dtype=piece.dtype)
    full[tuple(slice(0, n) for n in piece.shape)] = piece
    return full


def _is_empty(piece: np.ndarray) -> bool:
    """All bits zero (so -0.0 counts as data: it would otherwise read back as +0.0)."""
    if piece.size == 0:
        return True
    # Real images almost never start a chunk with 0: one element decides without a pass over
    # the chunk (a value that compares unequal to 0 is never all-zero bits, NaN included).
    if piece.flat[0] != 0:
        return False
    if piece.dtype.itemsize in (1, 2, 4, 8):
        # Same-size views work on strided slices: no copy.
        return not piece.view(f"u{piece.dtype.itemsize}").any()
    return not np.ascontiguousarray(piece).view(np.uint8).any()


def encode_chunk(piece: np.ndarray, chunks: Sequence[int], codec: CodecSpec) -> bytes | None:
    """Encode one chunk (a region of at most ``chunks``); ``None`` when it is all zero."""
    if _is_empty(piece):
        return None
    return codec.encode(_padded(piece, chunks))


def encode_shard(
    piece: np.ndarray, shard: Sequence[int], chunks: Sequence[int], codec: CodecSpec
) -> bytes | None:
    """Encode one shard (a region of at most ``shard``); ``None`` when every chunk is empty."""
    import google_crc32c

    grid = tuple(s // c for s, c in zip(shard, chunks, strict=True))
    index = np.full((math.prod(grid), 2), _EMPTY, dtype="<u8")
    parts: list[bytes] = []
    offset = 0
    for number, position in enumerate(itertools.product(*(range(g) for g in grid))):
        region = tuple(slice(p * c, (p + 1) * c) for p, c in zip(position, chunks, strict=True))
        inner = piece[region]
        if 0 in inner.shape:
            continue
        encoded = encode_chunk(inner, chunks, codec)
        if encoded is None:
            continue
        index[number] = (offset, len(encoded))
        parts.append(encoded)
        offset += len(encoded)
    if not parts:
        return None
    index_bytes = index.tobytes()
    checksum = np.uint32(google_crc32c.value(index_bytes)).astype("<u4").tobytes()
    return b"".join([*parts, index_bytes, checksum])


#: Bit-shuffle must make a chunk this much smaller to be chosen: zstd-1 after a bit-shuffle
#: costs 6-15 % more CPU than after a byte-shuffle on 16-bit fluorescence, for 2 % less output
#: (measured, docs/convert.md) - compression is the conversion's largest cost.
BITSHUFFLE_GAIN = 0.05


def choose_shuffle(samples: np.ndarray | Sequence[np.ndarray], codec: CodecSpec) -> str:
    """Byte- (or no) shuffle, unless bit-shuffle compresses the samples 5 % smaller."""
    if codec.compressor == "none":
        return "noshuffle"
    chunks = [samples] if isinstance(samples, np.ndarray) else list(samples)
    if chunks[0].dtype.itemsize == 1:
        candidates = ("noshuffle", "bitshuffle")
    else:
        candidates = ("shuffle", "bitshuffle")
    sizes = {
        name: sum(len(CodecSpec(codec.compressor, codec.clevel, name).encode(c)) for c in chunks)
        for name in candidates
    }
    first, second = candidates
    return second if sizes[second] < (1 - BITSHUFFLE_GAIN) * sizes[first] else first
