"""Deriving search entries from catalog documents: pure functions, no database.

Documents are read as JSON, never re-validated: indexing a million images must cost
microseconds each, not a pydantic model each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from imagesteward.catalog._search_tables import PAIR_SEPARATOR, VALUE_SEPARATOR

__all__ = [
    "DEFAULT_VISIBILITY",
    "Derived",
    "body",
    "by_identifier",
    "derive_image",
    "encode_facets",
    "group_entry",
    "instrument_label",
    "least_visible",
    "merge_facets",
    "term",
    "text_words",
    "words",
]

#: A project or dataset without an access row is private (owners only).
DEFAULT_VISIBILITY = "private"
_RANK = {"private": 0, "embargoed": 1, "public": 2}
# Words of a dataset's images added to its own text, at most (a dataset's vocabulary).
_WORD = re.compile(r"\w+")


def least_visible(*states: str | None) -> str:
    """The least public of some visibility states (``None``: no access row, private)."""
    return min((state or DEFAULT_VISIBILITY for state in states), key=lambda s: _RANK.get(s, 0))


def encode_facets(facets: Iterable[tuple[str, str]]) -> str:
    """``search_entries.facet_values``: the pairs in one string (in no particular order)."""
    return PAIR_SEPARATOR.join([facet + VALUE_SEPARATOR + value for facet, value in facets])


def merge_facets(stored: str, pairs: Iterable[tuple[str, str]]) -> str:
    """``stored`` (:func:`encode_facets`) with ``pairs`` added."""
    known = {tuple(p.split(VALUE_SEPARATOR, 1)) for p in stored.split(PAIR_SEPARATOR) if p}
    return encode_facets({*known, *pairs})  # type: ignore[arg-type]


def text_words(text: str) -> set[str]:
    """The distinct lower-cased words of ``text`` (what a dataset takes from its images)."""
    return set(_WORD.findall(text.lower()))


@dataclass(slots=True)
class Derived:
    """An entry ready to insert, its facet values and the labels of those values."""

    entry: dict[str, Any]
    facets: set[tuple[str, str]] = field(default_factory=set)
    labels: dict[tuple[str, str], str] = field(default_factory=dict)

    def widen(self, first: datetime | None, last: datetime | None) -> None:
        """Stretch the entry's date span over ``first``..``last``."""
        for name, when, keep in (("acquired_from", first, min), ("acquired_to", last, max)):
            if when is not None:
                known = self.entry.get(name)
                self.entry[name] = when if known is None else keep(known, when)

    def add(self, facet: str, value: str | None, label: str | None = None) -> None:
        if not value:
            return
        self.facets.add((facet, value))
        self.labels[facet, value] = label or value


def term(value: Any) -> tuple[str | None, str | None]:
    """(term id, label) of an ontology term object (or a bare string) in a document."""
    if isinstance(value, Mapping):
        return value.get("term_id"), value.get("label")
    if isinstance(value, str):
        return value, value
    return None, None


def words(value: Any) -> Iterator[str]:
    """Every human-readable string inside a document value (labels, names, free text)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in {"term_id", "image_ids", "orcid", "ror", "rrid", "pidinst", "doi"}:
                yield from words(item)
    elif isinstance(value, list):
        for item in value:
            yield from words(item)


def by_identifier(items: Any, identifier: Any) -> Mapping[str, Any]:
    for item in items or ():
        if isinstance(item, Mapping) and item.get("identifier") == identifier:
            return item
    return {}


def instrument_label(manufacturer: str | None, model: str | None, name: str | None) -> str:
    """How an instrument is named in facets: its maker and model, then the facility's name."""
    label = " ".join(part for part in (manufacturer, model) if part)
    if name:
        label = f"{label} ({name})" if label else name
    return label or "unnamed instrument"


