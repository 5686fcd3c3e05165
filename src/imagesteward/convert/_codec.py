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
    "choose_codec",
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


#: Bit-shuffle must make a chunk this much smaller to be chosen: after a bit-shuffle zstd-1
#: costs 6-15 % more CPU and lz4 30-40 % more than after a byte-shuffle on 16-bit fluorescence,
#: for 2-4 % less output (measured, docs/convert.md).
BITSHUFFLE_GAIN = 0.05
#: ``compressor="auto"`` takes lz4 unless zstd makes the samples this much smaller: on 16-bit
#: fluorescence lz4 compresses 2.6x faster than zstd-1 (about 1700 vs 650 MB/s per core) to a
#: 13 % larger output, and the whole conversion needs about 20 % less CPU; on noisy 8-bit data
#: lz4 finds almost nothing to compress (ratio 1.0-1.2 where zstd's entropy coder gets 1.45).
ZSTD_GAIN = 0.20


def _sizes(chunks: Sequence[np.ndarray], codec: CodecSpec) -> int:
    return sum(len(codec.encode(c)) for c in chunks)


def choose_shuffle(samples: np.ndarray | Sequence[np.ndarray], codec: CodecSpec) -> str:
    """Byte- (or no) shuffle, unless bit-shuffle compresses the samples 5 % smaller."""
    return _choose_shuffle(samples, codec)[0]


def _choose_shuffle(
    samples: np.ndarray | Sequence[np.ndarray], codec: CodecSpec
) -> tuple[str, int]:
    chunks = [samples] if isinstance(samples, np.ndarray) else list(samples)
    if codec.compressor == "none":
        return "noshuffle", sum(c.nbytes for c in chunks)
    if chunks[0].dtype.itemsize == 1:
        candidates = ("noshuffle", "bitshuffle")
    else:
        candidates = ("shuffle", "bitshuffle")
    sizes = {
        name: _sizes(chunks, CodecSpec(codec.compressor, codec.clevel, name)) for name in candidates
    }
    first, second = candidates
    chosen = second if sizes[second] < (1 - BITSHUFFLE_GAIN) * sizes[first] else first
    return chosen, sizes[chosen]


def choose_codec(samples: Sequence[np.ndarray], codec: CodecSpec) -> CodecSpec:
    """Resolve ``"auto"`` compressor and shuffle by compressing ``samples`` (see the constants).

    ``codec.compressor`` ``"auto"`` tries lz4 and zstd (each with its chosen shuffle) and keeps
    lz4 unless zstd is at least :data:`ZSTD_GAIN` smaller; ``codec.shuffle`` ``"auto"`` is
    decided per compressor by :func:`choose_shuffle`.
    """
    names = ("lz4", "zstd") if codec.compressor == "auto" else (codec.compressor,)
    results: dict[str, tuple[str, int]] = {}
    for name in names:
        trial = CodecSpec(name, codec.clevel, codec.shuffle, codec.blocksize)
        if codec.shuffle == "auto":
            results[name] = _choose_shuffle(samples, trial)
        else:
            results[name] = (codec.shuffle, 0)
    if codec.compressor != "auto":
        name = codec.compressor
    elif codec.shuffle != "auto":
        lz4, zstd = (
            _sizes(samples, CodecSpec(n, codec.clevel, codec.shuffle)) for n in ("lz4", "zstd")
        )
        name = "zstd" if zstd < (1 - ZSTD_GAIN) * lz4 else "lz4"
    else:
        name = "zstd" if results["zstd"][1] < (1 - ZSTD_GAIN) * results["lz4"][1] else "lz4"
    return CodecSpec(name, codec.clevel, results[name][0], codec.blocksize)
