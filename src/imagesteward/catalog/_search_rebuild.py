"""Rebuilding the whole search index: every entry derived again, loaded in bulk."""

from __future__ import annotations

from itertools import batched
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select

from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._search_derive import Derived
from imagesteward.catalog._search_index import (
    CHUNK,
    ENTRIES,
    FACETS,
    TERMS,
    TOTALS,
    add_totals,
    dataset_entries,
    derive_images,
    entry_totals,
    study_entries,
    upsert_terms,
)
from imagesteward.catalog._search_tables import POSTGRESQL_TEXT_INDEX
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.catalog._tables import DatasetRow, ImageRow, ProjectRow

__all__ = ["rebuild"]


def rebuild(connection: Connection) -> int:
    """Throw the whole index away and derive it again; the number of images indexed.

    Entries get their ids here and go in by COPY on PostgreSQL (whose text index is built
    once at the end) and by prepared multi-row INSERTs on SQLite. Datasets and studies take
    the union of their images' values as the images stream by, so nothing is read twice.
    """
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_search_entries_text")
    for table in (FACETS, ENTRIES, TERMS, TOTALS):
        connection.execute(delete(table))
    writer = _BulkWriter(connection)
    datasets: dict[int, Derived] = {}
    projects: dict[int, Derived] = {}
    last, count = 0, 0
    while True:
        ids = (
            connection.execute(
                select(ImageRow.id).where(ImageRow.id > last).order_by(ImageRow.id).limit(CHUNK)
            )
            .scalars()
            .all()
        )
        if not ids:
            break
        images, _ = derive_images(connection, ids)
        writer.write(images)
        for item in images:
            for groups, key in ((datasets, "dataset_id"), (projects, "project_id")):
                group = groups.setdefault(item.entry[key], Derived({}))
                group.facets |= item.facets
                group.widen(item.entry["acquired_from"], item.entry["acquired_to"])
        last, count = ids[-1], count + len(ids)
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
            union = grown.get(item.entry[key])
            if union is not None:
                item.facets |= union.facets
                item.widen(union.entry.get("acquired_from"), union.entry.get("acquired_to"))
        writer.write(made)
    if postgresql:
        connection.exec_driver_sql(POSTGRESQL_TEXT_INDEX)
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('search_entries', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM search_entries), false)"
        )
    return count


class _BulkWriter:
    """Writes entries into an empty index, numbering them itself."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._next = 1
        self._copy = connection.dialect.name == "postgresql"

    def write(self, derived: list[Derived]) -> None:
        if not derived:
            return
        now = utcnow()
        for item in derived:
            item.entry["id"] = self._next
            self._next += 1
        entries = [{**item.entry, "indexed_at": now} for item in derived]
        facets = [
            {"facet": facet, "value": value, "entry_id": item.entry["id"]}
            for item in derived
            for facet, value in item.facets
        ]
        for table, rows in ((ENTRIES, entries), (FACETS, facets)):
            if not rows:
                continue
            if self._copy:
                self._copy_rows(table, rows)
            else:
                self._connection.execute(insert(table), rows)
        upsert_terms(self._connection, derived)
        add_totals(self._connection, entry_totals(derived))

    def _copy_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = list(rows[0])
        raw: Any = self._connection.connection.driver_connection
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
