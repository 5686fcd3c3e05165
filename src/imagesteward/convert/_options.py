"""What a conversion can be told: :class:`ConvertOptions`.

The codec defaults come from measurements on realistic microscopy data (``benchmarks/convert.py
--codecs``, table in ``docs/convert.md``), blosc at level 1 on 512² chunks: lz4 compresses 16-bit
fluorescence at ~1700 MB/s per core to a ratio of 1.7, zstd at ~650 MB/s to 2.0; on noisy 8-bit
data lz4 finds almost nothing (1.0-1.2) where zstd gets 1.45. Level 3 is three times slower for
1 % less. So ``compressor="auto"`` takes lz4 unless zstd is at least 20 % smaller on a sample of
the series, and ``shuffle="auto"`` takes byte-shuffle (none for 8-bit data) unless bit-shuffle
is at least 5 % smaller.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from imagesteward.errors import ConfigurationError

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "DEFAULT_CHUNK_TARGET",
    "DEFAULT_CLEVEL",
    "DEFAULT_MEMORY_BYTES",
    "Compressor",
    "ConvertOptions",
    "Shuffle",
]

#: blosc compression level: the measured knee of the size/speed curve (see module docstring).
DEFAULT_CLEVEL = 1
#: Working-set bound of a conversion (pixel buffers, encoded chunks), per process.
DEFAULT_MEMORY_BYTES = 2**30
#: Upper bound of a chunk's uncompressed bytes; 512 x 512 plane chunks stay below it.
DEFAULT_CHUNK_TARGET = 4 * 2**20

Compressor = Literal["auto", "zstd", "lz4", "lz4hc", "blosclz", "zlib", "none"]
Shuffle = Literal["auto", "noshuffle", "shuffle", "bitshuffle"]

_COMPRESSORS = ("auto", "zstd", "lz4", "lz4hc", "blosclz", "zlib", "none")
_SHUFFLES = ("auto", "noshuffle", "shuffle", "bitshuffle")
_AXES = "tczyx"


@dataclass(frozen=True, slots=True)
class ConvertOptions:
    """Options of :func:`~imagesteward.convert.to_ome_zarr`.

    Attributes
    ----------
    ngff_version
        ``"0.5"`` (Zarr v3, the default) or ``"0.4"`` (Zarr v2, dimension separator ``/``).
    shard
        Store each region's chunks in one Zarr v3 shard per level (NGFF 0.5 only): far fewer
        objects for very large images.
    memory_bytes
        Bound on the conversion's working set (pixel buffers and encoded chunks) in each
        process; the interpreter and libraries come on top. Regions and the number of regions
        in flight are sized from it.
    workers
        Regions converted at once in this process (default: the CPUs available). Lowered when
        ``memory_bytes`` cannot hold that many regions.
    scheduler
        Run on an existing Dask cluster: its address (``"tcp://host:8786"``) or a
        ``distributed.Client``. Tasks are regions; each re-opens the source from a
        :class:`~imagesteward.convert.SourceSpec`.
    compressor
        blosc's internal codec, ``"none"``, or ``"auto"``: lz4 unless zstd compresses a sample
        of the series at least 20 % smaller.
    clevel
        blosc compression level (0-9).
    shuffle
        blosc pre-filter; ``"auto"`` measures byte- and bit-shuffle on a sample of each series
        (bit-shuffle when it is at least 5 % smaller).
    chunk_target
        Upper bound of a chunk's uncompressed bytes (default 4 MiB): the 512 x 512 plane
        chunks halve their side while above it.
    chunks
        Explicit chunk sizes by NGFF axis name (``{"z": 1}`` for plane chunks); other axes
        keep the computed size.
    label
        The image is a label image: pyramids take the mode, never a mean.
    resume
        Continue an interrupted conversion of the same source with the same options from its
        completed regions; ``False`` starts over.
    storage_options
        Passed to fsspec for remote destinations (``{"endpoint_url": ..., "key": ...}``).
    layout
        ``"auto"``: a single image at the root, several as a bioformats2raw collection;
        ``"bioformats2raw"``: always the collection layout (image groups ``0``, ``1``...).
    """

    ngff_version: Literal["0.5", "0.4"] = "0.5"
    shard: bool = False
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    workers: int | None = None
    scheduler: str | Client | None = field(default=None, compare=False)
    compressor: Compressor = "auto"
    clevel: int = DEFAULT_CLEVEL
    shuffle: Shuffle = "auto"
    chunk_target: int | None = None
    chunks: Mapping[str, int] | None = None
    label: bool = False
    resume: bool = True
    storage_options: Mapping[str, Any] | None = field(default=None, compare=False)
    layout: Literal["auto", "bioformats2raw"] = "auto"

    def __post_init__(self) -> None:
        problems = []
        if self.ngff_version not in ("0.4", "0.5"):
            problems.append(f"ngff_version must be '0.5' or '0.4', not {self.ngff_version!r}")
        if self.shard and self.ngff_version == "0.4":
            problems.append("shard=True needs Zarr v3, i.e. ngff_version='0.5'")
        if self.memory_bytes < 16 * 2**20:
            problems.append(f"memory_bytes={self.memory_bytes:,} is below the 16 MiB minimum")
        if self.workers is not None and self.workers < 1:
            problems.append(f"workers must be at least 1, not {self.workers}")
        if self.compressor not in _COMPRESSORS:
            problems.append(f"compressor {self.compressor!r} is not one of {_COMPRESSORS}")
        if not 0 <= self.clevel <= 9:
            problems.append(f"clevel must be 0-9, not {self.clevel}")
        if self.shuffle not in _SHUFFLES:
            problems.append(f"shuffle {self.shuffle!r} is not one of {_SHUFFLES}")
        if self.chunk_target is not None and self.chunk_target < 4096:
            problems.append(f"chunk_target={self.chunk_target} is below 4096 bytes")
        for axis, size in (self.chunks or {}).items():
            if axis not in _AXES or int(size) != size or size < 1:
                problems.append(f"chunks[{axis!r}]={size!r}: axes are t, c, z, y, x; sizes >= 1")
        if self.layout not in ("auto", "bioformats2raw"):
            problems.append(f"layout must be 'auto' or 'bioformats2raw', not {self.layout!r}")
        if problems:
            raise ConfigurationError("Invalid conversion options: " + "; ".join(problems))

    @property
    def zarr_format(self) -> Literal[2, 3]:
        """The Zarr format the NGFF version requires."""
        return 3 if self.ngff_version == "0.5" else 2

    @property
    def effective_chunk_target(self) -> int:
        """Bytes per chunk aimed at."""
        return self.chunk_target or DEFAULT_CHUNK_TARGET

    def effective_workers(self) -> int:
        """Regions in flight before the memory bound is applied."""
        if self.workers is not None:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not Linux
            return max(1, os.cpu_count() or 1)

    def fingerprint(self) -> dict[str, Any]:
        """The options that shape the bytes written (resuming requires them unchanged)."""
        return {
            "ngff_version": self.ngff_version,
            "shard": self.shard,
            "compressor": self.compressor,
            "clevel": self.clevel,
            "shuffle": self.shuffle,
            "chunk_target": self.effective_chunk_target,
            "chunks": dict(sorted((self.chunks or {}).items())),
            "label": self.label,
            "layout": self.layout,
        }
