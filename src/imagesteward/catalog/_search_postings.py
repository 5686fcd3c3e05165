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
    "CHUNK_BITS",
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
    "posted_columns",
    "replace_all",
    "stored_pairs",
]

POSTINGS: Table = SearchPostingRow.__table__  # type: ignore[assignment]

#: Internal facets: the entry's columns. A leading "." keeps them apart from real facets.
EVERY, KIND, VISIBILITY, COMPLETENESS = ".all", ".kind", ".visibility", ".completeness"
DATASET, PROJECT = ".dataset", ".project"

#: A list is stored in chunks of this many bits of entry id (65,536 ids, a roaring
#: container): an ingest, which takes the highest ids, rewrites only the last chunks.
CHUNK_BITS = 16

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


def posted_columns() -> tuple[Any, ...]:
    """The columns of ``search_entries`` an entry's posting lists follow from.

    Its id, what :func:`entry_pairs` reads, and its ``facet_values``.
    """
    entries = SearchEntryRow.__table__.c
    return (
        entries.id,
        entries.kind,
        entries.visibility,
        entries.project_id,
        entries.dataset_id,
        entries.completeness,
        entries.facet_values,
    )


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


def _chunk_of(entry_id: int) -> int:
    return entry_id >> CHUNK_BITS


def _split(bitmap: BitMap) -> dict[int, BitMap]:
    """``bitmap`` cut at chunk boundaries: chunk number -> its part."""
    from pyroaring import BitMap

    parts: dict[int, BitMap] = {}
    if not bitmap:
        return parts
    for chunk in range(_chunk_of(bitmap.min()), _chunk_of(bitmap.max()) + 1):
        span = BitMap()
        span.add_range(chunk << CHUNK_BITS, (chunk + 1) << CHUNK_BITS)
        part = bitmap & span
        if part:
            parts[chunk] = part
    return parts


