"""Search posting lists as compressed bitmaps: exact facet counts at a million entries.

``search_postings`` holds, per (facet, value) and chunk of 65,536 ids, the ids of the
entries carrying it as a serialised roaring bitmap: the values of ``search_facets`` and,
under internal names starting with ".", each entry's own kind, visibility, completeness,
project and dataset, and the list of every entry. Filled here from the index as it stands; ``search_facets`` goes (each
entry's ``facet_values`` and the posting lists hold what it held).

PostgreSQL: the stored generated ``tsvector`` column of ``search_entries`` moves to its own
narrow table ``search_text`` (id, vector) with the GIN index, kept in step by triggers like
SQLite's FTS5 table: an entry whose visibility or completeness changes no longer computes
its vector again; and each lexeme gets a posting list (``.lexeme``), so that a word search
reads bitmaps instead of visiting a row per match. The date index carries the entry id,
so that a date range is answered from the index alone.

Revision ID: 0011_search_postings
Revises: 0010_removals
Create Date: 2026-11-21
"""

from __future__ import annotations

import secrets
from array import array
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_search_postings"
down_revision: str | None = "0010_removals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported (see 0001): a migration keeps meaning what it meant.
_ENTRY_COLUMNS = (
    ".kind",
    "kind",
    ".visibility",
    "visibility",
    ".project",
    "project_id",
    ".dataset",
    "dataset_id",
    ".completeness",
    "completeness",
)


_VECTOR = "to_tsvector('english'::regconfig, {0}.title || ' ' || {0}.body)"
POSTGRESQL_UP = (
    "DROP INDEX IF EXISTS ix_search_entries_text_vector",
    "ALTER TABLE search_entries DROP COLUMN text_vector",
    "CREATE TABLE search_text (id integer PRIMARY KEY, text_vector tsvector NOT NULL)",
    "INSERT INTO search_text (id, text_vector) "  # noqa: S608 - constants only
    f"SELECT id, {_VECTOR.format('search_entries')} FROM search_entries",
    "CREATE INDEX ix_search_text_vector ON search_text USING gin (text_vector)",
    "CREATE OR REPLACE FUNCTION search_entries_text() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN IF TG_OP = 'DELETE' THEN DELETE FROM search_text WHERE id = OLD.id; RETURN OLD; "
    "END IF; INSERT INTO search_text (id, text_vector) "
    f"VALUES (NEW.id, {_VECTOR.format('NEW')}) "
    "ON CONFLICT (id) DO UPDATE SET text_vector = EXCLUDED.text_vector; RETURN NEW; END $$",
    *(
        f"CREATE TRIGGER search_entries_text_{name} AFTER {event} ON search_entries "
        "FOR EACH ROW EXECUTE FUNCTION search_entries_text()"
        for name, event in (
            ("insert", "INSERT"),
            ("update", "UPDATE OF title, body"),
            ("delete", "DELETE"),
        )
    ),
)
POSTGRESQL_DOWN = (
    *(
        f"DROP TRIGGER IF EXISTS search_entries_text_{name} ON search_entries"
        for name in ("insert", "update", "delete")
    ),
    "DROP FUNCTION IF EXISTS search_entries_text()",
    "DROP TABLE search_text",
    "ALTER TABLE search_entries ADD COLUMN text_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, title || ' ' || body)) STORED",
    "CREATE INDEX ix_search_entries_text_vector ON search_entries USING gin (text_vector)",
)


def upgrade() -> None:
    from pyroaring import BitMap

    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRESQL_UP:
            op.execute(statement)
    # Entry ids in the date index: a date range is answered from the index alone.
    op.drop_index("ix_search_entries_acquired_from", table_name="search_entries")
    op.create_index(
        "ix_search_entries_acquired_from_id", "search_entries", ["acquired_from", "id"]
    )

    op.create_table(
        "search_postings",
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.Column("bitmap", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("facet", "value", "chunk", name=op.f("pk_search_postings")),
    )
    connection = op.get_bind()
    postings: dict[tuple[str, str], array[int]] = {}

    def post(facet: str, value: object, entry: int) -> None:
        key = (facet, str(value))
        found = postings.get(key)
        if found is None:
            found = postings[key] = array("I")
        found.append(entry)

    rows = connection.execute(
        sa.text(
            "SELECT id, kind, visibility, project_id, dataset_id, completeness FROM search_entries"
        )
    )
    for entry, *values in rows:
        post(".all", "", entry)
        for (name, _), value in zip(
            zip(_ENTRY_COLUMNS[::2], _ENTRY_COLUMNS[1::2], strict=True), values, strict=True
        ):
            if value is not None:
                post(name, value, entry)
    for facet, value, entry in connection.execute(
        sa.text("SELECT facet, value, entry_id FROM search_facets")
    ):
        post(facet, value, entry)
    # The posting lists and each entry's facet_values now hold what search_facets held.
    op.drop_table("search_facets")
    if op.get_context().dialect.name == "postgresql":
        # PostgreSQL's lexemes, so that a word search reads bitmaps instead of table rows.
        rows = connection.execute(
            sa.text(
                "SELECT lexeme, string_agg(id::text, ',') FROM search_text, "
                "unnest(tsvector_to_array(text_vector)) AS lexeme GROUP BY lexeme"
            )
        )
        for lexeme, ids in rows:
            postings[".lexeme", lexeme] = array("I", map(int, ids.split(",")))
    table = sa.table(
        "search_postings",
        sa.column("facet"),
        sa.column("value"),
        sa.column("chunk"),
        sa.column("stamp"),
        sa.column("bitmap"),
    )
    made = []
    for (facet, value), ids in postings.items():
        # One row per 65,536 ids (id >> 16), as the catalog writes them.
        by_chunk: dict[int, array[int]] = {}
        for entry in ids:
            by_chunk.setdefault(entry >> 16, array("I")).append(entry)
        for chunk, part in by_chunk.items():
            bitmap = BitMap(part)
            bitmap.run_optimize()
            made.append(
                {
                    "facet": facet,
                    "value": value,
                    "chunk": chunk,
                    "stamp": secrets.randbits(62),
                    "bitmap": bitmap.serialize(),
                }
            )
    for start in range(0, len(made), 500):
        connection.execute(sa.insert(table), made[start : start + 500])
    # Fresh statistics: without them the planner scans every list to find a few.
    op.execute("ANALYZE search_postings")


def downgrade() -> None:
    op.create_table(
        "search_facets",
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["search_entries.id"],
            name=op.f("fk_search_facets_entry_id_search_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("facet", "value", "entry_id", name=op.f("pk_search_facets")),
    )
    op.create_index(
        "ix_search_facets_entry_id_facet_value", "search_facets", ["entry_id", "facet", "value"]
    )
    connection = op.get_bind()
    facets = sa.table("search_facets", sa.column("facet"), sa.column("value"), sa.column("entry_id"))
    rows = [
        {"facet": facet, "value": value, "entry_id": entry}
        for entry, values in connection.execute(
            sa.text("SELECT id, facet_values FROM search_entries WHERE facet_values <> ''")
        )
        for facet, value in (pair.split("\x1f", 1) for pair in values.split("\x1e"))
    ]
    for start in range(0, len(rows), 5000):
        connection.execute(sa.insert(facets), rows[start : start + 5000])
    op.drop_table("search_postings")
    op.drop_index("ix_search_entries_acquired_from_id", table_name="search_entries")
    op.create_index("ix_search_entries_acquired_from", "search_entries", ["acquired_from"])
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWN:
            op.execute(statement)
