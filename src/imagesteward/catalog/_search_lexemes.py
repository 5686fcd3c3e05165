"""PostgreSQL: posting lists of text lexemes, so a word search never visits the table.

PostgreSQL's GIN index finds the rows holding a word quickly, but cannot hand back their ids
without visiting each row in the table (a GIN index answers nothing by itself): a word in
6 % of a million entries is 60,000 row visits, hundreds of milliseconds when the table is not
in shared memory. So each lexeme of ``search_text`` - PostgreSQL's own words, as its
``english`` configuration normalises them - also has a posting list (facet :data:`LEXEME`),
kept in the same transactions as ``search_text``: a plain word search is an intersection of
bitmaps. Phrases still ask the GIN index (positions live only there), among the entries
holding all their words. SQLite's FTS5 hands back ids from its index alone and needs none of
this.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import ARRAY, Connection, Integer, bindparam, text

from imagesteward.catalog._search_postings import POSTINGS, Change

if TYPE_CHECKING:
    from pyroaring import BitMap

__all__ = ["LEXEME", "all_lexemes", "lexeme_changes", "prefixed", "word_lexemes"]

#: The internal facet of the lexeme posting lists.
LEXEME = ".lexeme"

_OF_ENTRIES = text(
    "SELECT id, tsvector_to_array(text_vector) FROM search_text WHERE id = ANY(:ids)"
).bindparams(bindparam("ids", type_=ARRAY(Integer)))


def lexeme_changes(connection: Connection, ids: Collection[int], sign: int) -> list[Change]:
    """Posting changes for the lexemes ``search_text`` holds for these entries now."""
    if connection.dialect.name != "postgresql" or not ids:
        return []
    rows = connection.execute(_OF_ENTRIES, {"ids": list(ids)})
    return [(LEXEME, lexeme, int(entry), sign) for entry, lexemes in rows for lexeme in lexemes]


def all_lexemes(connection: Connection) -> dict[tuple[str, str], BitMap]:
    """Every lexeme's posting list, added up by PostgreSQL from ``search_text`` (a rebuild)."""
    import numpy as np
    from pyroaring import BitMap

    if connection.dialect.name != "postgresql":
        return {}
    rows = connection.exec_driver_sql(
        "SELECT lexeme, string_agg(id::text, ',') FROM search_text, "
        "unnest(tsvector_to_array(text_vector)) AS lexeme GROUP BY lexeme"
    )
    return {
        (LEXEME, lexeme): BitMap(np.fromstring(ids, dtype=np.uint32, sep=","))
        for lexeme, ids in rows
    }


def word_lexemes(connection: Connection, words: Iterable[str]) -> list[str]:
    """The lexemes PostgreSQL makes of ``words`` (stop words dropped), in their order."""
    found = connection.execute(
        text("SELECT tsvector_to_array(to_tsvector('english'::regconfig, :words))"),
        {"words": " ".join(words)},
    ).scalar_one()
    return list(found or [])


def prefixed(connection: Connection, stem: str) -> list[str]:
    """The lexemes held that begin with ``stem``."""
    columns = POSTINGS.c
    upper = stem[:-1] + chr(ord(stem[-1]) + 1)
    rows: Any = connection.execute(
        POSTINGS.select()
        .with_only_columns(columns.value)
        .distinct()
        .where(columns.facet == LEXEME, columns.value >= stem, columns.value < upper)
    ).scalars()
    # The range is read in the column's collation; the prefix is checked exactly here.
    return [value for value in rows if value.startswith(stem)]
