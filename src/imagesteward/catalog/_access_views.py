"""What the web UI shows about access: shares, reviewer links, what is shared, visibility.

Shares and reviewer links of one object, what is shared with a user, and every project's and
dataset's visibility at once.

Read-only views over the access tables (plus revoking one reviewer link of one dataset); the
checks that decide who may see them stay in :class:`~imagesteward.catalog.AccessCatalog`,
which calls these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from imagesteward.access import Container, Principal, Visibility
from imagesteward.catalog._access_tables import (
    DatasetAccessRow,
    GroupRow,
    ProjectAccessRow,
    ReviewerLinkRow,
    ShareRow,
    UserRow,
)
from imagesteward.catalog._sharing import ReviewerLinkRecord
from imagesteward.catalog._tables import DatasetRow, ProjectRow
from imagesteward.catalog._visibility import Located

__all__ = [
    "ShareRecord",
    "SharedItem",
    "VisibilityView",
    "dataset_places",
    "reviewer_links_of",
    "shared_with",
    "shares_of",
    "visibility_views",
]


@dataclass(frozen=True, slots=True)
class ShareRecord:
    """One share of a project or dataset: ``recipient`` is ``user:NAME`` or ``group:NAME``."""

    recipient: str
    created_at: datetime
    created_by: str | None


@dataclass(frozen=True, slots=True)
class SharedItem:
    """A project (``dataset`` None) or dataset shared with someone, and through what."""

    project: str
    dataset: str | None
    via: str
    created_at: datetime
    created_by: str | None


@dataclass(frozen=True, slots=True)
class VisibilityView:
    """The visibility in force for a project or dataset, as a page shows it.

    ``state`` is what visitors get now: for a dataset, the least public of its project and
    itself. ``until`` and ``event`` say when an embargo in force ends (the later date when
    both the project and the dataset are under embargo); ``released`` when a public one's
    embargo ended, if it had one.
    """

    state: Visibility
    until: datetime | None = None
    event: str | None = None
    released: datetime | None = None


def _recipients(session: Session, rows: list[ShareRow]) -> list[tuple[ShareRow, str]]:
    users = {
        u.id: u.username
        for u in session.scalars(
            select(UserRow).where(UserRow.id.in_({r.user_id for r in rows if r.user_id}))
        )
    }
    groups = {
        g.id: g.name
        for g in session.scalars(
            select(GroupRow).where(GroupRow.id.in_({r.group_id for r in rows if r.group_id}))
        )
    }
    named = []
    for row in rows:
        if row.user_id is not None and row.user_id in users:
            named.append((row, f"user:{users[row.user_id]}"))
        elif row.group_id is not None and row.group_id in groups:
            named.append((row, f"group:{groups[row.group_id]}"))
    return named


def shares_of(session: Session, where: Located) -> list[ShareRecord]:
    """The shares of exactly this project or dataset (not those of its project), oldest first."""
    query = select(ShareRow).order_by(ShareRow.created_at, ShareRow.id)
    if where.dataset_id is None:
        query = query.where(ShareRow.project_id == where.project_id)
    else:
        query = query.where(ShareRow.dataset_id == where.dataset_id)
    rows = list(session.scalars(query))
    return [
        ShareRecord(recipient=name, created_at=row.created_at, created_by=row.created_by)
        for row, name in _recipients(session, rows)
    ]


def reviewer_links_of(session: Session, where: Located) -> list[ReviewerLinkRecord]:
    """Every reviewer link of a dataset (revoked and expired ones too), newest first."""
    rows = session.scalars(
        select(ReviewerLinkRow)
        .where(ReviewerLinkRow.dataset_id == where.dataset_id)
        .order_by(ReviewerLinkRow.created_at.desc(), ReviewerLinkRow.id.desc())
    )
    return [
        ReviewerLinkRecord(
            key_id=row.key_id, target=where.target, label=row.label, created_at=row.created_at,
            created_by=row.created_by, expires_at=row.expires_at, revoked_at=row.revoked_at,
        )
        for row in rows
    ]  # fmt: skip


def shared_with(session: Session, principal: Principal) -> list[SharedItem]:
    """Projects and datasets shared with the account directly or with one of its groups."""
    if principal.user_id is None:
        return []
    conditions = [ShareRow.user_id == principal.user_id]
    if principal.member_of:
        conditions.append(ShareRow.group_id.in_(sorted(principal.member_of)))
    rows = list(session.scalars(select(ShareRow).where(or_(*conditions))))
    projects = dict(session.execute(select(ProjectRow.id, ProjectRow.name)).all())
    datasets = {
        did: (pid, name)
        for did, pid, name in session.execute(
            select(DatasetRow.id, DatasetRow.project_id, DatasetRow.name).where(
                DatasetRow.removed_at.is_(None)  # a removed dataset is shared no more
            )
        )
    }
    items = []
    for row, via in _recipients(session, rows):
        if row.dataset_id is not None:
            if row.dataset_id not in datasets:
                continue
            pid, dataset = datasets[row.dataset_id]
            project, name = projects[pid], dataset
        else:
            assert row.project_id is not None
            project, name = projects[row.project_id], None
        items.append(SharedItem(project, name, via, row.created_at, row.created_by))
    return sorted(items, key=lambda i: (i.project.lower(), (i.dataset or "").lower(), i.via))


type _Link = tuple[Container, str | None, datetime | None]


def _link(row: ProjectAccessRow | DatasetAccessRow | None) -> _Link:
    if row is None:
        return Container(), None, None
    return (
        Container(Visibility(row.visibility), row.embargo_until),
        row.embargo_event,
        (row.released_at),
    )


def _view(links: list[_Link], now: datetime) -> VisibilityView:
    state = min((c.state_at(now) for c, _, _ in links), key=lambda s: s.rank)
    if state is Visibility.PUBLIC:
        # Released by the release step, or by its date already (before that step ran).
        dates = [
            released or (c.embargo_until if c.visibility is Visibility.EMBARGOED else None)
            for c, _, released in links
        ]
        return VisibilityView(state, released=max((d for d in dates if d), default=None))
    if state is not Visibility.EMBARGOED:
        return VisibilityView(state)
    embargoed = [(c, e) for c, e, _ in links if c.state_at(now) is Visibility.EMBARGOED]
    until_dates = [c.embargo_until for c, _ in embargoed]
    until = None if None in until_dates else max(d for d in until_dates if d is not None)
    events = sorted({e for _, e in embargoed if e})
    return VisibilityView(state, until, ", ".join(events) or None)


def visibility_views(
    session: Session, now: datetime
) -> dict[tuple[str, str | None], VisibilityView]:
    """The visibility in force of every project ``(P, None)`` and dataset ``(P, D)``."""
    projects = {
        pid: (name, _link(row))
        for pid, name, row in session.execute(
            select(ProjectRow.id, ProjectRow.name, ProjectAccessRow).outerjoin(
                ProjectAccessRow, ProjectAccessRow.project_id == ProjectRow.id
            )
        )
    }
    views: dict[tuple[str, str | None], VisibilityView] = {
        (name, None): _view([link], now) for name, link in projects.values()
    }
    for pid, dataset, row in session.execute(
        select(DatasetRow.project_id, DatasetRow.name, DatasetAccessRow)
        .outerjoin(DatasetAccessRow, DatasetAccessRow.dataset_id == DatasetRow.id)
        .where(DatasetRow.removed_at.is_(None))
    ):
        project, link = projects[pid]
        views[(project, dataset)] = _view([link, _link(row)], now)
    return views


def dataset_places(session: Session, ids: set[int]) -> list[tuple[str, str]]:
    """``(project, dataset)`` names of the datasets ``ids``."""
    rows = session.execute(
        select(ProjectRow.name, DatasetRow.name)
        .join(ProjectRow, ProjectRow.id == DatasetRow.project_id)
        .where(DatasetRow.id.in_(sorted(ids)))
        .order_by(ProjectRow.name, DatasetRow.name)
    )
    return [(project, dataset) for project, dataset in rows]
