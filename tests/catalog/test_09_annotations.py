"""Image annotations: study references, gaps filled, captured facts protected, all or nothing."""

from __future__ import annotations

import pytest

from imagesteward.catalog import Catalog, FieldProblem, ImageAnnotation
from imagesteward.errors import MetadataValidationError
from tests.catalog.factories import bare_image, confocal_image, fileset
from tests.catalog.test_08_studies import study

FLUORESCENCE = {"term_id": "FBbi:00000246", "label": "fluorescence microscopy"}


@pytest.fixture
def described(catalog: Catalog) -> tuple[str, str]:
    """Two images (a captured confocal stack, a bare TIFF) of a described project."""
    record = catalog.add_fileset(fileset("/data/a.czi", images=[confocal_image(0), bare_image(1)]))
    catalog.save_study("Mitosis", study())
    confocal, bare = record.image_uuids
    return confocal, bare


def problems(error: pytest.ExceptionInfo[MetadataValidationError]) -> list[FieldProblem]:
    found: list[FieldProblem] = error.value.details["problems"]
    return found


def test_references_and_gaps_are_written_validated_and_logged(
    catalog: Catalog, described: tuple[str, str]
) -> None:
    _, bare = described
    (record,) = catalog.annotate_images(
        [
            ImageAnnotation(
                bare,
                {
                    "biosample_ref": "hela-wt",
                    "specimen_ref": "pfa",
                    "acquisition.imaging_method": FLUORESCENCE,
                    "acquisition.objective.lens_na": 1.4,
                },
            )
        ],
        by="ada",
        reason="spreadsheet import",
    )
    assert record.document.biosample_ref == "hela-wt"
    # The promoted columns follow the document.
    assert (record.imaging_method_id, record.objective_na) == ("FBbi:00000246", 1.4)
    again = catalog.get_image(bare)
    assert again.document == record.document and again.objective_na == 1.4
    (change,) = catalog.metadata_changes(image=bare)
    assert (change.subject, change.changed_by, change.reason) == (
        "image",
        "ada",
        "spreadsheet import",
    )
    assert {(c.field, c.old, c.new) for c in change.changes} == {
        ("biosample_ref", None, "hela-wt"),
        ("specimen_ref", None, "pfa"),
        ("acquisition.imaging_method.term_id", None, "FBbi:00000246"),
        ("acquisition.imaging_method.label", None, "fluorescence microscopy"),
        ("acquisition.objective.lens_na", None, 1.4),
    }


def test_captured_facts_are_protected_unless_explicitly_allowed(
    catalog: Catalog, described: tuple[str, str]
) -> None:
    confocal, _ = described
    for values in (
        {"acquisition.objective.lens_na": 1.2},
        {"acquisition.objective": None},
        {"channels[0].excitation_wavelength": 400.0},
        {"acquisition.imaging_method": FLUORESCENCE},
    ):
        with pytest.raises(MetadataValidationError, match="captured from the original file"):
            catalog.annotate_images([ImageAnnotation(confocal, values)])
    # Adding to a captured object without changing what it holds is filling a gap.
    catalog.annotate_images(
        [ImageAnnotation(confocal, {"acquisition.objective.serial_number": "X1"})]
    )
    (record,) = catalog.annotate_images(
        [ImageAnnotation(confocal, {"acquisition.objective.lens_na": 1.2})],
        allow_captured=True,
        by="facility manager",
    )
    assert record.objective_na == 1.2 and record.document.acquisition.objective.lens_na == 1.2  # type: ignore[union-attr]


def test_fields_a_person_set_stay_editable(catalog: Catalog, described: tuple[str, str]) -> None:
    _, bare = described
    catalog.annotate_images([ImageAnnotation(bare, {"acquisition.imaging_method": FLUORESCENCE})])
    confocal_method = {"term_id": "FBbi:00000251", "label": "confocal microscopy"}
    (record,) = catalog.annotate_images(
        [
            ImageAnnotation(
                bare, {"acquisition.imaging_method": confocal_method, "biosample_ref": "hela-wt"}
            )
        ]
    )
    assert record.imaging_method_id == "FBbi:00000251"
    catalog.annotate_images([ImageAnnotation(bare, {"biosample_ref": "hela-ko"})])
    (record,) = catalog.annotate_images([ImageAnnotation(bare, {"biosample_ref": None})])
    assert record.document.biosample_ref is None


def test_nothing_is_applied_when_any_annotation_is_wrong(
    catalog: Catalog, described: tuple[str, str]
) -> None:
    confocal, bare = described
    with pytest.raises(MetadataValidationError, match="4 problem") as error:
        catalog.annotate_images(
            [
                ImageAnnotation(bare, {"biosample_ref": "hela-wt"}),
                ImageAnnotation(confocal, {"biosample_ref": "mouse"}),
                ImageAnnotation(confocal, {"channels[5].fluorophore": None}),
                ImageAnnotation(
                    "0123abcd-0000-0000-0000-000000000000", {"biosample_ref": "hela-wt"}
                ),
                ImageAnnotation(bare, {"acquisition.imaging_method": {"term_id": "GO:0005874"}}),
            ]
        )
    found = {(p.index, p.field): p.reason for p in problems(error)}
    assert "not a biosample of the study (known: hela-ko, hela-wt)" in found[(1, "biosample_ref")]
    assert "channels has 2 item(s); there is no item 5" in found[(2, "channels[5].fluorophore")]
    assert "No image with UUID" in found[(3, "")]
    assert "term_id" in found[(4, "acquisition.imaging_method.term_id")]
    assert catalog.get_image(bare).document.biosample_ref is None
    assert catalog.metadata_changes(project="Mitosis")[0].subject == "study"


def test_a_project_without_study_has_nothing_to_refer_to(catalog: Catalog) -> None:
    (uuid,) = catalog.add_fileset(
        fileset("/data/x.tif", images=[bare_image()], project="P")
    ).image_uuids
    with pytest.raises(MetadataValidationError, match="no study description yet"):
        catalog.annotate_images([ImageAnnotation(uuid, {"biosample_ref": "b1"})])


def test_malformed_paths_and_unchanged_values(catalog: Catalog, described: tuple[str, str]) -> None:
    confocal, _ = described
    with pytest.raises(MetadataValidationError, match="not a field path"):
        catalog.annotate_images([ImageAnnotation(confocal, {"channels.0": 1})])
    # Setting a captured value to what it already is changes nothing and logs nothing.
    assert (
        catalog.annotate_images([ImageAnnotation(confocal, {"acquisition.objective.lens_na": 1.4})])
        == []
    )
    assert catalog.metadata_changes(image=confocal) == []


def test_annotating_by_id_renames_a_channel_when_allowed(
    catalog: Catalog, described: tuple[str, str]
) -> None:
    confocal, _ = described
    image_id = catalog.get_image(confocal).id
    (record,) = catalog.annotate_images(
        [
            ImageAnnotation(
                image_id, {"channels[1].name": "EGFP-tubulin", "channels[1].color": "#00FF00"}
            )
        ],
        allow_captured=True,
    )
    assert record.document.channels[1].name == "EGFP-tubulin"  # type: ignore[index]
    assert record.document.channels[1].color == "#00FF00"  # type: ignore[index]
    assert catalog.get_image(image_id).document == record.document
