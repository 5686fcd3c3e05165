"""HTTP conditional and range requests (RFC 9110 §13, §14): ETags, If-None-Match, Range.

Pure functions over header values, so the rules are tested without a server.
"""

from __future__ import annotations

import hashlib
import re

from imagesteward.server._problems import RangeNotSatisfiableError

__all__ = [
    "CACHE_IMMUTABLE",
    "CACHE_LONG",
    "CACHE_REVALIDATE",
    "content_etag",
    "etag_matches",
    "if_range_allows",
    "parse_range",
    "strong_etag",
]

#: Content addressed by its SHA-256: the bytes behind the URL can never change.
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
#: Renditions and tiles: stable unless an image is converted again with other options, which
#: is rare and changes the ETag, so a week of freshness followed by revalidation is safe.
CACHE_LONG = "public, max-age=604800"
#: Documents that change when the catalog does: always revalidate (cheap with the ETag).
CACHE_REVALIDATE = "no-cache"

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
_ETAG_TOKEN = re.compile(r'(W/)?"([^"]*)"')


def strong_etag(value: str) -> str:
    """A strong entity tag (quoted) for an opaque value such as a SHA-256 digest."""
    return f'"{value}"'


def content_etag(*parts: str | bytes) -> str:
    """A strong entity tag derived from the bytes (or keys) that determine a representation."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        digest.update(b"\x00")
    return strong_etag(digest.hexdigest()[:32])


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as §13.1.2 requires)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(f'"{tag}"' == opaque for _, tag in _ETAG_TOKEN.findall(if_none_match))


def if_range_allows(if_range: str | None, etag: str) -> bool:
    """Whether a Range may be honoured under ``If-Range`` (strong comparison, §13.1.5).

    A date in If-Range is never trusted: our validators are entity tags.
    """
    if if_range is None:
        return True
    value = if_range.strip()
    return not value.startswith("W/") and value == etag


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range ``[start, end)`` a ``Range`` header asks for, or ``None`` for all.

    Malformed headers and multiple ranges are ignored (the whole representation is sent), as
    RFC 9110 §14.2 permits; clients of archives and Zarr stores ask for one range at a time.

    Raises
    ------
    RangeNotSatisfiableError
        When the range starts at or beyond the end (or asks for a zero-length suffix).
    """
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0:
            raise _unsatisfiable(header, size)
        return max(0, size - length), size
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if last and int(last) < start:
        return None  # invalid byte-range-spec: ignore the header
    if start >= size:
        raise _unsatisfiable(header, size)
    return start, end


def _unsatisfiable(header: str, size: int) -> RangeNotSatisfiableError:
    return RangeNotSatisfiableError(
        f"Range {header.strip()!r} lies beyond the end of this {size}-byte resource; ask for "
        f"bytes 0-{max(size - 1, 0)} or fewer.",
        size=size,
    )
