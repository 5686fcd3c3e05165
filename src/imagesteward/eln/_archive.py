"""Opening an ``.eln`` archive as hostile input: every member checked before any byte is used.

An ``.eln`` file is a zip holding one folder with an RO-Crate inside. Zips from outside are the
classic carrier of path traversal (``../../etc/cron.d/x``, absolute names, symbolic links) and of
decompression bombs (a kilobyte that inflates to terabytes, or overlapping members that reuse
one compressed kernel). :func:`open_archive` therefore refuses, before anything is extracted or
written, any archive with:

* a member name that is absolute, has a drive letter, a backslash, a NUL, an empty, ``.`` or
  ``..`` component, or that collides with another member once case is folded;
* a symbolic link or any other non-regular member, or an encrypted member;
* more members than ``max_entries``, a member larger than ``max_member_bytes``, a declared total
  beyond ``max_total_bytes``, or a member that inflates more than ``max_ratio`` times;
* members whose compressed data overlap (the "better zip bomb" construction).

Declared sizes may lie, so :meth:`CrateArchive.read` and :meth:`CrateArchive.extract` also count
the bytes that actually come out and stop at the declared size.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Self

from imagesteward.errors import CorruptFileError, UnsafeContentError

__all__ = ["METADATA_NAME", "ArchiveLimits", "CrateArchive", "Member", "open_archive"]

#: The RO-Crate metadata file that marks the crate root.
METADATA_NAME = "ro-crate-metadata.json"
_CHUNK = 1 << 20
# Members below this size may compress extremely well (empty JSON arrays, blank images) and
# cannot hurt anyone, so the ratio rule only applies above it.
_RATIO_FLOOR = 1 << 20
# Fixed part of a zip local file header (APPNOTE 4.3.7).
_LOCAL_HEADER = 30


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds an archive must respect to be opened at all.

    Attributes
    ----------
    max_entries
        Members in the zip (directories included).
    max_member_bytes
        Uncompressed size of one member.
    max_total_bytes
        Uncompressed size of all members together (what extraction writes to disk).
    max_ratio
        Uncompressed / compressed size of a member above 1 MiB; deflate cannot exceed ~1032,
        real microscopy data and text stay far below 100.
    max_json_bytes
        Size of ``ro-crate-metadata.json``.
    max_json_depth
        Nesting depth of arrays and objects in ``ro-crate-metadata.json``.
    """

    max_entries: int = 10_000
    max_member_bytes: int = 64 * 2**30
    max_total_bytes: int = 256 * 2**30
    max_ratio: float = 200.0
    max_json_bytes: int = 64 * 2**20
    max_json_depth: int = 64


@dataclass(frozen=True, slots=True)
class Member:
    """One regular file of the archive.

    ``path`` is the member's path relative to the crate root (what RO-Crate ``@id`` values
    name); ``name`` is the full name inside the zip.
    """

    name: str
    path: str
    size: int
    compressed: int


class CrateArchive:
    """An opened, checked ``.eln`` archive. Close it (or use ``with``)."""

    def __init__(
        self,
        source: Path,
        zf: zipfile.ZipFile,
        root: str,
        members: dict[str, Member],
        outside: tuple[str, ...] = (),
    ) -> None:
        self.source = source
        self._zip = zf
        #: The crate root folder inside the zip, ``""`` or ending with ``/``.
        self.root = root
        #: Regular files inside the crate root, keyed by their path relative to it.
        self.members = members
        #: Files of the zip outside the crate root (not part of the crate, never extracted).
        self.outside = outside

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the zip file."""
        self._zip.close()

    def _chunks(self, member: Member) -> Iterator[bytes]:
        produced = 0
        try:
            with self._zip.open(member.name) as stream:
                while chunk := stream.read(_CHUNK):
                    produced += len(chunk)
                    if produced > member.size:
                        raise UnsafeContentError(
                            self.source,
                            f"member {member.name!r} inflates beyond its declared size of "
                            f"{member.size} bytes (a zip bomb?); nothing was imported",
                        )
                    yield chunk
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            if isinstance(exc, UnsafeContentError):
                raise
            raise CorruptFileError(
                self.source, f"member {member.name!r} cannot be decompressed: {exc}"
            ) from exc

    def read(self, member: Member) -> bytes:
        """The member's bytes (bounded by its declared size, which the limits bound)."""
        return b"".join(self._chunks(member))

    def extract(self, member: Member, target: Path) -> str:
        """Write the member to ``target`` (a new file) and return its SHA-256 (hex)."""
        digest = hashlib.sha256()
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:
            for chunk in self._chunks(member):
                digest.update(chunk)
                out.write(chunk)
        return digest.hexdigest()


