"""What a conversion reports: :class:`ConversionResult` and one :class:`SeriesResult` per image."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["ConversionResult", "SeriesResult"]


@dataclass(frozen=True, slots=True)
class SeriesResult:
    """One written image.

    Attributes
    ----------
    source_series
        Index of the series in the source.
    path
        Image group inside the OME-Zarr (``""`` for an image at the root, ``"0"``, ``"A/1/0"``).
    name
        The image's name, if it has one.
    axes
        NGFF axes, e.g. ``"tczyx"``.
    dtype
        Sample type.
    levels
        Shape of every pyramid level, full resolution first.
    chunks
        Chunk shape of level 0 (``shards`` when sharded).
    channels
        Label of every output channel (folded axes spelled out, e.g. ``"ChA H=3"``).
    scale
        Level-0 pixel size per axis in the axis unit (1.0 where uncalibrated).
    units
        Unit per axis (``micrometer``, ``second``) or ``None`` where uncalibrated.
    shuffle
        The blosc shuffle chosen for this image.
    """

    source_series: int
    path: str
    name: str | None
    axes: str
    dtype: str
    levels: tuple[tuple[int, ...], ...]
    chunks: tuple[int, ...]
    shards: tuple[int, ...] | None
    channels: tuple[str, ...]
    scale: tuple[float, ...]
    units: tuple[str | None, ...]
    shuffle: str


@dataclass(frozen=True, slots=True)
class ConversionResult:
    """What :func:`~imagesteward.convert.to_ome_zarr` wrote.

    Attributes
    ----------
    url
        The destination (absolute path or URL).
    status
        ``"converted"``, ``"resumed"`` (part of the work came from an interrupted run) or
        ``"already-complete"`` (the destination held this very conversion).
    layout
        ``"image"`` (one image at the root), ``"bioformats2raw"`` or ``"plate"``.
    ngff_version, zarr_format
        What was written.
    series
        One entry per image.
    regions, regions_resumed
        Work units in total, and how many an earlier run had already completed.
    bytes_read
        Uncompressed bytes read from the source (every pixel once).
    bytes_written
        Compressed bytes of all chunks and shards (all levels).
    objects_written
        Chunk and shard objects.
    seconds
        Wall time of this call.
    workers
        Regions converted at once (threads, or Dask worker threads).
    plan
        Digest identifying the conversion (source, structure, options).
    checks
        What was verified before reporting done.
    """

    url: str
    status: Literal["converted", "resumed", "already-complete"]
    layout: Literal["image", "bioformats2raw", "plate"]
    ngff_version: str
    zarr_format: int
    series: tuple[SeriesResult, ...]
    regions: int
    regions_resumed: int
    bytes_read: int
    bytes_written: int
    objects_written: int
    seconds: float
    workers: int
    plan: str
    checks: tuple[str, ...] = field(default=())

    @property
    def throughput(self) -> float:
        """Bytes read per second of wall time."""
        return self.bytes_read / self.seconds if self.seconds > 0 else 0.0
