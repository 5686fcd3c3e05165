"""Series and pixels of non-OME TIFFs (ImageJ, SVS, LSM, STK, plain), through tifffile's series.

tifffile knows how each flavour lays its planes out (ImageJ hyperstacks, SVS pyramids, LSM
interleaved thumbnails, STK's single IFD holding every plane); pixels are read lazily through its
zarr store, so a region costs the tiles or strips it touches.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import date, datetime
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import tifffile
from tifffile import TIFF
from tifffile.tifffile import svs_description_metadata

from imagesteward.formats._base import SourceBase, region_index
from imagesteward.formats._tiff_flavours import FILE_FORMATS, describe, flavour_of
from imagesteward.formats._tiff_pages import check_data_extents, plane_chunks, tifffile_problems
from imagesteward.formats.reader import OriginalMetadata, ReadContext, Selection
from imagesteward.formats.safety import check_plausible_size
from imagesteward.model import ArrayStructure, Channel, Dimension, Image, SeriesInfo

__all__ = ["TiffSource", "tags_json"]

_KNOWN_DIMS = set("TCZYXS")


class TiffSource(SourceBase):
    """An opened non-OME TIFF."""

    def __init__(
        self, path: Path, context: ReadContext, tif: tifffile.TiffFile, reader: str
    ) -> None:
        super().__init__(path)
        self._context = context
        self._tif = tif
        self._reader = reader
        self._on_close(tif.close)
        self._series_objects: list[Any] = []

    def _load_series(self) -> list[SeriesInfo]:
        with tifffile_problems(self.path):
            return self._describe_series()

    def _describe_series(self) -> list[SeriesInfo]:
        tif = self._tif
        flavour = flavour_of(tif)
        file_format = FILE_FORMATS.get(flavour, "tiff")
        notes_all: list[str] = []
        chosen = list(tif.series)
        if flavour == "lsm" and len(chosen) > 1:
            # The second LSM series is the thumbnails interleaved with the planes.
            notes_all.append("LSM thumbnails (reduced IFDs) are not exposed as a series")
            chosen = chosen[:1]
        declared = [
            (math.prod(level.shape) * level.dtype.itemsize,) for s in chosen for level in s.levels
        ]
        file_size = self.path.stat().st_size
        check_plausible_size(self.path, declared, 1, file_size, self._context)
        for series in chosen:
            check_data_extents(self.path, series.pages, file_size)
        infos = []
        for index, series in enumerate(chosen):
            notes = list(notes_all)
            structure = _structure(series)
            image = _base_image(index, series, structure, file_format, self._reader)
            describe(tif, flavour, series, image, notes)
            image.capture_notes = list(notes) or None
            infos.append(SeriesInfo(image=image, structure=structure, notes=notes))
        self._series_objects = chosen
        return infos

    def original_metadata(self) -> OriginalMetadata | None:
        return OriginalMetadata(
            name=f"{self.path.name}.metadata.json",
            media_type="application/json",
            content=tags_json(self._tif).encode("utf-8"),
        )

    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        import zarr

        info = self.series[series]
        structure = info.structure
        if not 0 <= level < len(structure.levels):
            raise IndexError(f"{self.path}: series {series} has no resolution level {level}")
        shape = structure.levels[level]
        index = region_index(ArrayStructure(structure.dims, shape, structure.dtype), selection)
        store = self._series_objects[series].aszarr(level=level)
        try:
            array = zarr.open_array(store, mode="r")
            if tuple(array.shape) != shape:
                array_shape = tuple(array.shape)
                raise ValueError(f"tifffile store shape {array_shape} differs from {shape}")
            return np.asarray(array[index])
        finally:
            store.close()


def _structure(series: Any) -> ArrayStructure:
    dims = tuple(series.axes)
    shape = tuple(int(n) for n in series.shape)
    levels = tuple(tuple(int(n) for n in level.shape) for level in series.levels)
    keyframe = series.keyframe
    chunks = plane_chunks(dims, shape, keyframe) if keyframe is not None else None
    return ArrayStructure(
        dims=dims, shape=shape, dtype=str(series.dtype), levels=levels, chunks=chunks
    )


def _base_image(
    index: int, series: Any, structure: ArrayStructure, file_format: str, reader: str
) -> Image:
    samples = structure.size("S")
    keyframe = series.keyframe
    extras = [
        Dimension(
            name=dim,
            size=size,
            description=f"tifffile axis {dim!r} ({TIFF.AXES_NAMES.get(dim, 'unknown')})",
        )
        for dim, size in zip(structure.dims, structure.shape, strict=True)
        if dim not in _KNOWN_DIMS
    ]
    bits = getattr(keyframe, "bitspersample", None)
    return Image(
        # The file stores no series name: the OME convention Image:<index> identifies it
        # (flavours that do store one, LSM and STK, replace it).
        name=f"Image:{index}",
        series_index=index,
        file_format=file_format,
        reader=reader,
        axes="".join(structure.dims),
        size_t=structure.size("T"),
        size_c=structure.size("C"),
        size_z=structure.size("Z"),
        size_y=structure.size("Y"),
        size_x=structure.size("X"),
        samples_per_pixel=samples,
        extra_dimensions=extras or None,
        pixel_type=structure.dtype,
        significant_bits=int(bits) if isinstance(bits, int) and bits > 0 else None,
        resolution_levels=["x".join(str(n) for n in shape) for shape in structure.levels],
        channels=[
            Channel(channel_index=c, samples_per_pixel=samples) for c in range(structure.size("C"))
        ],
    )


# ---------------------------------------------------------------------- original metadata
def tags_json(tif: tifffile.TiffFile) -> str:
    """Every tag of the first page plus the flavour metadata, as JSON."""
    page = tif.pages.first
    document: dict[str, Any] = {
        "tags": {f"{tag.code} {tag.name}": tag.value for tag in page.tags},
    }
    for name in (
        "imagej_metadata",
        "lsm_metadata",
        "stk_metadata",
        "metaseries_metadata",
        "shaped_metadata",
        "fluoview_metadata",
        "micromanager_metadata",
    ):
        try:
            value = getattr(tif, name, None)
        except Exception as exc:  # noqa: BLE001 - a damaged private block must not hide the rest
            value = f"unreadable: {type(exc).__name__}: {exc}"
        if value:
            document[name] = value
    if tif.is_svs:
        try:
            document["svs_description"] = svs_description_metadata(page.description)
        except ValueError as exc:
            document["svs_description"] = f"unreadable: {exc}"
    return json.dumps(_clean(document), ensure_ascii=False, indent=1)


def _clean(value: Any) -> Any:
    """A JSON-ready copy: string keys, lists for arrays and tuples, text for the rest."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return _clean(_jsonable(value))


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, bytes):
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(value).decode("ascii")}
        return text if text.isprintable() else {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)
