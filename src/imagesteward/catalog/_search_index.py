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

from collections import Counter
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
from imagesteward.catalog._search_tables import (
    POSTGRESQL_TEXT_INDEX,
    SearchEntryRow,
    SearchFacetRow,
    SearchTermRow,
    SearchTotalRow,
)
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
_TOTALS: Table = SearchTotalRow.__table__  # type: ignore[assignment]


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
    if row["acquisition_date"] is not None:
        derived.add("year", str(row["acquisition_date"].year))
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
    """The distinct non-empty strings, one per line (the tokenizers ignore the spacing)."""
    return "\n".join(
        dict.fromkeys(t for t in texts if isinstance(t, str) and t and not t.isspace())
    )


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


def _insert_facets(
    connection: Connection, derived: Iterable[Derived], *, merge: bool = False
) -> set[tuple[str, str, int]]:
    """The facet values of entries that have ids.

    ``merge``: some may be there already; the (facet, value, entry id) rows actually added
    are returned (RETURNING reports only rows inserted), which the totals need.
    """
    rows = [
        {"facet": facet, "value": value, "entry_id": item.entry["id"]}
        for item in derived
        for facet, value in item.facets
    ]
    if not rows:
        return set()
    statement = _dialect(connection).insert(_FACETS)
    if not merge:
        connection.execute(statement, rows)
        return set()
    added = statement.on_conflict_do_nothing().returning(
        _FACETS.c.facet, _FACETS.c.value, _FACETS.c.entry_id
    )
    return {(f, v, int(e)) for f, v, e in connection.execute(added, rows)}


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


type _TotalKey = tuple[int, str, str, str, str]


def _entry_totals(derived: Iterable[Derived]) -> Counter[_TotalKey]:
    """What new entries add to ``search_totals``: themselves, their values, their scores."""
    totals: Counter[_TotalKey] = Counter()
    for item in derived:
        entry = item.entry
        group = (entry["project_id"], entry["kind"], entry["visibility"])
        totals[(*group, "*", "*")] += 1
        if entry.get("completeness") is not None:
            totals[(*group, "completeness", str(entry["completeness"]))] += 1
        for facet, value in item.facets:
            totals[(*group, facet, value)] += 1
    return totals


def _add_totals(connection: Connection, totals: Counter[_TotalKey]) -> None:
    """Add (or, negative, take away) counts in ``search_totals``; one statement."""
    rows = [
        {"project_id": p, "kind": k, "visibility": v, "facet": f, "value": x, "count": n}
        for (p, k, v, f, x), n in totals.items()
        if n
    ]
    if not rows:
        return
    upsert = _dialect(connection).insert(_TOTALS)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=["project_id", "kind", "visibility", "facet", "value"],
            set_={"count": _TOTALS.c["count"] + upsert.excluded["count"]},
        ),
        rows,
    )


def _write(connection: Connection, derived: list[Derived]) -> None:
    """Insert entries of ONE kind with their facet values, labels and totals."""
    _insert_entries(connection, derived)
    _insert_facets(connection, derived, merge=False)
    _upsert_terms(connection, derived)
    _add_totals(connection, _entry_totals(derived))


