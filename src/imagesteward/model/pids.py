"""Persistent identifiers: offline validation and normalisation to the schema's canonical forms.

The schema stores ORCID iDs, RORs, DOIs and PIDINST handles as resolvable ``https://`` URIs and
RRIDs as ``RRID:<prefix>_<id>`` (the forms its slot patterns require). People paste every other
spelling (``orcid.org/...``, ``doi:10...``, ``https://dx.doi.org/...``, bare identifiers), so each
``normalize_*`` function accepts those, checks syntax and checksums without any network, and
returns a :class:`Pid`. Errors say what is wrong and what was expected. Online resolution is a
separate, optional step (:func:`resolve`) that only ever runs when the caller asks for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from imagesteward.errors import InvalidPidError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "SCHEMES",
    "Pid",
    "Resolution",
    "detect_scheme",
    "normalize",
    "normalize_doi",
    "normalize_handle",
    "normalize_orcid",
    "normalize_pidinst",
    "normalize_ror",
    "normalize_rrid",
    "orcid_check_digit",
    "resolve",
    "ror_checksum",
]

Scheme = Literal["ORCID", "ROR", "RRID", "DOI", "HANDLE", "PIDINST"]
SCHEMES: tuple[Scheme, ...] = ("ORCID", "ROR", "RRID", "DOI", "HANDLE", "PIDINST")

# Where each scheme's canonical URI points; resolve() swaps the host for tests and mirrors.
_RESOLVERS: dict[str, str] = {
    "ORCID": "https://orcid.org/",
    "ROR": "https://ror.org/",
    "RRID": "https://identifiers.org/RRID:",
    "DOI": "https://doi.org/",
    "HANDLE": "https://hdl.handle.net/",
}

# ROR uses Crockford's base32 without i, l, o and u, so the ID can be read aloud unambiguously.
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


@dataclass(frozen=True, slots=True)
class Pid:
    """A validated persistent identifier.

    Attributes
    ----------
    scheme
        ``ORCID``, ``ROR``, ``RRID``, ``DOI`` or ``HANDLE``.
    value
        The identifier itself (``0000-0002-1825-0097``, ``10.1000/xyz``, ``AB_2298772``).
    uri
        The resolvable URI (``https://orcid.org/0000-0002-1825-0097``).
    canonical
        The form the schema stores: the URI, except for RRIDs (``RRID:AB_2298772``).
    """

    scheme: Scheme
    value: str
    uri: str
    canonical: str


@dataclass(frozen=True, slots=True)
class Resolution:
    """Outcome of asking a PID's resolver whether the identifier exists."""

    pid: Pid
    url: str
    resolved: bool
    status: int | None
    detail: str


def orcid_check_digit(base: str) -> str:
    """ISO 7064 MOD 11-2 check character over the first 15 digits of an ORCID iD (0-9 or X)."""
    if len(base) != 15 or not base.isdigit():
        raise ValueError(f"an ORCID check digit is computed over 15 digits, not {base!r}")
    total = 0
    for char in base:
        total = (total + int(char)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def ror_checksum(body: str) -> str:
    """Two-digit checksum of a ROR ID from its 7 leading characters (``0`` + 6 base32 characters).

    The characters are a Crockford base32 number ``n``; the checksum is ``98 - (n * 100) mod 97``
    (ISO 7064 MOD 97-10), zero-padded, as ROR's own ID generator computes it.
    """
    number = 0
    for char in body.lower():
        position = _CROCKFORD.find(char)
        if position < 0:
            raise ValueError(f"{char!r} is not a ROR (Crockford base32) character")
        number = number * 32 + position
    return f"{98 - (number * 100) % 97:02d}"


_ORCID_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?orcid\.org/", re.IGNORECASE)
_ORCID_SHAPE = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])$")


def normalize_orcid(value: str) -> Pid:
    """Validate an ORCID iD (bare, ``orcid.org/...`` or URI) and return its canonical URI form."""
    text = _ORCID_PREFIX.sub("", value.strip())
    match = _ORCID_SHAPE.match(text)
    if match is None:
        raise InvalidPidError(
            "ORCID", value, "is not an ORCID iD: expected 16 characters as 0000-0000-0000-000X"
        )
    digits = "".join(match.groups()).upper()
    expected = orcid_check_digit(digits[:15])
    if digits[15] != expected:
        ident = "-".join(match.groups()).upper()
        raise InvalidPidError(
            "ORCID", ident, f"has a wrong check digit: expected {expected}", expected=expected
        )
    ident = f"{digits[0:4]}-{digits[4:8]}-{digits[8:12]}-{digits[12:16]}"
    uri = _RESOLVERS["ORCID"] + ident
    return Pid("ORCID", ident, uri, uri)


