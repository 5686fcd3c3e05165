"""Refusals as pages: what a person sees when the access guard says no.

An object the caller may not see is "not found", word for word and page for page as a
missing one (so refusing never reveals that something exists); an anonymous visitor is offered
the login on that page, whether the object exists or not. A session that has ended (expired,
revoked) sends the browser to the login and back; a reviewer link that has ended says so.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from imagesteward.errors import AuthenticationError, ImageStewardError
from imagesteward.server._problems import status_of
from imagesteward.server._review_cookie import REVIEW_COOKIE, review_link
from imagesteward.server._sessions import CSRF_COOKIE, SESSION_COOKIE
from imagesteward.server.web._site import Site

__all__ = ["ERROR_TITLES", "login_url", "refusal_page", "safe_next"]

log = logging.getLogger(__name__)

ERROR_TITLES = {
    401: "Sign-in needed",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    422: "Malformed address",
    503: "Busy",
}


def safe_next(value: str | None, root: str = "") -> str:
    r"""Where to go after signing in: a local path of this site, else the home page.

    Only a path below the application's root is followed, never another origin: ``//host``
    and ``/\host`` (which browsers read as another host), schemes, and control characters
    are all refused, so the login cannot be turned into an open redirect.
    """
    home = f"{root}/"
    if not value or not value.startswith(f"{root}/") or len(value) > 2000:
        return home
    if value.startswith(("//", "/\\")) or value[1:2] in {"/", "\\"}:
        return home
    if any(ord(c) < 0x20 or c in {"\x7f", "\\"} for c in value):
        return home
    return value


def login_url(request: Request, target: str | None = None) -> str:
    """The login page, coming back to ``target`` (default: the requested page)."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    if target is None:
        query = request.url.query
        target = request.url.path + (f"?{query}" if query else "")
    return f"{root}/login?next={quote(safe_next(target, root), safe='/')}"


def refusal_page(request: Request, exc: ImageStewardError) -> Response:
    """The page answering ``exc`` raised while deciding a page request."""
    site: Site = request.app.state.web_site
    if isinstance(exc, AuthenticationError) and not request.headers.get("authorization"):
        if request.cookies.get(SESSION_COOKIE):
            # The session has ended: sign in again, then come back here.
            response: Response = RedirectResponse(login_url(request), status_code=303)
            response.delete_cookie(SESSION_COOKIE)
            response.delete_cookie(CSRF_COOKIE)
            return response
        if review_link(request):
            context: dict[str, object] = {"title": "Reviewer link ended", "detail": exc.message}
            response = site.render(request, "review_ended.html", context, status=403)
            response.delete_cookie(REVIEW_COOKIE)
            return response
    status, _ = status_of(exc)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
        detail = "The server could not show this page; its log has the details."
    else:
        detail = exc.message
    context = {
        "title": ERROR_TITLES.get(status, "Server error"),
        "status": status,
        "detail": detail,
    }
    return site.render(request, "error.html", context, status=status)
