"""Where everything lives in a store, and the two moves that change its object hierarchy.

Objects enter the hierarchy only by :meth:`StoreLayout.publish` (one rename of a complete,
fsynced directory) and leave it only by :meth:`StoreLayout.unpublish` (one rename back into the
staging area, then deletion there). A process killed at any point therefore never leaves a
partial object where OCFL tools or readers would find it.

Everything that is not an OCFL object — staging area, journals, ledger, in-place records, the
lock — lives under ``extensions/imagesteward-store/``, the place OCFL 1.1 reserves for a storage
root's extensions; any other directory holding files would make the root invalid (E072).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagesteward.store._durable import (
    freeze_dir,
    fsync_dir,
    remove_tree,
    staging_name,
    thaw_dir,
    write_atomic,
)
from imagesteward.store._ocfl import CONTENT_DIR, INVENTORY, object_relpath

__all__ = ["EXTENSION_NAME", "StoreLayout"]

EXTENSION_NAME = "imagesteward-store"


@dataclass(frozen=True)
class StoreLayout:
    """The paths of a store rooted at ``root``."""

    root: Path

    @property
    def extension(self) -> Path:
        """The store's own directory inside the OCFL root."""
        return self.root / "extensions" / EXTENSION_NAME

    @property
    def config(self) -> Path:
        """Marks the directory as an imagesteward store and records the format version."""
        return self.extension / "config.json"

    @property
    def staging(self) -> Path:
        """Partial copies and temporary files; anything here may be deleted by recovery."""
        return self.extension / "staging"

    @property
    def pending(self) -> Path:
        """Journals of transactions whose catalog commit has not been confirmed."""
        return self.extension / "pending"

    @property
    def ledger(self) -> Path:
        """Append-only records of finished transactions."""
        return self.extension / "ledger"

    @property
    def in_place(self) -> Path:
        """Location records of originals registered where they lie."""
        return self.extension / "in-place"

    @property
    def lock(self) -> Path:
        """The writer lock file."""
        return self.extension / "writer.lock"

    def object_dir(self, digest: str) -> Path:
        """The OCFL object root of content ``digest``."""
        return self.root / object_relpath(digest)

    def has_object(self, digest: str) -> bool:
        """Whether the store holds a copy of content ``digest``."""
        return (self.object_dir(digest) / INVENTORY).is_file()

    def content_path(self, digest: str) -> Path | None:
        """The stored file or folder of ``digest`` (the one entry of ``v1/content``)."""
        content = self.object_dir(digest) / CONTENT_DIR
        try:
            entries = list(content.iterdir())
        except FileNotFoundError:
            return None
        return entries[0] if len(entries) == 1 else None

    def in_place_record(self, digest: str) -> Path:
        """Where the location record of in-place content ``digest`` is kept."""
        return self.in_place / digest[:2] / f"{digest}.json"

    def read_in_place(self, digest: str) -> dict[str, Any] | None:
        """The location record of ``digest``, or ``None``."""
        try:
            value = json.loads(self.in_place_record(digest).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return value if isinstance(value, dict) else None

    def in_place_digests(self) -> list[str]:
        """Digests of every in-place registration."""
        return sorted(path.stem for path in self.in_place.glob("??/*.json"))

    def write_in_place(self, digest: str, record: bytes, *, fsync: bool) -> None:
        """Store a location record atomically."""
        target = self.in_place_record(digest)
        if not target.parent.is_dir():
            target.parent.mkdir()
            if fsync:
                fsync_dir(target.parent.parent)
        write_atomic(target, record, tmp_dir=self.staging, fsync=fsync, mode=0o444)

    def remove_in_place(self, digest: str, *, fsync: bool) -> bool:
        """Delete a location record; False if there was none."""
        target = self.in_place_record(digest)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        if fsync:
            fsync_dir(target.parent)
        return True

    def publish(self, staged_dir: Path, digest: str, *, fsync: bool) -> Path:
        """Move a complete staged object directory to its place in the hierarchy."""
        target = self.object_dir(digest)
        for directory in (target.parent.parent, target.parent):
            if not directory.is_dir():
                directory.mkdir(exist_ok=True)
                if fsync:
                    fsync_dir(directory.parent)
        staged_dir.rename(target)
        if fsync:
            fsync_dir(target.parent)
            fsync_dir(staged_dir.parent)
        # Frozen only now: moving a directory to a new parent needs write permission on it.
        freeze_dir(target)
        return target

    def unpublish(self, digest: str, *, fsync: bool) -> bool:
        """Take an object out of the hierarchy and delete it; False if it was not there.

        Also removes the tuple directories it leaves empty, which OCFL forbids (E073), even
        when the object itself never arrived (a process killed between creating them and
        renaming the object into them).
        """
        target = self.object_dir(digest)
        existed = target.is_dir()
        if existed:
            thaw_dir(target)
            trash = self.staging / staging_name(".removed")
            target.rename(trash)
            if fsync:
                fsync_dir(target.parent)
        self._prune(target.parent, fsync=fsync)
        if existed:
            remove_tree(trash)
        return existed

    def _prune(self, directory: Path, *, fsync: bool) -> None:
        for candidate in (directory, directory.parent):
            try:
                candidate.rmdir()
            except FileNotFoundError:
                continue
            except OSError:  # not empty: other objects share this tuple directory
                return
            if fsync:
                fsync_dir(candidate.parent)
