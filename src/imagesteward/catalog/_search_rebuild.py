"""Rebuilding the whole search index: every entry derived again, loaded in bulk.

A rebuild is the import path of a large catalog (``steward search --reindex``, an upgrade),
so it is written for throughput: entries are numbered here and written with COPY
(PostgreSQL) or plain prepared ``executemany`` (SQLite), the full-text index and the
posting lists are built once at the end instead of row by row
(FTS5's ``rebuild``; a GIN index built at once is many times faster than one updated per
row), terms and totals are added up in memory and written once; image entries are derived
by worker processes meanwhile (:mod:`._search_pool`).
Completeness scores are not derived (they come from ``describe``): the scores the entries
carried are kept.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable
from itertools import batched
from typing import Any

from sqlalchemy import Connection, Table, delete, select

from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._search_derive import Derived, encode_facets, text_words
from imagesteward.catalog._search_index import (
    CHUNK,
    ENTRIES,
    TERMS,
    TOTALS,
    add_totals,
    add_words,
    dataset_entries,
    entry_totals,
    study_entries,
    upsert_terms,
)
from imagesteward.catalog._search_lexemes import all_lexemes
from imagesteward.catalog._search_pool import derive_chunks, pool_size
from imagesteward.catalog._search_postings import entry_pairs, replace_all
from imagesteward.catalog._search_tables import (
    POSTGRESQL_TEXT_FILL,
    POSTGRESQL_TEXT_INDEX,
    POSTGRESQL_TEXT_TRIGGERS,
    SQLITE_TEXT_TRIGGERS,
)
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.catalog._tables import DatasetRow, ImageRow, ProjectRow

__all__ = ["rebuild"]

# SQLite page cache while loading (KiB when negative: 256 MiB) and SQLite's default after.
_LOAD_CACHE, _DEFAULT_CACHE = -262_144, -2000


def rebuild(connection: Connection) -> int:
    """Throw the whole index away and derive it again; the number of images indexed.

    Datasets and studies take the union of their images' values (and datasets their
    words) as the images stream by, so nothing is read twice.
    """
    postgresql = connection.dialect.name == "postgresql"
    scores = _scores(connection)
    _drop_derived_indexes(connection)
    if postgresql:
        # One statement instead of a million row deletions.
        connection.exec_driver_sql(
            f"TRUNCATE {', '.join(t.name for t in (ENTRIES, TERMS, TOTALS))}"
        )
    else:
        for table in (ENTRIES, TERMS, TOTALS):
            connection.execute(delete(table))
    writer = _BulkWriter(connection)
    datasets: dict[int, Derived] = {}
    projects: dict[int, Derived] = {}
    vocabularies: dict[int, set[str]] = {}
    count = 0
    every = connection.execute(select(ImageRow.id).order_by(ImageRow.id)).scalars().all()
    chunks = list(batched(every, CHUNK))
    for ids, images in derive_chunks(connection, chunks, pool_size(connection, len(chunks))):
        for item in images:
            entry = item.entry
            entry["completeness"] = scores.get(("image", entry["entity_id"]))
            for groups, key in ((datasets, "dataset_id"), (projects, "project_id")):
                group = groups.get(entry[key])
                if group is None:
                    group = groups[entry[key]] = Derived({})
                group.facets |= item.facets
                group.widen(entry["acquired_from"], entry["acquired_to"])
            # Raw tokens here (C speed); reduced to words once per dataset at the end.
            vocabulary = vocabularies.get(entry["dataset_id"])
            if vocabulary is None:
                vocabulary = vocabularies[entry["dataset_id"]] = set()
            vocabulary.update(entry["body"].lower().split())
        writer.write(images)
        count += len(ids)
    all_datasets = connection.execute(select(DatasetRow.id)).scalars().all()
    all_projects = connection.execute(select(ProjectRow.id)).scalars().all()
    dataset_rows = [
        e for chunk in batched(all_datasets, IN_BATCH) for e in dataset_entries(connection, chunk)
    ]
    study_rows = [
        e for chunk in batched(all_projects, IN_BATCH) for e in study_entries(connection, chunk)
    ]
    for made, grown, key in (
        (dataset_rows, datasets, "entity_id"),
        (study_rows, projects, "project_id"),
    ):
        for item in made:
            item.entry["completeness"] = scores.get((item.entry["kind"], item.entry["entity_id"]))
            union = grown.get(item.entry[key])
            if union is not None:
                item.facets |= union.facets
                item.widen(union.entry.get("acquired_from"), union.entry.get("acquired_to"))
            if item.entry["kind"] == "dataset":
                tokens = vocabularies.get(item.entry["entity_id"], set())
                add_words(item, text_words(" ".join(tokens)))
        writer.write(made)
    writer.finish()
    _build_derived_indexes(connection)
    writer.post()
    # Fresh statistics: the planner's choices between the text index, the facet postings
    # and the date index depend on them, and a bulk load leaves them stale.
    for name in (ENTRIES.name, "search_postings", *(["search_text"] if postgresql else [])):
        connection.exec_driver_sql(f"ANALYZE {name}")
    if postgresql:
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('search_entries', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM search_entries), false)"
        )
    return count


def _scores(connection: Connection) -> dict[tuple[str, int], int]:
    """The completeness scores the index holds now, to carry over."""
    rows = connection.execute(
        select(ENTRIES.c.kind, ENTRIES.c.entity_id, ENTRIES.c.completeness).where(
            ENTRIES.c.completeness.is_not(None)
        )
    )
    return {(kind, int(entity)): int(score) for kind, entity, score in rows}


def _drop_derived_indexes(connection: Connection) -> None:
    """Drop what is cheaper to build once than to keep up to date during the load."""
    # The text index is filled once at the end (FTS5's 'rebuild', one INSERT ... SELECT on
    # PostgreSQL); no per-row trigger meanwhile.
    for name in ("insert", "delete", "update"):
        on = " ON search_entries" if connection.dialect.name == "postgresql" else ""
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS search_entries_text_{name}{on}")
    if connection.dialect.name == "postgresql":
        # The GIN and B-tree builds at the end sort in memory rather than in many passes
        # over temporary files (PostgreSQL's default is 64 MB); this transaction only.
        connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_search_text_vector")
        connection.exec_driver_sql("TRUNCATE search_text")
        return
    # A large page cache for this connection while it loads: SQLite's default 2 MB spills a
    # big transaction to the WAL again and again. Set back in _build_derived_indexes.
    connection.exec_driver_sql(f"PRAGMA cache_size = {_LOAD_CACHE}")


def _build_derived_indexes(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        for statement in (POSTGRESQL_TEXT_FILL, POSTGRESQL_TEXT_INDEX, *POSTGRESQL_TEXT_TRIGGERS):
            connection.exec_driver_sql(statement)
        return
    connection.exec_driver_sql("INSERT INTO search_text(search_text) VALUES ('rebuild')")
    for statement in SQLITE_TEXT_TRIGGERS:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(f"PRAGMA cache_size = {_DEFAULT_CACHE}")


class _BulkWriter:
    """Writes entries into an empty index, numbering them itself.

    Rows go to the driver as plain tuples (COPY on PostgreSQL, ``executemany`` on SQLite):
    at a million entries, building SQLAlchemy parameters per row would cost more than the
    database's own work.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._next = 1
        self._copy = connection.dialect.name == "postgresql"
        self._labels: dict[tuple[str, str], str] = {}
        self._totals: Counter[Any] = Counter()
        self._processors: dict[tuple[str, str], Callable[[Any], Any] | None] = {}
        self._postings: dict[tuple[str, str], array[int]] = {}

    def write(self, derived: list[Derived]) -> None:
        if not derived:
            return
        now = utcnow()
        entries: list[dict[str, Any]] = []
        for item in derived:
            entry = item.entry
            entry["id"] = entry_id = self._next
            self._next += 1
            entries.append({**entry, "facet_values": encode_facets(item.facets), "indexed_at": now})
            for pair in (*item.facets, *entry_pairs(entry)):
                posting = self._postings.get(pair)
                if posting is None:
                    posting = self._postings[pair] = array("I")
                posting.append(entry_id)
            self._labels.update(item.labels)
        columns = list(entries[0])
        self._rows(ENTRIES, columns, [tuple(e[c] for c in columns) for e in entries])
        self._totals.update(entry_totals(derived))

    def finish(self) -> None:
        """Write the labels and totals added up over every batch."""
        labels = [Derived({}, labels=dict(chunk)) for chunk in batched(self._labels.items(), 2000)]
        for item in labels:
            upsert_terms(self._connection, [item])
        add_totals(self._connection, self._totals)

    def post(self) -> None:
        """Write every posting list (after the text index: PostgreSQL's lexemes come from it)."""
        postings: dict[tuple[str, str], Any] = dict(self._postings)
        postings.update(all_lexemes(self._connection))
        replace_all(self._connection, postings)

    def _rows(self, table: Table, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if self._copy:
            raw: Any = self._connection.connection.driver_connection
            statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        converted = [(i, p) for i, p in enumerate(self._processor(table, c) for c in columns) if p]
        if converted:
            values = [list(row) for row in rows]
            for i, process in converted:
                for listed in values:
                    if listed[i] is not None:
                        listed[i] = process(listed[i])
            rows = [tuple(listed) for listed in values]
        marks = ", ".join("?" * len(columns))
        self._connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - names are the ORM's
            rows,
        )

    def _processor(self, table: Table, column: str) -> Callable[[Any], Any] | None:
        """How SQLAlchemy would store a value of ``column`` (dates as SQLite text)."""
        key = (table.name, column)
        if key not in self._processors:
            column_type: Any = table.c[column].type
            self._processors[key] = column_type._cached_bind_processor(self._connection.dialect)
        return self._processors[key]
