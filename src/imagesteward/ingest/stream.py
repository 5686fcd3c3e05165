"""The streaming core of ingest: read, claim, stage and commit, overlapped and memory-bounded.

Work flows through three stages at once: workers read metadata (a bounded window of files
ahead; processes for large runs, see :class:`MetadataReaders`), worker threads copy and hash
originals into complete, durable staged objects; the calling thread resolves which file sets
claim which files and commits ready file sets in batches. Nothing waits for the whole batch
to be read, and memory holds only the window, never every file's metadata.

Claims: a multi-file set (a companion OME-XML and its TIFFs) must be seen before its members,
or a member would be ingested alone first. Candidates whose chosen reader is the companion
reader are therefore read first; every other file is processed in the order found.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from imagesteward.errors import ImageStewardError
from imagesteward.formats import ReadContext, SelectionReport
from imagesteward.formats.registry import unsupported
from imagesteward.ingest.commit import Digest, Ready, commit_batch
from imagesteward.ingest.discover import is_zarr_dir
from imagesteward.ingest.extract import Extraction, MetadataReaders, worker_processes
from imagesteward.ingest.report import FileOutcome, Status

if TYPE_CHECKING:
    from imagesteward.ingest.pipeline import IngestOptions, IngestProgress
    from imagesteward.installation import Installation
    from imagesteward.store import ObjectStore, StagedObject

__all__ = ["BATCH_BYTES", "BATCH_FILESETS", "failure", "stream_ingest"]

#: Ready file sets committed together: one store journal and one database commit per batch.
BATCH_FILESETS = 64
#: ...unless they already amount to this many bytes (large files need no batching).
BATCH_BYTES = 256 * 1024 * 1024
#: Files read ahead per worker (thread or process)...
READ_AHEAD = 8
#: ...or, while the files being read are small, up to this many in all: enough for the workers
#: to go on reading while the calling thread commits a batch.
READ_AHEAD_SMALL = 2 * BATCH_FILESETS
#: "Small": the files being read ahead hold less than this many bytes together (a file's
#: metadata is no bigger than the file, so this bounds the memory the window holds).
READ_AHEAD_BYTES = 64 * 1024 * 1024
#: Readers whose files name other files (companions); their candidates are read first.
_CLAIMING_READERS = frozenset({"ome-xml"})


def failure(path: Path, exc: BaseException) -> FileOutcome:
    """The outcome of a path that failed, with a message naming it."""
    if isinstance(exc, ImageStewardError):
        message = str(exc)
    else:
        message = f"{path}: {type(exc).__name__}: {exc}"
    return FileOutcome(path, Status.FAILED, message=message, error_type=type(exc).__name__)


@dataclass
class _State:
    """The moving parts of one streaming run."""

    installation: Installation
    options: IngestOptions
    pool: ThreadPoolExecutor
    progress: IngestProgress
    outcomes: dict[Path, FileOutcome]
    sizes: dict[Path, int]
    claimed: dict[Path, Path] = field(default_factory=dict)
    staging: deque[tuple[Extraction, Future[Ready]]] = field(default_factory=deque)
    batch: list[Ready] = field(default_factory=list)
    batch_bytes: int = 0


def stream_ingest(
    candidates: Sequence[Path],
    installation: Installation,
    context: ReadContext,
    options: IngestOptions,
    pool: ThreadPoolExecutor,
    jobs: int,
    progress: IngestProgress,
    outcomes: dict[Path, FileOutcome],
) -> None:
    """Ingest ``candidates``; every one ends with an entry in ``outcomes``."""
    state = _State(installation, options, pool, progress, outcomes, {})
    state.sizes.update((path, _disk_size(path)) for path in candidates)
    progress.phase("Reading metadata", len(candidates), "files")
    progress.phase("Storing", sum(state.sizes.values()), "bytes")
    reports = _sniff(candidates, state)
    order = sorted(
        reports, key=lambda p: getattr(reports[p].chosen, "name", "") not in _CLAIMING_READERS
    )
    reading: deque[tuple[Path, Future[Extraction]]] = deque()
    queue: Iterator[Path] = iter(order)
    readers = MetadataReaders(
        installation.registry,
        context,
        pool,
        processes=worker_processes(jobs, len(order)),
        readers={id(r.chosen): r.chosen for r in reports.values() if r.chosen}.values(),
    )

    window = [0]  # bytes of the files in ``reading``

    def read_ahead() -> None:
        while len(reading) < READ_AHEAD * jobs or (
            len(reading) < READ_AHEAD_SMALL and window[0] < READ_AHEAD_BYTES
        ):
            path = next(queue, None)
            if path is None:
                return
            reading.append((path, readers.submit(path, reports[path])))
            window[0] += state.sizes[path]

    try:
        with readers:
            read_ahead()
            while reading or state.staging:
                if reading and (reading[0][1].done() or not state.staging):
                    path, future = reading.popleft()
                    window[0] -= state.sizes[path]
                    read_ahead()
                    _claim(path, future, state)
                else:
                    _collect_staged(state)
            _flush(state)
    finally:
        _discard_unfinished(state, reading)


def _sniff(candidates: Sequence[Path], state: _State) -> dict[Path, SelectionReport]:
    """Select readers on this thread and import their libraries here, before workers start.

    First imports of some scientific packages deadlock when two threads race on them.
    """
    registry = state.installation.registry
    reports: dict[Path, SelectionReport] = {}
    for path in candidates:
        try:
            report = registry.select(path)
            if report.chosen is None:
                raise unsupported(report)
            reports[path] = report
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
            state.outcomes[path] = failure(path, exc)
            state.progress.advance(1, "Reading metadata")
            state.progress.outcome(state.outcomes[path])
    registry.preload({id(r.chosen): r.chosen for r in reports.values() if r.chosen}.values())
    return {path: report for path, report in reports.items() if report.chosen is not None}


def _claim(path: Path, future: Future[Extraction], state: _State) -> None:
    progress = state.progress
    try:
        extraction = future.result()
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
        state.outcomes[path] = failure(path, exc)
        progress.advance(1, "Reading metadata")
        progress.outcome(state.outcomes[path])
        return
    progress.advance(1, "Reading metadata")
    owner = state.claimed.get(path.resolve())
    if owner is not None:
        state.outcomes[path] = FileOutcome(
            path, Status.PART_OF, message=f"read as part of {owner.name}"
        )
        progress.advance(state.sizes.get(path, 0), "Storing")
        return
    members = [member.resolve() for member in extraction.files]
    taken = [m for m in members[1:] if m in state.claimed]
    if taken:
        state.outcomes[path] = FileOutcome(
            path,
            Status.FAILED,
            reader=extraction.reader,
            error_type="ConflictError",
            message=f"{path}: its member file {taken[0].name} was already ingested as part of "
            f"{state.claimed[taken[0]].name}; ingest the complete set on its own",
        )
        return
    for member in members:
        state.claimed.setdefault(member, path)
    state.staging.append((extraction, state.pool.submit(_stager(state), extraction)))


def _stager(state: _State) -> Callable[[Extraction], Ready]:
    store = state.installation.store
    if state.options.dry_run or state.options.in_place:
        return lambda extraction: Ready(extraction, _digest_only(store, extraction.files))
    return lambda extraction: Ready(extraction, _stage_copies(store, extraction.files))


def _collect_staged(state: _State) -> None:
    extraction, future = state.staging.popleft()
    try:
        ready = future.result()
    except Exception as exc:  # noqa: BLE001 - report and go on with the batch
        state.outcomes[extraction.path] = failure(extraction.path, exc)
        state.progress.outcome(state.outcomes[extraction.path])
        return
    state.progress.advance(ready.size, "Storing")
    state.batch.append(ready)
    state.batch_bytes += ready.size
    if len(state.batch) >= BATCH_FILESETS or state.batch_bytes >= BATCH_BYTES:
        _flush(state)


def _flush(state: _State) -> None:
    if not state.batch:
        return
    settings, options = state.installation.settings, state.options
    done = commit_batch(
        state.batch,
        state.installation,
        project=options.project or settings.default_project,
        dataset=options.dataset or settings.default_dataset,
        dry_run=options.dry_run,
        user=options.user,
    )
    for ready in state.batch:
        _discard(state.installation.store, ready.pieces)
        state.outcomes[ready.extraction.path] = done[ready.extraction.path]
        state.progress.outcome(done[ready.extraction.path])
    state.batch.clear()
    state.batch_bytes = 0


def _discard_unfinished(state: _State, reading: deque[tuple[Path, Future[Extraction]]]) -> None:
    """On an interruption, staged copies not yet committed are removed, not left behind."""
    for _, reading_future in reading:
        reading_future.cancel()
    store = state.installation.store
    for ready in state.batch:
        _discard(store, ready.pieces)
    for _, staging_future in state.staging:
        if not staging_future.cancel() and staging_future.exception() is None:
            _discard(store, staging_future.result().pieces)


def _disk_size(path: Path) -> int:
    if is_zarr_dir(path):
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.is_file() else 0


def _digest_only(store: ObjectStore, paths: Sequence[Path]) -> list[Digest]:
    from imagesteward.store import sha256_file, sha256_tree

    pieces: list[Digest] = []
    for path in paths:
        if path.is_dir():
            digest, size, _ = sha256_tree(path, store.buffer_bytes)
            pieces.append(Digest(digest, size, "tree", path.name, path))
        else:
            digest, size = sha256_file(path, store.buffer_bytes)
            pieces.append(Digest(digest, size, "file", path.name, path))
    return pieces


def _stage_copies(store: ObjectStore, paths: Sequence[Path]) -> list[StagedObject]:
    staged: list[StagedObject] = []
    try:
        for path in paths:
            # Complete OCFL objects, written here in the worker thread but not flushed: the
            # committing thread journals a batch of them, flushes them all at once (one
            # syncfs for many small objects) and renames them into place (deferred sync).
            stage = store.stage_tree if path.is_dir() else store.stage_file
            staged.append(stage(path, complete=True, sync=False))
    except BaseException:
        _discard(store, staged)
        raise
    return staged


def _discard(store: ObjectStore, pieces: Sequence[StagedObject] | Sequence[Digest]) -> None:
    # Staged copies that were added are already consumed; the rest (duplicates, failures)
    # are removed now rather than left for the next recovery.
    for piece in pieces:
        if not isinstance(piece, Digest) and piece.path.exists():
            store.discard(piece)
