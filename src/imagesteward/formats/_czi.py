"""Carl Zeiss CZI files, read with czifile.

One series per scene (``S`` coordinate); a file without scenes has one series. Every stored
dimension is kept: besides T, C, Z, Y, X (and S for RGB pixel types) the Airyscan phase ``H``,
rotation ``R``, illumination ``I`` and view ``V`` become extra dimensions when larger than one,
so every stored pixel is reachable. Mosaic tiles (``M``) are composited by czifile.

The metadata XML is checked by :func:`~imagesteward.formats.safety.parse_xml` before czifile
parses it, and declared sizes are checked against the file size before anything is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from imagesteward.formats.reader import Probe, ReadContext, Verdict

if TYPE_CHECKING:
    from pathlib import Path

    from imagesteward.formats._czi_source import CziSource

__all__ = ["CziReader"]

_MAGIC = b"ZISRAWFILE"


class CziReader:
    """Reader for Carl Zeiss CZI (ZISRAW) files."""

    name: ClassVar[str] = "czi"
    title: ClassVar[str] = "Carl Zeiss CZI"
    suffixes: ClassVar[tuple[str, ...]] = (".czi",)
    library: ClassVar[str] = "czifile"
    modules: ClassVar[tuple[str, ...]] = (
        "czifile",
        "imagecodecs",
        "numpy",
        "imagesteward.formats._czi_source",
    )

    def sniff(self, probe: Probe) -> Verdict:
        """Recognise the ZISRAW file header segment."""
        if probe.is_dir:
            return Verdict(0, "a directory")
        if not probe.head.startswith(_MAGIC):
            return Verdict(0, "no ZISRAWFILE segment at byte 0")
        if len(probe.head) < 32 + 80:
            return Verdict(60, "ZISRAWFILE magic, but the file header segment is cut short")
        return Verdict(100, "ZISRAWFILE header segment at byte 0")

    def open(self, path: Path, context: ReadContext) -> CziSource:
        """Open ``path`` (the handle is released by the source's ``close``)."""
        from imagesteward.formats._czi_source import CziSource

        return CziSource(path, context)
