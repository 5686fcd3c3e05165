"""What the search index takes from outside its derivation: completeness and visibility.

**Completeness** is scored by :mod:`imagesteward.describe`, which sits above the catalog: the
catalog cannot compute it, so describe hands scores in through
:meth:`imagesteward.catalog.Catalog.set_search_completeness` (:func:`set_completeness`),
and entries keep them when they are derived again (a rebuild, an annotation).

**Visibility** follows the access rows (``project_access``, ``dataset_access``): an entry
shows the least public state of its project and its dataset. Whatever writes an access row -
sharing, a visibility change, an embargo released by date or event - the index follows in the
same transaction, through the mapper events registered at the bottom of this module. (The
permission filter on hits does not depend on this: it is computed from the access rows at
query time. This keeps the ``visibility`` facet and ``visibility:`` filter right.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from itertools import batched
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, event, func, inspect, select, update

from imagesteward.catalog._access_tables import DatasetAccessRow, ProjectAccessRow
from imagesteward.catalog._engine import IN_BATCH
from imagesteward.catalog._search_derive import least_visible
from imagesteward.catalog._search_postings import COMPLETENESS, VISIBILITY, Change, move
from imagesteward.catalog._search_tables import PAIR_SEPARATOR, VALUE_SEPARATOR, SearchEntryRow
from imagesteward.catalog._search_write import TOTALS, add_totals
from imagesteward.catalog._tables import DatasetRow

__all__ = ["refresh_visibility", "set_completeness"]

_ENTRIES: Table = SearchEntryRow.__table__  # type: ignore[assignment]

type _Key = tuple[int, str, str, str, str]


def _entry_keys(
    project: int, kind: str, visibility: str, score: int | None, values: str
) -> list[_Key]:
    """The ``search_totals`` keys one entry counts in."""
    keys: list[_Key] = [(project, kind, visibility, "*", "*")]
    if score is not None:
        keys.append((project, kind, visibility, "completeness", str(score)))
    for pair in values.split(PAIR_SEPARATOR) if values else ():
        facet, value = pair.split(VALUE_SEPARATOR, 1)
        keys.append((project, kind, visibility, facet, value))
    return keys


def _move_totals(connection: Connection, delta: Counter[_Key]) -> None:
    add_totals(connection, delta)
    connection.execute(TOTALS.delete().where(TOTALS.c["count"] <= 0))


def set_completeness(connection: Connection, scores: Mapping[tuple[str, int], int | None]) -> int:
    """Give entries their completeness tier; the number of entries changed.

    ``scores`` maps ``("image", image id)`` and ``("study", project id)`` to the highest
    tier whose fields are all filled (0: not even tier 1; ``None``: unscored). A dataset's
    tier follows from its images': a dataset is complete at a tier when every image is
    (:func:`imagesteward.describe.dataset_completeness` merges its images' fields), so it is
    the lowest of them, unknown while one is unscored. Entries not in the index are ignored;
    ``search_totals`` moves with them.
    """
    images = {entity: score for (kind, entity), score in scores.items() if kind == "image"}
    studies = {entity: score for (kind, entity), score in scores.items() if kind == "study"}
    unknown = {kind for kind, _ in scores} - {"image", "study"}
    if unknown:
        raise ValueError(f"Completeness is set for images and studies, not {sorted(unknown)}")
    entries = _ENTRIES.c
    changed = _apply(connection, "image", entries.entity_id, images)
    changed += _apply(connection, "study", entries.project_id, studies)
    datasets: set[int] = set()
    for chunk in batched(sorted(images), IN_BATCH):
        datasets.update(
            connection.execute(
                select(entries.dataset_id)
                .distinct()
                .where(entries.kind == "image", entries.entity_id.in_(chunk))
            ).scalars()
        )
    wanted: dict[int, int | None] = {}
    for chunk in batched(sorted(datasets), IN_BATCH):
        rows = connection.execute(
            select(
                entries.dataset_id,
                func.min(entries.completeness),
                func.count() - func.count(entries.completeness),
            )
            .where(entries.kind == "image", entries.dataset_id.in_(chunk))
            .group_by(entries.dataset_id)
        )
        wanted.update({dataset: None if unscored else low for dataset, low, unscored in rows})
    return changed + _apply(connection, "dataset", entries.entity_id, wanted)


def _apply(connection: Connection, kind: str, key: Any, wanted: Mapping[int, int | None]) -> int:
    """Set the scores of entries of ``kind`` found by ``key`` (a column) in ``wanted``."""
    entries = _ENTRIES.c
    delta: Counter[_Key] = Counter()
    changes: list[dict[str, Any]] = []
    moved: list[Change] = []
    for chunk in batched(sorted(wanted), IN_BATCH):
        rows = connection.execute(
            select(
                entries.id, key, entries.project_id, entries.visibility, entries.completeness
            ).where(entries.kind == kind, key.in_(chunk))
        )
        for entry_id, found, project, visibility, old in rows:
            new = wanted[found]
            if new == old:
                continue
            group = (project, kind, visibility)
            if old is not None:
                delta[(*group, "completeness", str(old))] -= 1
                moved.append((COMPLETENESS, str(old), entry_id, -1))
            if new is not None:
                delta[(*group, "completeness", str(new))] += 1
                moved.append((COMPLETENESS, str(new), entry_id, 1))
            changes.append({"entry": entry_id, "score": new})
    if changes:
        connection.execute(
            update(_ENTRIES)
            .where(entries.id == bindparam("entry"))
            .values(completeness=bindparam("score")),
            changes,
        )
        _move_totals(connection, delta)
        move(connection, moved)
    return len(changes)


def refresh_visibility(connection: Connection, project_ids: Collection[int]) -> int:
    """Give the entries of these projects the visibility their access rows say now.

    An image or dataset entry takes the least public of its project's and its dataset's
    state, a study its project's. Only entries whose state changes are written; their counts
    move in ``search_totals``. Returns the number of entries changed.
    """
    entries = _ENTRIES.c
    projects = dict(
        connection.execute(
            select(ProjectAccessRow.project_id, ProjectAccessRow.visibility).where(
                ProjectAccessRow.project_id.in_(project_ids)
            )
        ).all()
    )
    datasets = connection.execute(
        select(DatasetRow.id, DatasetRow.project_id, DatasetAccessRow.visibility)
        .outerjoin(DatasetAccessRow, DatasetAccessRow.dataset_id == DatasetRow.id)
        .where(DatasetRow.project_id.in_(project_ids))
    ).all()
    wanted: dict[tuple[int, int | None], str] = {
        (project, dataset): least_visible(projects.get(project), own)
        for dataset, project, own in datasets
    }
    wanted.update(
        {(project, None): least_visible(projects.get(project)) for project in project_ids}
    )
    delta: Counter[_Key] = Counter()
    moved: list[Change] = []
    changed = 0
    for (project, dataset), state in wanted.items():
        where = and_(
            entries.project_id == project,
            entries.visibility != state,
            entries.dataset_id.is_(None) if dataset is None else entries.dataset_id == dataset,
        )
        rows = connection.execute(
            select(
                entries.id,
                entries.kind,
                entries.visibility,
                entries.completeness,
                entries.facet_values,
            ).where(where)
        ).all()
        if not rows:
            continue
        for entry_id, kind, old, score, values in rows:
            moved += [(VISIBILITY, old, entry_id, -1), (VISIBILITY, state, entry_id, 1)]
            for key in _entry_keys(project, kind, old, score, values):
                delta[key] -= 1
            for key in _entry_keys(project, kind, state, score, values):
                delta[key] += 1
        connection.execute(update(_ENTRIES).where(where).values(visibility=state))
        changed += len(rows)
    if delta:
        _move_totals(connection, delta)
    move(connection, moved)
    return changed


def _visibility_changed(target: Any) -> bool:
    return bool(inspect(target).attrs.visibility.history.has_changes())


def _project_written(_mapper: Any, connection: Connection, target: ProjectAccessRow) -> None:
    if _visibility_changed(target):
        refresh_visibility(connection, [target.project_id])


def _dataset_written(_mapper: Any, connection: Connection, target: DatasetAccessRow) -> None:
    if _visibility_changed(target):
        project = connection.execute(
            select(DatasetRow.project_id).where(DatasetRow.id == target.dataset_id)
        ).scalar_one_or_none()
        if project is not None:
            refresh_visibility(connection, [project])


# Registered once, when the catalog's index modules are first imported: the index must follow
# every flush of an access row, whichever module of the catalog makes it, in its transaction.
for _name in ("after_insert", "after_update"):
    event.listen(ProjectAccessRow, _name, _project_written)
    event.listen(DatasetAccessRow, _name, _dataset_written)
