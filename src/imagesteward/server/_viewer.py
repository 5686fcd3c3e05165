"""Who is asking: every route obtains a :class:`Viewer` through :func:`current_viewer`.

The access-control guard (``_access_control``) identifies the caller and decides each route
before it runs; this dependency hands what it found to the service layer, which filters
listings with it. Without access control everyone is the anonymous, unrestricted viewer.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from imagesteward.access import ANONYMOUS as ANONYMOUS_PRINCIPAL
from imagesteward.access import Principal
from imagesteward.server._access_control import (
    PRINCIPAL_KEY,
    READABLE_KEY,
    READABLE_PROJECTS_KEY,
)

__all__ = ["ANONYMOUS", "Viewer", "current_viewer"]


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person (or client) on whose behalf a request runs.

    Attributes
    ----------
    identity
        A stable identifier (ORCID, e-mail, service name); ``None`` for an anonymous visitor.
    principal
        The caller as the access policy sees it.
    readable
        For listings under access control: the datasets the caller may list (the service
        layer shows nothing else); ``None`` when nothing is restricted.
    readable_projects
        Likewise, the projects whose own entries (studies) the caller may list.
    """

    identity: str | None = None
    principal: Principal = ANONYMOUS_PRINCIPAL
    readable: frozenset[int] | None = None
    readable_projects: frozenset[int] | None = None

    @property
    def anonymous(self) -> bool:
        """Whether nobody has been identified."""
        return self.identity is None


ANONYMOUS = Viewer()


async def current_viewer(connection: HTTPConnection) -> Viewer:
    """The viewer of a request (FastAPI dependency), as the access-control guard found it.

    Without access control (no guard ran) everyone is the unrestricted anonymous viewer.
    """
    principal = connection.scope.get(PRINCIPAL_KEY)
    if principal is None:
        return ANONYMOUS
    return Viewer(
        identity=principal.username,
        principal=principal,
        readable=connection.scope.get(READABLE_KEY),
        readable_projects=connection.scope.get(READABLE_PROJECTS_KEY),
    )
