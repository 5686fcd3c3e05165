"""Signing in and out of the web UI: ``POST`` and ``DELETE /api/v1/session``."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from pydantic import Field

from imagesteward.access import Scope
from imagesteward.errors import AuthenticationError
from imagesteward.server._api_access import Me, me_of
from imagesteward.server._present import API
from imagesteward.server._routing import problems
from imagesteward.server._schemas import _Input
from imagesteward.server._sessions import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_LIFETIME,
    set_session_cookies,
)

__all__ = ["router"]

router = APIRouter(prefix=API)

_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "Unknown user name or wrong password (problem+json).",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
}


class Credentials(_Input):
    """A user name and password."""

    username: str = Field(min_length=1, max_length=256)
    password: str = Field(min_length=1, max_length=1024, repr=False)


def _remote(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post("/session", tags=["access"], responses={**_UNAUTHORIZED, **problems()})
def sign_in(
    request: Request, response: Response, credentials: Annotated[Credentials, Body()]
) -> Me:
    """Sign in: sets the session cookie (HttpOnly) and the CSRF cookie the page echoes."""
    access = request.app.state.access
    principal = access.login(credentials.username, credentials.password, remote=_remote(request))
    assert principal.username is not None
    _, token = access.create_token(
        principal.username,
        Scope.ADMIN,
        expires_in=SESSION_LIFETIME,
        label="web session",
        acting=principal,
        remote=_remote(request),
    )
    set_session_cookies(response, token, secure=request.url.scheme == "https")
    return me_of(principal)


@router.delete("/session", tags=["access"], status_code=204, responses=problems())
def sign_out(request: Request, response: Response) -> None:
    """Sign out: the session's token is revoked and both cookies are cleared."""
    token = request.cookies.get(SESSION_COOKIE)
    access = request.app.state.access
    if token:
        # Only the holder of the whole secret may end a session: key ids are not secret.
        with contextlib.suppress(AuthenticationError):
            principal = access.authenticate_token(token, remote=_remote(request))
            key_id = token.split("_")[1]
            access.revoke_token(key_id, acting=principal, remote=_remote(request))
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
