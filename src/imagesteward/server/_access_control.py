"""Access control on every route, in one place: who is asking, and may they do this here.

:data:`ROUTE_POLICY` names, for every method and path of the application, the object a
request is about (taken from its path) and the :class:`~imagesteward.access.Action` it
performs; :func:`install_access_control` refuses to build an application with a route the
table does not cover, and, when access control is on, puts a guard in front of each route.

The guard authenticates the caller (``Authorization: Bearer ist_...`` API token or
``isr_...`` reviewer link, else the web session cookie; nothing is the anonymous public) and
asks the catalog's access side - which applies the one policy table - before the endpoint
runs. An object the caller may not see is "not found", word for word as a missing one.
Listings cannot be decided per object: their guard hands the service layer the datasets the
caller may list, and the service filters.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Literal

import anyio.to_thread
from fastapi.dependencies.utils import request_params_to_args
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from imagesteward.access import (
    ANONYMOUS,
    REVIEWER_PREFIX,
    TOKEN_PREFIX,
    Action,
    FacilityRole,
    Principal,
)
from imagesteward.access import Scope as CredentialScope
from imagesteward.errors import AuthenticationError, ImageStewardError, PermissionDeniedError
from imagesteward.server._review_cookie import review_link
from imagesteward.server._sessions import session_token

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi._compat import ModelField

    from imagesteward.catalog import AccessCatalog

__all__ = [
    "PRINCIPAL_KEY",
    "READABLE_KEY",
    "READABLE_PROJECTS_KEY",
    "ROUTE_POLICY",
    "RouteRule",
    "app_routes",
    "install_access_control",
    "require_facility_admin",
    "uncovered_routes",
]

#: Where the guard leaves the caller and, for listings, the datasets it may list (ASGI scope).
PRINCIPAL_KEY = "imagesteward.principal"
READABLE_KEY = "imagesteward.readable"
READABLE_PROJECTS_KEY = "imagesteward.readable_projects"

type Subject = Literal[
    "open", "admin", "listing", "image", "zarr", "original", "project", "dataset"
]


@dataclass(frozen=True, slots=True)
class RouteRule:
    """What a route is about and what it does to it.

    ``subject`` is ``open`` (no catalogued data: health, API documents, ontology terms,
    static files), ``admin`` (facility administrators only), ``listing`` (filtered to what
    the caller may ``action``), or the kind of object named by the path parameter ``param``.
    """

    subject: Subject
    action: Action | None = None
    param: str | None = None


OPEN = RouteRule("open")


def _listing(action: Action) -> RouteRule:
    return RouteRule("listing", action)


def _image(action: Action, param: str = "image") -> RouteRule:
    return RouteRule("image", action, param)


def _project(action: Action) -> RouteRule:
    return RouteRule("project", action, "project")


def _dataset(action: Action) -> RouteRule:
    return RouteRule("dataset", action, "project")


_A = Action
#: Every method and path of the application. HEAD follows GET; a new route must be added here.
ROUTE_POLICY: Mapping[tuple[str, str], RouteRule] = {
    ("GET", "/zarr/{image_uuid}/{key:path}"): RouteRule("zarr", _A.STREAM_ZARR, "image_uuid"),
    ("GET", "/api/v1/openapi.json"): OPEN,
    ("GET", "/api/v1/docs"): OPEN,
    ("GET", "/docs/oauth2-redirect"): OPEN,
    ("GET", "/api/v1/health"): OPEN,
    ("GET", "/api/v1/me"): OPEN,
    ("POST", "/api/v1/session"): OPEN,
    ("DELETE", "/api/v1/session"): OPEN,
    ("GET", "/auth/oidc/login"): OPEN,
    ("GET", "/auth/oidc/callback"): OPEN,
    ("GET", "/api/v1/audit"): RouteRule("admin"),
    ("GET", "/api/v1/audit/export"): RouteRule("admin"),
    ("GET", "/api/v1/projects"): _listing(_A.LIST),
    ("GET", "/api/v1/datasets"): _listing(_A.LIST),
    ("GET", "/api/v1/instruments"): _listing(_A.FACET_COUNT),
    ("GET", "/api/v1/images"): _listing(_A.LIST),
    ("GET", "/api/v1/search"): _listing(_A.SEARCH_HIT),
    ("GET", "/api/v1/images/{image}"): _image(_A.VIEW_METADATA),
    ("POST", "/api/v1/images/{image}/move"): _image(_A.MOVE),
    ("DELETE", "/api/v1/images/{image}"): _image(_A.DELETE),
    ("DELETE", "/api/v1/projects/{project}/datasets/{dataset}"): _dataset(_A.DELETE),
    ("GET", "/api/v1/images/{image}/metadata"): _image(_A.VIEW_METADATA),
    ("GET", "/api/v1/images/{image}/metadata.jsonld"): _image(_A.VIEW_METADATA),
    ("GET", "/api/v1/images/{image}/files"): _image(_A.VIEW_METADATA),
    ("GET", "/api/v1/originals/{sha256}"): RouteRule("original", _A.DOWNLOAD_ORIGINAL, "sha256"),
    ("GET", "/api/v1/images/{image}/renditions"): _image(_A.VIEW_METADATA),
    ("GET", "/api/v1/images/{image}/view"): _image(_A.VIEW_METADATA),
    ("GET", "/api/v1/images/{image}/thumbnail.{ext}"): _image(_A.THUMBNAIL),
    ("GET", "/api/v1/images/{image}/tiles/{level}/{t}/{z}/{x}/{y}.{ext}"): _image(_A.THUMBNAIL),
    ("GET", "/api/v1/ontology/terms"): OPEN,
    ("GET", "/api/v1/ontology/terms/{term_id}"): OPEN,
    ("GET", "/api/v1/describe/forms/{kind}"): OPEN,
    ("GET", "/api/v1/describe/templates"): OPEN,
    ("GET", "/api/v1/projects/{project}/study"): _project(_A.VIEW_METADATA),
    ("PUT", "/api/v1/projects/{project}/study"): _project(_A.EDIT),
    ("PATCH", "/api/v1/images/{image}/annotations"): _image(_A.ANNOTATE),
    ("GET", "/api/v1/images/{image}/completeness"): _image(_A.VIEW_METADATA),
    ("GET", "/api/v1/projects/{project}/completeness"): _project(_A.VIEW_METADATA),
    ("GET", "/api/v1/projects/{project}/methods"): _project(_A.VIEW_METADATA),
    ("POST", "/api/v1/projects/{project}/eln"): _project(_A.EDIT),
    ("GET", "/api/v1/projects/{project}/access"): _project(_A.VIEW_METADATA),
    ("PUT", "/api/v1/projects/{project}/visibility"): _project(_A.CHANGE_VISIBILITY),
    ("POST", "/api/v1/projects/{project}/shares"): _project(_A.SHARE),
    ("DELETE", "/api/v1/projects/{project}/shares"): _project(_A.SHARE),
    ("GET", "/api/v1/projects/{project}/datasets/{dataset}/access"): _dataset(_A.VIEW_METADATA),
    ("PUT", "/api/v1/projects/{project}/datasets/{dataset}/visibility"): _dataset(
        _A.CHANGE_VISIBILITY
    ),
    ("POST", "/api/v1/projects/{project}/datasets/{dataset}/shares"): _dataset(_A.SHARE),
    ("DELETE", "/api/v1/projects/{project}/datasets/{dataset}/shares"): _dataset(_A.SHARE),
    ("POST", "/api/v1/projects/{project}/datasets/{dataset}/reviewer-links"): _dataset(_A.SHARE),
    ("GET", "/api/v1/projects/{project}/shares"): _project(_A.SHARE),
    ("GET", "/api/v1/projects/{project}/datasets/{dataset}/shares"): _dataset(_A.SHARE),
    ("GET", "/api/v1/projects/{project}/datasets/{dataset}/reviewer-links"): _dataset(_A.SHARE),
    ("DELETE", "/api/v1/projects/{project}/datasets/{dataset}/reviewer-links"): _dataset(_A.SHARE),
    ("POST", "/api/v1/review"): OPEN,
    ("DELETE", "/api/v1/review"): OPEN,
    # The web UI's pages.
    ("GET", "/"): _listing(_A.LIST),
    ("GET", "/browse"): _listing(_A.LIST),
    ("GET", "/images/{image}"): _image(_A.VIEW_METADATA),
    ("GET", "/images/{image}/original-metadata"): _image(_A.VIEW_METADATA),
    ("GET", "/images/{image}/describe"): _image(_A.VIEW_METADATA),
    ("GET", "/projects/{project}"): _project(_A.VIEW_METADATA),
    ("GET", "/projects/{project}/describe"): _project(_A.VIEW_METADATA),
    ("GET", "/projects/{project}/datasets/{dataset}"): _dataset(_A.VIEW_METADATA),
    ("GET", "/search"): _listing(_A.SEARCH_HIT),
    ("GET", "/images/{image}/histograms/{channel}.json"): _image(_A.THUMBNAIL),
    ("GET", "/login"): OPEN,
    ("GET", "/shared"): OPEN,
    ("GET", "/review"): OPEN,
    ("GET", "/static/{path:path}"): OPEN,
}


def app_routes(routes: list[BaseRoute]) -> Iterator[tuple[str, str, BaseRoute]]:
    """Every (method, path, route) an application answers, HEAD left out (it follows GET).

    Route groups are entered; a static-files mount is reported as ``/static/{path:path}``
    whatever its versioned prefix.
    """
    for route in routes:
        if isinstance(route, Mount):
            yield "GET", "/static/{path:path}", route
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, route.path, route
        else:
            children = getattr(route, "routes", None)
            if children is None:  # pragma: no cover - no such route in the application
                raise TypeError(f"Cannot tell which paths {route!r} answers.")
            yield from app_routes(list(children))


def uncovered_routes(app: FastAPI) -> list[str]:
    """``METHOD path`` of every route :data:`ROUTE_POLICY` says nothing about."""
    return [
        f"{method} {path}"
        for method, path, _ in app_routes(app.router.routes)
        if (method, path) not in ROUTE_POLICY
    ]


def install_access_control(app: FastAPI, *, enforce: bool) -> None:
    """With ``enforce``, put a guard in front of every route; without, change nothing.

    A test fails for any route without a policy entry; an enforcing application refuses to
    start with one, since it could not tell what such a route may show.

    Raises
    ------
    RuntimeError
        When enforcing and a route has no entry in :data:`ROUTE_POLICY`.
    """
    if not enforce:
        return
    missing = uncovered_routes(app)
    if missing:
        raise RuntimeError(
            "Routes without an access policy entry (add them to ROUTE_POLICY in "
            f"imagesteward/server/_access_control.py): {', '.join(missing)}"
        )
    # Keyed by identity: routes compare equal by path and methods, not by being the same.
    guarded: dict[int, tuple[Route, dict[str, RouteRule]]] = {}
    for method, path, route in app_routes(app.router.routes):
        if isinstance(route, Route):
            guarded.setdefault(id(route), (route, {}))[1][method] = ROUTE_POLICY[(method, path)]
    _wrap(app.router.routes, {key: rules for key, (_, rules) in guarded.items()})


def _wrap(routes: list[BaseRoute], rules: dict[int, dict[str, RouteRule]]) -> None:
    """Replace each guarded route of ``routes`` (and of groups within) by a guarded copy.

    Route objects come from module-level routers that every application built in the process
    shares; wrapping them in place would put the guard of one application in front of the
    next (an unguarded test app saw only public data after an enforcing one was built).
    """
    for position, route in enumerate(routes):
        if isinstance(route, Route) and id(route) in rules:
            own = copy.copy(route)
            # Web pages answer a refusal with a page (their route says how), not a problem.
            own.app = _Guard(
                route.app,
                rules[id(route)],
                getattr(route, "refusal_page", None),
                _path_fields(route),
            )
            routes[position] = own
        elif not isinstance(route, Mount):
            children = getattr(route, "routes", None)
            if isinstance(children, list):
                _wrap(children, rules)


class _Guard:
    """ASGI wrapper deciding a request against its route's rule before the endpoint runs."""

    def __init__(
        self,
        app: ASGIApp,
        rules: dict[str, RouteRule],
        refusal_page: Callable[[Request, ImageStewardError], Response] | None = None,
        path_fields: Sequence[ModelField] = (),
    ) -> None:
        self.app = app
        self.rules = rules
        self.refusal_page = refusal_page
        self.path_fields = path_fields

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        rule = self.rules.get(method)
        if rule is None:  # a method the route refuses anyway (405)
            await self.app(scope, receive, send)
            return
        if self.refusal_page is not None and _wants_html(scope):
            try:
                await self._decide(scope, rule)
            except ImageStewardError as exc:
                await self.refusal_page(Request(scope), exc)(scope, receive, send)
                return
        else:
            await self._decide(scope, rule)
        await self.app(scope, receive, send)

    async def _decide(self, scope: Scope, rule: RouteRule) -> None:
        access: AccessCatalog = scope["app"].state.access
        connection = HTTPConnection(scope)
        authorization = connection.headers.get("authorization")
        if not authorization and (token := session_token(connection)):
            authorization = f"Bearer {token}"
        if not authorization and (link := review_link(connection)):
            authorization = f"Bearer {link}"
        principal = await anyio.to_thread.run_sync(
            partial(authenticate, access, authorization,
                    remote=connection.client.host if connection.client else None)
        )  # fmt: skip
        scope[PRINCIPAL_KEY] = principal
        if rule.subject == "listing":
            assert rule.action is not None
            scope[READABLE_KEY] = frozenset(
                await anyio.to_thread.run_sync(access.readable_datasets, principal, rule.action)
            )
            scope[READABLE_PROJECTS_KEY] = frozenset(
                await anyio.to_thread.run_sync(access.readable_projects, principal, rule.action)
            )
        elif rule.subject == "admin":
            require_facility_admin(principal)
        elif rule.subject != "open":
            params = scope["path_params"]
            if _malformed(self.path_fields, params):
                # The route's validation refuses this path (422) before its endpoint runs,
                # from the text of the path alone: no object is named, so there is nothing to
                # decide and the answer reveals nothing (a hidden object's well-formed
                # reference is decided above like any other).
                return
            resolved = await anyio.to_thread.run_sync(_decide, access, principal, rule, params)
            if resolved is not None:  # the endpoint sees the image the guard decided about
                scope["path_params"] = {**params, str(rule.param): resolved}


