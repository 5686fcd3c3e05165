"""Web sessions: a short-lived API token in an HttpOnly cookie, with a CSRF double submit.

Signing in (``POST /api/v1/session``) checks the password and issues an admin-scoped token
that expires after :data:`SESSION_LIFETIME`; the browser keeps it in an ``HttpOnly``,
``SameSite=Strict`` cookie that scripts cannot read. A second cookie carries a random CSRF
value that the page's own script must echo in the ``X-CSRF-Token`` header of every request
that changes something: another site can make the browser send cookies, but cannot read them
to echo the value. Signing out revokes the token, so a copied cookie dies with the session.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from starlette.requests import HTTPConnection
from starlette.responses import Response

from imagesteward.errors import PermissionDeniedError

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "SESSION_LIFETIME",
    "new_csrf_value",
    "session_token",
    "set_session_cookies",
]

SESSION_COOKIE = "imagesteward_session"
CSRF_COOKIE = "imagesteward_csrf"
CSRF_HEADER = "x-csrf-token"
#: A working day: long enough not to interrupt, short enough that a forgotten session ends.
SESSION_LIFETIME = timedelta(hours=12)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_csrf_value() -> str:
    """A fresh CSRF value for a new session."""
    return secrets.token_urlsafe(32)


def set_session_cookies(response: Response, token: str, *, secure: bool) -> None:
    """Give the browser a signed-in session: the token (HttpOnly) and a fresh CSRF value."""
    max_age = int(SESSION_LIFETIME.total_seconds())
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, secure=secure, samesite="strict"
    )
    response.set_cookie(
        CSRF_COOKIE, new_csrf_value(), max_age=max_age, secure=secure, samesite="strict"
    )


def session_token(connection: HTTPConnection) -> str | None:
    """The session token a request carries in its cookie, if any.

    Raises
    ------
    PermissionDeniedError
        For a request that changes something with a session cookie but without the CSRF
        header matching its CSRF cookie.
    """
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    method = connection.scope.get("method", "GET")
    if method not in SAFE_METHODS:
        expected = connection.cookies.get(CSRF_COOKIE, "")
        presented = connection.headers.get(CSRF_HEADER, "")
        if not expected or not hmac.compare_digest(expected.encode(), presented.encode()):
            raise PermissionDeniedError(
                f"This request changes something but lacks the {CSRF_HEADER} header matching "
                f"the {CSRF_COOKIE} cookie; reload the page and try again."
            )
    return token
