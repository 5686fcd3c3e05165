"""The TIFF-family readers: OME-TIFF (incl. multi-file sets) and every other TIFF flavour.

Both are identified by content: TIFF magic bytes, then the first IFD's ImageDescription (an
OME-XML root for OME-TIFF; ImageJ, Aperio headers or the LSM/STK private tags for the flavours).
A file named ``.czi`` that is a TIFF is read as a TIFF.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import ClassVar

from imagesteward.errors import CorruptFileError, ImplausibleSizeError
from imagesteward.formats._ome import OME_NAMESPACE_PREFIX, acquisition_dates_as_written, parse_ome
from imagesteward.formats._tiff_sniff import TiffHeader, sniff_tiff
from imagesteward.formats.reader import ImageSource, Probe, ReadContext, Verdict
from imagesteward.formats.safety import parse_xml, resolve_reference

__all__ = ["OmeTiffReader", "TiffReader", "library_versions"]

_FLAVOUR_TAGS = {34412: "Zeiss LSM (CZ_LSMINFO tag)", 33628: "MetaMorph STK (UIC1 tag)"}


@cache
def library_versions(*names: str) -> str:
    """``tifffile 2026.11.8, ome-types 0.7.0`` for the record's ``reader`` field."""
    parts = []
    for name in names:
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(name)
    return ", ".join(parts)


def _is_ome_description(description: bytes) -> bool:
    text = description.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<") and b"OME" in text and OME_NAMESPACE_PREFIX.encode() in text


# Heavy libraries imported on the main thread before parallel reads (see Reader.modules).
TIFF_MODULES = (
    "tifffile",
    "imagecodecs",
    "numpy",
    "ome_types",
    "lxml",
    "imagesteward.formats._ome_source",
    "imagesteward.formats._tiff_source",
)


class OmeTiffReader:
    """OME-TIFF: TIFF pixels described by OME-XML in the first ImageDescription."""

    name: ClassVar[str] = "ome-tiff"
    title: ClassVar[str] = "OME-TIFF"
    suffixes: ClassVar[tuple[str, ...]] = (
        ".ome.tif",
        ".ome.tiff",
        ".ome.tf2",
        ".ome.tf8",
        ".ome.btf",
    )
    library: ClassVar[str] = "tifffile"
    modules: ClassVar[tuple[str, ...]] = TIFF_MODULES

    def sniff(self, probe: Probe) -> Verdict:
        """Accept TIFFs whose first ImageDescription is an OME-XML document."""
        header = sniff_tiff(probe.path, probe.head) if not probe.is_dir else None
        if header is None:
            return Verdict(0, "not a TIFF")
        if _is_ome_description(header.description):
            return Verdict(100, "TIFF with OME-XML in the first ImageDescription")
        return Verdict(0, "TIFF without OME-XML")

    def open(self, path: Path, context: ReadContext) -> ImageSource:
        """Open an OME-TIFF; a BinaryOnly one is read through the companion it names."""
        # Heavy modules (tifffile, numpy, ome-types) load when a file is opened, not on sniffing.
        from imagesteward.formats._ome_source import Host, OmeSource, host_uuids
        from imagesteward.formats._tiff_pages import open_tiff

        reader = f"imagesteward {self.name} ({library_versions('tifffile', 'ome-types')})"
        tif = open_tiff(path, context)
        try:
            description = tif.pages.first.tags.get(270)
            if description is None or not isinstance(description.value, str):
                raise CorruptFileError(path, "has no OME-XML ImageDescription in its first IFD")
            xml = description.value.encode("utf-8")
            ome = parse_ome(xml, path, context)
            xml_path = path
            uuids = host_uuids(tif, ome)
            if ome.binary_only is not None:
                companion = resolve_reference(path, ome.binary_only.metadata_file, context)
                if not companion.is_file():
                    raise CorruptFileError(
                        path,
                        f"is a BinaryOnly OME-TIFF whose metadata file "
                        f"{ome.binary_only.metadata_file!r} is missing; ingest it together "
                        "with its companion file",
                    )
                xml = _read_bounded(companion, context)
                ome = parse_ome(xml, companion, context)
                xml_path = companion
            dates = acquisition_dates_as_written(parse_xml(xml, xml_path, context))
            return OmeSource(
                path,
                context,
                ome=ome,
                xml=xml,
                xml_path=xml_path,
                host=Host(path=path, tiff=tif, uuids=uuids),
                file_format="ome-tiff",
                reader=reader,
                dates_as_written=dates,
            )
        except BaseException:
            tif.close()
            raise


class TiffReader:
    """Every other TIFF: ImageJ, Aperio SVS, Zeiss LSM, MetaMorph STK and plain TIFF."""

    name: ClassVar[str] = "tiff"
    title: ClassVar[str] = "TIFF"
    suffixes: ClassVar[tuple[str, ...]] = (
        ".tif",
        ".tiff",
        ".svs",
        ".lsm",
        ".stk",
        ".btf",
        ".tf2",
        ".tf8",
    )
    library: ClassVar[str] = "tifffile"
    modules: ClassVar[tuple[str, ...]] = TIFF_MODULES

    def sniff(self, probe: Probe) -> Verdict:
        """Accept any TIFF; more confidently when a known flavour marks it."""
        header = sniff_tiff(probe.path, probe.head) if not probe.is_dir else None
        if header is None:
            return Verdict(0, "not a TIFF")
        flavour = _flavour(header)
        kind = "BigTIFF" if header.bigtiff else "TIFF"
        if flavour:
            return Verdict(90, f"{kind}: {flavour}")
        return Verdict(50, f"{kind} magic bytes (generic TIFF)")

    def open(self, path: Path, context: ReadContext) -> ImageSource:
        """Open a TIFF; its series and metadata are described on first access."""
        from imagesteward.formats._tiff_pages import open_tiff
        from imagesteward.formats._tiff_source import TiffSource

        reader = f"imagesteward {self.name} ({library_versions('tifffile')})"
        tif = open_tiff(path, context)
        return TiffSource(path, context, tif, reader)


def _flavour(header: TiffHeader) -> str | None:
    for code, name in _FLAVOUR_TAGS.items():
        if code in header.tags:
            return name
    text = header.description.lstrip()
    if text.startswith((b"ImageJ=", b"SCIFIO=")):
        return "ImageJ metadata in the ImageDescription"
    if text.startswith(b"Aperio"):
        return "Aperio SVS ImageDescription"
    return None


def _read_bounded(path: Path, context: ReadContext) -> bytes:
    size = path.stat().st_size
    if size > context.max_metadata_bytes:
        raise ImplausibleSizeError(
            path,
            f"metadata file is {size:,} bytes, over the limit of "
            f"{context.max_metadata_bytes:,} (setting max_metadata_bytes)",
        )
    return path.read_bytes()
