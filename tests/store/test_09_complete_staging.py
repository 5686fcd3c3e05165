"""Staging complete objects: workers write the inventory, the transaction only journals and renames.

``stage_file(complete=True)`` leaves a finished, read-only, flushed OCFL object in staging. A
deferred-sync transaction then adds it without writing anything into it, and publishes it with
one rename; only when the name or the agent differ does the transaction rewrite the inventory.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from imagesteward.store import ObjectStore
from imagesteward.store._transaction import DEFAULT_USER
from tests.store.conftest import ZARR, no_references
from tests.store.ocfl_oracle import assert_valid_ocfl

STAGE_COMPLETE_AND_DIE = """
import os, sys
from pathlib import Path
from imagesteward.store import ObjectStore
ObjectStore(Path(sys.argv[1])).stage_file(Path(sys.argv[2]), complete=True)
os._exit(0)
"""


def _snapshot(obj_dir: Path) -> dict[str, tuple[int, int, int]]:
    """Inode, modification time and mode of everything in an object directory."""
    return {
        path.relative_to(obj_dir).as_posix(): (
            path.stat().st_ino,
            path.stat().st_mtime_ns,
            stat.S_IMODE(path.stat().st_mode),
        )
        for path in sorted(obj_dir.rglob("*"))
    }


def test_a_completed_object_is_published_exactly_as_staged(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    sources = [make_file(f"cell{i}.ome.tif", 9000 + i, seed=i) for i in range(3)]
    staged = [store.stage_file(src, complete=True) for src in sources]
    for item in staged:
        assert item.agent == DEFAULT_USER and item.synced
    obj_dir = staged[0].path.parents[2]
    before = _snapshot(obj_dir)
    assert before["v1/inventory.json"][0] == before["inventory.json"][0], "one inode, two names"
    assert {name: mode for name, (_, _, mode) in before.items()} == {
        "0=ocfl_object_1.1": 0o444,
        "inventory.json": 0o444,
        "inventory.json.sha256": 0o444,
        "v1": 0o555,
        "v1/content": 0o555,
        "v1/content/cell0.ome.tif": 0o444,
        "v1/inventory.json": 0o444,
        "v1/inventory.json.sha256": 0o444,
    }
    with store.writer_lock():
        txn = store.begin({"what": "three cells"}, deferred_sync=True)
        stored = [txn.add(item) for item in staged]
        txn.sync()
        txn.finish({"done": True})
    published = stored[0].path.parents[2]
    assert _snapshot(published) == before, "the transaction rewrote a completed object"
    inventory = json.loads((published / "inventory.json").read_text())
    assert inventory["versions"]["v1"]["state"] == {stored[0].digest: ["cell0.ome.tif"]}
    assert inventory["versions"]["v1"]["user"] == DEFAULT_USER
    for stored_object in stored:
        store.verify(stored_object.digest)
    assert_valid_ocfl(store.root)


def test_another_name_or_agent_rewrites_the_inventory(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    renamed = store.stage_file(make_file("a.tif", 5000, seed=1), complete=True)
    other_agent = store.stage_file(make_file("b.tif", 5000, seed=2), complete=True)
    agent = {"name": "Ada Imaging", "address": "mailto:ada@example.org"}
    with store.writer_lock():
        txn = store.begin({"user": agent}, deferred_sync=True)
        first = txn.add(renamed, name="renamed.tif")
        second = txn.add(other_agent)
        txn.sync()
        txn.finish({})
    for item, name in ((first, "renamed.tif"), (second, "b.tif")):
        inventory = json.loads((item.path.parents[2] / "inventory.json").read_text())
        assert inventory["versions"]["v1"]["state"] == {item.digest: [name]}
        assert inventory["versions"]["v1"]["user"] == agent
        store.verify(item.digest)
    assert first.path.name == "renamed.tif"
    assert_valid_ocfl(store.root)


def test_content_already_stored_is_not_completed_again(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    src = make_file("a.tif", 4000)
    with store.writer_lock():
        txn = store.begin({}, deferred_sync=True)
        first = txn.add(store.stage_file(src, complete=True))
        txn.sync()
        txn.finish({})
    again = store.stage_file(src, complete=True)
    assert again.agent is None and not again.synced
    assert not (again.path.parents[2] / "inventory.json").exists()
    with store.writer_lock():
        txn = store.begin({}, deferred_sync=True)
        assert not txn.add(again).new
        txn.sync()
        txn.finish({})
    assert first.new and store.stats().objects == 1
    assert not again.path.exists()


def test_a_completed_folder_is_published_and_verifies(store: ObjectStore, corpus: Path) -> None:
    staged = store.stage_tree(corpus / ZARR, complete=True)
    assert staged.agent is not None and staged.synced
    with store.writer_lock():
        txn = store.begin({}, deferred_sync=True)
        stored = txn.add(staged)
        txn.sync()
        txn.finish({})
    store.verify(stored.digest)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in stored.path.rglob("*")}
    assert modes <= {0o444, 0o555}
    assert_valid_ocfl(store.root)


def test_completed_objects_of_a_dead_process_are_cleared(
    store: ObjectStore, make_file: Callable[..., Path]
) -> None:
    src = make_file("a.czi", 100_000)
    script = [sys.executable, "-c", STAGE_COMPLETE_AND_DIE, str(store.root), str(src)]
    subprocess.run(script, check=True)
    staging = store.root / "extensions" / "imagesteward-store" / "staging"
    (left,) = staging.iterdir()
    assert (left / "inventory.json").is_file(), "the dead process had completed the object"
    with store.writer_lock():
        report = store.recover(no_references)
    assert report.staging_removed == 1
    assert list(staging.iterdir()) == []
    assert store.stats().objects == 0
