"""The opened DICOM instance: header parsed up to the pixel data, frames decoded on demand.

Imported only when a DICOM file is opened (pydicom and numpy are heavy).
"""

from __future__ import annotations

import json
import math
import re
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from imagesteward.errors import CorruptFileError
from imagesteward.formats._base import SourceBase, region_index
from imagesteward.formats._dicom_frames import FrameIndex
from imagesteward.formats.reader import OriginalMetadata, ReadContext, Selection
from imagesteward.formats.safety import check_plausible_size
from imagesteward.model import (
    ArrayStructure,
    Attachment,
    Channel,
    Image,
    ImageAcquisition,
    Microscope,
    Objective,
    PhysicalQuantity,
    SeriesInfo,
    Software,
    length_to_micrometres,
)

__all__ = ["DicomSource"]

#: Values larger than this are not read while parsing the header (read on demand, if ever).
_DEFER = 1024 * 1024
_ILLUMINATION = {
    "brightfield illumination": ("Transmitted", "Brightfield"),
    "transmission illumination": ("Transmitted", "Brightfield"),
    "epifluorescence illumination": ("Epifluorescence", "Fluorescence"),
    "darkfield illumination": ("Transmitted", "Darkfield"),
    "phase contrast illumination": ("Transmitted", "Phase"),
    "differential interference contrast": ("Transmitted", "DIC"),
}


