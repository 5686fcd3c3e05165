"""Visibility, shares and reviewer links of projects and datasets, over the API.

Every write names its caller as ``acting``: the catalog's access side checks it against the
one policy (the route's guard has already done so when access control is on; without access
control every caller is anonymous, and anonymous callers change nothing). Inputs forbid
unknown fields, so owner or group cannot ride along on a visibility change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import Field

from imagesteward.access import Action, Principal, Visibility
from imagesteward.catalog import AccessCatalog, AccessRecord
from imagesteward.server._api_access import _REFUSALS, _principal
from imagesteward.server._present import API
from imagesteward.server._routing import ReadRoute, problems
from imagesteward.server._schemas import _Input, _Output

__all__ = ["router"]

router = APIRouter(prefix=API, route_class=ReadRoute)
_RESPONSES = {**_REFUSALS, **problems(400, 404)}  # 400: a body that is not JSON

PrincipalDep = Annotated[Principal, Depends(_principal)]


class AccessOut(_Output):
    """Who a project or dataset belongs to and how visible it is."""

    target: str = Field(description="project:P or dataset:P/D.")
    owner: str | None
    group: str | None
    visibility: Literal["private", "embargoed", "public"]
    embargo_until: datetime | None = Field(description="When an embargo ends by itself.")
    embargo_event: str | None = Field(description="The event that ends an embargo.")
    released_at: datetime | None


class VisibilityIn(_Input):
    """A new visibility; an embargo names its end (a date, an event, or both)."""

    visibility: Literal["private", "embargoed", "public"]
    until: datetime | None = Field(default=None, description="Timezone-aware end of embargo.")
    event: str | None = Field(default=None, max_length=64, description="e.g. publication.")


class RecipientIn(_Input):
    """Exactly one account or one group, as ``user:NAME`` or ``group:NAME``.

    One field rather than two optional ones, so that "exactly one" is part of the published
    schema instead of a rule only the server knows.
    """

    recipient: str = Field(
        pattern=r"^(user|group):[^:]{1,64}$",
        description="user:NAME or group:NAME.",
        examples=["user:alice", "group:imaging-core"],
    )

    @property
    def user(self) -> str | None:
        """The account's name, when the recipient is an account."""
        kind, _, name = self.recipient.partition(":")
        return name if kind == "user" else None

    @property
    def group(self) -> str | None:
        """The group's name, when the recipient is a group."""
        kind, _, name = self.recipient.partition(":")
        return name if kind == "group" else None


class ShareOut(_Output):
    """Whether the request changed anything."""

    changed: bool


class ReviewerLinkIn(_Input):
    """A reviewer link's lifetime and label."""

    days: int = Field(ge=1, le=366, description="Days until the link stops working.")
    label: str | None = Field(default=None, max_length=200, description="e.g. the journal.")


class ReviewerLinkOut(_Output):
    """A new reviewer link: ``secret`` is shown this once and never again."""

    key_id: str
    secret: str = Field(description="Give it to the reviewers as a Bearer credential.")
    expires_at: datetime


def _access(request: Request) -> AccessCatalog:
    access: AccessCatalog = request.app.state.access
    return access


def _out(record: AccessRecord) -> AccessOut:
    return AccessOut(
        target=record.target, owner=record.owner, group=record.group,
        visibility=record.visibility.value, embargo_until=record.embargo_until,
        embargo_event=record.embargo_event, released_at=record.released_at,
    )  # fmt: skip


