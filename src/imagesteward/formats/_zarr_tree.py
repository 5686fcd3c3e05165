"""The zarr directory on disk: its metadata documents, safe paths inside it, bytes it holds.

Everything here works on the file system directly, before zarr is asked for any array, so that
hostile or broken input fails with a message naming the document: an oversized or invalid JSON
document, a dataset path such as ``../x`` or a symbolic link leading out of the zarr root.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from imagesteward.errors import CorruptFileError, ImplausibleSizeError, UnsafeContentError
from imagesteward.formats.reader import ReadContext

__all__ = [
    "METADATA_NAMES",
    "OME_XML_PATH",
    "ZarrTree",
    "child_path",
    "load_json",
    "scan_tree",
    "stored_bytes",
    "zarr_format_of",
]

#: File names of zarr metadata documents (v2 and v3, plus consolidated metadata).
METADATA_NAMES = frozenset({".zattrs", ".zgroup", ".zarray", ".zmetadata", "zarr.json"})
#: The OME-XML companion of the bioformats2raw layout, relative to the root.
OME_XML_PATH = "OME/METADATA.ome.xml"


def load_json(path: Path, context: ReadContext, *, limit: int | None = None) -> Any:
    """Read one JSON document, refusing oversized and malformed ones.

    Raises
    ------
    ImplausibleSizeError
        When the document is larger than ``context.max_metadata_bytes`` (or ``limit``).
    CorruptFileError
        When it cannot be read or is not valid JSON.
    """
    limit = context.max_metadata_bytes if limit is None else limit
    try:
        size = path.stat().st_size
        if size > limit:
            raise ImplausibleSizeError(
                path,
                f"zarr metadata document is {size:,} bytes, over the limit of {limit:,} "
                "(setting max_metadata_bytes)",
                size=size,
            )
        data = path.read_bytes()
    except OSError as exc:
        raise CorruptFileError(path, f"cannot be read: {exc.strerror or exc}") from exc
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and undecodable bytes.
        raise CorruptFileError(path, f"is not valid JSON ({exc})") from exc


def child_path(root: Path, base: str, name: object, what: str) -> str:
    """Join a path found in metadata onto a group path, refusing anything leaving the root.

    ``base`` and the result are relative POSIX paths inside the zarr root (``""`` is the root).

    Raises
    ------
    UnsafeContentError
        For absolute paths, ``..`` and empty parts, backslashes, and targets (after resolving
        symbolic links) outside the root.
    CorruptFileError
        When ``name`` is not a string.
    """
    where = root / base if base else root
    if not isinstance(name, str) or not name:
        raise CorruptFileError(where, f"{what} {name!r} is not a path")
    parts = name.removesuffix("/").split("/")
    bad = (
        name.startswith("/")
        or "\\" in name
        or ":" in name
        or any(part in ("..", ".", "") for part in parts)
    )
    if bad:
        raise UnsafeContentError(
            where, f"{what} {name!r} is not a plain relative path inside the zarr; refused"
        )
    relative = "/".join(parts)
    joined = f"{base}/{relative}" if base else relative
    target = (root / joined).resolve()
    if not target.is_relative_to(root.resolve()):
        raise UnsafeContentError(
            where, f"{what} {name!r} resolves to {target}, outside the zarr root {root}; refused"
        )
    return joined


@dataclass
class ZarrTree:
    """The metadata documents of a zarr hierarchy, keyed by relative POSIX path.

    Attributes
    ----------
    root
        The zarr root directory.
    zarr_format
        2 or 3, from the root's documents.
    documents
        Every metadata document found, parsed (``"0/.zattrs"`` -> object).
    arrays
        Relative paths of the arrays found (directories holding ``.zarray`` or an array
        ``zarr.json``); their chunk directories are not scanned for documents.
    """

    root: Path
    zarr_format: Literal[2, 3]
    documents: dict[str, Any] = field(default_factory=dict)
    arrays: set[str] = field(default_factory=set)

    def doc(self, node: str, name: str) -> Any:
        """The document ``name`` of the node at ``node`` (``""`` for the root), or None."""
        return self.documents.get(f"{node}/{name}" if node else name)

    def is_group(self, node: str) -> bool:
        """Whether a group is stored at ``node``."""
        if self.zarr_format == 2:
            return self.doc(node, ".zgroup") is not None or (
                self.doc(node, ".zattrs") is not None and node not in self.arrays
            )
        meta = self.doc(node, "zarr.json")
        return isinstance(meta, dict) and meta.get("node_type") == "group"

    def attributes(self, node: str) -> dict[str, Any]:
        """The user attributes of a node (v2 ``.zattrs``, v3 ``zarr.json`` attributes)."""
        if self.zarr_format == 2:
            attrs = self.doc(node, ".zattrs")
        else:
            meta = self.doc(node, "zarr.json")
            attrs = meta.get("attributes") if isinstance(meta, dict) else None
        if attrs is None:
            return {}
        if not isinstance(attrs, dict):
            name = ".zattrs" if self.zarr_format == 2 else "zarr.json"
            raise CorruptFileError(self.root / node / name, "attributes are not a JSON object")
        return attrs


def zarr_format_of(root: Path) -> Literal[2, 3]:
    """2 or 3, from which metadata documents the root holds."""
    return 3 if (root / "zarr.json").is_file() else 2


def scan_tree(root: Path, context: ReadContext) -> ZarrTree:
    """Read every metadata document of the hierarchy at ``root`` (array chunks not visited).

    Raises
    ------
    ImplausibleSizeError
        For a document over ``context.max_metadata_bytes``.
    CorruptFileError
        For unreadable or invalid JSON documents.
    """
    tree = ZarrTree(root=root, zarr_format=zarr_format_of(root))
    stack = [""]
    while stack:
        node = stack.pop()
        directory = root / node if node else root
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise CorruptFileError(directory, f"cannot be listed: {exc.strerror or exc}") from exc
        names = {e.name for e in entries if e.is_file()}
        for name in sorted(names & METADATA_NAMES):
            relpath = f"{node}/{name}" if node else name
            tree.documents[relpath] = load_json(directory / name, context)
        if ".zarray" in names or _is_v3_array(tree.doc(node, "zarr.json")):
            tree.arrays.add(node)
            continue  # chunk directories hold no metadata
        # Symbolic links to directories are not followed: a link leaving the root must not
        # make us read someone else's files, and one staying inside would be read twice.
        stack.extend(
            f"{node}/{e.name}" if node else e.name
            for e in reversed(entries)
            if e.is_dir(follow_symlinks=False)
        )
    return tree


def _is_v3_array(meta: Any) -> bool:
    return isinstance(meta, dict) and meta.get("node_type") == "array"


def stored_bytes(root: Path, nodes: list[str]) -> int:
    """Bytes of chunk (and shard) files present under the array directories ``nodes``.

    Raises
    ------
    UnsafeContentError
        When a chunk is a symbolic link leading outside the zarr root.
    """
    resolved_root = root.resolve()
    total = 0
    stack = [root / node for node in nodes]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            raise CorruptFileError(directory, f"cannot be listed: {exc.strerror or exc}") from exc
        for entry in entries:
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if not target.is_relative_to(resolved_root):
                    raise UnsafeContentError(
                        entry.path,
                        f"is a symbolic link to {target}, outside the zarr root {root}; refused",
                    )
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif entry.is_file() and entry.name not in METADATA_NAMES:
                total += entry.stat().st_size
    return total
