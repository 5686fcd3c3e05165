r"""Directory trees (OME-Zarr folders) as single store objects.

A tree's identity is its *tree digest*: SHA-256 over the sorted lines
``relpath + "\0" + sha256(file) + "\n"``, relative paths joined with ``/``. The same convention
is used by the test corpus manifest, so a digest can be checked with a few lines of any
language. Only regular files count; empty directories carry no data and OCFL cannot hold them.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from imagesteward.errors import StoreError
from imagesteward.store._hashing import DEFAULT_BUFFER_BYTES
from imagesteward.store._hashing import sha256_file as _sha256_file

__all__ = ["check_name", "sha256_tree", "tree_digest", "tree_files"]


def tree_digest(files: Mapping[str, str]) -> str:
    """The tree digest of ``{relpath: sha256}``.

    Parameters
    ----------
    files
        Every file of the tree, by ``/``-separated path relative to the tree's top.

    Returns
    -------
    str
        Lower-case hex SHA-256.
    """
    digest = hashlib.sha256()
    for line in sorted(f"{relpath}\0{sha}\n" for relpath, sha in files.items()):
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()


def check_name(name: str, where: Path) -> None:
    """Refuse a file name the store could not record faithfully.

    Names must survive a round trip through UTF-8 JSON (the OCFL inventory) and must not
    contain the separators of the tree digest lines.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise StoreError(
            f"{where}: the name {name!r} is not valid UTF-8, so the store cannot record it. "
            "Rename the file with a UTF-8 name and try again.",
            path=str(where),
        ) from None
    if "\n" in name or "\r" in name:
        raise StoreError(
            f"{where}: the name {name!r} contains a line break. Rename the file and try again.",
            path=str(where),
        )


def tree_files(root: Path) -> list[tuple[str, Path]]:
    """Every regular file under ``root`` as sorted ``(relpath, path)`` pairs.

    Raises
    ------
    StoreError
        For a symbolic link (it could point outside the tree, and its target would be stored
        under another name), a device, socket or pipe, an unusable name, or a tree without files.
    """
    found: list[tuple[str, Path]] = []
    pending = [(root, "")]
    while pending:
        directory, prefix = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                path = Path(entry.path)
                check_name(entry.name, path)
                relpath = f"{prefix}{entry.name}"
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    pending.append((path, relpath + "/"))
                elif stat.S_ISREG(mode):
                    found.append((relpath, path))
                else:
                    kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
                    raise StoreError(
                        f"{path} is {kind}; a stored folder may hold only files and folders. "
                        "Replace it with a copy of what it points to, or remove it.",
                        path=str(path),
                    )
    if not found:
        raise StoreError(
            f"{root} holds no files; an empty folder cannot be stored.", path=str(root)
        )
    found.sort()
    return found


def sha256_tree(
    path: Path, buffer_bytes: int = DEFAULT_BUFFER_BYTES
) -> tuple[str, int, dict[str, str]]:
    """Tree digest, total size and per-file SHA-256 of a directory.

    Parameters
    ----------
    path
        The top of the tree (for example ``image.ome.zarr``).
    buffer_bytes
        Size of each read.

    Returns
    -------
    tuple[str, int, dict[str, str]]
        The tree digest, the sum of all file sizes, and ``{relpath: sha256}``.
    """
    if not path.is_dir():
        raise StoreError(f"{path} is not a directory.", path=str(path))
    files: dict[str, str] = {}
    total = 0
    for relpath, file_path in tree_files(path):
        files[relpath], size = _sha256_file(file_path, buffer_bytes)
        total += size
    return tree_digest(files), total, files
