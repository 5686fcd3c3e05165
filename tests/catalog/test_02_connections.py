"""Connection settings: durability, enforced references, readers beside a writer."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from imagesteward.catalog import Catalog, open_catalog, upgrade_catalog
from imagesteward.catalog import _engine as engine_module
from imagesteward.catalog._engine import BUSY_TIMEOUT_MS, WRITE_OPTION
from imagesteward.catalog._sqltypes import UTCDateTime
from imagesteward.errors import CatalogError, ConfigurationError
from tests.catalog.factories import fileset


def _settings(catalog: Catalog) -> dict[str, object]:
    with catalog._engine.connect() as connection:
        if catalog.backend == "sqlite":
            return {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
        return {
            "synchronous_commit": connection.exec_driver_sql("SHOW synchronous_commit").scalar()
        }


def test_every_connection_is_durable(catalog: Catalog) -> None:
    if catalog.backend == "sqlite":
        # synchronous: 2 is FULL.
        expected: dict[str, object] = {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "synchronous": 2,
            "busy_timeout": BUSY_TIMEOUT_MS,
        }
    else:
        expected = {"synchronous_commit": "on"}
    assert _settings(catalog) == expected


def test_sqlite_synchronous_can_be_raised_to_extra(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    with open_catalog(catalog_url, sqlite_synchronous="extra") as catalog:
        settings = _settings(catalog)
    if catalog.backend == "sqlite":
        assert settings["synchronous"] == 3
    else:
        assert settings == {"synchronous_commit": "on"}


def test_an_unknown_synchronous_level_is_refused(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    with pytest.raises(ConfigurationError, match="FULL is the durable choice"):
        open_catalog(catalog_url, sqlite_synchronous="sometimes")


def test_references_are_enforced(catalog: Catalog) -> None:
    with pytest.raises(sa.exc.IntegrityError), catalog._engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO datasets (project_id, name, created_at) "
            "VALUES (4242, 'orphan', '2024-01-01')"
        )


def test_readers_proceed_while_a_writer_holds_its_transaction(catalog: Catalog) -> None:
    writer = catalog._engine.execution_options(**{WRITE_OPTION: True})
    with writer.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO projects (name, created_at) VALUES ('uncommitted', '2024-01-01')"
        )
        assert catalog.list_projects() == []
        assert catalog.stats().projects == 0
    assert [p.name for p in catalog.list_projects()] == ["uncommitted"]


def test_a_sqlite_writer_takes_the_write_lock_when_it_begins(catalog: Catalog) -> None:
    writer = catalog._engine.execution_options(**{WRITE_OPTION: True})
    with writer.begin():
        if catalog.backend == "sqlite":
            # A second writer learns at BEGIN, not halfway through its work, that it must wait.
            path = catalog._engine.url.database
            assert path is not None
            second = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    second.execute("BEGIN IMMEDIATE")
            finally:
                second.close()
        else:
            # PostgreSQL writers do not exclude each other; row locks and constraints arbitrate.
            with catalog._engine.begin() as other:
                other.exec_driver_sql("INSERT INTO projects (name, created_at) VALUES ('b', now())")
    assert catalog.stats().projects == (0 if catalog.backend == "sqlite" else 1)


def test_instants_come_back_aware_in_utc(catalog: Catalog) -> None:
    cest = timezone(timedelta(hours=2))
    written = datetime(2024, 6, 3, 14, 22, 9, 512000, tzinfo=cest)
    table = sa.Table(
        "instants",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime()),
    )
    with catalog._engine.begin() as connection:
        table.create(connection)
        connection.execute(table.insert().values(id=1, at=written))
        read = connection.execute(sa.select(table.c.at)).scalar_one()
    assert read == written
    assert read.tzinfo is UTC
    assert read.hour == 12


def test_naive_instants_are_refused(catalog: Catalog) -> None:
    table = sa.Table(
        "instants",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime()),
    )
    with catalog._engine.begin() as connection:
        table.create(connection)
        with pytest.raises(sa.exc.StatementError, match="naive datetime"):
            connection.execute(table.insert().values(id=1, at=datetime(2024, 6, 3, 12, 0)))


def test_a_writer_kept_waiting_too_long_gets_a_clear_error(
    catalog_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    upgrade_catalog(catalog_url)
    with open_catalog(catalog_url) as catalog:
        blocker = catalog._engine.execution_options(**{WRITE_OPTION: True})
        with blocker.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO projects (name, created_at) VALUES ('uncommitted', '2024-01-01')"
            )
            if catalog.backend == "sqlite":
                with pytest.raises(
                    CatalogError,
                    match=r"locked by another writer for more than 0\.05 s",
                ):
                    catalog.add_fileset(fileset("waiting.czi"))
            else:
                # PostgreSQL writers of different rows do not wait for each other at all.
                catalog.add_fileset(fileset("waiting.czi"))
        assert [p.name for p in catalog.list_projects()] == (
            ["uncommitted"] if catalog.backend == "sqlite" else ["Mitosis", "uncommitted"]
        )
