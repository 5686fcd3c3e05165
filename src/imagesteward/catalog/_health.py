"""Health checks for ``steward doctor``: storage integrity and the catalog's own rules."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, exists, select

from imagesteward.catalog._migrations import head_revision
from imagesteward.catalog._promote import identity_key
from imagesteward.catalog._search_postings import check as check_postings
from imagesteward.catalog._tables import FilesetRow, InstrumentRow, OriginalFileRow

__all__ = ["check_catalog"]

# Problems of one kind beyond this many are summarised as a count.
_SHOWN = 20


def check_catalog(engine: Engine) -> list[str]:
    """Problems found in the catalog database, each a sentence; empty when healthy."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            problems = _sqlite_storage(connection)
        else:
            problems = _postgresql_storage(connection)
        problems += _revision(connection)
        problems += _filesets_without_files(connection)
        problems += _instrument_identities(connection)
        problems += check_postings(connection)
    return problems


def _sqlite_storage(connection: Connection) -> list[str]:
    problems = [
        f"SQLite integrity check: {message}. Restore the catalog from a backup."
        for message in connection.exec_driver_sql("PRAGMA quick_check").scalars()
        if message != "ok"
    ]
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    problems += [
        f"{table} row {rowid} refers to a {parent} row that does not exist."
        for table, rowid, parent, _ in violations[:_SHOWN]
    ]
    if len(violations) > _SHOWN:
        problems.append(f"... and {len(violations) - _SHOWN} more broken references.")
    return problems


def _postgresql_storage(connection: Connection) -> list[str]:
    # An index left invalid by a failed CREATE INDEX CONCURRENTLY is silently ignored by queries.
    invalid = connection.exec_driver_sql(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT i.indisvalid AND n.nspname = current_schema() ORDER BY c.relname"
    ).scalars()
    return [f"PostgreSQL index {name} is invalid; run REINDEX INDEX {name}." for name in invalid]


def _revision(connection: Connection) -> list[str]:
    current = MigrationContext.configure(connection).get_current_revision()
    head = head_revision()
    if current == head:
        return []
    return [
        f"Schema revision is {current}, but this imagesteward needs {head}; "
        "run `steward db upgrade`."
    ]


def _filesets_without_files(connection: Connection) -> list[str]:
    has_files = exists().where(OriginalFileRow.fileset_id == FilesetRow.id)
    empty = connection.scalars(select(FilesetRow.id).where(~has_files).order_by(FilesetRow.id))
    return [
        f"Fileset {fileset_id} has no original files: its images cannot be traced to their "
        "bytes. Re-ingest the files or restore the catalog from a backup."
        for fileset_id in list(empty)[:_SHOWN]
    ]


def _instrument_identities(connection: Connection) -> list[str]:
    # A hand-edited manufacturer, model or serial number that no longer matches the identity
    # key would let the same microscope be catalogued twice.
    rows = connection.execute(
        select(
            InstrumentRow.id,
            InstrumentRow.identity_key,
            InstrumentRow.manufacturer,
            InstrumentRow.model,
            InstrumentRow.serial_number,
        ).order_by(InstrumentRow.id)
    ).all()
    return [
        f"Instrument {row.id} ({row.manufacturer} {row.model} {row.serial_number}) does not "
        "match its identity key, so its images may be split across duplicates. Restore the "
        "edited manufacturer, model or serial number."
        for row in rows
        if identity_key("microscope", row.manufacturer, row.model, row.serial_number)
        != row.identity_key
    ][:_SHOWN]
