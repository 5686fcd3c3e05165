"""``/zarr/{uuid}/{key}``: every image with a rendition, readable as a Zarr store over HTTP.

This is the hot path (a viewer fetches hundreds of chunks per screen), so it asks the catalog
nothing once the image's location is cached, stats the file on the event loop (a local stat
costs microseconds) and reads it in one worker-thread hop. A key that is not there is 404,
which Zarr reads as "fill value".
"""

from __future__ import annotations

import stat
from typing import Any
from uuid import UUID

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from imagesteward.errors import NotFoundError
from imagesteward.server._conditional import CACHE_LONG, strong_etag
from imagesteward.server._files import ByteSource, LocalFile, RemoteObject, send
from imagesteward.server._routing import binary, problems
from imagesteward.server._services import Services
from imagesteward.server._viewer import current_viewer
from imagesteward.server._zarr import ZarrLocation, media_type_of, safe_key

__all__ = ["CORS_HEADERS", "OPENAPI_PATH", "OPENAPI_PATH_ITEM", "zarr_route"]

# Browser viewers (vizarr, Neuroglancer, OME-Zarr validators) read renditions across origins.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Content-Range, Content-Length, Accept-Ranges",
}


async def zarr_key(request: Request) -> Response:
    """A key of an image's OME-Zarr group (metadata document or chunk)."""
    # A plain Starlette endpoint: FastAPI's per-request dependency solving and validation
    # cost more than everything below together. The viewer and the service layer are
    # obtained exactly as the dependencies of the other routes obtain them.
    services = Services(request.app.state.resources, await current_viewer(request))
    image_uuid: str = request.path_params["image_uuid"]
    key: str = request.path_params["key"]
    try:
        canonical = str(UUID(image_uuid))
    except ValueError:
        # Not 422: under /zarr anything but an image's key is simply absent, and '..' or an
        # encoded trick in the first segment must look no different from other garbage.
        raise NotFoundError(f"No image with UUID {image_uuid!r}.", image=image_uuid) from None
    location = services.zarr_location_cached(canonical) or await services.zarr_location(canonical)
    if safe_key(key) is None:
        raise _missing(location, key)
    if location.local is not None:
        source, tag = _local(location, key)
    else:
        source, tag = await anyio.to_thread.run_sync(_remote, location, key)
    return send(
        request,
        source,
        etag=strong_etag(tag),
        cache_control=CACHE_LONG,
        media_type=media_type_of(key),
        headers=CORS_HEADERS,
    )


def zarr_route() -> Route:
    """The route (GET, and HEAD as Starlette adds it)."""
    return Route("/zarr/{image_uuid}/{key:path}", zarr_key, methods=["GET"], name="zarr_key")


OPENAPI_PATH = "/zarr/{image_uuid}/{key}"
#: The route's OpenAPI description, written out because it is not a FastAPI route.
OPENAPI_PATH_ITEM: dict[str, Any] = {
    "get": {
        "tags": ["zarr"],
        "summary": "Zarr key",
        "operationId": "zarr_key",
        "description": (
            "A key of the image's OME-Zarr group (metadata document or chunk).\n\n"
            "`/zarr/{uuid}` is a self-contained NGFF image (the image's own group inside its "
            "rendition): open it with `zarr`, `ome-zarr` or napari. Missing chunks, and keys "
            "that are not plain Zarr keys (`..`, absolute, encoded tricks), are 404, which Zarr "
            "reads as the fill value. Range, If-Range and If-None-Match are supported."
        ),
        "parameters": [
            {
                "name": "image_uuid",
                "in": "path",
                "required": True,
                "description": "The image's UUID.",
                "schema": {"type": "string", "format": "uuid", "title": "Image Uuid"},
            },
            {
                "name": "key",
                "in": "path",
                "required": True,
                "description": "A Zarr key: zarr.json, .zattrs, 0/c/0/0/0/0/0...",
                "schema": {"type": "string", "title": "Key"},
            },
        ],
        "responses": {
            str(code): response
            for code, response in {
                **binary("application/json", "application/octet-stream", partial=True),
                **problems(304, 404, 416),
            }.items()
        },
    }
}


def _local(location: ZarrLocation, key: str) -> tuple[ByteSource, str]:
    assert location.local is not None
    path = location.local / key
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise _missing(location, key) from None
    if not stat.S_ISREG(info.st_mode):
        raise _missing(location, key)
    # Like nginx's validator (size and mtime), plus the conversion plan: a key rewritten by a
    # new conversion changes its tag even within the file system's timestamp resolution.
    tag = f"{location.plan[:16]}-{info.st_size:x}-{info.st_mtime_ns:x}"
    return LocalFile(path, info.st_size), tag


def _remote(location: ZarrLocation, key: str) -> tuple[ByteSource, str]:
    path = f"{location.fs_path}/{key}"
    try:
        info = location.fs.info(path)
    except FileNotFoundError:
        raise _missing(location, key) from None
    if info.get("type") != "file":
        raise _missing(location, key)
    size = int(info["size"])
    validator = str(info.get("ETag") or info.get("etag") or info.get("mtime") or "").strip('"')
    return RemoteObject(location.fs, path, size), f"{location.plan[:16]}-{size:x}-{validator}"


def _missing(location: ZarrLocation, key: str) -> NotFoundError:
    return NotFoundError(
        f"Image {location.image_uuid} has no Zarr key {key!r}.", image=location.image_uuid, key=key
    )
