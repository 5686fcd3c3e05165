"""Study descriptions: round trip, revisions, identifiers, image lists, references, change log."""

from __future__ import annotations

from typing import Any

import pytest

from imagesteward import model
from imagesteward.catalog import Catalog, FieldProblem, ImageAnnotation
from imagesteward.errors import ConflictError, MetadataValidationError, NotFoundError
from tests.catalog.factories import bare_image, confocal_image, fileset


def study(**changes: Any) -> model.Study:
    """A REMBI study of HeLa mitosis with two biosamples and one specimen."""
    values: dict[str, Any] = {
        "title": "Mitotic spindle orientation in HeLa cells",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "authors": [
            model.Person(name="Ada Lovelace", orcid="https://orcid.org/0000-0002-1825-0097")
        ],
        "biosamples": [
            model.Biosample(
                identifier="hela-wt",
                organism=model.NCBITaxonTerm(term_id="NCBITaxon:9606", label="Homo sapiens"),
                biological_entity="HeLa cells",
            ),
            model.Biosample(identifier="hela-ko", biological_entity="HeLa LGN knock-out"),
        ],
        "specimens": [
            model.Specimen(identifier="pfa", sample_preparation_protocol="4% PFA, 10 min")
        ],
    }
    values.update(changes)
    return model.Study(**values)


def problems_of(error: pytest.ExceptionInfo[MetadataValidationError]) -> list[FieldProblem]:
    found: list[FieldProblem] = error.value.details["problems"]
    return found


def test_a_new_project_has_no_study_and_an_unknown_one_is_refused(catalog: Catalog) -> None:
    catalog.add_fileset(fileset("/data/a.czi"))
    assert catalog.get_study("Mitosis") is None
    with pytest.raises(NotFoundError, match=r"No project 'Nope'.*Mitosis"):
        catalog.get_study("Nope")
    with pytest.raises(NotFoundError, match="Nope"):
        catalog.save_study("Nope", study())


def test_study_round_trip_and_revisions(catalog: Catalog) -> None:
    catalog.add_fileset(fileset("/data/a.czi"))
    first = catalog.save_study("Mitosis", study(), by="ada")
    assert first.revision == 1 and first.updated_by == "ada"
    stored = catalog.get_study("Mitosis")
    assert stored is not None
    assert stored.document == study()
    assert stored.created_at.tzinfo is not None

    unchanged = catalog.save_study("Mitosis", study(), by="bob")
    assert unchanged.revision == 1 and unchanged.updated_by == "ada"

    second = catalog.save_study("Mitosis", study(keywords=["mitosis"]), by="bob")
    assert second.revision == 2 and second.updated_by == "bob"
    with pytest.raises(ConflictError, match="revision 2, not 1"):
        catalog.save_study("Mitosis", study(keywords=["spindle"]), expected_revision=1)
    assert catalog.save_study("Mitosis", study(), expected_revision=2).revision == 3


def test_each_study_change_is_logged_by_field(catalog: Catalog) -> None:
    catalog.add_fileset(fileset("/data/a.czi"))
    catalog.save_study("Mitosis", study(), by="ada", reason="first description")
    catalog.save_study("Mitosis", study(title="Spindle orientation"), by="bob")
    newest, oldest = catalog.metadata_changes(project="Mitosis")
    assert (newest.changed_by, oldest.changed_by) == ("bob", "ada")
    assert oldest.reason == "first description"
    assert [(c.field, c.old, c.new) for c in newest.changes] == [
        ("title", "Mitotic spindle orientation in HeLa cells", "Spindle orientation")
    ]
    assert {"biosamples[0].organism.term_id", "title"} <= {c.field for c in oldest.changes}


def test_invalid_studies_are_refused_with_every_problem(catalog: Catalog) -> None:
    catalog.add_fileset(fileset("/data/a.czi"))
    bad: dict[str, Any] = study().model_dump(mode="json", exclude_none=True)
    bad["biosamples"][0]["organism"]["term_id"] = "FBbi:00000251"
    bad["related_publications"] = ["10.1038/x"]
    with pytest.raises(MetadataValidationError, match="Nothing was changed") as error:
        catalog.save_study("Mitosis", bad)
    fields = {problem.field for problem in problems_of(error)}
    assert fields == {"biosamples[0].organism.term_id", "related_publications"}
    assert catalog.get_study("Mitosis") is None


