"""Errors the client raises: the server's problem documents, as imagesteward errors.

A 404 is a :class:`ApiNotFoundError`, which is also the library's
:class:`~imagesteward.errors.NotFoundError` (and so a ``LookupError``): code written against
the catalog handles a missing image the same way whether it is local or remote.
"""

from __future__ import annotations

from typing import Any

import httpx

from imagesteward.errors import ConflictError, ImageStewardError, NotFoundError

__all__ = [
    "ApiConflictError",
    "ApiError",
    "ApiNotFoundError",
    "ApiRequestError",
    "raise_for_problem",
]


class ApiError(ImageStewardError):
    """The server refused or failed a request.

    Attributes
    ----------
    status
        The HTTP status.
    problem
        The RFC 9457 problem document (``type``, ``title``, ``detail``, ``details``...).
    """

    def __init__(self, message: str, *, status: int, problem: dict[str, Any]) -> None:
        super().__init__(message, status=status, problem=problem)
        self.status = status
        self.problem = problem


class ApiNotFoundError(ApiError, NotFoundError):
    """404: no such image, file, project or Zarr key."""


class ApiConflictError(ApiError, ConflictError):
    """409: the request conflicts with the catalog's state."""


class ApiRequestError(ApiError, ValueError):
    """422: the request's parameters are malformed; ``problem["errors"]`` lists each issue."""


_BY_STATUS: dict[int, type[ApiError]] = {
    404: ApiNotFoundError,
    409: ApiConflictError,
    422: ApiRequestError,
}


def raise_for_problem(response: httpx.Response) -> None:
    """Raise the matching :class:`ApiError` for an error response; return for success."""
    if response.is_success or response.status_code == 304:
        return
    try:
        response.read()
        problem = response.json()
        if not isinstance(problem, dict):
            raise TypeError(problem)
    except (ValueError, TypeError):
        problem = {"status": response.status_code, "detail": response.text[:500]}
    detail = str(problem.get("detail") or problem.get("title") or response.reason_phrase)
    kind = _BY_STATUS.get(response.status_code, ApiError)
    raise kind(
        f"{response.request.method} {response.request.url} -> {response.status_code}: {detail}",
        status=response.status_code,
        problem=problem,
    )
