"""Recognising TIFFs from their first bytes: magic, first IFD tags, ImageDescription start.

Kept free of heavy imports: every file offered for ingest is sniffed by every reader.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["TiffHeader", "sniff_tiff"]

_MAGIC = {
    b"II*\x00": ("<", False),
    b"MM\x00*": (">", False),
    b"II+\x00": ("<", True),
    b"MM\x00+": (">", True),
}
#: Enough of an ImageDescription to see what wrote it (an OME-XML root can follow a long comment).
_DESCRIPTION_PEEK = 8192
_MAX_ENTRIES = 4096


@dataclass(frozen=True, slots=True)
class TiffHeader:
    """What sniffing learnt from a TIFF's header and first IFD."""

    bigtiff: bool
    tags: frozenset[int] = frozenset()
    description: bytes = b""
    notes: list[str] = field(default_factory=list)


def sniff_tiff(path: Path, head: bytes) -> TiffHeader | None:
    """Parse the header and first IFD: tag codes and the start of the ImageDescription.

    Only the first bytes are needed in the usual layout; when the first IFD or the description
    lies beyond ``head``, a bounded read of the file fetches them. ``None`` when not a TIFF.
    """
    magic = _MAGIC.get(head[:4])
    if magic is None:
        return None
    order, big = magic
    reader = _Bytes(path, head)
    try:
        if big:
            offset = struct.unpack(order + "Q", reader.read(8, 8))[0]
            count = struct.unpack(order + "Q", reader.read(offset, 8))[0]
            entry_size, start = 20, offset + 8
        else:
            offset = struct.unpack(order + "I", reader.read(4, 4))[0]
            count = struct.unpack(order + "H", reader.read(offset, 2))[0]
            entry_size, start = 12, offset + 2
        count = min(count, _MAX_ENTRIES)
        entries = reader.read(start, count * entry_size)
    except (struct.error, OSError, ValueError):
        return TiffHeader(bigtiff=big, notes=["the first IFD cannot be read"])
    tags: set[int] = set()
    description = b""
    for i in range(len(entries) // entry_size):
        entry = entries[i * entry_size : (i + 1) * entry_size]
        code, dtype = struct.unpack(order + "HH", entry[:4])
        tags.add(code)
        if code != 270 or dtype not in (2, 7):
            continue
        if big:
            length = struct.unpack(order + "Q", entry[4:12])[0]
            inline, value_offset = length <= 8, entry[12:20]
        else:
            length = struct.unpack(order + "I", entry[4:8])[0]
            inline, value_offset = length <= 4, entry[8:12]
        peek = min(length, _DESCRIPTION_PEEK)
        try:
            if inline:
                description = value_offset[:peek]
            else:
                where = struct.unpack(order + ("Q" if big else "I"), value_offset)[0]
                description = reader.read(where, peek)
        except (struct.error, OSError, ValueError):
            description = b""
    return TiffHeader(bigtiff=big, tags=frozenset(tags), description=description)


class _Bytes:
    """Bytes at an offset: from the probe's head when there, else a small read of the file."""

    def __init__(self, path: Path, head: bytes) -> None:
        self._path = path
        self._head = head

    def read(self, offset: int, size: int) -> bytes:
        if offset + size <= len(self._head):
            return self._head[offset : offset + size]
        with self._path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read(size)
        if len(data) < size:
            raise ValueError("truncated")
        return data
