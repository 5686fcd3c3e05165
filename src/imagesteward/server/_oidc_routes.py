"""Signing in through an OpenID Connect provider: ``/auth/oidc/login`` and ``/callback``.

Off unless the settings name an issuer and a client id: then both routes answer 404, as for
any path that does not exist. A successful callback ends like a password sign-in: an
admin-scoped session token in the ``HttpOnly`` session cookie plus the CSRF cookie.

Both answer a tiny page that moves on by itself (``Refresh``) rather than a redirect: after
the provider's cross-site redirect, a navigation started by our own page is same-site, so the
``SameSite=Strict`` session cookie is sent with it; and ``Referrer-Policy: no-referrer`` keeps
the callback's code and state out of the next request's ``Referer``.
"""

from __future__ import annotations

import hmac
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from imagesteward.access import FacilityRole, Scope
from imagesteward.errors import AuthenticationError, NotFoundError
from imagesteward.server._oidc import FLOW_COOKIE, FLOW_LIFETIME_SECONDS, OidcProvider, PendingLogin
from imagesteward.server._routing import problems
from imagesteward.server._sessions import SESSION_LIFETIME, set_session_cookies

__all__ = ["CALLBACK_PATH", "LOGIN_PATH", "oidc_provider", "router", "sign_in_option"]

LOGIN_PATH = "/auth/oidc/login"
CALLBACK_PATH = "/auth/oidc/callback"
_FLOW_COOKIE_PATH = "/auth/oidc"

router = APIRouter()

_MOVING_ON: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page that moves on by itself (Refresh header) to the identity "
        "provider, or, signed in, to the start page.",
        "content": {"text/html": {"schema": {"type": "string"}}},
    }
}
_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "The sign-in was refused or could not be verified (problem+json).",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
}


def oidc_provider(request: Request) -> OidcProvider | None:
    """The application's OIDC provider, made once from its settings; ``None`` when off."""
    state = request.app.state
    if not hasattr(state, "oidc_provider"):
        state.oidc_provider = OidcProvider.of(state.resources.installation.settings)
    provider: OidcProvider | None = state.oidc_provider
    return provider


def sign_in_option(request: Request) -> dict[str, str] | None:
    """What the sign-in page offers for OIDC (``url``, provider ``name``), ``None`` when off."""
    provider = oidc_provider(request)
    if provider is None:
        return None
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return {"url": f"{root}{LOGIN_PATH}", "name": provider.name}


def _configured(request: Request) -> OidcProvider:
    provider = oidc_provider(request)
    if provider is None:
        raise NotFoundError("OpenID Connect sign-in is not configured on this server.")
    return provider


def _redirect_uri(request: Request) -> str:
    public = request.app.state.resources.installation.settings.public_url
    if public:
        return f"{public.rstrip('/')}{CALLBACK_PATH}"
    return str(request.url_for("oidc_callback"))


def _moving_on(url: str, provider: OidcProvider | None) -> HTMLResponse:
    """A page sending the browser on to ``url`` at once (``Refresh``), with a link as well."""
    where = f"Continue to {escape(provider.name)}" if provider else "Signed in: continue"
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={escape(url)}">'
        f"<title>{where}</title></head>"
        f'<body><p><a href="{escape(url)}">{where}</a></p></body></html>'
    )
    headers = {
        "Refresh": f"0;url={url}",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(page, headers=headers)


def _remote(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get(LOGIN_PATH, tags=["access"], responses={**_MOVING_ON, **problems(404)})
def oidc_login(request: Request) -> HTMLResponse:
    """Start signing in at the identity provider (authorization code with PKCE)."""
    provider = _configured(request)
    pending = PendingLogin.new()
    response = _moving_on(provider.authorization_url(pending, _redirect_uri(request)), provider)
    # Lax, not Strict: the provider sends the browser back with a cross-site navigation.
    response.set_cookie(
        FLOW_COOKIE, pending.cookie_value(), max_age=FLOW_LIFETIME_SECONDS, path=_FLOW_COOKIE_PATH,
        httponly=True, secure=request.url.scheme == "https", samesite="lax",
    )  # fmt: skip
    return response


@router.get(
    CALLBACK_PATH,
    tags=["access"],
    name="oidc_callback",
    responses={**_MOVING_ON, **_UNAUTHORIZED, **problems(404)},
)
def oidc_callback(
    request: Request,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=256)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> HTMLResponse:
    """Finish signing in: check the provider's answer and start a session."""
    provider = _configured(request)
    settings = request.app.state.resources.installation.settings
    access = request.app.state.access
    remote = _remote(request)
    if access.oidc_throttled(remote):
        raise access.refuse_oidc("throttled", remote=remote)
    pending = PendingLogin.from_cookie(request.cookies.get(FLOW_COOKIE))
    if error is not None:
        raise access.refuse_oidc(f"the provider answered {error!r}", remote=remote)
    if (
        pending is None
        or state is None
        or not code
        or not hmac.compare_digest(state.encode(), pending.state.encode())
    ):
        raise access.refuse_oidc(
            "no sign-in is in progress in this browser, or its state does not match; "
            "start again from the sign-in page",
            remote=remote,
        )
    try:
        identity = provider.identity(pending, code, _redirect_uri(request))
    except AuthenticationError as refused:
        raise access.refuse_oidc(str(refused), remote=remote) from refused
    principal = access.login_oidc(
        identity,
        new_user_role=FacilityRole(settings.oidc_new_user_role),
        link_existing=settings.oidc_link_existing,
        remote=remote,
    )
    assert principal.username is not None
    _, token = access.create_token(
        principal.username, Scope.ADMIN, expires_in=SESSION_LIFETIME, label="web session (oidc)",
        acting=principal, remote=remote,
    )  # fmt: skip
    response = _moving_on("/", None)
    response.delete_cookie(FLOW_COOKIE, path=_FLOW_COOKIE_PATH)
    set_session_cookies(response, token, secure=request.url.scheme == "https")
    return response
