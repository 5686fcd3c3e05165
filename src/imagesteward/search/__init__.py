"""Search: full text and facets over images, datasets and studies, ontology-aware.

One query language on SQLite (FTS5) and PostgreSQL (tsvector + GIN), documented in
``docs/search.md``::

    from imagesteward.search import search
    result = search(catalog, 'organism:mouse "fluorescence microscopy" date:2024', ontology=index)
    result.total, result.hits, result.facets["method"], result.next_cursor

The index itself lives in the catalog (``search_entries``), kept in step by every write
that changes what it derives from; this package parses queries, expands ontology terms to
their descendants and shapes results. It sits above both the catalog and the ontologies.
"""

from imagesteward.search._language import (
    FACET_FIELDS,
    FIELDS,
    DateRange,
    FieldFilter,
    ParsedQuery,
    TextPart,
    parse_query,
)
from imagesteward.search._plan import ONTOLOGY_FACETS, plan_query, resolve_terms
from imagesteward.search._search import MAX_LIMIT, FacetValue, SearchHit, SearchResult, search

__all__ = [
    "FACET_FIELDS",
    "FIELDS",
    "MAX_LIMIT",
    "ONTOLOGY_FACETS",
    "DateRange",
    "FacetValue",
    "FieldFilter",
    "ParsedQuery",
    "SearchHit",
    "SearchResult",
    "TextPart",
    "parse_query",
    "plan_query",
    "resolve_terms",
    "search",
]
