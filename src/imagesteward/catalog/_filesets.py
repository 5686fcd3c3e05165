"""Adding filesets: every row of one acquisition, or of a batch, in one short transaction.

A batch (:func:`add_filesets`) is checked with one query per rule and written with one
multi-row ``INSERT`` per table (files and images report their ids through ``RETURNING``, by
their unique digest and UUID; filesets, which have no unique key, in parameter order, which
on SQLite means a row per statement). Inserting fileset by fileset through the ORM cost
3-4 ms per fileset on the one thread that commits an ingest; this costs about 1 ms, most of
it validating documents. A batch that breaks a rule takes the slow path, fileset by fileset
in savepoints, which names every problem exactly as :func:`add_fileset` would; nothing of
such a batch is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import batched
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from imagesteward.catalog import _search_index as search_index
from imagesteward.catalog._audit import audit_ingest
from imagesteward.catalog._engine import IN_BATCH, WRITE_OPTION
from imagesteward.catalog._inputs import AttachmentInput, FilesetInput
from imagesteward.catalog._promote import (
    PreparedImage,
    described_attachment,
    document_matches,
    document_values,
    file_values,
    fileset_values,
    inserted_file_record,
    inserted_image_record,
    prepare_image,
    refuse_repeats_within,
)
from imagesteward.catalog._records import FilesetRecord, ImageRecord, fileset_record
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.catalog._tables import (
    DatasetRow,
    FilesetRow,
    ImageChannelRow,
    ImageRow,
    InstrumentRow,
    MetadataDocumentRow,
    OriginalFileRow,
    PersonRow,
    ProjectRow,
)
from imagesteward.errors import ConflictError, ImageStewardError, MetadataValidationError

__all__ = ["add_fileset", "add_filesets"]

# Conflict messages list this many files or images, then say how many more there are.
_SHOWN = 5


def add_fileset(engine: Engine, fileset: FilesetInput) -> FilesetRecord:
    """Catalog a fileset atomically; see :meth:`imagesteward.catalog.Catalog.add_fileset`."""
    prepared = [prepare_image(image) for image in fileset.images]
    refuse_repeats_within(fileset, prepared)
    writer = engine.execution_options(**{WRITE_OPTION: True})
    try:
        with Session(writer, expire_on_commit=False) as session, session.begin():
            _refuse_known_files(session, fileset)
            _refuse_known_uuids(session, prepared)
            record = _insert(session, fileset, prepared)
            search_index.refresh(session.connection(), image_ids=_image_ids([record]), added=True)
            audit_ingest(session, [record])
            return record
    except IntegrityError as exc:
        # Only reachable when another writer inserted the same file or UUID between our
        # checks and our insert (PostgreSQL; SQLite's writer lock rules that out).
        raise ConflictError(
            f"Another ingest catalogued part of fileset {fileset.project}/{fileset.dataset} "
            f"at the same moment ({exc.orig}). Nothing from this fileset was written; ingest "
            "it again to see which files are already catalogued.",
        ) from exc


class _RolledBackError(Exception):
    """Leaves the batch transaction so that it rolls back."""


type _Prepared = list[PreparedImage] | ConflictError | MetadataValidationError


def add_filesets(
    engine: Engine, filesets: Sequence[FilesetInput]
) -> list[FilesetRecord | ImageStewardError]:
    """Catalog many filesets in ONE transaction: all of them, or none.

    Every fileset is checked; if any breaks a rule, the whole transaction is rolled back and
    the result lists each fileset's error in its place (and records for the others,
    unwritten). One commit - one fsync on SQLite - and a few multi-row statements for the
    whole batch are what make ingesting thousands of small files fast; callers retry a
    refused batch fileset by fileset.
    """
    results: list[FilesetRecord | ImageStewardError] = []
    prepared = [_prepare(fileset) for fileset in filesets]
    writer = engine.execution_options(**{WRITE_OPTION: True})
    try:
        with Session(writer, expire_on_commit=False) as session, session.begin():
            ready = [p for p in prepared if isinstance(p, list)]
            if len(ready) == len(prepared) and _batch_is_clean(session, filesets, ready):
                results.extend(_insert_batch(session, filesets, ready))
            else:
                results.extend(_insert_one_by_one(session, filesets, prepared))
            if any(isinstance(result, ImageStewardError) for result in results):
                raise _RolledBackError
            search_index.refresh(session.connection(), image_ids=_image_ids(results), added=True)
            audit_ingest(session, [r for r in results if isinstance(r, FilesetRecord)])
    except _RolledBackError:
        pass  # the ``with`` block rolled everything back
    except IntegrityError as exc:
        raise ConflictError(
            f"Another ingest catalogued part of this batch of {len(filesets)} filesets at the "
            f"same moment ({exc.orig}). Nothing from the batch was written; ingest it again.",
        ) from exc
    return results


def _image_ids(records: Sequence[FilesetRecord | ImageStewardError]) -> list[int]:
    return [i.id for r in records if isinstance(r, FilesetRecord) for i in r.images]


def _prepare(fileset: FilesetInput) -> _Prepared:
    """A fileset's images ready to insert, or the rule the fileset breaks by itself."""
    try:
        prepared = [prepare_image(image) for image in fileset.images]
        refuse_repeats_within(fileset, prepared)
    except (ConflictError, MetadataValidationError) as exc:
        return exc
    return prepared


