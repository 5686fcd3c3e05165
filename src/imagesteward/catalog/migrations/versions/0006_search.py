"""The search index: one entry per image, dataset and study, its facet values and its text.

``search_entries`` holds what a result shows and filters on; ``search_facets`` holds the
facet values (several per entry: an image has many fluorophores, a dataset many organisms),
``search_terms`` the label of each distinct value, ``search_totals`` the count of each value
per project, kind and visibility (facet counts of unconditional searches).
The full-text index is each backend's own: an FTS5 table kept in step by triggers on
SQLite, a GIN index over a ``tsvector`` expression on PostgreSQL.

Revision ID: 0006_search
Revises: 0005_studies
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_search"
down_revision: str | None = "0005_studies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True)

# Spelled out rather than imported (see 0001): the text index must keep meaning what it meant.
SQLITE_TEXT_INDEX = (
    "CREATE VIRTUAL TABLE search_text USING fts5("
    "title, body, content='search_entries', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entries_text_insert AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_text(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_entries_text_delete AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_text(search_text, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_entries_text_update AFTER UPDATE OF title, body ON search_entries "
    "BEGIN INSERT INTO search_text(search_text, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_text(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
POSTGRESQL_TEXT_INDEX = (
    "CREATE INDEX ix_search_entries_text ON search_entries USING gin "
    "(to_tsvector('english'::regconfig, title || ' ' || body))",
)


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("acquired_from", sa.DateTime(timezone=False), nullable=True),
        sa.Column("acquired_to", sa.DateTime(timezone=False), nullable=True),
        sa.Column("completeness", sa.SmallInteger(), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("indexed_at", INSTANT, nullable=False),
        sa.CheckConstraint("kind IN ('image', 'dataset', 'study')", name="ck_search_entries_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_search_entries"),
        sa.UniqueConstraint("kind", "entity_id", name="uq_search_entries_kind_entity_id"),
    )
    op.create_index("ix_search_entries_project_id", "search_entries", ["project_id"])
    op.create_index("ix_search_entries_acquired_from", "search_entries", ["acquired_from"])
    op.create_index("ix_search_entries_kind_acquired_to", "search_entries", ["kind", "acquired_to"])
    op.create_table(
        "search_facets",
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["search_entries.id"],
            name="fk_search_facets_entry_id_search_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("facet", "value", "entry_id", name="pk_search_facets"),
    )
    # Covering: the facet values of a set of hits are read from the index alone.
    op.create_index(
        "ix_search_facets_entry_id_facet_value", "search_facets", ["entry_id", "facet", "value"]
    )
    op.create_table(
        "search_terms",
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("facet", "value", name="pk_search_terms"),
    )
    op.create_table(
        "search_totals",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "kind", "visibility", "facet", "value", name="pk_search_totals"
        ),
    )
    dialect = op.get_context().dialect.name
    for statement in SQLITE_TEXT_INDEX if dialect == "sqlite" else POSTGRESQL_TEXT_INDEX:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TABLE search_text")  # drops its triggers' target; triggers go below
    op.drop_table("search_totals")
    op.drop_table("search_terms")
    op.drop_index("ix_search_facets_entry_id_facet_value", table_name="search_facets")
    op.drop_table("search_facets")
    op.drop_index("ix_search_entries_kind_acquired_to", table_name="search_entries")
    op.drop_index("ix_search_entries_acquired_from", table_name="search_entries")
    op.drop_index("ix_search_entries_project_id", table_name="search_entries")
    op.drop_table("search_entries")  # its triggers and the PostgreSQL text index go with it
