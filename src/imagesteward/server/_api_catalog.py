"""Catalog routes: health, projects, datasets, instruments, images (listing, one), search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import Field

from imagesteward.access import Principal
from imagesteward.server._api_access import _REFUSALS, _principal
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
    SearchText,
    _Input,
    _Output,
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


class SearchQuery(_Input):
    """A search in the query language of docs/search.md, and the page wanted."""

    q: SearchText = Field(
        default="",
        description='Free text, "phrases", field:value facets (organism, method, instrument, '
        "objective, fluorophore, project), date:FROM..TO, completeness:>=N, visibility:, "
        "kind:; empty finds everything.",
    )
    limit: int = Field(default=20, ge=1, le=200, description="Largest number of hits.")
    cursor: SearchText | None = Field(
        default=None, description="The next_cursor of the previous page of the same search."
    )
    facets: int = Field(
        default=10, ge=0, le=100, description="Values listed per facet; 0 skips the counts."
    )


class SearchHitOut(_Output):
    """An image, dataset or study that matched."""

    kind: Literal["image", "dataset", "study"]
    id: int = Field(description="The image's, dataset's or study's id.")
    title: str
    project: str
    dataset_id: int | None
    # Strings, not date-times: instruments often write no UTC offset, and a time without one
    # is not an RFC 3339 date-time; it is passed on as written rather than given a false zone.
    acquired_from: str | None = Field(
        description="First acquisition, ISO 8601; no offset when the file gave none."
    )
    acquired_to: str | None = Field(description="Last acquisition, ISO 8601, as above.")
    completeness: int | None = Field(description="Highest tier completely filled.")
    visibility: str
    url: str | None = Field(description="The image's API URL (images only).")


class FacetValueOut(_Output):
    """A facet value among the hits and how many hits carry it."""

    value: str
    label: str
    count: int


class SearchPage(_Output):
    """One page of search hits with the exact total and exact facet counts."""

    query: str
    total: int
    hits: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]]
    next_cursor: str | None
    next: str | None = Field(description="URL of the next page, or null on the last page.")
    took_ms: float


@router.get("/search", tags=["catalog"], responses=problems(404, 422))
def search(
    request: Request, services: ServicesDep, query: Annotated[SearchQuery, Query()]
) -> SearchPage:
    """Search images, datasets and studies: full text, facets with counts, date ranges.

    Ontology-aware: a term finds what lies below it (``method:"fluorescence microscopy"``
    finds confocal and light-sheet images). Follow ``next`` for the following page; a query
    that cannot be read is 422 with the position of the problem; a cursor of another query
    (or a damaged one) is 404: that page does not exist, start again without a cursor.
    """
    from imagesteward.search import search as run_search
    from imagesteward.server._api_describe import _ontology

    result = run_search(
        services.resources.installation.catalog,
        query.q,
        ontology=_ontology(request, services),
        limit=query.limit,
        cursor=query.cursor,
        facet_values=max(query.facets, 1),
        with_facets=query.facets > 0,
        restrict=services.search_restriction(),
    )
    root = root_of(request)
    following = None
    if result.next_cursor is not None:
        params = {"q": query.q, "limit": str(query.limit), "facets": str(query.facets)}
        path = request.url.path
        if root and not path.startswith(f"{root}/"):
            path = root + path
        following = f"{path}?{urlencode({**params, 'cursor': result.next_cursor})}"
    return SearchPage(
        query=result.query,
        total=result.total,
        hits=[
            SearchHitOut(
                **{k: v for k, v in hit.as_json().items() if not k.startswith("acquired")},
                acquired_from=_iso(hit.acquired_from),
                acquired_to=_iso(hit.acquired_to),
                url=f"{root}{API}/images/{hit.id}" if hit.kind == "image" else None,
            )
            for hit in result.hits
        ],
        facets={
            name: [FacetValueOut(value=v.value, label=v.label, count=v.count) for v in values]
            for name, values in result.facets.items()
        },
        next_cursor=result.next_cursor,
        next=following,
        took_ms=round(result.took_ms, 1),
    )


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


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class MoveRequest(_Input):
    """Where to refile an image: another dataset of its project."""

    dataset: str = Field(min_length=1, max_length=256, description="The destination dataset.")


class MovedOut(_Output):
    """The images that moved (the whole fileset of the image), with their unchanged UUIDs."""

    project: str
    source: str = Field(description="The dataset they were in.")
    destination: str = Field(description="The dataset they are in now.")
    image_uuids: list[str]


@router.post(
    "/images/{image}/move",
    tags=["catalog"],
    responses={**_REFUSALS, **problems(400, 404, 409)},
)
def move_image(
    request: Request,
    image: Annotated[str, Path(description="Image id, UUID or UUID prefix.")],
    body: Annotated[MoveRequest, Body()],
    principal: Annotated[Principal, Depends(_principal)],
) -> MovedOut:
    """Move an image, with the other images of its fileset, to another dataset of its project.

    Needs the ``move`` action on both datasets. Nothing is copied or deleted: originals,
    digests, UUIDs and links stay valid; the move is in the audit log.
    """
    moved = request.app.state.access.move_image(
        image, body.dataset, acting=principal,
        remote=request.client.host if request.client else None,
    )  # fmt: skip
    return MovedOut(
        project=moved.project, source=moved.source, destination=moved.destination,
        image_uuids=list(moved.image_uuids),
    )  # fmt: skip
