"""The original-file store: immutable, checksummed, de-duplicated, an OCFL 1.1 storage root."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from imagesteward.errors import StoreError
from imagesteward.store import _inspect, _staging
from imagesteward.store._durable import fsync_dir, remove_tree, write_atomic
from imagesteward.store._hashing import DEFAULT_BUFFER_BYTES
from imagesteward.store._journal import Journal, iter_ledger
from imagesteward.store._layout import EXTENSION_NAME, StoreLayout
from imagesteward.store._lock import WriterLock
from imagesteward.store._objects import RecoveryReport, StagedObject, StoredObject, StoreStats
from imagesteward.store._ocfl import DEFAULT_USER, initialise_root, is_root
from imagesteward.store._recovery import recover
from imagesteward.store._transaction import StoreTransaction, normalise_digest

__all__ = ["STORE_FORMAT", "ObjectStore"]

STORE_FORMAT = 1


class ObjectStore:
    """Originals kept immutable, checksummed and de-duplicated by content.

    Parameters
    ----------
    root
        The store directory (an OCFL 1.1 storage root once initialised).
    buffer_bytes
        Read size of the copy-and-hash pass.
    fsync
        Flush every write to stable storage before it is relied on. Only tests that do not
        simulate power loss should turn this off.

    Notes
    -----
    Staging (:meth:`stage_file`, :meth:`stage_tree`) may run in parallel and without the lock.
    Everything that changes what the store holds (:meth:`begin` and the transaction's methods,
    :meth:`recover`) requires :meth:`writer_lock`, and one transaction at a time per store.
    """

    def __init__(
        self, root: Path, *, buffer_bytes: int = DEFAULT_BUFFER_BYTES, fsync: bool = True
    ) -> None:
        if buffer_bytes < 4096:
            raise StoreError(f"buffer_bytes must be at least 4096, not {buffer_bytes}.")
        self.root = Path(root).expanduser().absolute()
        self.buffer_bytes = buffer_bytes
        self.fsync = fsync
        self._layout = StoreLayout(self.root)
        self._lock = WriterLock(self._layout.lock, self.root)
        self._txn: StoreTransaction | None = None

    def __repr__(self) -> str:
        return f"ObjectStore({str(self.root)!r})"

    # -- set-up -------------------------------------------------------------------------------

    def initialise(self) -> None:
        """Create the store, or check an existing one; safe to call again.

        Raises
        ------
        StoreError
            When the directory holds something other than an imagesteward store.
        """
        layout = self._layout
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"The store location {self.root} exists and is not a directory.")
        if self.root.is_dir() and not layout.config.is_file():
            if is_root(self.root):
                raise StoreError(
                    f"{self.root} is an OCFL storage root not created by imagesteward; "
                    "choose an empty directory for the store."
                )
            if any(self.root.iterdir()):
                raise StoreError(
                    f"{self.root} is not empty and is not an imagesteward store; choose an "
                    "empty or new directory for the store."
                )
        for directory in (layout.staging, layout.pending, layout.ledger, layout.in_place):
            directory.mkdir(parents=True, exist_ok=True)
        if not layout.config.is_file():
            config = {"extensionName": EXTENSION_NAME, "storeFormat": STORE_FORMAT}
            data = (json.dumps(config, sort_keys=True, indent=2) + "\n").encode()
            write_atomic(layout.config, data, tmp_dir=layout.staging, fsync=self.fsync)
            if self.fsync:
                for directory in (layout.extension, layout.extension.parent, self.root):
                    fsync_dir(directory)
        initialise_root(self.root, tmp_dir=layout.staging, fsync=self.fsync)

    def is_initialised(self) -> bool:
        """Whether :meth:`initialise` has completed here."""
        return is_root(self.root) and self._layout.config.is_file()

    def _require_initialised(self) -> None:
        if not self.is_initialised():
            raise StoreError(
                f"No store at {self.root}: it has not been initialised. Run 'steward init' "
                "for a new installation, or check the store_root setting."
            )

    @contextmanager
    def writer_lock(self, timeout: float = 30.0) -> Iterator[None]:
        """Hold the store's single-writer lock (re-entrant within this instance).

        Raises
        ------
        StoreLockedError
            When another process holds it for longer than ``timeout`` seconds; the message
            names that process.
        """
        self._require_initialised()
        self._lock.acquire(timeout)
        try:
            yield
        finally:
            self._lock.release()

    def _require_lock(self, action: str) -> None:
        if not self._lock.held:
            raise StoreError(
                f"Cannot {action} without the writer lock of the store at {self.root}; call it "
                "inside 'with store.writer_lock():'."
            )

    # -- staging ------------------------------------------------------------------------------

    def stage_file(
        self,
        src: Path,
        *,
        sync: bool = True,
        complete: bool = False,
        user: Mapping[str, str] | None = None,
    ) -> StagedObject:
        """Copy one file into the staging area, hashing it in the same read pass.

        Parameters
        ----------
        src
            The file.
        sync
            Flush what is staged. ``sync=False`` leaves that to the deferred-sync transaction
            that adds it (one :meth:`StoreTransaction.sync` for a whole batch).
        complete
            Also write the OCFL inventories and declaration and make the copy read-only, so
            that adding it only journals it and renames it into place. Ingest stages in
            worker threads this way, keeping the committing thread free of per-object
            writes and flushes. Skipped for content the store already holds.
        user
            The agent the inventory names (``name``, ``address``); the transaction's agent,
            which defaults to imagesteward itself. If they differ, the transaction rewrites
            the inventory.
        """
        self._require_initialised()
        return _staging.stage_file(
            self._layout,
            Path(src),
            buffer_bytes=self.buffer_bytes,
            fsync=self.fsync and sync,
            user=_agent(complete, user),
        )

    def stage_tree(
        self,
        src_dir: Path,
        *,
        sync: bool = True,
        complete: bool = False,
        user: Mapping[str, str] | None = None,
    ) -> StagedObject:
        """Copy a folder (an OME-Zarr, say) into the staging area and compute its tree digest.

        ``sync``, ``complete`` and ``user`` as for :meth:`stage_file`.
        """
        self._require_initialised()
        return _staging.stage_tree(
            self._layout,
            Path(src_dir),
            buffer_bytes=self.buffer_bytes,
            fsync=self.fsync and sync,
            user=_agent(complete, user),
        )

    def discard(self, staged: StagedObject) -> None:
        """Delete a staged copy that will not be added."""
        _staging.discard(self._layout, staged)

    # -- transactions -------------------------------------------------------------------------

    def begin(self, intent: Mapping[str, Any], *, deferred_sync: bool = False) -> StoreTransaction:
        """Start a transaction; its journal is on disk before anything else happens.

        Parameters
        ----------
        intent
            What is about to be ingested (JSON values). Kept in the journal and the ledger; an
            optional ``user`` mapping (``name``, ``address`` as a ``mailto:`` or ORCID URI) is
            recorded as the agent in the OCFL inventories.
        deferred_sync
            Publish objects only at :meth:`StoreTransaction.sync`, which flushes the journal
            once, then every object not already flushed at staging (in parallel), renames
            them all into place and flushes the directories the renames changed. The caller
            must call it before it commits anything that refers to them. Many small objects
            go in ~10x faster.
        """
        self._require_initialised()
        self._require_lock("begin a transaction")
        if self._txn is not None:
            raise StoreError(
                f"Store transaction {self._txn.txid} is still open; finish or abort it first."
            )
        journal = Journal.create(self._layout.pending, intent, fsync=self.fsync)
        self._txn = StoreTransaction(
            self._layout,
            journal,
            fsync=self.fsync,
            lock_held=lambda: self._lock.held,
            on_close=self._closed,
            deferred_sync=deferred_sync,
        )
        return self._txn

    def _closed(self, txn: StoreTransaction) -> None:
        if self._txn is txn:
            self._txn = None

    def recover(self, is_referenced: Callable[[set[str]], set[str]]) -> RecoveryReport:
        """Clean up after killed processes; call under the lock before every ingest.

        Parameters
        ----------
        is_referenced
            Given a set of digests, returns those the catalog references.
        """
        self._require_initialised()
        self._require_lock("recover")
        if self._txn is not None:
            raise StoreError(f"Cannot recover while store transaction {self._txn.txid} is open.")
        return recover(self._layout, is_referenced, fsync=self.fsync)

    # -- reading ------------------------------------------------------------------------------

    def has(self, digest: str) -> bool:
        """Whether the store holds ``digest``, as a copy or registered in place."""
        digest = normalise_digest(digest)
        return self._layout.has_object(digest) or self._layout.in_place_record(digest).is_file()

    def get(self, digest: str) -> StoredObject:
        """Describe object ``digest`` (``new`` is False)."""
        found = _inspect.describe(self._layout, normalise_digest(digest))
        if found is None:
            raise StoreError(f"The store at {self.root} holds no object {digest}.")
        return found

    def content_path(self, digest: str) -> Path:
        """The stored file or folder of ``digest`` (or where an in-place original lies)."""
        digest = normalise_digest(digest)
        path = self._layout.content_path(digest)
        if path is not None:
            return path
        return self.get(digest).path

    def open(self, digest: str) -> BinaryIO:
        """Open a stored file for reading."""
        path = self.content_path(digest)
        if path.is_dir():
            raise StoreError(
                f"Object sha256:{normalise_digest(digest)} is a folder ({path}); open the files "
                "inside it through content_path()."
            )
        return path.open("rb")

    def verify(self, digest: str) -> None:
        """Re-hash an object and compare with the digests recorded at ingest.

        Raises
        ------
        IntegrityError
            Naming the object and the expected and actual digests.
        """
        _inspect.verify(self._layout, normalise_digest(digest), self.buffer_bytes)

    def iter_ledger(self) -> Iterator[dict[str, Any]]:
        """Every finished transaction, oldest first."""
        self._require_initialised()
        return iter_ledger(self._layout.ledger)

    def iter_objects(self) -> Iterator[StoredObject]:
        """Every object held, then every original registered in place."""
        self._require_initialised()
        for digest in _inspect.iter_object_digests(self._layout):
            found = _inspect.describe(self._layout, digest)
            if found is not None:
                yield found
        for digest in self._layout.in_place_digests():
            found = _inspect.describe(self._layout, digest)
            if found is not None and found.in_place:
                yield found

    # -- removing -----------------------------------------------------------------------------

    def remove(self, digest: str) -> int:
        """Delete the stored copy of ``digest``, or forget its in-place registration.

        Only for content no catalog record refers to any more (``steward store purge``
        decides that): the one way the store ever deletes an original. An original
        registered in place stays where it lies - only the store's record of it goes.
        Returns the bytes freed (0 for an in-place registration or nothing held).
        """
        self._require_initialised()
        self._require_lock("remove objects")
        if self._txn is not None:
            raise StoreError(f"Cannot remove objects while transaction {self._txn.txid} is open.")
        digest = normalise_digest(digest)
        if self._layout.remove_in_place(digest, fsync=self.fsync):
            return 0
        found = _inspect.describe(self._layout, digest)
        if found is None:
            return 0
        staging = self._layout.staging
        before = set(staging.iterdir())
        self._layout.unpublish(digest, fsync=self.fsync)
        for trash in set(staging.iterdir()) - before:  # where unpublish put the object
            remove_tree(trash)
        return found.size

    def stats(self) -> StoreStats:
        """Count and size of what the store holds."""
        objects = size = in_place = in_place_size = 0
        for found in self.iter_objects():
            if found.in_place:
                in_place += 1
                in_place_size += found.size
            else:
                objects += 1
                size += found.size
        return StoreStats(objects, size, in_place, in_place_size)


def _agent(complete: bool, user: Mapping[str, str] | None) -> Mapping[str, str] | None:
    if not complete:
        return None
    if user is None:
        return DEFAULT_USER
    # As the transaction records it, so that equal agents compare equal.
    return {k: str(v) for k, v in user.items() if k in ("name", "address")}
