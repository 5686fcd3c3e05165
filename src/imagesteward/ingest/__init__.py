"""Ingest: instrument files in, catalogued images and safely stored originals out.

Both the CLI and the server call :func:`ingest_paths`; :func:`inspect_path` shows what would be
captured without writing anything.
"""

from imagesteward.ingest.discover import discover, upload_roots
from imagesteward.ingest.extract import Extraction, extract
from imagesteward.ingest.inspect import Inspection, inspect_path
from imagesteward.ingest.pipeline import IngestOptions, IngestProgress, ingest_paths
from imagesteward.ingest.report import FileOutcome, IngestReport, Status

__all__ = [
    "Extraction",
    "FileOutcome",
    "IngestOptions",
    "IngestProgress",
    "IngestReport",
    "Inspection",
    "Status",
    "discover",
    "extract",
    "ingest_paths",
    "inspect_path",
    "upload_roots",
]
