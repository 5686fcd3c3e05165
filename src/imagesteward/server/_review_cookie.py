"""Reviewer links in a browser: the link's secret kept in a cookie bound to that link.

A reviewer opens ``/review#isr_...`` (the secret travels in the URL's fragment, which browsers
never send to the server: it stays out of access logs, proxies and ``Referer`` headers). The
page posts it once to ``POST /api/v1/review``, which checks it and sets this cookie; from then
on the browser presents the link with every request - pages, thumbnails, tiles, OME-Zarr - and
the access guard treats it exactly as ``Authorization: Bearer isr_...``: read-only, that one
dataset (plus what is public anyway), until the link expires or is revoked.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from imagesteward.access import REVIEWER_PREFIX

__all__ = ["REVIEW_COOKIE", "review_link"]

REVIEW_COOKIE = "imagesteward_review"


def review_link(connection: HTTPConnection) -> str | None:
    """The reviewer link a request carries in its cookie, if any (only an ``isr_`` secret).

    The cookie gives read-only access; a write presented with it is refused by the policy
    (reviewers never write), so no CSRF echo is needed.
    """
    link = connection.cookies.get(REVIEW_COOKIE)
    if not link or not link.startswith(f"{REVIEWER_PREFIX}_"):
        return None
    return link