_ROR_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?ror\.org/", re.IGNORECASE)
_ROR_SHAPE = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$")


def normalize_ror(value: str) -> Pid:
    """Validate a ROR ID (bare or ``ror.org`` URI) and return its canonical URI form."""
    ident = _ROR_PREFIX.sub("", value.strip()).lower()
    if not _ROR_SHAPE.match(ident):
        raise InvalidPidError(
            "ROR",
            value,
            "is not a ROR ID: expected 9 characters, a leading 0, 6 letters or digits "
            "(no i, l, o, u) and a 2-digit checksum",
        )
    expected = ror_checksum(ident[:7])
    if ident[7:] != expected:
        raise InvalidPidError(
            "ROR", ident, f"has a wrong checksum: expected {expected}", expected=expected
        )
    uri = _RESOLVERS["ROR"] + ident
    return Pid("ROR", ident, uri, uri)


_RRID_PREFIX = re.compile(
    r"^(?:(?:https?://)?(?:www\.)?(?:identifiers\.org|scicrunch\.org/resolver)/)?RRID:\s*",
    re.IGNORECASE,
)
_RRID_SHAPE = re.compile(r"^([A-Za-z]+)_([A-Za-z0-9_:.-]+)$")
# Prefixes as the RRID registries issue them; case matters in the canonical form.
_RRID_AUTHORITIES = {
    "ab": "AB",  # Antibody Registry
    "scr": "SCR",  # SciCrunch registry: software, databases, core facilities
    "cvcl": "CVCL",  # Cellosaurus cell lines
    "addgene": "Addgene",  # plasmids
    "imsr": "IMSR",  # mouse strains (IMSR_JAX:000664)
    "mgi": "MGI",
    "zfin": "ZFIN",
    "bdsc": "BDSC",  # Bloomington Drosophila Stock Center
    "wb-strain": "WB-STRAIN",
    "rgd": "RGD",
    "nxr": "NXR",  # Xenopus resource
    "sams": "SAMS",
    "mmrrc": "MMRRC",
    "dggr": "DGGR",
    "tsc": "TSC",
    "zirc": "ZIRC",
    "cgc": "CGC",
    "nsrrc": "NSRRC",
}


def normalize_rrid(value: str) -> Pid:
    """Validate an RRID (``RRID:AB_123``, ``AB_123``, identifiers.org URI) -> ``RRID:AB_123``."""
    text = _RRID_PREFIX.sub("", value.strip())
    match = _RRID_SHAPE.match(text)
    if match is None:
        raise InvalidPidError(
            "RRID", value, "is not an RRID: expected RRID:<registry>_<id>, e.g. RRID:AB_2298772"
        )
    authority, local = match.groups()
    canonical_authority = _RRID_AUTHORITIES.get(authority.lower())
    if canonical_authority is None:
        known = ", ".join(sorted(set(_RRID_AUTHORITIES.values())))
        raise InvalidPidError(
            "RRID", value, f"has an unknown registry prefix {authority!r} (known: {known})"
        )
    ident = f"{canonical_authority}_{local}"
    return Pid("RRID", ident, _RESOLVERS["RRID"] + ident, f"RRID:{ident}")


_DOI_PREFIX = re.compile(
    r"^(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/|(?:https?://)?(?:www\.)?doi\.org/)",
    re.IGNORECASE,
)
_DOI_SHAPE = re.compile(r"^10\.(\d{4,9})(?:\.\d+)*/(\S+)$")


def normalize_doi(value: str) -> Pid:
    """Validate a DOI (``10.x/y``, ``doi:``, ``dx.doi.org``...) -> ``https://doi.org/10.x/y``.

    DOIs are case-insensitive, so the canonical form lower-cases the registrant prefix only and
    keeps the suffix as given (lower-casing it would change how it reads, not what it means).
    """
    text = _DOI_PREFIX.sub("", value.strip())
    if not text.startswith("10."):
        raise InvalidPidError("DOI", value, "is not a DOI: expected 10.<registrant>/<suffix>")
    match = _DOI_SHAPE.match(text)
    if match is None:
        raise InvalidPidError(
            "DOI",
            value,
            "is not a DOI: the registrant code after '10.' needs 4 to 9 digits, then '/' and a "
            "suffix without spaces",
        )
    uri = _RESOLVERS["DOI"] + text
    return Pid("DOI", text, uri, uri)


_HANDLE_PREFIX = re.compile(r"^(?:hdl:\s*|(?:https?://)?hdl\.handle\.net/)", re.IGNORECASE)
_HANDLE_SHAPE = re.compile(r"^(\d+(?:\.[\w-]+)*)/(\S+)$")


