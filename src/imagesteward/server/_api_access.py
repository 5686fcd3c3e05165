"""Access routes: who the caller is, and the audit log for facility administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field

from imagesteward.access import Principal
from imagesteward.server._access_control import require_facility_admin
from imagesteward.server._present import API
from imagesteward.server._routing import ReadRoute, problems
from imagesteward.server._schemas import _Output
from imagesteward.server._viewer import Viewer, current_viewer

__all__ = ["Me", "me_of", "router"]

router = APIRouter(prefix=API, route_class=ReadRoute)

_REFUSALS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": text,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
    for code, text in (
        (401, "Unauthorized: no valid credentials (problem+json, WWW-Authenticate: Bearer)."),
        (403, "Forbidden: the credentials do not carry this power (problem+json)."),
    )
}


class Me(_Output):
    """The caller as the access policy sees it."""

    username: str | None = Field(description="The account; null for anonymous callers.")
    facility_role: str | None = Field(description="admin, steward, user or guest.")
    scope: str = Field(description="What the credential carries: read, write or admin.")
    groups: list[int] = Field(description="Ids of the groups the account belongs to.")
    reviewer_datasets: list[int] = Field(description="Datasets opened by a reviewer link.")


class AuditEventOut(_Output):
    """One event of the audit log."""

    id: int
    at: datetime = Field(description="When (UTC).")
    actor: str | None = Field(description="Who; null for anonymous callers and the system.")
    action: str = Field(description="What: login, token.create, visibility.release, ...")
    target: str | None = Field(description="To what: dataset:P/D, user:alice, token:KEY...")
    remote: str | None = Field(description="From where: a client address or 'cli user@host'.")
    outcome: str = Field(description="ok, denied or failed.")
    details: dict[str, Any] | None = Field(description="Further facts of the event.")


class AuditList(_Output):
    """Audit events, newest first."""

    items: list[AuditEventOut]


def _principal(viewer: Annotated[Viewer, Depends(current_viewer)]) -> Principal:
    return viewer.principal


@router.get("/me", tags=["access"], responses={**_REFUSALS, **problems()})
def me(principal: Annotated[Principal, Depends(_principal)]) -> Me:
    """Who the server takes the caller to be (anonymous without credentials)."""
    return me_of(principal)


def me_of(principal: Principal) -> Me:
    """The caller as the ``Me`` document shows it."""
    return Me(
        username=principal.username,
        facility_role=None if principal.facility_role is None else principal.facility_role.value,
        scope=principal.scope.value,
        groups=sorted(principal.member_of),
        reviewer_datasets=sorted(principal.reviewer_datasets),
    )


@router.get("/audit", tags=["access"], responses={**_REFUSALS, **problems()})
def audit(
    request: Request,
    principal: Annotated[Principal, Depends(_principal)],
    since: Annotated[datetime | None, Query(description="From this instant.")] = None,
    until: Annotated[datetime | None, Query(description="Before this instant.")] = None,
    actor: Annotated[str | None, Query(description="Only this user's events.")] = None,
    action: Annotated[str | None, Query(description="An action or family (token).")] = None,
    target: Annotated[str | None, Query(description="Only about this.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 100,
) -> AuditList:
    """The audit log, newest first: facility administrators with an admin credential only."""
    require_facility_admin(principal)
    events = request.app.state.access.audit_events(
        since=since, until=until, actor=actor, action=action, target=target, limit=limit
    )
    return AuditList(
        items=[
            AuditEventOut(
                id=e.id, at=e.at, actor=e.actor, action=e.action, target=e.target,
                remote=e.remote, outcome=e.outcome,
                details=None if e.details is None else dict(e.details),
            )
            for e in events
        ]
    )  # fmt: skip


_EXPORT_TYPES = {"jsonl": "application/jsonl", "csv": "text/csv; charset=utf-8"}


@router.get(
    "/audit/export",
    tags=["access"],
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The matching events, oldest first, as JSON Lines or CSV.",
            "content": {
                "application/jsonl": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **_REFUSALS,
        **problems(),
    },
)
def export_audit_log(
    request: Request,
    principal: Annotated[Principal, Depends(_principal)],
    format: Annotated[Literal["jsonl", "csv"], Query(description="jsonl or csv.")] = "jsonl",  # noqa: A002
    since: Annotated[datetime | None, Query(description="From this instant.")] = None,
    until: Annotated[datetime | None, Query(description="Before this instant.")] = None,
    actor: Annotated[str | None, Query(description="Only this user's events.")] = None,
    action: Annotated[str | None, Query(description="An action or family (token).")] = None,
    target: Annotated[str | None, Query(description="Only about this.")] = None,
) -> StreamingResponse:
    """Export the audit log for archiving: every matching event, oldest first."""
    from imagesteward.catalog import export_audit

    require_facility_admin(principal)
    events = request.app.state.access.audit_events(
        since=since, until=until, actor=actor, action=action, target=target, limit=None
    )
    return StreamingResponse(
        export_audit(reversed(events), format),
        media_type=_EXPORT_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="audit.{format}"'},
    )
