"""Rendered images: thumbnails, map tiles (``level/t/z/x/y``) and the view a viewer starts from.

The work is the render capability's; these routes translate URLs into its requests, and give
every rendering an entity tag computed from its parameters, so revalidation never renders.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from imagesteward.errors import NotFoundError
from imagesteward.server._api_catalog import ImageRefPath
from imagesteward.server._conditional import CACHE_LONG
from imagesteward.server._files import MemoryBytes, not_modified, send
from imagesteward.server._image_view import ViewOut, view_out
from imagesteward.server._present import API
from imagesteward.server._routing import ReadRoute, ServicesDep, binary, problems, root_of
from imagesteward.server._tile_params import (
    CHANNELS_PATTERN,
    Extension,
    channel_settings,
    rendering_etag,
)

__all__ = ["router"]

router = APIRouter(prefix=API, route_class=ReadRoute)

_IMAGES = ("image/jpeg", "image/png", "image/webp")
Index = Annotated[int, Path(ge=0, le=1_000_000)]


class TileQuery(BaseModel):
    """How to draw a tile."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    c: str | None = Field(
        default=None,
        pattern=CHANNELS_PATTERN,
        description="Channels: index|RRGGBB|start:end|gamma, comma-separated; '-' before an "
        "index hides it. Default: the image's channels and windows.",
    )
    q: int = Field(default=85, ge=1, le=100, description="JPEG/WebP quality.")


class ThumbnailQuery(BaseModel):
    """How large a thumbnail."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    size: int = Field(default=256, ge=16, le=1024, description="Longest edge in pixels.")


@router.get("/images/{image}/view", tags=["render"], responses=problems(404))
def image_view(request: Request, services: ServicesDep, image: ImageRefPath) -> ViewOut:
    """What a viewer needs: levels, axes, tile size, channels with default windows, pixel sizes."""
    image_uuid, location = services.rendition_of(image)
    view = services.renderer.describe(location.url, location.series_path)
    # A base and a relative template, not one templated URL: a string starting with '/' is a
    # link to clients (and to schemathesis), and a template is not one.
    return view_out(view, image_uuid, f"{root_of(request)}{API}/images/{image_uuid}/tiles")


@router.get(
    "/images/{image}/thumbnail.{ext}",
    tags=["render"],
    response_class=Response,
    responses={**binary(*_IMAGES), **problems(304, 404)},
)
def thumbnail(
    request: Request,
    services: ServicesDep,
    image: ImageRefPath,
    ext: Extension,
    query: Annotated[ThumbnailQuery, Query()],
) -> Response:
    """A thumbnail of the image's default plane, longest edge ``size`` pixels."""
    _, location = services.rendition_of(image)
    etag = rendering_etag(location.plan, location.series_path, services.version, query.size, ext)
    cached = not_modified(request, etag, CACHE_LONG)
    if cached is not None:
        return cached
    data = services.renderer.thumbnail(
        location.url, location.series_path, max_size=query.size, format=ext.kind
    )
    return send(
        request, MemoryBytes(data), etag=etag, cache_control=CACHE_LONG, media_type=ext.media_type
    )


@router.get(
    "/images/{image}/tiles/{level}/{t}/{z}/{x}/{y}.{ext}",
    tags=["render"],
    response_class=Response,
    responses={**binary(*_IMAGES), **problems(304, 404)},
)
def tile(
    request: Request,
    services: ServicesDep,
    image: ImageRefPath,
    level: Index,
    t: Index,
    z: Index,
    x: Index,
    y: Index,
    ext: Extension,
    query: Annotated[TileQuery, Query()],
) -> Response:
    """One ``tile_size`` tile (see ``/view``) of plane ``t``, ``z`` at resolution ``level``.

    Tiles at the right and bottom edges are smaller. A tile outside the image is 404; channel
    settings the image cannot take (channel 5 of 3, start >= end) are 422.
    """
    from imagesteward.render import TileRequest

    _, location = services.rendition_of(image)
    channels = channel_settings(query.c)
    key = (level, t, z, x, y, channels, ext, query.q)
    etag = rendering_etag(location.plan, location.series_path, services.version, *key)
    cached = not_modified(request, etag, CACHE_LONG)
    if cached is not None:
        return cached
    view = services.renderer.describe(location.url, location.series_path)
    size = view.tile_size
    if level >= len(view.levels) or t >= view.size_t or z >= view.size_z:
        raise NotFoundError(_outside(image, level, t, z, x, y, view.levels), image=image)
    height, width = view.level_size(level)
    if x * size >= width or y * size >= height:
        raise NotFoundError(_outside(image, level, t, z, x, y, view.levels), image=image)
    request_ = TileRequest(level, x * size, y * size, size, size, z, t, channels, ext.kind, query.q)
    data = services.renderer.render(location.url, location.series_path, request_)
    return send(
        request, MemoryBytes(data), etag=etag, cache_control=CACHE_LONG, media_type=ext.media_type
    )


def _outside(image: str, level: int, t: int, z: int, x: int, y: int, levels: object) -> str:
    return (
        f"Tile level {level}, t {t}, z {z}, x {x}, y {y} lies outside image {image} "
        f"(levels {levels}); /view gives its sizes and tile size."
    )
