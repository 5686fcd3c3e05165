"""Writing search entries: rows, facet values, labels and the per-project totals.

The statements every path of the index shares - :mod:`._search_index` (keeping in step),
:mod:`._search_rebuild` (bulk) and :mod:`._search_scores` (scores, visibility) - so that
``search_totals`` is moved the same way by all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from itertools import batched
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._search_derive import Derived, encode_facets
from imagesteward.catalog._search_postings import Change, entry_pairs, move
from imagesteward.catalog._search_tables import (
    SearchEntryRow,
    SearchFacetRow,
    SearchTermRow,
    SearchTotalRow,
)
from imagesteward.catalog._sqltypes import utcnow

__all__ = [
    "ENTRIES",
    "FACETS",
    "TERMS",
    "TOTALS",
    "TotalKey",
    "add_totals",
    "entry_totals",
    "insert_entries",
    "insert_facets",
    "remove",
    "upsert_terms",
    "write",
]

ENTRIES: Table = SearchEntryRow.__table__  # type: ignore[assignment]
FACETS: Table = SearchFacetRow.__table__  # type: ignore[assignment]
TERMS: Table = SearchTermRow.__table__  # type: ignore[assignment]
TOTALS: Table = SearchTotalRow.__table__  # type: ignore[assignment]


def _dialect(connection: Connection) -> Any:
    return postgresql if connection.dialect.name == "postgresql" else sqlite


def insert_entries(
    connection: Connection, derived: list[Derived], postings: list[Change] | None = None
) -> None:
    """Insert entries of ONE kind (none may exist yet); sets each one's ``id``.

    RETURNING rows are matched by entity id, so SQLite need not insert row by row. Their
    posting lists are moved now, or - ``postings`` given - added to it for the caller to move
    once with the rest of its batch.
    """
    if not derived:
        return
    now = utcnow()
    rows = [
        {**item.entry, "facet_values": encode_facets(item.facets), "indexed_at": now}
        for item in derived
    ]
    statement = insert(ENTRIES).returning(ENTRIES.c.entity_id, ENTRIES.c.id)
    ids = {int(entity): int(entry) for entity, entry in connection.execute(statement, rows)}
    for item in derived:
        item.entry["id"] = ids[item.entry["entity_id"]]
    changes = [(f, v, item.entry["id"], 1) for item in derived for f, v in entry_pairs(item.entry)]
    _post(connection, changes, postings)


def _post(connection: Connection, changes: list[Change], postings: list[Change] | None) -> None:
    if postings is None:
        move(connection, changes)
    else:
        postings += changes


def insert_facets(
    connection: Connection,
    derived: Iterable[Derived],
    *,
    merge: bool = False,
    postings: list[Change] | None = None,
) -> set[tuple[str, str, int]]:
    """The facet values of entries that have ids.

    ``merge``: some may be there already; the (facet, value, entry id) rows actually added
    are returned (RETURNING reports only rows inserted), which the totals need. ``postings``:
    as for :func:`insert_entries`.
    """
    rows = [
        {"facet": facet, "value": value, "entry_id": item.entry["id"]}
        for item in derived
        for facet, value in item.facets
    ]
    if not rows:
        return set()
    statement = _dialect(connection).insert(FACETS)
    if not merge:
        connection.execute(statement, rows)
        _post(connection, [(r["facet"], r["value"], r["entry_id"], 1) for r in rows], postings)
        return set()
    added = statement.on_conflict_do_nothing().returning(
        FACETS.c.facet, FACETS.c.value, FACETS.c.entry_id
    )
    found = {(f, v, int(e)) for f, v, e in connection.execute(added, rows)}
    _post(connection, [(f, v, e, 1) for f, v, e in found], postings)
    return found


def upsert_terms(connection: Connection, derived: Iterable[Derived]) -> None:
    labels: dict[tuple[str, str], str] = {}
    for item in derived:
        labels.update(item.labels)
    if not labels:
        return
    upsert = _dialect(connection).insert(TERMS)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=["facet", "value"], set_={"label": upsert.excluded.label}
        ),
        [{"facet": f, "value": v, "label": label} for (f, v), label in labels.items()],
    )


type TotalKey = tuple[int, str, str, str, str]


def entry_totals(derived: Iterable[Derived]) -> Counter[TotalKey]:
    """What new entries add to ``search_totals``: themselves, their values, their scores."""
    totals: Counter[TotalKey] = Counter()
    for item in derived:
        entry = item.entry
        group = (entry["project_id"], entry["kind"], entry["visibility"])
        totals[(*group, "*", "*")] += 1
        if entry.get("completeness") is not None:
            totals[(*group, "completeness", str(entry["completeness"]))] += 1
        for facet, value in item.facets:
            totals[(*group, facet, value)] += 1
    return totals


def add_totals(connection: Connection, totals: Counter[TotalKey]) -> None:
    """Add (or, negative, take away) counts in ``search_totals``; one statement."""
    rows = [
        {"project_id": p, "kind": k, "visibility": v, "facet": f, "value": x, "count": n}
        for (p, k, v, f, x), n in totals.items()
        if n
    ]
    if not rows:
        return
    upsert = _dialect(connection).insert(TOTALS)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=["project_id", "kind", "visibility", "facet", "value"],
            set_={"count": TOTALS.c["count"] + upsert.excluded["count"]},
        ),
        rows,
    )


def write(connection: Connection, derived: list[Derived]) -> None:
    """Insert entries of ONE kind with their facet values, labels and totals."""
    insert_entries(connection, derived)
    insert_facets(connection, derived, merge=False)
    upsert_terms(connection, derived)
    add_totals(connection, entry_totals(derived))


def remove(connection: Connection, kind: str, entity_ids: Collection[int]) -> None:
    """Delete entries with their facet values, taking them out of the totals."""
    entries = ENTRIES.c
    for chunk in batched(entity_ids, IN_BATCH):
        chosen = (entries.kind == kind) & entries.entity_id.in_(chunk)
        group = (entries.project_id, entries.kind, entries.visibility)
        totals: Counter[TotalKey] = Counter()
        counted = (
            select(*group, FACETS.c.facet, FACETS.c.value, func.count())
            .join(FACETS, FACETS.c.entry_id == entries.id)
            .where(chosen)
            .group_by(*group, FACETS.c.facet, FACETS.c.value)
        )
        for project, kind_, visibility, facet, value, count in connection.execute(counted):
            totals[(project, kind_, visibility, facet, value)] -= count
        themselves = (
            select(*group, entries.completeness, func.count())
            .where(chosen)
            .group_by(*group, entries.completeness)
        )
        for project, kind_, visibility, completeness, count in connection.execute(themselves):
            totals[(project, kind_, visibility, "*", "*")] -= count
            if completeness is not None:
                totals[(project, kind_, visibility, "completeness", str(completeness))] -= count
        if not totals:
            continue
        ids = select(entries.id).where(chosen)
        _unpost(connection, ids)
        connection.execute(delete(FACETS).where(FACETS.c.entry_id.in_(ids)))
        connection.execute(delete(ENTRIES).where(chosen))
        add_totals(connection, totals)
        connection.execute(delete(TOTALS).where(TOTALS.c["count"] <= 0))


def _unpost(connection: Connection, ids: Any) -> None:
    """Take the entries ``ids`` (a subquery) out of every posting list."""
    entries = ENTRIES.c
    changes = [
        (f, v, int(e), -1)
        for f, v, e in connection.execute(
            select(FACETS.c.facet, FACETS.c.value, FACETS.c.entry_id).where(
                FACETS.c.entry_id.in_(ids)
            )
        )
    ]
    columns = (entries.id, entries.kind, entries.visibility, entries.project_id)
    rows = connection.execute(
        select(*columns, entries.dataset_id, entries.completeness).where(entries.id.in_(ids))
    ).mappings()
    changes += [(f, v, row["id"], -1) for row in rows for f, v in entry_pairs(row)]
    move(connection, changes)