class DicomSource(SourceBase):
    """An opened DICOM file (one instance, one series)."""

    def __init__(self, path: Path, context: ReadContext) -> None:
        super().__init__(path)
        self._context = context
        self._size = path.stat().st_size
        self._handle: IO[bytes] = path.open("rb")
        self._on_close(self._handle.close)
        self._version = pydicom.__version__
        try:
            self._dataset: Dataset = pydicom.dcmread(
                self._handle, stop_before_pixels=True, defer_size=_DEFER, force=True
            )
        except InvalidDicomError as exc:
            self.close()
            raise CorruptFileError(path, f"is not a DICOM file: {exc}") from exc
        except (EOFError, OSError, ValueError, KeyError, struct.error) as exc:
            self.close()
            raise CorruptFileError(path, f"DICOM header cannot be parsed: {exc}") from exc
        self._pixel_offset = self._handle.tell()
        self._frames: FrameIndex | None = None
        self._json: bytes | None = None
        self._layout: dict[str, Any] = {}

    # ------------------------------------------------------------------ structure
    def _load_series(self) -> list[SeriesInfo]:
        ds = self._dataset
        if self._pixel_offset >= self._size:
            raise CorruptFileError(
                self.path,
                f"the data set ends at byte {self._size:,} without a Pixel Data "
                "element (truncated, or not an image object)",
            )
        if "TransferSyntaxUID" not in ds.file_meta:
            implicit, _little = ds.original_encoding
            ds.file_meta.TransferSyntaxUID = (
                ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
            )
        if "Rows" not in ds or "Columns" not in ds:
            raise CorruptFileError(self.path, "has no image (no Rows/Columns; not an image object)")
        rows, columns = int(ds.Rows), int(ds.Columns)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        if rows < 1 or columns < 1 or frames < 1 or samples < 1:
            raise CorruptFileError(
                self.path, f"declares an empty image ({frames} frames of {rows}x{columns})"
            )
        notes: list[str] = []
        dtype = self._dtype()
        wsi = "TotalPixelMatrixRows" in ds and "TotalPixelMatrixColumns" in ds
        if wsi:
            total_rows, total_columns = (
                int(ds.TotalPixelMatrixRows),
                int(ds.TotalPixelMatrixColumns),
            )
            paths = int(
                ds.get("NumberOfOpticalPaths", 0) or len(ds.get("OpticalPathSequence", [])) or 1
            )
            planes = int(ds.get("TotalPixelMatrixFocalPlanes", 1) or 1)
            dims: list[str] = (["C"] if paths > 1 else []) + (["Z"] if planes > 1 else [])
            shape = ([paths] if paths > 1 else []) + ([planes] if planes > 1 else [])
            dims += ["Y", "X"]
            shape += [total_rows, total_columns]
            self._layout = {
                "wsi": True,
                "paths": paths,
                "planes": planes,
                "rows": rows,
                "columns": columns,
                "total": (total_rows, total_columns),
            }
            notes.append(
                f"whole-slide image: {frames} frames of {rows}x{columns} assembled into the "
                f"{total_rows}x{total_columns} total pixel matrix "
                f"({ds.get('DimensionOrganizationType', 'TILED_SPARSE')})"
            )
        else:
            axis = "T" if frames > 1 and "FrameTime" in ds else "Z"
            dims = [axis] if frames > 1 else []
            shape = [frames] if frames > 1 else []
            dims += ["Y", "X"]
            shape += [rows, columns]
            self._layout = {"wsi": False, "axis": axis if frames > 1 else None}
            if frames > 1:
                notes.append(f"{frames} frames presented as {axis}")
        if samples > 1:
            dims.append("S")
            shape.append(samples)
        structure = ArrayStructure(
            dims=tuple(dims),
            shape=tuple(shape),
            dtype=dtype,
            chunks=tuple(
                rows if d == "Y" else columns if d == "X" else samples if d == "S" else 1
                for d in dims
            ),
        )
        check_plausible_size(
            self.path,
            [(frames, rows, columns, samples)],
            structure.itemsize,
            self._size,
            self._context,
        )
        check_plausible_size(
            self.path, [structure.shape], structure.itemsize, self._size, self._context
        )
        self._handle.seek(self._pixel_offset)
        self._frames = FrameIndex(self.path, self._handle, ds, self._size)
        if wsi:
            self._tile_positions(frames, notes)
        self._json = self._build_json()
        return [self._series(structure, notes)]

    def _dtype(self) -> str:
        ds = self._dataset
        bits = int(ds.get("BitsAllocated", 0) or 0)
        signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
        if "FloatPixelData" in ds:
            return "float32"
        if bits == 8:
            return "int8" if signed else "uint8"
        if bits == 16:
            return "int16" if signed else "uint16"
        if bits == 32:
            return "int32" if signed else "uint32"
        if bits == 64:
            return "float64" if "DoubleFloatPixelData" in ds else ("int64" if signed else "uint64")
        raise CorruptFileError(self.path, f"Bits Allocated {bits} is not a supported pixel size")

    def _tile_positions(self, frames: int, notes: list[str]) -> None:
        """Map (optical path, focal plane, tile row, tile column) to frame numbers."""
        ds = self._dataset
        layout = self._layout
        rows, columns = layout["rows"], layout["columns"]
        total_rows, total_columns = layout["total"]
        tiles_down = math.ceil(total_rows / rows)
        tiles_across = math.ceil(total_columns / columns)
        positions: dict[tuple[int, int, int, int], int] = {}
        if ds.get("DimensionOrganizationType") == "TILED_FULL":
            expected = layout["paths"] * layout["planes"] * tiles_down * tiles_across
            if expected != frames:
                raise CorruptFileError(
                    self.path,
                    f"TILED_FULL with {layout['paths']} optical paths, "
                    f"{layout['planes']} focal planes and {tiles_down}x{tiles_across} tiles "
                    f"needs {expected} frames but Number of Frames is {frames}",
                )
            number = 0
            for path in range(layout["paths"]):
                for plane in range(layout["planes"]):
                    for down in range(tiles_down):
                        for across in range(tiles_across):
                            positions[(path, plane, down, across)] = number
                            number += 1
        else:
            per_frame = ds.get("PerFrameFunctionalGroupsSequence")
            if per_frame is None or len(per_frame) != frames:
                raise CorruptFileError(
                    self.path,
                    "TILED_SPARSE image without a position for every frame "
                    "(PerFrameFunctionalGroupsSequence)",
                )
            path_ids = [
                str(p.get("OpticalPathIdentifier", i + 1))
                for i, p in enumerate(ds.get("OpticalPathSequence", []))
            ]
            z_values: list[float] = []
            entries = []
            for number, group in enumerate(per_frame):
                position = group.PlanePositionSlideSequence[0]
                row = int(position.RowPositionInTotalImagePixelMatrix) - 1
                column = int(position.ColumnPositionInTotalImagePixelMatrix) - 1
                z = float(position.get("ZOffsetInSlideCoordinateSystem", 0.0) or 0.0)
                ident = None
                if "OpticalPathIdentificationSequence" in group:
                    ident = str(group.OpticalPathIdentificationSequence[0].OpticalPathIdentifier)
                if z not in z_values:
                    z_values.append(z)
                entries.append((ident, z, row, column, number))
            z_values.sort()
            for ident, z, row, column, number in entries:
                if row % rows or column % columns:
                    raise CorruptFileError(
                        self.path,
                        f"frame {number + 1} is at ({row + 1}, {column + 1}), not on the tile grid",
                    )
                path = path_ids.index(ident) if ident in path_ids else 0
                plane = z_values.index(z) if layout["planes"] > 1 else 0
                positions[(path, plane, row // rows, column // columns)] = number
            notes.append("TILED_SPARSE: tile positions from the per-frame plane positions")
        layout["tiles"] = positions
        layout["grid"] = (tiles_down, tiles_across)

    def _series(self, structure: ArrayStructure, notes: list[str]) -> SeriesInfo:
        ds = self._dataset
        spacing, z_spacing = self._pixel_spacing(notes)
        # DICOM PixelSpacing is (row spacing = y, column spacing = x).
        as_stored = [
            PhysicalQuantity(axis_name=axis, value=v, unit="mm")
            for axis, v in zip(("x", "y"), reversed(spacing or []), strict=False)
        ]
        if z_spacing is not None:
            as_stored.append(PhysicalQuantity(axis_name="z", value=z_spacing, unit="mm"))
        date, written, tz_known = self._acquisition_date(notes)
        channels = self._channels(structure, notes)
        objective = self._objective()
        modes = {c.acquisition_mode for c in channels if c.acquisition_mode}
        software_text = _joined(ds.get("SoftwareVersions"))
        microscope = Microscope(
            manufacturer=_text(ds.get("Manufacturer")),
            model=_text(ds.get("ManufacturerModelName")),
            serial_number=_text(ds.get("DeviceSerialNumber")),
            instrument_name=_text(ds.get("StationName")),
            objectives=[objective] if objective else None,
        )
        acquisition = ImageAcquisition(
            acquisition_mode=modes.pop() if len(modes) == 1 else None,
            acquisition_date=date,
            acquisition_date_as_written=written,
            timezone_known=tz_known,
            microscope=microscope if microscope.model_dump(exclude_none=True) else None,
            objective=objective,
            acquisition_software=Software(version=software_text) if software_text else None,
        )
        if "TotalPixelMatrixOriginSequence" in ds:
            notes.append(
                "the total pixel matrix origin is in slide coordinates, not a stage position; "
                "kept in the original metadata only"
            )
        if structure.dims[-1] == "S" and str(ds.get("PhotometricInterpretation", "")).startswith(
            "YBR"
        ):
            notes.append(f"{ds.PhotometricInterpretation} pixels are converted to RGB when read")
        notes.append(
            "one DICOM instance holds one resolution level; other levels of a pyramid are "
            "separate files"
        )
        y, x = spacing if spacing else (None, None)
        size = dict(zip(structure.dims, structure.shape, strict=True))
        image = Image(
            name=_text(ds.get("SeriesDescription")),
            description=_text(ds.get("ImageComments")),
            series_index=0,
            file_format="dicom",
            reader=f"pydicom {self._version}",
            axes="".join(structure.dims),
            size_t=size.get("T", 1),
            size_c=size.get("C", 1),
            size_z=size.get("Z", 1),
            size_y=size["Y"],
            size_x=size["X"],
            samples_per_pixel=size.get("S", 1),
            pixel_type=structure.dtype,
            significant_bits=int(ds.BitsStored) if ds.get("BitsStored") else None,
            physical_size_x=length_to_micrometres(x, "mm"),
            physical_size_y=length_to_micrometres(y, "mm"),
            physical_size_z=length_to_micrometres(z_spacing, "mm"),
            physical_sizes_as_stored=as_stored or None,
            time_increment=_seconds_from_ms(ds.get("FrameTime")) if "T" in size else None,
            resolution_levels=["x".join(str(s) for s in structure.shape)],
            channels=channels,
            acquisition=acquisition,
            original_metadata=self._attachment(),
            capture_notes=notes or None,
        )
        return SeriesInfo(image=image, structure=structure, notes=list(notes))

    # ------------------------------------------------------------------ metadata
    def _pixel_spacing(self, notes: list[str]) -> tuple[list[float] | None, float | None]:
        ds = self._dataset
        measures = None
        shared = ds.get("SharedFunctionalGroupsSequence")
        if shared and "PixelMeasuresSequence" in shared[0]:
            measures = shared[0].PixelMeasuresSequence[0]
            source = "SharedFunctionalGroupsSequence > PixelMeasuresSequence"
        elif "PixelSpacing" in ds:
            measures = ds
            source = "Pixel Spacing"
        if measures is None or "PixelSpacing" not in measures:
            if "ImagerPixelSpacing" in ds:
                notes.append("Imager Pixel Spacing is at the detector, not the specimen; not used")
            return None, None
        spacing = [float(v) for v in measures.PixelSpacing]
        if len(spacing) != 2 or not all(v > 0 and math.isfinite(v) for v in spacing):
            notes.append(f"Pixel Spacing {spacing} is not usable")
            return None, None
        notes.append(f"pixel spacing from {source}, stored in mm (row, column); converted to µm")
        z_spacing = None
        between = measures.get("SpacingBetweenSlices")
        planes = (
            self._layout.get("planes", 1)
            if self._layout.get("wsi")
            else int(ds.get("NumberOfFrames", 1) or 1)
        )
        if between is not None and planes > 1 and float(between) > 0:
            z_spacing = float(between)
        thickness = measures.get("SliceThickness")
        if thickness is not None:
            notes.append(
                f"Slice Thickness {thickness} mm is the thickness of the imaged section, not a Z "
                "step; not used as physical_size_z"
            )
        return spacing, z_spacing

    def _acquisition_date(
        self, notes: list[str]
    ) -> tuple[datetime | None, str | None, bool | None]:
        ds = self._dataset
        written = _text(ds.get("AcquisitionDateTime"))
        if written is None and ds.get("AcquisitionDate"):
            written = f"{ds.AcquisitionDate}{ds.get('AcquisitionTime', '') or ''}"
        if written is None:
            if ds.get("ContentDate"):
                notes.append(
                    "no acquisition date; Content Date is when the image content was created "
                    "(possibly a conversion) and is not used"
                )
            return None, None, None
        parsed = _parse_dicom_datetime(written)
        if parsed is None:
            notes.append(f"acquisition date {written!r} is not a DICOM date-time; ignored")
            return None, written, None
        if parsed.tzinfo is None and ds.get("TimezoneOffsetFromUTC"):
            zone = _offset(str(ds.TimezoneOffsetFromUTC))
            if zone is not None:
                parsed = parsed.replace(tzinfo=zone)
                notes.append("time zone from Timezone Offset From UTC")
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC), written, True
        notes.append("acquisition date has no time zone: local wall-clock time")
        return parsed, written, False

    def _channels(self, structure: ArrayStructure, notes: list[str]) -> list[Channel]:
        ds = self._dataset
        paths = list(ds.get("OpticalPathSequence", []))
        samples = structure.size("S")
        count = structure.size("C")
        channels = []
        for index in range(count):
            path = paths[index] if index < len(paths) else None
            illumination = contrast = mode = None
            excitation = None
            if path is not None:
                codes = [
                    str(c.get("CodeMeaning", "")).lower()
                    for c in path.get("IlluminationTypeCodeSequence", [])
                ]
                for meaning in codes:
                    if meaning in _ILLUMINATION:
                        illumination, contrast = _ILLUMINATION[meaning]
                if contrast == "Brightfield":
                    mode = "BrightField"
                elif contrast == "Fluorescence":
                    mode = "WideField"
                wavelength = path.get("IlluminationWaveLength")
                if wavelength is not None and float(wavelength) > 0:
                    excitation = float(wavelength)
            channels.append(
                Channel(
                    channel_index=index,
                    name=_text(path.get("OpticalPathDescription")) if path is not None else None,
                    samples_per_pixel=samples,
                    excitation_wavelength=excitation,
                    illumination_type=illumination,
                    contrast_method=contrast,
                    acquisition_mode=mode,
                )
            )
        if paths and all(c.name is None for c in channels):
            notes.append(
                "optical paths have no description; channels left unnamed (the optical path "
                "identifier is a number, not a name)"
            )
        return channels

    def _objective(self) -> Objective | None:
        paths = list(self._dataset.get("OpticalPathSequence", []))
        if not paths:
            return None
        path = paths[0]
        power = path.get("ObjectiveLensPower")
        na = path.get("ObjectiveLensNumericalAperture")
        if power is None and na is None:
            return None
        return Objective(
            nominal_magnification=float(power) if power and float(power) > 0 else None,
            lens_na=float(na) if na and float(na) > 0 else None,
        )

    # ------------------------------------------------------------------ original metadata
    def _build_json(self) -> bytes:
        def bulk(element: Any) -> str:
            return f"bulk data ({element.tag}, {element.VR}) not included"

        document = self._dataset.to_json_dict(
            bulk_data_threshold=_DEFER, bulk_data_element_handler=bulk
        )
        meta = self._dataset.file_meta.to_json_dict(
            bulk_data_threshold=_DEFER, bulk_data_element_handler=bulk
        )
        return json.dumps(
            {"file_meta": meta, "dataset": document}, ensure_ascii=False, indent=1
        ).encode("utf-8")

    def _attachment(self) -> Attachment:
        assert self._json is not None
        return self._original().attachment(
            "DICOM data set as DICOM JSON (PS3.18 F.2), without the pixel data"
        )

    def original_metadata(self) -> OriginalMetadata | None:
        """The data set as DICOM JSON, file meta information included, pixel data excluded."""
        if self._json is None:
            _ = self.series
        return self._original()

    def _original(self) -> OriginalMetadata:
        assert self._json is not None
        return OriginalMetadata(f"{self.path.name}.json", "application/dicom+json", self._json)

    # ------------------------------------------------------------------ pixels
    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        """Read a region; only the frames (tiles) it intersects are decoded."""
        info = self.series[series]
        if level != 0:
            raise IndexError(f"{self.path}: a DICOM instance has one resolution level, not {level}")
        structure = info.structure
        index = region_index(structure, selection)
        assert self._frames is not None
        positions = {
            d: ([i % n] if isinstance(i, int) else list(range(*i.indices(n))))
            for d, i, n in zip(structure.dims, index, structure.shape, strict=True)
        }
        if any(not p for p in positions.values()):
            shape = tuple(
                len(positions[d])
                for d, i in zip(structure.dims, index, strict=True)
                if not isinstance(i, int)
            )
            return np.empty(shape, dtype=structure.dtype)
        if self._layout.get("wsi"):
            full = self._read_wsi(structure, positions)
        else:
            full = self._read_frames(structure, positions)
        if "S" in positions:
            full = full[..., min(positions["S"]) : max(positions["S"]) + 1]
        # ``full`` covers the bounding box of the selection; apply the exact selection to it.
        take: list[int | slice | list[int]] = []
        for d, i in zip(structure.dims, index, strict=True):
            lo = min(positions[d])
            relative = [p - lo for p in positions[d]]
            take.append(relative[0] if isinstance(i, int) else _as_slice(relative))
        return np.array(full[tuple(take)], order="C")

    def _read_frames(
        self, structure: ArrayStructure, positions: dict[str, list[int]]
    ) -> np.ndarray:
        assert self._frames is not None
        axis = self._layout.get("axis")
        frame_numbers = positions[axis] if axis else [0]
        lo, hi = min(frame_numbers), max(frame_numbers)
        y0, y1 = min(positions["Y"]), max(positions["Y"]) + 1
        x0, x1 = min(positions["X"]), max(positions["X"]) + 1
        # Frames between the wanted ones (a stepped selection) stay zero and are never decoded.
        frame_shape = _frame_shape(structure)
        box = (hi - lo + 1, y1 - y0, x1 - x0, *frame_shape[2:])
        stacked = np.zeros(box, dtype=structure.dtype)
        wanted = set(frame_numbers)
        for number in range(lo, hi + 1):
            if number in wanted:
                frame = self._frames.decode(number).reshape(frame_shape)
                stacked[number - lo] = frame[y0:y1, x0:x1]
        return stacked if axis else stacked[0]

    def _read_wsi(self, structure: ArrayStructure, positions: dict[str, list[int]]) -> np.ndarray:
        assert self._frames is not None
        layout = self._layout
        rows, columns = layout["rows"], layout["columns"]
        y0, y1 = min(positions["Y"]), max(positions["Y"]) + 1
        x0, x1 = min(positions["X"]), max(positions["X"]) + 1
        paths = positions.get("C", [0])
        planes = positions.get("Z", [0])
        c_range = range(min(paths), max(paths) + 1)
        z_range = range(min(planes), max(planes) + 1)
        samples = structure.size("S")
        out = np.zeros(
            (len(c_range), len(z_range), y1 - y0, x1 - x0, samples), dtype=structure.dtype
        )
        tiles = layout["tiles"]
        for ci, c in enumerate(c_range):
            if c not in paths:
                continue
            for zi, z in enumerate(z_range):
                if z not in planes:
                    continue
                for down in range(y0 // rows, (y1 - 1) // rows + 1):
                    for across in range(x0 // columns, (x1 - 1) // columns + 1):
                        number = tiles.get((c, z, down, across))
                        if number is None:
                            continue
                        tile = self._frames.decode(number).reshape(rows, columns, samples)
                        ty0, tx0 = down * rows, across * columns
                        sy0, sy1 = max(y0, ty0), min(y1, ty0 + rows)
                        sx0, sx1 = max(x0, tx0), min(x1, tx0 + columns)
                        out[ci, zi, sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = tile[
                            sy0 - ty0 : sy1 - ty0, sx0 - tx0 : sx1 - tx0
                        ]
        if "Z" not in structure.dims:
            out = out[:, 0]
        if "C" not in structure.dims:
            out = out[0]
        if "S" not in structure.dims:
            out = out[..., 0]
        return out


def _frame_shape(structure: ArrayStructure) -> tuple[int, ...]:
    return tuple(structure.size(d) for d in ("Y", "X", "S") if d in structure.dims)


def _as_slice(relative: list[int]) -> slice:
    if len(relative) == 1:
        return slice(relative[0], relative[0] + 1)
    step = relative[1] - relative[0]
    stop = relative[-1] + step
    return slice(relative[0], stop if stop >= 0 else None, step)


def _joined(value: Any) -> str | None:
    """A possibly multi-valued element as one string (values separated by a space)."""
    if value is None:
        return None
    if isinstance(value, str | bytes):
        return _text(value)
    try:
        return _text(" ".join(str(v) for v in value))
    except TypeError:
        return _text(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _seconds_from_ms(value: Any) -> float | None:
    try:
        seconds = float(value) / 1000.0
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 and math.isfinite(seconds) else None


def _offset(text: str) -> timezone | None:
    match = re.fullmatch(r"([+-])(\d{2})(\d{2})", text.strip())
    if not match:
        return None
    sign = 1 if match.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def _parse_dicom_datetime(text: str) -> datetime | None:
    """A DICOM DT (``YYYYMMDDHHMMSS.FFFFFF&ZZXX``, trailing components optional)."""
    match = re.fullmatch(
        r"(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,6}))?([+-]\d{4})?",
        text.strip(),
    )
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        parsed = datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError:
        return None
    if zone:
        tz = _offset(zone)
        if tz is not None:
            parsed = parsed.replace(tzinfo=tz)
    return parsed
