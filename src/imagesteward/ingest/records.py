"""Turn what the readers extracted and the store kept into the catalog's input records."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from imagesteward.ingest.extract import Extraction
from imagesteward.model import Attachment, Image

if TYPE_CHECKING:
    from imagesteward.catalog import AttachmentInput, FilesetInput, OriginalFileRecord
    from imagesteward.store import StoredObject

__all__ = ["build_fileset_input", "describe_existing", "document_for", "metadata_attachment"]


def metadata_attachment(extraction: Extraction) -> AttachmentInput | None:
    """The file's complete original metadata, for the catalog to keep (compressed)."""
    from imagesteward.catalog import AttachmentInput

    original = extraction.original
    if original is None:
        return None
    return AttachmentInput(
        sha256=hashlib.sha256(original.content).hexdigest(),
        size=len(original.content),
        name=original.name,
        media_type=original.media_type,
        content=original.content,
    )


def document_for(extraction: Extraction, index: int, attachment: AttachmentInput | None) -> Image:
    """The image document as catalogued: the reader's, plus what ingest knows.

    A series without a name is named after its file (and its index when the file holds
    several), so every record can be told apart in listings.
    """
    info = extraction.series[index]
    image = info.image
    updates: dict[str, object] = {}
    if not image.name:
        stem = extraction.path.name
        updates["name"] = stem if len(extraction.series) == 1 else f"{stem} #{index}"
    notes = list(image.capture_notes or [])
    notes.extend(note for note in info.notes if note not in notes)
    if notes:
        updates["capture_notes"] = notes
    if attachment is not None:
        updates["original_metadata"] = Attachment(
            name=attachment.name,
            media_type=attachment.media_type,
            sha256=attachment.sha256,
            size_bytes=attachment.size,
            description="Complete metadata of the original file, verbatim.",
        )
    return image.model_copy(update=updates) if updates else image


def build_fileset_input(
    extraction: Extraction,
    stored: Sequence[StoredObject],
    *,
    project: str,
    dataset: str,
    in_place: bool,
    user: str | None,
) -> FilesetInput:
    """Assemble the single catalog transaction for one file set."""
    from imagesteward.catalog import FilesetInput, ImageInput, OriginalFileInput

    files = [
        OriginalFileInput(
            sha256=obj.digest,
            size=obj.size,
            original_name=path.name,
            original_path=str(path),
            store_key=obj.digest,
            stored_in_place=in_place,
            role="primary" if position == 0 else "member",
        )
        for position, (path, obj) in enumerate(zip(extraction.files, stored, strict=True))
    ]
    attachment = metadata_attachment(extraction)
    images = [
        ImageInput(document=document_for(extraction, index, attachment), structure=info.structure)
        for index, info in enumerate(extraction.series)
    ]
    return FilesetInput(
        project=project,
        dataset=dataset,
        reader=extraction.reader,
        files=files,
        images=images,
        original_metadata=attachment,
        ingested_by=user,
    )


def describe_existing(record: OriginalFileRecord) -> str:
    """Say where already-catalogued content is, for the duplicate outcome."""
    return (
        f"already in the catalog (same SHA-256 as {record.original_path}, "
        f"file set {record.fileset_id}); nothing added"
    )
