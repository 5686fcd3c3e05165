"""Where a conversion writes: a local directory or any fsspec URL (S3 first).

Local destinations are built in a sibling staging directory ``<name>.partial`` and renamed into
place once validated, so a half-written OME-Zarr never sits at the destination path. Object
stores have no rename: there the bytes go straight to the destination and the root group's
metadata, which marks the conversion complete, is written last.

:class:`Target` is a small picklable description (Dask tasks rebuild their writer from it);
:class:`Writer` does the I/O.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zarr.abc.store import Store

__all__ = ["PROGRESS_DIR", "Target", "Writer"]

#: Progress records (plan, completed regions) inside the root being written; removed at the end.
PROGRESS_DIR = ".imagesteward-progress"
STAGING_SUFFIX = ".partial"


@dataclass(frozen=True, slots=True)
class Target:
    """A destination: ``url`` as given, ``root`` where bytes are being written."""

    url: str
    root: str
    local: bool
    storage_options: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def resolve(
        cls, destination: str | os.PathLike[str], storage_options: Mapping[str, Any] | None
    ) -> Target:
        """Classify a destination path or URL."""
        text = os.fspath(destination)
        if "://" in text and not text.startswith("file://"):
            url = text.rstrip("/")
            return cls(url, url, False, dict(storage_options or {}))
        path = Path(text.removeprefix("file://")).expanduser().resolve()
        staging = path.with_name(path.name + STAGING_SUFFIX)
        return cls(str(path), str(staging), True, {})

    def writer(self) -> Writer:
        """I/O on :attr:`root`."""
        return Writer(self)

    def final(self) -> Target:
        """The same destination, addressed where it lives once complete."""
        return Target(self.url, self.url, self.local, self.storage_options)


class Writer:
    """Bytes in and out of a target root: chunks, metadata, progress records."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._made: set[str] = set()
        self._fs: Any = None
        self._base = ""
        if not target.local:
            from fsspec.core import url_to_fs

            self._fs, self._base = url_to_fs(target.root, **dict(target.storage_options))

    def _remote(self, key: str) -> str:
        return f"{self._base}/{key}" if key else self._base

    def _local(self, key: str) -> Path:
        return Path(self.target.root, key)

    def put(self, key: str, data: bytes) -> None:
        """Write one object."""
        self.put_many({key: data})

    def put_many(self, items: Mapping[str, bytes]) -> None:
        """Write several objects (concurrently for object stores)."""
        if not items:
            return
        if self._fs is not None:
            self._fs.pipe({self._remote(k): v for k, v in items.items()})
            return
        # Plain os calls: a conversion writes thousands of chunk files, and pathlib's objects
        # and buffered file objects cost more than the system calls themselves.
        root = self.target.root
        for key, data in items.items():
            path = f"{root}/{key}"
            parent = path.rpartition("/")[0]
            if parent not in self._made:
                os.makedirs(parent, exist_ok=True)  # noqa: PTH103 - see above
                self._made.add(parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)

    def get(self, key: str) -> bytes | None:
        """Read one object, ``None`` when absent."""
        try:
            if self._fs is not None:
                return bytes(self._fs.cat_file(self._remote(key)))
            return self._local(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """Read several objects (concurrently for object stores); absent ones are left out."""
        if self._fs is not None:
            paths = [self._remote(k) for k in keys]
            found = self._fs.cat(paths, on_error="omit") if paths else {}
            by_path = {p.split("://", 1)[-1]: v for p, v in found.items()}
            out = {}
            for key, path in zip(keys, paths, strict=True):
                value = by_path.get(path.split("://", 1)[-1])
                if value is not None:
                    out[key] = bytes(value)
            return out
        result = {}
        for key in keys:
            data = self.get(key)
            if data is not None:
                result[key] = data
        return result

    def list(self, prefix: str) -> list[str]:
        """Names directly under ``prefix`` (a directory-like key)."""
        if self._fs is not None:
            try:
                entries = self._fs.ls(self._remote(prefix), detail=False, refresh=True)
            except FileNotFoundError:
                return []
            return sorted(str(e).rstrip("/").rsplit("/", 1)[-1] for e in entries)
        path = self._local(prefix)
        return sorted(entry.name for entry in path.iterdir()) if path.is_dir() else []

    def exists(self) -> bool:
        """Whether the root holds anything."""
        if self._fs is not None:
            try:
                return bool(self._fs.ls(self._base, detail=False, refresh=True))
            except FileNotFoundError:
                return False
        path = Path(self.target.root)
        return path.exists() and (not path.is_dir() or any(path.iterdir()))

    def remove(self, key: str = "") -> None:
        """Delete ``key`` and everything under it (the whole root for ``""``)."""
        if self._fs is not None:
            remote = self._remote(key)
            if self._fs.exists(remote):
                self._fs.rm(remote, recursive=True)
            return
        local = self._local(key)
        if local.is_dir():
            shutil.rmtree(local)
        elif local.exists():
            local.unlink()
        self._made.clear()

    def store(self, *, read_only: bool = False) -> Store:
        """A zarr store on the root."""
        from zarr.storage import FsspecStore, LocalStore

        if self._fs is not None:
            return FsspecStore.from_url(
                self.target.root,
                storage_options=dict(self.target.storage_options),
                read_only=read_only,
            )
        return LocalStore(self.target.root, read_only=read_only)