def _insert_one_by_one(
    session: Session, filesets: Sequence[FilesetInput], prepared: Sequence[_Prepared]
) -> list[FilesetRecord | ImageStewardError]:
    """Each fileset in a savepoint, so that every problem of the batch is found and named."""
    results: list[FilesetRecord | ImageStewardError] = []
    for fileset, images in zip(filesets, prepared, strict=True):
        if not isinstance(images, list):
            results.append(images)
            continue
        try:
            with session.begin_nested():
                _refuse_known_files(session, fileset)
                _refuse_known_uuids(session, images)
                results.append(_insert(session, fileset, images))
        except (ConflictError, MetadataValidationError) as exc:
            session.info.pop("get_or_create", None)  # ids from the savepoint are gone
            results.append(exc)
    return results


def _batch_is_clean(
    session: Session, filesets: Sequence[FilesetInput], prepared: Sequence[list[PreparedImage]]
) -> bool:
    """Whether no fileset of the batch breaks a rule: one query per kind of check."""
    digests = [f.sha256 for fileset in filesets for f in fileset.files]
    uuids = [image.columns["uuid"] for images in prepared for image in images]
    if len(set(digests)) != len(digests) or len(set(uuids)) != len(uuids):
        return False
    if not all(document_matches(fileset.original_metadata) for fileset in filesets):
        return False
    for column, values in ((OriginalFileRow.sha256, digests), (ImageRow.uuid, uuids)):
        for chunk in batched(values, IN_BATCH):
            if session.execute(select(column).where(column.in_(chunk)).limit(1)).first():
                return False
    return True


def _table(row: type[Any]) -> Table:
    table = row.__table__
    assert isinstance(table, Table)
    return table


def _insert_returning_ids(
    session: Session, row: type[Any], values: list[dict[str, Any]]
) -> list[int]:
    """Insert rows that have no unique key of their own; their ids in the order given.

    PostgreSQL does this in multi-row statements. SQLite returns ``RETURNING`` rows in no
    guaranteed order, so SQLAlchemy inserts one row per statement there (still one
    compiled statement, no ORM).
    """
    if not values:
        return []
    table = _table(row)
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(value) for value in session.execute(statement, values).scalars()]


def _insert_returning_keys(
    session: Session, row: type[Any], values: list[dict[str, Any]], key: str
) -> dict[str, int]:
    """Insert rows in multi-row statements; their ids by their unique ``key``."""
    if not values:
        return {}
    table = _table(row)
    statement = insert(table).returning(table.c[key], table.c.id)
    return {str(k): int(i) for k, i in session.execute(statement, values)}


