"""Route plumbing shared by every router: HEAD on GET routes, documented problems, services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from imagesteward.server._problems import PROBLEM_MEDIA_TYPE
from imagesteward.server._services import Services
from imagesteward.server._viewer import Viewer, current_viewer

__all__ = ["ReadRoute", "ServicesDep", "binary", "get_services", "problems", "root_of"]

_DESCRIPTIONS = {
    304: "Not Modified: the If-None-Match entity tag is current; no body.",
    400: "Bad Request: the request body cannot be parsed at all (problem+json).",
    404: "Not Found (problem+json).",
    409: "Conflict (problem+json).",
    416: "Range Not Satisfiable (problem+json, Content-Range: bytes */size).",
    422: "Unprocessable Content: malformed parameters (problem+json, with every issue).",
    503: "Service Unavailable: the catalog is busy or being upgraded; retry (problem+json).",
}


class ReadRoute(APIRoute):
    """An API route that also answers HEAD wherever it answers GET (RFC 9110 §9.3.2).

    FastAPI routes answer exactly the methods they list, and listing HEAD would document a
    second operation per path; matching HEAD as GET keeps the OpenAPI document one operation
    per resource while every GET resource (originals, Zarr keys, tiles) can be probed.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match HEAD as GET; the endpoint still sees HEAD and sends no body."""
        if scope["type"] == "http" and scope["method"] == "HEAD" and "GET" in (self.methods or ()):
            return super().matches({**scope, "method": "GET"})
        return super().matches(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the endpoint for HEAD too (Starlette would refuse a method not listed)."""
        if scope["type"] == "http" and scope["method"] == "HEAD" and "GET" in (self.methods or ()):
            await self.app(scope, receive, send)
            return
        await super().handle(scope, receive, send)


async def get_services(
    request: Request, viewer: Annotated[Viewer, Depends(current_viewer)]
) -> Services:
    """The service layer for this request's viewer (FastAPI dependency)."""
    return Services(request.app.state.resources, viewer)


ServicesDep = Annotated[Services, Depends(get_services)]


def root_of(request: Request) -> str:
    """The ASGI root path (the proxy prefix the app is mounted at), without a trailing slash."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem+json errors (422 and 503 always apply)."""
    documented = sorted({*codes, 422, 503})
    return {
        code: {
            "description": _DESCRIPTIONS[code],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if code != 304
        else {"description": _DESCRIPTIONS[code]}
        for code in documented
    }


def binary(*media_types: str, partial: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a binary 200 (and 206 when ranges are served)."""
    content = {media: {"schema": {"type": "string", "format": "binary"}} for media in media_types}
    headers = {
        "ETag": {"description": "Strong entity tag.", "schema": {"type": "string"}},
        "Cache-Control": {"description": "Caching policy.", "schema": {"type": "string"}},
    }
    responses: dict[int | str, dict[str, Any]] = {
        200: {"description": "The bytes.", "content": content, "headers": headers}
    }
    if partial:
        responses[206] = {
            "description": "Partial Content: the requested byte range (Content-Range).",
            "content": content,
            "headers": {
                **headers,
                "Content-Range": {
                    "description": "bytes start-end/size",
                    "schema": {"type": "string"},
                },
            },
        }
    return responses
