"""DICOM pixel data, frame by frame, without loading the Pixel Data element.

The element's position is noted while the dataset is parsed (pydicom stops before it). For
native (uncompressed) data a frame is a fixed-size slice at a computed offset. For encapsulated
data the item headers are walked once (8 bytes each, values skipped) to list the fragments;
fragments are grouped into frames with the Extended Offset Table, the Basic Offset Table, one
fragment per frame, or - when the Basic Offset Table is empty and frames span several fragments -
by the codestream start markers (JPEG and JPEG-LS ``FFD8``, JPEG 2000 ``FF4F``). A frame is
decoded by pydicom's decoders (pylibjpeg, imagecodecs...) only when a region needs it.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.pixels.decoders.base import get_decoder
from pydicom.pixels.utils import as_pixel_options

from imagesteward.errors import CorruptFileError, UnsupportedFormatError

__all__ = ["FrameIndex"]

_ITEM = (0xFFFE, 0xE000)
_SEQUENCE_END = (0xFFFE, 0xE0DD)
_STARTS = (b"\xff\xd8", b"\xff\x4f\xff\x51", b"\x00\x00\x00\x0cjP")
_PIXEL_KEYWORDS = {
    (0x7FE0, 0x0010): "PixelData",
    (0x7FE0, 0x0008): "FloatPixelData",
    (0x7FE0, 0x0009): "DoubleFloatPixelData",
}


@dataclass(frozen=True, slots=True)
class _Frame:
    fragments: tuple[tuple[int, int], ...]  # (file offset, length) of each fragment


class FrameIndex:
    """Where each frame of a DICOM file's pixel data lies, and how to decode it.

    Parameters
    ----------
    path
        The file (named in errors).
    handle
        An open binary handle, positioned at the Pixel Data element's tag.
    dataset
        The dataset read up to the pixel data (group 0028 and file meta information).
    file_size
        Bytes in the file, to refuse offsets beyond its end.
    """

    def __init__(self, path: Path, handle: IO[bytes], dataset: Dataset, file_size: int) -> None:
        self.path = path
        self._handle = handle
        self._size = file_size
        self._syntax = dataset.file_meta.TransferSyntaxUID
        little = self._syntax.is_little_endian
        implicit = self._syntax.is_implicit_VR
        start = handle.tell()
        header = handle.read(8)
        if len(header) < 8:
            raise CorruptFileError(path, f"ends at byte {start:,} before its Pixel Data element")
        group, element = struct.unpack("<HH" if little else ">HH", header[:4])
        keyword = _PIXEL_KEYWORDS.get((group, element))
        if keyword is None:
            raise CorruptFileError(
                path,
                f"expected the Pixel Data element at byte {start:,}, found ({group:04X},"
                f"{element:04X})",
            )
        if implicit:
            (length,) = struct.unpack("<I" if little else ">I", header[4:8])
            value_start = start + 8
        else:
            extra = handle.read(4)
            (length,) = struct.unpack("<I" if little else ">I", extra)
            value_start = start + 12
        self.frames_declared = int(dataset.get("NumberOfFrames", 1) or 1)
        options = as_pixel_options(dataset)
        options["number_of_frames"] = 1
        options["pixel_keyword"] = keyword
        options["transfer_syntax_uid"] = self._syntax
        self._options: dict[str, Any] = options
        self.encapsulated = self._syntax.is_encapsulated
        if self.encapsulated:
            if length != 0xFFFFFFFF:
                raise CorruptFileError(
                    path,
                    f"encapsulated Pixel Data must have undefined length; found {length:,} bytes",
                )
            self._frames = self._index_fragments(value_start, dataset)
        else:
            self._frames = self._index_native(value_start, length, dataset)

    # ------------------------------------------------------------------ indexing
    def _index_native(self, value_start: int, length: int, dataset: Dataset) -> list[_Frame]:
        bits = int(dataset.get("BitsAllocated", 0) or 0)
        if bits not in (8, 16, 32, 64):
            raise UnsupportedFormatError(
                self.path, f"native pixel data with {bits} bits allocated is not supported"
            )
        rows, columns = int(dataset.Rows), int(dataset.Columns)
        samples = int(dataset.get("SamplesPerPixel", 1) or 1)
        frame_bytes = rows * columns * samples * bits // 8
        if str(dataset.get("PhotometricInterpretation", "")) == "YBR_FULL_422":
            frame_bytes = frame_bytes * 2 // 3
        needed = frame_bytes * self.frames_declared
        if length != 0xFFFFFFFF and length < needed:
            raise CorruptFileError(
                self.path,
                f"Pixel Data holds {length:,} bytes but {self.frames_declared} frames "
                f"of {rows}x{columns}x{samples} need {needed:,}",
            )
        if value_start + needed > self._size:
            raise CorruptFileError(
                self.path,
                f"pixel data ends at byte {value_start + needed:,}, past the end of "
                f"the file ({self._size:,} bytes; truncated)",
            )
        return [
            _Frame(((value_start + i * frame_bytes, frame_bytes),))
            for i in range(self.frames_declared)
        ]

    def _index_fragments(self, value_start: int, dataset: Dataset) -> list[_Frame]:
        handle = self._handle
        handle.seek(value_start)
        items: list[tuple[int, int]] = []
        position = value_start
        while True:
            header = handle.read(8)
            if len(header) < 8:
                raise CorruptFileError(
                    self.path,
                    f"encapsulated pixel data is cut off at byte {position:,} "
                    "(no sequence delimiter; truncated)",
                )
            group, element, length = struct.unpack("<HHI", header)
            if (group, element) == _SEQUENCE_END:
                break
            if (group, element) != _ITEM:
                raise CorruptFileError(
                    self.path,
                    f"expected a pixel data item at byte {position:,}, found "
                    f"({group:04X},{element:04X})",
                )
            data_start = position + 8
            if length == 0xFFFFFFFF or data_start + length > self._size:
                raise CorruptFileError(
                    self.path,
                    f"pixel data item at byte {position:,} declares {length:,} bytes, "
                    f"beyond the end of the file ({self._size:,} bytes)",
                )
            items.append((data_start, length))
            position = data_start + length
            handle.seek(position)
        if not items:
            raise CorruptFileError(self.path, "encapsulated pixel data has no Basic Offset Table")
        bot, fragments = items[0], items[1:]
        if not fragments:
            raise CorruptFileError(self.path, "encapsulated pixel data holds no fragments")
        first_item = fragments[0][0] - 8
        n_frames = self.frames_declared
        extended = dataset.get("ExtendedOffsetTable")
        if extended is not None:
            offsets = [int(v) for v in np.frombuffer(bytes(extended), "<u8")]
            return self._group_by_offsets(offsets, first_item, fragments)
        if bot[1]:
            handle.seek(bot[0])
            raw = handle.read(bot[1])
            offsets = list(struct.unpack(f"<{bot[1] // 4}I", raw[: bot[1] // 4 * 4]))
            return self._group_by_offsets(offsets, first_item, fragments)
        if len(fragments) == n_frames:
            return [_Frame((fragment,)) for fragment in fragments]
        if n_frames == 1:
            return [_Frame(tuple(fragments))]
        starts = []
        for index, (offset, _) in enumerate(fragments):
            handle.seek(offset)
            if handle.read(6).startswith(_STARTS):
                starts.append(index)
        if len(starts) != n_frames or (starts and starts[0] != 0):
            raise CorruptFileError(
                self.path,
                f"{len(fragments)} fragments for {n_frames} frames, no offset table, "
                f"and {len(starts)} codestream starts: the frame boundaries cannot be found",
            )
        bounds = [*starts, len(fragments)]
        return [_Frame(tuple(fragments[a:b])) for a, b in itertools.pairwise(bounds)]

    def _group_by_offsets(
        self, offsets: list[int], first_item: int, fragments: list[tuple[int, int]]
    ) -> list[_Frame]:
        if len(offsets) != self.frames_declared:
            raise CorruptFileError(
                self.path,
                f"the offset table lists {len(offsets)} frames but Number of Frames "
                f"is {self.frames_declared}",
            )
        positions = {offset - 8 - first_item: i for i, (offset, _) in enumerate(fragments)}
        try:
            starts = [positions[o] for o in offsets]
        except KeyError as exc:
            raise CorruptFileError(
                self.path, f"offset table entry {exc.args[0]} does not point at a fragment"
            ) from exc
        bounds = [*starts, len(fragments)]
        return [_Frame(tuple(fragments[a:b])) for a, b in itertools.pairwise(bounds)]

    # ------------------------------------------------------------------ decoding
    def __len__(self) -> int:
        return len(self._frames)

    def decode(self, index: int) -> np.ndarray:
        """Decode frame ``index`` (0-based) as (rows, columns[, samples])."""
        frame = self._frames[index]
        chunks = []
        for offset, length in frame.fragments:
            self._handle.seek(offset)
            data = self._handle.read(length)
            if len(data) != length:
                raise CorruptFileError(
                    self.path, f"frame {index + 1} is cut off at byte {offset + len(data):,}"
                )
            chunks.append(data)
        payload = b"".join(chunks)
        try:
            decoder = get_decoder(self._syntax)
        except NotImplementedError as exc:
            raise UnsupportedFormatError(
                self.path, f"transfer syntax {self._syntax.name} cannot be decoded"
            ) from exc
        source = encapsulate([payload]) if self.encapsulated else payload
        try:
            array, _ = decoder.as_array(source, **self._options)
        except (RuntimeError, ValueError) as exc:
            raise CorruptFileError(
                self.path, f"frame {index + 1} cannot be decoded ({self._syntax.name}): {exc}"
            ) from exc
        return array
