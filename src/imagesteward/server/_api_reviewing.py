"""What the share and reviewer-link dialogs need beyond ``_api_sharing``.

Listing shares and reviewer links, withdrawing a link, and a reviewer link opened in a browser.
Listing who an object is shared with, and its links, is for those who may share it (the
policy's ``share``); the guard decides before the route runs, and the catalog checks again.
``POST /api/v1/review`` turns a reviewer link into a cookie bound to that link (see
``_review_cookie``), so a reviewer's browser can open the dataset's pages, thumbnails, tiles
and OME-Zarr without an account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import Field

from imagesteward.access import Principal
from imagesteward.catalog import AccessCatalog, ReviewerLinkRecord, ShareRecord
from imagesteward.errors import AuthenticationError
from imagesteward.server._api_access import _REFUSALS, _principal
from imagesteward.server._present import API
from imagesteward.server._review_cookie import REVIEW_COOKIE
from imagesteward.server._routing import ReadRoute, problems
from imagesteward.server._schemas import _Input, _Output

__all__ = ["router"]

router = APIRouter(prefix=API, route_class=ReadRoute)
_RESPONSES = {**_REFUSALS, **problems(400, 404)}

PrincipalDep = Annotated[Principal, Depends(_principal)]


class ShareItem(_Output):
    """One share: the recipient, and when and by whom it was made."""

    recipient: str = Field(description="user:NAME or group:NAME.")
    created_at: datetime
    created_by: str | None


class ShareList(_Output):
    """The shares of exactly this project or dataset, oldest first."""

    items: list[ShareItem]


class ReviewerLinkItem(_Output):
    """A reviewer link as listed: never its secret, which was shown once."""

    key_id: str
    label: str | None
    created_at: datetime
    created_by: str | None
    expires_at: datetime
    revoked_at: datetime | None


class ReviewerLinkList(_Output):
    """A dataset's reviewer links, newest first (revoked and expired ones too)."""

    items: list[ReviewerLinkItem]


class ReviewIn(_Input):
    """A reviewer link's secret, as the authors handed it over."""

    link: str = Field(min_length=1, max_length=200, repr=False, description="isr_...")


class ReviewOut(_Output):
    """The dataset a reviewer link opens, and the page that shows it."""

    project: str
    dataset: str
    page: str = Field(description="The dataset's page in the web UI.")


def _access(request: Request) -> AccessCatalog:
    access: AccessCatalog = request.app.state.access
    return access


def _shares(records: list[ShareRecord]) -> ShareList:
    return ShareList(
        items=[
            ShareItem(recipient=r.recipient, created_at=r.created_at, created_by=r.created_by)
            for r in records
        ]
    )


def _link(record: ReviewerLinkRecord) -> ReviewerLinkItem:
    return ReviewerLinkItem(
        key_id=record.key_id, label=record.label, created_at=record.created_at,
        created_by=record.created_by, expires_at=record.expires_at, revoked_at=record.revoked_at,
    )  # fmt: skip


@router.get("/projects/{project}/shares", tags=["access"], responses=_RESPONSES)
def project_shares(request: Request, principal: PrincipalDep, project: str) -> ShareList:
    """Who a project is shared with (those who may share it)."""
    return _shares(_access(request).shares_of(project, acting=principal))


@router.get("/projects/{project}/datasets/{dataset}/shares", tags=["access"], responses=_RESPONSES)
def dataset_shares(
    request: Request, principal: PrincipalDep, project: str, dataset: str
) -> ShareList:
    """Who a dataset is shared with (its project's shares are listed with the project)."""
    return _shares(_access(request).shares_of(project, dataset, acting=principal))


@router.get(
    "/projects/{project}/datasets/{dataset}/reviewer-links", tags=["access"], responses=_RESPONSES
)
def reviewer_links(
    request: Request, principal: PrincipalDep, project: str, dataset: str
) -> ReviewerLinkList:
    """A dataset's reviewer links, without their secrets."""
    records = _access(request).reviewer_links_of(project, dataset, acting=principal)
    return ReviewerLinkList(items=[_link(r) for r in records])


@router.delete(
    "/projects/{project}/datasets/{dataset}/reviewer-links",
    tags=["access"],
    status_code=204,
    responses=_RESPONSES,
)
def revoke_reviewer_link(
    request: Request,
    principal: PrincipalDep,
    project: str,
    dataset: str,
    key_id: Annotated[str, Query(min_length=1, max_length=32, description="The link's key id.")],
) -> None:
    """Withdraw one of the dataset's reviewer links (``?key_id=``): it stops working at once."""
    remote = request.client.host if request.client else None
    _access(request).revoke_dataset_reviewer_link(
        project, dataset, key_id, acting=principal, remote=remote
    )


@router.post(
    "/review", tags=["access"], responses={**_REFUSALS, **problems(400)}, response_model=ReviewOut
)
def open_review(
    request: Request, response: Response, body: Annotated[ReviewIn, Body()]
) -> ReviewOut:
    """Open a reviewer link in this browser: a cookie bound to the link (HttpOnly).

    The link is checked now and again with every request; when it expires or is revoked the
    cookie stops working.
    """
    access = _access(request)
    principal = access.authenticate_reviewer_link(body.link)
    places = access.dataset_places(principal.reviewer_datasets)
    if not places:  # pragma: no cover - a link's dataset cannot be deleted while it exists
        raise AuthenticationError("Unknown reviewer link.")
    project, dataset = places[0]
    response.set_cookie(
        REVIEW_COOKIE, body.link, httponly=True, secure=request.url.scheme == "https",
        samesite="strict",
    )  # fmt: skip
    root = str(request.scope.get("root_path", "")).rstrip("/")
    page = f"{root}/browse?{urlencode({'project': project, 'dataset': dataset})}"
    return ReviewOut(project=project, dataset=dataset, page=page)


@router.delete("/review", tags=["access"], status_code=204, responses=problems())
def close_review(response: Response) -> None:
    """Forget the reviewer link this browser holds."""
    response.delete_cookie(REVIEW_COOKIE)
