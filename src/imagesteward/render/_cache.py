"""A thread-safe LRU with a cost budget, single-flight loading and hit statistics.

One class serves every cache of the renderer: encoded tiles and decoded chunks (cost = bytes),
lookup tables (bytes), open images and histograms (cost = 1 each). *Single flight*: when eight
connections ask for tiles of the same cold chunk at once, one thread decodes it and the others
wait for that result instead of decoding it eight times - which is what keeps the p99 latency
of a burst close to the cost of one decode.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

__all__ = ["CacheStats", "LRUCache"]


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Counters of one cache; ``cost`` and ``capacity`` in its unit (bytes or entries)."""

    hits: int
    misses: int
    entries: int
    cost: int
    capacity: int

    @property
    def hit_rate(self) -> float:
        """Hits over lookups (0 before the first lookup)."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class _Flight:
    """A load in progress: waiters block on ``done`` and then read ``value`` or ``error``."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None


class LRUCache[K: Hashable, V]:
    """Least-recently-used entries up to ``capacity`` total cost.

    Parameters
    ----------
    capacity
        Budget in the unit of ``cost``; an entry costing more than the whole budget is returned
        but not kept.
    cost
        Cost of a value (``len`` of bytes, ``nbytes`` of an array, ``1`` per entry).
    """

    def __init__(self, capacity: int, cost: Callable[[V], int]) -> None:
        self.capacity = capacity
        self._cost = cost
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._flights: dict[K, _Flight] = {}
        self._lock = threading.Lock()
        self._total = 0
        self._hits = 0
        self._misses = 0

    def get(self, key: K) -> V | None:
        """The cached value (counted as a hit), or ``None`` (not counted)."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return found[0]

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        """The cached value, or ``load()``'s result - computed once however many threads ask."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self._hits += 1
                return found[0]
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
                self._misses += 1
            else:
                self._hits += 1  # served by another thread's load
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[return-value]
        try:
            value = load()
        except BaseException as error:
            flight.error = error
            raise
        else:
            flight.value = value
            self.put(key, value)
            return value
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is cached (not counted, recency unchanged)."""
        with self._lock:
            return key in self._entries

    def put(self, key: K, value: V) -> None:
        """Keep ``value``, evicting the least recently used entries beyond the budget."""
        cost = self._cost(value)
        if cost > self.capacity:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._total -= old[1]
            self._entries[key] = (value, cost)
            self._total += cost
            while self._total > self.capacity:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._total -= evicted

    def discard(self, keep: Callable[[K], bool]) -> int:
        """Drop every entry whose key fails ``keep``; the number dropped."""
        with self._lock:
            doomed = [k for k in self._entries if not keep(k)]
            for key in doomed:
                self._total -= self._entries.pop(key)[1]
            return len(doomed)

    def clear(self) -> None:
        """Drop every entry and reset the counters."""
        with self._lock:
            self._entries.clear()
            self._total = self._hits = self._misses = 0

    def stats(self) -> CacheStats:
        """A snapshot of the counters."""
        with self._lock:
            return CacheStats(
                self._hits, self._misses, len(self._entries), self._total, self.capacity
            )
