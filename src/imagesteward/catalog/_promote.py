"""From inputs to catalog rows and back: promoted columns, identities, records.

Pure functions, no database: everything here runs before the write transaction opens (or,
for the records of rows just inserted, needs nothing from the database), so the transaction
itself stays short (SQLite has one writer at a time).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid as uuid_module
import zlib
from collections import Counter
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from imagesteward import model
from imagesteward.catalog._inputs import (
    AttachmentInput,
    FilesetInput,
    ImageInput,
    OriginalFileInput,
)
from imagesteward.catalog._records import (
    ImageRecord,
    OriginalFileRecord,
    structure_from_json,
    structure_to_json,
)
from imagesteward.errors import ConflictError, MetadataValidationError

__all__ = [
    "PreparedImage",
    "described_attachment",
    "document_matches",
    "document_values",
    "file_values",
    "fileset_values",
    "identity_key",
    "inserted_file_record",
    "inserted_image_record",
    "instrument_values",
    "normalise_uuid",
    "person_values",
    "prepare_image",
    "refuse_repeats_within",
]


def _normalised(text: str | None) -> str:
    # "Carl Zeiss  Microscopy" and "carl zeiss microscopy" name the same maker.
    if text is None:
        return ""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def identity_key(*parts: str | None) -> str:
    """A stable digest of normalised parts (case, Unicode form and spacing ignored)."""
    payload = json.dumps([_normalised(part) for part in parts], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def instrument_values(microscope: model.Microscope | None) -> dict[str, Any] | None:
    """Column values of the instrument a document names, or ``None`` when it names none.

    A microscope is identified by manufacturer, model and serial number. One with none of the
    three cannot be told apart from any other, so it is not catalogued as an instrument (the
    image's document still holds whatever the file said).
    """
    if microscope is None:
        return None
    parts = (microscope.manufacturer, microscope.model, microscope.serial_number)
    if not any(_normalised(part) for part in parts):
        return None
    return {
        "identity_key": identity_key("microscope", *parts),
        "manufacturer": microscope.manufacturer,
        "model": microscope.model,
        "serial_number": microscope.serial_number,
        "instrument_name": microscope.instrument_name,
        "pidinst": microscope.pidinst,
        "microscope": microscope.model_dump(mode="json", exclude_none=True),
    }


def person_values(person: model.Person | None) -> dict[str, Any] | None:
    """Column values of a person: identified by ORCID iD when known, else name and e-mail."""
    if person is None:
        return None
    if person.orcid:
        key = identity_key("orcid", person.orcid)
    else:
        key = identity_key("person", person.name, person.email)
    return {"identity_key": key, "name": person.name, "orcid": person.orcid, "email": person.email}


def normalise_uuid(value: str) -> str:
    """The canonical (lower-case, hyphenated) form of a UUID string."""
    try:
        return str(uuid_module.UUID(value))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a UUID") from exc


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """An image ready to insert: column values, channel rows and what it refers to.

    ``document`` is the validated document, exactly as the catalog will read it back from
    ``columns["document"]``; records are built from it without validating it again.
    """

    columns: dict[str, Any]
    channels: list[dict[str, Any]]
    instrument: dict[str, Any] | None
    operator: dict[str, Any] | None
    document: model.Image


def prepare_image(image: ImageInput) -> PreparedImage:
    """Validate an image's document and compute its rows.

    The document is dumped and validated again, exactly as it will be read back, so a
    document built without validation (``model_construct``) cannot enter the catalog.

    Raises
    ------
    MetadataValidationError
        When the document does not conform to the schema.
    ConflictError
        When it numbers two channels the same.
    """
    label = f"series {image.document.series_index} ({image.document.name or 'unnamed'})"
    dumped = image.document.model_dump(mode="json", exclude_none=True)
    try:
        document = model.Image.model_validate(dumped)
    except ValidationError as exc:
        raise MetadataValidationError(
            f"The metadata of {label} does not conform to the imagesteward schema: {exc}"
        ) from exc
    acquisition = document.acquisition or model.ImageAcquisition()
    objective = acquisition.objective or model.Objective()
    date, timezone_known = acquisition.acquisition_date, None
    if date is not None:
        # The datetime itself says whether it is an instant; a flag cannot make it one.
        timezone_known = date.tzinfo is not None
        if timezone_known:
            date = date.astimezone(UTC).replace(tzinfo=None)
    metadata = document.original_metadata
    columns: dict[str, Any] = {
        "uuid": normalise_uuid(image.uuid) if image.uuid else str(uuid_module.uuid4()),
        "series_index": document.series_index,
        "name": document.name,
        "file_format": document.file_format,
        "reader": document.reader,
        "axes": document.axes,
        "size_t": document.size_t,
        "size_c": document.size_c,
        "size_z": document.size_z,
        "size_y": document.size_y,
        "size_x": document.size_x,
        "samples_per_pixel": document.samples_per_pixel,
        "pixel_type": document.pixel_type,
        "physical_size_x": document.physical_size_x,
        "physical_size_y": document.physical_size_y,
        "physical_size_z": document.physical_size_z,
        "time_increment": document.time_increment,
        "acquisition_date": date,
        "acquisition_timezone_known": timezone_known,
        "acquisition_mode": acquisition.acquisition_mode,
        "imaging_method_id": acquisition.imaging_method.term_id
        if acquisition.imaging_method
        else None,
        "objective_model": objective.model,
        "objective_magnification": objective.nominal_magnification,
        "objective_na": objective.lens_na,
        "objective_immersion": objective.immersion,
        "original_metadata_sha256": metadata.sha256 if metadata else None,
        "structure": structure_to_json(image.structure),
        "document": dumped,
    }
    return PreparedImage(
        columns=columns,
        channels=_channel_rows(document, label),
        instrument=instrument_values(acquisition.microscope),
        operator=person_values(acquisition.operator),
        document=document,
    )


def _channel_rows(document: model.Image, label: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for channel in document.channels or []:
        if channel.channel_index in seen:
            raise ConflictError(
                f"The metadata of {label} lists channel {channel.channel_index} twice; "
                "each channel needs its own channel_index. This is a reader defect: report it "
                "with the file.",
                channel_index=channel.channel_index,
            )
        seen.add(channel.channel_index)
        rows.append(
            {
                "channel_index": channel.channel_index,
                "name": channel.name,
                "fluorophore_name": channel.fluorophore_name,
                "excitation_nm": channel.excitation_wavelength,
                "emission_nm": channel.emission_wavelength,
            }
        )
    return rows


# Image record fields copied as they are from the promoted columns.
_COPIED = frozenset(f.name for f in fields(ImageRecord)) - {
    "acquisition_date",
    "document",
    "structure",
    "id",
    "project",
    "dataset",
    "dataset_id",
    "fileset_id",
    "instrument_id",
    "operator_id",
    "created_at",
}


def fileset_values(fileset: FilesetInput, dataset_id: int, now: datetime) -> dict[str, Any]:
    """Column values of a fileset's row."""
    attachment = fileset.original_metadata
    return {
        "dataset_id": dataset_id,
        "reader": fileset.reader,
        "ingested_at": now,
        "ingested_by": fileset.ingested_by,
        "metadata_sha256": attachment.sha256 if attachment else None,
        "metadata_media_type": attachment.media_type if attachment else None,
        "metadata_size": attachment.size if attachment else None,
        "metadata_name": attachment.name if attachment else None,
    }


def file_values(given: OriginalFileInput, fileset_id: int) -> dict[str, Any]:
    """Column values of an original file's row."""
    return {
        "fileset_id": fileset_id,
        "sha256": given.sha256,
        "size": given.size,
        "original_name": given.original_name,
        "original_path": given.original_path,
        "store_key": given.store_key,
        "stored_in_place": given.stored_in_place,
        "role": given.role,
    }


def inserted_image_record(
    image: PreparedImage,
    image_id: int,
    fileset_id: int,
    dataset_id: int,
    reference: tuple[int | None, int | None],
    fileset: FilesetInput,
    now: datetime,
) -> ImageRecord:
    """The record of an image just inserted, equal to what :func:`image_record` reads back.

    Built from the prepared values, without reading the row or validating the document again.
    """
    columns = image.columns
    date = columns["acquisition_date"]
    if date is not None and columns["acquisition_timezone_known"]:
        date = date.replace(tzinfo=UTC)
    return ImageRecord(
        **{name: columns[name] for name in _COPIED},
        id=image_id,
        project=fileset.project,
        dataset=fileset.dataset,
        dataset_id=dataset_id,
        fileset_id=fileset_id,
        instrument_id=reference[0],
        operator_id=reference[1],
        acquisition_date=date,
        created_at=now,
        document=image.document,
        structure=structure_from_json(columns["structure"]),
    )


def inserted_file_record(
    file_id: int, fileset_id: int, given: OriginalFileInput
) -> OriginalFileRecord:
    """The record of an original file just inserted."""
    return OriginalFileRecord(id=file_id, **file_values(given, fileset_id))


def described_attachment(attachment: AttachmentInput | None) -> AttachmentInput | None:
    """The attachment as a fileset record describes it (without its content)."""
    if attachment is None:
        return None
    return AttachmentInput(
        sha256=attachment.sha256,
        size=attachment.size,
        name=attachment.name,
        media_type=attachment.media_type,
    )


def document_matches(attachment: AttachmentInput | None) -> bool:
    """Whether an attachment's content (when given) has the SHA-256 it claims."""
    if attachment is None or attachment.content is None:
        return True
    return hashlib.sha256(attachment.content).hexdigest() == attachment.sha256


def document_values(attachment: AttachmentInput, content: bytes) -> dict[str, Any]:
    """Column values of a kept metadata document."""
    # zlib level 6: OME-XML and vendor XML shrink 5-20x; decompression is near-instant.
    return {
        "sha256": attachment.sha256,
        "media_type": attachment.media_type,
        "size": len(content),
        "encoding": "zlib",
        "content": zlib.compress(content, 6),
    }


def refuse_repeats_within(fileset: FilesetInput, prepared: list[PreparedImage]) -> None:
    """Refuse a fileset listing one file twice, or giving two of its images one UUID.

    Raises
    ------
    ConflictError
        Naming the files or the UUID.
    """
    digests = Counter(f.sha256 for f in fileset.files)
    for digest, count in digests.items():
        if count > 1:
            paths = [f.original_path for f in fileset.files if f.sha256 == digest]
            raise ConflictError(
                f"{' and '.join(paths)} have the same content (sha256 {digest}); a file is "
                "catalogued once. Keep one of them in the fileset.",
                sha256=digest,
                paths=paths,
            )
    uuids = Counter(image.columns["uuid"] for image in prepared)
    for uuid, count in uuids.items():
        if count > 1:
            raise ConflictError(
                f"UUID {uuid} is given to {count} images of one fileset; each image needs its "
                "own (leave uuid unset to have one generated).",
                uuid=uuid,
            )
