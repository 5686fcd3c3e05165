"""DICOM images, read with pydicom: VL Whole Slide Microscopy and other image objects.

One file is one DICOM instance and one series. A whole-slide instance is one resolution level of
a pyramid that DICOM stores as separate instances, so each file has a single level here.

Whole-slide images (``TotalPixelMatrixRows/Columns`` present) are presented as the total pixel
matrix: axes ``[C][Z]YX[S]`` (C for several optical paths, Z for several focal planes). Tiles
are placed implicitly for ``TILED_FULL`` (optical path, focal plane, tile row, tile column, the
last varying fastest) or from ``PerFrameFunctionalGroupsSequence`` plane positions for
``TILED_SPARSE``; pixels not covered by a tile are 0. Only the frames a region touches are read
and decoded. Other multi-frame images present their frames as Z (or T for cine images with a
Frame Time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from imagesteward.formats.reader import Probe, ReadContext, Verdict

if TYPE_CHECKING:
    from pathlib import Path

    from imagesteward.formats._dicom_source import DicomSource

__all__ = ["DicomReader"]

_VRS = frozenset(
    b"AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN "
    b"UR US UT UV".split()
)


class DicomReader:
    """Reader for DICOM image objects, with whole-slide (WSI) tile assembly."""

    name: ClassVar[str] = "dicom"
    title: ClassVar[str] = "DICOM"
    suffixes: ClassVar[tuple[str, ...]] = (".dcm", ".dicom")
    library: ClassVar[str] = "pydicom"
    modules: ClassVar[tuple[str, ...]] = (
        "pydicom",
        "pylibjpeg",
        "libjpeg",
        "numpy",
        "imagesteward.formats._dicom_source",
    )

    def sniff(self, probe: Probe) -> Verdict:
        """``DICM`` at byte 128, or a dataset that starts with a plausible group 0002/0008 tag."""
        head = probe.head
        if probe.is_dir:
            return Verdict(0, "a directory")
        if head[128:132] == b"DICM":
            return Verdict(100, "DICM prefix at byte 128 (DICOM Part 10 file)")
        if len(head) >= 8:
            group, element = (
                int.from_bytes(head[0:2], "little"),
                int.from_bytes(head[2:4], "little"),
            )
            if group in (0x0002, 0x0008) and element < 0x0100:
                if head[4:6] in _VRS:
                    return Verdict(
                        50,
                        f"no DICM prefix; starts with tag ({group:04X},{element:04X}) and VR "
                        f"{head[4:6].decode()} like a DICOM dataset",
                    )
                length = int.from_bytes(head[4:8], "little")
                if 0 < length < 1024:
                    return Verdict(
                        30,
                        f"no DICM prefix; starts with tag ({group:04X},{element:04X}) like an "
                        "implicit-VR DICOM dataset",
                    )
        return Verdict(0, "no DICM prefix and no DICOM tag at byte 0")

    def open(self, path: Path, context: ReadContext) -> DicomSource:
        """Open ``path``; the handle is released by the source's ``close``."""
        from imagesteward.formats._dicom_source import DicomSource

        return DicomSource(path, context)
