"""Leica LIF files, read with liffile.

One series per image in the container, in the order liffile lists them. Axes are the image's
own dimensions in storage order, as LAS X recorded them: an XZ scan is ``ZX`` (Y has size 1 and
no calibration), an XZ time series ``TZX``, an XZY volume ``YZX``. Axes of size one are left out.

The container XML is UTF-16; it is checked with
:func:`~imagesteward.formats.safety.parse_xml` (no DTDs or entities) before liffile parses it.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, ClassVar

from imagesteward.formats.reader import Probe, ReadContext, Verdict

if TYPE_CHECKING:
    from pathlib import Path

    from imagesteward.formats._lif_source import LifSource

__all__ = ["LifReader"]

_HEADER = struct.Struct("<IIBI")


class LifReader:
    """Reader for Leica Image Format (LIF) containers."""

    name: ClassVar[str] = "lif"
    title: ClassVar[str] = "Leica LIF"
    suffixes: ClassVar[tuple[str, ...]] = (".lif",)
    library: ClassVar[str] = "liffile"
    modules: ClassVar[tuple[str, ...]] = ("liffile", "numpy", "imagesteward.formats._lif_source")

    def sniff(self, probe: Probe) -> Verdict:
        """Recognise the LIF memory block header (0x70, 0x2A) followed by UTF-16 XML."""
        head = probe.head
        if probe.is_dir or len(head) < _HEADER.size:
            return Verdict(0, "too short for a LIF header")
        magic, _, marker, length = _HEADER.unpack_from(head)
        if magic != 0x70 or marker != 0x2A:
            return Verdict(0, "no LIF block magic 0x70/0x2A")
        start = head[_HEADER.size : _HEADER.size + 80].decode("utf-16-le", errors="replace")
        if start.startswith(("<LMSDataContainerHeader", "<LMSDataContainerEnhancedHeader")):
            return Verdict(100, "LIF block magic 0x70/0x2A and an LMSDataContainerHeader XML")
        if length > 0 and start.startswith("<"):
            return Verdict(60, "LIF block magic 0x70/0x2A followed by UTF-16 XML")
        return Verdict(0, "LIF block magic without XML")

    def open(self, path: Path, context: ReadContext) -> LifSource:
        """Open ``path``; the handle is released by the source's ``close``."""
        from imagesteward.formats._lif_source import LifSource

        return LifSource(path, context)
