"""Posting lists of the search index as compressed bitmaps (roaring), one row per value.

A search at a million entries must count, for every facet value, how many of its hits carry
it. Row by row that is a visit of every hit (seconds); as bitmaps it is a few hundred
intersections of compressed sets (milliseconds). So every value the index filters or counts
on has a posting list of entry ids in ``search_postings``: the facet values of
``search_entries.facet_values``, and the entry's own columns under internal names (:data:`KIND`,
:data:`VISIBILITY`, :data:`COMPLETENESS`, :data:`DATASET`, :data:`PROJECT`, :data:`EVERY`).

The postings are written in the same transaction as the entries and facet values they
mirror (:func:`move`), with the rows locked on PostgreSQL so concurrent writers cannot lose
each other's changes; each write gives the row a new random ``stamp``. Readers keep
deserialised bitmaps in a :class:`PostingCache` and fetch only the rows whose stamp changed,
within their own transaction, so what they count is what their snapshot holds.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, RowMapping, Table, delete, select, tuple_

from imagesteward.catalog._search_tables import (
    PAIR_SEPARATOR,
    VALUE_SEPARATOR,
    SearchEntryRow,
    SearchPostingRow,
)

if TYPE_CHECKING:
    from pyroaring import BitMap

__all__ = [
    "COMPLETENESS",
    "DATASET",
    "EVERY",
    "KIND",
    "POSTINGS",
    "PROJECT",
    "VISIBILITY",
    "Change",
    "PostingCache",
    "check",
    "entry_pairs",
    "expected",
    "move",
    "replace_all",
    "stored_pairs",
]

POSTINGS: Table = SearchPostingRow.__table__  # type: ignore[assignment]

#: Internal facets: the entry's columns. A leading "." keeps them apart from real facets.
EVERY, KIND, VISIBILITY, COMPLETENESS = ".all", ".kind", ".visibility", ".completeness"
DATASET, PROJECT = ".dataset", ".project"

# More new lists than this are written with COPY on PostgreSQL.
_COPY_FROM = 5000

#: (facet, value, entry id, +1 to add / -1 to take away)
type Change = tuple[str, str, int, int]


def entry_pairs(entry: Mapping[str, Any] | RowMapping) -> list[tuple[str, str]]:
    """The internal (facet, value) pairs of an entry (a row or a derived entry's dict)."""
    pairs = [
        (EVERY, ""),
        (KIND, str(entry["kind"])),
        (VISIBILITY, str(entry["visibility"])),
        (PROJECT, str(entry["project_id"])),
    ]
    if entry.get("dataset_id") is not None:
        pairs.append((DATASET, str(entry["dataset_id"])))
    if entry.get("completeness") is not None:
        pairs.append((COMPLETENESS, str(entry["completeness"])))
    return pairs


def stored_pairs(facet_values: str | None) -> list[tuple[str, str]]:
    """The facet values held in ``search_entries.facet_values``."""
    if not facet_values:
        return []
    return [
        tuple(pair.split(VALUE_SEPARATOR, 1))  # type: ignore[misc]
        for pair in facet_values.split(PAIR_SEPARATOR)
    ]


def _bitmap(data: bytes | None = None) -> BitMap:
    from pyroaring import BitMap

    return BitMap.deserialize(data) if data else BitMap()


def move(connection: Connection, changes: Iterable[Change]) -> None:
    """Apply ``changes`` to the stored postings: one read and one write per value touched."""
    wanted: dict[tuple[str, str], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for facet, value, entry_id, sign in changes:
        wanted[facet, value][0 if sign > 0 else 1].append(entry_id)
    if not wanted:
        return
    keys = sorted(wanted)  # one order for every writer: row locks cannot deadlock
    stored: dict[tuple[str, str], bytes] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        statement = select(POSTINGS.c.facet, POSTINGS.c.value, POSTINGS.c.bitmap).where(
            tuple_(POSTINGS.c.facet, POSTINGS.c.value).in_(chunk)
        )
        if connection.dialect.name == "postgresql":
            statement = statement.with_for_update()
        stored.update({(f, v): b for f, v, b in connection.execute(statement)})
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    empty: list[tuple[str, str]] = []
    for key in keys:
        added, removed = wanted[key]
        from pyroaring import BitMap

        bitmap = _bitmap(stored.get(key))
        bitmap |= BitMap(added)
        bitmap -= BitMap(removed)
        if not bitmap:
            if key in stored:
                empty.append(key)
            continue
        row = {"f": key[0], "v": key[1], "stamp": _stamp(), "bitmap": bitmap.serialize()}
        (updates if key in stored else inserts).append(row)
    _write(connection, updates, inserts, empty)


def _stamp() -> int:
    return secrets.randbits(62)


def _write(
    connection: Connection,
    updates: list[dict[str, Any]],
    inserts: list[dict[str, Any]],
    empty: list[tuple[str, str]],
) -> None:
    from sqlalchemy import bindparam, insert, update

    columns = POSTINGS.c
    if updates:
        connection.execute(
            update(POSTINGS)
            .where(columns.facet == bindparam("f"), columns.value == bindparam("v"))
            .values(stamp=bindparam("stamp"), bitmap=bindparam("bitmap")),
            updates,
        )
    if inserts and connection.dialect.name == "postgresql" and len(inserts) > _COPY_FROM:
        # A rebuild's million lexeme lists: COPY, not a million INSERTs.
        raw: Any = connection.connection.driver_connection
        statement = f"COPY {POSTINGS.name} (facet, value, stamp, bitmap) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in inserts:
                copy.write_row((row["f"], row["v"], row["stamp"], row["bitmap"]))
    elif inserts:
        # A concurrent writer may have created the same value meanwhile (PostgreSQL): then
        # this transaction fails and is retried by its caller like any unique conflict.
        connection.execute(
            insert(POSTINGS).values(
                facet=bindparam("f"),
                value=bindparam("v"),
                stamp=bindparam("stamp"),
                bitmap=bindparam("bitmap"),
            ),
            inserts,
        )
    for start in range(0, len(empty), 500):
        connection.execute(
            delete(POSTINGS).where(
                tuple_(columns.facet, columns.value).in_(empty[start : start + 500])
            )
        )


def replace_all(connection: Connection, postings: Mapping[tuple[str, str], Iterable[int]]) -> None:
    """Replace every posting list (a rebuild): the ids of each (facet, value)."""
    from pyroaring import BitMap

    connection.execute(delete(POSTINGS))
    rows = []
    for (facet, value), ids in postings.items():
        bitmap = ids if isinstance(ids, BitMap) else BitMap(ids)
        bitmap.run_optimize()
        rows.append({"f": facet, "v": value, "stamp": _stamp(), "bitmap": bitmap.serialize()})
    _write(connection, [], rows, [])


class PostingCache:
    """Deserialised posting lists of one database, refreshed by stamp on every read.

    Shared by the threads of one process (a server's workers): entries are replaced whole,
    never changed in place, and each reader works on the mapping it was handed.
    """

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], tuple[int, BitMap]] = {}

    def read(
        self, connection: Connection, facets: Iterable[str], values: Iterable[tuple[str, str]] = ()
    ) -> dict[tuple[str, str], BitMap]:
        """Every posting of ``facets`` and the single ``values``, as this transaction sees them."""
        columns = POSTINGS.c
        keyed = sorted(set(values))
        # Separate statements, each an index range: an OR of them would be a scan of every
        # posting list (a million lexemes on PostgreSQL).
        wanted = [columns.facet.in_(sorted(set(facets)))] if facets else []
        for start in range(0, len(keyed), 500):
            wanted.append(tuple_(columns.facet, columns.value).in_(keyed[start : start + 500]))
        stamps: dict[tuple[str, str], int] = {}
        for condition in wanted:
            stamps.update(
                ((f, v), s)
                for f, v, s in connection.execute(
                    select(columns.facet, columns.value, columns.stamp).where(condition)
                )
            )
        stale = [key for key, stamp in stamps.items() if self._held.get(key, (None,))[0] != stamp]
        for start in range(0, len(stale), 200):
            chunk = stale[start : start + 200]
            rows = connection.execute(
                select(columns.facet, columns.value, columns.stamp, columns.bitmap).where(
                    tuple_(columns.facet, columns.value).in_(chunk)
                )
            )
            for facet, value, stamp, data in rows:
                self._held[facet, value] = (stamp, _bitmap(data))
        found: dict[tuple[str, str], BitMap] = {}
        for key, stamp in stamps.items():
            held = self._held.get(key)
            # Written again between the two reads (another transaction, on SQLite's
            # autocommit reads): read it once more rather than count a stale list.
            if held is None or held[0] != stamp:
                row = connection.execute(
                    select(columns.stamp, columns.bitmap).where(
                        columns.facet == key[0], columns.value == key[1]
                    )
                ).first()
                if row is None:
                    continue
                held = (row[0], _bitmap(row[1]))
                self._held[key] = held
            found[key] = held[1]
        return found


