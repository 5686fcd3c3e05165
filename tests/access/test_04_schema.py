"""Revisions 0007_access and 0008_oidc_identities build the ORM tables; audit is append-only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from imagesteward.catalog import upgrade_catalog
from imagesteward.catalog._access_tables import AuditEventRow
from imagesteward.catalog._engine import create_catalog_engine
from imagesteward.catalog._migrations import alembic_config, head_revision
from imagesteward.catalog._tables import Base

ACCESS_TABLES = {
    "users", "research_groups", "group_members", "api_tokens", "project_access",
    "dataset_access", "shares", "reviewer_links", "audit_events", "oidc_identities",
}  # fmt: skip


def test_the_migration_builds_exactly_the_access_tables_of_the_orm(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    engine = create_catalog_engine(catalog_url)
    try:
        with engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) >= ACCESS_TABLES
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _parent: (
                        kind != "table" or name in ACCESS_TABLES
                    ),
                },
            )
            mine = [
                diff
                for diff in compare_metadata(context, Base.metadata)
                if any(table in repr(diff) for table in ACCESS_TABLES)
            ]
            assert mine == []
    finally:
        engine.dispose()


def test_downgrading_removes_the_access_tables(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    engine = create_catalog_engine(catalog_url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0006_search")
        with engine.connect() as connection:
            assert not ACCESS_TABLES & set(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert upgrade_catalog(catalog_url) == head_revision()


def test_the_audit_log_refuses_updates_and_deletes(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    engine = create_catalog_engine(catalog_url)
    table = AuditEventRow.metadata.tables["audit_events"]
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.insert(table).values(
                    at=sa.func.now(), actor="alice", action="login", outcome="ok"
                )
            )
        for statement in (
            sa.update(table).values(actor="mallory"),
            sa.delete(table),
        ):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as c:
                c.execute(statement)
        with engine.connect() as connection:
            assert connection.execute(sa.select(table.c.actor)).scalars().all() == ["alice"]
    finally:
        engine.dispose()
