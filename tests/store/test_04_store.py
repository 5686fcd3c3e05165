"""Adding, de-duplicating, reading and verifying objects."""

from __future__ import annotations

import hashlib
import shutil
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from imagesteward.errors import IntegrityError, StoreError
from imagesteward.store import ObjectStore, StoredObject
from tests.store.conftest import ZARR


def add_one(store: ObjectStore, src: Path, **kwargs: Any) -> StoredObject:
    with store.writer_lock():
        txn = store.begin({"source": src})
        stored = txn.add(store.stage_file(src), **kwargs)
        txn.finish({"name": stored.name})
    return stored


def test_stored_file_is_a_read_only_exact_copy(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    src = make_file("cells.czi", 300_000)
    stored = add_one(store, src)
    assert stored.new
    assert stored.kind == "file"
    assert stored.name == "cells.czi"
    assert stored.digest == hashlib.sha256(src.read_bytes()).hexdigest()
    assert stored.path.read_bytes() == src.read_bytes()
    assert store.content_path(stored.digest) == stored.path
    assert store.has(stored.digest)
    assert store.has(stored.object_id)
    assert not stat.S_IMODE(stored.path.stat().st_mode) & 0o222
    assert not stat.S_IMODE(stored.path.parent.stat().st_mode) & 0o222
    with store.open(stored.digest) as handle:
        assert handle.read() == src.read_bytes()
    store.verify(stored.digest)


def test_staged_copy_is_what_was_hashed(store: ObjectStore, make_file: Callable[..., Path]) -> None:
    src = make_file("a.lif", 5000)
    staged = store.stage_file(src)
    assert staged.path.read_bytes() == src.read_bytes()
    assert staged.digest == hashlib.sha256(src.read_bytes()).hexdigest()
    store.discard(staged)
    assert list((store.root / "extensions/imagesteward-store/staging").iterdir()) == []


def test_same_content_twice_is_stored_once(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    first = add_one(store, make_file("day1.nd2", 100_000, seed=7))
    second = add_one(store, make_file("copy-of-day1.nd2", 100_000, seed=7))
    assert first.new
    assert not second.new
    assert second.digest == first.digest
    assert second.name == "day1.nd2", "the object keeps the name it was first stored under"
    assert store.stats().objects == 1
    ledger = list(store.iter_ledger())
    assert [e["objects"][0]["new"] for e in ledger] == [True, False]
    assert list((store.root / "extensions/imagesteward-store/staging").iterdir()) == []


def test_name_override_and_sanitising(store: ObjectStore, make_file: Callable[..., Path]) -> None:
    stored = add_one(store, make_file("upload.tmp", 10), name="run 3/well A1.tif")
    assert stored.name == "run 3_well A1.tif"
    assert stored.path.name == "run 3_well A1.tif"
    store.verify(stored.digest)


def test_tree_is_stored_with_manifest_digest(
    store: ObjectStore, corpus: Path, manifest: dict[str, dict[str, Any]]
) -> None:
    item = manifest[ZARR]
    with store.writer_lock():
        txn = store.begin({})
        stored = txn.add(store.stage_tree(corpus / ZARR))
        txn.finish({})
    assert stored.kind == "tree"
    assert stored.digest == item["sha256"]
    assert stored.size == item["size"]
    assert stored.files == {f["path"]: f["sha256"] for f in item["files"]}
    assert stored.path.name == "cyx_uint8.ome.zarr"
    for entry in item["files"]:
        assert (stored.path / entry["path"]).read_bytes() == (
            corpus / ZARR / entry["path"]
        ).read_bytes()
    described = store.get(stored.digest)
    assert (described.kind, described.size, described.files) == ("tree", item["size"], stored.files)
    store.verify(stored.digest)
    with pytest.raises(StoreError, match="is a folder"):
        store.open(stored.digest)


def test_attachment_keeps_media_type(store: ObjectStore) -> None:
    with store.writer_lock():
        txn = store.begin({})
        stored = txn.add_bytes(b"<OME/>", "meta/original.xml", "application/xml")
        txn.finish({})
    assert stored.name == "meta_original.xml"
    assert store.get(stored.digest).media_type == "application/xml"
    assert store.content_path(stored.digest).read_bytes() == b"<OME/>"


def test_in_place_registration(store: ObjectStore, make_file: Callable[..., Path]) -> None:
    src = make_file("huge.czi", 50_000)
    digest, size = hashlib.sha256(src.read_bytes()).hexdigest(), src.stat().st_size
    with store.writer_lock():
        txn = store.begin({"in_place": True})
        stored = txn.register_in_place(src, digest, size, "file")
        again = txn.register_in_place(src, digest, size, "file")
        txn.finish({})
    assert stored.new
    assert stored.in_place
    assert not again.new
    assert store.has(digest)
    assert store.content_path(digest) == src
    assert store.stats().in_place_objects == 1
    assert store.stats().objects == 0
    store.verify(digest)
    assert not any(store.root.glob("*/*/sha256*")), "nothing is copied"
    src.unlink()
    with pytest.raises(IntegrityError, match="registered in place is missing"):
        store.verify(digest)


def test_in_place_tree_and_size_check(store: ObjectStore, corpus: Path, tmp_path: Path) -> None:
    tree = tmp_path / "tree.ome.zarr"
    shutil.copytree(corpus / ZARR, tree)
    from imagesteward.store import sha256_tree

    digest, size, _ = sha256_tree(tree)
    with store.writer_lock():
        txn = store.begin({})
        with pytest.raises(StoreError, match="changed since it was checksummed"):
            txn.register_in_place(tree, digest, size + 1, "tree")
        stored = txn.register_in_place(tree, digest, size, "tree")
        txn.finish({})
    assert stored.kind == "tree"
    (tree / "zarr.json").chmod(0o644)
    (tree / "zarr.json").write_text("{}")
    with pytest.raises(IntegrityError, match=f"expected SHA-256 {digest}"):
        store.verify(digest)


def flip_byte(path: Path, offset: int) -> None:
    path.chmod(0o644)
    with path.open("r+b") as handle:
        handle.seek(offset)
        value = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([value[0] ^ 0xFF]))


def test_verify_detects_flipped_byte(store: ObjectStore, make_file: Callable[..., Path]) -> None:
    stored = add_one(store, make_file("a.tif", 70_000))
    flip_byte(stored.path, 12_345)
    actual = hashlib.sha256(stored.path.read_bytes()).hexdigest()
    with pytest.raises(IntegrityError) as caught:
        store.verify(stored.digest)
    message = str(caught.value)
    assert f"sha256:{stored.digest}" in message
    assert f"expected SHA-256 {stored.digest}, found {actual}" in message
    assert caught.value.details["actual"] == actual


def test_verify_detects_tampered_tree(store: ObjectStore, corpus: Path) -> None:
    with store.writer_lock():
        txn = store.begin({})
        stored = txn.add(store.stage_tree(corpus / ZARR))
        txn.finish({})
    chunk = stored.path / "0" / "c" / "1" / "0" / "0"
    flip_byte(chunk, 3)
    with pytest.raises(IntegrityError, match="0/c/1/0/0"):
        store.verify(stored.digest)


def test_verify_detects_added_and_removed_files(store: ObjectStore, corpus: Path) -> None:
    with store.writer_lock():
        txn = store.begin({})
        stored = txn.add(store.stage_tree(corpus / ZARR))
        txn.finish({})
    stored.path.chmod(0o755)
    (stored.path / "extra.txt").write_text("x")
    with pytest.raises(IntegrityError, match="not in the inventory was added"):
        store.verify(stored.digest)
    (stored.path / "extra.txt").unlink()
    stored.path.chmod(0o755)
    (stored.path / "zarr.json").unlink()
    with pytest.raises(IntegrityError, match="listed in the inventory is missing"):
        store.verify(stored.digest)


def test_verify_detects_edited_inventory(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    stored = add_one(store, make_file("a.tif", 100))
    inventory = stored.path.parents[2] / "inventory.json"
    inventory.chmod(0o644)
    inventory.write_text(inventory.read_text().replace("a.tif", "b.tif"))
    with pytest.raises(IntegrityError, match="no longer matches its sidecar"):
        store.verify(stored.digest)


def test_unknown_digest(store: ObjectStore) -> None:
    assert not store.has("0" * 64)
    with pytest.raises(StoreError, match="holds no object"):
        store.content_path("0" * 64)
    with pytest.raises(StoreError, match="not a SHA-256 digest"):
        store.has("md5:abc")


def test_iter_objects_and_stats(
    store: ObjectStore, make_file: Callable[..., Path], corpus: Path
) -> None:
    a = add_one(store, make_file("a", 1000, seed=1))
    b = add_one(store, make_file("b", 2000, seed=2))
    with store.writer_lock():
        txn = store.begin({})
        tree = txn.add(store.stage_tree(corpus / ZARR))
        txn.finish({})
    found = {obj.digest: obj for obj in store.iter_objects()}
    assert set(found) == {a.digest, b.digest, tree.digest}
    assert found[a.digest].name == "a"
    assert store.stats().objects == 3
    assert store.stats().bytes == 3000 + tree.size


def test_ledger_holds_the_record(store: ObjectStore, make_file: Callable[..., Path]) -> None:
    src = make_file("x.czi", 10)
    with store.writer_lock():
        txn = store.begin({"project": "P", "paths": [src]})
        stored = txn.add(store.stage_file(src))
        txn.finish({"dataset": "D", "files": [{"path": src, "digest": stored.digest}]})
    (entry,) = store.iter_ledger()
    assert entry["txid"] == txn.txid
    assert entry["intent"] == {"project": "P", "paths": [str(src)]}
    assert entry["record"]["files"][0]["digest"] == stored.digest
    assert entry["objects"][0]["digest"] == stored.digest
    assert entry["recovered"] is False
    ledger_file = next((store.root / "extensions/imagesteward-store/ledger").rglob("*.json"))
    assert ledger_file.relative_to(store.root).parts[3:5] == (txn.txid[:4], txn.txid[4:6])
    assert list((store.root / "extensions/imagesteward-store/pending").iterdir()) == []


def test_abort_deletes_only_what_the_transaction_created(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    kept = add_one(store, make_file("kept.tif", 500, seed=1))
    with store.writer_lock():
        txn = store.begin({})
        reused = txn.add(store.stage_file(make_file("again.tif", 500, seed=1)))
        created = txn.add(store.stage_file(make_file("new.tif", 500, seed=2)))
        txn.abort()
    assert not reused.new
    assert created.new
    assert store.has(kept.digest)
    assert not store.has(created.digest)
    assert not created.path.parents[3].exists(), "empty tuple directories are pruned"
    assert len(list(store.iter_ledger())) == 1


def test_transaction_rules(store: ObjectStore, make_file: Callable[..., Path]) -> None:
    with pytest.raises(StoreError, match="without the writer lock"):
        store.begin({})
    staged = store.stage_file(make_file("a", 10))
    with store.writer_lock():
        txn = store.begin({})
        with pytest.raises(StoreError, match="still open"):
            store.begin({})
        with pytest.raises(StoreError, match="while store transaction"):
            store.recover(lambda digests: set())
        txn.add(staged)
        with pytest.raises(StoreError, match="already added or discarded"):
            txn.add(staged)
    with pytest.raises(StoreError, match="writer lock is not held"):
        txn.finish({})
    with store.writer_lock():
        txn.finish({})
        with pytest.raises(StoreError, match="already finished"):
            txn.abort()


def test_unserialisable_intent_is_refused(store: ObjectStore) -> None:
    with store.writer_lock(), pytest.raises(StoreError, match="transaction intent cannot be"):
        store.begin({"bad": object()})


def test_staging_runs_in_parallel_threads(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    sources = [make_file(f"f{i}.tif", 3 * 2**20 + i, seed=i) for i in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        staged = list(pool.map(store.stage_file, sources))
    for src, item in zip(sources, staged, strict=True):
        assert item.digest == hashlib.sha256(src.read_bytes()).hexdigest()
    with store.writer_lock():
        txn = store.begin({})
        stored = [txn.add(item) for item in staged]
        txn.finish({})
    assert all(obj.new for obj in stored)
    assert store.stats().objects == 6