def expected(connection: Connection) -> dict[tuple[str, str], BitMap]:
    """Every posting list as the entries say it must be (read in full)."""
    from pyroaring import BitMap

    found: dict[tuple[str, str], BitMap] = defaultdict(BitMap)
    entries = SearchEntryRow.__table__.c
    rows = connection.execute(
        select(
            entries.id,
            entries.kind,
            entries.visibility,
            entries.project_id,
            entries.dataset_id,
            entries.completeness,
            entries.facet_values,
        )
    ).mappings()
    for row in rows:
        for pair in (*entry_pairs(row), *stored_pairs(row["facet_values"])):
            found[pair].add(row["id"])
    from imagesteward.catalog._search_lexemes import all_lexemes

    return {**found, **all_lexemes(connection)}


def check(connection: Connection) -> list[str]:
    """Posting lists that disagree with the entries, one sentence each (``steward doctor``)."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table(POSTINGS.name):
        return []  # an older schema: the revision check reports it
    wanted = expected(connection)
    stored = {
        (f, v): _bitmap(b)
        for f, v, b in connection.execute(
            select(POSTINGS.c.facet, POSTINGS.c.value, POSTINGS.c.bitmap)
        )
    }
    problems = []
    for key in sorted(set(wanted) | set(stored)):
        have, want = stored.get(key), wanted.get(key)
        if have != want:
            problems.append(
                f"Search posting list {key[0]}={key[1]!r} holds {len(have or ())} entries where "
                f"the index has {len(want or ())}; run 'steward search --reindex'."
            )
    return problems[:20] + ([f"... and {len(problems) - 20} more."] if len(problems) > 20 else [])
