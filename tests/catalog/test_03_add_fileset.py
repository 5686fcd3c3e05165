"""Adding filesets: everything round-trips, identities are shared, conflicts write nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from imagesteward import model
from imagesteward.catalog import Catalog, CatalogStats, FilesetInput, ImageInput, OriginalFileInput
from imagesteward.catalog import _filesets as filesets_module
from imagesteward.errors import ConflictError, MetadataValidationError
from tests.catalog.factories import (
    CEST,
    bare_image,
    confocal_image,
    fileset,
    lsm980,
    original_file,
    structure_for,
    widefield_image,
)

EMPTY = CatalogStats(0, 0, 0, 0, 0, 0, 0)


def _rows(catalog: Catalog, sql: str) -> list[tuple[Any, ...]]:
    with catalog._engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def test_a_fileset_round_trips_documents_and_structures(catalog: Catalog) -> None:
    documents = [confocal_image(0), widefield_image(1), bare_image(2)]
    given = fileset("plate1/well_A1.czi", "plate1/well_A1.xml", images=documents)

    added = catalog.add_fileset(given)

    assert (added.project, added.dataset) == ("Mitosis", "2024-06 HeLa")
    assert added.reader == given.reader
    assert added.ingested_by == "facility-admin"
    assert added.original_metadata == given.original_metadata
    assert [(f.original_path, f.role) for f in added.files] == [
        ("plate1/well_A1.czi", "primary"),
        ("plate1/well_A1.xml", "companion"),
    ]
    assert len(set(added.image_uuids)) == 3
    assert [catalog.get_image(uuid).id for uuid in added.image_uuids] == list(added.image_ids)
    for record, document in zip(added.images, documents, strict=True):
        stored = catalog.get_image(record.uuid)
        assert stored == record
        assert stored.document == document
        assert stored.document.model_dump(mode="json") == document.model_dump(mode="json")
        assert stored.structure == structure_for(document)
        assert stored.fileset_id == added.id
        assert stored.created_at.tzinfo is UTC
        assert abs(stored.created_at - datetime.now(UTC)) < timedelta(minutes=5)
        assert added.ingested_at.tzinfo is UTC


def test_search_fields_are_promoted_to_columns(catalog: Catalog) -> None:
    added = catalog.add_fileset(fileset("a.czi", images=[confocal_image()]))
    image = catalog.get_image(added.images[0].id)

    assert (image.size_t, image.size_c, image.size_z, image.size_y, image.size_x) == (
        1,
        2,
        12,
        1024,
        1024,
    )
    assert (image.axes, image.pixel_type, image.samples_per_pixel) == ("CZYX", "uint16", 1)
    assert (image.file_format, image.reader) == ("czi", "czi (czifile 2025.10.1)")
    assert (image.physical_size_x, image.physical_size_z) == (0.0425, 0.13)
    assert image.acquisition_mode == "LaserScanningConfocalMicroscopy"
    assert image.imaging_method_id == "FBbi:00000251"
    assert image.objective_model == "Plan-Apochromat 63x/1.40 Oil DIC M27"
    assert (image.objective_magnification, image.objective_na) == (63.0, 1.4)
    assert image.objective_immersion == "Oil"
    assert image.instrument_id is not None
    assert image.operator_id is not None
    channels = _rows(
        catalog,
        "SELECT channel_index, name, fluorophore_name, excitation_nm, emission_nm "
        f"FROM image_channels WHERE image_id = {image.id} ORDER BY channel_index",
    )
    assert channels == [
        (0, "Hoechst 33342", "Hoechst 33342", 405.0, 461.0),
        (1, "EGFP", "EGFP", 488.0, 509.0),
    ]


def test_acquisition_dates_keep_what_the_file_knew(catalog: Catalog) -> None:
    aware = confocal_image(0, acquired=datetime(2024, 6, 3, 14, 22, 9, 512000, tzinfo=CEST))
    naive = widefield_image(1)
    added = catalog.add_fileset(fileset("dates.czi", images=[aware, naive, bare_image(2)]))
    by_series = {image.series_index: catalog.get_image(image.id) for image in added.images}

    instant = by_series[0].acquisition_date
    assert instant is not None
    assert instant == datetime(2024, 6, 3, 12, 22, 9, 512000, tzinfo=UTC)
    assert instant.tzinfo is UTC
    assert by_series[0].acquisition_timezone_known is True
    # The document keeps the offset the file gave; only the promoted column is in UTC.
    assert by_series[0].document == aware
    acquisition = by_series[0].document.acquisition
    assert acquisition is not None
    assert acquisition.acquisition_date is not None
    assert acquisition.acquisition_date.utcoffset() == timedelta(hours=2)

    wall_time = by_series[1].acquisition_date
    assert wall_time is not None
    assert wall_time == datetime(2023, 11, 28, 9, 5, 0)
    assert wall_time.tzinfo is None
    assert by_series[1].acquisition_timezone_known is False

    assert by_series[2].acquisition_date is None
    assert by_series[2].acquisition_timezone_known is None
    stored = _rows(catalog, "SELECT acquisition_date FROM images ORDER BY series_index")
    assert [str(row[0])[:19] for row in stored[:2]] == [
        "2024-06-03 12:22:09",
        "2023-11-28 09:05:00",
    ]


def test_instruments_are_shared_across_filesets_by_identity(catalog: Catalog) -> None:
    first = catalog.add_fileset(
        fileset("day1.czi", images=[confocal_image(microscope=lsm980(name=None))])
    )
    respelled = lsm980(name="LSM 980 room 2.14").model_copy(
        update={"manufacturer": "  carl ZEISS   microscopy ", "model": "lsm 980"}
    )
    second = catalog.add_fileset(fileset("day2.czi", images=[confocal_image(microscope=respelled)]))
    renamed = lsm980(name="the big confocal")
    third = catalog.add_fileset(fileset("day3.czi", images=[confocal_image(microscope=renamed)]))
    other = catalog.add_fileset(
        fileset("other.czi", images=[confocal_image(microscope=lsm980("999"))])
    )
    nikon = catalog.add_fileset(fileset("yeast.nd2", images=[widefield_image(), bare_image(1)]))

    shared = first.images[0].instrument_id
    assert second.images[0].instrument_id == shared
    assert third.images[0].instrument_id == shared
    assert other.images[0].instrument_id not in (None, shared)
    assert nikon.images[1].instrument_id is None  # no microscope named: nothing to identify

    instruments = {i.id: i for i in catalog.list_instruments()}
    assert len(instruments) == 3
    zeiss = instruments[shared]  # type: ignore[index]
    assert zeiss.image_count == 3
    # As first seen, with the gap filled by the second file and not overwritten by the third.
    assert (zeiss.manufacturer, zeiss.model) == ("Carl Zeiss Microscopy", "LSM 980")
    assert zeiss.instrument_name == "LSM 980 room 2.14"
    assert zeiss.microscope == lsm980(name=None)
    nikon_instrument = instruments[nikon.images[0].instrument_id]  # type: ignore[index]
    assert (nikon_instrument.manufacturer, nikon_instrument.serial_number) == ("Nikon", None)
    assert catalog.stats().instruments == 3


def test_operators_are_people_identified_by_orcid(catalog: Catalog) -> None:
    first = catalog.add_fileset(fileset("one.czi"))
    second = catalog.add_fileset(fileset("two.czi", project="Other"))
    assert first.images[0].operator_id == second.images[0].operator_id
    assert _rows(catalog, "SELECT name, orcid, email FROM people") == [
        ("Ada Imaging", "https://orcid.org/0000-0002-1825-0097", "ada@example.org")
    ]


def test_projects_and_datasets_are_found_by_name(catalog: Catalog) -> None:
    a = catalog.add_fileset(fileset("a.czi", project="P", dataset="D"))
    b = catalog.add_fileset(fileset("b.czi", project="P", dataset="D"))
    c = catalog.add_fileset(fileset("c.czi", project="Q", dataset="D"))
    assert a.images[0].dataset_id == b.images[0].dataset_id != c.images[0].dataset_id
    assert [(p.name, p.dataset_count, p.image_count) for p in catalog.list_projects()] == [
        ("P", 1, 2),
        ("Q", 1, 1),
    ]


def test_a_known_file_is_a_conflict_naming_the_file_and_its_images(catalog: Catalog) -> None:
    existing = catalog.add_fileset(
        fileset("run1/cells.czi", images=[confocal_image(0), confocal_image(1)])
    )
    before = catalog.stats()
    again = fileset("run1/new.czi", "copy/of/cells.czi", project="Elsewhere", dataset="New")
    again = replace(
        again,
        files=[
            again.files[0],
            replace(original_file("run1/cells.czi"), original_path="copy/of/cells.czi"),
        ],
    )

    with pytest.raises(ConflictError) as caught:
        catalog.add_fileset(again)

    message = str(caught.value)
    assert "copy/of/cells.czi" in message
    assert "run1/cells.czi" in message
    for image in existing.images:
        assert image.uuid in message
    assert "Nothing from this fileset was written" in message
    assert caught.value.details["existing_images"] == [image.uuid for image in existing.images]
    assert catalog.stats() == before
    assert [p.name for p in catalog.list_projects()] == ["Mitosis"]


def test_a_duplicate_racing_past_the_checks_is_still_a_conflict(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog.add_fileset(fileset("raced.czi"))
    before = catalog.stats()
    # What a second ingest committing the same file between our check and our insert looks like.
    monkeypatch.setattr(filesets_module, "_refuse_known_files", lambda *args: None)
    with pytest.raises(ConflictError, match="Another ingest catalogued part of fileset"):
        catalog.add_fileset(fileset("raced.czi", project="Second"))
    assert catalog.stats() == before


def test_a_file_listed_twice_in_one_fileset_is_a_conflict(catalog: Catalog) -> None:
    twice = fileset("a.czi")
    twice = replace(twice, files=[twice.files[0], replace(twice.files[0], original_path="b/a.czi")])
    with pytest.raises(ConflictError, match=r"a\.czi and b/a\.czi have the same content"):
        catalog.add_fileset(twice)
    assert catalog.stats() == EMPTY


def test_a_failure_midway_writes_nothing(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> object:
        raise RuntimeError("disk full")

    # Fails after every row was inserted and flushed, just before the commit.
    monkeypatch.setattr(filesets_module, "fileset_record", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        catalog.add_fileset(fileset("a.czi", images=[confocal_image(), widefield_image(1)]))
    assert catalog.stats() == EMPTY
    assert _rows(catalog, "SELECT count(*) FROM people") == [(0,)]
    assert _rows(catalog, "SELECT count(*) FROM image_channels") == [(0,)]


def test_given_uuids_are_kept_in_canonical_form(catalog: Catalog) -> None:
    document = bare_image()
    given = replace(
        fileset("u.czi"),
        images=[
            ImageInput(
                document, structure_for(document), uuid="{6F9619FF-8B86-D011-B42D-00C04FC964FF}"
            )
        ],
    )
    added = catalog.add_fileset(given)
    assert added.images[0].uuid == "6f9619ff-8b86-d011-b42d-00c04fc964ff"

    with pytest.raises(ConflictError, match="already belong to catalogued images"):
        catalog.add_fileset(replace(given, files=[original_file("v.czi")]))
    image = ImageInput(
        document, structure_for(document), uuid="6f9619ff-8b86-d011-b42d-00c04fc96400"
    )
    with pytest.raises(ConflictError, match="is given to 2 images"):
        catalog.add_fileset(replace(given, files=[original_file("w.czi")], images=[image, image]))
    assert catalog.stats().images == 1


def test_an_invalid_document_is_refused_before_anything_is_written(catalog: Catalog) -> None:
    broken = model.Image.model_construct(**{**bare_image().__dict__, "size_x": 0})
    with pytest.raises(MetadataValidationError, match="does not conform"):
        catalog.add_fileset(fileset("bad.tif", images=[broken]))
    assert catalog.stats() == EMPTY


def test_two_channels_with_one_index_are_refused(catalog: Catalog) -> None:
    document = confocal_image()
    assert document.channels is not None
    document.channels[1].channel_index = 0
    with pytest.raises(ConflictError, match="lists channel 0 twice"):
        catalog.add_fileset(fileset("dup.czi", images=[document]))
    assert catalog.stats() == EMPTY


def test_a_fileset_may_hold_files_no_reader_made_images_of(catalog: Catalog) -> None:
    added = catalog.add_fileset(fileset("notes.txt", images=[], with_metadata=False))
    assert added.images == ()
    assert added.original_metadata is None
    assert catalog.stats().original_files == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"sha256": "ABC"}, "64 lower-case hex digits"),
        ({"size": -1}, "must not be negative"),
        ({"role": "sidecar"}, "role must be one of primary, companion, member"),
    ],
    ids=["digest", "size", "role"],
)
def test_original_file_inputs_are_checked(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        replace(original_file("x.czi"), **change)


def test_fileset_inputs_need_files_and_names() -> None:
    with pytest.raises(ValueError, match="has no files"):
        FilesetInput(project="P", dataset="D", reader="r", files=[], images=[])
    one: list[OriginalFileInput] = [original_file("x")]
    with pytest.raises(ValueError, match="needs a dataset name"):
        FilesetInput(project="P", dataset=" ", reader="r", files=one, images=[])
