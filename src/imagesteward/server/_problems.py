"""The one place errors become HTTP: RFC 9457 ``application/problem+json`` for every failure.

Routes and services raise :class:`~imagesteward.errors.ImageStewardError` subclasses (or let
FastAPI's validation and Starlette's routing raise theirs); the handlers installed here turn each
into a problem document with the status the table below assigns. Nothing else in the server
chooses an error status.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.routing import Match

from imagesteward import errors

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "Problem",
    "RangeNotSatisfiableError",
    "install_problem_handlers",
    "problem_response",
    "status_of",
]

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://w3id.org/imagesteward/problems/"


class RangeNotSatisfiableError(errors.ImageStewardError, ValueError):
    """A byte range that lies wholly beyond the end of the resource (HTTP 416)."""

    def __init__(self, message: str, *, size: int) -> None:
        super().__init__(message, size=size)
        self.size = size


# Most specific first: the first class an error is an instance of decides its status. Errors
# caused by the request are 4xx; errors of this installation (settings, corrupt store) are 5xx,
# and a database that is busy or being upgraded is 503, which clients may retry.
_STATUS: tuple[tuple[type[errors.ImageStewardError], int, str], ...] = (
    (errors.NotFoundError, 404, "not-found"),
    (errors.AuthenticationError, 401, "unauthorized"),
    (errors.InvalidCredentialError, 422, "unprocessable-content"),
    (errors.PermissionDeniedError, 403, "forbidden"),
    (errors.AccessError, 403, "forbidden"),
    (errors.ConflictError, 409, "conflict"),
    (RangeNotSatisfiableError, 416, "range-not-satisfiable"),
    (errors.RenditionNotFoundError, 404, "not-found"),
    (errors.RenderRequestError, 422, "unprocessable-content"),
    (errors.FormatError, 422, "unprocessable-content"),
    (errors.MetadataValidationError, 422, "unprocessable-content"),
    (errors.SearchQueryError, 422, "unprocessable-content"),
    (errors.InvalidPidError, 422, "unprocessable-content"),
    # A term the request named: unknown, or from another ontology than the field requires.
    (errors.UnknownTermError, 422, "unprocessable-content"),
    (errors.WrongOntologyError, 422, "unprocessable-content"),
    (errors.StoreLockedError, 503, "service-unavailable"),
    (errors.SchemaOutdatedError, 503, "service-unavailable"),
    (errors.IntegrityError, 500, "integrity"),
    (errors.CatalogError, 503, "service-unavailable"),
    (errors.ConfigurationError, 500, "configuration"),
    (errors.ImageStewardError, 500, "internal"),
)

_TITLES = {
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ValidationIssue(BaseModel):
    """One reason the request was refused by validation."""

    model_config = ConfigDict(extra="forbid")

    loc: list[str | int] = Field(description="Where: ['query', 'limit'], ['path', 'image']...")
    msg: str = Field(description="What is wrong, in a sentence.")
    type: str = Field(description="Machine-readable kind of the issue.")


class Problem(BaseModel):
    """An RFC 9457 problem document, the body of every error response."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.", ge=400, le=599)
    detail: str = Field(description="What went wrong in this request, with the evidence.")
    instance: str | None = Field(default=None, description="The request path.")
    error: str | None = Field(
        default=None, description="The imagesteward error class (e.g. NotFoundError)."
    )
    details: dict[str, Any] | None = Field(
        default=None, description="Structured facts about the error (the value, the limit...)."
    )
    errors: list[ValidationIssue] | None = Field(
        default=None, description="Every validation issue, when the request was malformed."
    )


def status_of(exc: errors.ImageStewardError) -> tuple[int, str]:
    """The HTTP status and problem slug of an imagesteward error."""
    for kind, status, slug in _STATUS:
        if isinstance(exc, kind):
            return status, slug
    return 500, "internal"  # unreachable: ImageStewardError closes the table


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    instance: str | None = None,
    error: str | None = None,
    details: Mapping[str, Any] | None = None,
    issues: list[ValidationIssue] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    title = _TITLES.get(status, "Error")
    problem = Problem(
        type=PROBLEM_BASE + (slug or _slug(title)),
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        error=error,
        details=_json_safe(details) if details else None,
        errors=issues,
    )
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_MEDIA_TYPE,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the app can meet through :func:`problem_response`."""
    app.add_exception_handler(errors.ImageStewardError, _imagesteward_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _imagesteward_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.ImageStewardError)
    status, slug = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RangeNotSatisfiableError):
        headers["Content-Range"] = f"bytes */{exc.size}"
    if isinstance(exc, errors.AuthenticationError):
        headers["WWW-Authenticate"] = 'Bearer realm="imagesteward"'  # RFC 9110 §11.6.1
    if status == 503:
        headers["Retry-After"] = "5"
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
    return problem_response(
        status,
        exc.message,
        slug=slug,
        instance=request.url.path,
        error=type(exc).__name__,
        details=exc.details,
        headers=headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = [
        ValidationIssue(
            loc=[part if isinstance(part, int) else str(part) for part in issue.get("loc", ())],
            msg=str(issue.get("msg", "")),
            type=str(issue.get("type", "")),
        )
        for issue in exc.errors()
    ]
    summary = "; ".join(f"{'.'.join(map(str, i.loc))}: {i.msg}" for i in issues[:5])
    return problem_response(
        422,
        f"The request is malformed: {summary}." if summary else "The request is malformed.",
        instance=request.url.path,
        error="RequestValidationError",
        issues=issues,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the first matching route's methods; several routes can share a
        # path, and HEAD is answered wherever GET is.
        headers["Allow"] = ", ".join(_allowed_methods(request))
    detail = exc.detail
    if exc.status_code == 404:
        detail = f"Nothing at {request.url.path}; the API is described at /api/v1/docs."
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; use {headers['Allow']}."
    return problem_response(exc.status_code, detail, instance=request.url.path, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # A bug: say so without leaking internals, and keep the traceback in the server's log.
    log.error("%s %s failed unexpectedly", request.method, request.url.path, exc_info=exc)
    return problem_response(
        500,
        f"An unexpected {type(exc).__name__} occurred; the server log has the details.",
        slug="internal",
        instance=request.url.path,
        error=type(exc).__name__,
    )


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "\x00"})
        if match is Match.PARTIAL and getattr(route, "methods", None):
            methods.update(route.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z]+", "-", title.lower()).strip("-")


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
