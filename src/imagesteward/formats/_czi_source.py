"""The opened CZI file: scenes as series, metadata from the XML, pixels through czifile.

Imported only when a CZI file is opened (czifile and numpy are heavy).
"""

from __future__ import annotations

import math
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import czifile
import numpy as np
from czifile import CziFile, CziImage

from imagesteward.errors import CorruptFileError, ImplausibleSizeError
from imagesteward.formats._base import SourceBase, region_index
from imagesteward.formats._czi_metadata import (
    CziDocument,
    parse_iso_datetime,
    scaling_to_micrometres,
)
from imagesteward.formats.reader import OriginalMetadata, ReadContext, Selection
from imagesteward.formats.safety import check_plausible_size, parse_xml
from imagesteward.model import (
    ArrayStructure,
    Attachment,
    Dimension,
    Image,
    ImageAcquisition,
    PhysicalQuantity,
    SeriesInfo,
    StagePosition,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["CziSource"]

#: Dimensions other than T, C, Z, Y, X, S, with what they mean (ZISRAW specification).
_EXTRA_DIMS = {
    "H": "phase (Airyscan detector element)",
    "R": "rotation",
    "I": "illumination",
    "V": "view",
    "B": "block (deprecated acquisition block)",
}
#: Hard limit on subblock metadata XML, which is parsed for times and stage positions.
_SUBBLOCK_XML_LIMIT = 1024 * 1024


class CziSource(SourceBase):
    """An opened CZI file; scenes become series."""

    def __init__(self, path: Path, context: ReadContext) -> None:
        super().__init__(path)
        self._context = context
        self._size = path.stat().st_size
        if self._size < 32 + 80:
            raise CorruptFileError(
                path, f"is {self._size} bytes, shorter than the 112-byte CZI file header"
            )
        try:
            self._czi: CziFile = czifile.CziFile(path, squeeze=False)
        except czifile.CziFileError as exc:
            raise CorruptFileError(path, f"is not a readable CZI file: {exc}") from exc
        self._on_close(self._czi.close)
        self._xml: bytes | None = None
        self._root: Element | None = None
        self._scenes: list[tuple[int | None, CziImage]] = []
        self._version = czifile.__version__

    # ------------------------------------------------------------------ structure
    def _check_segments(self) -> None:
        header = self._czi.header
        for what, position in (
            ("metadata segment", header.metadata_position),
            ("subblock directory", header.directory_position),
            ("attachment directory", header.attachment_directory_position),
        ):
            if position and not 0 < position < self._size:
                raise CorruptFileError(
                    self.path,
                    f"the file header places the {what} at byte {position:,} but the file "
                    f"has only {self._size:,} bytes (truncated?)",
                    offset=position,
                )
        if not header.directory_position:
            raise CorruptFileError(self.path, "the file header names no subblock directory")

    def _read_xml(self) -> bytes:
        segment = self._czi.metadata_segment
        if segment is None:
            raise CorruptFileError(self.path, "has no ZISRAWMETADATA segment (no metadata XML)")
        size = segment.xml_size
        if size <= 0 or segment.xml_offset + size > self._size:
            raise CorruptFileError(
                self.path,
                f"metadata XML of {size:,} bytes at byte {segment.xml_offset:,} runs past the "
                f"end of the file ({self._size:,} bytes)",
            )
        if size > self._context.max_metadata_bytes:
            raise ImplausibleSizeError(
                self.path,
                f"metadata XML is {size:,} bytes, over the limit of "
                f"{self._context.max_metadata_bytes:,} (setting max_metadata_bytes)",
            )
        with self.path.open("rb") as handle:
            handle.seek(segment.xml_offset)
            data = handle.read(size)
        # ZEN pads the segment with NUL bytes after the document.
        return data.rstrip(b"\x00")

    def _load_series(self) -> list[SeriesInfo]:
        self._check_segments()
        self._xml = self._read_xml()
        # Refuse DTDs and entities before czifile (which uses the stdlib parser) sees the XML.
        self._root = parse_xml(self._xml, self.path, self._context)
        entries = self._czi.subblock_directory
        if not entries:
            raise CorruptFileError(self.path, "the subblock directory lists no image subblocks")
        for number, entry in enumerate(entries):
            end = entry.file_position + 32
            if not 0 < end <= self._size:
                raise CorruptFileError(
                    self.path,
                    f"subblock {number} is placed at byte {entry.file_position:,}, beyond the "
                    f"end of the file ({self._size:,} bytes; truncated?)",
                    offset=entry.file_position,
                )
        scenes = self._czi.scenes
        keys = list(scenes.keys())
        self._scenes = [(key, scenes[key]) for key in keys]
        shapes = [tuple(image.shape) for _, image in self._scenes]
        itemsize = max(image.dtype.itemsize for _, image in self._scenes)
        check_plausible_size(self.path, shapes, itemsize, self._size, self._context)
        explicit = any(image.scene_indices for _, image in self._scenes)
        return [
            self._series(index, key if explicit else None, image)
            for index, (key, image) in enumerate(self._scenes)
        ]

    @staticmethod
    def _dims(image: CziImage) -> list[str]:
        """Our axes: T, C, Z always, then extra dimensions larger than one, Y, X, and S for RGB."""
        sizes = image.sizes
        extras = [d for d in sizes if d not in ("T", "C", "Z", "Y", "X", "S") and sizes[d] > 1]
        return ["T", "C", "Z", *extras, "Y", "X"] + (["S"] if sizes.get("S", 1) > 1 else [])

    def _series(self, index: int, scene: int | None, image: CziImage) -> SeriesInfo:
        assert self._root is not None
        notes: list[str] = []
        document = CziDocument(self._root, notes)
        sizes = image.sizes
        dims = self._dims(image)
        shape = tuple(sizes.get(d, 1) for d in dims)
        levels = tuple(tuple(level.sizes.get(d, 1) for d in dims) for level in image.levels)
        chunk_sizes = image.subblock_sizes
        chunks = tuple(
            chunk_sizes.get(d, 1) if d in ("Y", "X") else (sizes[d] if d == "S" else 1)
            for d in dims
        )
        structure = ArrayStructure(
            dims=tuple(dims),
            shape=shape,
            dtype=image.dtype.name,
            levels=levels,
            chunks=chunks,
        )
        extra = [
            Dimension(name=d, size=sizes[d], description=_EXTRA_DIMS.get(d, "CZI dimension"))
            for d in dims
            if d not in ("T", "C", "Z", "Y", "X", "S")
        ]
        for dimension in extra:
            notes.append(
                f"{dimension.description} dimension {dimension.name}={dimension.size} kept as an "
                "extra dimension; every plane is readable"
            )
        scaling = document.scaling_metres()
        physical = {axis: scaling_to_micrometres(scaling.get(axis)) for axis in ("X", "Y", "Z")}
        as_stored = [
            PhysicalQuantity(axis_name=axis.lower(), value=scaling[axis], unit="m")
            for axis in ("X", "Y", "Z")
            if axis in scaling
        ]
        if scaling:
            notes.append("CZI scaling is stored in metres (x, y, z); converted to µm")
        if "Z" in scaling and sizes.get("Z", 1) == 1:
            notes.append(
                "physical_size_z is the Z scaling ZEN recorded for this single-plane image "
                "(its optical section setting), not a step between planes"
            )
        if sizes.get("S", 1) > 1:
            notes.append("CZI stores colour as BGR; czifile returns the samples as RGB")
        channels = document.channels(sizes.get("C", 1))
        if sizes.get("S", 1) > 1:
            channels = [c.model_copy(update={"samples_per_pixel": sizes["S"]}) for c in channels]
        date, written = document.acquisition_date()
        if date is not None and date.tzinfo is not None:
            date = date.astimezone(UTC)
        objective, refractive_index = document.used_objective()
        modes = {c.acquisition_mode for c in channels if c.acquisition_mode}
        stage = self._stage_position(image, notes) or document.scene_position_um(scene)
        acquisition = ImageAcquisition(
            acquisition_mode=modes.pop() if len(modes) == 1 else None,
            acquisition_date=date,
            acquisition_date_as_written=written,
            timezone_known=None if date is None else date.tzinfo is not None,
            microscope=document.microscope(),
            objective=objective,
            immersion_refractive_index=refractive_index,
            stage_position=stage,
            acquisition_software=document.software(),
        )
        name = document.scene_name(scene, self.path.stem)
        image_model = Image(
            name=name,
            series_index=index,
            file_format="czi",
            reader=f"czifile {self._version}",
            axes="".join(dims),
            size_t=sizes.get("T", 1),
            size_c=sizes.get("C", 1),
            size_z=sizes.get("Z", 1),
            size_y=sizes["Y"],
            size_x=sizes["X"],
            samples_per_pixel=sizes.get("S", 1),
            extra_dimensions=extra or None,
            pixel_type=image.dtype.name,
            significant_bits=document.significant_bits,
            physical_size_x=physical["X"],
            physical_size_y=physical["Y"],
            physical_size_z=physical["Z"],
            physical_sizes_as_stored=as_stored or None,
            time_increment=self._time_increment(image, notes),
            resolution_levels=["x".join(str(n) for n in level) for level in levels],
            channels=channels,
            acquisition=acquisition,
            original_metadata=self._attachment(),
            capture_notes=notes or None,
        )
        return SeriesInfo(image=image_model, structure=structure, notes=list(notes))

    def _attachment(self) -> Attachment:
        assert self._xml is not None
        return OriginalMetadata(f"{self.path.name}.xml", "application/xml", self._xml).attachment(
            "CZI metadata segment (ZEN ImageDocument XML), verbatim"
        )

    # ------------------------------------------------------------------ subblock metadata
    def _first_entries(self, image: CziImage, vary: str | None) -> list[Any]:
        """Directory entries of the first plane, one per value of ``vary`` (sorted)."""
        raw_dims = list(image._raw_sizes)
        start = dict(zip(raw_dims, image._start, strict=True))
        chosen: dict[int, Any] = {}
        for entry in image.directory_entries:
            coords = dict(zip(entry.dims, entry.start, strict=True))
            if any(
                coords.get(d, start[d]) != start[d]
                for d in raw_dims
                if d not in ("Y", "X", "S") and d != vary
            ):
                continue
            key = coords.get(vary, 0) if vary else 0
            if key not in chosen or entry.mosaic_index < chosen[key].mosaic_index:
                chosen[key] = entry
        return [chosen[k] for k in sorted(chosen)]

    def _subblock_tags(self, entry: Any) -> Any | None:
        """The ``METADATA/Tags`` element of a subblock, parsed safely; None if absent."""
        try:
            segment = entry.read_segment_data(self._czi)
            size = getattr(segment, "metadata_size", 0)
            if size and size > _SUBBLOCK_XML_LIMIT:
                return None
            text = segment.metadata()
        except Exception:  # noqa: BLE001 - optional metadata; the pixels are checked elsewhere
            return None
        if not isinstance(text, str) or not text.strip():
            return None
        limited = ReadContext(max_metadata_bytes=_SUBBLOCK_XML_LIMIT)
        root = parse_xml(text, self.path, limited)
        return root.find("Tags")

    def _time_increment(self, image: CziImage, notes: list[str]) -> float | None:
        size_t = image.sizes.get("T", 1)
        if size_t < 2:
            return None
        entries = self._first_entries(image, "T")
        if len(entries) < 2:
            return None
        times = []
        for entry in (entries[0], entries[-1]):
            tags = self._subblock_tags(entry)
            text = tags.findtext("AcquisitionTime") if tags is not None else None
            when = parse_iso_datetime(text) if text else None
            if when is None:
                break
            times.append(when)
        if len(times) == 2 and (times[0].tzinfo is None) == (times[1].tzinfo is None):
            increment = (times[1] - times[0]).total_seconds() / (len(entries) - 1)
            if increment > 0 and math.isfinite(increment):
                notes.append(
                    "time_increment from the subblock acquisition times of the first and last "
                    f"time point ({increment:.6f} s), not from the planned interval"
                )
                return increment
        return None

    def _stage_position(self, image: CziImage, notes: list[str]) -> StagePosition | None:
        entries = self._first_entries(image, None)
        if not entries:
            return None
        tags = self._subblock_tags(entries[0])
        if tags is None:
            return None

        def value(tag: str) -> float | None:
            text = tags.findtext(tag)
            try:
                number = float(text) if text else None
            except ValueError:
                return None
            return number if number is not None and math.isfinite(number) else None

        x, y, z = value("StageXPosition"), value("StageYPosition"), value("FocusPosition")
        if x is None and y is None:
            return None
        notes.append("stage position from the first subblock's metadata (µm)")
        return StagePosition(position_x=x, position_y=y, position_z=z)

    # ------------------------------------------------------------------ access
    def original_metadata(self) -> OriginalMetadata | None:
        """The metadata segment's XML, byte for byte."""
        if self._xml is None:
            _ = self.series
        assert self._xml is not None
        return OriginalMetadata(
            name=f"{self.path.name}.xml", media_type="application/xml", content=self._xml
        )

    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        """Read a region; only the subblocks that intersect it are decoded.

        czifile is asked for the bounding box of the selection in absolute CZI coordinates; its
        answer spans only the coordinates that subblocks cover, so it is placed into a
        zero-filled box (CZI's fill value) before the exact selection (steps, order) is applied.
        """
        info = self.series[series]
        _, image = self._scenes[series]
        if not 0 <= level < len(image.levels):
            raise IndexError(f"{self.path}: series {series} has no resolution level {level}")
        structure = info.structure
        if level:
            structure = ArrayStructure(structure.dims, structure.levels[level], structure.dtype)
            image = image.levels[level]
        index = region_index(structure, selection)
        raw_dims = list(image._raw_sizes)
        start = dict(zip(raw_dims, image._start, strict=True))
        positions = {
            d: [i % n] if isinstance(i, int) else list(range(*i.indices(n)))
            for d, i, n in zip(structure.dims, index, structure.shape, strict=True)
        }
        kept_shape = tuple(
            len(positions[d])
            for d, i in zip(structure.dims, index, strict=True)
            if not isinstance(i, int)
        )
        if 0 in kept_shape:
            return np.empty(kept_shape, dtype=structure.dtype)
        low = {d: min(p) for d, p in positions.items()}
        box = tuple(max(p) - min(p) + 1 for p in positions.values())
        kwargs: dict[str, Any] = {}
        for dim in raw_dims:
            if dim in ("Y", "X", "S"):
                continue
            if dim in positions:
                lo, hi = low[dim], low[dim] + box[structure.dims.index(dim)]
                kwargs[dim] = (
                    start[dim] + lo if hi - lo == 1 else slice(start[dim] + lo, start[dim] + hi)
                )
            else:
                kwargs[dim] = start[dim]
        x0, y0, *_ = image.bbox
        roi = (
            x0 + low["X"],
            y0 + low["Y"],
            box[structure.dims.index("X")],
            box[structure.dims.index("Y")],
        )
        out = np.zeros(box, dtype=structure.dtype)
        try:
            view = image(roi=roi, **kwargs)
        except ValueError as exc:
            if "matches no subblocks" not in str(exc):
                raise
            view = None  # nothing stored there: CZI's fill value
        if view is not None:
            data = view.asarray(maxworkers=1)
            self._place(
                out, data, view, structure.dims, {d: start[d] + low[d] for d in low if d in start}
            )
        take = tuple(
            0 if isinstance(i, int) else slice(positions[d][0] - low[d], None, i.indices(n)[2])
            for d, i, n in zip(structure.dims, index, structure.shape, strict=True)
        )
        return np.array(out[take], order="C")

    @staticmethod
    def _place(
        out: np.ndarray,
        data: np.ndarray,
        view: CziImage,
        dims: tuple[str, ...],
        origin: dict[str, int],
    ) -> None:
        """Copy czifile's answer (its own axes and origin) into our zero-filled box.

        ``origin`` is the absolute CZI coordinate of the box's first element along each
        non-spatial axis.
        """
        view_dims = list(view.dims)
        view_start = dict(zip(view_dims, view.start, strict=True))
        data = data[tuple(slice(None) if d in dims else 0 for d in view_dims)]
        present = [d for d in view_dims if d in dims]
        ordered = [d for d in dims if d in present]
        data = data.transpose([present.index(d) for d in ordered])
        data = data.reshape([data.shape[ordered.index(d)] if d in ordered else 1 for d in dims])
        target = []
        for k, dim in enumerate(dims):
            offset = 0
            if dim in present and dim not in ("Y", "X", "S"):
                offset = view_start[dim] - origin[dim]
            target.append(slice(offset, offset + data.shape[k]))
        out[tuple(target)] = data