def _insert_batch(
    session: Session, filesets: Sequence[FilesetInput], prepared: Sequence[list[PreparedImage]]
) -> list[FilesetRecord]:
    """Write a batch that breaks no rule; the records, as the catalog would read them back."""
    now = utcnow()
    dataset_ids = [_dataset_id(session, fileset) for fileset in filesets]
    _keep_metadata_documents(session, [fileset.original_metadata for fileset in filesets])
    fileset_ids = _insert_returning_ids(
        session,
        FilesetRow,
        [
            fileset_values(fileset, dataset_id, now)
            for fileset, dataset_id in zip(filesets, dataset_ids, strict=True)
        ],
    )
    file_ids = _insert_returning_keys(
        session,
        OriginalFileRow,
        [
            file_values(f, fileset_id)
            for fileset, fileset_id in zip(filesets, fileset_ids, strict=True)
            for f in fileset.files
        ],
        "sha256",
    )
    # Every image with its fileset, in batch order.
    placed = [
        (fileset, fileset_id, dataset_id, image)
        for fileset, fileset_id, dataset_id, images in zip(
            filesets, fileset_ids, dataset_ids, prepared, strict=True
        )
        for image in images
    ]
    references = _references(session, [image for *_, image in placed])
    image_ids = _insert_returning_keys(
        session,
        ImageRow,
        [
            {
                **image.columns,
                "fileset_id": fileset_id,
                "dataset_id": dataset_id,
                "instrument_id": instrument_id,
                "operator_id": operator_id,
                "created_at": now,
            }
            for (_, fileset_id, dataset_id, image), (instrument_id, operator_id) in zip(
                placed, references, strict=True
            )
        ],
        "uuid",
    )
    channels = [
        {**channel, "image_id": image_ids[image.columns["uuid"]]}
        for *_, image in placed
        for channel in image.channels
    ]
    if channels:
        session.execute(insert(_table(ImageChannelRow)), channels)
    images: dict[int, list[ImageRecord]] = {fileset_id: [] for fileset_id in fileset_ids}
    for (fileset, fileset_id, dataset_id, image), reference in zip(placed, references, strict=True):
        image_id = image_ids[image.columns["uuid"]]
        images[fileset_id].append(
            inserted_image_record(image, image_id, fileset_id, dataset_id, reference, fileset, now)
        )
    return [
        FilesetRecord(
            id=fileset_id,
            project=fileset.project,
            dataset=fileset.dataset,
            reader=fileset.reader,
            ingested_at=now,
            ingested_by=fileset.ingested_by,
            original_metadata=described_attachment(fileset.original_metadata),
            files=tuple(
                inserted_file_record(file_ids[f.sha256], fileset_id, f) for f in fileset.files
            ),
            images=tuple(images[fileset_id]),
        )
        for fileset, fileset_id in zip(filesets, fileset_ids, strict=True)
    ]


def _dataset_id(session: Session, fileset: FilesetInput) -> int:
    project_id = _get_or_create(session, ProjectRow, {"name": fileset.project}, ("name",))
    return _get_or_create(
        session,
        DatasetRow,
        {"project_id": project_id, "name": fileset.dataset},
        ("project_id", "name"),
    )


