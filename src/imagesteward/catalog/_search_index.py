"""Keeping the search index in step: entries derived from images, datasets and studies.

Every write that changes what an entry is derived from calls :func:`refresh` in its own
transaction, so the index never disagrees with the catalog a reader sees. Image entries are
derived from the image row, its document and its project's study (the organism of an image
is that of the study's biosample it names); a dataset's or a study's entry carries its own
text plus the union of its images' facet values, so "confocal" finds the datasets that hold
confocal images. Derivation itself is in ``_search_derive``, a rebuild in ``_search_rebuild``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from itertools import batched
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    case,
    func,
    null,
    select,
    update,
)

# Imported for its mapper events: the index follows every write of an access row.
from imagesteward.catalog import _search_scores  # noqa: F401
from imagesteward.catalog._access_tables import DatasetAccessRow, ProjectAccessRow
from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._search_derive import (
    Derived,
    body,
    derive_image,
    group_entry,
    instrument_label,
    least_visible,
    merge_facets,
    term,
    text_words,
    words,
)
from imagesteward.catalog._search_lexemes import lexeme_changes
from imagesteward.catalog._search_postings import Change, move, stored_pairs
from imagesteward.catalog._search_write import (
    ENTRIES,
    TERMS,
    TOTALS,
    add_totals,
    entry_totals,
    insert_entries,
    insert_facets,
    remove,
    upsert_terms,
    write,
)
from imagesteward.catalog._tables import DatasetRow, ImageRow, InstrumentRow, ProjectRow, StudyRow

__all__ = [
    "CHUNK",
    "ENTRIES",
    "TERMS",
    "TOTALS",
    "add_totals",
    "dataset_entries",
    "derive_images",
    "entry_totals",
    "refresh",
    "stored_scores",
    "study_entries",
    "upsert_terms",
]

# Images read, derived and written per round: a few thousand keeps statements few and memory
# small. Within SQLite's limit of 32766 bound parameters per statement.
CHUNK = 2000


def _studies(
    connection: Connection, project_ids: Collection[int], *, indexed: bool = True
) -> dict[int, Any]:
    """Study documents by project, with their entry ids (``None`` while not indexed).

    ``indexed=False``: the index is not read (all ``None``), for a rebuild's workers.
    """
    entry = ENTRIES.alias("study_entry")
    columns: list[Any] = [
        entry.c.id,
        entry.c.visibility,
        entry.c.acquired_from,
        entry.c.acquired_to,
        entry.c.body,
    ]
    statement = select(StudyRow.project_id, StudyRow.document)
    if indexed:
        statement = statement.add_columns(*columns).outerjoin(
            entry, (entry.c.kind == "study") & (entry.c.entity_id == StudyRow.id)
        )
    else:
        statement = statement.add_columns(*(null() for _ in columns))
    rows = connection.execute(statement.where(StudyRow.project_id.in_(project_ids)))
    return {int(pid): tuple(rest) for pid, *rest in rows}


def _image_rows(
    connection: Connection, image_ids: Collection[int], *, indexed: bool = True
) -> list[Mapping[str, Any]]:
    """What deriving these images needs; ``indexed``: with the entries they have already.

    ``indexed=False`` does not read the index at all: a rebuild's workers, while the
    rebuild's transaction rewrites it (and, on PostgreSQL, holds it locked).
    """
    dataset_entry = ENTRIES.alias("dataset_entry")
    image_entry = ENTRIES.alias("image_entry")
    from_index: dict[str, Any] = {
        "dataset_entry": dataset_entry.c.id,
        "dataset_visibility": dataset_entry.c.visibility,
        "dataset_from": dataset_entry.c.acquired_from,
        "dataset_to": dataset_entry.c.acquired_to,
        "dataset_body": dataset_entry.c.body,
        "completeness": image_entry.c.completeness,
    }
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
            *((column if indexed else null()).label(name) for name, column in from_index.items()),
            ProjectAccessRow.visibility.label("project_visibility"),
            DatasetAccessRow.visibility.label("own_visibility"),
        )
        .join(DatasetRow, DatasetRow.id == ImageRow.dataset_id)
        .outerjoin(ProjectAccessRow, ProjectAccessRow.project_id == DatasetRow.project_id)
        .outerjoin(DatasetAccessRow, DatasetAccessRow.dataset_id == DatasetRow.id)
        .join(ProjectRow, ProjectRow.id == DatasetRow.project_id)
        .outerjoin(InstrumentRow, InstrumentRow.id == ImageRow.instrument_id)
        .where(
            ImageRow.id.in_(image_ids),
            ImageRow.removed_at.is_(None),  # removed images have no entry
            DatasetRow.removed_at.is_(None),
        )
        .order_by(ImageRow.id)
    )
    if indexed:
        statement = statement.outerjoin(
            image_entry, (image_entry.c.kind == "image") & (image_entry.c.entity_id == ImageRow.id)
        ).outerjoin(
            dataset_entry,
            (dataset_entry.c.kind == "dataset") & (dataset_entry.c.entity_id == DatasetRow.id),
        )
    return [dict(row) for row in connection.execute(statement).mappings()]


def derive_images(
    connection: Connection, image_ids: Collection[int], *, indexed: bool = True
) -> tuple[list[Derived], dict[tuple[str, int], Derived]]:
    """Image entries, and the dataset and study entries above them that exist already.

    ``indexed=False``: without reading the index (no existing entries, no stored scores).
    """
    rows = _image_rows(connection, image_ids, indexed=indexed)
    studies = _studies(connection, {row["project_id"] for row in rows}, indexed=indexed)
    derived = []
    groups: dict[tuple[str, int], Derived] = {}
    memo: dict[tuple[int, str, Any], Any] = {}
    instruments: dict[int, str] = {}
    for row in rows:
        instrument = None
        if row["instrument_id"] is not None:
            instrument = instruments.get(row["instrument_id"])
            if instrument is None:
                instrument = instrument_label(
                    row["manufacturer"], row["model"], row["instrument_name"]
                )
                instruments[row["instrument_id"]] = instrument
        study, study_entry, study_visibility, *study_span, study_body = studies.get(
            row["project_id"], (None, None, None, None, None, None)
        )
        derived.append(
            derive_image(
                row,
                project=row["project"],
                study=study,
                instrument=instrument,
                visibility=least_visible(row["project_visibility"], row["own_visibility"]),
                completeness=row["completeness"],
                memo=memo,
            )
        )
        for key, entry_id, visibility, span, text in (
            (
                ("dataset", row["dataset_id"]),
                row["dataset_entry"],
                row["dataset_visibility"],
                (row["dataset_from"], row["dataset_to"]),
                row["dataset_body"],
            ),
            (
                ("study", row["project_id"]),
                study_entry,
                study_visibility,
                tuple(study_span),
                study_body,
            ),
        ):
            if entry_id is not None and key not in groups:
                groups[key] = Derived(
                    {
                        "id": entry_id,
                        "kind": key[0],
                        "entity_id": key[1],
                        "project_id": row["project_id"],
                        "visibility": visibility,
                        "acquired_from": None,
                        "acquired_to": None,
                        "stored_span": span,
                        "body": text,
                    }
                )
    return derived, groups


def _index_images(
    connection: Connection, image_ids: Collection[int], *, fresh: bool = False
) -> list[Derived]:
    """(Re)index images (``fresh``: they have no entries yet); what was written."""
    written: list[Derived] = []
    for chunk in batched(sorted(image_ids), CHUNK):
        derived, _ = derive_images(connection, chunk)  # before removal: keeps stored scores
        if not fresh:
            remove(connection, "image", chunk)
        write(connection, derived)
        written += derived
    return written


def _add_images(connection: Connection, image_ids: Collection[int]) -> None:
    """Index images just inserted, folding them into their datasets' and studies' entries.

    Datasets and studies only grow here, so a batch costs the same few statements
    whatever its size: no dataset is derived again from all its images.
    """
    for chunk in batched(sorted(image_ids), CHUNK):
        images, groups = derive_images(connection, chunk)
        # Posting lists move once for the whole batch: a batch costs the same statements
        # whatever its size.
        postings: list[Change] = []
        insert_entries(connection, images, postings)
        fresh = _new_datasets(connection, images, groups, postings)
        for item in images:
            for key in (("dataset", item.entry["dataset_id"]), ("study", item.entry["project_id"])):
                group = groups.get(key)
                if group is not None:
                    group.facets |= item.facets
                    group.widen(item.entry["acquired_from"], item.entry["acquired_to"])
        insert_facets(connection, [*images, *fresh], postings=postings)
        added = insert_facets(connection, list(groups.values()), merge=True, postings=postings)
        upsert_terms(connection, [*images, *fresh])
        totals = entry_totals([*images, *fresh])
        fresh_ids = {item.entry["id"] for item in [*images, *fresh]}
        by_id = {group.entry["id"]: group.entry for group in groups.values()}
        for facet, value, entry_id in added:
            if entry_id not in fresh_ids:  # a value new to an existing dataset or study
                entry = by_id[entry_id]
                totals[(entry["project_id"], entry["kind"], entry["visibility"], facet, value)] += 1
        add_totals(connection, totals)
        _widen_dates(connection, list(groups.values()))
        grown = _grow_groups(connection, list(groups.values()), added, images)
        # PostgreSQL: the lexemes of the new entries' texts and of the datasets' grown ones
        # (the triggers have written them), read in one statement, moved with the rest.
        postings += lexeme_changes(connection, [*fresh_ids, *grown], 1)
        move(connection, postings)


def _grow_groups(
    connection: Connection,
    groups: list[Derived],
    added: set[tuple[str, str, int]],
    images: list[Derived],
) -> list[int]:
    """Existing datasets and studies take in their new images' facet values and words.

    Into ``facet_values`` and (datasets) ``body``: one UPDATE per batch, only for the
    entries that changed, whose ids are returned.
    """
    pairs: dict[int, set[tuple[str, str]]] = {}
    for facet, value, entry_id in added:
        pairs.setdefault(entry_id, set()).add((facet, value))
    image_words: dict[int, set[str]] = {}
    for item in images:
        image_words.setdefault(item.entry["dataset_id"], set()).update(
            text_words(item.entry["body"])
        )
    changes = []
    for group in groups:
        entry = group.entry
        new_pairs = pairs.get(entry["id"], set())
        text = entry.get("body") or ""
        new_words: set[str] = set()
        if entry["kind"] == "dataset":
            new_words = image_words.get(entry["entity_id"], set()) - text_words(text)
        if new_pairs or new_words:
            changes.append((entry["id"], new_pairs, text, new_words))
    if not changes:
        return []
    stored = dict(
        connection.execute(
            select(ENTRIES.c.id, ENTRIES.c.facet_values).where(
                ENTRIES.c.id.in_([entry_id for entry_id, *_ in changes])
            )
        ).all()
    )
    rows = []
    for entry_id, new_pairs, old_text, new_words in changes:
        values = stored.get(entry_id) or ""
        if new_pairs:
            values = merge_facets(values, new_pairs)
        text = f"{old_text}\n{' '.join(sorted(new_words))}" if new_words else old_text
        rows.append({"entry": entry_id, "values": values, "text": text})
    connection.execute(
        update(ENTRIES)
        .where(ENTRIES.c.id == bindparam("entry"))
        .values(facet_values=bindparam("values"), body=bindparam("text")),
        rows,
    )
    # Words are only ever added to a dataset's text, so its lexemes only join lists.
    return [row["entry"] for row in rows]


def _new_datasets(
    connection: Connection,
    images: list[Derived],
    groups: dict[tuple[str, int], Derived],
    postings: list[Change],
) -> list[Derived]:
    """Entries for datasets first seen in this batch: all their images are in it."""
    missing = {item.entry["dataset_id"] for item in images} - {
        key for kind, key in groups if kind == "dataset"
    }
    if not missing:
        return []
    derived = {row.entry["entity_id"]: row for row in dataset_entries(connection, missing)}
    found: dict[int, set[str]] = {}
    for item in images:
        dataset = derived.get(item.entry["dataset_id"])
        if dataset is not None:
            dataset.facets |= item.facets
            dataset.widen(item.entry["acquired_from"], item.entry["acquired_to"])
            found.setdefault(item.entry["dataset_id"], set()).update(text_words(item.entry["body"]))
    for dataset_id, vocabulary in found.items():
        add_words(derived[dataset_id], vocabulary)
    insert_entries(connection, list(derived.values()), postings)
    return list(derived.values())


def _union(connection: Connection, condition: Any) -> tuple[Derived, Any, Any]:
    """Facet values, labels and date span of the image entries matching ``condition``."""
    image = ENTRIES.alias("image")
    pairs: set[tuple[str, str]] = set()
    for (values,) in connection.execute(
        select(image.c.facet_values).distinct().where(image.c.kind == "image", condition(image))
    ):
        pairs.update(stored_pairs(values))
    union = Derived({})
    labels = _term_labels(connection, pairs)
    for facet, value in pairs:
        union.add(facet, value, labels.get((facet, value)))
    first: datetime | None
    last: datetime | None
    first, last = connection.execute(
        select(func.min(image.c.acquired_from), func.max(image.c.acquired_to)).where(
            image.c.kind == "image", condition(image)
        )
    ).one()
    return union, first, last


def _term_labels(
    connection: Connection, pairs: Collection[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The stored labels of some (facet, value) pairs."""
    labels: dict[tuple[str, str], str] = {}
    for chunk in batched(sorted({v for _, v in pairs}), IN_BATCH):
        rows = connection.execute(
            select(TERMS.c.facet, TERMS.c.value, TERMS.c.label).where(TERMS.c.value.in_(chunk))
        )
        labels.update({(f, v): label for f, v, label in rows})
    return labels


