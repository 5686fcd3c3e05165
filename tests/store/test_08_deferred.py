"""Deferred-sync transactions: objects appear only at sync(), journalled before they do."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from imagesteward.errors import StoreError
from imagesteward.store import ObjectStore


def test_objects_appear_at_sync_and_verify(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    sources = [make_file(f"f{i}.bin", size=5000 + i) for i in range(5)]
    with store.writer_lock():
        staged = [store.stage_file(p, sync=False) for p in sources]
        txn = store.begin({"what": "batch"}, deferred_sync=True)
        stored = [txn.add(s) for s in staged]
        attachment = txn.add_bytes(b"<OME/>", "meta.xml", "application/xml")
        assert not any(store.has(s.digest) for s in stored), "published before sync()"
        journal = txn._journal.path  # the journal knows every object before any rename
        entries = [json.loads(line) for line in journal.read_text().splitlines()[1:]]
        assert {e["digest"] for e in entries} >= {s.digest for s in stored}
        txn.sync()
        assert all(store.has(s.digest) for s in [*stored, attachment])
        txn.finish({"done": True})
    for item in [*stored, attachment]:
        store.verify(item.digest)
        assert item.path.exists()


def test_duplicate_content_in_one_transaction_is_stored_once(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    a = make_file("a.bin", size=4096, seed=1)
    b = make_file("b.bin", size=4096, seed=1)
    with store.writer_lock():
        txn = store.begin({}, deferred_sync=True)
        first = txn.add(store.stage_file(a, sync=False))
        second = txn.add(store.stage_file(b, sync=False))
        assert first.new and not second.new and first.digest == second.digest
        txn.sync()
        txn.finish({})
    assert store.stats().objects == 1


def test_abort_before_sync_leaves_nothing(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    with store.writer_lock():
        txn = store.begin({}, deferred_sync=True)
        txn.add(store.stage_file(make_file("x.bin", size=3000), sync=False))
        txn.abort()
        assert store.recover(lambda digests: set()).clean
    assert store.stats().objects == 0
    staging = [p for p in store.root.rglob("*") if "staging" in p.parts and p.is_file()]
    assert staging == []


def test_finish_without_sync_is_refused(store: ObjectStore, make_file: Callable[..., Path]) -> None:
    with store.writer_lock():
        txn = store.begin({}, deferred_sync=True)
        txn.add(store.stage_file(make_file("y.bin", size=3000), sync=False))
        with pytest.raises(StoreError, match="sync"):
            txn.finish({})
        txn.abort()
