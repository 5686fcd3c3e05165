"""The reader contract: what every format reader provides.

A reader is a small class registered under the ``imagesteward.readers`` entry point. Selection
asks every reader for a :class:`Verdict` on a :class:`Probe` (the path and its first bytes), picks
the highest score, and explains the choice in a :class:`SelectionReport`. The chosen reader then
opens the file as an :class:`ImageSource`: a context manager that exposes each series' metadata
(:class:`~imagesteward.model.SeriesInfo`) and reads pixels lazily, region by region.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Protocol, Self, runtime_checkable

from imagesteward.model import Attachment, SeriesInfo

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "HEAD_BYTES",
    "ImageSource",
    "OriginalMetadata",
    "Probe",
    "ReadContext",
    "Reader",
    "Selection",
    "Verdict",
]

#: Bytes of a file's beginning handed to readers for sniffing.
HEAD_BYTES = 64 * 1024

#: A region along named axes: an index keeps the axis out of the result, a slice keeps it.
Selection = Mapping[str, int | slice]


@dataclass(frozen=True, slots=True)
class Probe:
    """What a reader sees when asked whether it can read a path.

    ``head`` is empty for directories (OME-Zarr); ``listing`` holds a directory's entry names.
    """

    path: Path
    head: bytes
    is_dir: bool = False
    listing: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        """Lower-case file name, for suffix checks."""
        return self.path.name.lower()


@dataclass(frozen=True, slots=True)
class Verdict:
    """A reader's answer to a probe.

    ``score`` is 0 when the reader cannot read the file; otherwise higher is more specific:
    100 for a format identified by its content (magic bytes plus a flavour marker such as
    OME-XML in a TIFF), 80 for magic bytes alone, 50 for a generic fallback (plain TIFF).
    ``reason`` says what was seen, for the selection report.
    """

    score: int
    reason: str

    @property
    def accepts(self) -> bool:
        """Whether the reader offers to read the file."""
        return self.score > 0


@dataclass(frozen=True, slots=True)
class ReadContext:
    """Limits and permissions a reader must honour when opening a file.

    Attributes
    ----------
    allowed_roots
        Directories the reader may open files in. A file's metadata naming another file (a
        companion OME-XML, a multi-file OME-TIFF) may only lead to files inside these roots.
    max_metadata_bytes
        Largest embedded metadata document accepted.
    max_declared_to_actual_ratio
        Declared uncompressed pixel bytes may exceed the file's size by at most this factor.
    """

    allowed_roots: tuple[Path, ...] = ()
    max_metadata_bytes: int = 64 * 1024 * 1024
    max_declared_to_actual_ratio: float = 1.0e4

    def allows(self, path: Path) -> bool:
        """Whether ``path`` (resolved) lies inside one of the allowed roots."""
        resolved = path.resolve()
        return any(resolved == root or resolved.is_relative_to(root) for root in self._roots())

    def _roots(self) -> tuple[Path, ...]:
        return tuple(root.resolve() for root in self.allowed_roots)


@dataclass(frozen=True, slots=True)
class OriginalMetadata:
    """The complete metadata of the original file, verbatim, to keep as an attachment."""

    name: str
    media_type: str
    content: bytes

    def attachment(self, description: str) -> Attachment:
        """The model's record of this document: its name, type, size and SHA-256."""
        return Attachment(
            name=self.name,
            media_type=self.media_type,
            sha256=hashlib.sha256(self.content).hexdigest(),
            size_bytes=len(self.content),
            description=description,
        )


@runtime_checkable
class ImageSource(Protocol):
    """An opened file (or file set) with one or more series. Closing releases every handle."""

    path: Path

    @property
    def files(self) -> Sequence[Path]:
        """Every file this source reads, the opened path first (companions, multi-file sets)."""

    @property
    def series(self) -> Sequence[SeriesInfo]:
        """Metadata and pixel structure of every series, in file order."""

    def original_metadata(self) -> OriginalMetadata | None:
        """The file's complete native metadata, if it has any."""

    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        """Read a region of one series at one resolution level.

        ``selection`` maps axis letters (from the series' ``structure.dims``) to an index or a
        slice; integer-indexed axes are dropped from the result, missing axes are read whole.
        The result has the remaining axes in ``structure.dims`` order and the native dtype.
        """

    def close(self) -> None:
        """Release every file handle. Idempotent."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Reader(Protocol):
    """A format reader, discovered through the ``imagesteward.readers`` entry point."""

    #: Short stable name, e.g. ``ome-tiff`` (also the entry point name).
    name: ClassVar[str]
    #: What a person would call the format, e.g. ``OME-TIFF``.
    title: ClassVar[str]
    #: Usual file name endings, lower case, for listings and hints (never for the decision).
    suffixes: ClassVar[tuple[str, ...]]
    #: The library that does the reading, e.g. ``tifffile``.
    library: ClassVar[str]
    #: Heavy modules the reader imports lazily. They are imported on the main thread before
    #: files are read in parallel: concurrent first imports of packages with circular imports
    #: deadlock in CPython (``_DeadlockError``, or a ``KeyError`` from ``sys.modules``).
    modules: ClassVar[tuple[str, ...]]

    def sniff(self, probe: Probe) -> Verdict:
        """Decide from the content whether this reader can read ``probe.path``."""

    def open(self, path: Path, context: ReadContext) -> ImageSource:
        """Open ``path``; bad input raises a :class:`~imagesteward.errors.FormatError`."""
