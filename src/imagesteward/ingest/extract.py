"""Metadata extraction: open a candidate with the chosen reader and keep what ingest needs.

Reading metadata is Python work that holds the GIL (ome-types and xsdata build thousands of
objects per OME-XML document), so worker *threads* take turns on one core, and with the
thread that commits batches. Runs with many candidates therefore read in worker *processes*
(:class:`MetadataReaders`); small runs use threads, where starting processes (about a second:
each imports the readers' libraries) would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from collections.abc import Collection
from concurrent.futures import (
    Future,
    InvalidStateError,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from imagesteward.errors import IngestError
from imagesteward.formats import (
    OriginalMetadata,
    ReadContext,
    Reader,
    ReaderRegistry,
    SelectionReport,
)
from imagesteward.model import SeriesInfo

__all__ = ["PROCESS_THRESHOLD", "Extraction", "MetadataReaders", "extract", "worker_processes"]

#: Runs with at least this many candidates read metadata in worker processes (given two or
#: more jobs). Below it, the second or so the processes take to start outweighs the gain.
PROCESS_THRESHOLD = 200


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything read from one candidate; its file handles are already closed."""

    path: Path
    reader: str
    reader_title: str
    files: tuple[Path, ...]
    series: tuple[SeriesInfo, ...]
    original: OriginalMetadata | None
    report: SelectionReport


def extract(
    path: Path,
    registry: ReaderRegistry,
    context: ReadContext,
    report: SelectionReport | None = None,
) -> Extraction:
    """Select a reader by content, read every series' metadata and the original metadata.

    Raises
    ------
    FormatError
        Any problem with the file, naming it (raised by the readers and their boundary).
    """
    source, report = registry.open(path, context, report)
    assert report.chosen is not None  # registry.open raises when nothing accepts the file
    with source:
        series = tuple(source.series)
        original = source.original_metadata()
        files = tuple(Path(f) for f in source.files)
    return Extraction(
        path=path,
        reader=report.chosen.name,
        reader_title=report.chosen.title,
        files=files,
        series=series,
        original=original,
        report=report,
    )


def worker_processes(jobs: int, candidates: int) -> int:
    """How many worker processes should read metadata (0: use threads)."""
    if jobs < 2 or candidates < PROCESS_THRESHOLD:
        return 0
    if multiprocessing.current_process().daemon:
        return 0  # daemonic processes (a Dask or multiprocessing worker) cannot have children
    return jobs


# What a worker process read, sent back pickled: the selection report stays with the caller.
type _Captured = tuple[tuple[Path, ...], tuple[SeriesInfo, ...], OriginalMetadata | None]

# The registry of this worker process, set once by _start_worker.
_WORKER: dict[str, ReaderRegistry] = {}


def _start_worker(registry: ReaderRegistry, readers: Collection[str]) -> None:
    _WORKER["registry"] = registry
    registry.preload(registry.get(name) for name in readers)


def _extract_in_worker(path: Path, context: ReadContext, reader: str) -> _Captured:
    registry = _WORKER["registry"]
    report = SelectionReport(path=path, verdicts=[], chosen=registry.get(reader))
    extraction = extract(path, registry, context, report)
    return extraction.files, extraction.series, extraction.original


