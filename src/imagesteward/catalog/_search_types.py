"""What a search asks of the index and what it answers: plain dataclasses, and cursors.

:mod:`imagesteward.search` builds an :class:`IndexQuery` from its query language;
:mod:`._search_query` answers it with an :class:`IndexPage`. A cursor names the last hit of a
page and the query it belongs to (:func:`fingerprint`), so that it cannot continue another.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime

from imagesteward.errors import SearchCursorError

__all__ = [
    "FacetCount",
    "FacetFilter",
    "IndexHit",
    "IndexPage",
    "IndexQuery",
    "Restriction",
    "TextMatch",
    "decode_cursor",
    "encode_cursor",
    "fingerprint",
]


@dataclass(frozen=True, slots=True)
class Restriction:
    """What a caller may see: the entries of some datasets and projects.

    Images and datasets follow their dataset; project-level entries (studies) their project.
    Applied to the hits, the total and every facet count alike.
    """

    datasets: frozenset[int] = frozenset()
    projects: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class FacetFilter:
    """Entries carrying one of some values of a facet (none of them when ``negate``).

    A value counts when it is one of ``values``, or its label equals one of ``labels``, or
    its label contains one of ``contains`` (labels compared case-insensitively).
    """

    facet: str
    values: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    negate: bool = False


@dataclass(frozen=True, slots=True)
class TextMatch:
    """Words that must all occur, or - ontology-aware - one of some facet values.

    ``phrase``: the words in this order; ``prefix``: the last word may begin a longer word;
    ``alternatives``: entries matching any of these facet filters match as well.
    """

    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False
    alternatives: tuple[FacetFilter, ...] = ()


@dataclass(frozen=True, slots=True)
class IndexQuery:
    """Everything a search asks of the index; all conditions must hold."""

    text: tuple[TextMatch, ...] = ()
    excluded_text: tuple[TextMatch, ...] = ()
    facets: tuple[FacetFilter, ...] = ()
    kinds: tuple[str, ...] = ()
    acquired_after: datetime | None = None
    acquired_before: datetime | None = None
    min_completeness: int | None = None
    visibility: tuple[str, ...] = ()
    limit: int = 20
    cursor: str | None = None
    facet_values: int = 10
    with_facets: bool = True


@dataclass(frozen=True, slots=True)
class IndexHit:
    """One entry found."""

    kind: str
    entity_id: int
    project_id: int
    project: str
    dataset_id: int | None
    title: str
    acquired_from: datetime | None
    acquired_to: datetime | None
    completeness: int | None
    visibility: str


@dataclass(frozen=True, slots=True)
class FacetCount:
    """How many hits carry a facet value."""

    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class IndexPage:
    """A page of hits, the total, the facet counts, and the cursor of the next page."""

    hits: tuple[IndexHit, ...]
    total: int
    facets: dict[str, tuple[FacetCount, ...]] = field(default_factory=dict)
    next_cursor: str | None = None


def encode_cursor(last_id: int, fingerprint: str) -> str:
    payload = json.dumps([last_id, fingerprint]).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        last_id, seen = json.loads(base64.urlsafe_b64decode(padded))
        valid = isinstance(last_id, int) and seen == fingerprint
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise SearchCursorError(
            f"Cannot continue this search from cursor {cursor!r}: it belongs to another query "
            "or is damaged. Start again from the first page (no cursor).",
            cursor=cursor,
        )
    return int(last_id)


def fingerprint(query: IndexQuery, restrict: Restriction | None) -> str:
    """What a cursor must match: the conditions, not the page."""
    import hashlib

    shape = (
        query.text,
        query.excluded_text,
        query.facets,
        query.kinds,
        query.acquired_after,
        query.acquired_before,
        query.min_completeness,
        query.visibility,
        restrict,
    )
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:16]
