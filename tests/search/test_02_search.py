"""Searching a catalog on SQLite and PostgreSQL: text, facets, ontology, counts, pages, scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from imagesteward import model
from imagesteward.catalog import Catalog, ImageAnnotation, Restriction
from imagesteward.errors import SearchQueryError
from imagesteward.ontology import OntologyIndex
from imagesteward.search import SearchResult, search
from tests.catalog.factories import confocal_image, fileset, widefield_image


def light_sheet_image(name: str = "zebrafish heart beating") -> model.Image:
    """A light-sheet time lapse (FBbi: light sheet fluorescence microscopy, below fluorescence)."""
    image = widefield_image(name=name)
    acquisition = image.acquisition
    assert acquisition is not None
    return image.model_copy(
        update={
            "acquisition": acquisition.model_copy(
                update={
                    "imaging_method": model.FBbiTerm(
                        term_id="FBbi:00000369", label="light sheet fluorescence microscopy"
                    ),
                    "acquisition_date": datetime(2022, 3, 14, 10, 0),
                    "microscope": model.Microscope(
                        manufacturer="Carl Zeiss Microscopy", model="Lightsheet 7"
                    ),
                }
            ),
            "description": "cardiomyocytes labelled with mCherry",
        }
    )


@pytest.fixture
def filled(catalog: Catalog) -> Catalog:
    """Two projects: a confocal HeLa dataset, a widefield yeast one, a light-sheet one."""
    catalog.add_filesets(
        [
            fileset("hela/1.czi", images=[confocal_image(0, name="HeLa fixed, Hoechst/GFP")]),
            fileset("hela/2.czi", images=[confocal_image(0, name="HeLa mitosis stack")]),
            fileset("yeast/1.nd2", images=[widefield_image()], dataset="yeast budding"),
        ]
    )
    catalog.add_fileset(
        fileset("fish/1.czi", images=[light_sheet_image()], project="Heart", dataset="larvae")
    )
    return catalog


def titles(result: SearchResult, kind: str = "image") -> list[str]:
    return sorted(hit.title for hit in result.hits if hit.kind == kind)


def counts(result: SearchResult, facet: str) -> dict[str, int]:
    return {value.label: value.count for value in result.facets.get(facet, ())}


def test_everything_with_exact_counts(filled: Catalog, ontology: OntologyIndex) -> None:
    result = search(filled, "", ontology=ontology)
    assert result.total == 4 + 3  # images, plus datasets "2024-06 HeLa", "yeast budding", "larvae"
    assert counts(result, "kind") == {"image": 4, "dataset": 3}
    assert counts(result, "project") == {"Mitosis": 5, "Heart": 2}
    assert counts(result, "year") == {"2024": 3, "2023": 2, "2022": 2}
    assert counts(result, "fluorophore") == {"Hoechst 33342": 3, "EGFP": 3}
    assert counts(result, "visibility") == {"private": 7}


def test_free_text_is_stemmed_and_phrases_keep_order(
    filled: Catalog, ontology: OntologyIndex
) -> None:
    assert titles(search(filled, "cell", ontology=ontology)) == [
        "HeLa fixed, Hoechst/GFP",
        "HeLa mitosis stack",
    ]  # "Fixed HeLa cells" in the description
    assert titles(search(filled, '"tagged tubulin"', ontology=ontology)) == [
        "HeLa fixed, Hoechst/GFP",
        "HeLa mitosis stack",
    ]
    assert titles(search(filled, '"tubulin tagged"', ontology=ontology)) == []
    assert titles(search(filled, "stac*", ontology=ontology)) == ["HeLa mitosis stack"]
    assert titles(search(filled, "hela -stack", ontology=ontology)) == ["HeLa fixed, Hoechst/GFP"]
    assert titles(search(filled, "mcherry heart", ontology=ontology)) == ["zebrafish heart beating"]


def test_a_term_finds_what_lies_below_it(filled: Catalog, ontology: OntologyIndex) -> None:
    below = ["HeLa fixed, Hoechst/GFP", "HeLa mitosis stack", "zebrafish heart beating"]
    # Neither word is in any text: confocal and light sheet are below the term in FBbi.
    assert titles(search(filled, "fluorescence microscopy", ontology=ontology)) == below
    assert titles(search(filled, 'method:"fluorescence microscopy"', ontology=ontology)) == below
    assert titles(search(filled, "method:FBbi:00000246", ontology=ontology)) == below
    light = search(filled, "method:light-sheet", ontology=ontology)
    assert titles(light) == []  # not a name of the term: matched against labels only
    assert titles(search(filled, 'method:"light sheet"', ontology=ontology)) == [
        "zebrafish heart beating"
    ]
    # Datasets carry their images' values, so they are found the same way.
    assert titles(search(filled, "fluorescence microscopy", ontology=ontology), "dataset") == [
        "2024-06 HeLa",
        "larvae",
    ]


def test_facets_dates_and_their_counts(filled: Catalog, ontology: OntologyIndex) -> None:
    found = search(filled, "instrument:nikon kind:image", ontology=ontology)
    assert titles(found) == ["yeast time lapse"]
    assert counts(found, "objective") == {"CFI Plan Apo λ 100x Oil": 1}
    assert titles(search(filled, "fluorophore:EGFP -project:Heart", ontology=ontology)) == [
        "HeLa fixed, Hoechst/GFP",
        "HeLa mitosis stack",
    ]
    in_2024 = search(filled, "date:2024-06 kind:image", ontology=ontology)
    assert in_2024.total == 2
    assert counts(in_2024, "year") == {"2024": 2}
    spanning = search(filled, "date:2022..2023 kind:dataset", ontology=ontology)
    assert titles(spanning, "dataset") == ["larvae", "yeast budding"]


def test_organism_comes_from_the_study_and_follows_changes(
    filled: Catalog, ontology: OntologyIndex
) -> None:
    assert search(filled, "organism:mouse", ontology=ontology).total == 0
    hela = search(filled, '"HeLa mitosis stack"', ontology=ontology).hits[0]
    mouse = model.NCBITaxonTerm(term_id="NCBITaxon:10090", label="Mus musculus")
    filled.save_study(
        "Mitosis",
        model.Study(
            title="Spindles in mouse cells",
            biosamples=[model.Biosample(identifier="m1", organism=mouse)],
        ),
        annotations=[ImageAnnotation(hela.id, {"biosample_ref": "m1"})],
    )
    found = search(filled, "organism:mouse", ontology=ontology)  # a synonym of Mus musculus
    assert sorted((h.kind, h.title) for h in found.hits) == [
        ("dataset", "2024-06 HeLa"),
        ("image", "HeLa mitosis stack"),
        ("study", "Spindles in mouse cells"),
    ]
    assert counts(found, "organism") == {"Mus musculus": 3}
    # Annotating the image again moves it out; its dataset's values are derived again.
    filled.annotate_images([ImageAnnotation(hela.id, {"biosample_ref": None})])
    after = search(filled, "organism:NCBITaxon:10090", ontology=ontology)
    assert [(h.kind, h.title) for h in after.hits] == [("study", "Spindles in mouse cells")]


def test_rebuilding_gives_the_same_answers(filled: Catalog, ontology: OntologyIndex) -> None:
    queries = ["", "fluorescence microscopy", "kind:dataset", "date:2023", "hela -stack"]

    def answers() -> list[Any]:
        found = []
        for query in queries:
            result = search(filled, query, ontology=ontology, facet_values=50)
            found.append(
                (
                    result.total,
                    sorted((h.kind, h.title) for h in result.hits),
                    {name: sorted(counts(result, name).items()) for name in result.facets},
                )
            )
        return found

    before = answers()
    assert filled.rebuild_search_index() == 4
    assert answers() == before


def test_pages_follow_the_cursor_and_counts_cover_all_hits(
    filled: Catalog, ontology: OntologyIndex
) -> None:
    seen: list[tuple[str, int]] = []
    result = search(filled, "", ontology=ontology, limit=3)
    while True:
        seen += [(hit.kind, hit.id) for hit in result.hits]
        assert result.total == 7
        if result.next_cursor is None:
            break
        result = search(filled, "", ontology=ontology, limit=3, cursor=result.next_cursor)
    assert len(seen) == len(set(seen)) == 7
    first = search(filled, "", ontology=ontology, limit=3)
    with pytest.raises(SearchQueryError, match="belongs to another query"):
        search(filled, "hela", ontology=ontology, cursor=first.next_cursor)
    with pytest.raises(SearchQueryError, match="1 to 200 hits"):
        search(filled, "", limit=0)


def scope(catalog: Catalog, project: str, *, studies: bool = True) -> Restriction:
    """What a caller sees who may read every dataset of ``project`` (and its study)."""
    datasets = {d.id for d in catalog.list_datasets(project)}
    projects = {p.id for p in catalog.list_projects() if p.name == project} if studies else set()
    return Restriction(frozenset(datasets), frozenset(projects))


@pytest.mark.parametrize("studies", [True, False], ids=["with-study", "datasets-only"])
def test_a_scope_limits_hits_total_and_every_count(
    filled: Catalog, ontology: OntologyIndex, studies: bool
) -> None:
    restrict = scope(filled, "Mitosis", studies=studies)
    result = search(filled, "", ontology=ontology, restrict=restrict, facet_values=50)
    assert {hit.project for hit in result.hits} == {"Mitosis"}
    assert result.total == 5  # three images and two datasets of project Mitosis
    assert counts(result, "project") == {"Mitosis": 5}
    assert "Lightsheet 7" not in str(counts(result, "instrument"))
    assert counts(result, "kind") == {"image": 3, "dataset": 2}
    text = search(filled, "fluorescence microscopy", ontology=ontology, restrict=restrict)
    assert titles(text) == ["HeLa fixed, Hoechst/GFP", "HeLa mitosis stack"]
    assert counts(text, "project") == {"Mitosis": 3}
    nothing = search(filled, "", ontology=ontology, restrict=Restriction())
    assert (nothing.total, nothing.hits, nothing.facets) == (0, (), {})


def test_posting_lists_stay_equal_to_the_entries(filled: Catalog, ontology: OntologyIndex) -> None:
    """Every write moves the bitmaps exactly as it moves the entries (``steward doctor``)."""

    def counted() -> dict[str, Any]:
        result = search(filled, "", ontology=ontology, facet_values=100)
        return {name: counts(result, name) for name in result.facets} | {"total": result.total}

    assert filled.check() == []
    hela = search(filled, '"HeLa mitosis stack"', ontology=ontology).hits[0]
    mouse = model.NCBITaxonTerm(term_id="NCBITaxon:10090", label="Mus musculus")
    filled.save_study(
        "Mitosis",
        model.Study(title="Spindles", biosamples=[model.Biosample(identifier="m", organism=mouse)]),
        annotations=[ImageAnnotation(hela.id, {"biosample_ref": "m"})],
    )
    filled.add_fileset(fileset("hela/3.czi", images=[confocal_image(0, name="third")]))
    filled.annotate_images(
        [ImageAnnotation(hela.id, {"description": "a new description"})], allow_captured=True
    )
    filled.set_search_completeness({("image", hela.id): 2})
    assert filled.check() == []
    fast = counted()
    assert fast["kind"] == {"image": 5, "dataset": 3, "study": 1}
    assert fast["organism"] == {"Mus musculus": 3}  # the image, its dataset, the study


def test_date_ranges_agree_with_the_acquisition_dates(
    catalog: Catalog, ontology: OntologyIndex
) -> None:
    """Whole years come from the year lists, the rest from the date index: same answer."""
    moments = [
        datetime(2021, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2022, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2022, 7, 14, 12, 0, tzinfo=UTC),
        datetime(2023, 2, 28, 8, 0, tzinfo=UTC),
        datetime(2023, 12, 31, 23, 0, tzinfo=UTC),
        datetime(2024, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2024, 6, 30, 9, 0, tzinfo=UTC),
    ]
    catalog.add_filesets(
        [
            fileset(
                f"d/{i}.czi", images=[confocal_image(0, name=f"at {m:%Y-%m-%d %H:%M}", acquired=m)]
            )
            for i, m in enumerate(moments)
        ]
    )
    cases = {
        "date:2022": (datetime(2022, 1, 1), datetime(2023, 1, 1)),
        "date:2022..2023": (datetime(2022, 1, 1), datetime(2024, 1, 1)),
        "date:2021-12..2024-01": (datetime(2021, 12, 1), datetime(2024, 2, 1)),
        "date:2022-07..2024": (datetime(2022, 7, 1), datetime(2025, 1, 1)),
        "date:>=2023-02-28": (datetime(2023, 2, 28), None),
        "date:..2022": (None, datetime(2023, 1, 1)),
        "date:<2024-06-30": (None, datetime(2024, 6, 30)),
    }
    for query, (after, before) in cases.items():
        wanted = sorted(
            f"at {m:%Y-%m-%d %H:%M}"
            for m in moments
            if (after is None or m.replace(tzinfo=None) >= after)
            and (before is None or m.replace(tzinfo=None) < before)
        )
        found = search(catalog, f"{query} kind:image", ontology=ontology, limit=50)
        assert titles(found) == wanted, query
        assert found.total == len(wanted), query
        dataset = search(catalog, f"{query} kind:dataset", ontology=ontology)
        assert dataset.total == (1 if wanted else 0), query


def test_doctor_reports_a_posting_list_that_disagrees(filled: Catalog) -> None:
    """A damaged list is found (and named), so a wrong count cannot pass unnoticed."""
    from pyroaring import BitMap
    from sqlalchemy import text

    assert filled.check() == []
    with filled._engine.begin() as connection:  # damage one list as a crash or a bug might
        connection.execute(
            text(
                "UPDATE search_postings SET bitmap = :b WHERE facet = 'project' AND value = 'Heart'"
            ),
            {"b": BitMap().serialize()},
        )
    problems = filled.check()
    assert len(problems) == 1
    assert "project='Heart'" in problems[0] and "steward search --reindex" in problems[0]
    filled.rebuild_search_index()
    assert filled.check() == []
