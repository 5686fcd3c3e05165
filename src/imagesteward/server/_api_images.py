"""Image routes: metadata document (JSON, JSON-LD), original files and downloads, renditions."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from imagesteward.schema import jsonld_context
from imagesteward.server._api_catalog import ImageRefPath
from imagesteward.server._conditional import (
    CACHE_IMMUTABLE,
    CACHE_REVALIDATE,
    content_etag,
    strong_etag,
)
from imagesteward.server._files import LocalFile, MemoryBytes, audit_download, send
from imagesteward.server._present import API, original_out, rendition_out
from imagesteward.server._routing import ReadRoute, ServicesDep, binary, problems, root_of
from imagesteward.server._schemas import FileList, RenditionList

__all__ = ["router"]

router = APIRouter(prefix=API, route_class=ReadRoute)

Sha256Path = Annotated[
    str, Path(description="SHA-256 of the file (64 hex digits).", pattern=r"^[0-9a-fA-F]{64}$")
]


def _document_responses(media_type: str, schema: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": "The document; its ETag is a hash of these bytes.",
            "content": {media_type: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        },
        **problems(304, 404),
    }


@router.get(
    "/images/{image}/metadata",
    tags=["metadata"],
    response_class=Response,
    responses=_document_responses("application/json", "Image"),
)
def image_metadata(request: Request, services: ServicesDep, image: ImageRefPath) -> Response:
    """The image's metadata document (the imagesteward schema's Image class) as JSON."""
    record = services.image(image)
    document = record.document.model_dump(mode="json", exclude_none=True)
    return _json_document(request, document, "application/json")


@router.get(
    "/images/{image}/metadata.jsonld",
    tags=["metadata"],
    response_class=Response,
    responses=_document_responses("application/ld+json", "ImageJsonLd"),
)
def image_jsonld(request: Request, services: ServicesDep, image: ImageRefPath) -> Response:
    """The metadata document as JSON-LD, with the context generated from the schema."""
    record = services.image(image)
    document = {
        "@context": jsonld_context()["@context"],
        "@id": f"urn:uuid:{record.uuid}",
        "@type": "Image",
        **record.document.model_dump(mode="json", exclude_none=True),
    }
    return _json_document(request, document, "application/ld+json")


@router.get("/images/{image}/files", tags=["files"], responses=problems(404))
def image_files(request: Request, services: ServicesDep, image: ImageRefPath) -> FileList:
    """The original files the image was read from, primary first."""
    _, files = services.image_files(image)
    return FileList(items=[original_out(f, root_of(request)) for f in files])


@router.get(
    "/originals/{sha256}",
    tags=["files"],
    response_class=Response,
    responses={
        **binary("application/octet-stream", partial=True),
        **problems(304, 404, 416),
    },
)
def download_original(request: Request, services: ServicesDep, sha256: Sha256Path) -> Response:
    """An original file, byte for byte; ETag is its SHA-256, Range and If-Range supported."""
    record = services.original(sha256)
    path, size = services.original_file(record)
    source = LocalFile(path, size)
    response = send(
        request,
        source,
        etag=strong_etag(record.sha256),
        cache_control=CACHE_IMMUTABLE,
        media_type="application/octet-stream",
        headers={"Content-Disposition": _attachment(record.original_name)},
    )
    audit_download(request, response, record.sha256, record.original_name)
    return response


@router.get("/images/{image}/renditions", tags=["files"], responses=problems(404))
def image_renditions(request: Request, services: ServicesDep, image: ImageRefPath) -> RenditionList:
    """The image's OME-Zarr renditions, newest (the one served at /zarr) first."""
    record, renditions = services.renditions(image)
    root = root_of(request)
    return RenditionList(items=[rendition_out(r, record.uuid, root) for r in renditions])


def _json_document(request: Request, document: dict[str, Any], media_type: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return send(
        request,
        MemoryBytes(body),
        etag=content_etag(body),
        cache_control=CACHE_REVALIDATE,
        media_type=media_type,
    )


def _attachment(name: str) -> str:
    # RFC 6266: an ASCII fallback plus the exact UTF-8 name.
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