def normalize_handle(value: str) -> Pid:
    """Validate a Handle (``hdl:21.T11998/0000-001A-3905-F``, hdl.handle.net URI) -> URI form."""
    text = _HANDLE_PREFIX.sub("", value.strip())
    if text.startswith("10."):
        # A DOI is a handle too, but it resolves through doi.org and the schema stores it so.
        return normalize_doi(text)
    if _HANDLE_SHAPE.match(text) is None:
        raise InvalidPidError(
            "HANDLE",
            value,
            "is not a Handle: expected <numeric prefix>/<suffix>, e.g. 21.T11998/abc",
        )
    uri = _RESOLVERS["HANDLE"] + text
    return Pid("HANDLE", text, uri, uri)


def normalize_pidinst(value: str) -> Pid:
    """Validate a PIDINST instrument identifier: a Handle or a DOI, as its resolvable URI."""
    text = value.strip()
    if _DOI_PREFIX.match(text) or text.startswith("10."):
        return normalize_doi(text)
    return normalize_handle(text)


_NORMALIZERS = {
    "ORCID": normalize_orcid,
    "ROR": normalize_ror,
    "RRID": normalize_rrid,
    "DOI": normalize_doi,
    "HANDLE": normalize_handle,
    "PIDINST": normalize_pidinst,
}


def detect_scheme(value: str) -> Scheme | None:
    """The scheme a value is written in, judged from its shape alone (``None`` if unclear)."""
    text = value.strip()
    lowered = text.lower()
    if "orcid.org" in lowered or _ORCID_SHAPE.match(text):
        return "ORCID"
    if "ror.org" in lowered or _ROR_SHAPE.match(lowered):
        return "ROR"
    if lowered.startswith("rrid:") or "identifiers.org/rrid" in lowered:
        return "RRID"
    if _RRID_SHAPE.match(text) and text.split("_", 1)[0].lower() in _RRID_AUTHORITIES:
        return "RRID"
    if _DOI_PREFIX.match(text) or lowered.startswith("10."):
        return "DOI"
    if _HANDLE_PREFIX.match(text) or _HANDLE_SHAPE.match(text):
        return "HANDLE"
    return None


def normalize(value: str, scheme: str | None = None) -> Pid:
    """Validate ``value`` as ``scheme`` (a schema ``pid_scheme`` annotation) or as detected."""
    name = (scheme or detect_scheme(value) or "").upper()
    normalizer = _NORMALIZERS.get(name)
    if normalizer is None:
        if scheme:
            raise InvalidPidError(
                scheme, value, f"cannot be checked: unknown scheme (known: {', '.join(SCHEMES)})"
            )
        raise InvalidPidError("PID", value, "is not a recognised ORCID, ROR, RRID, DOI or Handle")
    return normalizer(value)


def resolve(
    pid: Pid,
    *,
    base_url: str | None = None,
    timeout: float = 5.0,
    client: httpx.Client | None = None,
) -> Resolution:
    """Ask the scheme's resolver whether ``pid`` exists (network; call only when allowed).

    Parameters
    ----------
    pid
        A validated identifier.
    base_url
        Resolver root replacing the public one (``http://127.0.0.1:8765/``): a mirror, or a
        local server impersonating the resolver in tests.
    timeout
        Seconds before giving up; resolution is advisory, so a slow resolver must not hang a
        command.
    client
        An ``httpx.Client`` to reuse (connection pooling over many identifiers).
    """
    import httpx

    root = base_url if base_url is not None else _RESOLVERS[pid.scheme]
    if base_url is not None and not root.endswith(("/", ":")):
        root += "/"
    # RRIDs resolve as identifiers.org/RRID:<id>; a replacement root names its own prefix.
    url = root + pid.value
    owned = client is None
    http = client if client is not None else httpx.Client(timeout=timeout)
    try:
        # HEAD is cheaper, but several resolvers answer it with 405; redirects are not followed
        # because a redirect from the resolver already proves the identifier is registered.
        response = http.get(url, follow_redirects=False, timeout=timeout)
    except httpx.HTTPError as exc:
        return Resolution(pid, url, False, None, f"resolver unreachable: {exc.__class__.__name__}")
    finally:
        if owned:
            http.close()
    status = response.status_code
    if status < 400:
        return Resolution(pid, url, True, status, "registered")
    if status in (404, 410):
        return Resolution(pid, url, False, status, "not registered with the resolver")
    return Resolution(pid, url, False, status, f"resolver answered HTTP {status}")
