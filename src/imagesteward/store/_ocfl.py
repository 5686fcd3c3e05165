"""The OCFL 1.1 side of the store: root declaration, storage layout, object inventories.

The store is an OCFL storage root (https://ocfl.io/1.1/spec/) so any OCFL tool can read it
without imagesteward. Each object holds one original (a file or a folder tree) in a single
version ``v1``; objects are never updated, so there is never a ``v2``.

Layout: the registered extension ``0003-hash-and-id-n-tuple-storage-layout`` with SHA-256 and
two tuples of two characters, so object ``sha256:<hex>`` lives at
``<t1>/<t2>/sha256%3a<hex>/`` where ``t1 t2`` start the SHA-256 of the object id *string*. The
extension ``0007-n-tuple-omit-prefix-storage-layout`` would give the nicer ``ab/cd/<hex>``, but
ocfl-py, the reference validator, rejects storage roots that declare it (error E071, unknown
layout); 0003 is registered, validated and implemented by ocfl-py, ocfl-java, rocfl and gocfl.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from imagesteward.store._durable import fsync_dir, write_atomic, write_file

__all__ = [
    "CONTENT_DIR",
    "DEFAULT_USER",
    "INVENTORY",
    "VERSION",
    "build_inventory",
    "digest_from_dirname",
    "initialise_root",
    "is_root",
    "object_id",
    "object_relpath",
    "read_inventory",
    "remove_object_metadata",
    "sanitise_name",
    "version_message",
    "write_object_metadata",
]

#: The agent recorded in inventories when the ingest names nobody.
DEFAULT_USER = {"address": "https://github.com/imagesteward/imagesteward", "name": "imagesteward"}

ROOT_DECLARATION = "0=ocfl_1.1"
OBJECT_DECLARATION = "0=ocfl_object_1.1"
INVENTORY = "inventory.json"
SIDECAR = "inventory.json.sha256"
INVENTORY_TYPE = "https://ocfl.io/1.1/spec/#inventory"
VERSION = "v1"
CONTENT_DIR = f"{VERSION}/content"
LAYOUT_EXTENSION = "0003-hash-and-id-n-tuple-storage-layout"
LAYOUT_CONFIG: dict[str, Any] = {
    "extensionName": LAYOUT_EXTENSION,
    "digestAlgorithm": "sha256",
    "tupleSize": 2,
    "numberOfTuples": 2,
}
_ID_PREFIX = "sha256:"
_ENCAPSULATED_PREFIX = "sha256%3a"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f/\\]")
_MAX_NAME_BYTES = 255


def object_id(digest: str) -> str:
    """The OCFL object id of content with SHA-256 ``digest``."""
    return _ID_PREFIX + digest


def object_relpath(digest: str) -> str:
    """Path of an object below the storage root, as extension 0003 computes it."""
    oid = object_id(digest)
    hashed = hashlib.sha256(oid.encode("utf-8")).hexdigest()
    # 0003 percent-encodes every character outside [A-Za-z0-9_-]; of "sha256:<hex>" only ":".
    return f"{hashed[0:2]}/{hashed[2:4]}/{oid.replace(':', '%3a')}"


def digest_from_dirname(name: str) -> str | None:
    """The content digest named by an object directory, or ``None`` if it is not one."""
    if name.startswith(_ENCAPSULATED_PREFIX):
        digest = name[len(_ENCAPSULATED_PREFIX) :]
        if _HEX64.fullmatch(digest):
            return digest
    return None


def sanitise_name(name: str) -> str:
    """A file name safe as an OCFL logical path segment on every common filesystem.

    Separators and control characters become ``_``, undecodable bytes become U+FFFD, and the
    name is shortened to 255 UTF-8 bytes keeping its extension.
    """
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = _UNSAFE_CHARS.sub("_", text).strip()
    if text in ("", ".", ".."):
        return "original"
    encoded = text.encode("utf-8")
    if len(encoded) <= _MAX_NAME_BYTES:
        return text
    stem, dot, suffix = text.rpartition(".")
    if not dot or len(suffix.encode("utf-8")) > 32:
        stem, suffix = text, ""
    budget = _MAX_NAME_BYTES - len(suffix.encode("utf-8")) - len(dot)
    short = stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
    return f"{short}{dot}{suffix}" if suffix else short


def build_inventory(
    digest: str,
    files: Mapping[str, str],
    *,
    created: str,
    message: str,
    user: Mapping[str, str],
) -> dict[str, Any]:
    """The inventory of a one-version object.

    Parameters
    ----------
    digest
        The object's content digest (file SHA-256 or tree digest).
    files
        ``{logical path: sha256}`` of every file of the object.
    created
        RFC 3339 UTC timestamp of the version.
    message, user
        The version's description and agent (``name``, ``address``).
    """
    manifest: dict[str, list[str]] = {}
    state: dict[str, list[str]] = {}
    for logical, sha in sorted(files.items()):
        manifest.setdefault(sha, []).append(f"{CONTENT_DIR}/{logical}")
        state.setdefault(sha, []).append(logical)
    return {
        "digestAlgorithm": "sha256",
        "head": VERSION,
        "id": object_id(digest),
        "manifest": manifest,
        "type": INVENTORY_TYPE,
        "versions": {
            VERSION: {"created": created, "message": message, "state": state, "user": dict(user)}
        },
    }


def version_message(
    kind: str, name: str, size: int, file_count: int, media_type: str | None = None
) -> str:
    """The message of an object's only version, saying what was stored."""
    if media_type is not None:
        what = f"Attachment '{name}' (media type {media_type}, {size} bytes)"
    elif kind == "tree":
        what = f"Folder '{name}' ({file_count} files, {size} bytes)"
    else:
        what = f"File '{name}' ({size} bytes)"
    return f"{what} stored by imagesteward"


