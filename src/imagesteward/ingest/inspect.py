"""``steward inspect``: what a file would give, and why that reader; nothing is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imagesteward.formats import ReadContext, ReaderRegistry, SelectionReport
from imagesteward.ingest.discover import upload_roots
from imagesteward.ingest.extract import Extraction, extract

__all__ = ["Inspection", "inspect_path"]


@dataclass(frozen=True, slots=True)
class Inspection:
    """The selection report and, when a reader accepted the file, what it extracted."""

    report: SelectionReport
    extraction: Extraction | None


def inspect_path(
    path: Path,
    registry: ReaderRegistry,
    *,
    max_metadata_bytes: int = 64 * 1024 * 1024,
    max_declared_to_actual_ratio: float = 1.0e4,
) -> Inspection:
    """Select a reader for ``path`` and extract its metadata; nothing is written anywhere.

    Raises
    ------
    FormatError
        When no reader accepts the file or the chosen reader finds it broken.
    """
    report = registry.select(path)
    if report.chosen is None:
        return Inspection(report, None)
    context = ReadContext(
        allowed_roots=upload_roots([path]),
        max_metadata_bytes=max_metadata_bytes,
        max_declared_to_actual_ratio=max_declared_to_actual_ratio,
    )
    return Inspection(report, extract(path, registry, context))