def test_identifiers_are_unique_and_image_lists_name_images_of_the_project(
    catalog: Catalog,
) -> None:
    mine = catalog.add_fileset(fileset("/data/a.czi")).image_uuids[0]
    theirs = catalog.add_fileset(fileset("/data/b.czi", project="Other")).image_uuids[0]
    twice = study(specimens=[model.Specimen(identifier="pfa"), model.Specimen(identifier="pfa")])
    with pytest.raises(MetadataValidationError) as error:
        catalog.save_study("Mitosis", twice)
    assert [p.field for p in problems_of(error)] == [
        "specimens[0].identifier",
        "specimens[1].identifier",
    ]

    components = [model.StudyComponent(name="fixed", image_ids=[mine, theirs])]
    with pytest.raises(MetadataValidationError) as error:
        catalog.save_study("Mitosis", study(study_components=components))
    (problem,) = problems_of(error)
    assert (problem.field, problem.value) == ("study_components[0].image_ids[1]", theirs)
    components = [model.StudyComponent(name="fixed", image_ids=[mine])]
    saved = catalog.save_study("Mitosis", study(study_components=components))
    assert saved.document.study_components is not None


def test_referenced_biosamples_cannot_disappear_unless_re_pointed(catalog: Catalog) -> None:
    uuid = catalog.add_fileset(fileset("/data/a.czi")).image_uuids[0]
    catalog.save_study("Mitosis", study())
    catalog.annotate_images([ImageAnnotation(uuid, {"biosample_ref": "hela-ko"})])
    only_wild_type = study(biosamples=study().biosamples[:1])  # type: ignore[index]
    with pytest.raises(MetadataValidationError, match="still refer to it") as error:
        catalog.save_study("Mitosis", only_wild_type)
    assert problems_of(error)[0].value == "hela-ko"
    # Re-pointing the image in the same call makes the removal safe, atomically.
    catalog.save_study(
        "Mitosis", only_wild_type, annotations=[ImageAnnotation(uuid, {"biosample_ref": "hela-wt"})]
    )
    assert catalog.get_image(uuid).document.biosample_ref == "hela-wt"


def test_a_study_and_its_annotations_are_one_transaction(catalog: Catalog) -> None:
    uuid = catalog.add_fileset(fileset("/data/a.czi")).image_uuids[0]
    with pytest.raises(MetadataValidationError, match="not a specimen"):
        catalog.save_study(
            "Mitosis", study(), annotations=[ImageAnnotation(uuid, {"specimen_ref": "nope"})]
        )
    assert catalog.get_study("Mitosis") is None
    assert catalog.metadata_changes(project="Mitosis") == []


def test_dry_run_checks_everything_and_writes_nothing(catalog: Catalog) -> None:
    uuid = catalog.add_fileset(fileset("/data/a.czi", images=[bare_image()])).image_uuids[0]
    record = catalog.save_study(
        "Mitosis",
        study(),
        annotations=[ImageAnnotation(uuid, {"biosample_ref": "hela-wt"})],
        dry_run=True,
    )
    assert record.revision == 1
    assert catalog.get_study("Mitosis") is None
    assert catalog.get_image(uuid).document.biosample_ref is None


def test_studies_are_per_project(catalog: Catalog) -> None:
    catalog.add_fileset(fileset("/data/a.czi"))
    catalog.add_fileset(fileset("/data/b.czi", images=[confocal_image()], project="Other"))
    catalog.save_study("Mitosis", study())
    catalog.save_study("Other", study(title="Another study"))
    mitosis, other = catalog.get_study("Mitosis"), catalog.get_study("Other")
    assert mitosis is not None and other is not None
    assert (mitosis.document.title, other.document.title) == (study().title, "Another study")
