"""Describe routes: ontology autocomplete, form fields, completeness per tier, methods text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from imagesteward.server._api_catalog import ImageRefPath
from imagesteward.server._present import API
from imagesteward.server._routing import ReadRoute, ServicesDep, problems

if TYPE_CHECKING:
    from imagesteward.catalog import Catalog
    from imagesteward.ontology import OntologyIndex
    from imagesteward.server._services import Services

__all__ = ["router"]

router = APIRouter(prefix=API, route_class=ReadRoute)

ProjectPath = Annotated[str, Path(description="Project name.", min_length=1)]


class TermHit(BaseModel):
    """One ontology term."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="CURIE, e.g. FBbi:00000251.")
    label: str
    synonyms: list[str]
    parents: list[str] = Field(description="Direct is_a parents (CURIEs).")
    ontology: str
    definition: str | None = None
    source: str = Field(description="The shipped subset or loaded file the term came from.")


class FormFieldOut(BaseModel):
    """One field of a form, as the schema defines it."""

    path: str = Field(description="Field path; [*] marks a repeated object.")
    tier: int = Field(ge=1, le=3)
    description: str
    required: bool
    multivalued: bool
    ontology: str | None = Field(description="Autocomplete from these ontologies (A|B).")
    pid_scheme: str | None
    pattern: str | None
    kind: Literal[
        "text",
        "number",
        "integer",
        "boolean",
        "date",
        "datetime",
        "term",
        "pid",
        "object",
        "choice",
    ]
    choices: list[str]


class FormOut(BaseModel):
    """The fields of a study or image form, in schema order."""

    kind: Literal["study", "image"]
    fields: list[FormFieldOut]


class TermHits(BaseModel):
    """Autocomplete results, best match first."""

    items: list[TermHit]


class TierScoreOut(BaseModel):
    """Fields of one tier: how many apply and how many are filled."""

    tier: int = Field(ge=1, le=3)
    filled: int
    expected: int
    percent: float


class MissingFieldOut(BaseModel):
    """A field a tier asks for that is empty, and where to fill it."""

    path: str
    tier: int
    count: int = Field(description="Documents missing it ...")
    of: int = Field(description="... out of this many.")
    where: str


class CompletenessOut(BaseModel):
    """Completeness of an image, a dataset or a study."""

    kind: Literal["image", "dataset", "study"]
    subject: str
    scores: list[TierScoreOut]
    missing: list[MissingFieldOut]


class ProjectCompletenessOut(BaseModel):
    """Completeness of a project against the tier publication requires."""

    project: str
    required_tier: int
    ready: bool = Field(description="Every field up to required_tier is filled.")
    study: CompletenessOut
    datasets: list[CompletenessOut]
    images: list[CompletenessOut]


def _ontology(request: Request, services: Services) -> OntologyIndex:
    """The installation's ontology index, built on first use and kept with the app.

    Two first requests at once may both build it; the loser's copy is dropped, which costs a
    second of CPU once and needs no lock on the request path.
    """
    index: OntologyIndex | None = getattr(request.app.state, "ontology_index", None)
    if index is None:
        from imagesteward.ontology import load_index

        index = load_index(services.resources.installation.settings)
        request.app.state.ontology_index = index
    return index


def _visible_datasets(services: Services, project: str) -> set[str]:
    """The project's datasets this request's viewer may see (the service layer decides).

    Raises ``NotFoundError`` for a project that does not exist or that the viewer may not see.
    """
    return {record.name for record in services.datasets(project)}


def _catalog(services: Services) -> Catalog:
    # The describe functions read whole projects; the routes first ask the service layer
    # which datasets the viewer may see and pass only those on.
    return services.resources.installation.catalog


@router.get("/ontology/terms", tags=["describe"], responses=problems())
def ontology_terms(
    request: Request,
    services: ServicesDep,
    q: Annotated[str, Query(description="What the user typed.", max_length=200)] = "",
    ontology: Annotated[
        str | None,
        Query(description="Only these ontologies, e.g. NCBITaxon or CHEBI|FPbase.", max_length=100),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> TermHits:
    """Autocomplete over labels and synonyms of the shipped and loaded ontologies, offline."""
    found = _ontology(request, services).search(q, ontology, limit)
    return TermHits(items=[TermHit(**term.to_dict()) for term in found])


@router.get("/ontology/terms/{term_id}", tags=["describe"], responses=problems(404))
def ontology_term(
    request: Request,
    services: ServicesDep,
    term_id: Annotated[str, Path(description="CURIE, e.g. NCBITaxon:10090.", max_length=200)],
) -> TermHit:
    """One term by identifier; 404 when no loaded ontology has it."""
    from imagesteward.errors import NotFoundError, UnknownTermError

    try:
        term = _ontology(request, services).get(term_id)
    except UnknownTermError as exc:
        raise NotFoundError(exc.message, term_id=term_id) from exc
    return TermHit(**term.to_dict())


@router.get("/describe/forms/{kind}", tags=["describe"], responses=problems())
def form(kind: Annotated[Literal["study", "image"], Path()]) -> FormOut:
    """The fields of a study or image form with tier, binding and kind, from the schema."""
    from imagesteward import model
    from imagesteward.describe import form_fields

    root = model.Study if kind == "study" else model.Image
    return FormOut(
        kind=kind, fields=[FormFieldOut(**field.as_json()) for field in form_fields(root)]
    )


@router.get("/images/{image}/completeness", tags=["describe"], responses=problems(404))
def image_completeness(services: ServicesDep, image: ImageRefPath) -> CompletenessOut:
    """Which fields of each tier one image fills, and where to fill the others."""
    from imagesteward.describe import image_completeness as score

    record = services.image(image)
    return CompletenessOut.model_validate(score(record.document, record.uuid).as_json())


@router.get("/projects/{project}/completeness", tags=["describe"], responses=problems(404))
def project_completeness(
    services: ServicesDep,
    project: ProjectPath,
    tier: Annotated[
        int | None,
        Query(ge=1, le=3, description="Tier publication requires (default: publication_tier)."),
    ] = None,
    images: Annotated[bool, Query(description="Also score each image.")] = False,
) -> ProjectCompletenessOut:
    """Completeness of a project's study and of each of its datasets (and images) per tier."""
    from imagesteward.describe import project_completeness as score

    visible = _visible_datasets(services, project)
    required = tier or services.resources.installation.settings.publication_tier
    result = score(
        _catalog(services), project, required_tier=required, per_image=images, datasets=visible
    )
    return ProjectCompletenessOut.model_validate(result.as_json())


@router.get(
    "/projects/{project}/methods",
    tags=["describe"],
    response_class=PlainTextResponse,
    responses={
        **problems(404),
        200: {"content": {"text/plain": {}, "text/markdown": {}}, "description": "The text."},
    },
)
def methods(
    services: ServicesDep,
    project: ProjectPath,
    dataset: Annotated[str | None, Query(description="One dataset of the project.")] = None,
    format: Annotated[Literal["text", "markdown"], Query()] = "text",  # noqa: A002
) -> PlainTextResponse:
    """The image-acquisition part of a Materials & Methods section, from the metadata."""
    from imagesteward.describe import dataset_methods
    from imagesteward.errors import NotFoundError

    visible = _visible_datasets(services, project)
    if dataset is not None and dataset not in visible:
        raise NotFoundError(f"No dataset {dataset!r} in project {project!r}.", dataset=dataset)
    text = dataset_methods(_catalog(services), project, dataset, datasets=visible)
    if format == "markdown":
        return PlainTextResponse(text.markdown(), media_type="text/markdown; charset=utf-8")
    return PlainTextResponse(text.text())
