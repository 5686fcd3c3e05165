"""Pixels described by OME-XML: planes in TIFF files (TiffData) or inline (BinData).

One source serves three layouts: an OME-TIFF whose own XML describes its IFDs, a multi-file set
tied together by ``UUID FileName`` references (from an OME-TIFF or a companion ``*.ome`` file),
and a standalone OME-XML carrying base64 ``BinData`` or nothing at all (metadata only).

Security: every file name found in the XML goes through
:func:`~imagesteward.formats.safety.resolve_reference` before anything is opened, and tifffile is
never allowed to follow OME-XML names on its own (``_multifile=False``; its OME series parser is
never used here). The plane map is built from the XML by this module.
"""

from __future__ import annotations

import bz2
import math
import re
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import tifffile
from numpy.typing import NDArray

from imagesteward.errors import CorruptFileError, FormatError, ImplausibleSizeError
from imagesteward.formats._base import SourceBase, region_index
from imagesteward.formats._ome import OmeLayout, map_ome_images, pixels_layout
from imagesteward.formats._ome_instrument import enum_value
from imagesteward.formats._tiff_pages import open_tiff, plane_chunks, read_page, subifd_page
from imagesteward.formats.reader import OriginalMetadata, ReadContext, Selection
from imagesteward.formats.safety import check_plausible_size, resolve_reference
from imagesteward.model import ArrayStructure, SeriesInfo

if TYPE_CHECKING:
    from ome_types import OME
    from ome_types import model as ome

__all__ = ["Host", "OmeSource"]

