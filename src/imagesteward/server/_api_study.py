"""Describe writes: a project's study (read, save) and one image's annotations; templates.

The web forms save through these routes, so a form and ``steward describe`` meet the same
checks (``describe_study``, ``annotate_images``): terms must be real, PIDs must pass their
checksums, the schema must hold; every problem comes back at once as a 422 whose
``details.problems`` name the field paths, and nothing is written.

Writes answer only on a server with access control (as ``.eln`` uploads do): without it the
server cannot tell who is asking, and anyone could change the record.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from imagesteward.errors import MetadataValidationError, PermissionDeniedError
from imagesteward.server._api_catalog import ImageRefPath
from imagesteward.server._api_describe import ProjectPath, _ontology
from imagesteward.server._present import API
from imagesteward.server._routing import ReadRoute, ServicesDep, problems
from imagesteward.server._services import Services

__all__ = ["StudyOut", "router"]

router = APIRouter(prefix=API, route_class=ReadRoute)


class StudyOut(BaseModel):
    """A project's study document as catalogued (``document`` null: not described yet)."""

    model_config = ConfigDict(extra="forbid")

    project: str
    revision: int = Field(description="Saves that changed the document (0: none yet).")
    document: dict[str, Any] | None = Field(description="The REMBI Study, as JSON.")
    updated_at: str | None
    still_asked: list[str] = Field(
        default_factory=list,
        description="With a template: the fields it asks for that are still empty.",
    )


class AnnotationIn(BaseModel):
    """New values for fields of one image (``null`` removes a value a person set)."""

    model_config = ConfigDict(extra="forbid")

    values: dict[str, Any] = Field(
        description="Field path -> value, e.g. {'acquisition.imaging_method': 'FBbi:00000251'}."
    )
    allow_captured: bool = Field(
        default=False, description="Also overwrite values captured from the original file."
    )


class AnnotatedOut(BaseModel):
    """The image after the annotation."""

    model_config = ConfigDict(extra="forbid")

    uuid: str
    document: dict[str, Any]


class TemplateOut(BaseModel):
    """A study template: the facts it fixes and the fields it asks for."""

    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    summary: str
    follows: list[str]
    study: dict[str, Any] = Field(description="The partial Study the template fixes.")
    asks: list[dict[str, str]] = Field(description="{path, prompt} of each field it asks for.")


class TemplatesOut(BaseModel):
    """Every study template."""

    items: list[TemplateOut]


def _write_responses() -> dict[int | str, dict[str, Any]]:
    documented = problems(404, 409)
    problem = documented[404]["content"]
    documented[400] = {"description": "Bad Request: a body that is not JSON.", "content": problem}
    documented[401] = {"description": "Unauthorized: no valid credential.", "content": problem}
    documented[403] = {
        "description": "Forbidden: may not edit here, or the server has no access control.",
        "content": problem,
    }
    return dict(sorted(documented.items(), key=lambda item: str(item[0])))


def _require_access_control(services: Services, what: str) -> None:
    if not services.resources.installation.settings.access_control:
        raise PermissionDeniedError(
            f"{what} writes to the catalog, and this server does not check who is asking (the "
            "access_control setting is off); use 'steward describe' on the server, or turn "
            "access control on.",
        )


@contextmanager
def _field_problems() -> Iterator[None]:
    """Refusals with their problems as objects (field, value, reason), not as sentences.

    A form puts each reason next to its field, so it needs the path apart from the words.
    """
    try:
        yield
    except MetadataValidationError as exc:
        found = exc.details.get("problems") or []
        structured = [
            {
                "index": getattr(p, "index", None),
                "target": getattr(p, "target", ""),
                "field": getattr(p, "field", ""),
                "value": _shown(getattr(p, "value", None)),
                "reason": getattr(p, "reason", str(p)),
            }
            for p in found
        ]
        raise MetadataValidationError(exc.message, problems=structured) from exc


def _shown(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _study_out(record: Any, project: str, still_asked: list[str] | None = None) -> StudyOut:
    if record is None:
        return StudyOut(project=project, revision=0, document=None, updated_at=None)
    return StudyOut(
        project=project,
        revision=record.revision,
        document=record.document.model_dump(mode="json", exclude_none=True),
        updated_at=record.updated_at.isoformat(),
        still_asked=still_asked or [],
    )


@router.get("/projects/{project}/study", tags=["describe"], responses=problems(404))
def get_study(services: ServicesDep, project: ProjectPath) -> StudyOut:
    """The project's REMBI study (``document`` null when it has not been described)."""
    services.datasets(project)  # 404 for a project the viewer may not see
    catalog = services.resources.installation.catalog
    return _study_out(catalog.get_study(project), project)


@router.put("/projects/{project}/study", tags=["describe"], responses=_write_responses())
def put_study(
    request: Request,
    services: ServicesDep,
    project: ProjectPath,
    document: Annotated[dict[str, Any], Body(description="The Study document (JSON).")],
    template: Annotated[
        str | None, Query(description="A template whose fixed facts come first.", max_length=100)
    ] = None,
    merge: Annotated[bool, Query(description="Lay the document over the stored study.")] = False,
    dry_run: Annotated[bool, Query(description="Check only; write nothing.")] = False,
) -> StudyOut:
    """Save the project's study: terms, PIDs and the schema checked; all problems at once.

    A refused document is 422 with ``details.problems`` (``field``, ``value``, ``reason``
    each) and nothing is written.
    """
    from imagesteward.describe import describe_study

    _require_access_control(services, "Describing a study")
    with _field_problems():
        result = describe_study(
            services.resources.installation.catalog,
            _ontology(request, services),
            project,
            document,
            template=template,
            merge=merge,
            by=services.viewer.identity,
            reason="web form" if not dry_run else None,
            dry_run=dry_run,
        )
    return _study_out(result.record, project, [ask.path for ask in result.missing])


@router.patch("/images/{image}/annotations", tags=["describe"], responses=_write_responses())
def patch_image(
    request: Request, services: ServicesDep, image: ImageRefPath, annotation: AnnotationIn
) -> AnnotatedOut:
    """Set fields of one image by path; values captured from the file stay unless allowed.

    A refused annotation is 422 with ``details.problems`` naming each field path.
    """
    from imagesteward.catalog import ImageAnnotation
    from imagesteward.describe import annotate_images

    _require_access_control(services, "Annotating an image")
    record = services.image(image)
    with _field_problems():
        (saved,) = annotate_images(
            services.resources.installation.catalog,
            _ontology(request, services),
            [ImageAnnotation(record.uuid, annotation.values)],
            by=services.viewer.identity,
            reason="web form",
            allow_captured=annotation.allow_captured,
        )
    document = saved.document.model_dump(mode="json", exclude_none=True)
    return AnnotatedOut(uuid=saved.uuid, document=document)


@router.get("/describe/templates", tags=["describe"], responses=problems())
def templates() -> TemplatesOut:
    """The study templates (REMBI / NBO-Q, MITI): what each fixes and asks for."""
    from imagesteward.describe import list_templates

    return TemplatesOut(
        items=[
            TemplateOut(
                name=t.name,
                title=t.title,
                summary=t.summary,
                follows=list(t.follows),
                study=t.study,
                asks=[{"path": a.path, "prompt": a.prompt} for a in t.asks],
            )
            for t in list_templates()
        ]
    )
