"""Terms and PIDs in documents: only real terms of the right ontology, PIDs checked, normalised."""

from __future__ import annotations

import pytest

from imagesteward import model
from imagesteward.describe import check_document, resolve_term
from imagesteward.errors import OntologyError, UnknownTermError, WrongOntologyError
from imagesteward.ontology import OntologyIndex


def test_terms_are_found_by_identifier_name_or_synonym(index: OntologyIndex) -> None:
    assert resolve_term(index, "NCBITaxon:10090", "NCBITaxon").label == "Mus musculus"
    assert resolve_term(index, {"term_id": "GO:0005634"}, "GO").label == "nucleus"
    assert resolve_term(index, "Homo sapiens", "NCBITaxon").id == "NCBITaxon:9606"
    assert resolve_term(index, "zebrafish", "NCBITaxon").id == "NCBITaxon:7955"
    assert resolve_term(index, "egfp", "CHEBI|FPbase").id == "FPbase:egfp"
    assert resolve_term(index, "DAPI", "CHEBI|FPbase").id == "CHEBI:51231"
    # A label wins over another term's synonym: 'mouse' is a synonym of two taxa, but the
    # identifiers keep working when a name is ambiguous.
    with pytest.raises(OntologyError, match="names several NCBITaxon terms"):
        resolve_term(index, "mouse", "NCBITaxon")


def test_unknown_and_wrong_terms_are_refused_with_suggestions(index: OntologyIndex) -> None:
    with pytest.raises(UnknownTermError):
        resolve_term(index, "NCBITaxon:99999999", "NCBITaxon")
    with pytest.raises(WrongOntologyError, match="is a GO term"):
        resolve_term(index, "GO:0005634", "CHEBI|FPbase")
    with pytest.raises(WrongOntologyError, match=r"\(brain\) is a UBERON term"):
        resolve_term(index, "UBERON:0000955", "NCBITaxon")
    with pytest.raises(WrongOntologyError, match="not a NCBITaxon identifier"):
        resolve_term(index, "UBERON:9999999", "NCBITaxon")
    with pytest.raises(OntologyError, match=r"did you mean FBbi:00000251 \(confocal microscopy\)"):
        resolve_term(index, "confocal", "FBbi")
    with pytest.raises(OntologyError, match="search with 'steward ontology search"):
        resolve_term(index, "unobtainium", "CL")
    with pytest.raises(OntologyError, match="has no term_id"):
        resolve_term(index, {"label": "brain"}, "UBERON")


def test_a_study_document_is_normalised_throughout(index: OntologyIndex) -> None:
    document = {
        "title": "Mitosis",
        "authors": [{"name": "Ada", "orcid": "orcid.org/0000-0002-1825-0097"}],
        "related_publications": "doi:10.1038/nmeth.2019",
        "facility": {"name": "Core", "ror": "05dxps055"},
        "biosamples": [
            {"identifier": "b1", "organism": "human", "anatomical_entity": "UBERON:0000955"}
        ],
        "specimens": [
            {"identifier": "s1", "labels": [{"fluorophore": "mCherry", "labelled_structure": "ER"}]}
        ],
        "study_components": [{"name": "c", "imaging_method": "spinning disk confocal microscopy"}],
    }
    checked, problems = check_document(index, model.Study, document, target="study")
    assert problems == []
    assert checked["authors"][0]["orcid"] == "https://orcid.org/0000-0002-1825-0097"
    assert checked["related_publications"] == ["https://doi.org/10.1038/nmeth.2019"]
    assert checked["facility"]["ror"] == "https://ror.org/05dxps055"
    assert checked["biosamples"][0]["organism"] == {
        "term_id": "NCBITaxon:9606",
        "label": "Homo sapiens",
    }
    assert checked["biosamples"][0]["anatomical_entity"]["label"] == "brain"
    label = checked["specimens"][0]["labels"][0]
    assert label["fluorophore"] == {"term_id": "FPbase:mcherry", "label": "mCherry"}
    assert label["labelled_structure"]["term_id"] == "GO:0005783"
    assert checked["study_components"][0]["imaging_method"]["term_id"] == "FBbi:00000253"
    model.Study.model_validate(checked)  # what the catalog receives conforms to the schema


def test_every_problem_is_reported_with_its_path(index: OntologyIndex) -> None:
    document = {
        "title": "Mitosis",
        "authors": [{"name": "A", "orcid": "0000-0002-1825-0096"}, {"name": "B"}],
        "biosamples": [{"organism": "FBbi:00000251"}, {"organism": "NCBITaxon:10090"}],
        "specimens": [{"labels": [{"antibody_rrid": "RRID:XX_1"}]}],
    }
    checked, problems = check_document(index, model.Study, document, target="study")
    by_field = {problem.field: problem for problem in problems}
    assert set(by_field) == {
        "authors[0].orcid",
        "biosamples[0].organism",
        "specimens[0].labels[0].antibody_rrid",
    }
    assert "expected 7" in by_field["authors[0].orcid"].reason
    assert "is a FBbi term, but NCBITaxon is required" in by_field["biosamples[0].organism"].reason
    assert by_field["authors[0].orcid"].value == "0000-0002-1825-0096"
    assert checked["biosamples"][1]["organism"]["label"] == "Mus musculus"
