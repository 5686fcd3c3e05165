"""Catalog routes: health, projects, datasets, instruments, images (listing, one, basic search)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request

from imagesteward.server._present import (
    API,
    dataset_out,
    image_out,
    instrument_out,
    project_out,
)
from imagesteward.server._routing import ReadRoute, ServicesDep, problems, root_of
from imagesteward.server._schemas import (
    DatasetList,
    DatasetQuery,
    Health,
    ImageOut,
    ImagePage,
    ImageQuery,
    ImageRef,
    InstrumentList,
    ProjectList,
)
from imagesteward.server._services import ImagePageResult

__all__ = ["ImageRefPath", "router"]

router = APIRouter(prefix=API, route_class=ReadRoute)

ImageRefPath = Annotated[
    ImageRef, Path(description="Image id, UUID, or UUID prefix (8 hex digits or more).")
]


@router.get("/health", tags=["server"], responses=problems())
def health(services: ServicesDep) -> Health:
    """Liveness and readiness: the catalog answers."""
    backend, images = services.image_count()
    return Health(version=services.version, catalog=backend, images=images)


@router.get("/projects", tags=["catalog"], responses=problems())
def list_projects(services: ServicesDep) -> ProjectList:
    """Every project, by name, with its dataset and image counts."""
    return ProjectList(items=[project_out(p) for p in services.projects()])


@router.get("/datasets", tags=["catalog"], responses=problems(404))
def list_datasets(services: ServicesDep, query: Annotated[DatasetQuery, Query()]) -> DatasetList:
    """Datasets of one project (or all), by project and name; 404 for an unknown project."""
    return DatasetList(items=[dataset_out(d) for d in services.datasets(query.project)])


@router.get("/instruments", tags=["catalog"], responses=problems())
def list_instruments(services: ServicesDep) -> InstrumentList:
    """Every instrument with its Microscope document and image count."""
    return InstrumentList(items=[instrument_out(i) for i in services.instruments()])


@router.get("/images", tags=["catalog"], responses=problems(404))
def list_images(
    request: Request, services: ServicesDep, query: Annotated[ImageQuery, Query()]
) -> ImagePage:
    """Images in catalog order, a page at a time (cursor pagination).

    Filters: ``project``, ``dataset``, ``q`` (name substring), ``format``. An unknown project
    or dataset, or a cursor given other filters, is 404.
    """
    return _page(request, services.images(query), query)


@router.get("/search", tags=["catalog"], responses=problems(404))
def search(
    request: Request, services: ServicesDep, query: Annotated[ImageQuery, Query()]
) -> ImagePage:
    """Basic search: images whose name contains ``q``, filtered by project, dataset and format.

    A page may hold fewer than ``limit`` results before the last one: follow ``next``.
    """
    return _page(request, services.images(query), query)


@router.get("/images/{image}", tags=["catalog"], responses=problems(404))
def get_image(request: Request, services: ServicesDep, image: ImageRefPath) -> ImageOut:
    """One image by id, UUID or UUID prefix."""
    return image_out(services.image(image), root_of(request))


def _page(request: Request, result: ImagePageResult, query: ImageQuery) -> ImagePage:
    root = root_of(request)
    following = None
    if result.next_cursor is not None:
        # The cursor carries the filters. A proxy may pass the root path on or strip it.
        params = {"limit": str(query.limit), "cursor": result.next_cursor}
        path = request.url.path
        if root and not path.startswith(f"{root}/"):
            path = root + path
        following = f"{path}?{urlencode(params)}"
    return ImagePage(
        items=[image_out(record, root) for record in result.items],
        next_cursor=result.next_cursor,
        next=following,
    )
