"""Answering a search from the index: hits, their total and facet counts from ONE hit set.

A query arrives as plain dataclasses (:class:`IndexQuery`), already parsed and expanded by
:mod:`imagesteward.search`. Every condition - text, facet values, dates, kinds,
completeness, visibility and the caller's :class:`Restriction` (the permission scope) -
becomes a set of entry ids, and the hits are their intersection: a compressed bitmap.
Facet values, kinds, visibility, completeness and scope come from the posting lists
(:mod:`._search_postings`); full text and dates from SQL (:mod:`._search_match`). The page,
the total and every facet count are read from that same hit set, so a count can never
include an entry the caller would not be shown, and every count is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.sql import Select

from imagesteward.catalog._search_lexemes import LEXEME, prefixed, word_lexemes
from imagesteward.catalog._search_match import named_values, overlap_ids, start_ids, text_ids
from imagesteward.catalog._search_postings import (
    COMPLETENESS,
    DATASET,
    EVERY,
    KIND,
    PROJECT,
    VISIBILITY,
    PostingCache,
)
from imagesteward.catalog._search_tables import FACETS, SearchEntryRow, SearchTermRow
from imagesteward.catalog._search_types import (
    FacetCount,
    FacetFilter,
    IndexHit,
    IndexPage,
    IndexQuery,
    Restriction,
    TextMatch,
    decode_cursor,
    encode_cursor,
    fingerprint,
)
from imagesteward.catalog._tables import ProjectRow

if TYPE_CHECKING:
    from pyroaring import BitMap

__all__ = ["query_index"]

_ENTRIES: Table = SearchEntryRow.__table__  # type: ignore[assignment]
_TERMS: Table = SearchTermRow.__table__  # type: ignore[assignment]

# Facets shown with counts, and the posting lists they are counted from.
_COUNTED = {**{facet: facet for facet in FACETS}, KIND: "kind", VISIBILITY: "visibility"}
_COUNTED[COMPLETENESS] = "completeness"
# PostgreSQL's working memory for one search (see query_index).
_WORK_MEM = "64MB"
# Facets whose values are their own labels.
_UNLABELLED = {"kind", "visibility", "completeness"}


def query_index(
    connection: Connection,
    query: IndexQuery,
    *,
    postings: PostingCache,
    restrict: Restriction | None = None,
) -> IndexPage:
    """Run ``query``: newest entries first, ``limit`` per page, exact facet counts of the hits.

    ``restrict``: the entries a caller may see (``None``: everything). ``postings`` holds the
    posting lists already read by this process.
    """
    if connection.dialect.name == "postgresql":
        # Text matches of a few hundred thousand entries keep an exact bitmap of heap pages
        # (PostgreSQL's default 4 MB goes lossy there: every row of a page is checked again).
        connection.exec_driver_sql(f"SET LOCAL work_mem = '{_WORK_MEM}'")
    wanted_values: list[tuple[str, str]] = []
    if restrict is not None:
        wanted_values += [(DATASET, str(d)) for d in restrict.datasets]
        wanted_values += [(PROJECT, str(p)) for p in restrict.projects]
    lists = postings.read(connection, [EVERY, *_COUNTED], wanted_values)

    def read_more(values: list[tuple[str, str]]) -> dict[tuple[str, str], BitMap]:
        return postings.read(connection, [], values)

    hits = _hits(connection, query, restrict, _Lists(dict(lists), read_more))
    key = fingerprint(query, restrict)
    below = len(hits)
    if query.cursor:
        below = hits.rank(decode_cursor(query.cursor, key) - 1)
    ids = [hits[i] for i in range(below - 1, max(below - 2 - query.limit, -1), -1)]
    more = len(ids) > query.limit
    rows = _rows(connection, ids[: query.limit])
    hits_found = tuple(IndexHit(*row[1:]) for row in rows)
    next_cursor = encode_cursor(rows[-1][0], key) if more and rows else None
    facets: dict[str, dict[str, int]] = {}
    if query.with_facets and hits:
        facets = _counts(hits, lists)
    return IndexPage(hits_found, len(hits), _labelled(connection, facets, query), next_cursor)


class _Lists:
    """The posting lists read for one search; a missing value has no entries.

    ``more`` reads further lists (single values, such as lexemes) when a condition needs them.
    """

    def __init__(
        self,
        lists: dict[tuple[str, str], BitMap],
        more: Callable[[list[tuple[str, str]]], dict[tuple[str, str], BitMap]],
    ) -> None:
        self._lists = lists
        self._more = more

    def fetch(self, facet: str, values: Iterable[str]) -> list[BitMap]:
        """The lists of ``values`` (read now if not yet), empty ones for values none carry."""
        from pyroaring import BitMap

        wanted = [(facet, v) for v in values]
        missing = [key for key in wanted if key not in self._lists]
        if missing:
            self._lists.update(self._more(missing))
        return [self._lists.get(key) or BitMap() for key in wanted]

    def one(self, facet: str, value: str) -> BitMap:
        from pyroaring import BitMap

        return self._lists.get((facet, value)) or BitMap()

    def union(self, facet: str, values: Iterable[str]) -> BitMap:
        from pyroaring import BitMap

        found = [self._lists[facet, v] for v in set(values) if (facet, v) in self._lists]
        return BitMap.union(*found) if found else BitMap()

    def values(self, facet: str) -> list[str]:
        return [value for name, value in self._lists if name == facet]


def _hits(
    connection: Connection, query: IndexQuery, restrict: Restriction | None, lists: _Lists
) -> BitMap:
    """The entries meeting every condition of ``query`` within ``restrict``."""
    hits = lists.one(EVERY, "").copy()
    if restrict is not None:
        scope = lists.union(DATASET, map(str, restrict.datasets))
        scope |= lists.union(PROJECT, map(str, restrict.projects)) & lists.one(KIND, "study")
        hits &= scope
    if query.kinds:
        hits &= lists.union(KIND, query.kinds)
    if query.visibility:
        hits &= lists.union(VISIBILITY, query.visibility)
    if query.min_completeness is not None:
        scores = [v for v in lists.values(COMPLETENESS) if int(v) >= query.min_completeness]
        hits &= lists.union(COMPLETENESS, scores)
    for facet in query.facets:
        if facet.negate:
            hits -= _carriers(connection, facet, lists)
        else:
            hits &= _carriers(connection, facet, lists)
    if hits and (query.acquired_after is not None or query.acquired_before is not None):
        hits &= _dates(connection, query.acquired_after, query.acquired_before, lists)
    # Text last: the most expensive condition is skipped once nothing is left.
    for match in query.text:
        if hits:
            hits &= _text(connection, match, lists, hits)
    for match in query.excluded_text:
        if hits:
            hits -= _text(connection, match, lists, hits)
    return hits


def _dates(
    connection: Connection, after: datetime | None, before: datetime | None, lists: _Lists
) -> BitMap:
    """Entries whose acquisition overlaps ``after``..``before``.

    An image's ``year`` facet is the year it was acquired, so the whole years in the range
    come from those posting lists; only the parts of the range outside whole years are asked
    of the date index, and datasets and studies (spans) always are.
    """
    whole = sorted(
        year
        for year in map(int, lists.values("year"))
        if (after is None or after <= datetime(year, 1, 1))
        and (before is None or datetime(year + 1, 1, 1) <= before)
    )
    found = overlap_ids(connection, after, before)
    if not whole:
        return found | start_ids(connection, after, before)
    found |= lists.union("year", map(str, whole)) & lists.one(KIND, "image")
    first, last = datetime(whole[0], 1, 1), datetime(whole[-1] + 1, 1, 1)
    if after is None or after < first:
        found |= start_ids(connection, after, first)
    if before is None or last < before:
        found |= start_ids(connection, last, before)
    return found


def _carriers(connection: Connection, facet: FacetFilter, lists: _Lists) -> BitMap:
    """The entries carrying a value ``facet`` accepts (ignoring ``negate``)."""
    values = set(facet.values)
    values |= named_values(connection, facet.facet, facet.labels, facet.contains)
    return lists.union(facet.facet, values)


def _text(connection: Connection, match: TextMatch, lists: _Lists, within: BitMap) -> BitMap:
    """Entries among ``within`` matching the text, or carrying one of its alternatives."""
    found = within.copy()
    found.clear()
    for alternative in match.alternatives:
        found |= _carriers(connection, alternative, lists)
    # The text is only asked about the entries the alternatives leave: a term's name is
    # usually in the text of the very entries that carry the term.
    rest = within - found
    if not rest:
        return found
    if connection.dialect.name == "postgresql":
        return found | _lexeme_text(connection, match, lists, rest)
    return found | text_ids(
        connection, match.words, phrase=match.phrase, prefix=match.prefix, within=rest
    )


def _lexeme_text(connection: Connection, match: TextMatch, lists: _Lists, within: BitMap) -> BitMap:
    """PostgreSQL: the entries holding every lexeme of the words, from their posting lists.

    A prefix takes any lexeme beginning with its word's; a phrase is then checked by the GIN
    index among the entries holding all its words (word order lives only there).
    """
    from pyroaring import BitMap

    words = list(match.words)
    last = words.pop() if match.prefix and words else None
    found = within.copy()
    lexemes = word_lexemes(connection, words) if words else []
    if not lexemes and last is None:
        return BitMap()  # stop words only: PostgreSQL matches nothing either
    for posting in lists.fetch(LEXEME, lexemes):
        found &= posting
    if last is not None:
        stems = word_lexemes(connection, [last])
        if len(stems) != 1:  # several tokens ("x-ray*"): as PostgreSQL's own query does
            return text_ids(connection, match.words, phrase=match.phrase, prefix=True, within=found)
        found &= BitMap.union(BitMap(), *lists.fetch(LEXEME, prefixed(connection, stems[0])))
    if match.phrase and found:
        found = text_ids(connection, match.words, phrase=True, prefix=match.prefix, within=found)
    return found


def _counts(hits: BitMap, lists: dict[tuple[str, str], BitMap]) -> dict[str, dict[str, int]]:
    """How many hits carry each value of each counted facet (values carried by none left out)."""
    facets: dict[str, dict[str, int]] = {}
    for (facet, value), carriers in lists.items():
        shown = _COUNTED.get(facet)
        if shown is None:
            continue
        count = hits.intersection_cardinality(carriers)
        if count:
            facets.setdefault(shown, {})[value] = count
    return facets


def _display() -> Select[Any]:
    return select(
        _ENTRIES.c.id,
        _ENTRIES.c.kind,
        _ENTRIES.c.entity_id,
        _ENTRIES.c.project_id,
        ProjectRow.name,
        _ENTRIES.c.dataset_id,
        _ENTRIES.c.title,
        _ENTRIES.c.acquired_from,
        _ENTRIES.c.acquired_to,
        _ENTRIES.c.completeness,
        _ENTRIES.c.visibility,
    ).join(ProjectRow, ProjectRow.id == _ENTRIES.c.project_id)


def _rows(connection: Connection, ids: list[int]) -> list[Any]:
    if not ids:
        return []
    found = {row[0]: row for row in connection.execute(_display().where(_ENTRIES.c.id.in_(ids)))}
    # An entry removed since its id was read (another transaction) is simply not shown.
    return [found[i] for i in ids if i in found]


def _labelled(
    connection: Connection, facets: dict[str, dict[str, int]], query: IndexQuery
) -> dict[str, tuple[FacetCount, ...]]:
    """The most frequent values of each facet, with their labels."""
    chosen = {
        facet: sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: query.facet_values]
        for facet, counts in facets.items()
        if counts
    }
    wanted = [(facet, value) for facet, values in chosen.items() for value, _ in values]
    labels = _labels(connection, [w for w in wanted if w[0] not in _UNLABELLED])
    return {
        facet: tuple(FacetCount(v, labels.get((facet, v), v), n) for v, n in values)
        for facet, values in chosen.items()
    }


def _labels(connection: Connection, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    if not wanted:
        return {}
    # Two plain INs (a superset, filtered here) rather than one OR of hundreds of pairs.
    rows = connection.execute(
        select(_TERMS.c.facet, _TERMS.c.value, _TERMS.c.label).where(
            _TERMS.c.facet.in_({f for f, _ in wanted}), _TERMS.c.value.in_({v for _, v in wanted})
        )
    )
    chosen = set(wanted)
    return {(f, v): label for f, v, label in rows if (f, v) in chosen}
