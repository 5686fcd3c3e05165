"""Form descriptions generated from the schema."""

from __future__ import annotations

from imagesteward import model
from imagesteward.describe import form_fields


def test_study_form_follows_the_schema() -> None:
    fields = {field.path: field for field in form_fields(model.Study)}
    assert next(iter(fields)) == "title"
    title = fields["title"]
    assert (title.tier, title.required, title.kind) == (1, True, "text")
    organism = fields["biosamples[*].organism"]
    assert (organism.kind, organism.ontology, organism.tier) == ("term", "NCBITaxon", 1)
    fluorophore = fields["specimens[*].labels[*].fluorophore"]
    assert fluorophore.ontology == "CHEBI|FPbase"
    orcid = fields["authors[*].orcid"]
    assert (orcid.kind, orcid.pid_scheme) == ("pid", "ORCID")
    assert orcid.pattern is not None and orcid.pattern.startswith("^https://orcid")
    publications = fields["related_publications"]
    assert (publications.kind, publications.multivalued) == ("pid", True)
    assert fields["release_date"].kind == "date"
    assert fields["biosamples"].kind == "object" and fields["biosamples"].multivalued
    # Terms are leaves: their term_id and label are not separate form fields.
    assert "biosamples[*].organism.term_id" not in fields
    # Every field the schema has is there, with a description.
    assert all(field.description for field in fields.values())


def test_image_form_offers_choices_and_units() -> None:
    fields = {field.path: field for field in form_fields(model.Image)}
    mode = fields["acquisition.acquisition_mode"]
    assert mode.kind == "choice" and "SpinningDiskConfocal" in mode.choices
    assert fields["physical_size_x"].kind == "number"
    assert "micrometres" in fields["physical_size_x"].description
    assert fields["size_x"].kind == "integer"
    assert fields["acquisition.acquisition_date"].kind == "datetime"
    assert fields["acquisition.microscope.pidinst"].pid_scheme == "PIDINST"
    assert fields["channels[*].fluorophore"].kind == "term"
