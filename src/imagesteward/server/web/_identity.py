"""Who the page is for: the signed-in account (or reviewer, or nobody) every page shows.

Read from what the access guard found for the request; without access control no guard runs,
nobody signs in, and every page says so by showing no account menu at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from imagesteward.access import ANONYMOUS, Principal
from imagesteward.server._access_control import PRINCIPAL_KEY

__all__ = ["SignedIn", "access_control_on", "principal_of", "signed_in"]


@dataclass(frozen=True, slots=True)
class SignedIn:
    """What the header shows: the account, or that a reviewer link is in use, or nothing.

    ``here`` is the page's own path and query: where signing in comes back to.
    """

    access_control: bool
    here: str
    username: str | None = None
    facility_role: str | None = None
    reviewer: bool = False


def access_control_on(request: Request) -> bool:
    """Whether this application enforces access control (the ``access_control`` setting)."""
    resources = getattr(request.app.state, "resources", None)
    if resources is None:
        return False
    return bool(resources.installation.settings.access_control)


def principal_of(request: Request) -> Principal:
    """The caller as the access guard authenticated it (anonymous without access control)."""
    principal = request.scope.get(PRINCIPAL_KEY)
    return principal if isinstance(principal, Principal) else ANONYMOUS


def signed_in(request: Request) -> SignedIn:
    """The header's account menu for this request."""
    principal = principal_of(request)
    query = request.url.query
    return SignedIn(
        access_control=access_control_on(request),
        here=request.url.path + (f"?{query}" if query else ""),
        username=principal.username,
        facility_role=None if principal.facility_role is None else principal.facility_role.value,
        reviewer=bool(principal.reviewer_datasets),
    )
