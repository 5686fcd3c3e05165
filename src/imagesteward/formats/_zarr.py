"""OME-Zarr (NGFF 0.4 on zarr v2, 0.5 on zarr v3): images, bioformats2raw containers, plates.

The reader opens the hierarchy read-only through zarr and reads pixels chunk by chunk. Metadata
come from the NGFF attributes, which describe the stored arrays; a bioformats2raw
``OME/METADATA.ome.xml`` adds names, channels and the instrument through the shared OME mapping,
and where the two disagree the NGFF value is kept and the disagreement noted.

What is refused, and why: oversized or invalid JSON documents, dataset paths or links leaving the
zarr root, datasets that are missing or do not match the axes, and declared sizes out of all
proportion to the chunk bytes present. NGFF validation problems (checked with ome-zarr-models
where installed) become capture notes instead: zarr can still read such data.

``original_metadata()`` is one JSON document (``application/json``)::

    {"zarr_format": 2, "documents": {".zattrs": {...}, "0/.zattrs": {...}, "0/0/.zarray": {...}},
     "ome_xml": "<OME ...>"}

with every ``.zattrs``/``.zgroup``/``.zarray``/``.zmetadata``/``zarr.json`` document of the
hierarchy by relative path, and the OME-XML text (bioformats2raw) as a string under its own key.
One document keeps everything a single attachment can hold; the XML stays exact text, and the
original files themselves are kept byte for byte by the store.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from imagesteward import __version__
from imagesteward.errors import CorruptFileError, ImplausibleSizeError, UnsupportedFormatError
from imagesteward.formats._base import SourceBase, region_index
from imagesteward.formats._zarr_layout import ImageRef, Layout, discover, ngff_attributes
from imagesteward.formats._zarr_ngff import (
    Axis,
    calibrate,
    effective_scale,
    omero_channels,
    parse_axes,
    validation_problems,
)
from imagesteward.formats._zarr_ome import enrich_from_ome
from imagesteward.formats._zarr_tree import (
    OME_XML_PATH,
    ZarrTree,
    child_path,
    load_json,
    scan_tree,
    stored_bytes,
)
from imagesteward.formats.reader import (
    OriginalMetadata,
    Probe,
    ReadContext,
    Selection,
    Verdict,
)
from imagesteward.formats.safety import check_plausible_size
from imagesteward.model import ArrayStructure, Dimension, Image, PixelType, SeriesInfo

if TYPE_CHECKING:
    import numpy as np
    import zarr

__all__ = ["OmeZarrReader", "OmeZarrSource"]

#: Largest root document read while sniffing; larger ones are left for ``open`` to judge.
_SNIFF_LIMIT = 4 * 1024 * 1024
_PIXEL_TYPES = frozenset(t.value for t in PixelType)
_STANDARD_DIMS = ("T", "C", "Z", "Y", "X")


class OmeZarrReader:
    """Reader for OME-Zarr directories (NGFF 0.4 and 0.5)."""

    name: ClassVar[str] = "ome-zarr"
    title: ClassVar[str] = "OME-Zarr"
    suffixes: ClassVar[tuple[str, ...]] = (".ome.zarr", ".zarr")
    library: ClassVar[str] = "zarr"
    modules: ClassVar[tuple[str, ...]] = (
        "zarr",
        "numpy",
        "ome_types",
        "ome_zarr_models.v04",
        "ome_zarr_models.v05",
    )

    def sniff(self, probe: Probe) -> Verdict:
        """Accept a zarr root holding an NGFF image, a bioformats2raw container or a plate."""
        if not probe.is_dir:
            return Verdict(0, "not a directory (OME-Zarr is a directory of zarr documents)")
        if "zarr.json" in probe.listing:
            document = "zarr.json"
        elif probe.listing & {".zattrs", ".zgroup", ".zarray"}:
            document = ".zattrs" if ".zattrs" in probe.listing else ""
        else:
            return Verdict(0, "directory without zarr metadata (.zattrs, .zgroup or zarr.json)")
        if ".zarray" in probe.listing:
            return Verdict(0, _PLAIN_ARRAY)
        if not document:
            return Verdict(0, "zarr v2 group without attributes: no NGFF metadata")
        try:
            meta = load_json(probe.path / document, ReadContext(), limit=_SNIFF_LIMIT)
        except ImplausibleSizeError:
            return Verdict(
                50, f"zarr group whose {document} is too large to inspect while sniffing"
            )
        except CorruptFileError as exc:
            return Verdict(50, f"zarr metadata present but unreadable: {exc.problem}")
        return _verdict(probe, document, meta)

    def open(self, path: Path, context: ReadContext) -> OmeZarrSource:
        """Open the OME-Zarr rooted at ``path`` read-only."""
        return OmeZarrSource(path, context)


_PLAIN_ARRAY = (
    "a plain zarr array without NGFF metadata: no axes, units or scales say what its "
    "dimensions are, so it is not read as an image (write it as OME-Zarr, with 'multiscales')"
)


def _verdict(probe: Probe, document: str, meta: Any) -> Verdict:
    if not isinstance(meta, dict):
        return Verdict(50, f"zarr metadata present but {document} is not a JSON object")
    if document == "zarr.json":
        if meta.get("node_type") == "array":
            return Verdict(0, _PLAIN_ARRAY)
        attributes = meta.get("attributes") or {}
        ngff = attributes.get("ome", attributes) if isinstance(attributes, dict) else {}
        flavour = "zarr v3"
    else:
        ngff, flavour = meta, "zarr v2"
    if not isinstance(ngff, dict):
        return Verdict(0, f"{flavour} group without NGFF metadata")
    if "plate" in ngff:
        return Verdict(100, f"OME-Zarr HCS plate ({flavour})")
    if "multiscales" in ngff:
        return Verdict(100, f"OME-Zarr multiscales image ({flavour})")
    if "bioformats2raw.layout" in ngff:
        if (probe.path / OME_XML_PATH).is_file():
            return Verdict(100, f"OME-Zarr bioformats2raw layout with OME-XML ({flavour})")
        return Verdict(80, f"OME-Zarr bioformats2raw layout without {OME_XML_PATH} ({flavour})")
    if "well" in ngff:
        return Verdict(0, "an OME-Zarr HCS well group; open the plate (its parent's parent)")
    if "labels" in ngff or "image-label" in ngff:
        return Verdict(0, "an OME-Zarr labels group; open the image it belongs to")
    return Verdict(
        0, f"{flavour} group without NGFF metadata (no multiscales, plate or bioformats2raw.layout)"
    )


def _multiscale(
    tree: ZarrTree, node: str, where: Path, attributes: dict[str, Any], notes: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first multiscale of an image group and its datasets (resolution levels)."""
    if not tree.is_group(node):
        raise CorruptFileError(where, "the image group is missing")
    multiscales = attributes.get("multiscales")
    if not isinstance(multiscales, list) or not multiscales or not isinstance(multiscales[0], dict):
        raise CorruptFileError(where, "image group without 'multiscales' metadata")
    if len(multiscales) > 1:
        notes.append(f"{len(multiscales)} multiscales in one group; only the first is read")
    datasets = multiscales[0].get("datasets")
    if (
        not isinstance(datasets, list)
        or not datasets
        or not all(isinstance(d, dict) for d in datasets)
    ):
        raise CorruptFileError(where, "multiscales lists no datasets (resolution levels)")
    return multiscales[0], datasets


