"""Keeping the search index in step: entries derived from images, datasets and studies.

Every write that changes what an entry is derived from calls :func:`refresh` in its own
transaction, so the index never disagrees with the catalog a reader sees. Image entries are
derived from the image row, its document and its project's study (the organism of an image
is that of the study's biosample it names); a dataset's or a study's entry carries its own
text plus the union of its images' facet values, so "confocal" finds the datasets that hold
confocal images. Documents are read as JSON, never re-validated: indexing a million images
must cost microseconds each, not a pydantic model each.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import batched
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._search_tables import SearchEntryRow, SearchFacetRow, SearchTermRow
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.catalog._tables import DatasetRow, ImageRow, InstrumentRow, ProjectRow, StudyRow

__all__ = ["DEFAULT_VISIBILITY", "Derived", "derive_image", "rebuild", "refresh"]

#: Until the catalog records publication states, everything is private (owners only).
DEFAULT_VISIBILITY = "private"

# Images read, derived and written per round: a few thousand keeps statements few and memory
# small. Within SQLite's limit of 32766 bound parameters per statement.
_CHUNK = 2000

_ENTRIES: Table = SearchEntryRow.__table__  # type: ignore[assignment]
_FACETS: Table = SearchFacetRow.__table__  # type: ignore[assignment]
_TERMS: Table = SearchTermRow.__table__  # type: ignore[assignment]


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


def _term(value: Any) -> tuple[str | None, str | None]:
    """(term id, label) of an ontology term object (or a bare string) in a document."""
    if isinstance(value, Mapping):
        return value.get("term_id"), value.get("label")
    if isinstance(value, str):
        return value, value
    return None, None


def _words(value: Any) -> Iterator[str]:
    """Every human-readable string inside a document value (labels, names, free text)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in {"term_id", "image_ids", "orcid", "ror", "rrid", "pidinst", "doi"}:
                yield from _words(item)
    elif isinstance(value, list):
        for item in value:
            yield from _words(item)


def _by_identifier(items: Any, identifier: Any) -> Mapping[str, Any]:
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
            "completeness": None,
            "visibility": visibility,
        }
    )
    derived.add("project", project)
    method_id, method_label = _term(acquisition.get("imaging_method"))
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
        term_id, label = _term(channel.get("fluorophore"))
        name = channel.get("fluorophore_name")
        derived.add("fluorophore", term_id or name, label or name)
        texts += [channel.get("name"), name, label]
    study = study or {}
    biosample = _by_identifier(study.get("biosamples"), document.get("biosample_ref"))
    organism_id, organism_label = _term(biosample.get("organism"))
    derived.add("organism", organism_id, organism_label)
    specimen = _by_identifier(study.get("specimens"), document.get("specimen_ref"))
    for label in specimen.get("labels") or ():
        term_id, name = _term(label.get("fluorophore"))
        derived.add("fluorophore", term_id, name)
    texts += list(_words(biosample)) + list(_words(specimen))
    derived.entry["body"] = _body(texts)
    return derived


def _body(texts: Iterable[Any]) -> str:
    seen: dict[str, None] = {}
    for text in texts:
        if isinstance(text, str) and text.strip():
            seen.setdefault(" ".join(text.split()), None)
    return "\n".join(seen)


def _dialect(connection: Connection) -> Any:
    return postgresql if connection.dialect.name == "postgresql" else sqlite


def _insert_entries(connection: Connection, derived: list[Derived]) -> None:
    """Insert entries of ONE kind (none may exist yet); sets each one's ``id``.

    RETURNING rows are matched by entity id, so SQLite need not insert row by row.
    """
    if not derived:
        return
    now = utcnow()
    rows = [{**item.entry, "indexed_at": now} for item in derived]
    statement = insert(_ENTRIES).returning(_ENTRIES.c.entity_id, _ENTRIES.c.id)
    ids = {int(entity): int(entry) for entity, entry in connection.execute(statement, rows)}
    for item in derived:
        item.entry["id"] = ids[item.entry["entity_id"]]


def _insert_facets(connection: Connection, derived: Iterable[Derived], *, merge: bool) -> None:
    """The facet values of entries that have ids; ``merge``: some may be there already."""
    rows = [
        {"facet": facet, "value": value, "entry_id": item.entry["id"]}
        for item in derived
        for facet, value in item.facets
    ]
    if not rows:
        return
    statement = _dialect(connection).insert(_FACETS)
    connection.execute(statement.on_conflict_do_nothing() if merge else statement, rows)


