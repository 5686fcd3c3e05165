"""Nikon NIS-Elements ND2 files, read with nd2.

Series: one per XY position. NIS-Elements users set up multipoint (XY) acquisitions as separate
fields of view, often far apart on the slide, each with its own stage position and name, so a
position behaves like a CZI scene or a LIF image: the ``P`` loop is split into series and never
appears as an axis. Files without an XY loop have one series.

Axes: the experiment loops in nd2's order (T and Z always present), then the frame: C, Y, X and
S for RGB. Pixels are read frame by frame (one frame holds every channel of one T/Z/P point).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from imagesteward.formats.reader import Probe, ReadContext, Verdict

if TYPE_CHECKING:
    from pathlib import Path

    from imagesteward.formats._nd2_source import Nd2Source

__all__ = ["Nd2Reader"]

_MODERN_MAGIC = b"\xda\xce\xbe\x0a"
_SIGNATURE = b"ND2 FILE SIGNATURE CHUNK NAME01!"
_JP2_MAGIC = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_LEGACY_MAP = b"LABORATORY IMAGING ND BOX MAP 00"


class Nd2Reader:
    """Reader for Nikon ND2 files (modern chunked and legacy JPEG 2000 based)."""

    name: ClassVar[str] = "nd2"
    title: ClassVar[str] = "Nikon ND2"
    suffixes: ClassVar[tuple[str, ...]] = (".nd2",)
    library: ClassVar[str] = "nd2"
    modules: ClassVar[tuple[str, ...]] = ("nd2", "numpy", "imagesteward.formats._nd2_source")

    def sniff(self, probe: Probe) -> Verdict:
        """Recognise the ND2 chunk magic, or a JPEG 2000 file with the legacy ND2 box map."""
        head = probe.head
        if probe.is_dir:
            return Verdict(0, "a directory")
        if head.startswith(_MODERN_MAGIC):
            if head[16:48] == _SIGNATURE:
                return Verdict(100, "ND2 chunk magic and 'ND2 FILE SIGNATURE' chunk at byte 0")
            return Verdict(80, "ND2 chunk magic at byte 0 without the signature chunk")
        if head.startswith(_JP2_MAGIC):
            try:
                with probe.path.open("rb") as handle:
                    handle.seek(-40, 2)
                    tail = handle.read(32)
            except OSError:
                tail = b""
            if tail == _LEGACY_MAP:
                return Verdict(100, "JPEG 2000 file with the legacy ND2 box map at its end")
            return Verdict(0, "a JPEG 2000 file without the legacy ND2 box map")
        return Verdict(0, "no ND2 chunk magic")

    def open(self, path: Path, context: ReadContext) -> Nd2Source:
        """Open ``path``; the nd2 handle and memory map are released by ``close``."""
        from imagesteward.formats._nd2_source import Nd2Source

        return Nd2Source(path, context)
