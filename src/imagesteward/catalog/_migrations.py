"""Schema revisions: creating, upgrading and checking the catalog's tables with Alembic.

The migration scripts ship inside the package (``migrations/``) and run programmatically, so an
installation needs no ``alembic.ini``. A catalog whose revision is not the one this version of
imagesteward was written for is refused when it is opened, never used half-compatible.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from imagesteward.catalog._engine import (
    WRITE_OPTION,
    backend_of,
    create_catalog_engine,
    display_url,
    parse_catalog_url,
    sqlite_path,
)
from imagesteward.errors import CatalogError, SchemaOutdatedError

__all__ = [
    "MIGRATIONS_DIR",
    "CatalogStatus",
    "alembic_config",
    "catalog_status",
    "connection_error",
    "head_revision",
    "require_current_schema",
    "upgrade_catalog",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


@dataclass(frozen=True, slots=True)
class CatalogStatus:
    """Where a catalog's schema stands relative to this version of imagesteward.

    Attributes
    ----------
    url
        The database URL, password hidden.
    backend
        ``"sqlite"`` or ``"postgresql"``.
    reachable
        Whether the database could be opened (a SQLite file that does not exist is not).
    current
        The schema revision recorded in the database; ``None`` when it has no schema yet.
    head
        The revision this version of imagesteward needs.
    is_current
        ``current == head``: the catalog can be opened.
    error
        Why the database could not be reached, when it could not.
    """

    url: str
    backend: str
    reachable: bool
    current: str | None
    head: str
    is_current: bool
    error: str | None = None


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the shipped migrations, optionally bound to a connection."""
    config = Config()
    # Config values go through configparser interpolation, where "%" is special.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    # Revision ids carry their slug ("0002_instruments_people"); the file is named after the id.
    config.set_main_option("file_template", "%%(rev)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    # The scripts ship with the package and cannot change while it runs; read them once.
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The schema revision this version of imagesteward needs."""
    head = _scripts().get_current_head()
    if head is None:  # only possible if the package lost its migration scripts
        raise CatalogError(
            f"No catalog migrations found in {MIGRATIONS_DIR}; reinstall imagesteward."
        )
    return head


def _known_revisions() -> set[str]:
    return {revision.revision for revision in _scripts().walk_revisions()}


def connection_error(url: URL, exc: DBAPIError) -> CatalogError:
    """The error to raise when the database cannot be reached."""
    reason = str(exc.orig).strip() if exc.orig is not None else str(exc)
    return CatalogError(
        f"Cannot open the catalog database {display_url(url)}: {reason}. Check database_url in "
        "imagesteward.toml (or IMAGESTEWARD_DATABASE_URL) and that the server is running.",
        url=display_url(url),
    )


def upgrade_catalog(url: str, *, revision: str = "head") -> str:
    """Create or upgrade the catalog schema (``steward db upgrade``).

    An empty database gets every table; an older catalog is migrated in one transaction, so a
    failed upgrade leaves it as it was.

    Parameters
    ----------
    url
        The catalog's database URL. A SQLite file is created if missing.
    revision
        Target revision; ``"head"`` (the default) is what this imagesteward needs.

    Returns
    -------
    str
        The revision the catalog is at afterwards.

    Raises
    ------
    SchemaOutdatedError
        When the catalog was upgraded by a newer imagesteward.
    CatalogError
        When the database cannot be reached or the migration breaks a foreign key.
    """
    parsed = parse_catalog_url(url)
    path = sqlite_path(parsed) if backend_of(parsed) == "sqlite" else None
    if path is not None and not path.parent.is_dir():
        raise CatalogError(
            f"Cannot create the catalog {path}: directory {path.parent} does not exist. "
            "Create it, or point database_url elsewhere."
        )
    engine = create_catalog_engine(parsed, foreign_keys=False)
    try:
        with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
            _refuse_unknown_revision(connection, parsed)
            command.upgrade(alembic_config(connection), revision)
            if connection.dialect.name == "sqlite":
                _require_foreign_keys_intact(connection, parsed)
            current = MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as exc:
        raise connection_error(parsed, exc) from exc
    finally:
        engine.dispose()
    return current or ""


def _refuse_unknown_revision(connection: Connection, url: URL) -> None:
    heads = MigrationContext.configure(connection).get_current_heads()
    unknown = [rev for rev in heads if rev not in _known_revisions()]
    if unknown:
        raise _newer_schema_error(url, unknown[0])


def _require_foreign_keys_intact(connection: Connection, url: URL) -> None:
    # Migrations run with enforcement off (see create_catalog_engine); verify before commit.
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        table, rowid, parent, _ = violations[0]
        raise CatalogError(
            f"Upgrading {display_url(url)} would leave {len(violations)} broken reference(s), "
            f"e.g. {table} row {rowid} pointing to a missing {parent} row; nothing was changed. "
            "Run `steward doctor` and restore from a backup if it reports damage.",
        )


def catalog_status(url: str) -> CatalogStatus:
    """Report the catalog's schema revision without changing anything (``steward db status``).

    Never raises for an unreachable database: ``reachable`` and ``error`` say what happened.
    """
    parsed = parse_catalog_url(url)
    backend = backend_of(parsed)
    head = head_revision()

    def unreachable(error: str) -> CatalogStatus:
        return CatalogStatus(display_url(parsed), backend, False, None, head, False, error)

    path = sqlite_path(parsed) if backend == "sqlite" else None
    if path is not None and not path.is_file():
        return unreachable(f"no catalog file at {path}; `steward init` creates it")
    engine = create_catalog_engine(parsed)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as exc:
        return unreachable(connection_error(parsed, exc).message)
    finally:
        engine.dispose()
    return CatalogStatus(display_url(parsed), backend, True, current, head, current == head)


def require_current_schema(engine: Engine) -> None:
    """Refuse a catalog whose schema is missing, older or newer than this imagesteward's.

    Raises
    ------
    SchemaOutdatedError
        With the command that fixes it (``steward init`` or ``steward db upgrade``).
    """
    url = engine.url
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
        tables = [] if heads else inspect(connection).get_table_names()
    head = head_revision()
    if not heads:
        if tables:
            raise CatalogError(
                f"The database {display_url(url)} holds tables ({', '.join(sorted(tables)[:5])}) "
                "but no imagesteward schema revision: it is not an imagesteward catalog. Point "
                "database_url at an empty database or at an existing catalog.",
                url=display_url(url),
            )
        raise SchemaOutdatedError(
            f"The catalog database {display_url(url)} is empty. Create its tables with "
            "`steward init` (new installation) or `steward db upgrade` (existing installation).",
            url=display_url(url),
            current=None,
            head=head,
        )
    current = heads[0]
    if current == head and len(heads) == 1:
        return
    if current not in _known_revisions():
        raise _newer_schema_error(url, current)
    raise SchemaOutdatedError(
        f"The catalog {display_url(url)} has schema revision {current}, but this version of "
        f"imagesteward needs {head}. Back up the database, then run `steward db upgrade`.",
        url=display_url(url),
        current=current,
        head=head,
    )


def _newer_schema_error(url: URL, current: str) -> SchemaOutdatedError:
    head = head_revision()
    return SchemaOutdatedError(
        f"The catalog {display_url(url)} has schema revision {current}, which this version of "
        f"imagesteward does not know (it knows up to {head}): a newer imagesteward upgraded it. "
        "Install that newer version; `steward db upgrade` cannot downgrade a catalog.",
        url=display_url(url),
        current=current,
        head=head,
    )
