"""SIGKILL an ingest at random moments, many times: the store must always recover to a state
where everything the catalog references is present and intact, nothing else is, and OCFL
validators accept it."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imagesteward.store import ObjectStore, RecoveryReport
from tests.store.conftest import ZARR, random_bytes
from tests.store.crash_worker import read_catalog
from tests.store.ocfl_oracle import assert_valid_ocfl

WORKER = Path(__file__).with_name("crash_worker.py")
ROUNDS = 30


def make_sources(directory: Path, corpus: Path) -> None:
    directory.mkdir()
    for index, size in enumerate([2**20, 3 * 2**20, 2**20 + 7, 24 * 2**20, 300]):
        (directory / f"file{index}.tif").write_bytes(random_bytes(size, seed=index))
    # Same content under another name: exercises de-duplication across rounds.
    shutil.copyfile(directory / "file0.tif", directory / "copy-of-file0.tif")
    shutil.copytree(corpus / ZARR, directory / "image.ome.zarr")
    shutil.copytree(
        corpus / "ome-zarr/xyz_8bit__mitotic_plate_calibrated.ome.zarr", directory / "z2.ome.zarr"
    )


def check_consistent(store: ObjectStore, catalog: Path) -> RecoveryReport:
    with store.writer_lock(timeout=10):
        report = store.recover(lambda digests: digests & read_catalog(catalog))
    ext = store.root / "extensions" / "imagesteward-store"
    assert list((ext / "staging").iterdir()) == [], "recovery must leave no staging files"
    assert list((ext / "pending").iterdir()) == [], "recovery must settle every journal"
    held = {obj.digest for obj in store.iter_objects()}
    referenced = read_catalog(catalog)
    assert referenced - held == set(), "an object the catalog references was lost"
    assert held - referenced == set(), "an object nothing references was left behind"
    for digest in held:
        store.verify(digest)
    empty = [p for p in store.root.glob("??/??") if not any(p.iterdir())]
    assert empty == [], f"empty tuple directories break OCFL (E073): {empty}"
    return report


@pytest.mark.slow
def test_sigkill_at_random_moments(tmp_path: Path, corpus: Path) -> None:
    store = ObjectStore(tmp_path / "store")
    store.initialise()
    sources = tmp_path / "sources"
    make_sources(sources, corpus)
    catalog = tmp_path / "catalog.json"
    rng = random.Random(1121)
    interrupted = 0
    for round_ in range(ROUNDS):
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), str(store.root), str(sources), str(catalog), str(round_)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        if round_ % 2:
            # Half the kills land mid-ingest, timed from the end of the worker's own recovery;
            # the other half anywhere from start-up on, recovery included.
            assert worker.stdout is not None
            assert worker.stdout.readline() == b"ready\n", worker.communicate()[1].decode()
        time.sleep(rng.uniform(0.0, 0.4))
        worker.send_signal(signal.SIGKILL)
        _, stderr = worker.communicate()
        assert worker.returncode == -signal.SIGKILL, f"worker failed on its own:\n{stderr.decode()}"
        report = check_consistent(store, catalog)
        interrupted += not report.clean
        if round_ % 10 == 9:
            assert_valid_ocfl(store.root)
    assert read_catalog(catalog), "no ingest ever committed: the kills came too early"
    # Most kills land mid-transaction; if none did, this test would prove nothing.
    assert interrupted >= ROUNDS // 3, f"only {interrupted} kills interrupted a transaction"
