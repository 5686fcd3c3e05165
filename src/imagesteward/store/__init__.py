"""The original-file store: originals kept immutable, checksummed and de-duplicated.

The store is an OCFL 1.1 storage root: each original (a file, or a folder such as an OME-Zarr)
is one OCFL object whose id is ``sha256:<digest of the content>``. Ingest copies and hashes an
original into the staging area in one read pass, then adds it inside a journaled transaction::

    store = ObjectStore(settings.store_path, buffer_bytes=settings.copy_buffer_bytes)
    store.initialise()
    with store.writer_lock():
        store.recover(catalog_references)
        staged = store.stage_file(path)
        txn = store.begin({"paths": [str(path)]})
        stored = txn.add(staged)
        ...  # commit the catalog
        txn.finish({"name": stored.name, "digest": stored.digest})

See ``docs/store.md`` for the layout, the invariants and how recovery works.
"""

from imagesteward.store._hashing import sha256_file
from imagesteward.store._objects import (
    Kind,
    RecoveryReport,
    StagedObject,
    StoredObject,
    StoreStats,
)
from imagesteward.store._store import ObjectStore
from imagesteward.store._transaction import StoreTransaction
from imagesteward.store._tree import sha256_tree, tree_digest

__all__ = [
    "Kind",
    "ObjectStore",
    "RecoveryReport",
    "StagedObject",
    "StoreStats",
    "StoreTransaction",
    "StoredObject",
    "sha256_file",
    "sha256_tree",
    "tree_digest",
]
