"""Standalone OME-XML: companion files of multi-file OME-TIFF sets, BinData and metadata-only.

A companion (``*.companion.ome``, ``*.ome``, ``*.ome.xml``) describes images whose planes live in
TIFF files named by ``TiffData/UUID@FileName``; each name is validated against the allowed roots
before the TIFF is opened. A document with inline ``BinData`` carries its own pixels; one with
neither (or whose TIFFs are absent) yields complete metadata records, and reading pixels says
that the file carries metadata only.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from imagesteward.errors import FormatError, ImplausibleSizeError
from imagesteward.formats._ome import OME_NAMESPACE_PREFIX, acquisition_dates_as_written, parse_ome
from imagesteward.formats._tiff import library_versions
from imagesteward.formats.reader import ImageSource, Probe, ReadContext, Verdict
from imagesteward.formats.safety import parse_xml

__all__ = ["OmeXmlReader"]

#: How far into a file the OME root element may start (declaration, comments, whitespace).
_ROOT_WINDOW = 16 * 1024


class OmeXmlReader:
    """OME-XML documents, with pixels from BinData or referenced TIFF files."""

    name: ClassVar[str] = "ome-xml"
    title: ClassVar[str] = "OME-XML"
    suffixes: ClassVar[tuple[str, ...]] = (".ome.xml", ".companion.ome", ".ome")
    library: ClassVar[str] = "ome-types"
    modules: ClassVar[tuple[str, ...]] = (
        "ome_types",
        "lxml",
        "tifffile",
        "numpy",
        "imagesteward.formats._ome_source",
    )

    def sniff(self, probe: Probe) -> Verdict:
        """Accept XML whose root element is OME in an OME namespace."""
        if probe.is_dir:
            return Verdict(0, "a directory")
        head = probe.head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith(b"<"):
            return Verdict(0, "not XML")
        window = head[:_ROOT_WINDOW]
        if OME_NAMESPACE_PREFIX.encode() not in window or not _root_is_ome(window):
            return Verdict(0, "XML, but its root element is not OME")
        return Verdict(100, "XML with an <OME> root in the OME namespace")

    def open(self, path: Path, context: ReadContext) -> ImageSource:
        """Parse the document (safely) and resolve the files its TiffData blocks name."""
        size = path.stat().st_size
        if size > context.max_metadata_bytes:
            raise ImplausibleSizeError(
                path,
                f"OME-XML document is {size:,} bytes, over the limit of "
                f"{context.max_metadata_bytes:,} (setting max_metadata_bytes)",
            )
        try:
            xml = path.read_bytes()
        except OSError as exc:
            raise FormatError(path, f"cannot be read: {exc.strerror or exc}") from exc
        from imagesteward.formats._ome_source import OmeSource

        ome = parse_ome(xml, path, context)
        dates = acquisition_dates_as_written(parse_xml(xml, path, context))
        reader = f"imagesteward {self.name} ({library_versions('ome-types', 'tifffile')})"
        return OmeSource(
            path,
            context,
            ome=ome,
            xml=xml,
            xml_path=path,
            host=None,
            file_format="ome-xml",
            reader=reader,
            dates_as_written=dates,
        )


def _root_is_ome(window: bytes) -> bool:
    """Whether the first element (after the declaration, comments, PIs) is ``OME``."""
    position = 0
    while True:
        start = window.find(b"<", position)
        if start < 0 or start + 1 >= len(window):
            return False
        marker = window[start + 1 : start + 2]
        if marker == b"?":
            end = window.find(b"?>", start)
        elif window.startswith(b"<!--", start):
            end = window.find(b"-->", start)
        elif marker == b"!":
            # A DOCTYPE: accept the sniff; parse_ome refuses DTDs with a clear message.
            end = window.find(b">", start)
        else:
            name = window[start + 1 :].split(maxsplit=1)[0].split(b">")[0].split(b"/")[0]
            return name.rpartition(b":")[2] == b"OME"
        if end < 0:
            return False
        position = end + 1
