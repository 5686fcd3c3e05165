"""The values the store hands out: staged and stored objects, statistics, recovery reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["Kind", "RecoveryReport", "StagedObject", "StoreStats", "StoredObject"]

Kind = Literal["file", "tree"]


@dataclass(frozen=True)
class StagedObject:
    """Content copied into the store's staging area and hashed, not yet part of the store.

    Hand it to :meth:`StoreTransaction.add`, or to :meth:`ObjectStore.discard` if the ingest
    is abandoned; either consumes it.

    Attributes
    ----------
    digest
        SHA-256 of the file, or the tree digest of a folder.
    size
        Bytes (the sum of all files for a folder).
    kind
        ``"file"`` or ``"tree"``.
    name
        The sanitised name the content is stored under.
    path
        The staged copy (file or folder); reading it reads exactly the bytes that were hashed.
    source
        The original that was copied.
    files
        For a tree, ``{relpath: sha256}`` of every file; empty for a file.
    agent
        When the staged directory is already a complete OCFL object (declaration, inventories,
        sidecars, read-only content), the agent its inventory names; ``None`` when the
        transaction still has to write those.
    synced
        Whether every file and directory of the staged object is already durable (flushed by
        the thread that staged it), so :meth:`StoreTransaction.sync` need not flush it again.
    """

    digest: str
    size: int
    kind: Kind
    name: str
    path: Path
    source: Path
    files: Mapping[str, str] = field(default_factory=dict, hash=False)
    agent: Mapping[str, str] | None = field(default=None, hash=False)
    synced: bool = False

    @property
    def object_id(self) -> str:
        """The OCFL object id, ``sha256:<digest>``."""
        return f"sha256:{self.digest}"


@dataclass(frozen=True)
class StoredObject:
    """Content held by the store (or registered where it lies).

    Attributes
    ----------
    digest, size, kind, name, files
        As for :class:`StagedObject`; ``name`` is the name the content was first stored under.
    path
        The stored file or folder, or the original's location for in-place content.
    new
        True when the transaction that returned it created it; False when the content was
        already present and the new copy was discarded.
    in_place
        True when the store only records where the original lies and holds no copy.
    media_type
        For attachments stored with :meth:`StoreTransaction.add_bytes`, when known.
    """

    digest: str
    size: int
    kind: Kind
    name: str
    path: Path
    new: bool
    in_place: bool = False
    media_type: str | None = None
    files: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def object_id(self) -> str:
        """The OCFL object id, ``sha256:<digest>``."""
        return f"sha256:{self.digest}"


@dataclass(frozen=True)
class StoreStats:
    """Size of the store: objects it holds a copy of, and originals registered in place."""

    objects: int
    bytes: int
    in_place_objects: int = 0
    in_place_bytes: int = 0


@dataclass(frozen=True)
class RecoveryReport:
    """What :meth:`ObjectStore.recover` cleaned up after processes that were killed.

    Attributes
    ----------
    staging_removed
        Leftover partial copies and temporary files deleted from the staging area.
    journals_committed
        Interrupted transactions the catalog had committed; moved to the ledger.
    journals_unconfirmed
        Of those, transactions that only re-used stored content, so the catalog's answer could
        not confirm the commit; their ledger entries say ``catalog_commit: "unconfirmed"``.
    journals_rolled_back
        Interrupted transactions the catalog had not committed; undone.
    objects_removed
        Objects created by rolled-back transactions and referenced by nothing, deleted.
    in_place_removed
        In-place registrations of rolled-back transactions, deleted.
    """

    staging_removed: int = 0
    journals_committed: int = 0
    journals_unconfirmed: int = 0
    journals_rolled_back: int = 0
    objects_removed: int = 0
    in_place_removed: int = 0

    @property
    def clean(self) -> bool:
        """True when there was nothing to recover."""
        return not any(
            (
                self.staging_removed,
                self.journals_committed,
                self.journals_rolled_back,
                self.objects_removed,
                self.in_place_removed,
            )
        )

    def __str__(self) -> str:
        if self.clean:
            return "store recovery: nothing to do"
        unconfirmed = (
            f", {self.journals_unconfirmed} unconfirmed" if self.journals_unconfirmed else ""
        )
        return (
            f"store recovery: {self.staging_removed} staging leftovers removed, "
            f"{self.journals_committed} interrupted ingests kept (catalog had them{unconfirmed}), "
            f"{self.journals_rolled_back} rolled back, {self.objects_removed} unreferenced "
            f"objects and {self.in_place_removed} in-place registrations removed"
        )
