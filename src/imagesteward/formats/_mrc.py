"""MRC / CCP4 maps and image stacks (cryo-EM, electron tomography), read with mrcfile.

The 1024-byte header is checked before mrcfile maps the data: the declared data block
(``nx * ny * nz`` samples of the mode's type after ``1024 + nsymbt`` bytes) must fit in the file.
Sizes are in Ångström (``cella / mx``) and are converted to µm.

Axes: a single image is ``YX``; a volume ``ZYX`` in the order of its sections, rows and columns
(``MAPS``, ``MAPR``, ``MAPC``; usually Z, Y, X); an image stack (space group 0: micrographs,
tilt series, movie frames) is ``ZYX`` with no Z calibration, since its sections are separate
images; a volume stack (space group 401 and up) is ``TZYX``.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from imagesteward.formats.reader import Probe, ReadContext, Verdict

if TYPE_CHECKING:
    from pathlib import Path

    from imagesteward.formats._mrc_source import MrcSource

__all__ = ["MrcHeader", "MrcReader"]

HEADER_SIZE = 1024
#: Bytes per sample of each MRC mode (101 is 4-bit, two samples per byte).
_MODES = {0: 1.0, 1: 2.0, 2: 4.0, 3: 4.0, 4: 8.0, 6: 2.0, 12: 2.0, 101: 0.5}
_MAX_AXIS = 1 << 24


@dataclass(frozen=True, slots=True)
class MrcHeader:
    """The fields of an MRC header that say what the file holds and where."""

    nx: int
    ny: int
    nz: int
    mode: int
    axes: tuple[int, int, int]  # MAPC, MAPR, MAPS
    nsymbt: int
    has_map: bool
    byte_order: str

    @classmethod
    def parse(cls, head: bytes) -> MrcHeader | None:
        """The header in ``head`` (its first 1024 bytes), or None when it cannot be one.

        The byte order comes from the machine stamp; without a known stamp both orders are
        tried and the one giving a known mode and a plausible width wins.
        """
        if len(head) < HEADER_SIZE:
            return None
        stamp = head[212:214]
        if stamp == b"\x11\x11":
            orders = ">"
        elif stamp in (b"\x44\x44", b"\x44\x41"):
            orders = "<"
        else:
            orders = "<>"
        for order in orders:
            nx, ny, nz, mode = struct.unpack_from(f"{order}4i", head, 0)
            mapc, mapr, maps = struct.unpack_from(f"{order}3i", head, 64)
            (nsymbt,) = struct.unpack_from(f"{order}i", head, 92)
            if mode in _MODES and 0 < nx < _MAX_AXIS:
                return cls(
                    nx, ny, nz, mode, (mapc, mapr, maps), nsymbt, head[208:211] == b"MAP", order
                )
        return None

    @property
    def data_bytes(self) -> int:
        """Bytes of the data block the header declares."""
        if self.mode == 101:
            return math.ceil(self.nx / 2) * self.ny * self.nz
        return int(self.nx * self.ny * self.nz * _MODES[self.mode])

    @property
    def data_offset(self) -> int:
        """Where the data block starts: after the header and the extended header."""
        return HEADER_SIZE + max(self.nsymbt, 0)


class MrcReader:
    """Reader for MRC2014 (and older MRC/CCP4) files."""

    name: ClassVar[str] = "mrc"
    title: ClassVar[str] = "MRC"
    suffixes: ClassVar[tuple[str, ...]] = (".mrc", ".mrcs", ".map", ".rec", ".st", ".ali", ".ccp4")
    library: ClassVar[str] = "mrcfile"
    modules: ClassVar[tuple[str, ...]] = ("mrcfile", "numpy", "imagesteward.formats._mrc_source")

    def sniff(self, probe: Probe) -> Verdict:
        """``MAP `` at byte 208 with a plausible header, or a plausible old-style header."""
        if probe.is_dir:
            return Verdict(0, "a directory")
        header = MrcHeader.parse(probe.head)
        if header is None:
            return Verdict(0, "no plausible MRC header (mode, nx)")
        nx, ny, nz = header.nx, header.ny, header.nz
        if not (0 < ny < _MAX_AXIS and 0 < nz < _MAX_AXIS):
            return Verdict(0, f"MRC header dimensions {nx}x{ny}x{nz} are not plausible")
        axes = sorted(header.axes)
        try:
            size = probe.path.stat().st_size
        except OSError:
            size = len(probe.head)
        data_end = header.data_offset + header.data_bytes
        what = f"mode {header.mode}, {nx}x{ny}x{nz}"
        if header.has_map:
            if axes not in ([1, 2, 3], [0, 0, 0]):
                return Verdict(60, f"'MAP' at byte 208 but MAPC/MAPR/MAPS are {axes} ({what})")
            return Verdict(100, f"'MAP ' at byte 208 and a plausible MRC header ({what})")
        if axes == [1, 2, 3] and data_end == size:
            return Verdict(
                40,
                f"no 'MAP' marker; an old-style MRC/CCP4 header ({what}) whose data block "
                "ends exactly at the end of the file",
            )
        return Verdict(0, "no 'MAP' marker and the header does not account for the file size")

    def open(self, path: Path, context: ReadContext) -> MrcSource:
        """Open ``path``; the memory map and handle are released by ``close``."""
        from imagesteward.formats._mrc_source import MrcSource

        return MrcSource(path, context)
