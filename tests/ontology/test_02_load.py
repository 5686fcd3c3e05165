"""Loading a full ontology file offline: parsed with pronto, stored in the installation."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from imagesteward.errors import OntologyError
from imagesteward.ontology import install_ontology, installed_dir, load_index, parse_ontology

#: A release of a small imaging-methods ontology, as a facility would download it: a header
#: with an ``import:`` (that must never be fetched), terms with synonyms and definitions, an
#: obsolete term, one upper-level BFO class, and a term that re-labels a shipped one.
OBO = """\
format-version: 1.2
data-version: releases/2026-01-15
ontology: fbbi
import: http://purl.obolibrary.org/obo/bfo.owl

[Term]
id: BFO:0000015
name: process

[Term]
id: FBbi:00000246
name: fluorescence microscopy
synonym: "fluorescence light microscopy" EXACT []

[Term]
id: FBbi:00000251
name: confocal microscopy
is_a: FBbi:00000246 ! fluorescence microscopy

[Term]
id: FBbi:09990001
name: lattice light-sheet microscopy
def: "Light-sheet microscopy with a sheet formed by an optical lattice." []
synonym: "LLSM" EXACT []
is_a: FBbi:00000369 ! SPIM

[Term]
id: FBbi:09990002
name: expansion microscopy
synonym: "ExM" RELATED []
is_a: FBbi:00000246 ! fluorescence microscopy

[Term]
id: FBbi:09990003
name: retired method
is_obsolete: true
"""


@pytest.fixture
def obo_file(tmp_path: Path) -> Path:
    path = tmp_path / "fbbi-release.obo"
    path.write_text(OBO, encoding="utf-8")
    return path


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access during an offline load: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.usefixtures("offline")
def test_parse_keeps_the_main_prefix_and_skips_obsolete_terms(obo_file: Path) -> None:
    prefix, version, terms = parse_ontology(obo_file)
    assert (prefix, version) == ("FBbi", "releases/2026-01-15")
    by_id = {term.id: term for term in terms}
    assert set(by_id) == {"FBbi:00000246", "FBbi:00000251", "FBbi:09990001", "FBbi:09990002"}
    lattice = by_id["FBbi:09990001"]
    assert lattice.synonyms == ("LLSM",)
    assert lattice.parents == ("FBbi:00000369",)
    assert lattice.definition is not None and "optical lattice" in lattice.definition
    assert by_id["FBbi:09990002"].synonyms == ("ExM",)  # related synonyms count for finding
    bfo = parse_ontology(obo_file, "BFO")
    assert [t.label for t in bfo[2]] == ["process"]


@pytest.mark.usefixtures("offline")
def test_an_installed_ontology_extends_and_overrides_the_shipped_subset(
    obo_file: Path, tmp_path: Path
) -> None:
    home = tmp_path / "site"
    info = install_ontology(home, obo_file)
    assert (info.ontology, info.origin, info.term_count) == ("FBbi", "loaded", 4)
    assert info.version == "releases/2026-01-15"
    stored = json.loads((installed_dir(home) / "FBbi.json").read_text(encoding="utf-8"))
    assert stored["sources"][0]["file"] == "fbbi-release.obo"
    assert len(stored["sources"][0]["sha256"]) == 64

    index = load_index(home)
    assert index.get("FBbi:09990001").source == "FBbi"
    assert index.search("LLSM", ontology="FBbi")[0].id == "FBbi:09990001"
    assert index.get("FBbi:00000246").synonyms == ("fluorescence light microscopy",)
    # The loaded terms hang under the shipped hierarchy: descendants cross the two sources.
    below = index.descendants("FBbi:00000246")
    assert {"FBbi:09990001", "FBbi:09990002", "FBbi:00000253"} <= below
    # Shipped terms the file does not mention are still there.
    assert index.get("NCBITaxon:10090").label == "Mus musculus"
    assert index.get("FBbi:00000258").source == "fbbi"
    # Without the installation, only the shipped subsets.
    assert "FBbi:09990001" not in load_index()

    # Loading again replaces the earlier load of the same prefix.
    obo_file.write_text(OBO.replace("expansion microscopy", "expansion microscopy (ExM)"))
    install_ontology(home, obo_file)
    assert load_index(home).get("FBbi:09990002").label == "expansion microscopy (ExM)"
    assert [p.name for p in installed_dir(home).iterdir()] == ["FBbi.json"]


def test_unusable_files_are_refused_with_the_reason(tmp_path: Path, obo_file: Path) -> None:
    with pytest.raises(OntologyError, match="no such ontology file"):
        parse_ontology(tmp_path / "missing.obo")
    garbage = tmp_path / "garbage.owl"
    garbage.write_bytes(b"\x00\x01 this is not an ontology")
    with pytest.raises(OntologyError, match="cannot be read as an ontology"):
        parse_ontology(garbage)
    with pytest.raises(OntologyError, match=r"no term with prefix CL: \(found FBbi \(4\)"):
        parse_ontology(obo_file, "CL")
    assert not installed_dir(tmp_path).exists()


def test_a_damaged_stored_ontology_is_reported_not_ignored(tmp_path: Path) -> None:
    folder = installed_dir(tmp_path)
    folder.mkdir()
    (folder / "CL.json").write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(OntologyError, match=r"CL\.json: not an ontology subset"):
        load_index(tmp_path)
