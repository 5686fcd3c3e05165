"""Engines for the catalog database: SQLite (the default) or PostgreSQL.

SQLite is tuned for many readers and a single writer: WAL lets readers proceed while the writer
commits, write transactions start with ``BEGIN IMMEDIATE`` so a second writer waits for the lock
up front (``busy_timeout``) instead of failing halfway with "database is locked", and
``synchronous=FULL`` makes every commit survive a power cut.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from imagesteward.errors import ConfigurationError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "IN_BATCH",
    "SYNCHRONOUS_LEVELS",
    "WRITE_OPTION",
    "backend_of",
    "create_catalog_engine",
    "display_url",
    "parse_catalog_url",
    "sqlite_path",
]

#: How long a SQLite writer waits for another writer's transaction before giving up. Catalog
#: write transactions are short (one fileset), so waiting is nearly always enough.
BUSY_TIMEOUT_MS = 30_000

SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")

#: Values per ``IN (...)`` list: far below SQLite's and PostgreSQL's bound-parameter limits.
IN_BATCH = 500

#: Execution option marking a connection that will write (SQLite: ``BEGIN IMMEDIATE``).
WRITE_OPTION = "imagesteward_write"


def parse_catalog_url(url: str) -> URL:
    """Parse and check a catalog URL, choosing psycopg 3 for PostgreSQL.

    Raises
    ------
    ConfigurationError
        When the URL cannot be parsed or names a database other than SQLite or PostgreSQL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            f"Cannot parse the catalog URL {url!r}: {exc}. Use sqlite:///path/to/catalog.sqlite "
            "or postgresql+psycopg://user@host/dbname."
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        # SQLAlchemy 2.0 defaults to psycopg2, which imagesteward does not depend on.
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed
    if backend == "sqlite":
        return parsed
    raise ConfigurationError(
        f"The catalog database must be SQLite or PostgreSQL, not {backend!r} "
        f"({display_url(parsed)}). Use sqlite:///path/to/catalog.sqlite or "
        "postgresql+psycopg://user@host/dbname."
    )


def backend_of(url: URL) -> str:
    """``"sqlite"`` or ``"postgresql"``."""
    return url.get_backend_name()


def display_url(url: URL | str) -> str:
    """The URL with any password hidden, for messages and status output."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The database file of a SQLite URL, or ``None`` for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return Path(database)


def create_catalog_engine(
    url: str | URL,
    *,
    sqlite_synchronous: str = "FULL",
    foreign_keys: bool = True,
) -> Engine:
    """Create an engine configured for the catalog.

    Parameters
    ----------
    url
        SQLAlchemy URL (``sqlite:///...`` or ``postgresql+psycopg://...``).
    sqlite_synchronous
        SQLite ``PRAGMA synchronous`` level for every connection.
    foreign_keys
        Enforce foreign keys on SQLite connections. Only migrations turn this off: SQLite
        rebuilds a table to alter it, and with enforcement on, dropping the old copy would
        cascade into the rows that refer to it.

    Raises
    ------
    ConfigurationError
        For an unsupported URL or synchronous level.
    """
    parsed = parse_catalog_url(url) if isinstance(url, str) else url
    # Checked for PostgreSQL too, so a bad setting surfaces before a move to SQLite.
    level = sqlite_synchronous.upper()
    if level not in SYNCHRONOUS_LEVELS:
        raise ConfigurationError(
            f"sqlite_synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}, "
            f"not {sqlite_synchronous!r}; FULL is the durable choice with WAL."
        )
    if backend_of(parsed) == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    engine = create_engine(parsed)
    _configure_sqlite(engine, level, foreign_keys=foreign_keys)
    return engine


def _configure_sqlite(engine: Engine, synchronous: str, *, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, which would otherwise open
        # transactions lazily and defer locking; the "begin" hook below opens them instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
