"""Who is asking: every route obtains a :class:`Viewer` through :func:`current_viewer`.

There is no authentication yet, so everyone is the anonymous viewer. Authorization will replace
this one dependency (identify the caller) and add the policy check to the service layer, which
receives the viewer with every call; no route has to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

__all__ = ["ANONYMOUS", "Viewer", "current_viewer"]


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person (or client) on whose behalf a request runs.

    Attributes
    ----------
    identity
        A stable identifier (ORCID, e-mail, service name); ``None`` for an anonymous visitor.
    """

    identity: str | None = None

    @property
    def anonymous(self) -> bool:
        """Whether nobody has been identified."""
        return self.identity is None


ANONYMOUS = Viewer()


async def current_viewer(connection: HTTPConnection) -> Viewer:
    """The viewer of a request (FastAPI dependency); anonymous until authentication exists."""
    del connection  # authentication will read its credentials from here
    return ANONYMOUS
