"""Ownership and visibility of projects and datasets, embargo release, and policy facts.

A project or dataset without an access row is private, with no owner and no group. Release
at an embargo's date needs no job for correctness - every decision computes the state in force
at its own instant (:meth:`imagesteward.access.Container.state_at`) - but :func:`release_due`
makes it permanent and writes it to the audit log; the server runs it periodically and the
CLI on demand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from imagesteward.access import (
    Action,
    Container,
    GroupLevel,
    ObjectFacts,
    Principal,
    Visibility,
    permitted,
)
from imagesteward.catalog._access_tables import (
    DatasetAccessRow,
    GroupRow,
    ProjectAccessRow,
    ShareRow,
    UserRow,
)
from imagesteward.catalog._audit import record_event
from imagesteward.catalog._tables import DatasetRow, ProjectRow
from imagesteward.errors import InvalidCredentialError, NotFoundError

__all__ = [
    "AccessRecord",
    "Located",
    "access_record",
    "all_dataset_facts",
    "assign",
    "locate",
    "not_found",
    "object_facts",
    "readable_datasets",
    "readable_projects",
    "release_due",
    "release_on_event",
    "set_visibility",
]

type AccessRow = ProjectAccessRow | DatasetAccessRow


@dataclass(frozen=True, slots=True)
class Located:
    """A project, or a dataset within it, found by name."""

    project_id: int
    project: str
    dataset_id: int | None = None
    dataset: str | None = None

    @property
    def target(self) -> str:
        """How the audit log names it: ``project:P`` or ``dataset:P/D``."""
        if self.dataset is None:
            return f"project:{self.project}"
        return f"dataset:{self.project}/{self.dataset}"


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """Who a project or dataset belongs to and its visibility as stored."""

    target: str
    owner: str | None
    group: str | None
    visibility: Visibility
    embargo_until: datetime | None
    embargo_event: str | None
    released_at: datetime | None

    def state_at(self, now: datetime) -> Visibility:
        """The visibility in force at ``now`` (an embargo whose date has come is public)."""
        return Container(self.visibility, self.embargo_until).state_at(now)


def not_found(project: str, dataset: str | None = None) -> NotFoundError:
    """The error for an unknown project or dataset.

    Also raised for one the caller may not see, so that the two read exactly the same.
    """
    if dataset is None:
        return NotFoundError(f"No project {project!r} in the catalog.", ref=project)
    return NotFoundError(f"No dataset {dataset!r} in project {project!r}.", ref=dataset)


def locate(session: Session, project: str, dataset: str | None = None) -> Located:
    """Find a project (and a dataset in it) by name."""
    pid = session.scalars(select(ProjectRow.id).where(ProjectRow.name == project)).first()
    if pid is None:
        raise not_found(project)
    if dataset is None:
        return Located(pid, project)
    did = session.scalars(
        select(DatasetRow.id).where(
            DatasetRow.project_id == pid,
            DatasetRow.name == dataset,
            DatasetRow.removed_at.is_(None),
        )
    ).first()
    if did is None:
        raise not_found(project, dataset)
    return Located(pid, project, did, dataset)


def _row(session: Session, where: Located, now: datetime) -> AccessRow:
    """The access row of ``where``, created private when missing."""
    row: AccessRow | None
    if where.dataset_id is None:
        row = session.get(ProjectAccessRow, where.project_id)
        if row is None:
            row = ProjectAccessRow(
                project_id=where.project_id, visibility=Visibility.PRIVATE.value, changed_at=now
            )
            session.add(row)
    else:
        row = session.get(DatasetAccessRow, where.dataset_id)
        if row is None:
            row = DatasetAccessRow(
                dataset_id=where.dataset_id, visibility=Visibility.PRIVATE.value, changed_at=now
            )
            session.add(row)
    return row


def access_record(session: Session, where: Located) -> AccessRecord:
    """The stored access of a project or dataset (private and unowned when never set)."""
    row: AccessRow | None = (
        session.get(ProjectAccessRow, where.project_id)
        if where.dataset_id is None
        else session.get(DatasetAccessRow, where.dataset_id)
    )
    if row is None:
        return AccessRecord(where.target, None, None, Visibility.PRIVATE, None, None, None)
    owner = None if row.owner_id is None else session.get(UserRow, row.owner_id)
    group_id = row.group_id if isinstance(row, ProjectAccessRow) else None
    group = None if group_id is None else session.get(GroupRow, group_id)
    return AccessRecord(
        target=where.target,
        owner=None if owner is None else owner.username,
        group=None if group is None else group.name,
        visibility=Visibility(row.visibility),
        embargo_until=row.embargo_until,
        embargo_event=row.embargo_event,
        released_at=row.released_at,
    )


def assign(
    session: Session,
    where: Located,
    *,
    owner_id: int | None,
    group_id: int | None,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> None:
    """Set the owner (and, for a project, the group) of ``where``."""
    row = _row(session, where, now)
    row.owner_id = owner_id
    if isinstance(row, ProjectAccessRow):
        row.group_id = group_id
    elif group_id is not None:
        raise InvalidCredentialError(
            f"A dataset belongs to its project's group; set the group of {where.project!r}."
        )
    row.changed_at = now
    record_event(
        session, at=now, actor=by, action="access.assign", target=where.target, remote=remote,
        details={"owner_id": owner_id, "group_id": group_id},
    )  # fmt: skip


def set_visibility(
    session: Session,
    where: Located,
    visibility: Visibility,
    *,
    until: datetime | None,
    event: str | None,
    by: str | None,
    remote: str | None,
    now: datetime,
) -> AccessRecord:
    """Make ``where`` private, embargoed (until a date and/or an event) or public."""
    if visibility is Visibility.EMBARGOED:
        if until is None and not event:
            raise InvalidCredentialError(
                "An embargo needs an end: a date (--until) or an event (--event publication)."
            )
        if until is not None and until <= now:
            raise InvalidCredentialError(
                f"The embargo date {until.isoformat()} has already passed; make it public."
            )
    elif until is not None or event:
        raise InvalidCredentialError("Only an embargo takes a date or an event.")
    row = _row(session, where, now)
    before = row.visibility
    row.visibility = visibility.value
    row.embargo_until = until
    row.embargo_event = event or None
    row.released_at = now if visibility is Visibility.PUBLIC else None
    row.changed_at = now
    record_event(
        session, at=now, actor=by, action="visibility.change", target=where.target,
        remote=remote,
        details={
            "from": before, "to": visibility.value,
            "until": None if until is None else until.isoformat(), "event": event,
        },
    )  # fmt: skip
    session.flush()
    return access_record(session, where)


def _targets(session: Session, rows: Iterable[AccessRow]) -> dict[AccessRow, str]:
    names: dict[AccessRow, str] = {}
    for row in rows:
        if isinstance(row, ProjectAccessRow):
            project = session.get(ProjectRow, row.project_id)
            names[row] = f"project:{project.name if project else row.project_id}"
        else:
            dataset = session.get(DatasetRow, row.dataset_id)
            project = None if dataset is None else session.get(ProjectRow, dataset.project_id)
            names[row] = (
                f"dataset:{project.name}/{dataset.name}"
                if dataset and project
                else f"dataset:{row.dataset_id}"
            )
    return names


def _release(session: Session, row: AccessRow, target: str, at: datetime, why: str) -> None:
    until = row.embargo_until
    row.visibility = Visibility.PUBLIC.value
    row.released_at = at
    row.changed_at = at
    record_event(
        session, at=at, actor=None, action="visibility.release", target=target,
        details={"reason": why, "until": None if until is None else until.isoformat(),
                 "event": row.embargo_event},
    )  # fmt: skip


def release_due(session: Session, now: datetime) -> list[str]:
    """Make public every embargo whose date has come; returns what was released.

    The release is recorded at the embargo's own date (the instant the data became public
    for every reader), not at the moment this ran.
    """
    due: list[AccessRow] = [
        *session.scalars(
            select(ProjectAccessRow).where(
                ProjectAccessRow.visibility == Visibility.EMBARGOED.value,
                ProjectAccessRow.embargo_until <= now,
            )
        ),
        *session.scalars(
            select(DatasetAccessRow).where(
                DatasetAccessRow.visibility == Visibility.EMBARGOED.value,
                DatasetAccessRow.embargo_until <= now,
            )
        ),
    ]
    names = _targets(session, due)
    for row in due:
        assert row.embargo_until is not None
        _release(session, row, names[row], row.embargo_until, "date")
    return sorted(names.values())


def release_on_event(
    session: Session, where: Located, event: str, *, by: str | None, now: datetime
) -> list[str]:
    """Record ``event`` for ``where`` and release the embargoes waiting for it.

    For a project, that includes the embargoes of its datasets waiting for the same event.
    """
    rows: list[AccessRow] = []
    if where.dataset_id is None:
        rows += session.scalars(
            select(ProjectAccessRow).where(ProjectAccessRow.project_id == where.project_id)
        ).all()
        dataset_ids = select(DatasetRow.id).where(DatasetRow.project_id == where.project_id)
    else:
        dataset_ids = select(DatasetRow.id).where(DatasetRow.id == where.dataset_id)
    rows += session.scalars(
        select(DatasetAccessRow).where(DatasetAccessRow.dataset_id.in_(dataset_ids))
    ).all()
    waiting = [
        row
        for row in rows
        if row.visibility == Visibility.EMBARGOED.value and row.embargo_event == event
    ]
    record_event(
        session, at=now, actor=by, action="event.record", target=where.target,
        details={"event": event},
    )  # fmt: skip
    names = _targets(session, waiting)
    for row in waiting:
        _release(session, row, names[row], now, f"event:{event}")
    return sorted(names.values())


def _container(row: AccessRow | None, users: set[int], groups: set[int]) -> Container:
    if row is None:
        return Container(shared_users=frozenset(users), shared_groups=frozenset(groups))
    return Container(
        visibility=Visibility(row.visibility),
        embargo_until=row.embargo_until,
        owner_id=row.owner_id,
        shared_users=frozenset(users),
        shared_groups=frozenset(groups),
    )


def all_dataset_facts(session: Session, *, project_id: int | None = None) -> dict[int, ObjectFacts]:
    """The policy facts of every dataset (of one project), keyed by dataset id.

    Datasets are few next to images, so loading them all and deciding in Python keeps the
    policy in one place (:mod:`imagesteward.access`) instead of re-implementing it in SQL.
    """
    datasets = select(DatasetRow.id, DatasetRow.project_id).where(DatasetRow.removed_at.is_(None))
    if project_id is not None:
        datasets = datasets.where(DatasetRow.project_id == project_id)
    pairs = session.execute(datasets).all()
    project_ids = {pid for _, pid in pairs}
    projects = {
        row.project_id: row
        for row in session.scalars(
            select(ProjectAccessRow).where(ProjectAccessRow.project_id.in_(project_ids))
        )
    }
    dataset_rows = {row.dataset_id: row for row in session.scalars(select(DatasetAccessRow))}
    levels = {row.id: GroupLevel(row.permission_level) for row in session.scalars(select(GroupRow))}
    shared: dict[tuple[str, int], tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for share in session.scalars(select(ShareRow)):
        key = ("p", share.project_id) if share.project_id is not None else ("d", share.dataset_id)
        assert key[1] is not None
        users, groups = shared[(key[0], key[1])]
        if share.user_id is not None:
            users.add(share.user_id)
        if share.group_id is not None:
            groups.add(share.group_id)
    facts = {}
    for dataset_id, pid in pairs:
        project_row = projects.get(pid)
        group_id = None if project_row is None else project_row.group_id
        facts[dataset_id] = ObjectFacts(
            group_id=group_id,
            group_level=None if group_id is None else levels[group_id],
            chain=(
                _container(project_row, *shared[("p", pid)]),
                _container(dataset_rows.get(dataset_id), *shared[("d", dataset_id)]),
            ),
            dataset_id=dataset_id,
        )
    return facts


def object_facts(session: Session, where: Located) -> ObjectFacts:
    """The policy facts of one project or dataset."""
    if where.dataset_id is not None:
        return all_dataset_facts(session, project_id=where.project_id)[where.dataset_id]
    row = session.get(ProjectAccessRow, where.project_id)
    users: set[int] = set()
    groups: set[int] = set()
    for share in session.scalars(select(ShareRow).where(ShareRow.project_id == where.project_id)):
        if share.user_id is not None:
            users.add(share.user_id)
        if share.group_id is not None:
            groups.add(share.group_id)
    group_id = None if row is None else row.group_id
    group = None if group_id is None else session.get(GroupRow, group_id)
    return ObjectFacts(
        group_id=group_id,
        group_level=None if group is None else GroupLevel(group.permission_level),
        chain=(_container(row, users, groups),),
    )


def readable_datasets(
    session: Session, principal: Principal, now: datetime, action: Action = Action.LIST
) -> set[int]:
    """Ids of the datasets on which ``principal`` may perform ``action`` at ``now``."""
    return {
        dataset_id
        for dataset_id, facts in all_dataset_facts(session).items()
        if action in permitted(principal, facts, now)
    }


def readable_projects(
    session: Session, principal: Principal, now: datetime, action: Action = Action.LIST
) -> set[int]:
    """Ids of the projects on which ``principal`` may perform ``action`` at ``now``."""
    projects = session.execute(select(ProjectRow.id, ProjectRow.name)).all()
    return {
        pid
        for pid, name in projects
        if action in permitted(principal, object_facts(session, Located(pid, name)), now)
    }
