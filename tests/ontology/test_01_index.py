"""The shipped subsets: look-up, autocomplete over labels and synonyms, hierarchy, validation."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from imagesteward.errors import UnknownTermError, WrongOntologyError
from imagesteward.ontology import OntologyIndex, Term, load_index, ontology_names


@pytest.fixture(scope="module")
def index() -> OntologyIndex:
    return load_index()


#: Identifiers and labels checked against the ontologies' own releases (see each subset's
#: ``sources``); a subset edited by hand that breaks one of these fails here.
KNOWN_TERMS = [
    ("FBbi:00000246", "fluorescence microscopy"),
    ("FBbi:00000251", "confocal microscopy"),
    ("FBbi:00000253", "spinning disk confocal microscopy"),
    ("FBbi:00000243", "bright-field microscopy"),
    ("FBbi:00000369", "SPIM"),
    ("FBbi:00000258", "transmission electron microscopy (TEM)"),
    ("FBbi:00050000", "focussed ion beam scanning electron microscopy (FIB-SEM)"),
    ("NCBITaxon:9606", "Homo sapiens"),
    ("NCBITaxon:10090", "Mus musculus"),
    ("NCBITaxon:7955", "Danio rerio"),
    ("NCBITaxon:7227", "Drosophila melanogaster"),
    ("NCBITaxon:6239", "Caenorhabditis elegans"),
    ("NCBITaxon:4932", "Saccharomyces cerevisiae"),
    ("NCBITaxon:3702", "Arabidopsis thaliana"),
    ("CL:0000540", "neuron"),
    ("CL:0000182", "hepatocyte"),
    ("CL:0000084", "T cell"),
    ("UBERON:0000955", "brain"),
    ("UBERON:0002113", "kidney"),
    ("UBERON:0002048", "lung"),
    ("GO:0005634", "nucleus"),
    ("GO:0005739", "mitochondrion"),
    ("GO:0005856", "cytoskeleton"),
    ("GO:0005622", "intracellular anatomical structure"),  # relabelled by GO in 2021
    ("CHEBI:51231", "DAPI"),
    ("FPbase:egfp", "EGFP"),
    ("FPbase:mcherry", "mCherry"),
]

#: The CURIE shape each ontology's identifiers have (the schema's patterns, stricter for CL...).
ID_SHAPES = {
    "FBbi": r"FBbi(_root)?:\d{8}",
    "NCBITaxon": r"NCBITaxon:\d+",
    "CL": r"CL:\d{7}",
    "UBERON": r"UBERON:\d{7}",
    "GO": r"GO:\d{7}",
    "CHEBI": r"CHEBI:\d+",
    "FPbase": r"FPbase:[a-z0-9-]+",
}


@pytest.mark.parametrize(("term_id", "label"), KNOWN_TERMS, ids=[t for t, _ in KNOWN_TERMS])
def test_known_terms_have_their_real_labels(index: OntologyIndex, term_id: str, label: str) -> None:
    assert index.get(term_id).label == label


def test_obsolete_terms_are_not_offered(index: OntologyIndex) -> None:
    assert "GO:0005623" not in index  # 'cell', obsolete in GO: use CL:0000000
    assert index.search("intracellular", ontology="GO")[0].id == "GO:0005622"


def test_every_shipped_subset_is_well_formed_and_documents_its_source() -> None:
    folder = resources.files("imagesteward.ontology.data")
    subsets = [entry for entry in folder.iterdir() if entry.name.endswith(".json")]
    assert len(subsets) == 7
    for entry in subsets:
        doc = json.loads(entry.read_text(encoding="utf-8"))
        assert doc["sources"], entry.name
        assert doc["term_count"] == len(doc["terms"])
        shape = re.compile(ID_SHAPES[doc["ontology"]])
        ids = [row[0] for row in doc["terms"]]
        assert len(ids) == len(set(ids)), entry.name
        for term_id, label, parents, synonyms, _ in doc["terms"]:
            assert shape.fullmatch(term_id), term_id
            assert label.strip() == label and label, term_id
            assert all(isinstance(s, str) and s for s in synonyms), term_id
            assert term_id not in parents, term_id


def test_autocomplete_matches_labels_prefixes_and_synonyms(index: OntologyIndex) -> None:
    # A prefix of a label word, restricted to one ontology, exact label first.
    confocal = index.search("confoc", ontology="FBbi")
    assert confocal[0].id == "FBbi:00000251"
    assert {t.id for t in confocal} >= {"FBbi:00000252", "FBbi:00000253"}
    # Synonyms: what people type is often not the ontology's preferred label.
    assert index.search("zebrafish")[0].id == "NCBITaxon:7955"
    assert index.search("house mouse")[0].id == "NCBITaxon:10090"
    assert index.search("cardiomyocyte", ontology="CL")[0].label == "cardiac muscle cell"
    assert index.search("sfGFP")[0].id == "FPbase:superfolder-gfp"
    # Case and word order do not matter; words may be prefixes.
    assert index.search("MICROSCOPY CONFOCAL disk")[0].id == "FBbi:00000253"
    # Text inside a word is found when nothing starts with it.
    assert "FBbi:00000251" in {t.id for t in index.search("onfocal", ontology="FBbi")}
    # Several ontologies at once, as the fluorophore slot asks.
    both = index.search("m", ontology="CHEBI|FPbase", limit=50)
    assert {t.ontology for t in both} == {"FPbase"}
    assert index.search("dapi", ontology=["CHEBI", "FPbase"])[0].id == "CHEBI:51231"


def test_search_limits_and_empty_queries(index: OntologyIndex) -> None:
    assert index.search("cell", limit=3) and len(index.search("cell", limit=3)) == 3
    assert index.search("", limit=10) == []
    assert index.search("   ") == []
    assert index.search("cell", limit=0) == []
    assert index.search("xyzzy-no-such-term") == []
    assert index.search("cell", ontology="NoSuchOntology") == []


def test_descendants_expand_a_method_to_everything_below_it(index: OntologyIndex) -> None:
    below = index.descendants("FBbi:00000246")  # fluorescence microscopy
    assert "FBbi:00000246" in below
    # confocal, spinning disk confocal (two levels down), two-photon, SPIM (light sheet)
    assert {"FBbi:00000251", "FBbi:00000253", "FBbi:00000254", "FBbi:00000369"} <= below
    assert "FBbi:00000258" not in below  # TEM is not fluorescence
    assert "FBbi:00000243" not in below  # nor is bright-field
    assert index.descendants("FBbi:00000253") == {"FBbi:00000253"}
    assert "FBbi:00000246" in index.ancestors("FBbi:00000253")
    assert "NCBITaxon:40674" in index.ancestors("NCBITaxon:10090")  # a mouse is a mammal
    assert "NCBITaxon:10090" in index.children("NCBITaxon:862507")
    with pytest.raises(UnknownTermError):
        index.descendants("FBbi:99999999")


def test_validation_refuses_unknown_and_wrong_ontology_terms(index: OntologyIndex) -> None:
    assert index.validate("NCBITaxon:10090", "NCBITaxon").label == "Mus musculus"
    assert index.validate("FPbase:egfp", "CHEBI|FPbase").ontology == "FPbase"
    with pytest.raises(WrongOntologyError, match=r"confocal microscopy\) is a FBbi term"):
        index.validate("FBbi:00000251", "NCBITaxon")
    with pytest.raises(WrongOntologyError, match="not a NCBITaxon identifier"):
        index.validate("XYZ:123", "NCBITaxon")
    with pytest.raises(UnknownTermError, match="steward ontology search") as unknown:
        index.validate("NCBITaxon:99999999", "NCBITaxon")
    assert unknown.value.details["term_id"] == "NCBITaxon:99999999"
    # The errors are also the builtins a generic caller catches.
    with pytest.raises(LookupError):
        index.get("GO:9999999")
    with pytest.raises(ValueError, match="GO term"):
        index.validate("GO:0005634", ["CHEBI", "FPbase"])


def test_later_terms_replace_earlier_ones_with_the_same_id() -> None:
    shipped = Term("X:1", "old label", ontology="X")
    loaded = Term("X:1", "new label", synonyms=("fresh",), parents=("X:0",), ontology="X")
    index = OntologyIndex([Term("X:0", "root", ontology="X"), shipped, loaded])
    assert len(index) == 2
    assert index.get("X:1").label == "new label"
    assert index.search("fresh")[0].id == "X:1"
    assert index.descendants("X:0") == {"X:0", "X:1"}
    assert "X:1" in index and "X:2" not in index


def test_ontology_names_accepts_the_slot_annotation_and_lists() -> None:
    assert ontology_names("CHEBI|FPbase") == ("CHEBI", "FPbase")
    assert ontology_names(" NCBITaxon ") == ("NCBITaxon",)
    assert ontology_names(["GO", ""]) == ("GO",)


def test_term_json_view(index: OntologyIndex) -> None:
    data = index.get("NCBITaxon:10090").to_dict()
    assert data["label"] == "Mus musculus" and "house mouse" in data["synonyms"]
    assert data["ontology"] == "NCBITaxon" and data["source"] == "ncbitaxon"
