"""What ingest did with each path: the per-file summary the CLI prints and the API returns."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FileOutcome", "IngestReport", "Status"]


class Status(enum.StrEnum):
    """Fate of one ingested path."""

    ADDED = "added"
    DUPLICATE = "duplicate"  # content already in the catalog: nothing added
    PART_OF = "part of"  # a member of another file's set (multi-file OME-TIFF, companion)
    FAILED = "failed"
    WOULD_ADD = "would add"  # --dry-run


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """One path's result.

    Attributes
    ----------
    path
        The file or directory as found.
    status
        What happened.
    images
        Image records added (or that would be added, or that already exist).
    reader
        The reader that read it, when one did.
    size
        Bytes of the file set.
    message
        Human explanation: the error for failures, the existing record for duplicates.
    error_type
        The exception class name for failures.
    image_ids
        Catalog ids of the image records concerned.
    rendition
        Where the OME-Zarr rendition is, or why the conversion failed.
    rendition_failed
        The originals were catalogued but their conversion failed (retry: ``steward convert``).
    """

    path: Path
    status: Status
    images: int = 0
    reader: str | None = None
    size: int = 0
    message: str = ""
    error_type: str | None = None
    image_ids: tuple[int, ...] = ()
    rendition: str = ""
    rendition_failed: bool = False


@dataclass(slots=True)
class IngestReport:
    """Everything an ingest run did, in input order."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    elapsed_s: float = 0.0
    recovered: str | None = None

    def count(self, status: Status) -> int:
        """How many paths ended with ``status``."""
        return sum(1 for outcome in self.outcomes if outcome.status is status)

    @property
    def failed(self) -> list[FileOutcome]:
        """The paths that failed."""
        return [o for o in self.outcomes if o.status is Status.FAILED]

    @property
    def images_added(self) -> int:
        """Image records created by this run."""
        return sum(o.images for o in self.outcomes if o.status is Status.ADDED)

    @property
    def bytes_added(self) -> int:
        """Bytes of originals stored by this run."""
        return sum(o.size for o in self.outcomes if o.status is Status.ADDED)

    @property
    def conversion_failures(self) -> list[FileOutcome]:
        """Paths ingested whose OME-Zarr conversion failed."""
        return [o for o in self.outcomes if o.rendition_failed]

    @property
    def exit_code(self) -> int:
        """0 when every path was handled, 1 when some failed (the rest still went in)."""
        return 1 if self.failed or self.conversion_failures else 0
