"""Reading the store back: describing objects from their inventories, and verifying them.

Everything here works from what is on disk, so it also serves to rebuild a catalog from a store
whose database was lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from imagesteward.errors import IntegrityError, StoreError
from imagesteward.store._hashing import sha256_file
from imagesteward.store._layout import StoreLayout
from imagesteward.store._objects import Kind, StoredObject
from imagesteward.store._ocfl import (
    CONTENT_DIR,
    INVENTORY,
    SIDECAR,
    VERSION,
    digest_from_dirname,
    object_id,
    read_inventory,
)
from imagesteward.store._tree import sha256_tree, tree_digest

__all__ = ["describe", "iter_object_digests", "verify"]

_MEDIA_TYPE = re.compile(r"\(media type ([^,()]+),")


def iter_object_digests(layout: StoreLayout) -> Iterator[str]:
    """Digests of the objects in the hierarchy, in directory order."""
    for first in sorted(layout.root.iterdir()):
        if len(first.name) != 2 or not first.is_dir():
            continue
        for second in sorted(first.iterdir()):
            for obj_dir in sorted(second.iterdir()):
                digest = digest_from_dirname(obj_dir.name)
                if digest is not None:
                    yield digest


def _state(inventory: dict[str, Any]) -> dict[str, str]:
    """``{logical path: sha256}`` of the object's only version."""
    state = inventory["versions"][VERSION]["state"]
    return {logical: sha for sha, paths in state.items() for logical in paths}


def describe(layout: StoreLayout, digest: str) -> StoredObject | None:
    """The object or in-place registration ``digest``, or ``None`` if the store has neither."""
    obj_dir = layout.object_dir(digest)
    if not (obj_dir / INVENTORY).is_file():
        record = layout.read_in_place(digest)
        if record is None:
            return None
        where = Path(record["path"])
        in_place_kind: Kind = "tree" if record.get("kind") == "tree" else "file"
        return StoredObject(
            digest, int(record["size"]), in_place_kind, where.name, where, False, True
        )
    inventory = read_inventory(obj_dir)
    logical = _state(inventory)
    name = next(iter(sorted(logical))).split("/", 1)[0]
    content = obj_dir / CONTENT_DIR
    size = sum((content / path).stat().st_size for path in logical)
    match = _MEDIA_TYPE.search(str(inventory["versions"][VERSION].get("message", "")))
    if list(logical) == [name] and logical[name] == digest:
        return StoredObject(
            digest, size, "file", name, content / name, False, False, match and match[1]
        )
    files = {path.split("/", 1)[1]: sha for path, sha in logical.items()}
    return StoredObject(digest, size, "tree", name, content / name, False, False, None, files)


def _damaged(digest: str, path: Path, problem: str, **details: Any) -> IntegrityError:
    return IntegrityError(
        f"Stored object sha256:{digest} is damaged: {problem} ({path}). Restore the object "
        "from a backup or ingest the original again.",
        object_id=object_id(digest),
        path=str(path),
        **details,
    )


def _mismatch(digest: str, path: Path, expected: str, actual: str) -> IntegrityError:
    problem = f"expected SHA-256 {expected}, found {actual}"
    return _damaged(digest, path, problem, expected=expected, actual=actual)


def verify(layout: StoreLayout, digest: str, buffer_bytes: int) -> None:
    """Re-hash object ``digest`` and compare with its identity and its inventory.

    Raises
    ------
    IntegrityError
        On any difference: damaged inventory, missing, extra or altered file.
    StoreError
        When the store holds no such object.
    """
    obj_dir = layout.object_dir(digest)
    if not (obj_dir / INVENTORY).is_file():
        _verify_in_place(layout, digest, buffer_bytes)
        return
    data = (obj_dir / INVENTORY).read_bytes()
    recorded = (obj_dir / SIDECAR).read_text(encoding="utf-8").split()[0]
    actual = hashlib.sha256(data).hexdigest()
    if actual != recorded:
        raise _damaged(digest, obj_dir / INVENTORY, "inventory.json no longer matches its sidecar")
    inventory = json.loads(data)
    if inventory.get("id") != object_id(digest):
        raise _damaged(digest, obj_dir / INVENTORY, f"inventory names {inventory.get('id')!r}")
    expected = {path: sha for sha, paths in inventory["manifest"].items() for path in paths}
    content = obj_dir / CONTENT_DIR
    present = {
        Path(dirpath, name).relative_to(obj_dir).as_posix()
        for dirpath, _, names in os.walk(content)
        for name in names
    }
    for missing in sorted(set(expected) - present):
        raise _damaged(digest, obj_dir / missing, "a file listed in the inventory is missing")
    for extra in sorted(present - set(expected)):
        raise _damaged(digest, obj_dir / extra, "a file not in the inventory was added")
    for relpath, sha in sorted(expected.items()):
        found, _ = sha256_file(obj_dir / relpath, buffer_bytes)
        if found != sha:
            raise _mismatch(digest, obj_dir / relpath, sha, found)
    logical = _state(inventory)
    if len(logical) == 1 and "/" not in next(iter(logical)):
        identity = next(iter(logical.values()))
    else:
        identity = tree_digest({path.split("/", 1)[1]: sha for path, sha in logical.items()})
    if identity != digest:
        raise _mismatch(digest, obj_dir / INVENTORY, digest, identity)


def _verify_in_place(layout: StoreLayout, digest: str, buffer_bytes: int) -> None:
    record = layout.read_in_place(digest)
    if record is None:
        raise StoreError(f"The store at {layout.root} holds no object sha256:{digest}.")
    where = Path(record["path"])
    if record.get("kind") == "tree":
        if not where.is_dir():
            raise _damaged(digest, where, "the folder registered in place is missing")
        found = sha256_tree(where, buffer_bytes)[0]
    else:
        if not where.is_file():
            raise _damaged(digest, where, "the file registered in place is missing")
        found = sha256_file(where, buffer_bytes)[0]
    if found != digest:
        raise _mismatch(digest, where, digest, found)
