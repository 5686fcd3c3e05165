"""Search at a million entries: facet values on the entry, a stored tsvector, real visibility.

* ``search_entries.facet_values``: the entry's facet values as one string, so the facet
  counts of thousands of hits read one row per hit (filled here from ``search_facets``);
* PostgreSQL: a stored generated ``tsvector`` column ``text_vector`` with its GIN index replaces
  the GIN index over the ``to_tsvector(...)`` expression, whose every recheck parsed the text
  again;
* visibility: entries take the state of their project and dataset (``project_access``,
  ``dataset_access``; the least public of the two, a missing row being private, as the
  access policy reads it) instead of "private" for everything, and
  ``search_totals`` is counted again from the entries.

Revision ID: 0009_search_scale
Revises: 0008_oidc_identities
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_search_scale"
down_revision: str | None = "0008_oidc_identities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported (see 0001): a migration keeps meaning what it meant.
# (Built from constants only: no value from outside reaches these statements.)
_RANK = "CASE {0} WHEN 'public' THEN 2 WHEN 'embargoed' THEN 1 ELSE 0 END"
_STATE = "CASE {0} WHEN 2 THEN 'public' WHEN 1 THEN 'embargoed' ELSE 'private' END"
_PROJECT = (  # noqa: S608
    "(SELECT {rank} FROM project_access p WHERE p.project_id = search_entries.project_id)"
).format(rank=_RANK.format("p.visibility"))
_DATASET = (  # noqa: S608
    "(SELECT {rank} FROM dataset_access d WHERE d.dataset_id = search_entries.dataset_id)"
).format(rank=_RANK.format("d.visibility"))
VISIBILITY = (
    "UPDATE search_entries SET visibility = "  # noqa: S608
    + _STATE.format(
        f"CASE WHEN coalesce({_DATASET}, 0) < coalesce({_PROJECT}, 0) "
        f"THEN coalesce({_DATASET}, 0) ELSE coalesce({_PROJECT}, 0) END"
    )
)
TOTALS = (
    "DELETE FROM search_totals",
    "INSERT INTO search_totals (project_id, kind, visibility, facet, value, count) "
    "SELECT project_id, kind, visibility, '*', '*', count(*) FROM search_entries "
    "GROUP BY project_id, kind, visibility",
    "INSERT INTO search_totals (project_id, kind, visibility, facet, value, count) "
    "SELECT project_id, kind, visibility, 'completeness', CAST(completeness AS VARCHAR), "
    "count(*) FROM search_entries WHERE completeness IS NOT NULL "
    "GROUP BY project_id, kind, visibility, completeness",
    "INSERT INTO search_totals (project_id, kind, visibility, facet, value, count) "
    "SELECT e.project_id, e.kind, e.visibility, f.facet, f.value, count(*) "
    "FROM search_facets f JOIN search_entries e ON e.id = f.entry_id "
    "GROUP BY e.project_id, e.kind, e.visibility, f.facet, f.value",
)
FACET_VALUES = {
    "sqlite": "UPDATE search_entries SET facet_values = coalesce((SELECT group_concat("
    "f.facet || char(31) || f.value, char(30)) FROM search_facets f "
    "WHERE f.entry_id = search_entries.id), '')",
    "postgresql": "UPDATE search_entries SET facet_values = coalesce((SELECT string_agg("
    "f.facet || chr(31) || f.value, chr(30)) FROM search_facets f "
    "WHERE f.entry_id = search_entries.id), '')",
}
POSTGRESQL_UP = (
    "DROP INDEX IF EXISTS ix_search_entries_text",
    "ALTER TABLE search_entries ADD COLUMN text_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, title || ' ' || body)) STORED",
    "CREATE INDEX ix_search_entries_text_vector ON search_entries USING gin (text_vector)",
)
POSTGRESQL_DOWN = (
    "DROP INDEX IF EXISTS ix_search_entries_text_vector",
    "ALTER TABLE search_entries DROP COLUMN text_vector",
    "CREATE INDEX ix_search_entries_text ON search_entries USING gin "
    "(to_tsvector('english'::regconfig, title || ' ' || body))",
)


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    op.add_column(
        "search_entries", sa.Column("facet_values", sa.Text(), nullable=False, server_default="")
    )
    op.execute(FACET_VALUES[dialect])
    op.execute(VISIBILITY)
    for statement in TOTALS:
        op.execute(statement)
    if dialect == "postgresql":
        for statement in POSTGRESQL_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWN:
            op.execute(statement)
    # Plain ALTER TABLE (SQLite >= 3.35): a batch copy of the table would lose its FTS5
    # triggers.
    op.execute("ALTER TABLE search_entries DROP COLUMN facet_values")