def _references(
    session: Session, images: Sequence[PreparedImage]
) -> list[tuple[int | None, int | None]]:
    """The instrument and operator id of each image, creating them when new.

    Gaps in a known instrument's name or PIDINST are filled from the first image that knows
    them: one update per instrument, as many updates image after image would leave it.
    """
    references: list[tuple[int | None, int | None]] = []
    gaps: dict[int, dict[str, Any]] = {}
    for image in images:
        instrument_id = operator_id = None
        if image.instrument is not None:
            values = image.instrument
            instrument_id = _get_or_create(session, InstrumentRow, values, ("identity_key",))
            known = gaps.setdefault(instrument_id, {"instrument_name": None, "pidinst": None})
            for name in known:
                known[name] = known[name] if known[name] is not None else values[name]
        if image.operator is not None:
            operator_id = _get_or_create(session, PersonRow, image.operator, ("identity_key",))
        references.append((instrument_id, operator_id))
    for instrument_id, values in gaps.items():
        _fill_instrument_gaps(session, instrument_id, values)
    return references


def _keep_metadata_documents(
    session: Session, attachments: Sequence[AttachmentInput | None]
) -> None:
    """Keep each distinct document of the batch once (all checked by ``_batch_is_clean``)."""
    documents: dict[str, dict[str, Any]] = {}
    for attachment in attachments:
        if attachment is None or attachment.content is None or attachment.sha256 in documents:
            continue
        documents[attachment.sha256] = document_values(attachment, attachment.content)
    if documents:
        session.execute(
            _dialect(session).insert(MetadataDocumentRow).on_conflict_do_nothing(),
            list(documents.values()),
        )


def _dialect(session: Session) -> Any:
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


def _insert(
    session: Session, fileset: FilesetInput, prepared: list[PreparedImage]
) -> FilesetRecord:
    project_id = _get_or_create(session, ProjectRow, {"name": fileset.project}, ("name",))
    dataset_id = _get_or_create(
        session,
        DatasetRow,
        {"project_id": project_id, "name": fileset.dataset},
        ("project_id", "name"),
    )
    attachment = fileset.original_metadata
    if attachment is not None and attachment.content is not None:
        _keep_metadata_document(session, attachment)
    row = FilesetRow(
        dataset_id=dataset_id,
        reader=fileset.reader,
        ingested_by=fileset.ingested_by,
        metadata_sha256=attachment.sha256 if attachment else None,
        metadata_media_type=attachment.media_type if attachment else None,
        metadata_size=attachment.size if attachment else None,
        metadata_name=attachment.name if attachment else None,
    )
    row.files = [
        OriginalFileRow(
            sha256=f.sha256,
            size=f.size,
            original_name=f.original_name,
            original_path=f.original_path,
            store_key=f.store_key,
            stored_in_place=f.stored_in_place,
            role=f.role,
        )
        for f in fileset.files
    ]
    row.images = [_image_row(session, image, dataset_id) for image in prepared]
    session.add(row)
    session.flush()
    return fileset_record(row, fileset.project, fileset.dataset, row.files, row.images)


def _image_row(session: Session, image: PreparedImage, dataset_id: int) -> ImageRow:
    instrument_id = None
    if image.instrument is not None:
        instrument_id = _get_or_create(session, InstrumentRow, image.instrument, ("identity_key",))
        _fill_instrument_gaps(session, instrument_id, image.instrument)
    operator_id = None
    if image.operator is not None:
        operator_id = _get_or_create(session, PersonRow, image.operator, ("identity_key",))
    row = ImageRow(
        **image.columns,
        dataset_id=dataset_id,
        instrument_id=instrument_id,
        operator_id=operator_id,
    )
    row.channels = [ImageChannelRow(**channel) for channel in image.channels]
    return row


def _keep_metadata_document(session: Session, attachment: AttachmentInput) -> None:
    content = attachment.content
    assert content is not None
    if not document_matches(attachment):
        raise MetadataValidationError(
            f"The original metadata {attachment.name} does not match its SHA-256 "
            f"{attachment.sha256}; it was changed after it was read."
        )
    session.execute(
        _dialect(session)
        .insert(MetadataDocumentRow)
        .values(**document_values(attachment, content))
        .on_conflict_do_nothing()
    )


