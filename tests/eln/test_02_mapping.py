"""Mapping crates onto the model, without a catalog: the corpus archives and a rich crate."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from imagesteward.eln import (
    ArchiveLimits,
    Crate,
    CratePlan,
    open_archive,
    parse_crate,
    plan_crate,
)
from imagesteward.eln._crate import types_of
from imagesteward.eln._instruments import LinkedInstrument, microscope_annotations
from imagesteward.ontology import OntologyIndex
from tests.conftest import corpus_items
from tests.eln.crates import ORCID, PIDINST, ROR, rich_crate, write_eln

ELN = corpus_items("eln")


def _plan(path: Path, ontology: OntologyIndex) -> tuple[CratePlan, set[str], Crate]:
    from imagesteward.describe._checks import resolve_term

    def organism(value: Any) -> dict[str, str]:
        term = resolve_term(ontology, value, "NCBITaxon")
        return {"term_id": term.id, "label": term.label}

    with open_archive(path) as archive:
        data = archive.read(archive.members["ro-crate-metadata.json"])
        crate = parse_crate(path, data, ArchiveLimits())
        members = set(archive.members)
    plan = plan_crate(crate, members, fallback_title=path.stem, organisms=organism)
    return plan, members, crate


@pytest.mark.parametrize("item", ELN, ids=[i.id for i in ELN])
def test_corpus_crates_account_for_every_entity(item: Any, ontology: OntologyIndex) -> None:
    plan, members, crate = _plan(item.path, ontology)
    expected = item.expected
    types = Counter(t for entity in crate.entities.values() for t in types_of(entity))
    assert types == expected["entity_type_counts"]
    assert plan.conforms_to == expected["conformsTo"]["@id"]
    assert plan.exported_by == expected["publisher"]["name"]
    assert plan.study["title"] == expected["root_dataset"]["name"]
    assert plan.study["description"] == expected["root_dataset"]["description"]
    # Every entity of the graph is either mapped or reported, once.
    accounted = [m.entity_id for m in plan.mapped] + [u.entity_id for u in plan.unmapped]
    assert sorted(accounted) == sorted(crate.entities)
    # Every File entity names a file of the zip.
    assert len(plan.file_entities) == expected["file_entities_present_in_zip"]
    assert set(plan.file_entities) <= members
    assert len(members) == expected["zip_entries"] - (
        1 if "metadatapp" in item.relpath else 0  # its zip lists the crate folder itself
    )


def test_metadatapp_crate(ontology: OntologyIndex) -> None:
    (item,) = [i for i in ELN if "metadatapp" in i.relpath]
    plan, _, _ = _plan(item.path, ontology)
    assert plan.study["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert plan.study["release_date"] == "2026-06-16"
    assert plan.unmapped == []
    targets = Counter(m.target for m in plan.mapped)
    assert targets == {"file": 22, "study": 1, "study.license": 1, "crate": 1, "exported by": 1}


def test_scilog_crate(ontology: OntologyIndex) -> None:
    (item,) = [i for i in ELN if "scilog" in i.relpath]
    plan, _, _ = _plan(item.path, ontology)
    assert plan.study["authors"] == [{"name": "omkar.zade@psi.ch", "email": "omkar.zade@psi.ch"}]
    assert "license" not in plan.study
    assert plan.study["study_components"] == [
        {"name": "logbook-001", "description": "test new logbook"}
    ]
    # The logbook holds the JPEG and the PDF through its messages.
    assert plan.component_files == [
        {
            "696e3f8bd55e4c64c058ceac/696e3f8b61107b830b1eff20.jpeg",
            "696e3faad55e4c82fc58ceae/696e3fa961107b830b1eff24.pdf",
        }
    ]
    unmapped = {u.entity_id: u for u in plan.unmapped}
    assert "No license" in unmapped["#license"].reason
    messages = [u for u in plan.unmapped if "Message" in u.types or "Comment" in u.types]
    assert len(messages) == 7
    assert all("notebook entry" in u.reason for u in messages)
    person = next(m for m in plan.mapped if m.entity_id == "person://omkar.zade@psi.ch")
    assert person.target == "study.authors[0]"
    assert person.notes == ("no name in the crate: named by the e-mail address",)


def test_rich_crate(tmp_path: Path, ontology: OntologyIndex) -> None:
    plan, _, _ = _plan(write_eln(tmp_path / "rich.eln", rich_crate()), ontology)
    study = plan.study
    assert study["title"] == "Mitosis in HeLa cells"
    assert study["keywords"] == ["mitosis", "HeLa"]
    assert study["release_date"] == "2025-03-01"
    josiah, ann = study["authors"]
    assert josiah == {
        "name": "Josiah Carberry",
        "orcid": ORCID,
        "email": "josiah@example.org",
        "affiliation": {"name": "California Institute of Technology", "ror": ROR},
    }
    assert ann == {"name": "Ann Other"}  # its ORCID fails the check digit
    hela, liver = study["biosamples"]
    assert hela["identifier"] == "S-1"
    assert hela["organism"] == {"term_id": "NCBITaxon:9606", "label": "Homo sapiens"}
    assert hela["intrinsic_variables"] == ["passage: 12"]
    assert liver == {"identifier": "samples/mouse", "biological_entity": "Mouse liver"}
    assert study["specimens"] == [
        {
            "identifier": "SP-1",
            "sample_preparation_protocol": "Fixed in 4% PFA, mounted in ProLong Gold",
        }
    ]
    assert plan.sample_files == {"S-1": {"data/cells.tif"}, "samples/mouse": set()}
    assert plan.specimen_files == {"SP-1": {"data/cells.tif"}}
    assert plan.component_files == [{"data/cells.tif", "data/notes.csv"}]
    mapped = {m.entity_id: m for m in plan.mapped}
    assert mapped["#ann"].notes == (
        "ORCID 'https://orcid.org/0000-0002-1825-0098' dropped: has a wrong check digit: "
        "expected 7",
    )
    assert "several NCBITaxon terms" in mapped["./samples/mouse/"].notes[0]
    assert mapped[ROR].target == "study.authors[0].affiliation"
    assert mapped["#passage"].target.endswith("intrinsic_variables")
    reasons = {u.entity_id: u.reason for u in plan.unmapped}
    assert set(reasons) == {"#lonely", "https://example.org/paper.pdf", "./missing.txt"}
    # Instruments are settled by the import, once it knows which files are images.
    lsm, old = plan.instruments
    assert (lsm.entity_id, old.entity_id) == ("#lsm", "#old-scope")
    assert lsm.microscope == {
        "instrument_name": "LSM 880 room 2.14",
        "manufacturer": "Carl Zeiss Microscopy",
        "model": "LSM 880",
        "serial_number": "2801000123",
        "pidinst": PIDINST,
    }
    assert lsm.files == {"data/cells.tif", "data/notes.csv"}
    assert (old.microscope, old.files) == ({"instrument_name": "Axiovert 200"}, set())
    assert mapped["#zeiss"].target == "manufacturer of #lsm"
    assert "web resource" in reasons["https://example.org/paper.pdf"]
    assert "no such file" in reasons["./missing.txt"]


def test_a_microscope_the_file_names_is_kept() -> None:
    instrument = LinkedInstrument("#lsm", ("IndividualProduct",), {"model": "LSM 880"})
    values, why = microscope_annotations(instrument, {"manufacturer": "Leica", "model": "SP8"})
    assert values == {}
    assert why == "the image file already names its microscope (Leica, SP8); kept as captured"
    values, why = microscope_annotations(instrument, {"instrument_name": "room 2"})
    assert (values, why) == ({"acquisition.microscope.model": "LSM 880"}, None)