def _remote(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/projects/{project}/access", tags=["access"], responses=_RESPONSES)
def project_access(request: Request, principal: PrincipalDep, project: str) -> AccessOut:
    """The owner, group and visibility of a project."""
    _access(request).require_on_project(principal, project, Action.VIEW_METADATA)
    return _out(_access(request).access_of(project))


@router.get("/projects/{project}/datasets/{dataset}/access", tags=["access"], responses=_RESPONSES)
def dataset_access(
    request: Request, principal: PrincipalDep, project: str, dataset: str
) -> AccessOut:
    """The owner and visibility of a dataset."""
    _access(request).require_on_project(principal, project, Action.VIEW_METADATA, dataset=dataset)
    return _out(_access(request).access_of(project, dataset))


def _set_visibility(
    request: Request, principal: Principal, project: str, dataset: str | None, body: VisibilityIn
) -> AccessOut:
    record = _access(request).set_visibility(
        project, dataset, visibility=Visibility(body.visibility), until=body.until,
        event=body.event, acting=principal, remote=_remote(request),
    )  # fmt: skip
    return _out(record)


@router.put("/projects/{project}/visibility", tags=["access"], responses=_RESPONSES)
def project_visibility(
    request: Request, principal: PrincipalDep, project: str, body: Annotated[VisibilityIn, Body()]
) -> AccessOut:
    """Make a project private, embargoed or public (owners, group owners, stewards)."""
    return _set_visibility(request, principal, project, None, body)


@router.put(
    "/projects/{project}/datasets/{dataset}/visibility", tags=["access"], responses=_RESPONSES
)
def dataset_visibility(
    request: Request,
    principal: PrincipalDep,
    project: str,
    dataset: str,
    body: Annotated[VisibilityIn, Body()],
) -> AccessOut:
    """Make a dataset private, embargoed or public (never more visible than its project)."""
    return _set_visibility(request, principal, project, dataset, body)


def _share(
    request: Request,
    principal: Principal,
    project: str,
    dataset: str | None,
    recipient: RecipientIn,
    *,
    add: bool,
) -> ShareOut:
    access = _access(request)
    call = access.share if add else access.unshare
    changed = call(
        project, dataset, user=recipient.user, group=recipient.group, acting=principal,
        remote=_remote(request),
    )  # fmt: skip
    return ShareOut(changed=changed)


@router.post("/projects/{project}/shares", tags=["access"], responses=_RESPONSES)
def share_project(
    request: Request, principal: PrincipalDep, project: str, body: Annotated[RecipientIn, Body()]
) -> ShareOut:
    """Share a project with an account or a group."""
    return _share(request, principal, project, None, body, add=True)


@router.delete("/projects/{project}/shares", tags=["access"], responses=_RESPONSES)
def unshare_project(
    request: Request,
    principal: PrincipalDep,
    project: str,
    recipient: Annotated[RecipientIn, Query()],
) -> ShareOut:
    """Withdraw a project's share (``?recipient=user:NAME`` or ``group:NAME``)."""
    return _share(request, principal, project, None, recipient, add=False)


@router.post("/projects/{project}/datasets/{dataset}/shares", tags=["access"], responses=_RESPONSES)
def share_dataset(
    request: Request,
    principal: PrincipalDep,
    project: str,
    dataset: str,
    body: Annotated[RecipientIn, Body()],
) -> ShareOut:
    """Share a dataset with an account or a group."""
    return _share(request, principal, project, dataset, body, add=True)


@router.delete(
    "/projects/{project}/datasets/{dataset}/shares", tags=["access"], responses=_RESPONSES
)
def unshare_dataset(
    request: Request,
    principal: PrincipalDep,
    project: str,
    dataset: str,
    recipient: Annotated[RecipientIn, Query()],
) -> ShareOut:
    """Withdraw a dataset's share (``?recipient=user:NAME`` or ``group:NAME``)."""
    return _share(request, principal, project, dataset, recipient, add=False)


@router.post(
    "/projects/{project}/datasets/{dataset}/reviewer-links",
    tags=["access"],
    responses=_RESPONSES,
)
def reviewer_link(
    request: Request,
    principal: PrincipalDep,
    project: str,
    dataset: str,
    body: Annotated[ReviewerLinkIn, Body()],
) -> ReviewerLinkOut:
    """A tokenised, read-only, expiring link to one embargoed dataset, for reviewers."""
    record, secret = _access(request).create_reviewer_link(
        project, dataset, expires_in=timedelta(days=body.days), label=body.label,
        acting=principal, remote=_remote(request),
    )  # fmt: skip
    return ReviewerLinkOut(key_id=record.key_id, secret=secret, expires_at=record.expires_at)