def _extra_dimensions(axes: list[Axis], structure: ArrayStructure) -> list[Dimension] | None:
    extra = [
        Dimension(
            name=axis.dim,
            size=structure.size(axis.dim),
            description=" ".join(
                part
                for part in (
                    f"NGFF axis {axis.name!r}",
                    f"of type {axis.type!r}" if axis.type else "",
                    f"in {axis.unit}" if axis.unit else "",
                )
                if part
            ),
        )
        for axis in axes
        if axis.dim not in _STANDARD_DIMS
    ]
    return extra or None


def _reader_version() -> str:
    return f"imagesteward {__version__} ome-zarr (zarr {version('zarr')})"


class OmeZarrSource(SourceBase):
    """An opened OME-Zarr hierarchy: one series per image (or plate field)."""

    def __init__(self, path: Path, context: ReadContext) -> None:
        super().__init__(path, [path])
        self._context = context
        self._arrays: list[list[zarr.Array[Any]]] = []
        self._ome_xml: bytes | None = None
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        import zarr.storage

        if not self.path.is_dir():
            raise UnsupportedFormatError(self.path, "is not a directory; OME-Zarr is a directory")
        self._tree = scan_tree(self.path, self._context)
        self._layout = discover(self._tree)
        if self._layout.has_ome_xml:
            self._ome_xml = self._read_ome_xml()
        store = zarr.storage.LocalStore(self.path, read_only=True)
        self._on_close(store.close)
        # Consolidated metadata would let a stale or forged summary override the documents
        # checked above; the documents themselves are read instead.
        self._group = zarr.open_group(
            store, mode="r", zarr_format=self._tree.zarr_format, use_consolidated=False
        )
        series = [self._build(index, ref) for index, ref in enumerate(self._layout.images)]
        self._series_cache = self._enrich(series)

    def _read_ome_xml(self) -> bytes:
        target = self.path / child_path(self.path, "", OME_XML_PATH, "OME-XML companion")
        size = target.stat().st_size
        if size > self._context.max_metadata_bytes:
            raise ImplausibleSizeError(
                target,
                f"OME-XML is {size:,} bytes, over the limit of "
                f"{self._context.max_metadata_bytes:,} (setting max_metadata_bytes)",
                size=size,
            )
        return target.read_bytes()

    def _load_series(self) -> list[SeriesInfo]:
        # Series are built when the hierarchy is opened, so that broken input fails at once.
        return list(self._series_cache or [])

    # -- one image group -> one series -------------------------------------------------------

    def _build(self, index: int, ref: ImageRef) -> SeriesInfo:
        where = self.path / ref.path if ref.path else self.path
        attributes, version = ngff_attributes(self._tree, ref.path)
        version = version or self._layout.version
        notes = [*self._layout.notes, *ref.notes]
        multiscale, datasets = _multiscale(self._tree, ref.path, where, attributes, notes)
        paths, arrays = self._levels(ref.path, where, datasets, notes)
        level0 = arrays[0]
        axes = parse_axes(multiscale.get("axes"), level0.ndim, where, notes)
        self._check_dimension_names(paths[0], axes, notes)
        dtype = level0.dtype.newbyteorder("=")
        if dtype.name not in _PIXEL_TYPES:
            raise UnsupportedFormatError(where, f"pixel type {level0.dtype} is not an image type")
        shapes = [tuple(int(n) for n in a.shape) for a in arrays]
        # All levels, declared against all chunk bytes: a forged lower level is caught too.
        actual = stored_bytes(self.path, paths)
        check_plausible_size(where, shapes, dtype.itemsize, actual, self._context)
        self._arrays.append(arrays)

        structure = ArrayStructure(
            dims=tuple(axis.dim for axis in axes),
            shape=shapes[0],
            dtype=dtype.name,
            levels=tuple(shapes),
            chunks=tuple(int(n) for n in level0.chunks),
        )
        scale = effective_scale(multiscale, datasets[0], level0.ndim, notes)
        calibration = calibrate(axes, scale, shapes[0], notes)
        channels = omero_channels(attributes.get("omero"), structure.size("C"), notes)
        notes.extend(validation_problems("image", version, attributes))
        notes.extend(self._labels_note(ref.path))
        name = multiscale.get("name") if isinstance(multiscale.get("name"), str) else None
        if ref.name is not None and name not in (None, ref.name):
            notes.append(f"multiscales name {name!r}")
        notes.append(
            f"NGFF {version or '(no version)'} on zarr v{self._tree.zarr_format}, group "
            f"{ref.path or '/'}; axes {', '.join(a.name for a in axes)}"
        )
        image = Image(
            name=ref.name if ref.name is not None else name,
            series_index=index,
            file_format=OmeZarrReader.name,
            reader=_reader_version(),
            axes="".join(structure.dims),
            size_t=structure.size("T"),
            size_c=structure.size("C"),
            size_z=structure.size("Z"),
            size_y=structure.size("Y"),
            size_x=structure.size("X"),
            samples_per_pixel=1,
            extra_dimensions=_extra_dimensions(axes, structure),
            pixel_type=dtype.name,
            physical_size_x=calibration.physical_size_x,
            physical_size_y=calibration.physical_size_y,
            physical_size_z=calibration.physical_size_z,
            physical_sizes_as_stored=calibration.as_stored or None,
            time_increment=calibration.time_increment,
            resolution_levels=["x".join(str(n) for n in shape) for shape in shapes],
            channels=channels,
            capture_notes=notes,
        )
        return SeriesInfo(image=image, structure=structure, notes=notes)

    def _levels(
        self, group: str, where: Path, datasets: list[dict[str, Any]], notes: list[str]
    ) -> tuple[list[str], list[zarr.Array[Any]]]:
        """The array of every resolution level, checked against level 0."""
        from zarr import Array

        paths: list[str] = []
        arrays: list[zarr.Array[Any]] = []
        for level, dataset in enumerate(datasets):
            name = dataset.get("path")
            path = child_path(self.path, group, name, "multiscales dataset path")
            node = self._group[path] if path in self._tree.arrays else None
            if not isinstance(node, Array):
                found = "a group, not an array" if self._tree.is_group(path) else "no array there"
                raise CorruptFileError(
                    where, f"multiscales dataset {name!r} names {path}, but there is {found}"
                )
            if arrays and node.ndim != arrays[0].ndim:
                raise CorruptFileError(
                    where,
                    f"resolution level {level} ({path}) has {node.ndim} dimensions, "
                    f"level 0 has {arrays[0].ndim}",
                )
            if arrays and node.dtype != arrays[0].dtype:
                notes.append(f"resolution level {level} is {node.dtype}, level 0 {arrays[0].dtype}")
            paths.append(path)
            arrays.append(node)
        return paths, arrays

    def _check_dimension_names(self, node: str, axes: list[Axis], notes: list[str]) -> None:
        meta = self._tree.doc(node, "zarr.json")
        names = meta.get("dimension_names") if isinstance(meta, dict) else None
        if isinstance(names, list) and any(n is not None for n in names):
            declared = [a.name for a in axes]
            if [str(n).lower() for n in names] != [d.lower() for d in declared]:
                notes.append(
                    f"zarr dimension_names {names} differ from the NGFF axes {declared}; "
                    "the NGFF axes are used"
                )

    def _labels_note(self, group: str) -> list[str]:
        node = f"{group}/labels" if group else "labels"
        if not self._tree.is_group(node):
            return []
        attributes, _ = ngff_attributes(self._tree, node)
        listed = attributes.get("labels")
        names = ", ".join(str(n) for n in listed) if isinstance(listed, list) else "unlisted"
        return [f"label images present ({names}) in {node}; they are not series"]

    def _enrich(self, series: list[SeriesInfo]) -> list[SeriesInfo]:
        if self._ome_xml is None:
            return series
        return enrich_from_ome(
            series, self._layout, self._ome_xml, self.path / OME_XML_PATH, self._context
        )

    # -- pixels and metadata -----------------------------------------------------------------

    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        """Read a region of one series at one level; only the chunks it touches are read."""
        import numpy as np

        if not 0 <= series < len(self._arrays):
            raise IndexError(f"{self.path}: no series {series} (it has {len(self._arrays)})")
        arrays = self._arrays[series]
        if not 0 <= level < len(arrays):
            raise IndexError(f"{self.path}: series {series} has no level {level} ({len(arrays)})")
        base = self.series[series].structure
        structure = ArrayStructure(dims=base.dims, shape=base.levels[level], dtype=base.dtype)
        data = np.asarray(arrays[level][region_index(structure, selection)])
        return data.astype(data.dtype.newbyteorder("="), copy=False)

    def original_metadata(self) -> OriginalMetadata:
        """Every zarr metadata document and the OME-XML, as one JSON document."""
        content: dict[str, Any] = {
            "zarr_format": self._tree.zarr_format,
            "documents": dict(sorted(self._tree.documents.items())),
        }
        if self._ome_xml is not None:
            content["ome_xml"] = self._ome_xml.decode("utf-8", errors="replace")
        return OriginalMetadata(
            name=f"{self.path.name}.metadata.json",
            media_type="application/json",
            content=json.dumps(content, ensure_ascii=False, indent=1).encode("utf-8"),
        )

    @property
    def layout(self) -> Layout:
        """What kind of OME-Zarr this is and where its images are."""
        return self._layout

    @property
    def tree(self) -> ZarrTree:
        """The metadata documents of the hierarchy."""
        return self._tree
