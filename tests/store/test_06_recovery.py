"""Recovery after interrupted ingests, one interruption point at a time.

An abandoned transaction (the lock released without finish or abort) is what a killed process
leaves; a fresh ``ObjectStore`` on the same root plays the next ingest.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from imagesteward.store import ObjectStore, RecoveryReport, StoredObject, StoreTransaction
from imagesteward.store._journal import Journal
from imagesteward.store._layout import StoreLayout
from tests.store.conftest import no_references
from tests.store.ocfl_oracle import assert_valid_ocfl

STAGE_AND_DIE = """
import os, sys
from pathlib import Path
from imagesteward.store import ObjectStore
ObjectStore(Path(sys.argv[1])).stage_file(Path(sys.argv[2]))
os._exit(0)
"""


def ext(store: ObjectStore, name: str) -> list[Path]:
    return sorted((store.root / "extensions" / "imagesteward-store" / name).iterdir())


def abandoned(store: ObjectStore, *sources: Path) -> tuple[StoreTransaction, list[StoredObject]]:
    """Add files in a transaction that is never finished: the process 'died'."""
    with store.writer_lock():
        txn = store.begin({"sources": list(sources)})
        stored = [txn.add(store.stage_file(src)) for src in sources]
    return txn, stored


def recover(
    store: ObjectStore, referenced: Callable[[set[str]], set[str]]
) -> tuple[ObjectStore, RecoveryReport]:
    """Recover as the next process would."""
    after = ObjectStore(store.root)
    with after.writer_lock():
        return after, after.recover(referenced)


def test_staging_left_by_a_dead_process_is_removed(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    src = make_file("a.czi", 100_000)
    subprocess.run([sys.executable, "-c", STAGE_AND_DIE, str(store.root), str(src)], check=True)
    assert len(ext(store, "staging")) == 1
    mine = store.stage_file(src)
    with store.writer_lock():
        report = store.recover(no_references)
    assert report.staging_removed == 1
    assert ext(store, "staging") == [mine.path.parents[2]], "a live process keeps its staging"


def test_uncommitted_objects_are_removed(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    _, (stored,) = abandoned(store, make_file("a.czi", 1000))
    after, report = recover(store, no_references)
    assert (report.journals_rolled_back, report.objects_removed) == (1, 1)
    assert not after.has(stored.digest)
    assert ext(store, "pending") == []
    assert list(after.iter_ledger()) == []
    assert sorted(p.name for p in store.root.iterdir()) == [
        "0=ocfl_1.1",
        "extensions",
        "ocfl_layout.json",
    ]


def test_committed_objects_are_kept_and_ledgered(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    txn, stored = abandoned(store, make_file("a.czi", 1000, seed=1), make_file("b", 10, seed=2))
    after, report = recover(store, set)
    assert (report.journals_committed, report.objects_removed) == (1, 0)
    (entry,) = after.iter_ledger()
    assert entry["txid"] == txn.txid
    assert entry["recovered"] is True
    assert entry["catalog_commit"] == "confirmed"
    assert entry["record"] is None
    assert entry["intent"]["sources"][0].endswith("a.czi")
    for obj in stored:
        after.verify(obj.digest)
    assert_valid_ocfl(store.root)


def test_partly_committed_transaction(store: ObjectStore, make_file: Callable[..., Path]) -> None:
    _, (kept, dropped) = abandoned(store, make_file("k", 10, seed=1), make_file("d", 10, seed=2))
    after, _ = recover(store, lambda digests: digests & {kept.digest})
    assert after.has(kept.digest)
    assert not after.has(dropped.digest)
    (entry,) = after.iter_ledger()
    assert entry["removed"] == [dropped.digest]


def test_objects_of_earlier_ingests_are_never_removed(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    src = make_file("a", 100, seed=3)
    with store.writer_lock():
        txn = store.begin({})
        first = txn.add(store.stage_file(src))
        txn.finish({})
    _, (again,) = abandoned(store, src)
    assert not again.new
    recover(store, no_references)
    assert store.has(first.digest)


def test_reuse_only_transaction_is_kept_unconfirmed(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    src = make_file("a", 100, seed=3)
    with store.writer_lock():
        txn = store.begin({})
        txn.add(store.stage_file(src))
        txn.finish({})
    abandoned(store, src)
    after, report = recover(store, set)
    assert (report.journals_committed, report.journals_unconfirmed) == (1, 1)
    assert "1 unconfirmed" in str(report)
    last = list(after.iter_ledger())[-1]
    assert last["catalog_commit"] == "unconfirmed"


def test_in_place_registration_is_rolled_back(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    src = make_file("big.czi", 100)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    with store.writer_lock():
        store.begin({}).register_in_place(src, digest, 100, "file")
    after, report = recover(store, no_references)
    assert report.in_place_removed == 1
    assert not after.has(digest)
    assert src.exists(), "the original itself is never touched"


def test_kill_between_journal_and_rename_leaves_no_empty_directories(
    store: ObjectStore, make_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_publish = StoreLayout.publish

    def die_before_rename(self: StoreLayout, staged_dir: Path, digest: str, *, fsync: bool) -> Path:
        self.object_dir(digest).parent.mkdir(parents=True)
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(StoreLayout, "publish", die_before_rename)
    with store.writer_lock(), pytest.raises(KeyboardInterrupt):
        store.begin({}).add(store.stage_file(make_file("a", 10)))
    monkeypatch.setattr(StoreLayout, "publish", real_publish)
    assert len(list(store.root.glob("??/??"))) == 1
    _, report = recover(store, no_references)
    assert report.journals_rolled_back == 1
    assert report.objects_removed == 0
    assert list(store.root.glob("??")) == []
    assert_valid_ocfl(store.root)


def test_kill_after_ledger_write_before_journal_removal(
    store: ObjectStore, make_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def die(self: Journal, *, fsync: bool) -> None:
        raise KeyboardInterrupt("killed")

    with store.writer_lock():
        txn = store.begin({})
        stored = txn.add(store.stage_file(make_file("a", 10)))
        monkeypatch.setattr(Journal, "remove", die)
        with pytest.raises(KeyboardInterrupt):
            txn.finish({"catalog": "committed"})
    monkeypatch.undo()
    assert len(ext(store, "pending")) == 1
    after, report = recover(store, no_references)
    assert report.journals_committed == 1
    assert after.has(stored.digest), "a ledgered transaction is never rolled back"
    (entry,) = after.iter_ledger()
    assert entry["record"] == {"catalog": "committed"}
    assert ext(store, "pending") == []


def test_torn_journal_line_is_ignored(store: ObjectStore, make_file: Callable[..., Path]) -> None:
    _, (stored,) = abandoned(store, make_file("a", 10))
    (journal,) = ext(store, "pending")
    with journal.open("ab") as handle:
        handle.write(b'{"digest": "' + b"f" * 30)
    after, _ = recover(store, set)
    (entry,) = after.iter_ledger()
    assert [obj["digest"] for obj in entry["objects"]] == [stored.digest]


def test_empty_transaction_is_dropped(store: ObjectStore) -> None:
    with store.writer_lock():
        store.begin({"nothing": True})
    _, report = recover(store, no_references)
    assert report.journals_rolled_back == 1
    assert str(report).startswith("store recovery: 0 staging leftovers removed")


def test_recover_on_a_clean_store(store: ObjectStore) -> None:
    with store.writer_lock():
        report = store.recover(no_references)
    assert report.clean
    assert str(report) == "store recovery: nothing to do"


def test_recover_asks_the_catalog_about_every_digest(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    _, stored = abandoned(store, make_file("a", 10, seed=1), make_file("b", 10, seed=2))
    asked: list[set[str]] = []

    def catalog(digests: set[str]) -> set[str]:
        asked.append(set(digests))
        return set()

    recover(store, catalog)
    assert asked == [{obj.digest for obj in stored}]