def open_archive(path: Path, limits: ArchiveLimits | None = None) -> CrateArchive:
    """Open ``path`` as an ``.eln`` archive after checking every member.

    Raises
    ------
    UnsafeContentError
        For an escaping or colliding name, a link, an encrypted member, or a limit exceeded.
    CorruptFileError
        When the file is not a readable zip or holds no ``ro-crate-metadata.json``.
    """
    limits = limits or ArchiveLimits()
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise CorruptFileError(path, f"is not a readable zip archive: {exc}") from exc
    try:
        infos = _checked_infos(path, zf, limits)
        root = _crate_root(path, infos)
        members = {
            info.filename[len(root) :]: Member(
                info.filename, info.filename[len(root) :], info.file_size, info.compress_size
            )
            for info in infos
            if not info.is_dir() and info.filename.startswith(root)
        }
        outside = tuple(
            info.filename
            for info in infos
            if not info.is_dir() and not info.filename.startswith(root)
        )
        return CrateArchive(path, zf, root, members, outside)
    except BaseException:
        zf.close()
        raise


def _checked_infos(path: Path, zf: zipfile.ZipFile, limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise UnsafeContentError(
            path, f"holds {len(infos)} members, more than the limit of {limits.max_entries}"
        )
    seen: dict[str, str] = {}
    total = 0
    for info in infos:
        name = info.filename
        _check_name(path, name)
        folded = name.rstrip("/").casefold()
        if folded in seen:
            raise UnsafeContentError(
                path, f"members {seen[folded]!r} and {name!r} would be extracted to the same file"
            )
        seen[folded] = name
        _check_kind(path, info)
        if info.file_size > limits.max_member_bytes:
            raise UnsafeContentError(
                path,
                f"member {name!r} declares {info.file_size} bytes, more than the limit of "
                f"{limits.max_member_bytes} per member",
            )
        if info.file_size > _RATIO_FLOOR and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise UnsafeContentError(
                path,
                f"member {name!r} inflates {info.file_size / max(info.compress_size, 1):.0f} "
                f"times ({info.compress_size} -> {info.file_size} bytes), beyond the limit of "
                f"{limits.max_ratio:g}: a zip bomb",
            )
        total += info.file_size
    if total > limits.max_total_bytes:
        raise UnsafeContentError(
            path,
            f"would expand to {total} bytes, more than the limit of {limits.max_total_bytes}",
        )
    _check_overlaps(path, infos)
    return infos


def _check_name(path: Path, name: str) -> None:
    problem = None
    if not name or "\x00" in name or "\\" in name:
        problem = "contains a backslash or NUL"
    elif name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        problem = "is absolute"
    else:
        parts = name.rstrip("/").split("/")
        if any(part in ("", ".", "..") for part in parts):
            problem = "has an empty, '.' or '..' component that could escape the crate"
    if problem:
        raise UnsafeContentError(path, f"member name {name!r} {problem}")


def _check_kind(path: Path, info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise UnsafeContentError(
            path, f"member {info.filename!r} is encrypted; export the crate without encryption"
        )
    mode = info.external_attr >> 16
    # Unix archivers put st_mode in the high 16 bits; permission bits alone (no file type, as
    # Python's zipfile writes) mean a regular file.
    if info.create_system == 3 and stat.S_IFMT(mode):
        if stat.S_ISLNK(mode):
            raise UnsafeContentError(
                path, f"member {info.filename!r} is a symbolic link, which could escape the crate"
            )
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise UnsafeContentError(
                path, f"member {info.filename!r} is not a regular file (mode {oct(mode)})"
            )


def _check_overlaps(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for current, following in pairwise(ordered):
        end = (
            current.header_offset
            + _LOCAL_HEADER
            + len(current.filename.encode("utf-8"))
            + current.compress_size
        )
        if end > following.header_offset:
            raise UnsafeContentError(
                path,
                f"members {current.filename!r} and {following.filename!r} overlap in the file "
                "(a zip bomb reusing compressed data)",
            )


def _crate_root(path: Path, infos: list[zipfile.ZipInfo]) -> str:
    """The folder holding the shallowest ``ro-crate-metadata.json``.

    The ELN specification puts the crate in a single top-level folder, whose name may itself
    end in ``.eln``; the root is found from where the metadata file is, never from names.
    """
    candidates = [
        info.filename
        for info in infos
        if not info.is_dir() and PurePosixPath(info.filename).name == METADATA_NAME
    ]
    if not candidates:
        raise CorruptFileError(
            path, f"holds no {METADATA_NAME}: it is not an .eln archive (an RO-Crate in a zip)"
        )
    depth = min(name.count("/") for name in candidates)
    shallowest = [name for name in candidates if name.count("/") == depth]
    if len(shallowest) > 1:
        raise CorruptFileError(
            path,
            f"holds {len(shallowest)} crates side by side ({', '.join(sorted(shallowest))}); "
            "an .eln archive holds one",
        )
    return shallowest[0][: -len(METADATA_NAME)]
