"""Batches are written with a few multi-row statements and read back exactly as given.

``add_filesets`` checks a whole batch with one query per rule and inserts each table's rows with
one statement; only a batch that breaks a rule goes fileset by fileset, so that its errors read
exactly as :meth:`Catalog.add_fileset` would word them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import event

from imagesteward import model
from imagesteward.catalog import AttachmentInput, Catalog, FilesetInput, FilesetRecord, ImageInput
from imagesteward.errors import ConflictError, ImageStewardError, MetadataValidationError
from tests.catalog.factories import (
    bare_image,
    confocal_image,
    fileset,
    lsm980,
    original_file,
    structure_for,
    widefield_image,
)


def _with_document(given: FilesetInput, text: str) -> FilesetInput:
    content = text.encode()
    attachment = AttachmentInput(
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        name="original_metadata.xml",
        media_type="application/xml",
        content=content,
    )
    return replace(given, original_metadata=attachment)


def _batch(count: int) -> list[FilesetInput]:
    batch = []
    for i in range(count):
        images = [confocal_image(0, name=f"cells {i}"), widefield_image(1)] if i % 3 else []
        if i % 3 == 1:
            images.append(bare_image(2))
        given = fileset(f"run/{i}.czi", f"run/{i}.xml", images=images)
        # Every other fileset shares one metadata document: it is kept once.
        batch.append(_with_document(given, "<OME shared/>" if i % 2 else f"<OME n='{i}'/>"))
    return batch


@contextmanager
def _statements(catalog: Catalog) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    engine = catalog._engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_batch_reads_back_exactly_as_it_was_returned(catalog: Catalog) -> None:
    results = catalog.add_filesets(_batch(7))
    records = [r for r in results if isinstance(r, FilesetRecord)]
    assert len(records) == 7
    for record in records:
        for image in record.images:
            assert catalog.get_image(image.id) == image
        assert catalog.fileset_images(record.id) == list(record.images)
        files = catalog.image_files(record.images[0].id) if record.images else []
        assert files in ([], list(record.files))
        assert record.original_metadata is not None
        assert record.original_metadata.content is None
    stats = catalog.stats()
    assert (stats.filesets, stats.original_files, stats.images) == (7, 14, 10)
    assert stats.instruments == 2  # the LSM 980 and the Ti2-E, each catalogued once
    kept = catalog.original_metadata(records[1].images[0].id)
    assert kept is not None and kept.content == b"<OME shared/>"


def test_a_batch_costs_a_few_statements_whatever_its_size(catalog: Catalog) -> None:
    catalog.add_filesets(_batch(3))  # projects, datasets, instruments and people exist now
    with _statements(catalog) as small:
        catalog.add_filesets(_batch(6)[3:])
    batch = [replace(f, files=[original_file(f"big/{i}.czi")]) for i, f in enumerate(_batch(60))]
    with _statements(catalog) as large:
        results = catalog.add_filesets(batch)
    assert all(isinstance(r, FilesetRecord) for r in results)

    # Filesets have no unique key to match RETURNING rows by: SQLite inserts them one row per
    # statement, PostgreSQL in one. Every other table takes the same statements for 3 or 60.
    def others(statements: list[str]) -> list[str]:
        return [s for s in statements if not s.startswith("INSERT INTO filesets")]

    # About twenty: lookups, one insert per table, the search index's upkeep (posting lists
    # read and written once, and on PostgreSQL the batch's text lexemes read once) and one
    # audit insert for the whole batch.
    assert len(others(large)) == len(others(small)) <= 25, others(large)
    assert len(large) - len(others(large)) <= 60


def test_instrument_gaps_are_filled_from_the_first_image_that_knows_them(
    catalog: Catalog,
) -> None:
    unnamed, first, second = (lsm980(name=None), lsm980(name="Room A"), lsm980(name="Room B"))
    batch = [
        fileset(f"gap/{i}.czi", images=[confocal_image(microscope=microscope)])
        for i, microscope in enumerate((unnamed, first, second))
    ]
    catalog.add_filesets(batch)
    (instrument,) = catalog.list_instruments()
    assert instrument.instrument_name == "Room A"
    assert instrument.image_count == 3


def _errors(results: list[FilesetRecord | ImageStewardError]) -> list[str | None]:
    return [str(r) if isinstance(r, ImageStewardError) else None for r in results]


def test_a_refused_batch_names_each_problem_as_one_fileset_at_a_time_would(
    catalog: Catalog,
) -> None:
    known = catalog.add_fileset(fileset("known.czi"))
    invalid = model.Image.model_construct(**{**bare_image().__dict__, "size_x": 0})
    twice = confocal_image()
    assert twice.channels is not None
    twice.channels[1].channel_index = 0
    tampered = _with_document(fileset("tampered.czi"), "<OME/>")
    assert tampered.original_metadata is not None
    tampered = replace(
        tampered, original_metadata=replace(tampered.original_metadata, content=b"<OME x/>")
    )
    uuid = known.images[0].uuid
    document = bare_image()
    batch = [
        fileset("fine.czi"),
        replace(fileset("again.czi"), files=[original_file("known.czi")]),
        fileset("invalid.czi", images=[invalid]),
        fileset("channels.czi", images=[twice]),
        tampered,
        replace(
            fileset("uuid.czi"),
            images=[ImageInput(document, structure_for(document), uuid=uuid)],
        ),
        fileset("fine-too.czi"),
    ]
    before = catalog.stats()
    results = catalog.add_filesets(batch)
    assert catalog.stats() == before

    one_by_one: list[str | None] = []
    for given in batch:
        try:
            catalog.add_fileset(given)
        except (ConflictError, MetadataValidationError) as exc:
            one_by_one.append(str(exc))
        else:
            one_by_one.append(None)
    assert _errors(results) == one_by_one
    assert [type(r).__name__ for r in results] == [
        "FilesetRecord",
        "ConflictError",
        "MetadataValidationError",
        "ConflictError",
        "MetadataValidationError",
        "ConflictError",
        "FilesetRecord",
    ]


def test_one_file_in_two_filesets_of_a_batch_is_a_conflict(catalog: Catalog) -> None:
    first = fileset("shared/a.czi")
    second = replace(fileset("shared/b.czi"), files=[original_file("shared/a.czi")])
    results = catalog.add_filesets([first, second])
    assert isinstance(results[0], FilesetRecord)
    assert isinstance(results[1], ConflictError)
    assert "shared/a.czi" in str(results[1])
    assert catalog.stats().filesets == 0
