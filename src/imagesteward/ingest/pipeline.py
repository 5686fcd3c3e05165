"""The ingest pipeline: discover, read metadata, copy-and-checksum, commit - crash-safe.

Order of effects for one file set, chosen so that a SIGKILL at any instant leaves nothing
half-written:

1. Read metadata (nothing written).
2. Stage the originals: one read pass copies into the store's staging area and hashes.
3. Open a store transaction: its journal is on disk *before* any object lands in ``objects/``.
4. Move staged objects into place (atomic renames).
5. Commit the catalog rows in ONE database transaction.
6. Turn the journal into an append-only ledger entry.

A kill between 3 and 5 leaves objects the catalog does not reference; the next ingest's
``store.recover`` (run under the store's writer lock before anything else) deletes them. A
kill between 5 and 6 leaves a journal whose objects are all referenced; recovery files it in
the ledger. Catalog writes happen on the calling thread only: SQLite has one writer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from imagesteward.formats import ReadContext
from imagesteward.ingest.discover import discover, upload_roots
from imagesteward.ingest.report import FileOutcome, IngestReport, Status
from imagesteward.ingest.stream import stream_ingest

if TYPE_CHECKING:
    from imagesteward.installation import Installation
    from imagesteward.store import RecoveryReport

__all__ = ["IngestOptions", "IngestProgress", "ingest_paths"]


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How to ingest.

    Attributes
    ----------
    project, dataset
        Where the images go (created when missing); the installation's defaults otherwise.
    in_place
        Register originals where they are instead of copying them into the store.
    dry_run
        Read and checksum, report what would happen, write nothing.
    jobs
        Files processed in parallel (default: the ``ingest_jobs`` setting).
    user
        Who is ingesting, recorded with each file set.
    convert
        Convert the new images to OME-Zarr (default: the ``convert_on_ingest`` setting).
    """

    project: str | None = None
    dataset: str | None = None
    in_place: bool = False
    dry_run: bool = False
    jobs: int | None = None
    user: str | None = None
    convert: bool | None = None


class IngestProgress(Protocol):
    """Receives progress as ingest runs (the CLI draws bars; tests may record)."""

    def phase(self, name: str, total: int, unit: str) -> None:
        """A new phase starts with ``total`` units of work."""

    def advance(self, amount: int = 1, phase: str | None = None) -> None:
        """``amount`` units of ``phase`` (default: the latest one) are done."""

    def outcome(self, outcome: FileOutcome) -> None:
        """A path is finished."""


class _Silent:
    def phase(self, name: str, total: int, unit: str) -> None:
        del name, total, unit

    def advance(self, amount: int = 1, phase: str | None = None) -> None:
        del amount, phase

    def outcome(self, outcome: FileOutcome) -> None:
        del outcome


def ingest_paths(
    paths: Sequence[Path],
    installation: Installation,
    options: IngestOptions | None = None,
    progress: IngestProgress | None = None,
) -> IngestReport:
    """Ingest files and folders into the catalog and the store.

    Every path gets an outcome; a bad file fails alone (its error names it) and the rest of the
    batch goes on. Re-ingesting content that is already catalogued adds nothing.

    Parameters
    ----------
    paths
        Files and directories; directories are walked, OME-Zarr folders are single items.
    installation
        The opened installation (catalog, store, readers, settings).
    options
        Project, dataset, in-place registration, dry run, parallelism.
    progress
        Optional progress receiver.
    """
    options = options or IngestOptions()
    progress = progress or _Silent()
    started = time.perf_counter()
    settings = installation.settings
    report = IngestReport()
    candidates, missing = discover(paths)
    outcomes: dict[Path, FileOutcome] = {
        path: FileOutcome(
            path, Status.FAILED, message=f"{path}: does not exist", error_type="FileNotFoundError"
        )
        for path in missing
    }
    context = ReadContext(
        allowed_roots=upload_roots(p for p in paths if Path(p).exists()),
        max_metadata_bytes=settings.max_metadata_bytes,
        max_declared_to_actual_ratio=settings.max_declared_to_actual_ratio,
    )
    jobs = options.jobs or settings.ingest_jobs
    with ExitStack() as stack:
        pool = stack.enter_context(
            ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="ingest")
        )
        store = installation.store
        if not options.dry_run:
            stack.enter_context(store.writer_lock())
            recovery = store.recover(installation.catalog.referenced_digests)
            report.recovered = None if recovery.clean else _describe_recovery(recovery)
        stream_ingest(candidates, installation, context, options, pool, jobs, progress, outcomes)
    convert = settings.convert_on_ingest if options.convert is None else options.convert
    if convert and not options.dry_run:
        _convert_added(installation, outcomes, progress)
    for path in [*missing, *candidates]:
        report.outcomes.append(outcomes[path])
    report.elapsed_s = time.perf_counter() - started
    return report


def _convert_added(
    installation: Installation, outcomes: dict[Path, FileOutcome], progress: IngestProgress
) -> None:
    """Convert what this run added, after the originals are safely catalogued."""
    from dataclasses import replace

    from imagesteward.ingest.renditions import convert_images

    added = [(path, o) for path, o in outcomes.items() if o.status is Status.ADDED and o.image_ids]
    progress.phase("Converting", len(added), "file sets")
    for path, outcome in added:
        (result,) = convert_images(installation, outcome.image_ids)
        if not result.ok:
            text = f"conversion failed: {result.message}"
        else:
            text = result.url or result.message
            text += f" ({result.note})" if result.note else ""
        outcomes[path] = replace(outcome, rendition=text, rendition_failed=not result.ok)
        progress.advance()
        if not result.ok:
            progress.outcome(outcomes[path])


def _describe_recovery(recovery: RecoveryReport) -> str:
    parts = [
        (recovery.journals_rolled_back, "interrupted transaction(s) rolled back"),
        (recovery.journals_committed, "committed transaction(s) filed in the ledger"),
        (recovery.objects_removed, "unreferenced object(s) removed"),
        (recovery.staging_removed, "partial copy(ies) removed"),
        (recovery.in_place_removed, "in-place registration(s) removed"),
    ]
    return ", ".join(f"{count} {text}" for count, text in parts if count)