def _remove(connection: Connection, kind: str, entity_ids: Collection[int]) -> None:
    """Delete entries with their facet values, taking them out of the totals."""
    entries = _ENTRIES.c
    for chunk in batched(entity_ids, IN_BATCH):
        chosen = (entries.kind == kind) & entries.entity_id.in_(chunk)
        group = (entries.project_id, entries.kind, entries.visibility)
        totals: Counter[_TotalKey] = Counter()
        counted = (
            select(*group, _FACETS.c.facet, _FACETS.c.value, func.count())
            .join(_FACETS, _FACETS.c.entry_id == entries.id)
            .where(chosen)
            .group_by(*group, _FACETS.c.facet, _FACETS.c.value)
        )
        for project, kind_, visibility, facet, value, count in connection.execute(counted):
            totals[(project, kind_, visibility, facet, value)] -= count
        themselves = (
            select(*group, entries.completeness, func.count())
            .where(chosen)
            .group_by(*group, entries.completeness)
        )
        for project, kind_, visibility, completeness, count in connection.execute(themselves):
            totals[(project, kind_, visibility, "*", "*")] -= count
            if completeness is not None:
                totals[(project, kind_, visibility, "completeness", str(completeness))] -= count
        if not totals:
            continue
        ids = select(entries.id).where(chosen)
        connection.execute(delete(_FACETS).where(_FACETS.c.entry_id.in_(ids)))
        connection.execute(delete(_ENTRIES).where(chosen))
        _add_totals(connection, totals)
        connection.execute(delete(_TOTALS).where(_TOTALS.c["count"] <= 0))


def _studies(connection: Connection, project_ids: Collection[int]) -> dict[int, Any]:
    """Study documents by project, with their entry ids (``None`` while not indexed)."""
    entry = _ENTRIES.alias("study_entry")
    rows = connection.execute(
        select(
            StudyRow.project_id,
            StudyRow.document,
            entry.c.id,
            entry.c.visibility,
            entry.c.acquired_from,
            entry.c.acquired_to,
        )
        .outerjoin(entry, (entry.c.kind == "study") & (entry.c.entity_id == StudyRow.id))
        .where(StudyRow.project_id.in_(project_ids))
    )
    return {int(pid): tuple(rest) for pid, *rest in rows}


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
            dataset_entry.c.visibility.label("dataset_visibility"),
            dataset_entry.c.acquired_from.label("dataset_from"),
            dataset_entry.c.acquired_to.label("dataset_to"),
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
        study, study_entry, study_visibility, *study_span = studies.get(
            row["project_id"], (None, None, None, None, None)
        )
        derived.append(
            derive_image(row, project=row["project"], study=study, instrument=instrument)
        )
        for key, entry_id, visibility, span in (
            (
                ("dataset", row["dataset_id"]),
                row["dataset_entry"],
                row["dataset_visibility"],
                (row["dataset_from"], row["dataset_to"]),
            ),
            (("study", row["project_id"]), study_entry, study_visibility, tuple(study_span)),
        ):
            if entry_id is not None and key not in groups:
                groups[key] = Derived(
                    {
                        "id": entry_id,
                        "kind": key[0],
                        "project_id": row["project_id"],
                        "visibility": visibility,
                        "acquired_from": None,
                        "acquired_to": None,
                        "stored_span": span,
                    }
                )
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
        added = _insert_facets(connection, [*images, *grown], merge=True)
        _upsert_terms(connection, [*images, *fresh])
        totals = _entry_totals([*images, *fresh])
        fresh_ids = {item.entry["id"] for item in [*images, *fresh]}
        by_id = {group.entry["id"]: group.entry for group in groups.values()}
        for facet, value, entry_id in added:
            if entry_id not in fresh_ids:  # a value new to an existing dataset or study
                entry = by_id[entry_id]
                totals[(entry["project_id"], entry["kind"], entry["visibility"], facet, value)] += 1
        _add_totals(connection, totals)
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


def _study_entries(connection: Connection, project_ids: Collection[int]) -> list[Derived]:
    """Study entries from the studies' own documents, without their images' facets."""
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
    for row in rows:
        document = row["document"] or {}
        item = Derived(_group_entry("study", row["id"], row["project_id"], None, row["title"]))
        item.add("project", row["project"])
        for biosample in document.get("biosamples") or ():
            item.add("organism", *_term(biosample.get("organism")))
        for component in document.get("study_components") or ():
            item.add("method", *_term(component.get("imaging_method")))
        item.entry["body"] = _body([row["title"], row["project"], *_words(document)])
        derived.append(item)
    return derived


