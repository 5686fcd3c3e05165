"""Flush order of a real ingest: nothing reaches the catalog before it is on stable storage.

SIGKILL tests (``test_crash.py``) cannot see a missing flush: the kernel keeps what a killed
process wrote. These tests record every flush (``fsync``, ``syncfs``), every object move into
the store and every catalog commit of an ingest, then check the order a power cut needs: each
object's files and directories flushed after they were staged and before the object was
renamed into place, and that rename flushed before the catalog commit that refers to it.

Both ways of flushing are covered: one ``syncfs`` for a batch of many small objects, and
per-path ``fsync`` calls (below the threshold, or where ``syncfs`` is missing).
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile

from imagesteward.catalog import Catalog, FilesetInput
from imagesteward.ingest import IngestOptions, Status, ingest_paths
from imagesteward.installation import Installation
from imagesteward.store import ObjectStore, StagedObject
from imagesteward.store._layout import StoreLayout

durable = importlib.import_module("imagesteward.store._durable")


@dataclass
class Log:
    """What happened, in order, across the ingest's threads."""

    events: list[tuple[Any, ...]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *event: Any) -> int:
        with self.lock:
            self.events.append(event)
            return len(self.events) - 1

    def flushed(self, path: Path, start: int, end: int) -> bool:
        """Whether ``path`` was made durable between events ``start`` and ``end``."""
        wanted = os.path.realpath(path)
        return any(
            event[0] == "syncfs" or (event[0] == "fsync" and event[1] == wanted)
            for event in self.events[start + 1 : end]
        )


@pytest.fixture(params=["syncfs", "fsync"])
def log(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Log:
    """Records flushes, stagings, publications and catalog commits of one ingest."""
    recorded = Log()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        recorded.add("fsync", str(Path(f"/proc/self/fd/{fd}").readlink()))

    monkeypatch.setattr(os, "fsync", fsync)
    real_syncfs = durable._syncfs()
    if request.param == "syncfs":
        if real_syncfs is None:
            pytest.fail("syncfs is unavailable here (Linux 5.8 or newer needed)")

        def syncfs(fd: int) -> int:
            result = int(real_syncfs(fd))
            recorded.add("syncfs")
            return result

        monkeypatch.setattr(durable, "_syncfs", lambda: syncfs)
    else:
        monkeypatch.setattr(durable, "_syncfs", lambda: None)

    real_stage = ObjectStore.stage_file

    def stage_file(self: ObjectStore, src: Path, **kwargs: Any) -> StagedObject:
        started = recorded.add("staging", src)
        staged = real_stage(self, src, **kwargs)
        recorded.add("staged", started, staged)
        return staged

    monkeypatch.setattr(ObjectStore, "stage_file", stage_file)
    real_publish = StoreLayout.publish

    def publish(self: StoreLayout, staged_dir: Path, digest: str, *, fsync: bool) -> Path:
        target = real_publish(self, staged_dir, digest, fsync=fsync)
        recorded.add("publish", digest, target)
        return target

    monkeypatch.setattr(StoreLayout, "publish", publish)
    real_add = Catalog.add_filesets

    def add_filesets(self: Catalog, filesets: Sequence[FilesetInput]) -> Any:
        recorded.add("catalog", [f.sha256 for fileset in filesets for f in fileset.files])
        return real_add(self, filesets)

    monkeypatch.setattr(Catalog, "add_filesets", add_filesets)
    return recorded


def _small_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    paths = []
    for index in range(count):
        path = folder / f"plane_{index:03d}.ome.tif"
        tifffile.imwrite(path, rng.integers(0, 255, (16, 16), dtype=np.uint8), ome=True)
        paths.append(path)
    return paths


def _object_paths(obj_dir: Path, name: str) -> list[Path]:
    """What a power cut must not lose of a staged single-file object."""
    version = obj_dir / "v1"
    return [
        version / "content" / name,
        obj_dir / "0=ocfl_object_1.1",
        obj_dir / "inventory.json",
        obj_dir / "inventory.json.sha256",
        version / "content",
        version,
        obj_dir,
    ]


def _check_order(log: Log) -> int:
    """Assert the flush order for every object a catalog commit refers to; how many."""
    staged: dict[str, tuple[int, StagedObject]] = {}
    published: dict[str, tuple[int, Path]] = {}
    checked = 0
    for index, event in enumerate(log.events):
        if event[0] == "staged":
            staged[event[2].digest] = (event[1], event[2])
        elif event[0] == "publish":
            published[event[1]] = (index, event[2])
        elif event[0] == "catalog":
            for digest in event[1]:
                start, piece = staged[digest]
                moved, target = published[digest]
                assert start < moved < index, f"{piece.source}: published out of order"
                obj_dir = piece.path.parent.parent.parent
                for path in _object_paths(obj_dir, piece.name):
                    assert log.flushed(path, start, moved), (
                        f"{path.relative_to(obj_dir)} of {piece.source.name} was renamed into "
                        "the store without being flushed"
                    )
                assert log.flushed(target.parent, moved, index), (
                    f"the move of {piece.source.name} into the store was not flushed before "
                    "the catalog commit referring to it"
                )
                checked += 1
    return checked


@pytest.mark.parametrize("count", [3, 40], ids=["few", "many"])
def test_objects_are_durable_before_the_catalog_refers_to_them(
    sqlite_installation: Installation, tmp_path: Path, log: Log, count: int
) -> None:
    upload = tmp_path / "upload"
    _small_files(upload, count)
    report = ingest_paths([upload], sqlite_installation, IngestOptions(jobs=2, convert=False))
    assert [o.status for o in report.outcomes] == [Status.ADDED] * count
    assert _check_order(log) == count
    syncs = sum(1 for event in log.events if event[0] == "syncfs")
    if durable._syncfs() is None:
        assert syncs == 0
    else:  # a batch of many small objects is flushed by syncfs: one before, one after renaming
        assert syncs == (2 if count * 7 >= durable.SYNCFS_MIN_PATHS else 0)


def test_a_missing_flush_is_noticed(
    sqlite_installation: Installation,
    tmp_path: Path,
    log: Log,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check above fails when the batch flush is skipped (so it can fail at all)."""
    transaction = importlib.import_module("imagesteward.store._transaction")
    skip: Callable[..., None] = lambda *args, **kwargs: None  # noqa: E731
    monkeypatch.setattr(transaction, "flush_paths", skip)
    _small_files(tmp_path / "upload", 3)
    ingest_paths([tmp_path / "upload"], sqlite_installation, IngestOptions(convert=False))
    with pytest.raises(AssertionError, match=r"without being flushed|was not flushed"):
        _check_order(log)