def _get_or_create(
    session: Session, table: type[Any], values: dict[str, Any], key: tuple[str, ...]
) -> int:
    # Within one transaction the same project, dataset and instruments come up for every
    # fileset of a batch; remembering their ids saves two statements each. A rolled-back
    # transaction takes its session (and this memo) with it.
    memo: dict[tuple[Any, ...], int] = session.info.setdefault("get_or_create", {})
    memo_key = (table, *(values[name] for name in key))
    if memo_key in memo:
        return memo[memo_key]
    where = [getattr(table, name) == values[name] for name in key]
    found: int | None = session.scalars(select(table.id).where(*where)).first()
    if found is not None:
        memo[memo_key] = found
        return found
    # ON CONFLICT DO NOTHING makes a concurrent creator (PostgreSQL) harmless: both end up
    # selecting the one row instead of one of them failing on the unique constraint.
    session.execute(_dialect(session).insert(table).values(**values).on_conflict_do_nothing())
    memo[memo_key] = int(session.scalars(select(table.id).where(*where)).one())
    return memo[memo_key]


def _fill_instrument_gaps(session: Session, instrument_id: int, values: dict[str, Any]) -> None:
    # A later file may know the facility's name or PIDINST for an instrument first seen
    # without them; fill such gaps, never overwrite what is recorded.
    if values["instrument_name"] is None and values["pidinst"] is None:
        return
    session.execute(
        update(InstrumentRow)
        .where(InstrumentRow.id == instrument_id)
        .values(
            instrument_name=func.coalesce(InstrumentRow.instrument_name, values["instrument_name"]),
            pidinst=func.coalesce(InstrumentRow.pidinst, values["pidinst"]),
        )
    )


def _refuse_known_files(session: Session, fileset: FilesetInput) -> None:
    existing = [
        row
        for batch in batched((f.sha256 for f in fileset.files), IN_BATCH)
        for row in session.scalars(select(OriginalFileRow).where(OriginalFileRow.sha256.in_(batch)))
    ]
    if not existing:
        return
    by_digest = {f.sha256: f for f in fileset.files}
    # The message shows only the first few files; look up the images of those alone.
    images = session.execute(
        select(ImageRow.fileset_id, ImageRow.uuid, ImageRow.name)
        .where(ImageRow.fileset_id.in_({row.fileset_id for row in existing[:_SHOWN]}))
        .order_by(ImageRow.id)
    ).all()
    lines = []
    for known in existing[:_SHOWN]:
        named = [
            f"{uuid} ({name})" if name else uuid
            for fileset_id, uuid, name in images
            if fileset_id == known.fileset_id
        ]
        shown = ", ".join(named[:_SHOWN]) + (
            f" and {len(named) - _SHOWN} more" if len(named) > _SHOWN else ""
        )
        lines.append(
            f"{by_digest[known.sha256].original_path} (sha256 {known.sha256}) is already "
            f"catalogued as {known.original_path} in fileset {known.fileset_id}, "
            f"image(s): {shown or 'none'}"
        )
    if len(existing) > _SHOWN:
        lines.append(f"... and {len(existing) - _SHOWN} more file(s)")
    raise ConflictError(
        "; ".join(lines) + ". Nothing from this fileset was written: leave the known files "
        "out of the ingest, or use the existing images.",
        sha256=[row.sha256 for row in existing],
        paths=[by_digest[row.sha256].original_path for row in existing],
        existing_images=[uuid for _, uuid, _ in images],
    )


def _refuse_known_uuids(session: Session, prepared: list[PreparedImage]) -> None:
    uuids = [image.columns["uuid"] for image in prepared]
    taken = [
        uuid
        for batch in batched(uuids, IN_BATCH)
        for uuid in session.scalars(select(ImageRow.uuid).where(ImageRow.uuid.in_(batch)))
    ]
    if taken:
        raise ConflictError(
            f"Image UUID(s) {', '.join(taken)} already belong to catalogued images; nothing "
            "from this fileset was written. Leave uuid unset to have new ones generated.",
            uuids=list(taken),
        )
