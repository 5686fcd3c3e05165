"""Copying originals into the staging area, and clearing what killed processes left there.

Each staged object is a directory ``staging/<host>-<pid>-<uuid>/`` already shaped like an OCFL
object (``v1/content/<name>``), so adding it to the store is a single rename once the
inventory is written. Staging needs no lock: nothing here is visible to readers.

Given the agent to record (``user``), staging writes that inventory too: the worker thread
that copied the original then does everything but the journal entry, the flush and the
rename, and the transaction, on the ingest's single committing thread, has nothing left to
write per object (see :func:`complete_object`). Ingest stages with ``fsync=False`` and lets
the deferred-sync transaction flush a whole batch at once; with ``fsync=True`` the object is
flushed here, file by file.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from pathlib import Path

from imagesteward.errors import StoreError
from imagesteward.store._durable import (
    fsync_dir,
    fsync_files,
    make_read_only,
    remove_tree,
    staging_name,
    staging_owner,
    this_host,
    write_file,
)
from imagesteward.store._hashing import copy_and_hash
from imagesteward.store._journal import utc_now
from imagesteward.store._layout import StoreLayout
from imagesteward.store._objects import Kind, StagedObject
from imagesteward.store._ocfl import (
    CONTENT_DIR,
    VERSION,
    build_inventory,
    sanitise_name,
    version_message,
    write_object_metadata,
)
from imagesteward.store._tree import tree_digest, tree_files

__all__ = [
    "clean_staging",
    "complete_object",
    "discard",
    "stage_bytes",
    "stage_file",
    "stage_tree",
    "staged_object_dir",
]

# Staging entries from another host cannot be checked for a live owner; after this long
# nobody is still writing them.
_FOREIGN_STALE_SECONDS = 24 * 3600
_READ_ONLY_FILE = 0o444
_WRITABLE_FILE = 0o644


def _new_object_dir(layout: StoreLayout) -> Path:
    obj_dir = layout.staging / staging_name()
    # Level by level: mkdir(parents=True) first tries the deepest and fails twice.
    for directory in (obj_dir, obj_dir / VERSION, obj_dir / CONTENT_DIR):
        directory.mkdir()
    return obj_dir


def complete_object(
    obj_dir: Path,
    *,
    digest: str,
    kind: Kind,
    name: str,
    size: int,
    files: Mapping[str, str],
    user: Mapping[str, str],
    fsync: bool,
    media_type: str | None = None,
    content_read_only: bool = False,
    concurrent: bool = True,
) -> None:
    """Make a staged directory a complete OCFL object: inventories, declaration, read-only.

    Parameters
    ----------
    obj_dir
        The staged object directory holding ``v1/content/<name>``.
    digest, kind, name, size, files
        As in :class:`StagedObject` (``name`` as it is stored).
    user
        The agent the inventory names.
    fsync
        Flush what this writes or changes. The content files are flushed too unless they
        were created read-only (``content_read_only``) and flushed by the staging code: then
        nothing here changes them.
    media_type
        For attachments, named in the version message.
    concurrent
        As for :func:`fsync_files`; a worker thread staging one small file flushes in order.
    """
    if kind == "tree":
        logical = {f"{name}/{rel}": sha for rel, sha in files.items()}
    else:
        logical = {name: digest}
    inventory = build_inventory(
        digest,
        logical,
        created=utc_now(),
        message=version_message(kind, name, size, len(logical), media_type),
        user=user,
    )
    write_object_metadata(obj_dir, inventory, fsync=fsync)
    # Directories become read-only before they are flushed, so their permissions are as
    # durable as their entries.
    version = obj_dir / VERSION
    directories = make_read_only(version, files=not content_read_only)
    if not fsync:
        return
    if not content_read_only:  # their permissions just changed
        fsync_files(
            (Path(d, f) for d, _, names in os.walk(obj_dir / CONTENT_DIR) for f in names),
            concurrent=concurrent,
        )
    # Directories last, deepest first: their entries must name files already durable.
    fsync_files([*directories, version, obj_dir], concurrent=concurrent)


def stage_file(
    layout: StoreLayout,
    src: Path,
    *,
    buffer_bytes: int,
    fsync: bool,
    user: Mapping[str, str] | None = None,
) -> StagedObject:
    """Copy and hash one file into a new staged object; complete it when ``user`` is given.

    Content the store already holds is not completed: the transaction will drop the copy.
    """
    if not src.is_file():
        raise StoreError(
            f"{src} is not a file (or does not exist); only files and folders can be stored.",
            path=str(src),
        )
    name = sanitise_name(src.name)
    obj_dir = _new_object_dir(layout)
    target = obj_dir / CONTENT_DIR / name
    mode = _WRITABLE_FILE if user is None else _READ_ONLY_FILE
    complete = False
    try:
        digest, size = copy_and_hash(src, target, buffer_bytes=buffer_bytes, fsync=fsync, mode=mode)
        complete = user is not None and not layout.has_object(digest)
        if complete:
            assert user is not None
            complete_object(
                obj_dir,
                digest=digest,
                kind="file",
                name=name,
                size=size,
                files={},
                user=user,
                fsync=fsync,
                content_read_only=True,
                concurrent=False,
            )
        elif fsync:
            fsync_dir(target.parent)
    except BaseException:
        remove_tree(obj_dir)
        raise
    return StagedObject(
        digest,
        size,
        "file",
        name,
        target,
        src,
        agent=user if complete else None,
        synced=complete and fsync,
    )


def stage_tree(
    layout: StoreLayout,
    src_dir: Path,
    *,
    buffer_bytes: int,
    fsync: bool,
    user: Mapping[str, str] | None = None,
) -> StagedObject:
    """Copy and hash a folder (an OME-Zarr, say) into a new staged object.

    Completed like :func:`stage_file` when ``user`` is given.
    """
    if not src_dir.is_dir():
        raise StoreError(f"{src_dir} is not a folder (or does not exist).", path=str(src_dir))
    files = tree_files(src_dir)
    name = sanitise_name(src_dir.name)
    obj_dir = _new_object_dir(layout)
    top = obj_dir / CONTENT_DIR / name
    mode = _WRITABLE_FILE if user is None else _READ_ONLY_FILE
    shas: dict[str, str] = {}
    total = 0
    directories = {top}
    written: list[Path] = []
    complete = False
    try:
        top.mkdir()
        for relpath, path in files:
            target = top / relpath
            if target.parent not in directories:
                target.parent.mkdir(parents=True, exist_ok=True)
                directories.update(target.parents[: len(target.relative_to(top).parts) - 1])
            shas[relpath], size = copy_and_hash(
                path, target, buffer_bytes=buffer_bytes, fsync=False, mode=mode
            )
            total += size
            written.append(target)
        digest = tree_digest(shas)
        complete = user is not None and not layout.has_object(digest)
        if fsync:
            fsync_files(written)
        if complete:
            assert user is not None
            complete_object(
                obj_dir,
                digest=digest,
                kind="tree",
                name=name,
                size=total,
                files=shas,
                user=user,
                fsync=fsync,
                content_read_only=True,
            )
        elif fsync:
            # Directories last: their entries must name files whose data is already durable.
            fsync_files(sorted(directories | {top.parent}, key=lambda p: -len(p.parts)))
    except BaseException:
        remove_tree(obj_dir)
        raise
    return StagedObject(
        digest,
        total,
        "tree",
        name,
        top,
        src_dir,
        shas,
        agent=user if complete else None,
        synced=complete and fsync,
    )


def stage_bytes(layout: StoreLayout, data: bytes, name: str, *, fsync: bool) -> StagedObject:
    """Stage a small object held in memory (an attachment such as original metadata XML)."""
    clean = sanitise_name(name)
    obj_dir = _new_object_dir(layout)
    target = obj_dir / CONTENT_DIR / clean
    try:
        write_file(target, data, fsync=fsync)
        if fsync:
            fsync_dir(target.parent)
    except BaseException:
        remove_tree(obj_dir)
        raise
    digest = hashlib.sha256(data).hexdigest()
    return StagedObject(digest, len(data), "file", clean, target, Path(name))


def staged_object_dir(layout: StoreLayout, staged: StagedObject) -> Path:
    """The staging directory of ``staged``, checked to still exist."""
    obj_dir = staged.path.parent.parent.parent
    if obj_dir.parent != layout.staging:
        raise StoreError(
            f"{staged.path} was not staged by the store at {layout.root}.", path=str(staged.path)
        )
    if not obj_dir.is_dir():
        raise StoreError(
            f"The staged copy of {staged.source} is gone: it was already added or discarded, "
            "or recovery removed it. Stage the original again.",
            path=str(staged.path),
        )
    return obj_dir


def discard(layout: StoreLayout, staged: StagedObject) -> None:
    """Delete a staged object that will not be added."""
    remove_tree(staged_object_dir(layout, staged))


def _owner_gone(name: str, mtime: float) -> bool:
    owner = staging_owner(name)
    if owner is None:
        return True
    host, pid = owner
    if host != this_host():
        return time.time() - mtime > _FOREIGN_STALE_SECONDS
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by another user
        return False
    return False


def clean_staging(layout: StoreLayout) -> int:
    """Delete staging entries whose creating process is gone; returns how many."""
    removed = 0
    with os.scandir(layout.staging) as entries:
        candidates = [(entry.name, entry.stat(follow_symlinks=False).st_mtime) for entry in entries]
    for name, mtime in candidates:
        if _owner_gone(name, mtime):
            remove_tree(layout.staging / name)
            removed += 1
    return removed