def derive_image(
    row: Mapping[str, Any],
    *,
    project: str,
    study: Mapping[str, Any] | None,
    instrument: str | None,
    visibility: str = DEFAULT_VISIBILITY,
    completeness: int | None = None,
    memo: dict[tuple[int, str, Any], Any] | None = None,
) -> Derived:
    """The entry of one image, from the values of its row and its dataset's.

    ``row`` holds ``id``, ``name``, ``dataset_id``, ``project_id``, ``dataset``, ``document``,
    ``acquisition_date``, ``imaging_method_id``, ``objective_model``,
    ``objective_magnification``, ``objective_na`` and ``instrument_id``.
    """
    document: Mapping[str, Any] = row["document"] or {}
    acquisition: Mapping[str, Any] = document.get("acquisition") or {}
    title = row["name"] or document.get("name") or f"image {row['id']}"
    derived = Derived(
        {
            "kind": "image",
            "entity_id": row["id"],
            "project_id": row["project_id"],
            "dataset_id": row["dataset_id"],
            "title": title,
            "acquired_from": row["acquisition_date"],
            "acquired_to": row["acquisition_date"],
            "completeness": completeness,
            "visibility": visibility,
        }
    )
    derived.add("project", project)
    if row["acquisition_date"] is not None:
        derived.add("year", str(row["acquisition_date"].year))
    method_id, method_label = term(acquisition.get("imaging_method"))
    derived.add("method", row["imaging_method_id"] or method_id, method_label)
    if row["instrument_id"] is not None:
        derived.add("instrument", str(row["instrument_id"]), instrument)
    objective = row["objective_model"]
    if objective is None and row["objective_magnification"] is not None:
        na = row["objective_na"]
        objective = f"{row['objective_magnification']:g}x" + (f"/{na:g}" if na else "")
    derived.add("objective", objective)
    texts = [
        title,
        document.get("description"),
        row["dataset"],
        project,
        document.get("file_format"),
    ]
    texts += [acquisition.get("acquisition_mode"), instrument, objective, method_label]
    for channel in document.get("channels") or ():
        term_id, label = term(channel.get("fluorophore"))
        name = channel.get("fluorophore_name")
        derived.add("fluorophore", term_id or name, label or name)
        texts += [channel.get("name"), name, label]
    refs = (document.get("biosample_ref"), document.get("specimen_ref"))
    key = (row["project_id"], "refs", refs)
    found = None if memo is None else memo.get(key)
    if found is None:
        found = _study_parts(study or {}, *refs)
        if memo is not None:
            memo[key] = found
    values, study_texts = found
    for facet, value, label in values:
        derived.add(facet, value, label)
    texts += study_texts
    derived.entry["body"] = body(texts)
    return derived


def _study_parts(
    study: Mapping[str, Any], biosample_ref: Any, specimen_ref: Any
) -> tuple[list[tuple[str, str | None, str | None]], list[str]]:
    """Facet values and text an image takes from the study's biosample and specimen."""
    biosample = by_identifier(study.get("biosamples"), biosample_ref)
    values: list[tuple[str, str | None, str | None]] = [
        ("organism", *term(biosample.get("organism")))
    ]
    specimen = by_identifier(study.get("specimens"), specimen_ref)
    for label in specimen.get("labels") or ():
        values.append(("fluorophore", *term(label.get("fluorophore"))))
    return values, list(words(biosample)) + list(words(specimen))


def body(texts: Iterable[Any]) -> str:
    """The distinct non-empty strings, one per line (the tokenizers ignore the spacing)."""
    seen: dict[str, None] = {}
    for text in texts:
        if text and text.__class__ is str and text not in seen and not text.isspace():
            seen[text] = None
    return "\n".join(seen)


def group_entry(
    kind: str,
    entity_id: int,
    project_id: int,
    dataset_id: int | None,
    title: str,
    visibility: str = DEFAULT_VISIBILITY,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "entity_id": entity_id,
        "project_id": project_id,
        "dataset_id": dataset_id,
        "title": title,
        "acquired_from": None,
        "acquired_to": None,
        "completeness": None,
        "visibility": visibility,
    }
