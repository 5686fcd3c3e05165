"""The application factory: settings in, a FastAPI app out; no globals.

The lifespan opens the installation (catalog, store, readers) once and closes it at shutdown;
routes reach it only through the service layer. There is deliberately no middleware beyond
Starlette's error handling: the Zarr chunk path is the hot one and every layer costs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from imagesteward import __version__
from imagesteward.access import install_secret_redaction
from imagesteward.config import Settings
from imagesteward.schema import json_schema
from imagesteward.server import (
    _api_access,
    _api_catalog,
    _api_delete,
    _api_describe,
    _api_eln,
    _api_images,
    _api_render,
    _api_reviewing,
    _api_session,
    _api_sharing,
    _api_study,
    _api_zarr,
    _oidc_routes,
)
from imagesteward.server._access_control import install_access_control
from imagesteward.server._embargo import releasing_embargoes
from imagesteward.server._present import API
from imagesteward.server._problems import Problem, ValidationIssue, install_problem_handlers
from imagesteward.server._services import Resources
from imagesteward.server._zarr import RenditionIndex
from imagesteward.server.web import install_web

__all__ = ["build_app"]

_DESCRIPTION = """\
FAIR microscopy data: the catalog of an imagesteward installation, its original files
(byte for byte, with ranges and ETags), rendered tiles and thumbnails, and every image's
OME-Zarr rendition as a Zarr store at `/zarr/{uuid}`.

Errors are RFC 9457 problem documents (`application/problem+json`).
"""


def build_app(settings: Settings, *, render_cache_bytes: int = 256 * 2**20) -> FastAPI:
    """The imagesteward web application for the installation ``settings`` describe.

    Parameters
    ----------
    settings
        The installation's settings; the installation is opened when the app starts (ASGI
        lifespan) and closed when it stops.
    render_cache_bytes
        Memory the tile renderer may keep (decoded chunks, encoded tiles).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from imagesteward.catalog import access_catalog
        from imagesteward.installation import open_installation

        # Reproduce these exact settings (they may carry overrides the TOML file lacks).
        overrides = settings.model_dump(exclude={"home"})
        opener = partial(open_installation, settings.home, **overrides)
        installation = await anyio.to_thread.run_sync(opener)
        index = RenditionIndex(
            installation.catalog, storage_options=dict(settings.rendition_storage_options)
        )
        resources = Resources(installation, index, render_cache_bytes=render_cache_bytes)
        app.state.resources = resources
        app.state.access = access_catalog(installation.catalog)
        try:
            async with releasing_embargoes(app.state.access):
                yield
        finally:
            resources.close()

    app = FastAPI(
        title="imagesteward",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
    )
    install_secret_redaction()  # every record, uvicorn's access log included
    install_problem_handlers(app)
    # The chunk route first: it is the hot one, and routes are matched in order.
    app.router.routes.insert(0, _api_zarr.zarr_route())
    for module in (
        _api_catalog, _api_images, _api_render, _api_describe, _api_eln, _api_access,
        _api_session, _api_sharing, _api_study, _api_reviewing, _oidc_routes, _api_delete,
    ):  # fmt: skip
        # The routes themselves, not include_router: FastAPI wraps included routers in a
        # dispatcher of its own, which would bypass ReadRoute's HEAD matching.
        app.router.routes.extend(module.router.routes)
    install_web(app)  # the web UI's pages and static files, after every API route
    install_access_control(app, enforce=settings.access_control)
    app.openapi = partial(_openapi, app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, completed with the schemas routes refer to by name."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    document["paths"][_api_zarr.OPENAPI_PATH] = _api_zarr.OPENAPI_PATH_ITEM
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    added: dict[str, Any] = {
        "Problem": Problem.model_json_schema(ref_template="#/components/schemas/{model}"),
        "ImageJsonLd": {
            "type": "object",
            "description": "The Image document as JSON-LD (context generated from the schema).",
            "required": ["@context", "@id", "@type"],
        },
    }
    added.update(added["Problem"].pop("$defs", {}))
    added["ValidationIssue"] = ValidationIssue.model_json_schema()
    # The metadata documents' own JSON Schema, generated from the LinkML schema.
    for name, definition in json_schema()["$defs"].items():
        added[name] = _rebase(definition)
    clashes = sorted(set(added) & set(schemas))
    if clashes:
        raise RuntimeError(f"OpenAPI schema names defined twice: {', '.join(clashes)}")
    schemas.update(added)
    app.openapi_schema = document
    return document


def _rebase(node: Any) -> Any:
    """Point ``#/$defs/X`` references at ``#/components/schemas/X``."""
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/$defs/", "#/components/schemas/")
                if key == "$ref" and isinstance(value, str)
                else _rebase(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rebase(item) for item in node]
    return node
