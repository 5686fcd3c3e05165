"""The search index's tables: one entry per image, dataset and study, and its facet values.

The index is derived data: every entry can be rebuilt from the catalog's own tables
(:func:`imagesteward.catalog._search_rebuild.rebuild`). It is kept in step inside the same
transaction as each write that changes what it derives from.

The full-text part is each backend's own and so is not an ORM table: an FTS5 table
(``search_text``) with triggers on SQLite, a GIN index over a ``tsvector`` expression on
PostgreSQL (revision ``0006_search``). :data:`BACKEND_OBJECTS` names them, for the schema
checks that compare the migrations with the ORM.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from imagesteward.catalog._sqltypes import utcnow
from imagesteward.catalog._tables import Base

__all__ = [
    "BACKEND_OBJECTS",
    "ENTRY_KINDS",
    "FACETS",
    "PAIR_SEPARATOR",
    "POSTGRESQL_TEXT_FILL",
    "POSTGRESQL_TEXT_INDEX",
    "POSTGRESQL_TEXT_TRIGGERS",
    "SQLITE_TEXT_TRIGGERS",
    "TEXT_CONFIGURATION",
    "VALUE_SEPARATOR",
    "SearchEntryRow",
    "SearchPostingRow",
    "SearchTermRow",
    "SearchTotalRow",
]

#: What a search finds.
ENTRY_KINDS = ("image", "dataset", "study")

#: Facets held in ``facet_values`` (several values per entry are allowed); ``kind``,
#: ``date``, ``completeness`` and ``visibility`` are columns of ``search_entries`` instead.
FACETS = ("year", "project", "organism", "method", "instrument", "objective", "fluorophore")

#: PostgreSQL's text search configuration: English stemming, like FTS5's porter tokenizer.
TEXT_CONFIGURATION = "english"

#: PostgreSQL's full-text index: a narrow table of one ``tsvector`` per entry with a GIN index,
#: kept in step with ``search_entries`` by triggers (revision 0011_search_postings), like
#: SQLite's FTS5 table. Apart from the entries, so that changing an entry's visibility or
#: completeness does not compute its vector again, and a text search visits small rows.
_PG_VECTOR = "to_tsvector('english'::regconfig, {0}.title || ' ' || {0}.body)"
POSTGRESQL_TEXT_FILL = (
    "INSERT INTO search_text (id, text_vector) "  # noqa: S608 - constants only
    f"SELECT id, {_PG_VECTOR.format('search_entries')} FROM search_entries"
)
POSTGRESQL_TEXT_INDEX = "CREATE INDEX ix_search_text_vector ON search_text USING gin (text_vector)"
# The triggers call search_entries_text(), created by revision 0011_search_postings.
POSTGRESQL_TEXT_TRIGGERS = tuple(
    f"CREATE TRIGGER search_entries_text_{name} AFTER {event} ON search_entries "
    "FOR EACH ROW EXECUTE FUNCTION search_entries_text()"
    for name, event in (
        ("insert", "INSERT"),
        ("update", "UPDATE OF title, body"),
        ("delete", "DELETE"),
    )
)

#: The triggers that keep SQLite's FTS5 table in step with ``search_entries`` (as revision
#: 0006_search creates them); a rebuild drops them and rebuilds the FTS5 index at once.
SQLITE_TEXT_TRIGGERS = (
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

#: Separators of ``search_entries.facet_values``: (facet, value) pairs, facet from value.
PAIR_SEPARATOR, VALUE_SEPARATOR = "\x1e", "\x1f"

#: Database objects of the full-text index that the ORM does not describe, per backend: the
#: FTS5 virtual table and its shadow tables; PostgreSQL's ``search_text`` table of stored
#: ``tsvector`` values (read on recheck instead of parsing the text again) and its indexes.
BACKEND_OBJECTS: dict[str, frozenset[str]] = {
    "sqlite": frozenset(
        {
            "search_text",
            "search_text_data",
            "search_text_idx",
            "search_text_docsize",
            "search_text_config",
        }
    ),
    "postgresql": frozenset({"search_text", "ix_search_text_vector", "search_text_pkey"}),
}


class SearchEntryRow(Base):
    """One searchable thing: an image, a dataset or a study (a project's description).

    ``title`` and ``body`` are the indexed text. ``acquired_from``/``acquired_to`` span the
    acquisition dates (equal for an image; naive, like ``images.acquisition_date``).
    ``completeness`` is the highest tier whose fields are all filled (0: not even tier 1),
    NULL until scored (:func:`imagesteward.catalog._search_scores.set_completeness`).
    ``visibility`` is the publication state in force for it: the least public of its
    project's and its dataset's. ``facet_values`` holds the entry's facet values as one
    string (pairs joined by :data:`PAIR_SEPARATOR`); searches read them from the posting
    lists (``search_postings``), which mirror them.
    """

    __tablename__ = "search_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('image', 'dataset', 'study')", name="kind"),
        UniqueConstraint("kind", "entity_id"),
        # With the id: a date range's entries come from the index alone.
        Index(None, "acquired_from", "id"),
        # Datasets and studies running into a date range (few rows per kind).
        Index(None, "kind", "acquired_to"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    entity_id: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[int] = mapped_column(Integer, index=True)
    dataset_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String)
    acquired_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    acquired_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    completeness: Mapped[int | None] = mapped_column(SmallInteger)
    visibility: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    facet_values: Mapped[str] = mapped_column(Text, default="", server_default="")
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchTermRow(Base):
    """The label shown for a facet value (``NCBITaxon:10090`` -> ``Mus musculus``), once."""

    __tablename__ = "search_terms"

    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String, primary_key=True)
    label: Mapped[str] = mapped_column(String)


class SearchTotalRow(Base):
    """How many entries of a project, kind and visibility carry each facet value.

    Kept in step with the entries by every write: the home page's and the listings'
    totals per project come from these few thousand rows. ``facet`` ``*`` (value ``*``)
    counts the entries themselves, ``completeness`` their scores.
    """

    __tablename__ = "search_totals"

    project_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    visibility: Mapped[str] = mapped_column(String(16), primary_key=True)
    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class SearchPostingRow(Base):
    """The entries carrying one value, as serialised roaring bitmaps of their ids.

    One row per ``chunk`` of ids (``id >> CHUNK_BITS``), so that a write touches the part
    of a long list it changes.

    Mirrors ``search_entries.facet_values`` and the entry columns searched on (see
    :mod:`imagesteward.catalog._search_postings`); ``stamp`` changes with every write, so a
    reader's cache knows which lists to fetch again.
    """

    __tablename__ = "search_postings"

    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String, primary_key=True)
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)
    bitmap: Mapped[bytes] = mapped_column(LargeBinary)
