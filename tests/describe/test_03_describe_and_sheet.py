"""Describing a project: studies from documents and templates, and the spreadsheet round trip."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from imagesteward.catalog import Catalog, ImageAnnotation
from imagesteward.describe import (
    SheetProblem,
    annotate_images,
    describe_study,
    export_sheet,
    import_sheet,
)
from imagesteward.errors import MetadataValidationError
from imagesteward.ontology import OntologyIndex

STUDY: dict[str, Any] = {
    "title": "Mitotic spindles in HeLa cells",
    "license": "https://creativecommons.org/licenses/by/4.0/",
    "authors": [{"name": "Ada Lovelace", "orcid": "0000-0002-1825-0097"}],
    "biosamples": [
        {"identifier": "hela", "organism": "Homo sapiens", "biological_entity": "HeLa cells"}
    ],
    "specimens": [
        {
            "identifier": "pfa",
            "sample_preparation_protocol": "4% PFA, 10 min; Triton X-100 0.1%",
            "labels": [{"labelled_structure": "nucleus", "fluorophore": "DAPI"}],
        }
    ],
}


def problems_of(error: pytest.ExceptionInfo[MetadataValidationError]) -> list[Any]:
    found: list[Any] = error.value.details["problems"]
    return found


def test_a_study_from_a_template_and_a_document(catalog: Catalog, index: OntologyIndex) -> None:
    result = describe_study(
        catalog, index, "Mitosis", STUDY, template="fixed-cell-widefield", by="ada"
    )
    stored = catalog.get_study("Mitosis")
    assert stored is not None and stored.revision == 1 and stored.updated_by == "ada"
    study = stored.document
    assert study.authors and study.authors[0].orcid == "https://orcid.org/0000-0002-1825-0097"
    assert study.biosamples and study.biosamples[0].organism is not None
    assert study.biosamples[0].organism.term_id == "NCBITaxon:9606"
    # The template's facts are merged under the document's (its specimen gains the mechanism).
    assert study.study_components and study.study_components[0].imaging_method is not None
    assert study.study_components[0].imaging_method.label == "fluorescence microscopy"
    assert study.specimens and study.specimens[0].signal_contrast_mechanism == "fluorescence"
    labels = study.specimens[0].labels or []
    assert labels[0].fluorophore is not None and labels[0].fluorophore.term_id == "CHEBI:51231"
    # What the template asks for and the document does not give is reported.
    assert {ask.path for ask in result.missing} == {
        "biosamples[0].cell_type",
        "specimens[0].fixation",
        "specimens[0].mounting_medium",
    }


def test_unknown_terms_and_bad_pids_refuse_the_whole_study(
    catalog: Catalog, index: OntologyIndex
) -> None:
    wrong = {
        **STUDY,
        "authors": [{"name": "Ada", "orcid": "0000-0002-1825-0096"}],
        "biosamples": [{"identifier": "hela", "organism": "NCBITaxon:99999999"}],
        "related_publications": ["10.1038/nmeth.2019", "11.1/x"],
    }
    with pytest.raises(MetadataValidationError, match="3 problem") as refused:
        describe_study(catalog, index, "Mitosis", wrong)
    fields = {problem.field for problem in problems_of(refused)}
    assert fields == {"authors[0].orcid", "biosamples[0].organism", "related_publications"}
    assert catalog.get_study("Mitosis") is None
    # A dry run checks everything and writes nothing.
    describe_study(catalog, index, "Mitosis", STUDY, dry_run=True)
    assert catalog.get_study("Mitosis") is None


def test_annotations_check_terms_and_pids(catalog: Catalog, index: OntologyIndex) -> None:
    describe_study(catalog, index, "Mitosis", STUDY)
    image = catalog.list_images(project="Mitosis").items[2]  # the bare TIFF
    changed = annotate_images(
        catalog,
        index,
        [
            ImageAnnotation(
                image.uuid,
                {
                    "biosample_ref": "hela",
                    "acquisition.imaging_method": "widefield fluorescence".replace("widefield ", "")
                    + " microscopy",
                    "acquisition.operator": {"name": "Bo", "orcid": "0000-0001-5109-3700"},
                },
            )
        ],
        by="bo",
    )
    document = changed[0].document
    assert document.acquisition is not None and document.acquisition.imaging_method is not None
    assert document.acquisition.imaging_method.term_id == "FBbi:00000246"
    assert document.acquisition.operator is not None
    assert document.acquisition.operator.orcid == "https://orcid.org/0000-0001-5109-3700"
    with pytest.raises(MetadataValidationError) as refused:
        annotate_images(
            catalog,
            index,
            [
                ImageAnnotation(image.uuid, {"acquisition.imaging_method": "NCBITaxon:9606"}),
                ImageAnnotation(image.uuid, {"biosample_ref": "nobody"}),
                ImageAnnotation(image.uuid, {"nonsense.path": 1}),
            ],
        )
    found = {(p.index, p.field) for p in problems_of(refused)}
    assert found == {(0, "acquisition.imaging_method"), (1, "biosample_ref"), (2, "nonsense.path")}


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream, delimiter="\t"))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, delimiter="\t", lineterminator="\n").writerows(rows)


def _set(rows: list[list[str]], name: str, column: str, value: str) -> None:
    header = rows[0]
    row = next(r for r in rows[1:] if r[header.index("[name]")] == name)
    row[header.index(column)] = value


@pytest.mark.parametrize("suffix", [".tsv", ".xlsx"])
def test_spreadsheet_round_trip(
    catalog: Catalog, index: OntologyIndex, tmp_path: Path, suffix: str
) -> None:
    describe_study(catalog, index, "Mitosis", STUDY)
    sheet = tmp_path / f"images{suffix}"
    assert export_sheet(catalog, "Mitosis", sheet) == 3
    # Prefilled with what was extracted; an untouched sheet changes nothing.
    assert import_sheet(catalog, index, sheet).fields == 0
    tsv = tmp_path / "edited.tsv"
    rows = _xlsx_rows(sheet) if suffix == ".xlsx" else _read(sheet)
    header = rows[0]
    assert header[:2] == ["uuid", "[dataset]"]
    assert "channels[1].fluorophore" in header and "acquisition.operator.orcid" in header
    confocal = next(r for r in rows[1:] if r[header.index("[name]")] == "HeLa mitosis")
    assert confocal[header.index("channels[1].fluorophore")] == "FPbase:R9NL8 EGFP"
    assert confocal[header.index("acquisition.temperature")] == "37"
    _set(rows, "HeLa mitosis", "biosample_ref", "hela")
    _set(rows, "HeLa mitosis", "specimen_ref", "pfa")
    _set(rows, "", "acquisition.imaging_method", "confocal microscopy")
    _set(rows, "", "description", "Bare TIFF from the old scope")
    if suffix == ".xlsx":
        _write_xlsx(sheet, rows)
        edited = sheet
    else:
        _write(tsv, rows)
        edited = tsv
    result = import_sheet(catalog, index, edited, by="ada")
    assert (result.rows, len(result.images), result.fields) == (3, 2, 4)
    images = {i.name: i for i in catalog.list_images(project="Mitosis").items}
    assert images["HeLa mitosis"].document.biosample_ref == "hela"
    bare = images[None].document
    assert bare.acquisition is not None and bare.acquisition.imaging_method is not None
    assert bare.acquisition.imaging_method.label == "confocal microscopy"
    assert bare.description == "Bare TIFF from the old scope"
    assert [c.changed_by for c in catalog.metadata_changes(project="Mitosis")][:2] == [
        "ada",
        "ada",
    ]


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    assert book.sheetnames == ["images", "fields"]
    guide = {row[0]: row[1:3] for row in book["fields"].iter_rows(values_only=True)}
    assert guide["acquisition.operator.orcid"] == (2, "ORCID")
    assert guide["channels[0].fluorophore"] == (2, "CHEBI|FPbase")
    return [
        ["" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)) for v in row]
        for row in book["images"].iter_rows(values_only=True)
    ]


def _write_xlsx(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book["images"]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value or None)
    book.save(path)


def test_spreadsheet_errors_name_row_and_column_and_change_nothing(
    catalog: Catalog, index: OntologyIndex, tmp_path: Path
) -> None:
    describe_study(catalog, index, "Mitosis", STUDY)
    sheet = tmp_path / "images.tsv"
    export_sheet(catalog, "Mitosis", sheet)
    rows = _read(sheet)
    header = rows[0]
    names = [r[header.index("[name]")] for r in rows[1:]]
    row_of = {name: names.index(name) + 2 for name in names}  # header is row 1
    _set(rows, "HeLa mitosis", "biosample_ref", "hela")  # fine on its own
    _set(rows, "HeLa mitosis", "acquisition.temperature", "warm")
    _set(rows, "HeLa mitosis", "acquisition.operator.orcid", "0000-0002-1825-0091")
    _set(rows, "HeLa mitosis", "channels[0].fluorophore", "Hoechst 33258")
    _set(rows, "", "specimen_ref", "nobody")
    _set(rows, "", "channels[1].fluorophore", "EGFP")
    _set(rows, "", "acquisition.imaging_method", "mouse")
    rows.append(["00000000-0000-0000-0000-000000000000", *[""] * (len(header) - 1)])
    _write(sheet, rows)
    with pytest.raises(MetadataValidationError, match="Nothing was changed") as refused:
        import_sheet(catalog, index, sheet)
    found: list[SheetProblem] = problems_of(refused)
    located = {(p.row, p.column) for p in found}
    mitosis, bare, last = row_of["HeLa mitosis"], row_of[""], len(rows)
    assert located == {
        (mitosis, "acquisition.temperature"),
        (mitosis, "acquisition.operator.orcid"),
        (mitosis, "channels[0].fluorophore"),
        (bare, "specimen_ref"),
        (bare, "channels[1].fluorophore"),
        (bare, "acquisition.imaging_method"),
        (last, "uuid"),
    }
    reasons = {(p.row, p.column): p.reason for p in found}
    assert reasons[(mitosis, "acquisition.temperature")] == "'warm' is not a number"
    assert "expected 7" in reasons[(mitosis, "acquisition.operator.orcid")]
    assert "not a CHEBI or FPbase term" in reasons[(mitosis, "channels[0].fluorophore")]
    assert "not a specimen of the study" in reasons[(bare, "specimen_ref")]
    assert reasons[(bare, "channels[1].fluorophore")] == "this image has no such channel"
    assert "is not a FBbi term" in reasons[(bare, "acquisition.imaging_method")]
    assert str(found[0]).startswith(f"row {mitosis}, column ")
    # Nothing was written, not even the row that was right.
    assert catalog.metadata_changes(project="Mitosis")[0].subject == "study"
    assert all(i.document.biosample_ref is None for i in catalog.list_images().items)


def test_captured_values_are_protected_in_the_sheet_too(
    catalog: Catalog, index: OntologyIndex, tmp_path: Path
) -> None:
    sheet = tmp_path / "images.tsv"
    export_sheet(catalog, "Mitosis", sheet, dataset="2024-06 HeLa")
    rows = _read(sheet)
    assert len(rows) == 3  # header and the two confocal series of that dataset
    _set(rows, "HeLa mitosis", "acquisition.temperature", "21")
    _write(sheet, rows)
    with pytest.raises(MetadataValidationError, match="captured from the original file"):
        import_sheet(catalog, index, sheet)
    result = import_sheet(catalog, index, sheet, allow_captured=True, dry_run=True)
    assert result.fields == 1
    assert catalog.list_images().items[0].document.acquisition.temperature == 37.0  # type: ignore[union-attr]
    assert import_sheet(catalog, index, sheet, allow_captured=True).fields == 1


def test_unusable_spreadsheets_are_refused(
    catalog: Catalog, index: OntologyIndex, tmp_path: Path
) -> None:
    with pytest.raises(MetadataValidationError, match=r"must be \.tsv or \.xlsx"):
        export_sheet(catalog, "Mitosis", tmp_path / "images.csv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tbiosample_ref\nx\ty\n", encoding="utf-8")
    with pytest.raises(MetadataValidationError, match="with a 'uuid' column"):
        import_sheet(catalog, index, bad)
    bad.write_text("uuid\tno_such_field\n", encoding="utf-8")
    with pytest.raises(MetadataValidationError, match="row 1, column no_such_field"):
        import_sheet(catalog, index, bad)


def test_merging_adds_to_the_stored_study(catalog: Catalog, index: OntologyIndex) -> None:
    describe_study(catalog, index, "Mitosis", STUDY)
    addition = {
        "biosamples": [
            {"identifier": "hela-ko", "organism": "Homo sapiens", "biological_entity": "LGN KO"}
        ],
        "specimens": [{"identifier": "pfa", "mounting_medium": "ProLong Gold"}],
    }
    record = describe_study(catalog, index, "Mitosis", addition, merge=True).record
    study = record.document
    assert record.revision == 2 and study.title == STUDY["title"]
    assert [b.identifier for b in study.biosamples or []] == ["hela", "hela-ko"]
    specimen = (study.specimens or [])[0]
    assert specimen.mounting_medium == "ProLong Gold"
    assert (
        specimen.sample_preparation_protocol == STUDY["specimens"][0]["sample_preparation_protocol"]
    )
    # Without merge, the document replaces the study (and must then be complete).
    with pytest.raises(MetadataValidationError, match="title"):
        describe_study(catalog, index, "Mitosis", addition)
