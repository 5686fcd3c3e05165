"""The query language: what each form of query means, and errors that say where."""

from __future__ import annotations

from datetime import datetime

import pytest

from imagesteward.errors import SearchQueryError
from imagesteward.search import DateRange, FieldFilter, TextPart, parse_query


def test_words_phrases_prefixes_and_negations() -> None:
    parsed = parse_query('hela "fluorescence  microscopy" mito* -fixed -"wide field"')
    assert parsed.text == (
        TextPart(("hela",)),
        TextPart(("fluorescence", "microscopy"), phrase=True),
        TextPart(("mito",), prefix=True),
        TextPart(("fixed",), negate=True),
        TextPart(("wide", "field"), phrase=True, negate=True),
    )
    assert parsed.filters == ()


def test_facets_by_label_identifier_and_alternatives() -> None:
    parsed = parse_query(
        'organism:"Mus musculus" Organism:NCBITaxon:7955 method:confocal,sted -fluorophore:DAPI'
    )
    assert parsed.filters == (
        FieldFilter("organism", ("Mus musculus",)),
        FieldFilter("organism", ("NCBITaxon:7955",)),
        FieldFilter("method", ("confocal", "sted")),
        FieldFilter("fluorophore", ("DAPI",), negate=True),
    )


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("date:2024", datetime(2024, 1, 1), datetime(2025, 1, 1)),
        ("date:2024-02", datetime(2024, 2, 1), datetime(2024, 3, 1)),
        ("date:2024-12-31", datetime(2024, 12, 31), datetime(2025, 1, 1)),
        ("date:2023-11..2024-01", datetime(2023, 11, 1), datetime(2024, 2, 1)),
        ("date:>=2024-05", datetime(2024, 5, 1), None),
        ("date:..2023", None, datetime(2024, 1, 1)),
        ("date:<2023-06-15", None, datetime(2023, 6, 15)),
    ],
    ids=["year", "month", "day", "range", "from", "until", "before"],
)
def test_date_ranges(text: str, start: datetime | None, end: datetime | None) -> None:
    assert parse_query(text).dates == DateRange(start, end)


def test_columns_kind_visibility_completeness() -> None:
    parsed = parse_query("kind:image,dataset visibility:Public completeness:>=2")
    assert parsed.kinds == ("image", "dataset")
    assert parsed.visibility == ("public",)
    assert parsed.min_completeness == 2


@pytest.mark.parametrize(
    ("query", "problem", "position"),
    [
        ("colour:red", "unknown field 'colour'", 1),
        ('hela "open', "a quote is not closed", 6),
        ("date:2024-13", "not a real date", 1),
        ("date:24", "is not a date", 1),
        ("date:2024-05..2024-01", "ends before it starts", 1),
        ("cells completeness:high", "completeness is a tier from 0 to 3", 7),
        ("kind:folder", "kind is one of image, dataset, study", 1),
        ("-date:2024", "cannot be negated", 1),
    ],
    ids=["field", "quote", "month", "year", "backwards", "completeness", "kind", "negated"],
)
def test_errors_name_the_problem_and_where(query: str, problem: str, position: int) -> None:
    with pytest.raises(SearchQueryError) as caught:
        parse_query(query)
    assert problem in str(caught.value)
    assert f"at character {position}:" in str(caught.value)
    assert caught.value.details["position"] == position - 1