class MetadataReaders:
    """Reads candidates' metadata in the ingest's worker threads or in worker processes.

    Parameters
    ----------
    registry
        The readers; sent to each process once, when it starts.
    context
        Limits and permissions for every read.
    threads
        The ingest's thread pool, used when ``processes`` is 0.
    processes
        How many worker processes to start (see :func:`worker_processes`).
    readers
        The readers the candidates will need: each process imports their libraries first.

    Notes
    -----
    Processes come from a *forkserver*, never from ``fork()``: the ingest process runs threads
    and holds SQLite connections, which a forked copy would inherit in whatever state they
    were, and the store's writer lock is an ``flock`` that a forked child would keep holding
    after its parent is killed.

    A process that dies (killed, out of memory, crashed inside a C library on a hostile file)
    breaks the whole pool, which fails every read it held. Each of those files is then read
    again with no other read in flight: the file that kills its reader fails, with an
    :class:`IngestError` saying so, and the files that were only read alongside it succeed.
    """

    def __init__(
        self,
        registry: ReaderRegistry,
        context: ReadContext,
        threads: ThreadPoolExecutor,
        *,
        processes: int = 0,
        readers: Collection[Reader] = (),
    ) -> None:
        self._registry = registry
        self._context = context
        self._threads = threads
        self._count = processes if processes and _picklable(registry) else 0
        self._readers = sorted({reader.name for reader in readers})
        self._modules = sorted({m for reader in readers for m in getattr(reader, "modules", ())})
        # Guards the pool, which is replaced when one of its processes died.
        self._lock = threading.Lock()
        self._pool = self._start(self._count) if self._count else None
        # Where the reads a process death interrupted are repeated, one at a time.
        self._quarantine_lock = threading.Lock()
        self._quarantine: ProcessPoolExecutor | None = None

    @property
    def processes(self) -> int:
        """Worker processes in use (0: threads)."""
        return self._count

    def _start(self, workers: int) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        # Imported once by the fork server (when this process first starts it), so that each
        # worker forked from it starts with the readers' libraries loaded (about half a second
        # of CPU per worker otherwise).
        context.set_forkserver_preload(["imagesteward.formats", *self._modules])
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self._registry, self._readers),
        )

    def submit(self, path: Path, report: SelectionReport) -> Future[Extraction]:
        """Start reading ``path`` with the reader ``report`` chose."""
        if not self._count:
            return self._threads.submit(extract, path, self._registry, self._context, report)
        chosen = report.chosen
        assert chosen is not None
        outer: Future[Extraction] = Future()
        with self._lock:
            if self._pool is None:
                raise RuntimeError("metadata readers are closed")
            try:
                inner = self._pool.submit(_extract_in_worker, path, self._context, chosen.name)
            except BrokenProcessPool:
                # A process died: the pool failed what it held and refuses more. Start anew.
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._start(self._count)
                inner = self._pool.submit(_extract_in_worker, path, self._context, chosen.name)

        def deliver(done: Future[_Captured]) -> None:
            if done.cancelled():
                outer.cancel()
                return
            error = done.exception()
            if isinstance(error, BrokenProcessPool):
                # This runs in the broken pool's own thread, which holds that pool's lock
                # while it fails every future: a thread of the ingest reads the file again.
                try:
                    self._threads.submit(self._read_alone, path, report, outer)
                except RuntimeError:  # the ingest is shutting down
                    outer.cancel()
                return
            _settle(outer, path, report, done)

        def cancel_inner(future: Future[Extraction]) -> None:
            if future.cancelled():
                inner.cancel()

        outer.add_done_callback(cancel_inner)
        inner.add_done_callback(deliver)
        return outer

    def _read_alone(self, path: Path, report: SelectionReport, outer: Future[Extraction]) -> None:
        """Read one file with no other read in flight, so that a process death is its own.

        Files to read again take turns in a pool of one process, kept until a file kills it.
        """
        chosen = report.chosen
        assert chosen is not None
        with self._quarantine_lock:
            if outer.cancelled():
                return
            if self._quarantine is None:
                self._quarantine = self._start(1)
            done = self._quarantine.submit(_extract_in_worker, path, self._context, chosen.name)
            wait([done])
            if isinstance(done.exception(), BrokenProcessPool):
                self._quarantine.shutdown(wait=True)
                self._quarantine = None
        _settle(outer, path, report, done)

    def close(self) -> None:
        """Stop the worker processes (waiting for the reads under way)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        with self._quarantine_lock:
            quarantine, self._quarantine = self._quarantine, None
        if quarantine is not None:
            quarantine.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _settle(
    outer: Future[Extraction], path: Path, report: SelectionReport, done: Future[_Captured]
) -> None:
    """Complete ``outer`` with what a worker process read, or the error it met."""
    chosen = report.chosen
    assert chosen is not None
    try:
        error = done.exception()
        if error is None:
            files, series, original = done.result()
            extraction = Extraction(
                path, chosen.name, chosen.title, files, series, original, report
            )
            outer.set_result(extraction)
        else:
            outer.set_exception(_explain(path, error))
    except InvalidStateError:
        pass  # the caller cancelled it meanwhile


def _picklable(registry: ReaderRegistry) -> bool:
    # Third-party readers may hold what cannot be sent to a process; they read in threads.
    try:
        pickle.dumps(registry)
    except Exception:  # noqa: BLE001 - any failure means "use threads"
        return False
    return True


def _explain(path: Path, error: BaseException) -> BaseException:
    if not isinstance(error, BrokenProcessPool):
        return error
    failure = IngestError(
        f"{path}: the process reading its metadata stopped unexpectedly, also when it was "
        "read on its own (killed, out of memory, or crashed inside a reader library). The "
        "file is probably damaged or hostile; check it with 'steward inspect'."
    )
    failure.__cause__ = error
    return failure