def _upsert_terms(connection: Connection, derived: Iterable[Derived]) -> None:
    labels: dict[tuple[str, str], str] = {}
    for item in derived:
        labels.update(item.labels)
    if not labels:
        return
    upsert = _dialect(connection).insert(_TERMS)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=["facet", "value"], set_={"label": upsert.excluded.label}
        ),
        [{"facet": f, "value": v, "label": label} for (f, v), label in labels.items()],
    )


def _write(connection: Connection, derived: list[Derived]) -> None:
    """Insert entries of ONE kind with their facet values and labels."""
    _insert_entries(connection, derived)
    _insert_facets(connection, derived, merge=False)
    _upsert_terms(connection, derived)


def _remove(connection: Connection, kind: str, entity_ids: Collection[int]) -> None:
    for chunk in batched(entity_ids, IN_BATCH):
        ids = select(_ENTRIES.c.id).where(_ENTRIES.c.kind == kind, _ENTRIES.c.entity_id.in_(chunk))
        connection.execute(delete(_FACETS).where(_FACETS.c.entry_id.in_(ids)))
        connection.execute(
            delete(_ENTRIES).where(_ENTRIES.c.kind == kind, _ENTRIES.c.entity_id.in_(chunk))
        )


def _studies(connection: Connection, project_ids: Collection[int]) -> dict[int, Any]:
    """Study documents by project, with their entry ids (``None`` while not indexed)."""
    entry = _ENTRIES.alias("study_entry")
    rows = connection.execute(
        select(StudyRow.project_id, StudyRow.document, entry.c.id)
        .outerjoin(entry, (entry.c.kind == "study") & (entry.c.entity_id == StudyRow.id))
        .where(StudyRow.project_id.in_(project_ids))
    )
    return {int(pid): (document, entry_id) for pid, document, entry_id in rows}


def _image_rows(connection: Connection, image_ids: Collection[int]) -> list[Mapping[str, Any]]:
    dataset_entry = _ENTRIES.alias("dataset_entry")
    statement = (
        select(
            ImageRow.id,
            ImageRow.name,
            ImageRow.dataset_id,
            DatasetRow.project_id,
            DatasetRow.name.label("dataset"),
            ProjectRow.name.label("project"),
            ImageRow.document,
            ImageRow.acquisition_date,
            ImageRow.imaging_method_id,
            ImageRow.objective_model,
            ImageRow.objective_magnification,
            ImageRow.objective_na,
            ImageRow.instrument_id,
            InstrumentRow.manufacturer,
            InstrumentRow.model,
            InstrumentRow.instrument_name,
            dataset_entry.c.id.label("dataset_entry"),
        )
        .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
        .outerjoin(
            dataset_entry,
            (dataset_entry.c.kind == "dataset") & (dataset_entry.c.entity_id == DatasetRow.id),
        )
        .join(ProjectRow, ProjectRow.id == DatasetRow.project_id)
        .outerjoin(InstrumentRow, InstrumentRow.id == ImageRow.instrument_id)
        .where(ImageRow.id.in_(image_ids))
        .order_by(ImageRow.id)
    )
    return [dict(row) for row in connection.execute(statement).mappings()]


def _derive_images(
    connection: Connection, image_ids: Collection[int]
) -> tuple[list[Derived], dict[tuple[str, int], Derived]]:
    """Image entries, and the dataset and study entries above them that exist already."""
    rows = _image_rows(connection, image_ids)
    studies = _studies(connection, {row["project_id"] for row in rows})
    derived = []
    groups: dict[tuple[str, int], Derived] = {}
    for row in rows:
        instrument = None
        if row["instrument_id"] is not None:
            instrument = instrument_label(row["manufacturer"], row["model"], row["instrument_name"])
        study, study_entry = studies.get(row["project_id"], (None, None))
        derived.append(
            derive_image(row, project=row["project"], study=study, instrument=instrument)
        )
        for key, entry_id in (
            (("dataset", row["dataset_id"]), row["dataset_entry"]),
            (("study", row["project_id"]), study_entry),
        ):
            if entry_id is not None and key not in groups:
                groups[key] = Derived({"id": entry_id, "acquired_from": None, "acquired_to": None})
    return derived, groups


