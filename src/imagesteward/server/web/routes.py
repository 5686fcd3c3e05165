"""The web UI's pages: home, browser, image page; and two documents the image page links to.

Every route is thin: it asks the request's :class:`~imagesteward.server.Services` (the layer
the REST API uses), shapes the answer for a template and renders it. Pages are HTML; the
viewer then talks to the REST API (``/view``, tiles) like any other client.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from imagesteward.server._api_catalog import ImageRefPath
from imagesteward.server._api_images import _attachment
from imagesteward.server._conditional import CACHE_LONG, CACHE_REVALIDATE, strong_etag
from imagesteward.server._files import MemoryBytes, not_modified, send
from imagesteward.server._routing import ReadRoute, ServicesDep, root_of
from imagesteward.server._schemas import ImageQuery, SearchText
from imagesteward.server._tile_params import rendering_etag
from imagesteward.server.web import _describe_pages, _search_page
from imagesteward.server.web._access_pages import (
    may_delete,
    place_access,
    visibility_views,
    visible_totals,
)
from imagesteward.server.web._describe_pages import image_panel
from imagesteward.server.web._image_page import image_page, napari_snippets
from imagesteward.server.web._routing import PageRoute, site_of
from imagesteward.server.web._site_data import catalog_stats, original_metadata, recent_images

__all__ = ["HISTOGRAM_BINS", "documents", "pages"]

#: Images on the home page and per browser page (a multiple of 2, 3, 4 and 6 columns).
RECENT_IMAGES = 12
BROWSE_PAGE = 24
#: Bins of the histograms under the viewer's contrast sliders.
HISTOGRAM_BINS = 256

pages = APIRouter(route_class=PageRoute, include_in_schema=False)
documents = APIRouter(route_class=ReadRoute, include_in_schema=False)
# The describe and search pages live in modules of their own and are served with these.
pages.routes.extend([*_describe_pages.pages.routes, *_search_page.pages.routes])


class BrowseQuery(BaseModel):
    """The browser's filters; an empty form field means "no filter"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project: SearchText | None = None
    dataset: SearchText | None = None
    q: SearchText | None = None
    cursor: SearchText | None = None
    limit: int = Field(default=BROWSE_PAGE, ge=1, le=200)

    @field_validator("project", "dataset", "q", "cursor", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


@pages.get("/")
def home(request: Request, services: ServicesDep) -> Response:
    """Totals, projects, instruments and the most recently added images."""
    # Under access control, totals count only what the caller may list.
    restricted = services.viewer.readable is not None
    context = {
        "title": "Home",
        "stats": visible_totals(services) if restricted else catalog_stats(services),
        "projects": services.projects(),
        "instruments": services.instruments(),
        "recent": recent_images(services, RECENT_IMAGES),
        "visibility": visibility_views(request),
    }
    return site_of(request).render(request, "home.html", context)


@pages.get("/browse")
def browse(
    request: Request, services: ServicesDep, query: Annotated[BrowseQuery, Query()]
) -> Response:
    """Projects and datasets, and a page of the images they (or a name search) select."""
    listing = ImageQuery(
        project=query.project,
        dataset=query.dataset,
        q=query.q,
        limit=query.limit,
        cursor=query.cursor,
    )
    result = services.images(listing)
    filters = {
        key: value
        for key, value in (("project", query.project), ("dataset", query.dataset), ("q", query.q))
        if value is not None
    }
    if query.limit != BROWSE_PAGE:
        filters["limit"] = str(query.limit)
    path = f"{root_of(request)}/browse"
    following = None
    if result.next_cursor is not None:
        following = f"{path}?{urlencode({**filters, 'cursor': result.next_cursor})}"
    place = query.dataset or query.project
    title = place or "All images"
    if query.q:
        title = f"Images named “{query.q}”" + (f" in {place}" if place else "")
    context = {
        "title": title,
        "query": query,
        "first_page": f"{path}?{urlencode(filters)}" if query.cursor else None,
        # The search cleared, the place kept.
        "clear_search": f"{path}?{urlencode({k: v for k, v in filters.items() if k != 'q'})}",
        "projects": services.projects(),
        "datasets": services.datasets(None),
        "images": result.items,
        "next_page": following,
        "visibility": visibility_views(request),
        "place": place_access(request, query.project, query.dataset),
    }
    return site_of(request).render(request, "browse.html", context)


@pages.get("/images/{image}")
def image(request: Request, services: ServicesDep, image: ImageRefPath) -> Response:
    """The image's metadata by REMBI section, its files and renditions, and the viewer."""
    origin = str(request.base_url).rstrip("/")
    page = image_page(services, image, root=root_of(request), origin=origin)
    shell, python = napari_snippets(page.zarr_url) if page.zarr_url else ("", "")
    context = {
        "title": page.record.name or page.record.uuid,
        "page": page,
        "napari_shell": shell,
        "napari_python": python,
        "viewer_json": json.dumps(page.viewer, separators=(",", ":")) if page.viewer else "",
        "visibility": visibility_views(request).get((page.record.project, page.record.dataset)),
        "describe": image_panel(request, page.record),
        "can_delete": may_delete(request, page.record.project, page.record.dataset),
    }
    return site_of(request).render(request, "image.html", context)


@pages.get("/images/{image}/original-metadata")
def download_original_metadata(
    request: Request, services: ServicesDep, image: ImageRefPath
) -> Response:
    """The complete original metadata document of the image's files, as the reader found it."""
    document = original_metadata(services, services.image(image))
    assert document.content is not None  # original_metadata refuses documents without bytes
    return send(
        request,
        MemoryBytes(document.content),
        etag=strong_etag(document.sha256),
        cache_control=CACHE_REVALIDATE,
        media_type=document.media_type,
        headers={"Content-Disposition": _attachment(document.name)},
    )


@documents.get("/images/{image}/histograms/{channel}.json")
def histogram(
    request: Request,
    services: ServicesDep,
    image: ImageRefPath,
    channel: Annotated[int, Path(ge=0, le=1_000_000)],
) -> Response:
    """A channel's histogram (coarsest level, up to 8 planes) for the viewer's auto-contrast."""
    _, location = services.rendition_of(image)
    etag = rendering_etag(
        location.plan, location.series_path, services.version, "histogram", channel, HISTOGRAM_BINS
    )
    cached = not_modified(request, etag, CACHE_LONG)
    if cached is not None:
        return cached
    edges, counts = services.renderer.histogram(
        location.url, location.series_path, channel, bins=HISTOGRAM_BINS
    )
    body = {"channel": channel, "edges": edges.tolist(), "counts": counts.tolist()}
    data = json.dumps(body, separators=(",", ":")).encode()
    return send(
        request,
        MemoryBytes(data),
        etag=etag,
        cache_control=CACHE_LONG,
        media_type="application/json",
    )