def _path_fields(route: Route) -> Sequence[ModelField]:
    """The path parameters a FastAPI route validates (none for plain Starlette routes)."""
    dependant = getattr(route, "dependant", None)
    return tuple(dependant.path_params) if dependant is not None else ()


def _malformed(fields: Sequence[ModelField], params: Mapping[str, object]) -> bool:
    """Whether the route's own validation will refuse these path parameters (422)."""
    if not fields:
        return False
    _, errors = request_params_to_args(fields, params)
    return bool(errors)


def _wants_html(scope: Scope) -> bool:
    """Whether a browser asks (programs asking a page still get a problem document)."""
    return "text/html" in Request(scope).headers.get("accept", "")


def require_facility_admin(principal: Principal) -> None:
    """Refuse anyone but a facility administrator using an admin-scoped credential.

    Raises
    ------
    AuthenticationError
        For an anonymous caller (sign in first).
    PermissionDeniedError
        For any other account or credential.
    """
    if principal.is_anonymous:
        raise AuthenticationError("Only facility administrators may do this; sign in first.")
    if (
        principal.facility_role is not FacilityRole.ADMIN
        or principal.scope is not CredentialScope.ADMIN
    ):
        raise PermissionDeniedError(
            "Only facility administrators, with an admin-scoped credential, may do this."
        )