def add_words(item: Derived, vocabulary: set[str]) -> None:
    """Add to a dataset entry's text the words of its images it does not have yet.

    One line of distinct words: "kind:dataset mitosis" finds the datasets holding mitosis
    images, at the cost of the dataset's vocabulary, not of its image count.
    """
    new = vocabulary - text_words(item.entry["body"])
    if new:
        item.entry["body"] += "\n" + " ".join(sorted(new))


def dataset_entries(connection: Connection, dataset_ids: Collection[int]) -> list[Derived]:
    """Dataset entries from the datasets' own fields, without their images' facets."""
    rows = connection.execute(
        select(
            DatasetRow.id,
            DatasetRow.name,
            DatasetRow.description,
            DatasetRow.project_id,
            ProjectRow.name.label("project"),
            ProjectAccessRow.visibility.label("project_visibility"),
            DatasetAccessRow.visibility.label("own_visibility"),
        )
        .join(ProjectRow, ProjectRow.id == DatasetRow.project_id)
        .outerjoin(ProjectAccessRow, ProjectAccessRow.project_id == DatasetRow.project_id)
        .outerjoin(DatasetAccessRow, DatasetAccessRow.dataset_id == DatasetRow.id)
        .where(DatasetRow.id.in_(dataset_ids), DatasetRow.removed_at.is_(None))
    ).mappings()
    derived = []
    for row in rows:
        visibility = least_visible(row["project_visibility"], row["own_visibility"])
        entry = group_entry(
            "dataset", row["id"], row["project_id"], row["id"], row["name"], visibility
        )
        entry["body"] = body([row["name"], row["description"], row["project"]])
        item = Derived(entry)
        item.add("project", row["project"])
        derived.append(item)
    return derived


