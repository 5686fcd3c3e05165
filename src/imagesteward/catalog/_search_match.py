"""What the database answers for a search: full-text matches, date ranges, value names.

Everything else a search asks - facet values, kinds, visibility, completeness, the caller's
scope - is answered by the posting lists (:mod:`._search_postings`); these are the questions
only SQL can answer, each returned as the ids of the entries that match.

Full text: FTS5 ``MATCH`` on SQLite, ``tsvector @@ tsquery`` over the GIN-indexed
``search_text`` table on PostgreSQL. Words are passed as quoted strings (FTS5) or through
``plainto_tsquery`` (PostgreSQL), never spliced into query syntax, so user input cannot
change the query's shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Integer,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY, TSVECTOR
from sqlalchemy.sql import Select

from imagesteward.catalog._search_tables import TEXT_CONFIGURATION, SearchEntryRow, SearchTermRow

if TYPE_CHECKING:
    from pyroaring import BitMap

__all__ = ["named_values", "overlap_ids", "start_ids", "text_ids"]

_ENTRIES: Table = SearchEntryRow.__table__  # type: ignore[assignment]
_TERMS: Table = SearchTermRow.__table__  # type: ignore[assignment]
_WORD = re.compile(r"\w+")
# Up to this many candidates, PostgreSQL checks the text of each one instead of the index.
_FEW = 20_000


def _ids(connection: Connection, statement: Select[Any]) -> BitMap:
    """The ids ``statement`` selects (one column named ``id``), as a bitmap.

    Joined into one string by the database (``group_concat`` / ``string_agg``) and parsed in
    C: at a few hundred thousand ids this takes half the time of fetching them row by row.
    """
    import numpy as np
    from pyroaring import BitMap

    found = statement.subquery("found").c.id
    if connection.dialect.name == "sqlite":
        joined = func.group_concat(found)
    else:
        joined = func.string_agg(cast(found, Text), ",")
    listed = connection.execute(select(joined)).scalar()
    if not listed:
        return BitMap()
    return BitMap(np.fromstring(listed, dtype=np.uint32, sep=","))


def _fts5_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _sqlite_match(words: tuple[str, ...], phrase: bool, prefix: bool) -> str:
    kept = [w for w in words if w]
    if phrase:
        return _fts5_string(" ".join(kept)) + (" *" if prefix else "")
    parts = [_fts5_string(w) for w in kept]
    if prefix and parts:
        parts[-1] += " *"
    return " AND ".join(parts)


def _pg_query(words: tuple[str, ...], phrase: bool, prefix: bool) -> ColumnElement[Any]:
    configuration = cast(TEXT_CONFIGURATION, REGCONFIG)
    if prefix and words:
        # to_tsquery syntax only for the prefix word, reduced to word characters.
        *rest, last = words
        tokens = _WORD.findall(last)
        stem = func.to_tsquery(configuration, ("&".join(tokens) + ":*") if tokens else "")
        if not rest:
            return stem
        base = func.phraseto_tsquery if phrase else func.plainto_tsquery
        return base(configuration, " ".join(rest)).op("<->" if phrase else "&&")(stem)
    build = func.phraseto_tsquery if phrase else func.plainto_tsquery
    return cast(build(configuration, " ".join(words)), TSQUERY)


def text_ids(
    connection: Connection,
    words: tuple[str, ...],
    *,
    phrase: bool,
    prefix: bool,
    within: BitMap | None = None,
) -> BitMap:
    """The entries whose title or text holds ``words`` (in order when ``phrase``).

    ``within``: the caller wants only these; a few are looked up by id (PostgreSQL), and the
    text index reads only the id range they span.
    """
    statement: Select[Any]
    if connection.dialect.name == "sqlite":
        statement = (
            select(literal_column("rowid").label("id"))
            .select_from(text("search_text"))
            .where(
                text("search_text MATCH :q").bindparams(
                    bindparam("q", _sqlite_match(words, phrase, prefix))
                )
            )
        )
        key: ColumnElement[Any] = literal_column("rowid")
    else:
        vector = literal_column("text_vector", TSVECTOR)
        statement = (
            select(literal_column("id").label("id"))
            .select_from(text("search_text"))
            .where(vector.bool_op("@@")(_pg_query(words, phrase, prefix)))
        )
        key = literal_column("id")
        if within is not None and len(within) <= _FEW:
            statement = statement.where(
                key == func.any(bindparam("ids", list(within), type_=ARRAY(Integer)))
            )
    if within is not None and within:
        statement = statement.where(key.between(within.min(), within.max()))
    return _ids(connection, statement)


def start_ids(connection: Connection, after: datetime | None, before: datetime | None) -> BitMap:
    """Entries whose acquisition starts in ``after``..``before`` (an ``acquired_from`` range)."""
    entries = _ENTRIES.c
    starts = [entries.acquired_from >= after] if after is not None else []
    if before is not None:
        starts.append(entries.acquired_from < before)
    return _ids(connection, select(entries.id).where(and_(*starts)))


def overlap_ids(connection: Connection, after: datetime | None, before: datetime | None) -> BitMap:
    """Datasets and studies whose acquisition span overlaps ``after``..``before``."""
    entries = _ENTRIES.c
    overlap: list[ColumnElement[bool]] = [entries.kind.in_(("dataset", "study"))]
    if after is not None:
        overlap.append(entries.acquired_to >= after)
    if before is not None:
        overlap.append(entries.acquired_from < before)
    return _ids(connection, select(entries.id).where(and_(*overlap)))


def named_values(
    connection: Connection, facet: str, labels: Iterable[str], contains: Iterable[str]
) -> set[str]:
    """The values of ``facet`` whose label is one of ``labels`` or holds one of ``contains``.

    Case-insensitive, looked up in the small ``search_terms`` table.
    """
    label = func.lower(_TERMS.c.label)
    named = [label == name.lower() for name in labels]
    named += [label.contains(part.lower(), autoescape=True) for part in contains]
    if not named:
        return set()
    return set(
        connection.execute(
            select(_TERMS.c.value).where(_TERMS.c.facet == facet, or_(*named))
        ).scalars()
    )
