"""Pure rules, no server: error → status, conditional and range headers, Zarr keys, ``c=``."""

from __future__ import annotations

import pytest

from imagesteward import errors
from imagesteward.server import status_of
from imagesteward.server._conditional import (
    content_etag,
    etag_matches,
    if_range_allows,
    parse_range,
    strong_etag,
)
from imagesteward.server._problems import RangeNotSatisfiableError
from imagesteward.server._tile_params import CHANNELS_PATTERN, channel_settings
from imagesteward.server._zarr import media_type_of, safe_key

STATUSES = [
    (errors.NotFoundError("x"), 404),
    (errors.ConflictError("x"), 409),
    (errors.AuthenticationError("x"), 401),
    (errors.PermissionDeniedError("x"), 403),
    (errors.AccessError("x"), 403),
    (errors.InvalidCredentialError("x"), 422),
    (errors.CorruptFileError("f", "broken"), 422),
    (errors.UnsupportedFormatError("f", "no reader"), 422),
    (errors.MetadataValidationError("x"), 422),
    (errors.SearchQueryError("x"), 422),
    (errors.SearchCursorError("x"), 404),
    (errors.InvalidPidError("ORCID", "0000-0002-1825-0098", "wrong check digit"), 422),
    (errors.UnknownTermError("FBbi:99999999 is not a term"), 422),
    (errors.WrongOntologyError("NCBITaxon:9606 is not an FBbi term"), 422),
    (errors.RenderRequestError("level", 9, "too large"), 422),
    (errors.RenditionNotFoundError("x"), 404),
    (RangeNotSatisfiableError("x", size=3), 416),
    (errors.SchemaOutdatedError("x"), 503),
    (errors.StoreLockedError("x"), 503),
    (errors.CatalogError("x"), 503),
    (errors.IntegrityError("x"), 500),
    (errors.ConfigurationError("x"), 500),
    (errors.ConversionError("x"), 500),
    (errors.ImageStewardError("x"), 500),
]


@pytest.mark.parametrize(
    ("error", "status"),
    STATUSES,
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_every_error_has_one_status(error: errors.ImageStewardError, status: int) -> None:
    assert status_of(error)[0] == status


def test_every_error_class_has_a_decided_status() -> None:
    """A new error class must be added above, with the status chosen on purpose."""
    decided = {type(error) for error, _ in STATUSES}
    inherited_ok = {
        errors.FormatError,  # its subclasses are listed: 422
        errors.ImplausibleSizeError,  # a FormatError: 422
        errors.UnsafeContentError,  # a FormatError: 422
        errors.InstallationNotFoundError,  # server misconfigured: 500
        errors.IngestError,  # not raised by the server: 500 if it ever is
        errors.StoreError,  # a failing store: 500
        errors.DestinationExistsError,  # a ConversionError: 500
        errors.OutputValidationError,  # a ConversionError: 500
        errors.RenderError,  # an unreadable chunk: 500
        errors.OntologyError,  # a stored ontology that cannot be used: 500
    }
    undecided = [
        name for name in errors.__all__ if getattr(errors, name) not in decided | inherited_ok
    ]
    assert not undecided


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 100, None),
        ("bytes=0-9", 100, (0, 10)),
        ("bytes=90-", 100, (90, 100)),
        ("bytes=-10", 100, (90, 100)),
        ("bytes=-1000", 100, (0, 100)),
        ("bytes=50-5000", 100, (50, 100)),
        ("BYTES = 1 - 2", 100, (1, 3)),
        ("bytes=5-1", 100, None),  # invalid spec: ignored
        ("bytes=0-1,5-6", 100, None),  # several ranges: the whole file
        ("items=0-1", 100, None),
        ("bytes=abc", 100, None),
        ("bytes=-", 100, None),
    ],
)
def test_range_header(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=-0"])
def test_unsatisfiable_range_names_the_size(header: str) -> None:
    with pytest.raises(RangeNotSatisfiableError) as caught:
        parse_range(header, 100)
    assert caught.value.size == 100
    assert "100-byte" in str(caught.value)


def test_entity_tags() -> None:
    tag = strong_etag("abc")
    assert tag == '"abc"'
    assert etag_matches('"abc"', tag)
    assert etag_matches('W/"abc"', tag)  # If-None-Match compares weakly
    assert etag_matches('"x", "abc"', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('"abcd"', tag)
    assert not etag_matches(None, tag)
    assert if_range_allows(None, tag)
    assert if_range_allows('"abc"', tag)
    assert not if_range_allows('W/"abc"', tag)  # If-Range compares strongly
    assert not if_range_allows("Tue, 15 Nov 1994 08:12:31 GMT", tag)
    assert content_etag(b"a", "b") == content_etag(b"a", "b") != content_etag(b"ab")


@pytest.mark.parametrize(
    "key",
    [
        "zarr.json",
        ".zattrs",
        ".zgroup",
        ".zarray",
        "0/zarr.json",
        "0/c/0/0/0/0/0",
        "1/0.0.0.0.0",
        "labels/cells/0/.zarray",
    ],
)
def test_plain_zarr_keys_are_served(key: str) -> None:
    assert safe_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "..",
        "../zarr.json",
        "0/../../x",
        "./zarr.json",
        "/etc/passwd",
        "0//zarr.json",
        "%2e%2e/x",
        "..%2fx",
        "0\\..\\x",
        "zarr.json\x00",
        ".hidden",
        "0/" + "a/" * 40 + "b",
    ],
)
def test_escaping_or_odd_keys_are_refused(key: str) -> None:
    assert safe_key(key) is None


def test_media_types_of_keys() -> None:
    assert media_type_of("0/zarr.json") == "application/json"
    assert media_type_of(".zattrs") == "application/json"
    assert media_type_of("0/c/0/0") == "application/octet-stream"


def test_channel_settings_grammar() -> None:
    import re

    assert channel_settings(None) == ()
    assert channel_settings("") == ()
    parsed = channel_settings("0|FF0000|0:4000|0.5,-1|00FF00,2")
    assert [s.index for s in parsed] == [0, 1, 2]
    assert parsed[0].color == "FF0000"
    assert parsed[0].window == (0.0, 4000.0)
    assert parsed[0].gamma == 0.5
    assert parsed[1].visible is False
    assert parsed[2].color == "FFFFFF"
    assert parsed[2].window is None
    for text in ("0|FF0000|0:4000|0.5,1|00FF00", "1", "0||10:20", "-3|00FF00|-5.5:7"):
        assert re.fullmatch(CHANNELS_PATTERN, text), text
    for text in ("x", "0|red", "0|FF0000|10", ",", "0;1"):
        assert not re.fullmatch(CHANNELS_PATTERN, text), text


def test_unparsable_channel_settings_name_the_parameter() -> None:
    with pytest.raises(errors.RenderRequestError) as caught:
        channel_settings("0|FF0000|10")
    assert caught.value.parameter == "c"
