"""Image sources for conversion tests: arrays in memory, synthetic pixels, TIFF files.

* :class:`ArraySource` serves numpy arrays and counts what is read (calls, bytes, the largest
  single read) and can refuse reads above a limit;
* :class:`SyntheticSource` computes deterministic, compressible pixels from their coordinates,
  so an image far larger than memory never exists anywhere;
* :class:`TiffSource` and :class:`TiffReader` read TIFF files written with tifffile (one series
  per file, axes from tifffile), and :class:`SyntheticReader` opens ``synthetic:...`` specs, so
  Dask workers and subprocesses can re-open them from a :class:`SourceSpec`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

import numpy as np

from imagesteward import model
from imagesteward.formats import OriginalMetadata, Probe, ReadContext, Selection, Verdict
from imagesteward.model import ArrayStructure, SeriesInfo

_SIZE_FIELDS = {"T": "size_t", "C": "size_c", "Z": "size_z", "Y": "size_y", "X": "size_x"}


def make_image(
    dims: str, shape: Sequence[int], dtype: str, index: int = 0, **fields: Any
) -> model.Image:
    """A model document consistent with ``dims``/``shape`` (sizes, samples, extra dimensions)."""
    sizes = dict(zip(dims, shape, strict=True))
    values: dict[str, Any] = {name: sizes.get(dim, 1) for dim, name in _SIZE_FIELDS.items()}
    extras = [d for d in dims if d not in "TCZYXS"]
    if extras:
        values["extra_dimensions"] = [model.Dimension(name=d, size=sizes[d]) for d in extras]
    if "S" in dims:
        values["samples_per_pixel"] = sizes["S"]
    values.update(fields)
    return model.Image(
        series_index=index, file_format="test", axes=dims, pixel_type=dtype, **values
    )


def region(shape: Sequence[int], dims: str, selection: Selection | None) -> tuple[Any, ...]:
    selection = selection or {}
    unknown = set(selection) - set(dims)
    if unknown:
        raise KeyError(f"no axis {sorted(unknown)} in {dims}")
    return tuple(selection.get(d, slice(None)) for d in dims)


class _Base:
    path: Path

    def __init__(self, path: Path) -> None:
        self.path = path
        self.closed = False
        self.calls = 0
        self.bytes_read = 0
        self.largest_read = 0
        self.limit: int | None = None
        self._lock = threading.Lock()

    @property
    def files(self) -> Sequence[Path]:
        return ()

    def original_metadata(self) -> OriginalMetadata | None:
        return None

    def _count(self, data: np.ndarray) -> np.ndarray:
        with self._lock:
            self.calls += 1
            self.bytes_read += data.nbytes
            self.largest_read = max(self.largest_read, data.nbytes)
        if self.limit is not None and data.nbytes > self.limit:
            raise MemoryError(
                f"read of {data.nbytes:,} bytes exceeds the test limit {self.limit:,}"
            )
        return data

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ArraySource(_Base):
    """Series backed by numpy arrays with their dims; ``images`` override the documents."""

    def __init__(
        self,
        arrays: Sequence[tuple[np.ndarray, str]],
        images: Sequence[model.Image | None] | None = None,
        path: Path = Path("memory.npy"),
    ) -> None:
        super().__init__(path)
        self.arrays = [a for a, _ in arrays]
        self.dims = [d for _, d in arrays]
        given = list(images or [None] * len(arrays))
        self.images = [
            image or make_image(dims, array.shape, array.dtype.name, index)
            for index, ((array, dims), image) in enumerate(zip(arrays, given, strict=True))
        ]

    @property
    def series(self) -> Sequence[SeriesInfo]:
        return [
            SeriesInfo(image, ArrayStructure(tuple(dims), array.shape, array.dtype.name))
            for array, dims, image in zip(self.arrays, self.dims, self.images, strict=True)
        ]

    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        array, dims = self.arrays[series], self.dims[series]
        return self._count(np.array(array[region(array.shape, dims, selection)]))


def synthetic_pixels(
    dims: str, shape: Sequence[int], dtype: str, index: tuple[Any, ...]
) -> np.ndarray:
    """Deterministic pixels: ramps plus hashed noise, a function of the coordinates only.

    Computed in bands of rows with uint32 arithmetic, so a read never needs more than the
    result plus a few MiB: the source must not be what breaks a memory bound.
    """
    coords = [
        np.arange(size, dtype=np.uint32)[item] for size, item in zip(shape, index, strict=True)
    ]
    weights = (7, 13, 31, 101, 211, 307)
    offset = np.uint32(
        sum(int(c) * w for c, w in zip(coords, weights, strict=False) if c.ndim == 0)
    )
    kept = [(c, w) for c, w in zip(coords, weights, strict=False) if c.ndim == 1]
    out = np.empty(tuple(len(c) for c, _ in kept), dtype=dtype)
    if out.size == 0:
        return out
    (rows, row_weight), (cols, col_weight) = kept[-2], kept[-1]
    col_term = cols * np.uint32(col_weight)
    band = max(1, (1 << 18) // max(len(cols), 1))
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    span = np.uint32(min(int(info.max) - int(info.min) + 1, 4096) if info else 4096)
    low = max(int(info.min), 0) if info else 0
    for lead in np.ndindex(*out.shape[:-2]):
        base = offset + np.uint32(sum(int(kept[i][0][j]) * kept[i][1] for i, j in enumerate(lead)))
        for start in range(0, len(rows), band):
            value = (rows[start : start + band, None] * np.uint32(row_weight) + base) + col_term
            noise = (value * np.uint32(2654435761)) >> np.uint32(20)
            noise &= np.uint32(15)
            value //= np.uint32(8)
            value += noise
            value %= span
            out[(*lead, slice(start, start + band))] = value + low if low else value
    return out


class SyntheticSource(_Base):
    """One series of any size whose pixels are computed on read (see :func:`synthetic_pixels`)."""

    def __init__(
        self, dims: str, shape: Sequence[int], dtype: str = "uint16", **fields: Any
    ) -> None:
        super().__init__(Path(f"synthetic-{dims}-{'x'.join(map(str, shape))}-{dtype}"))
        self.dims, self.shape, self.dtype = dims, tuple(shape), dtype
        self.image = make_image(dims, shape, dtype, **fields)

    @property
    def series(self) -> Sequence[SeriesInfo]:
        return [SeriesInfo(self.image, ArrayStructure(tuple(self.dims), self.shape, self.dtype))]

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape)) * np.dtype(self.dtype).itemsize

    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        index = region(self.shape, self.dims, selection)
        return self._count(synthetic_pixels(self.dims, self.shape, self.dtype, index))


class SyntheticReader:
    """Opens ``SyntheticSource`` from a path holding its JSON description."""

    name: ClassVar[str] = "synthetic"
    title: ClassVar[str] = "synthetic test image"
    suffixes: ClassVar[tuple[str, ...]] = (".synthetic.json",)
    library: ClassVar[str] = "numpy"

    def sniff(self, probe: Probe) -> Verdict:
        return Verdict(100 if probe.name.endswith(".synthetic.json") else 0, "test")

    def open(self, path: Path, context: ReadContext) -> SyntheticSource:
        spec = json.loads(path.read_text(encoding="utf-8"))
        return SyntheticSource(spec["dims"], spec["shape"], spec["dtype"], **spec.get("fields", {}))


class TiffSource(_Base):
    """One TIFF series through tifffile, axes renamed to the model's letters."""

    _AXES: ClassVar[dict[str, str]] = {"Q": "C", "I": "T"}

    def __init__(self, path: Path, **fields: Any) -> None:
        import tifffile

        super().__init__(path)
        self._tiff = tifffile.TiffFile(path)
        s = self._tiff.series[0]
        self.dims = "".join(self._AXES.get(a, a) for a in s.axes)
        self.shape = tuple(s.shape)
        self.dtype = s.dtype.name
        self.image = make_image(self.dims, self.shape, self.dtype, **fields)

    @property
    def files(self) -> Sequence[Path]:
        return (self.path,)

    @property
    def series(self) -> Sequence[SeriesInfo]:
        return [SeriesInfo(self.image, ArrayStructure(tuple(self.dims), self.shape, self.dtype))]

    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        import zarr

        store = self._tiff.series[0].aszarr()
        try:
            array = zarr.open_array(store, mode="r")
            return self._count(np.asarray(array[region(self.shape, self.dims, selection)]))
        finally:
            store.close()

    def close(self) -> None:
        if not self.closed:
            self._tiff.close()
        super().close()


class TiffReader:
    """Reader for :class:`TiffSource` (``tests.convert.sources:TiffReader`` in a SourceSpec)."""

    name: ClassVar[str] = "test-tiff"
    title: ClassVar[str] = "TIFF (test reader)"
    suffixes: ClassVar[tuple[str, ...]] = (".tif", ".tiff")
    library: ClassVar[str] = "tifffile"

    def sniff(self, probe: Probe) -> Verdict:
        return Verdict(50 if probe.head[:2] in (b"II", b"MM") else 0, "TIFF magic")

    def open(self, path: Path, context: ReadContext) -> TiffSource:
        return TiffSource(path)
