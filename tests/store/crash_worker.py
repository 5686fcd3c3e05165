"""An ingest loop for ``test_07_crash``, which SIGKILLs it at random moments.

Run as ``python crash_worker.py STORE SOURCES CATALOG SEED``. Each round stages a few files
(some with equal content), sometimes a folder and an attachment, then either aborts or commits
a stand-in catalog (a JSON file replaced atomically: the set of referenced digests) and
finishes. Like a real ingest it recovers first, under the writer lock, then prints ``ready``.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

from imagesteward.store import ObjectStore


def read_catalog(path: Path) -> set[str]:
    """The digests the stand-in catalog references."""
    try:
        return set(json.loads(path.read_text(encoding="utf-8"))["digests"])
    except FileNotFoundError:
        return set()


def commit_catalog(path: Path, digests: set[str]) -> None:
    """Atomically replace the catalog: this is the catalog's commit."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"digests": sorted(digests)}), encoding="utf-8")
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    tmp.replace(path)


def ingest_forever(root: Path, sources: Path, catalog: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = ObjectStore(root)
    files = sorted(p for p in sources.iterdir() if p.is_file())
    trees = sorted(p for p in sources.iterdir() if p.is_dir())
    with store.writer_lock(timeout=30):
        store.recover(lambda digests: digests & read_catalog(catalog))
        print("ready", flush=True)
        while True:
            txn = store.begin({"seed": seed})
            added = [txn.add(store.stage_file(src)).digest for src in rng.sample(files, k=2)]
            if rng.random() < 0.4:
                added.append(txn.add(store.stage_tree(rng.choice(trees))).digest)
            if rng.random() < 0.3:
                xml = rng.randbytes(64)
                added.append(txn.add_bytes(xml, "original.xml", "application/xml").digest)
            if rng.random() < 0.2:
                txn.abort()
                continue
            commit_catalog(catalog, read_catalog(catalog) | set(added))
            txn.finish({"digests": added})


if __name__ == "__main__":
    ingest_forever(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
