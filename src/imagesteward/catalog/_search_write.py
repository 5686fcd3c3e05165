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

from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._search_derive import Derived, encode_facets
from imagesteward.catalog._search_lexemes import lexeme_changes
from imagesteward.catalog._search_postings import (
    Change,
    entry_pairs,
    move,
    posted_columns,
    stored_pairs,
)
from imagesteward.catalog._search_tables import (
    SearchEntryRow,
    SearchTermRow,
    SearchTotalRow,
)
from imagesteward.catalog._sqltypes import utcnow

__all__ = [
    "ENTRIES",
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
    once with the rest of its batch (and the lexemes of their text to read then).
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
    if postings is None:
        # PostgreSQL: the trigger has just written their text vectors; their lexemes too.
        # (A caller collecting ``postings`` reads them once for its whole batch.)
        changes += lexeme_changes(connection, ids.values(), 1)
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
    """Post the facet values of entries that have ids (their ``facet_values`` hold them).

    ``merge``: the entries exist already and may carry some of the values: the (facet,
    value, entry id) triples new to them are returned (the totals need them) and only those
    are posted; the entries are locked first (PostgreSQL), so that two ingests growing the
    same dataset cannot both count a value as new. ``postings``: as for
    :func:`insert_entries`.
    """
    items = [item for item in derived if item.facets]
    if not merge:
        changes = [(f, v, item.entry["id"], 1) for item in items for f, v in item.facets]
        _post(connection, changes, postings)
        return set()
    found: set[tuple[str, str, int]] = set()
    for chunk in batched(items, IN_BATCH):
        statement = select(ENTRIES.c.id, ENTRIES.c.facet_values).where(
            ENTRIES.c.id.in_([item.entry["id"] for item in chunk])
        )
        if connection.dialect.name == "postgresql":
            statement = statement.with_for_update()
        stored = {int(i): set(stored_pairs(v)) for i, v in connection.execute(statement)}
        for item in chunk:
            known = stored.get(item.entry["id"], set())
            found.update((f, v, item.entry["id"]) for f, v in item.facets - known)
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
    """Delete entries, taking them out of the posting lists and the totals."""
    entries = ENTRIES.c
    for chunk in batched(entity_ids, IN_BATCH):
        chosen = (entries.kind == kind) & entries.entity_id.in_(chunk)
        rows = connection.execute(select(*posted_columns()).where(chosen)).mappings()
        totals: Counter[TotalKey] = Counter()
        changes: list[Change] = []
        for row in rows:
            group = (row["project_id"], row["kind"], row["visibility"])
            totals[(*group, "*", "*")] -= 1
            if row["completeness"] is not None:
                totals[(*group, "completeness", str(row["completeness"]))] -= 1
            pairs = stored_pairs(row["facet_values"])
            for facet, value in pairs:
                totals[(*group, facet, value)] -= 1
            changes += [(f, v, row["id"], -1) for f, v in (*pairs, *entry_pairs(row))]
        if not totals:
            continue
        removed = {change[2] for change in changes}
        move(connection, changes + lexeme_changes(connection, removed, -1))
        connection.execute(delete(ENTRIES).where(chosen))
        add_totals(connection, totals)
        connection.execute(delete(TOTALS).where(TOTALS.c["count"] <= 0))
