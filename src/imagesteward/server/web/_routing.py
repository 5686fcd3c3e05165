"""How the web UI sits in the application: one routing-table entry, pages that fail as pages.

The UI is HTML for people, not part of the API: it is not in the OpenAPI document, and its
routes are grouped into one :class:`RouteGroup` so the application's table lists the API's
operations and, after them, "the web UI". The group answers exactly the paths its routes
know (GET/HEAD, else 405), and lets every other path fall through to the API's 404.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Router
from starlette.types import Receive, Scope, Send

from imagesteward.errors import ImageStewardError
from imagesteward.server._problems import status_of
from imagesteward.server._routing import ReadRoute
from imagesteward.server.web._refusals import refusal_page
from imagesteward.server.web._site import Site

__all__ = ["PageRoute", "RouteGroup", "site_of"]

log = logging.getLogger(__name__)


def site_of(request: Request) -> Site:
    """The application's :class:`Site` (set up by :func:`~imagesteward.server.web.install_web`)."""
    site: Site = request.app.state.web_site
    return site


class PageRoute(ReadRoute):
    """A GET/HEAD route whose errors are HTML pages (same statuses as the API's problems).

    A person following a stale link should see a page that says what is missing and where to
    go, not a problem+json document.
    """

    #: How the access guard answers a refusal on a page (a page too, for browsers).
    refusal_page = staticmethod(refusal_page)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, with imagesteward and validation errors rendered as pages."""
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except ImageStewardError as exc:
                status, _ = status_of(exc)
                if status >= 500:
                    log.error(
                        "%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc
                    )
                    detail = "The server could not show this page; its log has the details."
                else:
                    detail = exc.message
                return _error_page(request, status, detail)
            except RequestValidationError as exc:
                issues = "; ".join(
                    f"{'.'.join(map(str, issue.get('loc', ())))}: {issue.get('msg', '')}"
                    for issue in exc.errors()[:5]
                )
                return _error_page(request, 422, f"The address is malformed: {issues}.")

        return page


_TITLES = {404: "Not found", 409: "Conflict", 422: "Malformed address", 503: "Busy"}


def _error_page(request: Request, status: int, detail: str) -> Response:
    title = _TITLES.get(status, "Server error")
    context = {"title": title, "status": status, "detail": detail}
    return site_of(request).render(request, "error.html", context, status=status)


class RouteGroup(BaseRoute):
    """Routes matched as one entry of the application's routing table."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.router = Router(routes=list(routes))

    @property
    def routes(self) -> list[BaseRoute]:
        """The grouped routes."""
        return self.router.routes

    @property
    def methods(self) -> set[str]:
        """What the group's routes answer (read by the 405 handler for ``Allow``)."""
        return {"GET", "HEAD"}

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """FULL when a grouped route matches, PARTIAL when one matches the path only."""
        best = Match.NONE
        for route in self.router.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return Match.FULL, {}
            if match is Match.PARTIAL:
                best = Match.PARTIAL
        return best, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch to the grouped route (the inner router matches again: a few regexes)."""
        await self.router.app(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        """URLs of the grouped routes by name."""
        return self.router.url_path_for(name, **path_params)
