"""Persistent identifiers: offline validation, check digits, normalisation, optional resolution."""

from __future__ import annotations

import httpx
import pytest

from imagesteward.errors import InvalidPidError
from imagesteward.model import pids

#: (value as people write it, scheme, canonical form the schema stores)
VALID = [
    # ORCID: ORCID's documented examples, including an X check character.
    ("0000-0002-1825-0097", "ORCID", "https://orcid.org/0000-0002-1825-0097"),
    ("https://orcid.org/0000-0001-5109-3700", "ORCID", "https://orcid.org/0000-0001-5109-3700"),
    ("orcid.org/0000-0002-1694-233x", "ORCID", "https://orcid.org/0000-0002-1694-233X"),
    ("http://www.orcid.org/0000000218250097", "ORCID", "https://orcid.org/0000-0002-1825-0097"),
    # ROR: real organisations (Caltech, Harvard, MIT).
    ("https://ror.org/05dxps055", "ROR", "https://ror.org/05dxps055"),
    ("03VEK6S52", "ROR", "https://ror.org/03vek6s52"),
    ("ror.org/042nb2s44", "ROR", "https://ror.org/042nb2s44"),
    # RRID: antibodies, software, core facilities, cell lines, mouse strains.
    ("RRID:AB_2298772", "RRID", "RRID:AB_2298772"),
    ("rrid:scr_002285", "RRID", "RRID:SCR_002285"),
    ("RRID: SCR_017873", "RRID", "RRID:SCR_017873"),
    ("https://identifiers.org/RRID:CVCL_0030", "RRID", "RRID:CVCL_0030"),
    ("RRID:IMSR_JAX:000664", "RRID", "RRID:IMSR_JAX:000664"),
    # DOI: every common spelling.
    ("10.1038/s41592-021-01326-w", "DOI", "https://doi.org/10.1038/s41592-021-01326-w"),
    ("doi:10.1038/nmeth.2019", "DOI", "https://doi.org/10.1038/nmeth.2019"),
    ("https://dx.doi.org/10.5281/zenodo.1234567", "DOI", "https://doi.org/10.5281/zenodo.1234567"),
    ("http://doi.org/10.1000.10/123", "DOI", "https://doi.org/10.1000.10/123"),
    # Handles (PIDINST instruments are registered as handles or DOIs).
    (
        "hdl:21.T11998/0000-001A-3905-F",
        "HANDLE",
        "https://hdl.handle.net/21.T11998/0000-001A-3905-F",
    ),
    ("https://hdl.handle.net/11304/abc-123", "HANDLE", "https://hdl.handle.net/11304/abc-123"),
]


@pytest.mark.parametrize(("value", "scheme", "canonical"), VALID, ids=[v[0] for v in VALID])
def test_valid_identifiers_normalise_to_their_canonical_form(
    value: str, scheme: str, canonical: str
) -> None:
    detected = pids.normalize(value)
    assert (detected.scheme, detected.canonical) == (scheme, canonical)
    # Naming the scheme gives the same answer, and normalising is idempotent.
    assert pids.normalize(value, scheme) == detected
    assert pids.normalize(detected.canonical, scheme) == detected


#: (value, scheme, what the message must say)
INVALID = [
    ("0000-0002-1825-0096", "ORCID", "wrong check digit: expected 7"),
    ("0000-0002-1694-2330", "ORCID", "wrong check digit: expected X"),
    ("https://orcid.org/0000-0001-5109-370X", "ORCID", "wrong check digit: expected 0"),
    ("0000-0002-1825", "ORCID", "expected 16 characters"),
    ("0000-0002-1825-009Y", "ORCID", "expected 16 characters"),
    ("https://ror.org/05dxps056", "ROR", "wrong checksum: expected 55"),
    ("05dxps0i5", "ROR", "no i, l, o, u"),
    ("15dxps055", "ROR", "a leading 0"),
    ("RRID:XYZ_123", "RRID", "unknown registry prefix 'XYZ'"),
    ("RRID:AB 123", "RRID", "expected RRID:<registry>_<id>"),
    ("11.1038/abc", "DOI", "expected 10.<registrant>/<suffix>"),
    ("10.12/abc", "DOI", "4 to 9 digits"),
    ("doi:10.1038/has space", "DOI", "without spaces"),
    ("hdl:nodigits/abc", "HANDLE", "expected <numeric prefix>/<suffix>"),
]


