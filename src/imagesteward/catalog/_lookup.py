"""Finding single things: an image by id or UUID, original files by digest."""

from __future__ import annotations

import re
import uuid as uuid_module
import zlib
from collections.abc import Iterable
from itertools import batched

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._inputs import AttachmentInput
from imagesteward.catalog._records import (
    ImageRecord,
    OriginalFileRecord,
    file_record,
    image_record,
)
from imagesteward.catalog._tables import (
    DatasetRow,
    FilesetRow,
    ImageRow,
    MetadataDocumentRow,
    OriginalFileRow,
    ProjectRow,
)
from imagesteward.errors import CatalogError, NotFoundError

__all__ = [
    "MIN_UUID_PREFIX",
    "find_original_files",
    "get_image",
    "image_files",
    "images_with_names",
    "referenced_digests",
]

#: Shortest UUID prefix accepted: 8 hex digits make accidental matches rare in any catalog.
MIN_UUID_PREFIX = 8

_UUID_PREFIX = re.compile(r"[0-9a-f][0-9a-f-]*")

# Image ids are 32-bit integer keys; larger numbers cannot name an image.
_MAX_ID = 2**31 - 1


def images_with_names() -> Select[ImageRow, str, str]:
    """Images with their project and dataset names; removed images (tombstones) left out.

    Every lookup and listing of images starts here, so a removed image is "not found" on
    every path at once.
    """
    return (
        select(ImageRow, ProjectRow.name, DatasetRow.name)
        .join(DatasetRow, ImageRow.dataset_id == DatasetRow.id)
        .join(ProjectRow, DatasetRow.project_id == ProjectRow.id)
        .where(ImageRow.removed_at.is_(None), DatasetRow.removed_at.is_(None))
    )


def get_image(session: Session, ref: int | str) -> ImageRecord:
    """An image by integer id, UUID, or unique UUID prefix of at least 8 characters.

    Eight digits could be an id or the first group of a UUID; they are looked up as both and
    refused if both match.
    """
    if isinstance(ref, int):
        return _by_id(session, ref)
    text = ref.strip().lower()
    # isascii: str.isdigit() also accepts digits such as "²" that int() refuses.
    if text.isascii() and text.isdigit() and len(text) != MIN_UUID_PREFIX:
        return _by_id(session, int(text))
    try:
        canonical = str(uuid_module.UUID(text))
    except ValueError:
        return _by_prefix(session, ref, text)
    found = session.execute(images_with_names().where(ImageRow.uuid == canonical)).first()
    if found is None:
        raise NotFoundError(f"No image with UUID {canonical} in the catalog.", ref=ref)
    return image_record(*found)


def fileset_images(session: Session, fileset_id: int) -> list[ImageRecord]:
    """Every image read from one file set, in id order."""
    rows = session.execute(
        images_with_names().where(ImageRow.fileset_id == fileset_id).order_by(ImageRow.id)
    ).all()
    return [image_record(*row) for row in rows]


def _by_id(session: Session, image_id: int) -> ImageRecord:
    found = None
    if 0 < image_id <= _MAX_ID:
        found = session.execute(images_with_names().where(ImageRow.id == image_id)).first()
    if found is None:
        raise NotFoundError(
            f"No image with id {image_id} in the catalog; list the images to find its id or UUID.",
            ref=image_id,
        )
    return image_record(*found)


def _by_prefix(session: Session, ref: str, text: str) -> ImageRecord:
    if not _UUID_PREFIX.fullmatch(text):
        raise NotFoundError(
            f"{ref!r} is neither an image id (a number) nor an image UUID or UUID prefix.",
            ref=ref,
        )
    if len(text) < MIN_UUID_PREFIX:
        raise NotFoundError(
            f"UUID prefix {ref!r} is too short: give at least {MIN_UUID_PREFIX} characters.",
            ref=ref,
        )
    condition = ImageRow.uuid.startswith(text)
    if text.isdigit():
        condition = condition | (ImageRow.id == int(text))
    query = images_with_names().where(condition).order_by(ImageRow.id).limit(3)
    matches = session.execute(query).all()
    if not matches:
        raise NotFoundError(f"No image id or UUID matches {ref!r}.", ref=ref)
    if len(matches) > 1:
        shown = ", ".join(f"id {row.id} ({row.uuid})" for row, _, _ in matches[:2])
        more = ", ..." if len(matches) > 2 else ""
        raise NotFoundError(
            f"{ref!r} matches more than one image ({shown}{more}); give more characters of the "
            "UUID.",
            ref=ref,
        )
    return image_record(*matches[0])


def image_files(session: Session, image_id: int) -> list[OriginalFileRecord]:
    """The original files of an image's fileset, primary files first."""
    fileset_id = session.scalars(select(ImageRow.fileset_id).where(ImageRow.id == image_id)).first()
    if fileset_id is None:
        raise NotFoundError(
            f"No image with id {image_id} in the catalog; list the images to find its id.",
            ref=image_id,
        )
    rows = session.scalars(
        select(OriginalFileRow)
        .where(OriginalFileRow.fileset_id == fileset_id)
        .order_by(OriginalFileRow.role != "primary", OriginalFileRow.id)
    ).all()
    return [file_record(row) for row in rows]


def original_metadata(session: Session, image_id: int) -> AttachmentInput | None:
    """The complete original metadata of an image's fileset, decompressed, if it was kept."""
    row = session.execute(
        select(FilesetRow.metadata_name, MetadataDocumentRow)
        .join(ImageRow, ImageRow.fileset_id == FilesetRow.id)
        .join(MetadataDocumentRow, MetadataDocumentRow.sha256 == FilesetRow.metadata_sha256)
        .where(ImageRow.id == image_id)
    ).first()
    if row is None:
        if session.get(ImageRow, image_id) is None:
            raise NotFoundError(
                f"No image with id {image_id} in the catalog; list the images to find its id.",
                ref=image_id,
            )
        return None
    name, document = row
    if document.encoding != "zlib":
        raise CatalogError(
            f"Metadata document {document.sha256} has unknown encoding {document.encoding!r}."
        )
    return AttachmentInput(
        sha256=document.sha256,
        size=document.size,
        name=name or f"{document.sha256}.metadata",
        media_type=document.media_type,
        content=zlib.decompress(document.content),
    )


def find_original_files(session: Session, digests: Iterable[str]) -> dict[str, OriginalFileRecord]:
    """The catalogued original files among ``digests``, keyed by digest."""
    found: dict[str, OriginalFileRecord] = {}
    for batch in batched(set(digests), IN_BATCH):
        for row in session.scalars(
            select(OriginalFileRow).where(OriginalFileRow.sha256.in_(batch))
        ):
            found[row.sha256] = file_record(row)
    return found


def referenced_digests(session: Session, digests: Iterable[str]) -> set[str]:
    """Which of ``digests`` the catalog refers to: original files and attachments."""
    referenced: set[str] = set()
    for batch in batched(set(digests), IN_BATCH):
        for column in (
            OriginalFileRow.sha256,
            FilesetRow.metadata_sha256,
            ImageRow.original_metadata_sha256,
        ):
            referenced.update(session.scalars(select(column).where(column.in_(batch)).distinct()))
    return referenced
