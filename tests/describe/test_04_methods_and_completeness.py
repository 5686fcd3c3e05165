"""Materials & Methods for the demo datasets, checked against expected prose; completeness."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imagesteward.catalog import Catalog, ImageAnnotation
from imagesteward.describe import (
    dataset_methods,
    describe_study,
    image_completeness,
    methods_text,
    project_completeness,
)
from imagesteward.errors import NotFoundError
from imagesteward.installation import open_installation
from imagesteward.ontology import OntologyIndex

EXPECTED = Path(__file__).parent / "methods"

DATASETS = [
    ("Demo: cell biology", "Fixed cells"),
    ("Demo: cell biology", "Live imaging"),
    ("Demo: cell biology", "Screening"),
    ("Demo: cell dynamics", "Live 4D imaging"),
    ("Demo: electron microscopy", "TEM sections"),
    ("Demo: histology", "H&E sections"),
]


def _slug(project: str, dataset: str) -> str:
    text = f"{project.removeprefix('Demo: ')} {dataset}".lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@pytest.mark.parametrize(("project", "dataset"), DATASETS, ids=[d for _, d in DATASETS])
def test_methods_of_each_demo_dataset_read_as_expected(
    demo_site: Path, project: str, dataset: str
) -> None:
    with open_installation(demo_site) as installation:
        text = dataset_methods(installation.catalog, project, dataset)
    expected = (EXPECTED / f"{_slug(project, dataset)}.txt").read_text(encoding="utf-8")
    assert text.text() == expected
    # Markdown carries the same prose and lists what is missing.
    markdown = text.markdown()
    assert markdown.startswith("### Image acquisition\n\n")
    for paragraph in text.paragraphs:
        assert paragraph in markdown
    assert all(f"- {item}\n" in markdown for item in text.missing)


def _silence_the_tem_image(catalog: Catalog) -> None:
    """Take back the demo's imaging method of the TEM image (its file names none) and study's."""
    project = "Demo: electron microscopy"
    (image,) = catalog.list_images(project=project).items
    catalog.annotate_images([ImageAnnotation(image.uuid, {"acquisition.imaging_method": None})])
    study = catalog.get_study(project)
    assert study is not None
    document = study.document.model_dump(mode="json", exclude_none=True)
    del document["study_components"]
    catalog.save_study(project, document)


def test_missing_facts_are_named_never_invented(demo_copy: Path) -> None:
    with open_installation(demo_copy) as installation:
        described = dataset_methods(installation.catalog, "Demo: electron microscopy")
        _silence_the_tem_image(installation.catalog)
        em = dataset_methods(installation.catalog, "Demo: electron microscopy")
    # The demo names the method; the microscope stays unnamed, as the file leaves it.
    assert "by transmission electron microscopy (TEM)." in described.paragraphs[0]
    assert "the microscope (manufacturer and model)" in described.missing
    # The TEM file says nothing about its instrument: no microscope, no mode is made up.
    assert "microscope that the metadata do not name" in em.paragraphs[0]
    assert "electron" not in em.paragraphs[0] and "objective" not in em.paragraphs[0]
    assert "the microscope (manufacturer and model)" in em.missing
    assert "the imaging method (acquisition mode or FBbi term)" in em.missing
    assert not any("objective" in item for item in em.missing)  # an EM may have none


def test_an_electron_micrograph_is_not_asked_for_light(demo_copy: Path) -> None:
    light = {
        "acquisition.objective",
        "channels[0].excitation_wavelength",
        "channels[0].emission_wavelength",
    }
    with open_installation(demo_copy) as installation:
        catalog = installation.catalog
        (image,) = catalog.list_images(project="Demo: electron microscopy").items
        described = image_completeness(image.document, image.uuid)
        _silence_the_tem_image(catalog)
        silent = image_completeness(catalog.get_image(image.id).document, image.uuid)
    # Annotated as TEM, the image is not scored on objectives and wavelengths it cannot have;
    # a file that says nothing of its method cannot be told from a light micrograph.
    assert light.isdisjoint(m.path for m in described.missing)
    assert light <= {m.path for m in silent.missing}
    assert described.score(1).expected < silent.score(1).expected


def test_study_and_identifiers_complete_the_text(demo_copy: Path, index: OntologyIndex) -> None:
    with open_installation(demo_copy) as installation:
        catalog = installation.catalog
        describe_study(
            catalog,
            index,
            "Demo: histology",
            {
                "title": "Colon morphology",
                "facility": {"name": "Imaging Core of Demo University", "ror": "05dxps055"},
                "acknowledgements": "We thank the Imaging Core staff (RRID:SCR_017873).",
            },
            merge=True,
        )
        image = catalog.list_images(project="Demo: histology").items[0]
        catalog.annotate_images(
            [
                ImageAnnotation(
                    image.uuid,
                    {
                        "acquisition.microscope.rrid": "RRID:SCR_018753",
                        "acquisition.acquisition_software": {"name": "VS200 ASW", "version": "4.1"},
                    },
                )
            ]
        )
        text = dataset_methods(catalog, "Demo: histology")
    assert "(serial number DEMO-VS200-0093, RRID:SCR_018753)" in text.paragraphs[0]
    assert text.paragraphs[0].endswith("Acquisition was controlled with VS200 ASW 4.1.")
    assert text.paragraphs[1] == (
        "Imaging was performed at the Imaging Core of Demo University "
        "(https://ror.org/05dxps055). We thank the Imaging Core staff (RRID:SCR_017873)."
    )
    assert text.missing == ()


def test_the_study_method_fills_in_for_silent_files(demo_copy: Path, index: OntologyIndex) -> None:
    with open_installation(demo_copy) as installation:
        _silence_the_tem_image(installation.catalog)
        describe_study(
            installation.catalog,
            index,
            "Demo: electron microscopy",
            {"title": "Sections", "study_components": [{"imaging_method": "FBbi:00000258"}]},
            merge=True,
        )
        text = dataset_methods(installation.catalog, "Demo: electron microscopy")
    assert text.paragraphs[0].startswith(
        "One image was acquired on a microscope that the metadata do not name by "
        "transmission electron microscopy (TEM)."
    )
    assert "the imaging method (acquisition mode or FBbi term)" not in text.missing


def test_without_images_only_the_gaps_remain() -> None:
    empty = methods_text([])
    assert empty.paragraphs == ()
    assert empty.missing == ("the imaging facility (and its RRID, for the acknowledgement)",)


def test_unknown_dataset_is_refused(demo_site: Path) -> None:
    with (
        open_installation(demo_site) as installation,
        pytest.raises(NotFoundError, match="No images in 'Demo: histology', dataset 'nope'"),
    ):
        dataset_methods(installation.catalog, "Demo: histology", "nope")


def test_project_completeness_per_tier(demo_copy: Path, index: OntologyIndex) -> None:
    with open_installation(demo_copy) as installation:
        catalog = installation.catalog
        before = project_completeness(catalog, "Demo: cell biology", per_image=True)
        assert not before.ready
        assert [d.subject for d in before.datasets] == [
            "Demo: cell biology/Fixed cells",
            "Demo: cell biology/Live imaging",
            "Demo: cell biology/Screening",
        ]
        assert len(before.images) == 8
        # The demo describes the study but for one fact the shipped taxa cannot state: the
        # organism of the MDCK-like epithelial cells.
        study_one = before.study.score(1)
        assert study_one.filled == study_one.expected - 1
        (study_gap,) = [m for m in before.study.missing if m.tier == 1]
        assert study_gap.path == "biosamples[1].organism"
        assert "steward describe study" in study_gap.where
        screening = before.datasets[2]
        assert "biosample_ref" not in {m.path for m in screening.missing}
        gap = next(m for m in screening.missing if m.path == "channels[*].filter_set.name")
        assert (gap.count, gap.of) == (4, 4)
        assert "steward describe annotate IMAGE --set channels[*].filter_set.name" in gap.where
        # A viewer who may see some datasets only is scored (and described) on those.
        some = project_completeness(
            catalog, "Demo: cell biology", per_image=True, datasets={"Screening"}
        )
        assert [d.subject for d in some.datasets] == ["Demo: cell biology/Screening"]
        assert len(some.images) == 4
        live = dataset_methods(catalog, "Demo: cell biology", datasets={"Live imaging"})
        assert live.paragraphs[0].startswith("One image was acquired on a Nikon")
        assert "time-lapse series of 24 time points every 5 min" in live.paragraphs[0]
        describe_study(
            catalog,
            index,
            "Demo: cell biology",
            {"biosamples": [{"identifier": "epithelium", "organism": "Homo sapiens"}]},
            merge=True,
        )
        after = project_completeness(catalog, "Demo: cell biology", required_tier=1)
        assert after.study.score(1).percent > before.study.score(1).percent
        assert after.study.complete(1)
        data = after.as_json()
        assert data["required_tier"] == 1 and data["study"]["kind"] == "study"
        assert data["datasets"][0]["scores"][0]["tier"] == 1
    with (
        open_installation(demo_copy) as installation,
        pytest.raises(NotFoundError, match="No project 'Nope'"),
    ):
        project_completeness(installation.catalog, "Nope")
