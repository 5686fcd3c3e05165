"""SIGKILL during ``steward ingest`` never leaves partial records, orphans or a corrupt catalog.

A real ``steward ingest`` subprocess is killed at random moments, many times, on SQLite and on
PostgreSQL. After every kill the catalog must be consistent and everything it references must
be stored intact; a final uninterrupted run must then reach exactly the state of a clean run,
with no unreferenced object, staging file or journal left behind.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tifffile

from imagesteward.installation import Installation, init_installation, open_installation

pytestmark = pytest.mark.slow


def _make_upload(folder: Path, count: int = 36) -> Path:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(7)
    for i in range(count):
        shape = (4, 256, 256) if i % 3 else (2, 3, 512, 512)
        data = rng.integers(0, 4095, shape, dtype=np.uint16)
        axes = "ZYX" if len(shape) == 3 else "ZCYX"
        tifffile.imwrite(folder / f"cell_{i:03d}.ome.tif", data, ome=True, metadata={"axes": axes})
    return folder


def _steward(home: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "IMAGESTEWARD_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "imagesteward.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _run(home: Path, upload: Path) -> tuple[float, float]:
    """Ingest to the end; how long it took, and when it first wrote to the store.

    Before that first write the process is only starting up (imports, discovery, sniffing),
    where a kill tests nothing: the kills below aim at the time after it.
    """
    staging = home / "store" / "extensions" / "imagesteward-store" / "staging"
    started = time.perf_counter()
    process = _steward(home, "ingest", str(upload), "--jobs", "2")
    first_write = None
    while process.poll() is None and time.perf_counter() - started < 300:
        if first_write is None and staging.is_dir() and any(staging.iterdir()):
            first_write = time.perf_counter() - started
        time.sleep(0.01)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    duration = time.perf_counter() - started
    return duration, duration / 2 if first_write is None else first_write


def _all_images(installation: Installation) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = installation.catalog.list_images(limit=500, cursor=cursor)
        ids.extend(record.id for record in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return ids


def _check_consistent(installation: Installation) -> None:
    catalog, store = installation.catalog, installation.store
    assert catalog.check() == []
    for image_id in _all_images(installation):
        files = catalog.image_files(image_id)
        assert files, f"image {image_id} has no original files: a partial record"
        for record in files:
            assert store.has(record.sha256), f"catalogued {record.original_name} missing from store"
            store.verify(record.sha256)


@pytest.mark.parametrize("kills", [20])
def test_sigkill_at_random_moments(tmp_path: Path, catalog_url: str, kills: int) -> None:
    upload = _make_upload(tmp_path / "upload")
    reference_home = tmp_path / "reference"
    init_installation(reference_home)
    clean_duration, first_write = _run(reference_home, upload)

    home = tmp_path / "site"
    init_installation(home, database_url=catalog_url)
    rng = random.Random(20261121)
    iterations = kills if catalog_url.startswith("sqlite") else kills // 2
    for _ in range(iterations):
        process = _steward(home, "ingest", str(upload), "--jobs", "2")
        # Mostly while it writes (copying, committing, converting), sometimes just before.
        time.sleep(rng.uniform(0.8 * first_write, clean_duration))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        with open_installation(home) as installation:
            _check_consistent(installation)

    _run(home, upload)
    with open_installation(home) as installation, open_installation(reference_home) as reference:
        _check_consistent(installation)
        store = installation.store
        stored = {obj.digest for obj in store.iter_objects()}
        assert installation.catalog.referenced_digests(stored) == stored, (
            "unreferenced objects left"
        )
        assert installation.catalog.stats().images == reference.catalog.stats().images
        assert (
            installation.catalog.stats().original_files == reference.catalog.stats().original_files
        )
        assert stored == {obj.digest for obj in reference.store.iter_objects()}
        leftovers = [
            p
            for p in installation.settings.store_path.rglob("*")
            if p.is_file() and ({"staging", "pending"} & set(p.parts))
        ]
        assert leftovers == [], leftovers
