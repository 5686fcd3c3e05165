"""TIFF plumbing shared by the TIFF-family sources: safe opening and page reads.

``open_tiff`` is the only place a :class:`tifffile.TiffFile` is created. It switches off every
tifffile feature that opens *other* files on the strength of names found inside the file
(multi-file OME series, Micro-Manager stacks, NDTiff indexes): imagesteward validates such names
itself and opens them explicitly.
"""

from __future__ import annotations

import logging
import struct
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import tifffile

from imagesteward.errors import CorruptFileError, ImageStewardError
from imagesteward.formats._tiff_segments import read_window
from imagesteward.formats.reader import ReadContext
from imagesteward.formats.safety import check_plausible_size

__all__ = [
    "check_data_extents",
    "open_tiff",
    "plane_chunks",
    "read_page",
    "subifd_page",
    "tifffile_problems",
]


class _ThreadErrors(logging.Handler):
    """Collects tifffile's ERROR records emitted on one thread (ingest reads files in parallel)."""

    def __init__(self, thread: int) -> None:
        super().__init__(level=logging.ERROR)
        self.thread = thread
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextmanager
def _collected(path: Path) -> Iterator[_ThreadErrors]:
    handler = _ThreadErrors(threading.get_ident())
    logger = logging.getLogger("tifffile")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _raise_logged(path: Path, handler: _ThreadErrors) -> None:
    if handler.messages:
        shown = "; ".join(dict.fromkeys(handler.messages))
        raise CorruptFileError(path, f"damaged TIFF structure (truncated or corrupt): {shown}")


@contextmanager
def tifffile_problems(path: Path) -> Iterator[None]:
    """Turn damage that tifffile only *logs* into a :class:`CorruptFileError`.

    tifffile recovers from broken IFD chains, out-of-file tag values and inconsistent strip
    counts by logging and carrying on with what it could parse; a truncated OME-TIFF then looks
    like a valid one-page TIFF. For an archive that is data loss, so such a file is refused.
    """
    with _collected(path) as handler:
        yield
    _raise_logged(path, handler)


def check_data_extents(path: Path, pages: Sequence[Any], file_size: int) -> None:
    """Refuse pages whose pixel data would lie beyond the end of the file (truncation)."""
    for page in pages:
        offsets = getattr(page, "dataoffsets", ()) or ()
        counts = getattr(page, "databytecounts", ()) or ()
        ends = [o + c for o, c in zip(offsets, counts, strict=False) if c]
        if ends and max(ends) > file_size:
            raise CorruptFileError(
                path,
                f"is truncated: page {page.index} needs bytes up to {max(ends):,} but the file "
                f"ends at {file_size:,}",
            )


def open_tiff(path: Path, context: ReadContext | None = None) -> tifffile.TiffFile:
    """Open a TIFF with tifffile, never letting it follow names inside the file.

    Raises
    ------
    CorruptFileError
        When tifffile cannot parse the file (truncated, not a TIFF, damaged IFDs).
    """
    try:
        with _collected(path) as handler:
            tif = tifffile.TiffFile(path, _multifile=False, is_mmstack=False, is_ndtiff=False)
        try:
            # A forged IFD claiming gigapixels is reported as such, before the damage it causes.
            first = tif.pages.first
            check_plausible_size(
                path,
                [tuple(first.shape)],
                first.dtype.itemsize if first.dtype else 1,
                path.stat().st_size,
                context or ReadContext(),
            )
            _raise_logged(path, handler)
        except BaseException:
            tif.close()
            raise
        return tif
    except ImageStewardError:
        raise
    except (tifffile.TiffFileError, ValueError, struct.error, EOFError) as exc:
        raise CorruptFileError(path, f"cannot be read as TIFF: {exc}") from exc
    except OSError as exc:
        raise CorruptFileError(path, f"cannot be opened: {exc.strerror or exc}") from exc


def subifd_page(tif: tifffile.TiffFile, page: Any, level: int) -> Any:
    """Resolution ``level`` (1 = first SubIFD) of ``page`` in a SubIFD pyramid."""
    handle = tif.filehandle
    with handle.lock:
        handle.seek(page.subifds[level - 1])
        return tifffile.TiffPage(tif, (page.index, level))


def read_page(
    page: Any, region: tuple[int | slice, ...], out: np.ndarray | None = None
) -> np.ndarray:
    """Read a region of one page as (Y, X[, S]), decoding only the tiles it touches.

    ``out``, when given, is tried as the destination (the result is then ``out`` itself);
    a caller must copy the result into it when it is another array.

    ``region`` indexes Y, X and (when present) S. Ordinary pages (2-D tiles or strips,
    interleaved samples) are decoded segment by segment straight into the window
    (:mod:`imagesteward.formats._tiff_segments`); others fall back to tifffile: stripped pages
    decoded whole, tiled pages through its zarr store so a small window stays small.
    """
    direct = _read_direct(page, region, out)
    if direct is not None:
        return direct
    wanted = dict(zip("YXS", region, strict=False))
    axes: str = page.axes
    index = tuple(wanted.get(axis, slice(None)) for axis in axes)
    partial = any(item != slice(None) for item in region)
    if page.is_tiled and partial:
        import zarr

        store = page.aszarr()
        try:
            data = np.asarray(zarr.open_array(store, mode="r")[index])
        finally:
            store.close()
    else:
        data = page.asarray()[index]
    remaining = [axis for axis, item in zip(axes, index, strict=True) if not isinstance(item, int)]
    order = [remaining.index(axis) for axis in "YXS" if axis in remaining]
    if order != sorted(order):
        data = np.transpose(data, order)
    return data


def _read_direct(
    page: Any, region: tuple[int | slice, ...], out: np.ndarray | None
) -> np.ndarray | None:
    items = [*region, *([slice(None)] * (3 - len(region)))]
    rows, columns, samples = items[:3]
    if not all(isinstance(i, int | slice) for i in (rows, columns, samples)):
        return None
    spans = [slice(i, i + 1) if isinstance(i, int) else i for i in (rows, columns)]
    # Straight into the caller's array when it is the plain (Y, X[, S]) window.
    whole = isinstance(rows, slice) and isinstance(columns, slice) and samples == slice(None)
    target = None
    if out is not None and whole:
        target = out if out.ndim == 3 else out[..., np.newaxis]
    try:
        data = read_window(page, spans[0], spans[1], target)
    except (ValueError, TypeError, AttributeError):
        return None  # the general route reads it and reports any damage in its own words
    if data is None:
        return None
    if target is not None:
        return out
    rows_index = 0 if isinstance(rows, int) else slice(None)
    columns_index = 0 if isinstance(columns, int) else slice(None)
    if data.shape[2] == 1 and len(region) < 3:
        return data[rows_index, columns_index, 0]
    return data[rows_index, columns_index, samples]


def plane_chunks(dims: tuple[str, ...], shape: tuple[int, ...], page: Any) -> tuple[int, ...]:
    """Natural read unit along ``dims``: one tile (or the whole plane) of one plane."""
    tile = (page.tilelength, page.tilewidth) if page.is_tiled else (None, None)
    chunks = []
    for dim, size in zip(dims, shape, strict=True):
        if dim == "Y":
            chunks.append(min(tile[0] or size, size))
        elif dim == "X":
            chunks.append(min(tile[1] or size, size))
        elif dim == "S":
            chunks.append(size)
        else:
            chunks.append(1)
    return tuple(chunks)
