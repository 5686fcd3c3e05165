"""Deriving image entries in worker processes while the rebuild writes (a large catalog).

Deriving an entry (decoding its documents, walking them for facet values and words) is
most of a rebuild's Python time, and it only reads the catalog; writing the index is done by
one connection in one transaction. So a rebuild of many images hands chunks of image ids to
a pool of processes, each with its own read-only connection, and writes their entries in
order as they come back: the writer and the derivers run side by side.

The workers read the catalog as last committed: the rebuild's own transaction has emptied
the index, but image derivation reads only the images, their datasets, projects, studies,
instruments and access rows, which a rebuild does not change.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sqlalchemy import Connection, Engine

from imagesteward.catalog._search_derive import Derived

__all__ = ["derive_chunks", "pool_size"]

_log = logging.getLogger(__name__)
# Fewer chunks than this are derived in the writing process: starting workers costs more.
_POOL_FROM = 8
# The worker process's engine, made once when it starts (a worker serves one rebuild).
_WORKER: dict[str, Engine] = {}


def pool_size(connection: Connection, chunks: int) -> int:
    """How many worker processes a rebuild of ``chunks`` chunks should use (0: none)."""
    url = connection.engine.url
    if chunks < _POOL_FROM or (url.get_backend_name() == "sqlite" and not url.database):
        return 0  # too small to gain, or an in-memory database other processes cannot open
    return max(1, min(4, os.cpu_count() or 1))


def _start(url: str) -> None:
    from imagesteward.catalog._engine import create_catalog_engine

    _WORKER["engine"] = create_catalog_engine(url)


def _derive(ids: Sequence[int]) -> list[Derived]:
    from imagesteward.catalog._search_index import derive_images

    with _WORKER["engine"].connect() as connection:
        images, _ = derive_images(connection, ids, indexed=False)
    return images


def _here(
    connection: Connection, chunks: Iterable[Sequence[int]]
) -> Iterator[tuple[Sequence[int], list[Derived]]]:
    from imagesteward.catalog._search_index import derive_images

    for ids in chunks:
        yield ids, derive_images(connection, ids, indexed=False)[0]


def derive_chunks(
    connection: Connection, chunks: Sequence[Sequence[int]], workers: int
) -> Iterator[tuple[Sequence[int], list[Derived]]]:
    """Each chunk of image ids with its derived image entries, in order.

    ``workers`` 0: derived here, on ``connection``. Otherwise by that many processes, at most
    two chunks per worker in flight (memory stays bounded whatever the catalog's size). A
    pool that breaks (a worker killed, e.g. out of memory) is not fatal: the chunks not yet
    returned are derived here, and the warning says so.
    """
    if workers == 0:
        yield from _here(connection, chunks)
        return
    url = connection.engine.url.render_as_string(hide_password=False)
    # "spawn": a forked child would share this process's open database connection.
    context = multiprocessing.get_context("spawn")
    returned = 0
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start, initargs=(url,)
        ) as pool:
            pending: deque[tuple[Sequence[int], Future[list[Derived]]]] = deque()
            for ids in chunks:
                pending.append((ids, pool.submit(_derive, ids)))
                if len(pending) >= 2 * workers:
                    done, future = pending.popleft()
                    yield done, future.result()
                    returned += 1
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
                returned += 1
    except BrokenProcessPool as exc:
        _log.warning(
            "Search rebuild: a worker process stopped (%s); deriving the remaining %d of %d "
            "chunks in this process (slower, same result).",
            exc,
            len(chunks) - returned,
            len(chunks),
        )
        yield from _here(connection, chunks[returned:])
