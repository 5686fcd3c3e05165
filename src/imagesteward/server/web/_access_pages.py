"""The web UI's access pages: login, "shared with me", reviewer links; and the access panel.

Signing in and out goes through the session API (``/api/v1/session``) from
``static/js/access.js``; these pages only render. The access panel of a project's or
dataset's page shows its visibility and release date and, to those the policy allows, the
share, visibility and reviewer-link dialogs, which call the API as well: the server checks
every write against the policy, whatever the page offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from imagesteward.access import Action, Visibility
from imagesteward.catalog import AccessCatalog, AccessRecord, SharedItem, VisibilityView
from imagesteward.server._oidc_routes import sign_in_option
from imagesteward.server._services import Services
from imagesteward.server.web._identity import access_control_on, principal_of
from imagesteward.server.web._refusals import login_url, safe_next
from imagesteward.server.web._routing import PageRoute, site_of

__all__ = [
    "PlaceAccess",
    "SharedProject",
    "VisibleTotals",
    "may_delete",
    "pages",
    "place_access",
    "visibility_views",
    "visible_totals",
]

pages = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True, slots=True)
class PlaceAccess:
    """A project's or dataset's access as its page shows it, and what the caller may change."""

    project: str
    dataset: str | None
    view: VisibilityView
    record: AccessRecord
    can_share: bool
    can_change_visibility: bool
    can_delete: bool = False

    @property
    def offers_reviewer_links(self) -> bool:
        """Reviewer links open an embargoed dataset only (the policy gives them nothing else)."""
        return (
            self.dataset is not None and self.can_share and self.view.state is Visibility.EMBARGOED
        )

    @property
    def api_path(self) -> str:
        """The object's path below the API root."""
        path = f"/projects/{quote(self.project, safe='')}"
        if self.dataset is not None:
            path += f"/datasets/{quote(self.dataset, safe='')}"
        return path


@dataclass(frozen=True, slots=True)
class SharedProject:
    """A project on the "shared with me" page: shared whole, or some of its datasets."""

    name: str
    view: VisibilityView | None
    whole: list[SharedItem]
    datasets: list[tuple[SharedItem, VisibilityView | None]]


def _access(request: Request) -> AccessCatalog:
    access: AccessCatalog = request.app.state.access
    return access


@dataclass(frozen=True, slots=True)
class VisibleTotals:
    """The home page's totals over what the caller may list (access control on).

    Original files and bytes are counted per fileset, which may span datasets the caller
    cannot see; they are left out rather than estimated.
    """

    projects: int
    datasets: int
    images: int
    instruments: int
    original_files: None = None
    original_bytes: None = None


def visible_totals(services: Services) -> VisibleTotals:
    """Totals a page may show to this viewer: nothing it could not list is counted."""
    datasets = services.datasets(None)
    return VisibleTotals(
        projects=len(services.projects()),
        datasets=len(datasets),
        images=sum(d.image_count for d in datasets),
        instruments=len(services.instruments()),
    )


def visibility_views(request: Request) -> dict[tuple[str, str | None], VisibilityView]:
    """Every project's and dataset's visibility in force now (for badges)."""
    return _access(request).visibility_views()


def place_access(request: Request, project: str | None, dataset: str | None) -> PlaceAccess | None:
    """The access panel of the project (and dataset) a page shows; ``None`` for no place.

    Called after the page's own listing, which has already refused a place the caller may
    not see.
    """
    if project is None:
        return None
    access = _access(request)
    views = access.visibility_views()
    view = views.get((project, dataset))
    if view is None:  # pragma: no cover - the listing refused an unknown place already
        return None
    rights = access.permitted(principal_of(request), project, dataset)
    if Action.VIEW_METADATA not in rights and access_control_on(request):
        # Hidden: the page is what a missing place gets (an empty listing), nothing more.
        return None
    return PlaceAccess(
        project=project,
        dataset=dataset,
        view=view,
        record=access.access_of(project, dataset),
        can_share=Action.SHARE in rights,
        can_change_visibility=Action.CHANGE_VISIBILITY in rights,
        # Removal goes through the API, which removes nothing without access control.
        can_delete=dataset is not None and Action.DELETE in rights and access_control_on(request),
    )


def may_delete(request: Request, project: str, dataset: str) -> bool:
    """Whether the page offers to remove an image of this dataset (the API decides again)."""
    if not access_control_on(request):
        return False
    return Action.DELETE in _access(request).permitted(principal_of(request), project, dataset)


@pages.get("/login")
def login(
    request: Request,
    after: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
) -> Response:
    """The sign-in form; a signed-in visitor goes straight on to ``next``."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    target = safe_next(after, root)
    if principal_of(request).username is not None:
        return RedirectResponse(target, status_code=303)
    context = {"title": "Sign in", "next": target, "oidc": sign_in_option(request)}
    return site_of(request).render(request, "login.html", context)


@pages.get("/shared")
def shared(request: Request) -> Response:
    """Projects and datasets shared with the signed-in account or with one of its groups."""
    principal = principal_of(request)
    if access_control_on(request) and principal.username is None:
        return RedirectResponse(login_url(request), status_code=303)
    items = _access(request).shared_with(principal)
    views = visibility_views(request) if items else {}
    projects: dict[str, SharedProject] = {}
    for item in items:
        entry = projects.setdefault(
            item.project, SharedProject(item.project, views.get((item.project, None)), [], [])
        )
        if item.dataset is None:
            entry.whole.append(item)
        else:
            entry.datasets.append((item, views.get((item.project, item.dataset))))
    context = {"title": "Shared with me", "projects": list(projects.values())}
    return site_of(request).render(request, "shared.html", context)


@pages.get("/review")
def review(request: Request) -> Response:
    """Opens a reviewer link (``/review#isr_...``): the page's script hands it to the server."""
    return site_of(request).render(request, "review.html", {"title": "Reviewer access"})