_PLANE_DIMS = ("Y", "X", "S")
_UUID = re.compile(r"<(?:\w+:)?OME\b[^>]*?\sUUID\s*=\s*[\"']([^\"']+)[\"']", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Host:
    """The TIFF file that was opened (and may hold some planes), with the UUIDs it answers to."""

    path: Path
    tiff: tifffile.TiffFile
    uuids: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Plane:
    file: Path
    ifd: int


@dataclass(slots=True)
class _PixelStore:
    """Where one image's planes live."""

    kind: str  # "tiff", "bindata" or "none"
    planes: dict[int, _Plane]
    missing: dict[int, str]
    reason: str = ""


class OmeSource(SourceBase):
    """Series and pixels of an OME-XML document, the XML itself kept as original metadata."""

    def __init__(
        self,
        path: Path,
        context: ReadContext,
        *,
        ome: OME,
        xml: bytes,
        xml_path: Path,
        host: Host | None,
        file_format: str,
        reader: str,
        dates_as_written: list[str | None] | None = None,
    ) -> None:
        super().__init__(path)
        self._context = context
        self._ome = ome
        self._xml = xml
        self._xml_path = xml_path
        self._host = host
        self._file_format = file_format
        self._reader = reader
        self._dates = dates_as_written
        self._lock = threading.RLock()
        self._tiffs: dict[Path, tifffile.TiffFile] = {}
        if host is not None:
            self._tiffs[host.path.resolve()] = host.tiff
            self._on_close(host.tiff.close)
        if xml_path != path:
            self._files.append(xml_path)
        self._layouts = [pixels_layout(image.pixels) for image in ome.images]
        self._resolved: dict[str, tuple[Path | None, str]] = {}
        # Resolve every referenced file first (refusing unsafe names), then check the declared
        # sizes against the bytes present, and only then build the plane maps.
        blocks = [
            [(td, *self._resolve(td)) for td in image.pixels.tiff_data_blocks]
            for image in ome.images
        ]
        self._check_sizes(blocks)
        self._stores = [
            self._store(image.pixels, layout, resolved)
            for image, layout, resolved in zip(ome.images, self._layouts, blocks, strict=True)
        ]

    # ------------------------------------------------------------------ plane map
    def _resolve(self, td: ome.TiffData) -> tuple[Path | None, str]:
        """The file a TiffData block points at, or None with the reason."""
        uuid = td.uuid
        if uuid is None:
            if self._host is not None:
                return self._host.path, ""
            return None, "a TiffData block without UUID in a standalone OME-XML names no file"
        value = (uuid.value or "").strip()
        if self._host is not None and value and value in self._host.uuids:
            return self._host.path, ""
        name = (uuid.file_name or "").strip()
        if not name:
            return None, f"TiffData UUID {value!r} gives no FileName"
        key = f"{value}\0{name}"
        if key not in self._resolved:
            # Raises UnsafeContentError for absolute names and escapes: refuse the whole file.
            target = resolve_reference(self._xml_path, name, self._context)
            if self._host is not None and target == self._host.path.resolve():
                self._resolved[key] = (self._host.path, "")
            elif not target.is_file():
                self._resolved[key] = (None, f"{name!r} is missing")
            else:
                self._resolved[key] = (target, "")
                if target not in self._files:
                    self._files.append(target)
        return self._resolved[key]

    def _store(
        self,
        pixels: ome.Pixels,
        layout: OmeLayout,
        resolved: list[tuple[ome.TiffData, Path | None, str]],
    ) -> _PixelStore:
        if pixels.bin_data_blocks:
            return _PixelStore("bindata", {}, {})
        if not resolved:
            return _PixelStore("none", {}, {}, "it has neither BinData nor TiffData")
        total = layout.plane_count
        planes: dict[int, _Plane] = {}
        missing: dict[int, str] = {}
        for td, file, reason in resolved:
            start = layout.plane_index(td.first_z, td.first_c, td.first_t)
            if not 0 <= start < total:
                continue
            if td.plane_count is not None:
                count = td.plane_count
            elif "ifd" in td.model_fields_set:
                count = 1
            else:
                count = total - start
            for k in range(min(count, total - start)):
                if file is None:
                    missing[start + k] = reason
                else:
                    planes[start + k] = _Plane(file, td.ifd + k)
        if not planes:
            reasons = sorted(set(missing.values())) or ["its TiffData blocks map no plane"]
            return _PixelStore("none", {}, {}, "; ".join(reasons))
        return _PixelStore("tiff", planes, missing)

    # ------------------------------------------------------------------ series
    def _load_series(self) -> list[SeriesInfo]:
        mapped = map_ome_images(
            self._ome,
            file_format=self._file_format,
            reader=self._reader,
            dates_as_written=self._dates,
        )
        series = []
        for index, ((image, notes), layout, store) in enumerate(
            zip(mapped, self._layouts, self._stores, strict=True)
        ):
            levels: list[tuple[int, ...]] = [layout.shape]
            chunks: tuple[int, ...] | None = None
            if store.kind == "tiff":
                levels, chunks = self._tiff_levels(index, layout, store)
            elif store.kind == "bindata":
                chunks = tuple(
                    s if d in _PLANE_DIMS else 1
                    for d, s in zip(layout.dims, layout.shape, strict=True)
                )
            else:
                notes.append(f"metadata only: no pixels can be read ({store.reason})")
            if store.missing:
                names = sorted(set(store.missing.values()))
                notes.append(f"{len(store.missing)} plane(s) cannot be read: {'; '.join(names)}")
            image.resolution_levels = ["x".join(str(n) for n in shape) for shape in levels]
            image.capture_notes = list(notes) or None
            structure = ArrayStructure(
                dims=layout.dims,
                shape=layout.shape,
                dtype=layout.dtype,
                levels=tuple(levels),
                chunks=chunks,
                pixels=store.kind != "none",
            )
            series.append(SeriesInfo(image=image, structure=structure, notes=list(notes)))
        return series

    def _check_sizes(self, blocks: list[list[tuple[ome.TiffData, Path | None, str]]]) -> None:
        """Refuse headers claiming far more pixels (or planes) than the files hold."""
        # The XML counts once: inside its TIFF (embedded) or as its companion file's bytes.
        embedded = self._host is not None and self._xml_path == self.path
        actual = (0 if embedded else len(self._xml)) + sum(
            f.stat().st_size
            for f in {*self._files}
            if f.is_file() and (embedded or f != self._xml_path)
        )
        declared = 0
        for image, layout, resolved in zip(self._ome.images, self._layouts, blocks, strict=True):
            in_tiffs = any(file is not None for _, file, _ in resolved)
            if not (in_tiffs or image.pixels.bin_data_blocks):
                continue  # metadata only: nothing is claimed to be present
            declared += math.prod(layout.shape) * _itemsize(layout.dtype)
            # Every plane stored in a TIFF needs an IFD of at least a few bytes.
            if in_tiffs and layout.plane_count > actual // 8 + 1:
                raise ImplausibleSizeError(
                    self.path,
                    f"declares {layout.plane_count:,} planes, more than its {actual:,} bytes "
                    "of files can index; the OME-XML is not plausible",
                )
        if declared:
            check_plausible_size(self.path, [(declared,)], 1, actual, self._context)

    def _tiff_levels(
        self, index: int, layout: OmeLayout, store: _PixelStore
    ) -> tuple[list[tuple[int, ...]], tuple[int, ...] | None]:
        first = store.planes[min(store.planes)]
        with self._lock:
            tif = self._tiff(first.file)
            page = self._page(tif, first, index)
            _check_page(self.path, page, layout, (layout.size("Y"), layout.size("X")), index)
            levels = [layout.shape]
            for level in range(1, len(page.subifds or ()) + 1):
                sub = subifd_page(tif, page, level)
                shape = tuple(
                    sub.imagelength if d == "Y" else sub.imagewidth if d == "X" else s
                    for d, s in zip(layout.dims, layout.shape, strict=True)
                )
                levels.append(shape)
            chunks = plane_chunks(layout.dims, layout.shape, page)
        return levels, chunks

    def _tiff(self, file: Path) -> tifffile.TiffFile:
        key = file.resolve()
        tif = self._tiffs.get(key)
        if tif is None:
            tif = open_tiff(file, self._context)
            self._tiffs[key] = tif
            self._on_close(tif.close)
        return tif

    def _page(self, tif: tifffile.TiffFile, plane: _Plane, image: int) -> Any:
        try:
            return tif.pages[plane.ifd]
        except IndexError as exc:
            raise CorruptFileError(
                self.path,
                f"image {image}: the OME-XML names IFD {plane.ifd} of "
                f"{plane.file.name}, which has only {len(tif.pages)} IFDs",
            ) from exc

    # ------------------------------------------------------------------ pixels
    def original_metadata(self) -> OriginalMetadata | None:
        embedded = self._host is not None and self._xml_path == self.path
        name = f"{self.path.name}.ome.xml" if embedded else self._xml_path.name
        return OriginalMetadata(name=name, media_type="application/xml", content=self._xml)

    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        info = self.series[series]
        layout, store = self._layouts[series], self._stores[series]
        structure = info.structure
        if not 0 <= level < len(structure.levels):
            raise IndexError(f"{self.path}: series {series} has no resolution level {level}")
        if store.kind == "none":
            raise FormatError(
                self.path,
                f"carries metadata only: image {series} has no readable pixels ({store.reason})",
            )
        shape = structure.levels[level]
        index = region_index(ArrayStructure(structure.dims, shape, structure.dtype), selection)
        outer = [
            (
                dim,
                range(size)[item]
                if isinstance(item, slice)
                else range(item % size, item % size + 1),
            )
            for dim, item, size in zip(structure.dims, index, shape, strict=True)
            if dim not in _PLANE_DIMS
        ]
        plane_index = tuple(
            item for dim, item in zip(structure.dims, index, strict=True) if dim in _PLANE_DIMS
        )
        plane_shape = tuple(
            s for d, s in zip(structure.dims, shape, strict=True) if d in _PLANE_DIMS
        )
        region_shape = tuple(
            len(range(size)[item])
            for item, size in zip(plane_index, plane_shape, strict=True)
            if isinstance(item, slice)
        )
        result = np.empty([len(r) for _, r in outer] + list(region_shape), dtype=structure.dtype)
        for position in np.ndindex(*[len(r) for _, r in outer]):
            coords = {dim: r[i] for (dim, r), i in zip(outer, position, strict=True)}
            linear = layout.plane_index(coords.get("Z", 0), coords.get("C", 0), coords.get("T", 0))
            target = result[position]
            plane = self._plane(
                series=series,
                layout=layout,
                store=store,
                linear=linear,
                level=level,
                plane_shape=plane_shape,
                region=plane_index,
                out=target,
            )
            if plane is not target:
                target[...] = plane
        squeeze = tuple(
            0 if isinstance(item, int) else slice(None)
            for dim, item in zip(structure.dims, index, strict=True)
            if dim not in _PLANE_DIMS
        )
        return result[squeeze]

    def _plane(
        self,
        *,
        series: int,
        layout: OmeLayout,
        store: _PixelStore,
        linear: int,
        level: int,
        plane_shape: tuple[int, ...],
        region: tuple[int | slice, ...],
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        if store.kind == "bindata":
            if level:
                raise IndexError(f"{self.path}: BinData pixels have a single resolution level")
            return self._bindata_plane(series, layout, linear)[region]
        plane = store.planes.get(linear)
        if plane is None:
            why = store.missing.get(linear, "no TiffData block maps it")
            raise CorruptFileError(
                self.path, f"image {series}, plane {linear} cannot be read: {why}"
            )
        with self._lock:
            tif = self._tiff(plane.file)
            page = self._page(tif, plane, series)
            if level:
                if not page.subifds or level > len(page.subifds):
                    raise CorruptFileError(
                        self.path,
                        f"image {series}, plane {linear} has no resolution level "
                        f"{level} (its IFD has {len(page.subifds or ())} SubIFDs)",
                    )
                page = subifd_page(tif, page, level)
            _check_page(self.path, page, layout, plane_shape, series)
            return read_page(page, region, out)

    def _bindata_plane(self, series: int, layout: OmeLayout, linear: int) -> np.ndarray:
        pixels = self._ome.images[series].pixels
        blocks = pixels.bin_data_blocks
        if len(blocks) != layout.plane_count:
            raise CorruptFileError(
                self.path,
                f"image {series} has {len(blocks)} BinData blocks for {layout.plane_count} planes",
            )
        block = blocks[linear]
        plane_shape = (layout.size("Y"), layout.size("X"), layout.samples)
        dtype = np.dtype(layout.dtype)
        expected = math.prod(plane_shape) * dtype.itemsize
        if dtype == np.bool_:
            expected = math.ceil(math.prod(plane_shape) / 8)
        raw = _decompress(self.path, bytes(block.value), enum_value(block.compression), expected)
        if len(raw) != expected:
            raise CorruptFileError(
                self.path,
                f"image {series}, BinData block {linear} holds {len(raw)} bytes; "
                f"the plane needs {expected}",
            )
        big = bool(block.big_endian)
        data: NDArray[Any]
        if dtype == np.bool_:
            bits = np.unpackbits(np.frombuffer(raw, np.uint8))[: math.prod(plane_shape)]
            data = bits.astype(bool).reshape(plane_shape)
        else:
            data = np.frombuffer(raw, dtype.newbyteorder(">" if big else "<"))
            if pixels.interleaved is False and layout.samples > 1:
                data = np.moveaxis(data.reshape(plane_shape[2], *plane_shape[:2]), 0, -1)
            else:
                data = data.reshape(plane_shape)
            data = data.astype(dtype.newbyteorder("="), copy=False)
        return data if layout.samples > 1 else data[..., 0]


def host_uuids(tif: tifffile.TiffFile, root: OME | None = None) -> frozenset[str]:
    """UUIDs a TIFF answers to: its OME root UUID (or BinaryOnly UUID) as found in its XML."""
    found: set[str] = set()
    if root is not None:
        if root.uuid:
            found.add(root.uuid.strip())
        if root.binary_only is not None and root.binary_only.uuid:
            found.add(root.binary_only.uuid.strip())
    else:
        description = tif.pages.first.description or ""
        match = _UUID.search(description[:8192])
        if match:
            found.add(match.group(1).strip())
    return frozenset(found)


def _itemsize(dtype: str) -> int:
    return int(np.dtype(dtype).itemsize)


def _decompress(path: Path, raw: bytes, compression: str | None, limit: int) -> bytes:
    """Inflate a BinData block, never beyond the plane's size (a zip bomb stops there)."""
    if compression in (None, "none"):
        return raw
    try:
        if compression == "zlib":
            inflater = zlib.decompressobj()
            data = inflater.decompress(raw, limit + 1)
        elif compression == "bzip2":
            data = bz2.BZ2Decompressor().decompress(raw, max_length=limit + 1)
        else:
            raise CorruptFileError(path, f"BinData compression {compression!r} is unknown")
    except (zlib.error, OSError, ValueError) as exc:
        raise CorruptFileError(path, f"BinData block cannot be inflated ({exc})") from exc
    if len(data) > limit:
        raise ImplausibleSizeError(path, "a BinData block inflates beyond its plane's size")
    return data


def _check_page(
    path: Path, page: Any, layout: OmeLayout, plane_shape: tuple[int, ...], series: int
) -> None:
    """The IFD must hold the plane the XML describes (a forged IFD must not size a read)."""
    samples = page.samplesperpixel
    expected = (plane_shape[0], plane_shape[1], layout.samples)
    actual = (page.imagelength, page.imagewidth, samples)
    if actual != expected or page.imagedepth > 1:
        raise CorruptFileError(
            path,
            f"image {series}: the OME-XML describes planes of {expected[0]}x{expected[1]} "
            f"pixels with {expected[2]} sample(s), but IFD {page.index} of "
            f"{Path(page.parent.filehandle.path).name} holds {actual[0]}x{actual[1]} with "
            f"{actual[2]}",
        )
    if page.dtype is not None and np.dtype(page.dtype) != np.dtype(layout.dtype):
        raise CorruptFileError(
            path,
            f"image {series}: the OME-XML says {layout.dtype} but IFD {page.index} "
            f"stores {page.dtype}",
        )
