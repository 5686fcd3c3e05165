"""Pixel structures: what a series' stored array looks like, independent of any file format."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from imagesteward.model._generated import Image

__all__ = ["ArrayStructure", "SeriesInfo"]


@dataclass(frozen=True, slots=True)
class ArrayStructure:
    """Shape and layout of one series' pixels at every stored resolution level.

    Attributes
    ----------
    dims
        Axis letters in storage order: T, C, Z, Y, X, S (interleaved samples) and extra
        dimensions such as H (Airyscan phase). An XZ scan is ``("Z", "X")``.
    shape
        Full-resolution size along each of ``dims``.
    dtype
        NumPy dtype name of one sample (``uint16``, ``int8``, ``float32``...), native order.
    levels
        Shape of every stored resolution level, full resolution first (same ``dims``).
    chunks
        Natural read unit of the source along ``dims`` (tile or plane), if it has one.
    pixels
        False for metadata-only series (an OME-XML without BinData or TiffData): the shape is
        what the metadata declares, but there are no pixels to read or convert.
    """

    dims: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: str
    levels: tuple[tuple[int, ...], ...] = ()
    chunks: tuple[int, ...] | None = None
    pixels: bool = True

    def __post_init__(self) -> None:
        if len(self.dims) != len(self.shape):
            raise ValueError(f"dims {self.dims} and shape {self.shape} differ in length")
        if len(set(self.dims)) != len(self.dims):
            raise ValueError(f"repeated axis in dims {self.dims}")
        if not self.levels:
            object.__setattr__(self, "levels", (self.shape,))

    def size(self, dim: str) -> int:
        """Size along ``dim``, 1 when the axis is absent."""
        return self.shape[self.dims.index(dim)] if dim in self.dims else 1

    @property
    def itemsize(self) -> int:
        """Bytes per sample."""
        import numpy as np

        return int(np.dtype(self.dtype).itemsize)

    @property
    def nbytes(self) -> int:
        """Uncompressed bytes of the full-resolution level."""
        return math.prod(self.shape) * self.itemsize

    @property
    def plane_dims(self) -> tuple[str, ...]:
        """The axes of one 2-D plane as stored: the last two spatial axes plus samples."""
        spatial = [d for d in self.dims if d in ("Y", "X", "Z")]
        plane = spatial[-2:] if len(spatial) >= 2 else spatial
        return (*plane, "S") if "S" in self.dims else tuple(plane)


@dataclass(slots=True)
class SeriesInfo:
    """One series of an opened file: its metadata document and its pixel structure."""

    image: Image
    structure: ArrayStructure
    notes: list[str] = field(default_factory=list)
