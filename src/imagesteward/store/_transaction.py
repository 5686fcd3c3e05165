"""Store transactions: what one ingest adds, journaled so a crash can be undone or kept.

The order of events is what makes the store crash-safe:

1. :meth:`ObjectStore.begin` writes the journal ``pending/<txid>.jsonl``;
2. each :meth:`StoreTransaction.add` appends the object to the journal (fsynced), *then* renames
   the complete object into the hierarchy;
3. the caller commits its catalog transaction;
4. :meth:`StoreTransaction.finish` turns the journal into a ledger entry.

A process killed before step 3 leaves a journal whose objects the catalog does not reference:
:meth:`ObjectStore.recover` deletes them. Killed between 3 and 4, the catalog references them and
recovery keeps them and moves the journal to the ledger.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from itertools import chain
from pathlib import Path
from typing import Any

from imagesteward.errors import StoreError
from imagesteward.store._durable import flush_paths, fsync_files, make_removable, remove_tree
from imagesteward.store._journal import Journal, to_json, utc_now
from imagesteward.store._layout import StoreLayout
from imagesteward.store._objects import Kind, StagedObject, StoredObject
from imagesteward.store._ocfl import (
    CONTENT_DIR,
    DEFAULT_USER,
    remove_object_metadata,
    sanitise_name,
)
from imagesteward.store._staging import complete_object, stage_bytes, staged_object_dir
from imagesteward.store._tree import tree_files

__all__ = ["DEFAULT_USER", "StoreTransaction", "normalise_digest"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
# Files and directories of a staged single-file object: content, declaration, inventory,
# sidecar and three directories (the inventory copies in v1/ are hard links). A folder adds
# its files (and directories, not counted: an estimate is enough).
_PATHS_PER_OBJECT = 7


def normalise_digest(digest: str) -> str:
    """Accept ``<hex>`` or ``sha256:<hex>``; return the bare lower-case hex digest."""
    value = digest.removeprefix("sha256:").lower()
    if not _HEX64.fullmatch(value):
        raise StoreError(
            f"{digest!r} is not a SHA-256 digest (64 hexadecimal digits, optionally prefixed "
            "with 'sha256:')."
        )
    return value


class StoreTransaction:
    """One ingest's changes to the store; obtain it from :meth:`ObjectStore.begin`.

    Every method must be called while the store's writer lock is held.
    """

    def __init__(
        self,
        layout: StoreLayout,
        journal: Journal,
        *,
        fsync: bool,
        lock_held: Callable[[], bool],
        on_close: Callable[[StoreTransaction], None],
        deferred_sync: bool = False,
    ) -> None:
        self._layout = layout
        self._journal = journal
        self._fsync = fsync
        # Deferred: objects are written without per-file fsyncs and made durable together by
        # sync(). Journal entries stay fsynced before each publication, so recovery always
        # knows every object this transaction may have put in place.
        self._deferred = deferred_sync
        self._object_fsync = fsync and not deferred_sync
        # Deferred objects wait in staging, complete, until sync() publishes them all; the
        # flag says whether the thread that staged one already made it durable.
        self._queued: dict[str, tuple[Path, StoredObject, bool]] = {}
        self._lock_held = lock_held
        self._on_close = on_close
        self._closed = False
        self._mutex = threading.Lock()
        user = journal.intent.get("user")
        self._user = (
            {k: str(v) for k, v in user.items() if k in ("name", "address")}
            if isinstance(user, Mapping) and isinstance(user.get("name"), str)
            else DEFAULT_USER
        )

    @property
    def txid(self) -> str:
        """The transaction id (sorts by start time)."""
        return self._journal.txid

    @property
    def intent(self) -> dict[str, Any]:
        """The intent given to :meth:`ObjectStore.begin`, as stored in the journal."""
        return self._journal.intent

    def _check(self, action: str) -> None:
        if self._closed:
            raise StoreError(f"Store transaction {self.txid} is already finished or aborted.")
        if not self._lock_held():
            raise StoreError(
                f"Cannot {action} in store transaction {self.txid}: the store's writer lock is "
                "not held. Keep the whole transaction inside 'with store.writer_lock():'."
            )
        if not self._journal.path.exists():
            raise StoreError(
                f"The journal of store transaction {self.txid} is gone: another process "
                "recovered it as abandoned. Start the ingest again."
            )

    def add(self, staged: StagedObject, name: str | None = None) -> StoredObject:
        """Put a staged object into the store, or drop it if the content is already there.

        Parameters
        ----------
        staged
            From :meth:`ObjectStore.stage_file` or :meth:`ObjectStore.stage_tree`; consumed.
        name
            Store under this name instead of the original's (sanitised).

        Returns
        -------
        StoredObject
            ``new`` tells whether this transaction created the object.
        """
        with self._mutex:
            self._check("add an object")
            return self._add(staged, name, media_type=None)

    def add_bytes(self, data: bytes, name: str, media_type: str) -> StoredObject:
        """Store a small derived object, such as the original metadata XML, as an attachment."""
        with self._mutex:
            self._check("add an attachment")
            staged = stage_bytes(self._layout, data, name, fsync=self._object_fsync)
            return self._add(staged, None, media_type=media_type)

    def _add(self, staged: StagedObject, name: str | None, media_type: str | None) -> StoredObject:
        obj_dir = staged_object_dir(self._layout, staged)
        digest = staged.digest
        queued = self._queued.get(digest)
        if queued is not None:  # the same content twice in one deferred transaction
            remove_tree(obj_dir)
            self._record(staged.kind, digest, staged.size, queued[1].name, new=False)
            return replace(queued[1], new=False, media_type=media_type)
        existing = self._layout.content_path(digest) if self._layout.has_object(digest) else None
        if existing is not None:
            remove_tree(obj_dir)
            self._record(staged.kind, digest, staged.size, existing.name, new=False)
            return StoredObject(
                digest=digest,
                size=staged.size,
                kind=staged.kind,
                name=existing.name,
                path=existing,
                new=False,
                media_type=media_type,
                files=staged.files,
            )
        final_name = staged.name if name is None else sanitise_name(name)
        synced = self._prepare(obj_dir, staged, final_name, media_type)
        self._record(staged.kind, digest, staged.size, final_name, new=True, media_type=media_type)
        stored = StoredObject(
            digest=digest,
            size=staged.size,
            kind=staged.kind,
            name=final_name,
            path=self._layout.object_dir(digest) / CONTENT_DIR / final_name,
            new=True,
            media_type=media_type,
            files=staged.files,
        )
        if self._deferred:
            self._queued[digest] = (obj_dir, stored, synced)
        else:
            if self._object_fsync and not synced:
                fsync_files(_tree(obj_dir))
            self._layout.publish(obj_dir, digest, fsync=self._object_fsync)
        return stored

    def _prepare(
        self, obj_dir: Path, staged: StagedObject, final_name: str, media_type: str | None
    ) -> bool:
        """Make the staged directory the object to publish; True if it is already durable.

        An object completed at staging is used as it is when its inventory says what this
        transaction would write (name, agent): then nothing is written here.
        """
        if staged.agent is not None:
            if (
                final_name == staged.name
                and media_type is None
                and dict(staged.agent) == self._user
            ):
                return staged.synced
            make_removable(obj_dir)
            remove_object_metadata(obj_dir)
        content = obj_dir / CONTENT_DIR
        if final_name != staged.name:
            (content / staged.name).rename(content / final_name)
        complete_object(
            obj_dir,
            digest=staged.digest,
            kind=staged.kind,
            name=final_name,
            size=staged.size,
            files=staged.files,
            user=self._user,
            fsync=self._object_fsync,
            media_type=media_type,
        )
        return self._object_fsync

    def register_in_place(self, path: Path, digest: str, size: int, kind: Kind) -> StoredObject:
        """Record content that stays where it is (``--in-place``); nothing is copied.

        Parameters
        ----------
        path
            The original file or folder; it must stay there, unchanged.
        digest, size
            From :func:`sha256_file` or :func:`sha256_tree`, computed by the caller.
        kind
            ``"file"`` or ``"tree"``.
        """
        with self._mutex:
            self._check("register an original in place")
            digest = normalise_digest(digest)
            location = path.expanduser().absolute()
            _check_location(location, size, kind)
            stored = self._layout.content_path(digest)
            if stored is not None:
                self._record(kind, digest, size, stored.name, new=False)
                return StoredObject(digest, size, kind, stored.name, stored, new=False)
            known = self._layout.read_in_place(digest)
            if known is not None:
                where = Path(known["path"])
                self._record(kind, digest, size, where.name, new=False, path=where)
                return StoredObject(digest, size, kind, where.name, where, new=False, in_place=True)
            self._record(kind, digest, size, location.name, new=True, path=location)
            record = {
                "digest": digest,
                "kind": kind,
                "path": str(location),
                "registered": utc_now(),
                "size": size,
                "txid": self.txid,
            }
            self._layout.write_in_place(
                digest, to_json(record, "in-place record", indent=2) + b"\n", fsync=self._fsync
            )
            return StoredObject(
                digest, size, kind, location.name, location, new=True, in_place=True
            )

    def _record(
        self,
        kind: Kind,
        digest: str,
        size: int,
        name: str,
        *,
        new: bool,
        media_type: str | None = None,
        path: Path | None = None,
    ) -> None:
        entry: dict[str, Any] = {
            "digest": digest,
            "in_place": path is not None,
            "kind": kind,
            "name": name,
            "new": new,
            "size": size,
        }
        if media_type is not None:
            entry["media_type"] = media_type
        if path is not None:
            entry["path"] = str(path)
        # Only entries that create something guard a later rename; the rest may be lost.
        # Deferred transactions fsync the journal once, in sync(), before any rename.
        self._journal.append(entry, fsync=self._object_fsync and new)

    def sync(self) -> None:
        """Make everything this transaction stored durable; call before the catalog commits.

        A no-op for transactions that fsync as they go (the default).
        """
        with self._mutex:
            self._check("sync")
            if not self._queued:
                return
            if self._fsync:
                # Journal first: every object about to appear must be known to recovery. Then
                # the objects nobody flushed yet (staged with sync=False, as ingest does). A
                # batch of small objects is flushed by one syncfs, which covers the journal.
                unsynced = [
                    (d, stored) for d, stored, synced in self._queued.values() if not synced
                ]
                flush_paths(
                    chain([self._journal.path], (p for d, _ in unsynced for p in _tree(d))),
                    1 + sum(_PATHS_PER_OBJECT + len(stored.files) for _, stored in unsynced),
                    filesystem=self._layout.root,
                )
            published = [
                self._layout.publish(obj_dir, digest, fsync=False)
                for digest, (obj_dir, _, _) in self._queued.items()
            ]
            if self._fsync:
                # A rename changes two directories: the one the object left and the one it
                # entered (new tuple directories also changed theirs). The renamed tree's own
                # entries do not change; its top directory was made read-only after the
                # rename, so it is flushed again.
                parents = {t.parent for t in published} | {t.parent.parent for t in published}
                changed = sorted(
                    parents | set(published) | {self._layout.root, self._layout.staging}
                )
                flush_paths(changed, len(changed), filesystem=self._layout.root)
            self._queued.clear()

    def finish(self, record: Mapping[str, Any]) -> None:
        """Seal the transaction after the catalog committed.

        Parameters
        ----------
        record
            What was ingested (names, original paths, project, dataset...): written to the
            ledger, from which the catalog can be rebuilt.
        """
        with self._mutex:
            self._check("finish")
            if self._queued:
                raise StoreError(
                    f"Store transaction {self.txid} was finished without sync(): the catalog "
                    "may have committed references to objects that are not yet durable."
                )
            self._journal.to_ledger(
                self._layout.ledger,
                record=record,
                tmp_dir=self._layout.staging,
                fsync=self._fsync,
            )
            self._close()

    def abort(self) -> None:
        """Undo the transaction before the catalog committed: delete what it created."""
        with self._mutex:
            self._check("abort")
            for obj_dir, _, _ in self._queued.values():
                remove_tree(obj_dir)
            self._queued.clear()
            for entry in reversed(self._journal.entries):
                if not entry.get("new"):
                    continue
                if entry.get("in_place"):
                    self._layout.remove_in_place(entry["digest"], fsync=self._fsync)
                else:
                    self._layout.unpublish(entry["digest"], fsync=self._fsync)
            self._journal.remove(fsync=self._fsync)
            self._close()

    def _close(self) -> None:
        self._closed = True
        self._on_close(self)


def _tree(root: Path) -> list[Path]:
    """Every file and directory under ``root``, deepest first (children before parents)."""
    paths = [root, *root.rglob("*")]
    return sorted(paths, key=lambda p: -len(p.parts))


def _check_location(location: Path, size: int, kind: Kind) -> None:
    if kind == "file":
        actual = location.stat().st_size if location.is_file() else None
    elif kind == "tree":
        actual = (
            sum(p.stat().st_size for _, p in tree_files(location)) if location.is_dir() else None
        )
    else:
        raise StoreError(f"kind must be 'file' or 'tree', not {kind!r}.")
    if actual is None:
        raise StoreError(
            f"{location} is not a {'file' if kind == 'file' else 'folder'}; cannot register it "
            "in place.",
            path=str(location),
        )
    if actual != size:
        raise StoreError(
            f"{location} holds {actual} bytes but {size} were hashed; it changed since it was "
            "checksummed. Hash it again before registering it.",
            path=str(location),
        )
