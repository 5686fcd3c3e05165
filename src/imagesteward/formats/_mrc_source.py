"""The opened MRC file: header checked against the file size, data memory-mapped by mrcfile.

Imported only when an MRC file is opened (mrcfile and numpy are heavy).
"""

from __future__ import annotations

import base64
import json
import math
import warnings
from pathlib import Path
from typing import Any

import mrcfile
import numpy as np

from imagesteward.errors import CorruptFileError, UnsupportedFormatError
from imagesteward.formats._base import SourceBase, region_index
from imagesteward.formats._mrc import HEADER_SIZE, MrcHeader
from imagesteward.formats.reader import OriginalMetadata, ReadContext, Selection
from imagesteward.formats.safety import check_plausible_size
from imagesteward.model import (
    ArrayStructure,
    Channel,
    Image,
    PhysicalQuantity,
    SeriesInfo,
    length_to_micrometres,
)

__all__ = ["MrcSource"]

_EXTENDED_INLINE_LIMIT = 64 * 1024


class MrcSource(SourceBase):
    """An opened MRC file (one series)."""

    def __init__(self, path: Path, context: ReadContext) -> None:
        super().__init__(path)
        self._context = context
        self._size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(HEADER_SIZE)
        if len(head) < HEADER_SIZE:
            raise CorruptFileError(
                path, f"is {len(head)} bytes, shorter than the {HEADER_SIZE}-byte MRC header"
            )
        header = MrcHeader.parse(head)
        if header is None:
            raise CorruptFileError(path, "has no valid MRC header (unknown mode or width)")
        nx, ny, nz = header.nx, header.ny, header.nz
        if min(nx, ny, nz) < 1:
            raise CorruptFileError(path, f"MRC header declares {nx}x{ny}x{nz} voxels")
        if header.nsymbt < 0:
            raise CorruptFileError(
                path, f"MRC header declares a negative extended header ({header.nsymbt})"
            )
        # Believe no header before the bytes are there: refuse absurd sizes, then truncation.
        check_plausible_size(path, [(header.data_bytes,)], 1, self._size, context)
        end = header.data_offset + header.data_bytes
        if end > self._size:
            raise CorruptFileError(
                path,
                f"header declares {nx}x{ny}x{nz} voxels of mode {header.mode} "
                f"({header.data_bytes:,} bytes from byte {header.data_offset:,}) but the file "
                f"ends at byte {self._size:,} (truncated)",
            )
        self._version = mrcfile.__version__
        # Mode 101 packs two 4-bit samples per byte and cannot be memory-mapped.
        opener = mrcfile.open if header.mode == 101 else mrcfile.mmap
        # Permissive: old-style headers without 'MAP ' are valid input; mrcfile's complaints
        # become capture notes instead of failures.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                self._mrc = opener(path, mode="r", permissive=True)
            except (ValueError, OSError) as exc:
                raise CorruptFileError(path, f"is not a readable MRC file: {exc}") from exc
        self._on_close(self._mrc.close)
        self._warnings = [
            f"mrcfile: {w.message}" for w in caught if issubclass(w.category, RuntimeWarning)
        ]
        if self._mrc.data is None:
            self.close()
            raise CorruptFileError(path, "mrcfile could not map the data block")
        self._original: bytes | None = None

    # ------------------------------------------------------------------ structure
    def _load_series(self) -> list[SeriesInfo]:
        mrc = self._mrc
        header = mrc.header
        data = mrc.data
        notes: list[str] = list(self._warnings)
        if data.dtype.kind == "c":
            notes.append(f"complex data (mode {int(header.mode)}), as mrcfile returns it")
        if mrc.is_volume_stack():
            dims: tuple[str, ...] = ("T", "Z", "Y", "X")
            notes.append("volume stack (space group >= 401): volumes along T")
        elif data.ndim == 3:
            dims = self._volume_dims(header, notes) if mrc.is_volume() else ("Z", "Y", "X")
            if mrc.is_image_stack():
                notes.append(
                    "image stack (space group 0): the sections are separate images, presented "
                    "along Z without a Z calibration"
                )
        elif data.ndim == 2:
            dims = ("Y", "X")
        else:
            raise UnsupportedFormatError(self.path, f"MRC data with {data.ndim} dimensions")
        structure = ArrayStructure(
            dims=dims,
            shape=tuple(int(s) for s in data.shape),
            dtype=data.dtype.newbyteorder("=").name,
            chunks=tuple(
                1 if d in ("T", "Z") else int(s) for d, s in zip(dims, data.shape, strict=True)
            ),
        )
        physical, stored = self._voxel_size(notes)
        if mrc.is_image_stack():
            physical["Z"] = None
            stored = stored[:2]
        size = dict(zip(structure.dims, structure.shape, strict=True))
        self._original = self._build_original()
        image = Image(
            series_index=0,
            file_format="mrc",
            reader=f"mrcfile {self._version}",
            axes="".join(structure.dims),
            size_t=size.get("T", 1),
            size_c=1,
            size_z=size.get("Z", 1),
            size_y=size["Y"],
            size_x=size["X"],
            samples_per_pixel=1,
            pixel_type=structure.dtype,
            physical_size_x=physical["X"],
            physical_size_y=physical["Y"],
            physical_size_z=physical["Z"] if "Z" in size else None,
            physical_sizes_as_stored=stored or None,
            resolution_levels=["x".join(str(s) for s in structure.shape)],
            channels=[Channel(channel_index=0)],
            original_metadata=OriginalMetadata(
                f"{self.path.name}.json", "application/json", self._original
            ).attachment("every MRC header field and the extended header, as JSON"),
            capture_notes=notes or None,
        )
        return [SeriesInfo(image=image, structure=structure, notes=list(notes))]

    def _volume_dims(self, header: Any, notes: list[str]) -> tuple[str, ...]:
        names = {1: "X", 2: "Y", 3: "Z"}
        order = (int(header.maps), int(header.mapr), int(header.mapc))
        if sorted(order) != [1, 2, 3]:
            notes.append(
                f"MAPS/MAPR/MAPC {order} are not a permutation of 1, 2, 3; read as Z, Y, X"
            )
            return ("Z", "Y", "X")
        dims = tuple(names[a] for a in order)
        if dims != ("Z", "Y", "X"):
            notes.append(
                f"sections, rows and columns are along {', '.join(dims)} (MAPS/MAPR/MAPC "
                f"{order}); axes kept in storage order"
            )
        return dims

    def _voxel_size(
        self, notes: list[str]
    ) -> tuple[dict[str, float | None], list[PhysicalQuantity]]:
        header = self._mrc.header
        physical: dict[str, float | None] = {"X": None, "Y": None, "Z": None}
        stored: list[PhysicalQuantity] = []
        for axis, cell, samples in (
            ("X", header.cella.x, header.mx),
            ("Y", header.cella.y, header.my),
            ("Z", header.cella.z, header.mz),
        ):
            if int(samples) <= 0 or not float(cell) > 0:
                continue
            # The header holds float32; its shortest decimal form is what the writer meant.
            step = float(str(np.float32(float(cell) / int(samples))))
            physical[axis] = length_to_micrometres(step, "Å")
            stored.append(PhysicalQuantity(axis_name=axis.lower(), value=step, unit="Å"))
        if stored:
            notes.append("voxel size = CELLA / MX (x, y, z) in Å, converted to µm")
        else:
            notes.append("CELLA or MX is zero: the map carries no voxel size")
        return physical, stored

    # ------------------------------------------------------------------ original metadata
    def _build_original(self) -> bytes:
        header = self._mrc.header
        fields: dict[str, Any] = {}
        for name in header.dtype.names:
            fields[name] = _plain(header[name])
        fields["label"] = [
            _plain(label) for label in header.label[: max(0, min(int(header.nlabl), 10))]
        ]
        extended = self._mrc.extended_header
        info: dict[str, Any] = {
            "exttyp": _plain(header.exttyp),
            "nsymbt": int(header.nsymbt),
            "size_bytes": int(extended.nbytes) if extended is not None else 0,
        }
        if extended is not None and extended.nbytes:
            if extended.dtype.names:
                info["records"] = [
                    {name: _plain(record[name]) for name in extended.dtype.names}
                    for record in extended.ravel()[:10000]
                ]
            elif extended.nbytes <= _EXTENDED_INLINE_LIMIT:
                info["base64"] = base64.b64encode(extended.tobytes()).decode("ascii")
            else:
                info["note"] = "extended header larger than 64 KiB; not inlined"
        document = {
            "mrcfile_version": self._version,
            "byte_order": self._mrc.header.mode.dtype.byteorder,
            "header": fields,
            "voxel_size_angstrom": _plain(self._mrc.voxel_size),
            "is_volume": bool(self._mrc.is_volume()),
            "is_image_stack": bool(self._mrc.is_image_stack()),
            "is_volume_stack": bool(self._mrc.is_volume_stack()),
            "extended_header": info,
        }
        return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")

    def original_metadata(self) -> OriginalMetadata | None:
        """Every header field and the extended header, as JSON (the header itself is binary)."""
        if self._original is None:
            _ = self.series
        assert self._original is not None
        return OriginalMetadata(
            name=f"{self.path.name}.json", media_type="application/json", content=self._original
        )

    # ------------------------------------------------------------------ pixels
    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        """Read a region: only the touched sections of the memory map are paged in."""
        info = self.series[series]
        if level != 0:
            raise IndexError(f"{self.path}: MRC files have one resolution level, not {level}")
        index = region_index(info.structure, selection)
        region = self._mrc.data[index]
        return np.array(region, dtype=region.dtype.newbyteorder("="))


def _plain(value: Any) -> Any:
    """A header value as JSON: numbers, strings (decoded bytes), lists."""
    if isinstance(value, bytes):
        return value.decode("latin-1").rstrip("\x00 ")
    if hasattr(value, "dtype") and getattr(value.dtype, "names", None):
        return {name: _plain(value[name]) for name in value.dtype.names}
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