def write_object_metadata(obj_dir: Path, inventory: Mapping[str, Any], *, fsync: bool) -> None:
    """Write the declaration, inventories and sidecars into a staged object directory.

    With ``fsync``, each new file is flushed through the descriptor that wrote it; the
    directories holding them are left to the caller, who may change them further.
    """
    text = json.dumps(inventory, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    data = text.encode("utf-8")
    sidecar = f"{hashlib.sha256(data).hexdigest()}  {INVENTORY}\n".encode()
    version = obj_dir / VERSION
    _write(obj_dir / OBJECT_DECLARATION, b"ocfl_object_1.1\n", None, fsync=fsync)
    # The copy in v1/ is what OCFL asks every version directory to carry (warning W010). An
    # object has exactly one version, so both inventories are the same bytes forever: a hard
    # link holds them without a second inode to allocate and flush (two of the ~10 inodes an
    # object cost; allocating inodes dominated staging on a busy filesystem).
    _write(obj_dir / INVENTORY, data, version / INVENTORY, fsync=fsync)
    _write(obj_dir / SIDECAR, sidecar, version / SIDECAR, fsync=fsync)


def _write(path: Path, data: bytes, link: Path | None, *, fsync: bool) -> None:
    """Create a read-only file, link it under a second name, then flush it (count included)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if link is not None:
            try:
                os.link(path, link)
            except OSError as exc:
                # Filesystems without hard links (some network and FUSE mounts): a copy.
                if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK):
                    raise
                write_file(link, data, fsync=fsync, mode=0o444)
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def remove_object_metadata(obj_dir: Path) -> None:
    """Delete what :func:`write_object_metadata` wrote (its directories must be writable)."""
    for directory in (obj_dir, obj_dir / VERSION):
        for name in (INVENTORY, SIDECAR):
            (directory / name).unlink(missing_ok=True)
    (obj_dir / OBJECT_DECLARATION).unlink(missing_ok=True)


def read_inventory(obj_dir: Path) -> dict[str, Any]:
    """The parsed ``inventory.json`` of an object."""
    value = json.loads((obj_dir / INVENTORY).read_text(encoding="utf-8"))
    if not isinstance(value, dict):
        raise ValueError(f"{obj_dir / INVENTORY} is not a JSON object")
    return value


def is_root(root: Path) -> bool:
    """Whether ``root`` declares itself an OCFL 1.1 storage root."""
    return (root / ROOT_DECLARATION).is_file()


def initialise_root(root: Path, *, tmp_dir: Path, fsync: bool) -> None:
    """Create the root declaration, layout file and layout configuration (idempotent).

    The declaration is written last: a directory only claims to be an OCFL root once
    everything that claim implies is in place.
    """
    config_dir = root / "extensions" / LAYOUT_EXTENSION
    config_dir.mkdir(parents=True, exist_ok=True)
    layout = {
        "description": "Hashed Truncated N-tuple Trees with Object ID Encapsulating Directory "
        "for OCFL Storage Hierarchies (SHA-256, 2 tuples of 2); object ids are "
        "'sha256:<hex digest of the content>'.",
        "extension": LAYOUT_EXTENSION,
    }
    for path, value in (
        (config_dir / "config.json", LAYOUT_CONFIG),
        (root / "ocfl_layout.json", layout),
    ):
        if not path.exists():
            data = (json.dumps(value, sort_keys=True, indent=2) + "\n").encode()
            write_atomic(path, data, tmp_dir=tmp_dir, fsync=fsync)
    if fsync:
        fsync_dir(config_dir.parent)
    if not (root / ROOT_DECLARATION).exists():
        write_atomic(root / ROOT_DECLARATION, b"ocfl_1.1\n", tmp_dir=tmp_dir, fsync=fsync)
