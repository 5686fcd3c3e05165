"""Find what to ingest under the paths a user names."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["discover", "is_zarr_dir", "upload_roots"]

# Operating-system litter that is never instrument output.
_IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".directory"})
_ZARR_MARKERS = (".zattrs", ".zgroup", "zarr.json")


def is_zarr_dir(path: Path) -> bool:
    """Whether ``path`` is the root of a Zarr hierarchy (ingested as one unit)."""
    return path.is_dir() and any((path / marker).is_file() for marker in _ZARR_MARKERS)


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Expand the given paths into ingest candidates.

    Directories are walked (hidden entries and OS litter skipped); a Zarr hierarchy is one
    candidate and is not walked into. Symbolic links are followed only when they stay inside
    the named path, so a link cannot smuggle in files from elsewhere.

    Returns
    -------
    candidates, missing
        Candidates in a stable order, and the named paths that do not exist.
    """
    candidates: list[Path] = []
    missing: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            missing.append(path)
            continue
        for found in _walk(path.absolute()):
            key = found.resolve()
            if key not in seen:
                seen.add(key)
                candidates.append(found)
    return candidates, missing


def _walk(path: Path) -> Iterator[Path]:
    if path.is_file() or is_zarr_dir(path):
        yield path
        return
    root = path.resolve()
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        here = Path(dirpath)
        dirnames.sort()
        zarrs = [d for d in dirnames if is_zarr_dir(here / d)]
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in zarrs]
        for name in sorted(zarrs + filenames):
            if name.startswith(".") or name in _IGNORED_NAMES:
                continue
            candidate = here / name
            if candidate.is_symlink() and not candidate.resolve().is_relative_to(root):
                continue
            if candidate.is_file() or name in zarrs:
                yield candidate


def upload_roots(paths: Iterable[Path]) -> tuple[Path, ...]:
    """Directories a file's metadata may lead the readers into.

    A named directory is its own root; a named file brings its own directory, because
    multi-file formats (a companion OME-XML with its TIFFs) are opened by naming one file.
    Nothing outside these roots is ever opened.
    """
    roots: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        root = path if path.is_dir() else path.parent
        if root not in roots:
            roots.append(root)
    return tuple(roots)
