"""What the ingest hands to the catalog: one fileset with its files and images."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from imagesteward import model
from imagesteward.catalog._tables import FILE_ROLES

__all__ = ["AttachmentInput", "FilesetInput", "ImageInput", "OriginalFileInput"]

_SHA256 = re.compile(r"[0-9a-f]{64}")


def _check_digest(sha256: str, what: str) -> None:
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"{what}: sha256 must be 64 lower-case hex digits, got {sha256!r}")


def _check_size(size: int, what: str) -> None:
    if size < 0:
        raise ValueError(f"{what}: size must not be negative, got {size}")


@dataclass(frozen=True, slots=True)
class OriginalFileInput:
    """One original file of a fileset, already in the store.

    Attributes
    ----------
    sha256
        Hex digest of the file's bytes; a file is catalogued once, whatever its name.
    size
        Size in bytes.
    original_name
        File name as uploaded.
    original_path
        Path as ingested (relative to the upload, or absolute for in-place files).
    store_key
        Where the store keeps the bytes (or the path of a file left in place).
    stored_in_place
        True when the store references the file where it lies instead of holding a copy.
    role
        ``primary`` (the file a reader opened), ``companion`` or ``member``.
    """

    sha256: str
    size: int
    original_name: str
    original_path: str
    store_key: str
    stored_in_place: bool
    role: str = "primary"

    def __post_init__(self) -> None:
        _check_digest(self.sha256, self.original_path)
        _check_size(self.size, self.original_path)
        if self.role not in FILE_ROLES:
            raise ValueError(
                f"{self.original_path}: role must be one of {', '.join(FILE_ROLES)}, "
                f"got {self.role!r}"
            )


@dataclass(frozen=True, slots=True)
class AttachmentInput:
    """The complete original metadata of a fileset.

    ``content`` (the document's bytes, whose SHA-256 is ``sha256``) is kept by the catalog,
    compressed; records read back from the catalog leave it out.
    """

    sha256: str
    size: int
    name: str
    media_type: str
    content: bytes | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_digest(self.sha256, self.name)
        _check_size(self.size, self.name)


@dataclass(frozen=True, slots=True)
class ImageInput:
    """One series to catalog: its metadata document and pixel structure.

    ``uuid`` is generated when not given; give one to keep an identifier minted elsewhere.
    """

    document: model.Image
    structure: model.ArrayStructure
    uuid: str | None = None


@dataclass(frozen=True, slots=True)
class FilesetInput:
    """One acquisition's files and the images read from them, catalogued in one transaction.

    Attributes
    ----------
    project, dataset
        Names; both are created when they do not exist yet.
    reader
        Name and version of the reader that read the files.
    files
        The original files (at least one).
    images
        The series read from them.
    original_metadata
        The complete native metadata, kept as an attachment.
    ingested_by
        Who ran the ingest (user name).
    """

    project: str
    dataset: str
    reader: str
    files: Sequence[OriginalFileInput]
    images: Sequence[ImageInput]
    original_metadata: AttachmentInput | None = None
    ingested_by: str | None = None

    def __post_init__(self) -> None:
        for what, name in (("project", self.project), ("dataset", self.dataset)):
            if not name.strip():
                raise ValueError(f"a fileset needs a {what} name, got {name!r}")
        if not self.files:
            raise ValueError(
                f"fileset read by {self.reader} in {self.project}/{self.dataset} has no files"
            )