def _index_images(
    connection: Connection, image_ids: Collection[int], *, fresh: bool = False
) -> list[Derived]:
    """(Re)index images (``fresh``: they have no entries yet); what was written."""
    written: list[Derived] = []
    for chunk in batched(sorted(image_ids), _CHUNK):
        if not fresh:
            _remove(connection, "image", chunk)
        derived, _ = _derive_images(connection, chunk)
        _write(connection, derived)
        written += derived
    return written


def _add_images(connection: Connection, image_ids: Collection[int]) -> None:
    """Index images just inserted, folding them into their datasets' and studies' entries.

    Datasets and studies only grow here, so a batch costs the same few statements
    whatever its size: no dataset is derived again from all its images.
    """
    for chunk in batched(sorted(image_ids), _CHUNK):
        images, groups = _derive_images(connection, chunk)
        _insert_entries(connection, images)
        fresh = _new_datasets(connection, images, groups)
        grown = [*groups.values(), *fresh]
        for item in images:
            for key in (("dataset", item.entry["dataset_id"]), ("study", item.entry["project_id"])):
                group = groups.get(key)
                if group is not None:
                    group.facets |= item.facets
                    group.widen(item.entry["acquired_from"], item.entry["acquired_to"])
        _insert_facets(connection, [*images, *grown], merge=True)
        _upsert_terms(connection, [*images, *fresh])
        _widen_dates(connection, list(groups.values()))


def _new_datasets(
    connection: Connection, images: list[Derived], groups: dict[tuple[str, int], Derived]
) -> list[Derived]:
    """Entries for datasets first seen in this batch: all their images are in it."""
    missing = {item.entry["dataset_id"] for item in images} - {
        key for kind, key in groups if kind == "dataset"
    }
    if not missing:
        return []
    derived = {row.entry["entity_id"]: row for row in _dataset_entries(connection, missing)}
    for item in images:
        dataset = derived.get(item.entry["dataset_id"])
        if dataset is not None:
            dataset.facets |= item.facets
            dataset.widen(item.entry["acquired_from"], item.entry["acquired_to"])
    _insert_entries(connection, list(derived.values()))
    return list(derived.values())


def _union(connection: Connection, condition: Any) -> tuple[Derived, Any, Any]:
    """Facet values, labels and date span of the image entries matching ``condition``."""
    image = _ENTRIES.alias("image")
    union = Derived({})
    rows = connection.execute(
        select(_FACETS.c.facet, _FACETS.c.value, _TERMS.c.label)
        .distinct()
        .select_from(image)
        .join(_FACETS, _FACETS.c.entry_id == image.c.id)
        .outerjoin(
            _TERMS, (_TERMS.c.facet == _FACETS.c.facet) & (_TERMS.c.value == _FACETS.c.value)
        )
        .where(image.c.kind == "image", condition(image))
    )
    for facet, value, label in rows:
        union.add(facet, value, label)
    first: datetime | None
    last: datetime | None
    first, last = connection.execute(
        select(func.min(image.c.acquired_from), func.max(image.c.acquired_to)).where(
            image.c.kind == "image", condition(image)
        )
    ).one()
    return union, first, last


def _dataset_entries(connection: Connection, dataset_ids: Collection[int]) -> list[Derived]:
    """Dataset entries from the datasets' own fields, without their images' facets."""
    rows = connection.execute(
        select(
            DatasetRow.id,
            DatasetRow.name,
            DatasetRow.description,
            DatasetRow.project_id,
            ProjectRow.name.label("project"),
        )
        .join(ProjectRow, ProjectRow.id == DatasetRow.project_id)
        .where(DatasetRow.id.in_(dataset_ids))
    ).mappings()
    derived = []
    for row in rows:
        entry = _group_entry("dataset", row["id"], row["project_id"], row["id"], row["name"])
        entry["body"] = _body([row["name"], row["description"], row["project"]])
        item = Derived(entry)
        item.add("project", row["project"])
        derived.append(item)
    return derived


def _index_datasets(connection: Connection, dataset_ids: Collection[int]) -> None:
    derived = _dataset_entries(connection, dataset_ids)
    for item in derived:
        dataset = item.entry["entity_id"]
        union, first, last = _union(connection, lambda e, d=dataset: e.c.dataset_id == d)
        item.facets |= union.facets
        item.widen(first, last)
    _remove(connection, "dataset", dataset_ids)
    _write(connection, derived)


