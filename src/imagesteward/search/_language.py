"""The search query language: free text, quoted phrases, ``field:value`` facets, date ranges.

One language for the CLI, the API and the web UI, whatever the database (see
``docs/search.md``)::

    hela mitosis                      every word (stemmed: "cells" finds "cell")
    "fluorescence microscopy"         a phrase; also every image whose imaging method is
                                      that term or one below it in the ontology
    mito*                             a word beginning with "mito"
    -brightfield  -"wide field"       without this word or phrase
    organism:"Mus musculus"           a facet, by label, synonym or identifier
    organism:NCBITaxon:10090          (repeat a field, or use commas, for "any of")
    method:confocal,light-sheet       any of several values
    -fluorophore:DAPI                 without this value
    date:2024  date:2024-03  date:2024-01-01..2024-06-30  date:>=2024-05  date:..2023
    completeness:>=2  visibility:public  kind:image,dataset

Parsing is pure: it knows nothing about ontologies or databases, and fails with a
:class:`SearchQueryError` that says what was wrong and where.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime

from imagesteward.errors import SearchQueryError

__all__ = [
    "DATE_FIELDS",
    "FACET_FIELDS",
    "FIELDS",
    "DateRange",
    "FieldFilter",
    "ParsedQuery",
    "TextPart",
    "parse_query",
]

#: Fields matched against the index's facet values.
FACET_FIELDS = ("organism", "method", "instrument", "objective", "fluorophore", "project")
#: Fields matched against columns of the entries.
DATE_FIELDS = ("date",)
FIELDS = (*FACET_FIELDS, "date", "completeness", "visibility", "kind")

# A token: optional "-", then field:"quoted value", field:value, "quoted text" or a word.
_TOKEN = re.compile(
    r"""\s*(?P<neg>-)?(?:
        (?P<field>[A-Za-z_]+):(?:"(?P<fquoted>[^"]*)"|(?P<fvalue>[^\s"]+))
      | "(?P<quoted>[^"]*)"
      | (?P<word>[^\s"]+)
    )""",
    re.VERBOSE,
)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_KINDS = ("image", "dataset", "study")
_VISIBILITY = ("private", "embargoed", "public")


@dataclass(frozen=True, slots=True)
class TextPart:
    """Free text: words all required (in order when ``phrase``); ``prefix``: ``word*``."""

    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False
    negate: bool = False

    @property
    def text(self) -> str:
        """The words as typed, joined by spaces."""
        return " ".join(self.words)


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """``field:value[,value...]``; several values mean "any of"."""

    field: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class DateRange:
    """Acquisition dates from ``start`` (inclusive) to ``end`` (exclusive); open ends None."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query taken apart; every part must hold."""

    text: tuple[TextPart, ...] = ()
    filters: tuple[FieldFilter, ...] = ()
    dates: DateRange | None = None
    min_completeness: int | None = None
    visibility: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


def _error(query: str, position: int, problem: str) -> SearchQueryError:
    return SearchQueryError(
        f"Cannot read the search {query!r} at character {position + 1}: {problem}. "
        "See `steward search --help` or docs/search.md for the query language.",
        query=query,
        position=position,
    )


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _date_bound(text: str, query: str, position: int, *, end: bool) -> datetime:
    """A day, month or year as its first instant (``end``: the instant after its last)."""
    match = _DATE.match(text)
    if match is None:
        raise _error(query, position, f"{text!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None
    try:
        if not end:
            return datetime(year, month or 1, day or 1)
        if day is not None and month is not None:
            return datetime.fromordinal(datetime(year, month, day).toordinal() + 1)
        if month is not None:
            last = calendar.monthrange(year, month)[1]
            return datetime.fromordinal(datetime(year, month, last).toordinal() + 1)
        return datetime(year + 1, 1, 1)
    except ValueError as exc:
        raise _error(query, position, f"{text!r} is not a real date ({exc})") from None


def _date_range(value: str, query: str, position: int) -> DateRange:
    if value.startswith(">="):
        return DateRange(_date_bound(value[2:], query, position, end=False), None)
    if value.startswith(">"):
        return DateRange(_date_bound(value[1:], query, position, end=True), None)
    if value.startswith("<="):
        return DateRange(None, _date_bound(value[2:], query, position, end=True))
    if value.startswith("<"):
        return DateRange(None, _date_bound(value[1:], query, position, end=False))
    if ".." in value:
        first, _, last = value.partition("..")
        start = _date_bound(first, query, position, end=False) if first else None
        end = _date_bound(last, query, position, end=True) if last else None
        if start is None and end is None:
            raise _error(query, position, "a date range needs at least one end")
        if start is not None and end is not None and start >= end:
            raise _error(query, position, f"the range {value!r} ends before it starts")
        return DateRange(start, end)
    return DateRange(
        _date_bound(value, query, position, end=False),
        _date_bound(value, query, position, end=True),
    )


def _completeness(value: str, query: str, position: int) -> int:
    number = value.removeprefix(">=")
    if number not in {"0", "1", "2", "3"}:
        raise _error(
            query,
            position,
            f"completeness is a tier from 0 to 3 (e.g. completeness:>=2), not {value!r}",
        )
    return int(number)


def _choices(
    name: str, values: tuple[str, ...], allowed: tuple[str, ...], query: str, at: int
) -> tuple[str, ...]:
    chosen = tuple(value.lower() for value in values)
    for value in chosen:
        if value not in allowed:
            raise _error(query, at, f"{name} is one of {', '.join(allowed)}, not {value!r}")
    return chosen


def parse_query(query: str) -> ParsedQuery:
    """Take a query apart (see the module documentation for the language).

    Raises
    ------
    SearchQueryError
        For an unknown field, a malformed date or completeness, an unbalanced quote, or a
        field that cannot be negated; the message names the position.
    """
    text: list[TextPart] = []
    filters: list[FieldFilter] = []
    dates: DateRange | None = None
    completeness: int | None = None
    visibility: list[str] = []
    kinds: list[str] = []
    position = 0
    stripped = query.rstrip()
    if stripped.count('"') % 2:
        raise _error(query, stripped.rfind('"'), "a quote is not closed")
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None:  # only whitespace or stray characters remain
            raise _error(query, position, "unexpected character")
        position = match.end()
        token = match.group(0)
        at = match.start() + len(token) - len(token.lstrip())
        negate = match.group("neg") is not None
        name = match.group("field")
        if name is not None:
            name = name.lower()
            raw = (
                match.group("fquoted")
                if match.group("fquoted") is not None
                else match.group("fvalue")
            )
            values = tuple(v.strip() for v in (raw.split(",") if match.group("fvalue") else [raw]))
            values = tuple(v for v in values if v)
            if name not in FIELDS:
                raise _error(query, at, f"unknown field {name!r} (fields: {', '.join(FIELDS)})")
            if not values:
                raise _error(query, at, f"{name}: needs a value")
            if negate and name not in FACET_FIELDS:
                raise _error(query, at, f"{name}: cannot be negated; give the values you want")
            if name == "date":
                if dates is not None:
                    raise _error(query, at, "give one date range (date:FROM..TO)")
                dates = _date_range(values[0], query, at)
            elif name == "completeness":
                completeness = _completeness(values[0], query, at)
            elif name == "visibility":
                visibility += _choices(name, values, _VISIBILITY, query, at)
            elif name == "kind":
                kinds += _choices(name, values, _KINDS, query, at)
            else:
                filters.append(FieldFilter(name, values, negate))
            continue
        quoted = match.group("quoted")
        if quoted is not None:
            words = _words(quoted)
            if words:
                text.append(TextPart(words, phrase=len(words) > 1, negate=negate))
            continue
        word = match.group("word")
        prefix = word.endswith("*") and len(word.rstrip("*")) > 0
        word = word.rstrip("*")
        if word:
            text.append(TextPart((word,), prefix=prefix, negate=negate))
    return ParsedQuery(
        text=tuple(text),
        filters=tuple(filters),
        dates=dates,
        min_completeness=completeness,
        visibility=tuple(dict.fromkeys(visibility)),
        kinds=tuple(dict.fromkeys(kinds)),
    )
