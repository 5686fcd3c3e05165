"""One executor interface, two implementations: threads here, or an existing Dask cluster.

Both run :func:`~imagesteward.convert._tasks.run_region` over the regions of one stage and
hand each finished region's outcome to a callback in the calling thread, keeping a bounded
number of regions in flight (memory). Threads are the default: blosc, the decoders and numpy
release the GIL. On Dask each task is one region; the context (plan, target, source spec) is
scattered once to every worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Protocol, cast

from imagesteward.errors import ConfigurationError

if TYPE_CHECKING:
    from distributed import Client

    from imagesteward.convert._plan import RegionTask
    from imagesteward.convert._source import SourceSpec
    from imagesteward.convert._tasks import RegionOutcome, TaskContext

__all__ = ["DaskExecutor", "Executor", "ThreadExecutor", "make_executor"]

RegionFn = Callable[["TaskContext", "RegionTask"], "RegionOutcome"]
DoneFn = Callable[["RegionOutcome"], None]


class Executor(Protocol):
    """Runs region tasks; ``concurrency`` is how many run at once."""

    concurrency: int

    def run(
        self, fn: RegionFn, context: TaskContext, tasks: Sequence[RegionTask], on_done: DoneFn
    ) -> None:
        """Run every task; call ``on_done`` for each outcome; raise the first failure."""

    def close(self) -> None:
        """Release the executor's resources (a client it connected)."""


class ThreadExecutor:
    """Regions on a pool of threads in this process."""

    def __init__(self, workers: int) -> None:
        self.concurrency = workers

    def run(
        self, fn: RegionFn, context: TaskContext, tasks: Sequence[RegionTask], on_done: DoneFn
    ) -> None:
        queue: Iterator[RegionTask] = iter(tasks)
        with ThreadPoolExecutor(
            self.concurrency, thread_name_prefix="imagesteward-convert"
        ) as pool:
            pending: set[Future[RegionOutcome]] = set()

            def fill() -> None:
                while len(pending) < self.concurrency:
                    task = next(queue, None)
                    if task is None:
                        return
                    pending.add(pool.submit(fn, context, task))

            fill()
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    on_done(future.result())
                fill()

    def close(self) -> None:
        """Nothing to release."""


class DaskExecutor:
    """Regions as tasks on a Dask cluster (``distributed``)."""

    def __init__(self, scheduler: str | Client, spec: SourceSpec) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ConfigurationError(
                "a Dask scheduler was given but 'distributed' is not installed: "
                "install imagesteward[dask]"
            ) from exc
        self._owned = not isinstance(scheduler, Client)
        # distributed is untyped: its objects are handled as Any.
        connect: Any = Client
        self.client: Any = cast(Any, connect(scheduler) if self._owned else scheduler)
        self.spec = spec
        threads = self.client.nthreads()
        self.concurrency = max(1, sum(threads.values()))
        self._token = uuid.uuid4().hex[:12]

    def run(
        self, fn: RegionFn, context: TaskContext, tasks: Sequence[RegionTask], on_done: DoneFn
    ) -> None:
        from distributed import as_completed

        if not tasks:
            return
        shared = self.client.scatter(context, broadcast=True, hash=False)
        queue = iter(tasks)
        window = 2 * self.concurrency
        completed: Any = as_completed
        running: Any = completed()

        def submit() -> bool:
            task = next(queue, None)
            if task is None:
                return False
            key = f"imagesteward-region-{self._token}-{task.id}"
            running.add(self.client.submit(fn, shared, task, key=key, pure=False, retries=1))
            return True

        for _ in range(window):
            if not submit():
                break
        try:
            for future in running:
                outcome: Any = future.result()
                on_done(outcome)
                submit()
        finally:
            for future in list(running.futures):
                future.cancel()
            shared.release()

    def close(self) -> None:
        """Close the sources workers opened; disconnect when this executor connected."""
        from imagesteward.convert._source import close_cached_sources

        try:
            self.client.run(close_cached_sources, self.spec)
        finally:
            if self._owned:
                self.client.close()


def make_executor(scheduler: object, workers: int, spec: SourceSpec | None) -> Executor:
    """Threads, or Dask when a scheduler is given (which needs a source spec)."""
    if scheduler is None:
        return ThreadExecutor(workers)
    if spec is None:
        raise ConfigurationError(
            "running on a Dask cluster needs source_spec=SourceSpec(path, reader): every worker "
            "re-opens the source"
        )
    return DaskExecutor(scheduler, spec)  # type: ignore[arg-type]
