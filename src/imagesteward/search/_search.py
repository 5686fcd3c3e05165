"""The one search function the CLI, the server and the web UI call."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from imagesteward.catalog import Catalog, Restriction
from imagesteward.ontology import OntologyIndex
from imagesteward.search._language import parse_query
from imagesteward.search._plan import plan_query

__all__ = ["MAX_LIMIT", "FacetValue", "SearchHit", "SearchResult", "search"]

#: Larger pages are refused: follow ``next_cursor`` instead.
MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class SearchHit:
    """An image, a dataset or a study that matched.

    ``id`` is the image's, dataset's or study's own id in the catalog. ``completeness`` is
    the highest tier whose fields are all filled (``None``: not scored yet).
    """

    kind: str
    id: int
    title: str
    project: str
    dataset_id: int | None
    acquired_from: datetime | None
    acquired_to: datetime | None
    completeness: int | None
    visibility: str

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "project": self.project,
            "dataset_id": self.dataset_id,
            "acquired_from": _iso(self.acquired_from),
            "acquired_to": _iso(self.acquired_to),
            "completeness": self.completeness,
            "visibility": self.visibility,
        }


@dataclass(frozen=True, slots=True)
class FacetValue:
    """A value of a facet among the hits, with its label and how many hits carry it."""

    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One page of a search: hits, their exact total, exact facet counts, the next cursor."""

    query: str
    total: int
    hits: tuple[SearchHit, ...]
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    next_cursor: str | None = None
    took_ms: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary (the API's and ``steward search --json``'s shape)."""
        return {
            "query": self.query,
            "total": self.total,
            "hits": [hit.as_json() for hit in self.hits],
            "facets": {
                name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
                for name, values in self.facets.items()
            },
            "next_cursor": self.next_cursor,
            "took_ms": round(self.took_ms, 1),
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def search(
    catalog: Catalog,
    query: str,
    *,
    ontology: OntologyIndex | None = None,
    limit: int = 20,
    cursor: str | None = None,
    facet_values: int = 10,
    with_facets: bool = True,
    restrict: Restriction | None = None,
) -> SearchResult:
    """Search images, datasets and studies (see :mod:`imagesteward.search` for the language).

    Parameters
    ----------
    catalog
        The open catalog.
    query
        The query text; empty finds everything.
    ontology
        Terms for ontology-aware expansion (``imagesteward.ontology.load_index``); without it
        terms match only by the identifiers and labels stored in the index.
    limit
        Hits per page (1 to :data:`MAX_LIMIT`).
    cursor
        ``next_cursor`` of the previous page of the same query.
    facet_values
        Most frequent values listed per facet.
    with_facets
        ``False`` skips the facet counts (the total is still exact).
    restrict
        Builds the caller's condition from a table's columns (``project_id``, ``kind``,
        ``visibility``, ...); ANDed into the hits, the total and every facet count.

    Raises
    ------
    SearchQueryError
        For a query that cannot be parsed, a bad limit, or a cursor of another query.
    """
    from imagesteward.errors import SearchQueryError

    if not 1 <= limit <= MAX_LIMIT:
        raise SearchQueryError(
            f"A page holds 1 to {MAX_LIMIT} hits, not {limit}; follow next_cursor for more.",
            limit=limit,
        )
    started = time.perf_counter()
    planned = plan_query(
        parse_query(query),
        ontology,
        limit=limit,
        cursor=cursor,
        facet_values=facet_values,
        with_facets=with_facets,
    )
    page = catalog.query_index(planned, restrict=restrict)
    hits = tuple(
        SearchHit(
            kind=hit.kind,
            id=hit.entity_id,
            title=hit.title,
            project=hit.project,
            dataset_id=hit.dataset_id,
            acquired_from=hit.acquired_from,
            acquired_to=hit.acquired_to,
            completeness=hit.completeness,
            visibility=hit.visibility,
        )
        for hit in page.hits
    )
    facets = {
        name: tuple(FacetValue(c.value, c.label, c.count) for c in counts)
        for name, counts in page.facets.items()
    }
    took = (time.perf_counter() - started) * 1000
    return SearchResult(query, page.total, hits, facets, page.next_cursor, took)