def authenticate(
    access: AccessCatalog, authorization: str | None, *, remote: str | None
) -> Principal:
    """The caller an ``Authorization`` header stands for; no header is the anonymous public.

    Raises
    ------
    AuthenticationError
        For any other scheme than Bearer, or a malformed, unknown, expired or revoked secret.
    """
    if not authorization:
        return ANONYMOUS
    scheme, _, credential = authorization.partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise AuthenticationError(
            "Use 'Authorization: Bearer <token>' with an API token (ist_...) or a reviewer "
            "link (isr_...)."
        )
    if credential.startswith(f"{REVIEWER_PREFIX}_"):
        return access.authenticate_reviewer_link(credential, remote=remote)
    if not credential.startswith(f"{TOKEN_PREFIX}_"):
        raise AuthenticationError("This is not an imagesteward API token or reviewer link.")
    return access.authenticate_token(credential, remote=remote)


def _decide(
    access: AccessCatalog, principal: Principal, rule: RouteRule, params: Mapping[str, object]
) -> str | None:
    """Decide; for an image, return its full UUID (a prefix was resolved among visible ones)."""
    assert rule.action is not None
    assert rule.param is not None
    value = str(params[rule.param])
    if rule.subject in {"image", "zarr"}:
        return access.require_on_image(principal, value, rule.action).uuid
    if rule.subject == "original":
        access.require_on_original(principal, value, rule.action)
    elif rule.subject == "dataset":
        dataset = str(params["dataset"])
        access.require_on_project(principal, value, rule.action, dataset=dataset)
    else:
        access.require_on_project(principal, value, rule.action)
    return None