def _index_studies(connection: Connection, project_ids: Collection[int]) -> None:
    rows = connection.execute(
        select(
            StudyRow.id,
            StudyRow.project_id,
            StudyRow.title,
            StudyRow.document,
            ProjectRow.name.label("project"),
        )
        .join(ProjectRow, ProjectRow.id == StudyRow.project_id)
        .where(StudyRow.project_id.in_(project_ids))
    ).mappings()
    derived = []
    removed = set()
    for row in rows:
        removed.add(row["id"])
        union, first, last = _union(connection, lambda e, p=row["project_id"]: e.c.project_id == p)
        union.add("project", row["project"])
        document = row["document"] or {}
        for biosample in document.get("biosamples") or ():
            union.add("organism", *_term(biosample.get("organism")))
        for component in document.get("study_components") or ():
            union.add("method", *_term(component.get("imaging_method")))
        union.entry = _group_entry("study", row["id"], row["project_id"], None, row["title"])
        union.widen(first, last)
        texts = [row["title"], row["project"], *_words(document)]
        union.entry["body"] = _body(texts)
        derived.append(union)
    _remove(connection, "study", removed)
    _write(connection, derived)


def _group_entry(
    kind: str, entity_id: int, project_id: int, dataset_id: int | None, title: str
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
        "visibility": DEFAULT_VISIBILITY,
    }


def refresh(
    connection: Connection,
    *,
    image_ids: Collection[int] = (),
    project_ids: Collection[int] = (),
    added: bool = False,
) -> None:
    """Re-derive the entries of these images and of the datasets and studies above them.

    ``project_ids`` re-derives whole projects (a saved study changes every image's
    organism). ``added``: the images were just inserted, so their datasets and studies only
    grow - a few set-based statements, whatever the number of images, instead of deriving
    each dataset again. Runs in the caller's transaction.
    """
    images = set(image_ids)
    if added:
        _add_images(connection, images)
        return
    if project_ids:
        images.update(
            connection.execute(
                select(ImageRow.id)
                .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
                .where(DatasetRow.project_id.in_(project_ids))
            ).scalars()
        )
    written = _index_images(connection, images) if images else []
    datasets = {item.entry["dataset_id"] for item in written}
    projects = set(project_ids) | {item.entry["project_id"] for item in written}
    if project_ids:
        datasets.update(
            connection.execute(
                select(DatasetRow.id).where(DatasetRow.project_id.in_(project_ids))
            ).scalars()
        )
    if datasets:
        _index_datasets(connection, datasets)
    if projects:
        _index_studies(connection, projects)


def _widen_dates(connection: Connection, groups: list[Derived]) -> None:
    """Stretch stored date spans over those of ``groups`` (one statement)."""
    spans = [
        {"entry": g.entry["id"], "first": g.entry["acquired_from"], "last": g.entry["acquired_to"]}
        for g in groups
        if g.entry["acquired_from"] is not None
    ]
    if not spans:
        return
    entries = _ENTRIES.c
    first: Any = bindparam("first")
    last: Any = bindparam("last")
    statement = (
        update(_ENTRIES)
        .where(entries.id == bindparam("entry"))
        .values(
            acquired_from=case(
                ((entries.acquired_from.is_(None)) | (entries.acquired_from > first), first),
                else_=entries.acquired_from,
            ),
            acquired_to=case(
                ((entries.acquired_to.is_(None)) | (entries.acquired_to < last), last),
                else_=entries.acquired_to,
            ),
        )
    )
    connection.execute(statement, spans)


def rebuild(connection: Connection) -> int:
    """Throw the whole index away and derive it again; the number of images indexed."""
    connection.execute(delete(_FACETS))
    connection.execute(delete(_ENTRIES))
    connection.execute(delete(_TERMS))
    last, count = 0, 0
    while True:
        ids = (
            connection.execute(
                select(ImageRow.id).where(ImageRow.id > last).order_by(ImageRow.id).limit(_CHUNK)
            )
            .scalars()
            .all()
        )
        if not ids:
            break
        _index_images(connection, ids, fresh=True)
        last, count = ids[-1], count + len(ids)
    datasets = connection.execute(select(DatasetRow.id)).scalars().all()
    for group in batched(datasets, IN_BATCH):
        _index_datasets(connection, group)
    projects = connection.execute(select(ProjectRow.id)).scalars().all()
    for group in batched(projects, IN_BATCH):
        _index_studies(connection, group)
    return count