def move(connection: Connection, changes: Iterable[Change]) -> None:
    """Apply ``changes`` to the stored postings: one read and one write per chunk touched.

    New entries take the highest ids, so an ingest rewrites only the last chunk of each list
    it touches (a few KiB), not the whole list of a word in every tenth entry.
    """
    from pyroaring import BitMap

    wanted: dict[tuple[str, str, int], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for facet, value, entry_id, sign in changes:
        wanted[facet, value, _chunk_of(entry_id)][0 if sign > 0 else 1].append(entry_id)
    if not wanted:
        return
    keys = sorted(wanted)  # one order for every writer: row locks cannot deadlock
    columns = POSTINGS.c
    stored: dict[tuple[str, str, int], bytes] = {}
    for start in range(0, len(keys), 500):
        statement = select(columns.facet, columns.value, columns.chunk, columns.bitmap).where(
            tuple_(columns.facet, columns.value, columns.chunk).in_(keys[start : start + 500])
        )
        if connection.dialect.name == "postgresql":
            statement = statement.with_for_update()
        stored.update({(f, v, c): b for f, v, c, b in connection.execute(statement)})
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    empty: list[tuple[str, str, int]] = []
    for key in keys:
        added, removed = wanted[key]
        bitmap = _bitmap(stored.get(key))
        bitmap |= BitMap(added)
        bitmap -= BitMap(removed)
        if not bitmap:
            if key in stored:
                empty.append(key)
            continue
        row = {
            "f": key[0],
            "v": key[1],
            "c": key[2],
            "stamp": _stamp(),
            "bitmap": bitmap.serialize(),
        }
        (updates if key in stored else inserts).append(row)
    _write(connection, updates, inserts, empty)


def _stamp() -> int:
    return secrets.randbits(62)


def _write(
    connection: Connection,
    updates: list[dict[str, Any]],
    inserts: list[dict[str, Any]],
    empty: list[tuple[str, str, int]],
) -> None:
    from sqlalchemy import bindparam, insert, update

    columns = POSTINGS.c
    if updates:
        connection.execute(
            update(POSTINGS)
            .where(
                columns.facet == bindparam("f"),
                columns.value == bindparam("v"),
                columns.chunk == bindparam("c"),
            )
            .values(stamp=bindparam("stamp"), bitmap=bindparam("bitmap")),
            updates,
        )
    if inserts and connection.dialect.name == "postgresql" and len(inserts) > _COPY_FROM:
        # A rebuild's million lexeme lists: COPY, not a million INSERTs.
        raw: Any = connection.connection.driver_connection
        statement = f"COPY {POSTINGS.name} (facet, value, chunk, stamp, bitmap) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in inserts:
                copy.write_row((row["f"], row["v"], row["c"], row["stamp"], row["bitmap"]))
    elif inserts:
        # A concurrent writer may have created the same chunk meanwhile (PostgreSQL): then
        # this transaction fails and is retried by its caller like any unique conflict.
        connection.execute(
            insert(POSTINGS).values(
                facet=bindparam("f"),
                value=bindparam("v"),
                chunk=bindparam("c"),
                stamp=bindparam("stamp"),
                bitmap=bindparam("bitmap"),
            ),
            inserts,
        )
    for start in range(0, len(empty), 500):
        connection.execute(
            delete(POSTINGS).where(
                tuple_(columns.facet, columns.value, columns.chunk).in_(empty[start : start + 500])
            )
        )


def replace_all(connection: Connection, postings: Mapping[tuple[str, str], Iterable[int]]) -> None:
    """Replace every posting list (a rebuild): the ids of each (facet, value)."""
    from pyroaring import BitMap

    connection.execute(delete(POSTINGS))
    rows = []
    for (facet, value), ids in postings.items():
        bitmap = ids if isinstance(ids, BitMap) else BitMap(ids)
        for chunk, part in _split(bitmap).items():
            part.run_optimize()
            rows.append(
                {"f": facet, "v": value, "c": chunk, "stamp": _stamp(), "bitmap": part.serialize()}
            )
    _write(connection, [], rows, [])


class PostingCache:
    """Deserialised posting lists of one database, refreshed by stamp on every read.

    Shared by the threads of one process (a server's workers): entries are replaced whole,
    never changed in place, and each reader works on the mapping it was handed. A list is
    held whole, with the stamps of the chunks it was made of.
    """

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], tuple[tuple[tuple[int, int], ...], BitMap]] = {}

    def read(
        self, connection: Connection, facets: Iterable[str], values: Iterable[tuple[str, str]] = ()
    ) -> dict[tuple[str, str], BitMap]:
        """Every posting of ``facets`` and the single ``values``, as this transaction sees them."""
        columns = POSTINGS.c
        keyed = sorted(set(values))
        wanted_facets = sorted(set(facets))
        # Separate statements, each an index range: an OR of them would be a scan of every
        # posting list (a million lexemes on PostgreSQL).
        conditions = [columns.facet.in_(wanted_facets)] if wanted_facets else []
        for start in range(0, len(keyed), 500):
            conditions.append(tuple_(columns.facet, columns.value).in_(keyed[start : start + 500]))
        chunks: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for condition in conditions:
            for f, v, c, stamp in connection.execute(
                select(columns.facet, columns.value, columns.chunk, columns.stamp).where(condition)
            ):
                chunks[f, v].append((c, stamp))
        found: dict[tuple[str, str], BitMap] = {}
        stale: list[tuple[str, str]] = []
        for key, stamps in chunks.items():
            signature = tuple(sorted(stamps))
            held = self._held.get(key)
            if held is not None and held[0] == signature:
                found[key] = held[1]
            else:
                stale.append(key)
        for start in range(0, len(stale), 200):
            part = stale[start : start + 200]
            read: dict[tuple[str, str], list[tuple[int, int, bytes]]] = defaultdict(list)
            for f, v, c, stamp, data in connection.execute(
                select(
                    columns.facet, columns.value, columns.chunk, columns.stamp, columns.bitmap
                ).where(tuple_(columns.facet, columns.value).in_(part))
            ):
                read[f, v].append((c, stamp, data))
            for key, rows in read.items():
                from pyroaring import BitMap

                signature = tuple(sorted((c, stamp) for c, stamp, _ in rows))
                whole = BitMap.union(BitMap(), *(_bitmap(data) for _, _, data in rows))
                # Written again between the two reads (PostgreSQL reads each statement
                # afresh): what was read last is what this search counts.
                self._held[key] = (signature, whole)
                found[key] = whole
        return found


def expected(connection: Connection) -> dict[tuple[str, str], BitMap]:
    """Every posting list as the entries say it must be (read in full)."""
    from pyroaring import BitMap

    found: dict[tuple[str, str], BitMap] = defaultdict(BitMap)
    rows = connection.execute(select(*posted_columns())).mappings()
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
    from pyroaring import BitMap

    wanted = expected(connection)
    stored: dict[tuple[str, str], BitMap] = defaultdict(BitMap)
    misplaced = 0
    for f, v, c, b in connection.execute(
        select(POSTINGS.c.facet, POSTINGS.c.value, POSTINGS.c.chunk, POSTINGS.c.bitmap)
    ):
        part = _bitmap(b)
        if part and (_chunk_of(part.min()) != c or _chunk_of(part.max()) != c):
            misplaced += 1
        stored[f, v] |= part
    problems = []
    if misplaced:
        problems.append(
            f"{misplaced} search posting chunks hold ids of another chunk; "
            "run 'steward search --reindex'."
        )
    for key in sorted(set(wanted) | set(stored)):
        have, want = stored.get(key), wanted.get(key)
        if have != want:
            problems.append(
                f"Search posting list {key[0]}={key[1]!r} holds {len(have or ())} entries where "
                f"the index has {len(want or ())}; run 'steward search --reindex'."
            )
    return problems[:20] + ([f"... and {len(problems) - 20} more."] if len(problems) > 20 else [])