@pytest.mark.parametrize(("value", "scheme", "problem"), INVALID, ids=[v[0] for v in INVALID])
def test_invalid_identifiers_are_refused_with_the_evidence(
    value: str, scheme: str, problem: str
) -> None:
    with pytest.raises(InvalidPidError) as refused:
        pids.normalize(value, scheme)
    error = refused.value
    assert problem in str(error)
    assert error.scheme == scheme and error.details["scheme"] == scheme
    assert isinstance(error, ValueError)


def test_orcid_check_digit_is_iso_7064_mod_11_2() -> None:
    assert pids.orcid_check_digit("000000021825009") == "7"
    assert pids.orcid_check_digit("000000021694233") == "X"
    # Every single-digit typo of a valid iD changes the check digit (what MOD 11-2 is for).
    base = "000000021825009"
    for position in range(15):
        for digit in "0123456789":
            if digit != base[position]:
                typo = base[:position] + digit + base[position + 1 :]
                assert pids.orcid_check_digit(typo) != "7", typo
    with pytest.raises(ValueError, match="15 digits"):
        pids.orcid_check_digit("123")


def test_wrong_check_digit_errors_carry_the_expected_value() -> None:
    with pytest.raises(InvalidPidError) as refused:
        pids.normalize_orcid("0000-0002-1825-0091")
    assert refused.value.details["expected"] == "7"
    assert str(refused.value) == "ORCID 0000-0002-1825-0091 has a wrong check digit: expected 7"
    with pytest.raises(InvalidPidError) as ror:
        pids.normalize_ror("05dxps000")
    assert ror.value.details["expected"] == "55"


def test_ror_checksum_matches_registered_ids() -> None:
    for ror in ("05dxps055", "03vek6s52", "042nb2s44", "01an7q238", "013meh722"):
        assert pids.ror_checksum(ror[:7]) == ror[7:]
    with pytest.raises(ValueError, match="Crockford"):
        pids.ror_checksum("0abcdeu")


def test_detection_and_schemes() -> None:
    assert pids.detect_scheme("AB_2298772") == "RRID"
    assert pids.detect_scheme("10.1000/x") == "DOI"
    assert pids.detect_scheme("21.T11998/abc") == "HANDLE"
    assert pids.detect_scheme("hello") is None
    with pytest.raises(InvalidPidError, match="not a recognised ORCID, ROR, RRID, DOI or Handle"):
        pids.normalize("hello")
    with pytest.raises(InvalidPidError, match="unknown scheme"):
        pids.normalize("x", "ISBN")
    # PIDINST accepts a handle or a DOI.
    assert pids.normalize_pidinst("10.5880/GFZ.1.1").scheme == "DOI"
    assert pids.normalize_pidinst("21.T11998/0000-001A").scheme == "HANDLE"
    assert pids.normalize("21.T11998/0000-001A", "pidinst").canonical.startswith("https://hdl")


def _resolver(statuses: dict[str, int]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(statuses.get(str(request.url), 404))

    return httpx.Client(transport=httpx.MockTransport(answer))


def test_resolution_is_explicit_and_reports_what_the_resolver_said() -> None:
    orcid = pids.normalize("0000-0002-1825-0097")
    rrid = pids.normalize("RRID:AB_2298772")
    client = _resolver(
        {
            "https://orcid.org/0000-0002-1825-0097": 302,
            "http://mirror.test/RRID:AB_2298772": 200,
        }
    )
    found = pids.resolve(orcid, client=client)
    assert (found.resolved, found.status, found.detail) == (True, 302, "registered")
    mirrored = pids.resolve(rrid, base_url="http://mirror.test/RRID:", client=client)
    assert mirrored.resolved and mirrored.url == "http://mirror.test/RRID:AB_2298772"
    missing = pids.resolve(pids.normalize("10.1000/none"), client=client)
    assert (missing.resolved, missing.detail) == (False, "not registered with the resolver")

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    down = httpx.Client(transport=httpx.MockTransport(unreachable))
    failed = pids.resolve(orcid, client=down)
    assert (failed.resolved, failed.status) == (False, None)
    assert failed.detail == "resolver unreachable: ConnectError"