def stored_scores(connection: Connection, kind: str, entity_ids: Collection[int]) -> dict[int, int]:
    """The completeness scores entries of ``kind`` carry now (kept when derived again)."""
    scores: dict[int, int] = {}
    for chunk in batched(entity_ids, IN_BATCH):
        scores.update(
            connection.execute(
                select(ENTRIES.c.entity_id, ENTRIES.c.completeness).where(
                    ENTRIES.c.kind == kind,
                    ENTRIES.c.entity_id.in_(chunk),
                    ENTRIES.c.completeness.is_not(None),
                )
            ).all()
        )
    return scores


def _index_datasets(connection: Connection, dataset_ids: Collection[int]) -> None:
    derived = dataset_entries(connection, dataset_ids)
    scores = stored_scores(connection, "dataset", dataset_ids)
    for item in derived:
        dataset = item.entry["entity_id"]
        union, first, last = _union(connection, lambda e, d=dataset: e.c.dataset_id == d)
        item.facets |= union.facets
        item.widen(first, last)
        item.entry["completeness"] = scores.get(dataset)
        vocabulary: set[str] = set()
        for text in connection.execute(
            select(ENTRIES.c.body).where(ENTRIES.c.kind == "image", ENTRIES.c.dataset_id == dataset)
        ).scalars():
            vocabulary |= text_words(text)
        add_words(item, vocabulary)
    remove(connection, "dataset", dataset_ids)
    write(connection, derived)


