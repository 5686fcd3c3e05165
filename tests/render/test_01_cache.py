"""The LRU behind every renderer cache: budget, recency, single flight, statistics."""

from __future__ import annotations

import functools
import threading
import time

import pytest

from imagesteward.render._cache import LRUCache


def test_least_recently_used_entries_go_first_within_the_budget() -> None:
    cache: LRUCache[str, bytes] = LRUCache(10, len)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # "a" is now the most recent
    cache.put("c", b"1234")  # 12 bytes > 10: "b" goes
    assert cache.get("b") is None
    assert cache.get("a") == b"1234"
    assert cache.get("c") == b"1234"
    stats = cache.stats()
    assert (stats.entries, stats.cost, stats.capacity) == (2, 8, 10)


def test_an_entry_larger_than_the_budget_is_returned_but_not_kept() -> None:
    cache: LRUCache[str, bytes] = LRUCache(4, len)
    assert cache.get_or_load("big", lambda: b"12345") == b"12345"
    assert cache.get("big") is None
    assert cache.stats().entries == 0


def test_hits_and_misses_are_counted() -> None:
    cache: LRUCache[int, int] = LRUCache(100, lambda _: 1)
    for key in (1, 2, 1, 1, 3):
        cache.get_or_load(key, functools.partial(int, key * 10))
    stats = cache.stats()
    assert (stats.hits, stats.misses) == (2, 3)
    assert stats.hit_rate == pytest.approx(0.4)
    cache.clear()
    assert cache.stats().hits == cache.stats().misses == cache.stats().entries == 0


def test_concurrent_requests_for_one_key_load_it_once() -> None:
    cache: LRUCache[str, int] = LRUCache(100, lambda _: 1)
    calls: list[int] = []
    start = threading.Barrier(8)

    def load() -> int:
        calls.append(1)
        time.sleep(0.05)  # long enough for every other thread to arrive and wait
        return 42

    def ask() -> int:
        start.wait()
        return cache.get_or_load("k", load)

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(ask())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42] * 8
    assert len(calls) == 1


def test_a_failed_load_reaches_every_waiter_and_is_not_cached() -> None:
    cache: LRUCache[str, int] = LRUCache(100, lambda _: 1)

    def fail() -> int:
        raise ValueError("broken chunk")

    with pytest.raises(ValueError, match="broken chunk"):
        cache.get_or_load("k", fail)
    assert cache.get_or_load("k", lambda: 7) == 7


def test_discard_drops_matching_keys() -> None:
    cache: LRUCache[tuple[str, int], int] = LRUCache(100, lambda _: 1)
    for url in ("a", "b"):
        for n in range(3):
            cache.put((url, n), n)
    assert cache.discard(lambda key: key[0] != "a") == 3
    assert cache.stats().entries == 3
    assert cache.get(("b", 1)) == 1