def _index_studies(connection: Connection, project_ids: Collection[int]) -> None:
    derived = _study_entries(connection, project_ids)
    for item in derived:
        project = item.entry["project_id"]
        union, first, last = _union(connection, lambda e, p=project: e.c.project_id == p)
        item.facets |= union.facets
        item.labels = {**union.labels, **item.labels}
        item.widen(first, last)
    _remove(connection, "study", [item.entry["entity_id"] for item in derived])
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


def _covers(span: tuple[Any, Any], entry: dict[str, Any]) -> bool:
    """Whether a stored span already holds the entry's (new images change nothing)."""
    first, last = span
    return (
        first is not None
        and last is not None
        and first <= entry["acquired_from"]
        and last >= entry["acquired_to"]
    )


def _widen_dates(connection: Connection, groups: list[Derived]) -> None:
    """Stretch stored date spans over those of ``groups`` (one statement)."""
    spans = [
        {"entry": g.entry["id"], "first": g.entry["acquired_from"], "last": g.entry["acquired_to"]}
        for g in groups
        if g.entry["acquired_from"] is not None and not _covers(g.entry["stored_span"], g.entry)
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
    """Throw the whole index away and derive it again; the number of images indexed.

    Entries get their ids here and go in by COPY on PostgreSQL (whose text index is built
    once at the end) and by prepared multi-row INSERTs on SQLite. Datasets and studies take
    the union of their images' values as the images stream by, so nothing is read twice.
    """
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_search_entries_text")
    for table in (_FACETS, _ENTRIES, _TERMS, _TOTALS):
        connection.execute(delete(table))
    writer = _BulkWriter(connection)
    datasets: dict[int, Derived] = {}
    projects: dict[int, Derived] = {}
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
        images, _ = _derive_images(connection, ids)
        writer.write(images)
        for item in images:
            for groups, key in ((datasets, "dataset_id"), (projects, "project_id")):
                group = groups.setdefault(item.entry[key], Derived({}))
                group.facets |= item.facets
                group.widen(item.entry["acquired_from"], item.entry["acquired_to"])
        last, count = ids[-1], count + len(ids)
    all_datasets = connection.execute(select(DatasetRow.id)).scalars().all()
    all_projects = connection.execute(select(ProjectRow.id)).scalars().all()
    dataset_entries = [
        e for chunk in batched(all_datasets, IN_BATCH) for e in _dataset_entries(connection, chunk)
    ]
    study_entries = [
        e for chunk in batched(all_projects, IN_BATCH) for e in _study_entries(connection, chunk)
    ]
    for made, grown, key in (
        (dataset_entries, datasets, "entity_id"),
        (study_entries, projects, "project_id"),
    ):
        for item in made:
            union = grown.get(item.entry[key])
            if union is not None:
                item.facets |= union.facets
                item.widen(union.entry.get("acquired_from"), union.entry.get("acquired_to"))
        writer.write(made)
    if postgresql:
        connection.exec_driver_sql(POSTGRESQL_TEXT_INDEX)
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('search_entries', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM search_entries), false)"
        )
    return count


class _BulkWriter:
    """Writes entries into an empty index, numbering them itself."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._next = 1
        self._copy = connection.dialect.name == "postgresql"

    def write(self, derived: list[Derived]) -> None:
        if not derived:
            return
        now = utcnow()
        for item in derived:
            item.entry["id"] = self._next
            self._next += 1
        entries = [{**item.entry, "indexed_at": now} for item in derived]
        facets = [
            {"facet": facet, "value": value, "entry_id": item.entry["id"]}
            for item in derived
            for facet, value in item.facets
        ]
        for table, rows in ((_ENTRIES, entries), (_FACETS, facets)):
            if not rows:
                continue
            if self._copy:
                self._copy_rows(table, rows)
            else:
                self._connection.execute(insert(table), rows)
        _upsert_terms(self._connection, derived)
        _add_totals(self._connection, _entry_totals(derived))

    def _copy_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = list(rows[0])
        raw: Any = self._connection.connection.driver_connection
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