def study_entries(connection: Connection, project_ids: Collection[int]) -> list[Derived]:
    """Study entries from the studies' own documents, without their images' facets."""
    rows = connection.execute(
        select(
            StudyRow.id,
            StudyRow.project_id,
            StudyRow.title,
            StudyRow.document,
            ProjectRow.name.label("project"),
            ProjectAccessRow.visibility,
        )
        .join(ProjectRow, ProjectRow.id == StudyRow.project_id)
        .outerjoin(ProjectAccessRow, ProjectAccessRow.project_id == StudyRow.project_id)
        .where(StudyRow.project_id.in_(project_ids))
    ).mappings()
    derived = []
    for row in rows:
        document = row["document"] or {}
        visibility = least_visible(row["visibility"])
        item = Derived(
            group_entry("study", row["id"], row["project_id"], None, row["title"], visibility)
        )
        item.add("project", row["project"])
        for biosample in document.get("biosamples") or ():
            item.add("organism", *term(biosample.get("organism")))
        for component in document.get("study_components") or ():
            item.add("method", *term(component.get("imaging_method")))
        item.entry["body"] = body([row["title"], row["project"], *words(document)])
        derived.append(item)
    return derived


def _index_studies(connection: Connection, project_ids: Collection[int]) -> None:
    derived = study_entries(connection, project_ids)
    scores = stored_scores(connection, "study", [item.entry["entity_id"] for item in derived])
    for item in derived:
        item.entry["completeness"] = scores.get(item.entry["entity_id"])
        project = item.entry["project_id"]
        union, first, last = _union(connection, lambda e, p=project: e.c.project_id == p)
        item.facets |= union.facets
        item.labels = {**union.labels, **item.labels}
        item.widen(first, last)
    remove(connection, "study", [item.entry["entity_id"] for item in derived])
    write(connection, derived)


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
    entries = ENTRIES.c
    first: Any = bindparam("first")
    last: Any = bindparam("last")
    statement = (
        update(ENTRIES)
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
