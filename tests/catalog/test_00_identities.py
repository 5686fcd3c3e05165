"""Pure functions behind the catalog: identity keys, UUIDs, structures, cursors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imagesteward import model
from imagesteward.catalog._listing import _decode_cursor, _encode_cursor
from imagesteward.catalog._promote import (
    identity_key,
    instrument_values,
    normalise_uuid,
    person_values,
)
from imagesteward.catalog._records import structure_from_json, structure_to_json
from imagesteward.errors import NotFoundError

# Latin-1 letters and digits: what instrument makers and people's names are written in here.
# (Beyond it, upper-casing loses information: Turkish dotless ı upper-cases to I.)
words = st.text(
    alphabet=st.characters(codec="latin-1", categories=("L", "N")), min_size=1, max_size=12
)


@given(st.lists(words, min_size=1, max_size=4))
def test_identity_ignores_case_and_spacing(parts: list[str]) -> None:
    spaced = "   ".join(parts)
    assert identity_key(" ".join(parts)) == identity_key(f"  {spaced.upper()} ")


@given(words, words)
def test_identity_keeps_fields_apart(first: str, second: str) -> None:
    # ("Zeiss LSM", None) and ("Zeiss", "LSM") are different instruments.
    assert identity_key(f"{first} {second}", None) != identity_key(first, second)


def test_a_microscope_needs_something_to_be_identified_by() -> None:
    assert instrument_values(None) is None
    assert instrument_values(model.Microscope(instrument_name="the old one")) is None
    assert instrument_values(model.Microscope(manufacturer="  ")) is None
    values = instrument_values(model.Microscope(serial_number="12"))
    assert values is not None
    assert values["identity_key"] == identity_key("microscope", None, None, "12")


def test_people_are_identified_by_orcid_else_name_and_email() -> None:
    orcid = "https://orcid.org/0000-0002-1825-0097"
    with_orcid = person_values(model.Person(name="A. Imaging", orcid=orcid))
    renamed = person_values(model.Person(name="Ada Imaging", orcid=orcid, email="a@b.org"))
    assert with_orcid is not None
    assert renamed is not None
    assert with_orcid["identity_key"] == renamed["identity_key"]
    plain = person_values(model.Person(name="Ada Imaging"))
    other_mail = person_values(model.Person(name="Ada Imaging", email="a@b.org"))
    assert plain is not None
    assert other_mail is not None
    assert plain["identity_key"] != other_mail["identity_key"]


def test_uuids_are_normalised_and_checked() -> None:
    assert (
        normalise_uuid("6F9619FF8B86D011B42D00C04FC964FF") == "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    )
    with pytest.raises(ValueError, match="is not a UUID"):
        normalise_uuid("cells.czi")


@given(
    st.lists(st.sampled_from("TCZYXSH"), min_size=1, max_size=7, unique=True).flatmap(
        lambda dims: st.tuples(
            st.just(tuple(dims)),
            st.lists(st.integers(1, 10**6), min_size=len(dims), max_size=len(dims)).map(tuple),
            st.booleans(),
        )
    )
)
def test_structures_survive_json(case: tuple[tuple[str, ...], tuple[int, ...], bool]) -> None:
    dims, shape, chunked = case
    structure = model.ArrayStructure(
        dims=dims, shape=shape, dtype="uint16", chunks=tuple(1 for _ in dims) if chunked else None
    )
    assert structure_from_json(structure_to_json(structure)) == structure


@given(st.integers(0, 2**31), st.one_of(st.none(), words), st.one_of(st.none(), words))
def test_cursors_round_trip_with_their_filters(
    after: int, project: str | None, dataset: str | None
) -> None:
    cursor = _encode_cursor(after, project, dataset)
    assert cursor.isascii()
    assert "=" not in cursor
    assert _decode_cursor(cursor, project, dataset) == (after, project, dataset)
    assert _decode_cursor(cursor, None, None) == (after, project, dataset)


@pytest.mark.parametrize(
    "cursor", ["", "!!!", "bm90IGpzb24", "eyJhZnRlciI6IC0xfQ", "eyJhZnRlciI6ICJ4In0"]
)
def test_forged_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(NotFoundError, match="Start again from the first page"):
        _decode_cursor(cursor, None, None)
