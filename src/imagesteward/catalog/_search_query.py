"""Answering a search from the index: hits, their total and facet counts from ONE filter.

A query arrives as plain dataclasses (:class:`IndexQuery`), already parsed and expanded by
:mod:`imagesteward.search`; this module translates it for the backend. Every predicate -
text, facet values, dates, kinds, completeness, visibility and the caller's ``restrict``
(the permission predicate) - goes into one ``hits`` subquery over ``search_entries``. The
page, the total and every facet count are read from that same subquery, so a count can never
include an entry the caller would not be shown.

Full text: FTS5 ``MATCH`` on SQLite, ``tsvector @@ tsquery`` over the GIN-indexed expression
on PostgreSQL. Words are passed as quoted strings (FTS5) or through ``plainto_tsquery``
(PostgreSQL), never spliced into query syntax, so user input cannot change the query's shape.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    union,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY, TSVECTOR
from sqlalchemy.sql import Select
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from imagesteward.catalog._search_tables import (
    PAIR_SEPARATOR,
    TEXT_CONFIGURATION,
    VALUE_SEPARATOR,
    SearchEntryRow,
    SearchFacetRow,
    SearchTermRow,
    SearchTotalRow,
)
from imagesteward.catalog._tables import ProjectRow
from imagesteward.errors import SearchCursorError

__all__ = [
    "FACET_SAMPLE",
    "FacetCount",
    "FacetFilter",
    "IndexHit",
    "IndexPage",
    "IndexQuery",
    "Restriction",
    "TextMatch",
    "query_index",
]

_ENTRIES: Table = SearchEntryRow.__table__  # type: ignore[assignment]
_FACETS: Table = SearchFacetRow.__table__  # type: ignore[assignment]
_TERMS: Table = SearchTermRow.__table__  # type: ignore[assignment]
_TOTALS: Table = SearchTotalRow.__table__  # type: ignore[assignment]
_WORD = re.compile(r"\w+")

#: Facet counts of a search with more hits are taken from its most recent this many hits.
FACET_SAMPLE = 10_000
# Facets whose values are their own labels.
_UNLABELLED = {"kind", "visibility", "completeness"}

#: Builds the caller's condition from a table's columns (see :func:`query_index`).
type Restriction = Callable[[ReadOnlyColumnCollection[str, Any]], ColumnElement[bool]]


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
    #: How many hits the facet counts were taken from: all of them, or the most recent
    #: :data:`FACET_SAMPLE` when there are more (then the counts are of those).
    facets_counted: int = 0


def _fts5_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _sqlite_match(match: TextMatch) -> str:
    words = [w for w in match.words if w]
    if match.phrase:
        expression = _fts5_string(" ".join(words))
        return expression + (" *" if match.prefix else "")
    parts = [_fts5_string(w) for w in words]
    if match.prefix and parts:
        parts[-1] += " *"
    return " AND ".join(parts)


def _text_ids(connection: Connection, match: TextMatch) -> Select[Any]:
    """The ids of the entries whose text matches (FTS5 on SQLite, the GIN index otherwise)."""
    if connection.dialect.name == "sqlite":
        return (
            select(literal_column("rowid").label("id"))
            .select_from(text("search_text"))
            .where(
                # unique=True: several MATCH clauses in one statement keep their own values.
                text("search_text MATCH :q").bindparams(
                    bindparam("q", _sqlite_match(match), unique=True)
                )
            )
        )
    inner = _ENTRIES.alias("text_match")
    return select(inner.c.id).where(_pg_document(inner).bool_op("@@")(_pg_query(match)))


def _carrier_ids(connection: Connection, facet: FacetFilter) -> Select[Any]:
    """The ids of the entries carrying a value ``facet`` accepts (ignoring ``negate``).

    Labels are resolved to values first, in the small ``search_terms`` table, so that the
    condition on the large ``search_facets`` is a plain index lookup of known values.
    """
    values = set(facet.values)
    label = func.lower(_TERMS.c.label)
    named = [label == text.lower() for text in facet.labels]
    named += [label.contains(text.lower(), autoescape=True) for text in facet.contains]
    if named:
        values.update(
            connection.execute(
                select(_TERMS.c.value).where(_TERMS.c.facet == facet.facet, or_(*named))
            ).scalars()
        )
    return select(_FACETS.c.entry_id.label("id")).where(
        _FACETS.c.facet == facet.facet, _FACETS.c.value.in_(sorted(values))
    )


def _member(
    connection: Connection, ids: list[Select[Any]], *, negate: bool = False
) -> ColumnElement[bool]:
    """Entries among ``ids`` (or not among them), as ONE membership test.

    One ``IN`` over a ``UNION`` rather than an ``OR`` of ``IN``s: PostgreSQL turns it into a
    (hash) semi-join, where an ``OR`` of large subqueries may be re-run for every row. The
    negation is ``NOT EXISTS`` there (an anti-join); SQLite builds ``NOT IN``'s list once.
    """
    source = ids[0] if len(ids) == 1 else union(*ids)
    if not negate:
        return _ENTRIES.c.id.in_(source)
    if connection.dialect.name == "sqlite":
        return _ENTRIES.c.id.not_in(source)
    found = source.subquery("excluded")
    return ~exists(select(found.c.id).where(found.c.id == _ENTRIES.c.id))


def _text_condition(
    connection: Connection, match: TextMatch, *, negate: bool = False
) -> ColumnElement[bool]:
    ids = [_text_ids(connection, match)]
    ids += [_carrier_ids(connection, alternative) for alternative in match.alternatives]
    return _member(connection, ids, negate=negate)


def _pg_document(entries: Any) -> ColumnElement[Any]:
    # The stored tsvector column with the GIN index (revision 0009_search_scale): a recheck
    # reads it instead of parsing title and body again.
    return literal_column(f"{entries.name}.text_vector", TSVECTOR)


def _pg_query(match: TextMatch) -> ColumnElement[Any]:
    configuration = cast(TEXT_CONFIGURATION, REGCONFIG)
    joined = " ".join(match.words)
    if match.prefix and match.words:
        # to_tsquery syntax only for the prefix word, reduced to word characters.
        *rest, last = match.words
        tokens = _WORD.findall(last)
        stem = func.to_tsquery(configuration, ("&".join(tokens) + ":*") if tokens else "")
        if not rest:
            return stem
        head = " ".join(rest)
        base = func.phraseto_tsquery if match.phrase else func.plainto_tsquery
        combine = "<->" if match.phrase else "&&"
        return base(configuration, head).op(combine)(stem)
    build = func.phraseto_tsquery if match.phrase else func.plainto_tsquery
    return cast(build(configuration, joined), TSQUERY)


def _conditions(
    connection: Connection, query: IndexQuery, restrict: Restriction | None
) -> list[ColumnElement[bool]]:
    entries = _ENTRIES.c
    conditions: list[ColumnElement[bool]] = [true() if restrict is None else restrict(_ENTRIES.c)]
    conditions += [_text_condition(connection, match) for match in query.text]
    conditions += [_text_condition(connection, match, negate=True) for match in query.excluded_text]
    for facet in query.facets:
        conditions.append(
            _member(connection, [_carrier_ids(connection, facet)], negate=facet.negate)
        )
    if query.kinds:
        conditions.append(entries.kind.in_(query.kinds))
    if query.visibility:
        conditions.append(entries.visibility.in_(query.visibility))
    if query.min_completeness is not None:
        conditions.append(entries.completeness >= query.min_completeness)
    if query.acquired_after is not None or query.acquired_before is not None:
        conditions.append(_dates(query.acquired_after, query.acquired_before))
    return conditions


def _dates(after: datetime | None, before: datetime | None) -> ColumnElement[bool]:
    """Entries whose acquisition span overlaps ``after``..``before``.

    Spelled so that an index range answers each part: images (one instant) start in the
    range; a dataset or study may also have started before it and still run into it.
    """
    entries = _ENTRIES.c
    starts = [entries.acquired_from >= after] if after is not None else []
    if before is not None:
        starts.append(entries.acquired_from < before)
    if after is None:
        return and_(*starts)
    running = and_(
        entries.kind.in_(("dataset", "study")),
        entries.acquired_to >= after,
        entries.acquired_from < after,
    )
    return or_(and_(*starts), running)


def _encode_cursor(last_id: int, fingerprint: str) -> str:
    payload = json.dumps([last_id, fingerprint]).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _decode_cursor(cursor: str, fingerprint: str) -> int:
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
        None if restrict is None else str(restrict(_ENTRIES.c)),
    )
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:16]


def query_index(
    connection: Connection, query: IndexQuery, *, restrict: Restriction | None = None
) -> IndexPage:
    """Run ``query``: newest entries first, ``limit`` per page, facet counts of the hits.

    ``restrict`` builds a condition from a table's columns (``project_id``, ``kind``,
    ``visibility``; also ``dataset_id`` and the rest of ``search_entries``): the entries a
    caller may see. It is ANDed into the hits, the total and every count. A search with no
    condition but kinds, visibility and ``restrict`` takes its total and counts from
    ``search_totals`` (when ``restrict`` names only columns that table has).
    """
    conditions = _conditions(connection, query, restrict)
    key = fingerprint(query, restrict)
    totals = _totals(connection, query, restrict)
    if totals is not None or not query.with_facets or query.cursor:
        rows = _page(connection, conditions, query, key)
        if totals is None:
            total = _count(connection, conditions)
            facets: dict[str, Counter[str]] = {}
            counted = 0
            if query.with_facets:
                counted, facets = _facet_counts(connection, conditions, total)
        else:
            total, facets = totals
            counted = total
            if not query.with_facets:
                facets, counted = {}, 0
    else:
        # The first page of a search with conditions: ONE read of its most recent hits gives
        # the page, the facet counts and - when there are fewer than FACET_SAMPLE - the total.
        sample = _sample(connection, conditions)
        total = len(sample) if len(sample) < FACET_SAMPLE else _count(connection, conditions)
        counted, facets = len(sample), _count_values(sample)
        rows = _rows(connection, [row[0] for row in sample[: query.limit + 1]])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    hits = tuple(IndexHit(*row[1:]) for row in rows)
    next_cursor = _encode_cursor(rows[-1][0], key) if more and rows else None
    return IndexPage(hits, total, _labelled(connection, facets, query), next_cursor, counted)


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


def _page(
    connection: Connection, conditions: list[ColumnElement[bool]], query: IndexQuery, key: str
) -> list[Any]:
    """``limit + 1`` hits after the cursor, newest first (keyset: ``id <`` the last one)."""
    page_conditions = list(conditions)
    if query.cursor:
        page_conditions.append(_ENTRIES.c.id < _decode_cursor(query.cursor, key))
    return list(
        connection.execute(
            _display()
            .where(and_(*page_conditions))
            .order_by(_ENTRIES.c.id.desc())
            .limit(query.limit + 1)
        ).all()
    )


def _rows(connection: Connection, ids: list[int]) -> list[Any]:
    if not ids:
        return []
    found = {row[0]: row for row in connection.execute(_display().where(_ENTRIES.c.id.in_(ids)))}
    return [found[i] for i in ids]


def _count(connection: Connection, conditions: Sequence[ColumnElement[bool]]) -> int:
    return int(
        connection.execute(
            select(func.count()).select_from(_ENTRIES).where(and_(*conditions))
        ).scalar_one()
    )


def _sample(connection: Connection, conditions: Sequence[ColumnElement[bool]]) -> list[Any]:
    """The most recent :data:`FACET_SAMPLE` hits with what their counts need."""
    return list(
        connection.execute(
            select(
                _ENTRIES.c.id,
                _ENTRIES.c.kind,
                _ENTRIES.c.visibility,
                _ENTRIES.c.completeness,
                _ENTRIES.c.facet_values,
            )
            .where(and_(*conditions))
            .order_by(_ENTRIES.c.id.desc())
            .limit(FACET_SAMPLE)
        ).all()
    )


def _count_values(sample: Sequence[Any]) -> dict[str, Counter[str]]:
    """Facet counts of hits read by :func:`_sample`, from their ``facet_values``."""
    kinds: Counter[str] = Counter()
    visibility: Counter[str] = Counter()
    completeness: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for _, kind, shown, score, values in sample:
        kinds[kind] += 1
        visibility[shown] += 1
        if score is not None:
            completeness[str(score)] += 1
        if values:
            pairs.update(values.split(PAIR_SEPARATOR))
    facets: dict[str, Counter[str]] = {
        "kind": kinds,
        "visibility": visibility,
        "completeness": completeness,
    }
    for pair, count in pairs.items():
        facet, value = pair.split(VALUE_SEPARATOR, 1)
        facets.setdefault(facet, Counter())[value] = count
    return facets


def _totals(
    connection: Connection, query: IndexQuery, restrict: Restriction | None
) -> tuple[int, dict[str, Counter[str]]] | None:
    """Total and counts from ``search_totals``, when the query allows it."""
    if query.text or query.excluded_text or query.facets or query.min_completeness is not None:
        return None
    if query.acquired_after is not None or query.acquired_before is not None:
        return None
    totals = _TOTALS.c
    conditions: list[ColumnElement[bool]] = []
    if restrict is not None:
        try:
            conditions.append(restrict(totals))
        except (
            KeyError,
            AttributeError,
        ):  # a column only entries have: count the entries themselves
            return None
    if query.kinds:
        conditions.append(totals.kind.in_(query.kinds))
    if query.visibility:
        conditions.append(totals.visibility.in_(query.visibility))
    rows = connection.execute(
        select(
            totals.kind, totals.visibility, totals.facet, totals.value, func.sum(totals["count"])
        )
        .where(and_(true(), *conditions))
        .group_by(totals.kind, totals.visibility, totals.facet, totals.value)
    )
    facets: dict[str, Counter[str]] = {"kind": Counter(), "visibility": Counter()}
    total = 0
    for kind, visibility, facet, value, count in rows:
        if facet == "*":
            total += count
            facets["kind"][kind] += count
            facets["visibility"][visibility] += count
        else:
            facets.setdefault(facet, Counter())[value] += count
    return total, facets


def _facet_counts(
    connection: Connection, conditions: Sequence[ColumnElement[bool]], total: int
) -> tuple[int, dict[str, Counter[str]]]:
    """Counts over the hits, or over the most recent :data:`FACET_SAMPLE` of them."""
    sample = _sample(connection, conditions)
    return min(total, len(sample)), _count_values(sample)


def _labelled(
    connection: Connection, facets: dict[str, Counter[str]], query: IndexQuery
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
    pairs = [and_(_TERMS.c.facet == f, _TERMS.c.value == v) for f, v in wanted]
    rows = connection.execute(
        select(_TERMS.c.facet, _TERMS.c.value, _TERMS.c.label).where(or_(false(), *pairs))
    )
    return {(f, v): label for f, v, label in rows}
