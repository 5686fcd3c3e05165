"""Importing archives into a real installation, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from imagesteward.eln import ArchiveLimits, ElnImport, import_eln
from imagesteward.errors import ConflictError, NotFoundError, UnsafeContentError
from imagesteward.installation import Installation
from imagesteward.ontology import OntologyIndex
from tests.conftest import corpus_items, require_corpus
from tests.eln.crates import ORCID, PIDINST, rich_crate, write_eln

ELN = {Path(i.relpath).stem.split("-")[0]: i for i in corpus_items("eln")}


def _import(
    installation: Installation, ontology: OntologyIndex, path: Path, **kw: Any
) -> ElnImport:
    return import_eln(path, installation, project="lab", index=ontology, convert=False, **kw)


def _assert_stored(installation: Installation, result: ElnImport) -> None:
    """Every file of the crate is an original in the store, catalogued once."""
    digests = {f.sha256 for f in result.files}
    known = installation.catalog.find_original_files(digests)
    assert set(known) == digests
    for digest in digests:
        assert installation.store.has(digest)
        installation.store.verify(digest)


def test_scilog_archive(installation: Installation, ontology: OntologyIndex) -> None:
    require_corpus()
    item = ELN["scilog"]
    result = _import(installation, ontology, item.path)
    assert (result.project, result.dataset) == ("lab", "scilog-export-2026-06-05")
    assert result.conforms_to == "https://w3id.org/ro/crate/1.2"
    assert result.exported_by == "SciLog"
    assert result.study is not None and not result.merged
    study = result.study.document
    assert study.title == "logbook-001"
    assert study.description == "test new logbook"
    assert [(a.name, a.email) for a in study.authors or []] == [
        ("omkar.zade@psi.ch", "omkar.zade@psi.ch")
    ]
    assert study.license is None
    assert [c.name for c in study.study_components or []] == ["logbook-001"]
    # The JPEG and the PDF: no microscopy reader takes them, so they are attached originals.
    files = {f.path: f for f in result.files}
    jpeg = files["696e3f8bd55e4c64c058ceac/696e3f8b61107b830b1eff20.jpeg"]
    assert (jpeg.status, jpeg.size, jpeg.media_type) == ("attached", 714202, "image/jpeg")
    assert jpeg.sha256 == "937a895faa7d2096c6ce74f34c22c163836f492628b8d2cf0dc594322b669acb"
    assert "no reader recognises" in jpeg.message
    assert "/tmp" not in jpeg.message
    pdf = files["696e3faad55e4c82fc58ceae/696e3fa961107b830b1eff24.pdf"]
    assert (pdf.status, pdf.media_type) == ("attached", "application/pdf")
    assert set(files) == {jpeg.path, pdf.path, "ro-crate-metadata.json", "ro-crate-preview.html"}
    assert result.image_uuids == []
    assert all(not f.notes for f in result.files)  # its declared sha256 and sizes hold
    _assert_stored(installation, result)
    unmapped = {u.entity_id: u.reason for u in result.unmapped}
    assert len(unmapped) == 8  # the licence entity and seven notebook entries
    assert "names no licence URI" in unmapped["#license"]
    (fileset,) = {
        r.fileset_id for r in installation.catalog.find_original_files([jpeg.sha256]).values()
    }
    assert installation.catalog.fileset_images(fileset) == []


def test_metadatapp_archive_twice(installation: Installation, ontology: OntologyIndex) -> None:
    require_corpus()
    item = ELN["metadatapp"]
    first = _import(installation, ontology, item.path)
    assert first.study is not None
    study = first.study.document
    assert study.title == "Demo - DVC circadian rhythm monitoring in Shank3 mice"
    assert study.license == "https://creativecommons.org/licenses/by/4.0/"
    assert str(study.release_date) == "2026-06-16"
    assert first.exported_by == "Metadatapp"
    assert first.unmapped == []
    # 22 File entities plus the metadata file, each attached; the .eln-named folder is the root.
    assert first.count("attached") == 23
    described = [f for f in first.files if f.entity_id is not None]
    assert len(described) == 22
    assert all(not f.notes for f in first.files)  # its declared sha256 and sizes hold
    _assert_stored(installation, first)
    # The same archive again adds nothing and changes nothing.
    again = _import(installation, ontology, item.path)
    assert again.merged
    assert again.count("already catalogued") == 23
    assert again.study is not None and again.study.revision == first.study.revision


def test_rich_crate_links_images(
    installation: Installation, ontology: OntologyIndex, tmp_path: Path
) -> None:
    result = _import(
        installation, ontology, write_eln(tmp_path / "rich.eln", rich_crate()), by="ann"
    )
    files = {f.path: f for f in result.files}
    image = files["data/cells.tif"]
    assert image.status == "image" and len(image.image_uuids) == 1
    (uuid,) = image.image_uuids
    assert {p: f.status for p, f in files.items() if p != "data/cells.tif"} == {
        "ro-crate-metadata.json": "attached",
        "data/notes.csv": "attached",
        "extra/undescribed.txt": "attached",
    }
    assert files["extra/undescribed.txt"].entity_id is None
    record = installation.catalog.get_image(uuid)
    assert record.document.biosample_ref == "S-1"
    assert record.document.specimen_ref == "SP-1"
    assert record.dataset == "rich"
    # The instrument the experiment names is the microscope of its image, catalogued as such.
    assert record.document.acquisition is not None
    microscope = record.document.acquisition.microscope
    assert microscope is not None
    assert (microscope.manufacturer, microscope.model, microscope.serial_number) == (
        "Carl Zeiss Microscopy",
        "LSM 880",
        "2801000123",
    )
    assert microscope.pidinst == PIDINST
    (instrument,) = installation.catalog.list_instruments()
    assert (instrument.model, instrument.pidinst) == ("LSM 880", PIDINST)
    mapped = {m.entity_id: m for m in result.mapped}
    assert mapped["#lsm"].target == f"images[{uuid}].acquisition.microscope"
    unmapped = {u.entity_id: u.reason for u in result.unmapped}
    assert "linked to no image" in unmapped["#old-scope"]
    assert result.study is not None
    study = result.study.document
    (component,) = study.study_components or []
    assert component.image_ids == [uuid]
    assert [a.orcid for a in study.authors or []] == [ORCID, None]
    assert [b.identifier for b in study.biosamples or []] == ["S-1", "samples/mouse"]
    assert result.study.updated_by == "ann"
    changes = installation.catalog.metadata_changes(project="lab")
    assert changes and all("rich.eln" in (c.reason or "") for c in changes)
    _assert_stored(installation, result)


def test_more_crates_merge_and_never_link_another_projects_images(
    installation: Installation, ontology: OntologyIndex, tmp_path: Path
) -> None:
    require_corpus()
    first = _import(installation, ontology, write_eln(tmp_path / "rich.eln", rich_crate()))
    (uuid,) = first.image_uuids
    # A second crate into the same project merges into its study.
    merged = _import(installation, ontology, ELN["scilog"].path)
    assert merged.merged and merged.study is not None
    study = merged.study.document
    assert study.title == "Mitosis in HeLa cells"  # what the project said stays
    assert [a.name for a in study.authors or []] == [
        "Josiah Carberry",
        "Ann Other",
        "omkar.zade@psi.ch",
    ]
    assert [c.name for c in study.study_components or []] == [
        "Live imaging of mitosis",
        "logbook-001",
    ]
    assert (study.study_components or [])[0].image_ids == [uuid]
    # The same image in a crate for another project is not linked to that project's study.
    members = {**rich_crate(), "extra/new.txt": b"only in the second crate\n"}
    second = import_eln(
        write_eln(tmp_path / "second.eln", members),
        installation,
        project="other",
        index=ontology,
        convert=False,
    )
    files = {f.path: f for f in second.files}
    image = files["data/cells.tif"]
    assert (image.status, image.image_uuids) == ("already catalogued", ())
    assert "(images of project 'lab', not linked)" in image.message
    assert files["extra/new.txt"].status == "attached"
    assert second.study is not None
    assert all(not c.image_ids for c in second.study.document.study_components or [])
    assert installation.catalog.get_image(uuid).project == "lab"
    with pytest.raises(NotFoundError, match="brought nothing new"):
        import_eln(
            write_eln(tmp_path / "third.eln", members),
            installation,
            project="third",
            index=ontology,
            convert=False,
        )


def _nothing_written(installation: Installation) -> None:
    assert installation.catalog.list_projects() == []
    assert installation.store.stats().objects == 0
    assert list(installation.store.iter_ledger()) == []


def test_refusals_leave_nothing_behind(
    installation: Installation, ontology: OntologyIndex, tmp_path: Path
) -> None:
    escaping = tmp_path / "escaping.eln"
    write_eln(escaping, {**rich_crate(), "../../outside.txt": b"x"})
    with pytest.raises(UnsafeContentError) as caught:
        _import(installation, ontology, escaping)
    assert str(caught.value).startswith(f"{escaping}: member name 'crate/../../outside.txt'")
    bomb = write_eln(tmp_path / "bomb.eln", {**rich_crate(), "zeros": bytes(4 * 2**20)})
    with pytest.raises(UnsafeContentError, match="zip bomb"):
        _import(installation, ontology, bomb)
    with pytest.raises(UnsafeContentError, match="more than the limit"):
        _import(
            installation,
            ontology,
            write_eln(tmp_path / "ok.eln", rich_crate()),
            limits=ArchiveLimits(max_member_bytes=1000),
        )
    _nothing_written(installation)
    # A dry run reads and maps everything, and writes nothing either.
    result = _import(
        installation, ontology, write_eln(tmp_path / "rich.eln", rich_crate()), dry_run=True
    )
    assert result.dry_run and result.study is None
    statuses = {f.path: f.status for f in result.files}
    assert statuses["data/cells.tif"] == "would import"
    assert statuses["data/notes.csv"] == "would attach"
    _nothing_written(installation)


def test_files_differing_from_their_declaration_are_kept_and_reported(
    installation: Installation, ontology: OntologyIndex, tmp_path: Path
) -> None:
    members = rich_crate()
    members["data/cells.tif"] = members["data/cells.tif"][:-1] + b"\x00"  # changed after export
    result = _import(installation, ontology, write_eln(tmp_path / "altered.eln", members))
    (image,) = [f for f in result.files if f.path == "data/cells.tif"]
    assert image.status == "image"
    assert image.sha256 == hashlib.sha256(members["data/cells.tif"]).hexdigest()
    (note,) = image.notes
    assert note.startswith(f"its SHA-256 is {image.sha256}, but the crate declares ")


def test_a_refused_catalog_commit_leaves_no_stored_object(
    installation: Installation,
    ontology: OntologyIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    members = rich_crate()
    del members["data/cells.tif"]  # attachments only: nothing goes through ingest

    def refuse(fileset: Any) -> Any:
        raise ConflictError(f"{fileset.files[0].original_path} was catalogued meanwhile")

    monkeypatch.setattr(installation.catalog, "add_fileset", refuse)
    with pytest.raises(ConflictError, match="catalogued meanwhile"):
        _import(installation, ontology, write_eln(tmp_path / "race.eln", members))
    _nothing_written(installation)
    store = installation.store
    with store.writer_lock():
        leftovers = store.recover(installation.catalog.referenced_digests)
    assert leftovers.clean, leftovers  # no staged copy, journal or object was left behind
