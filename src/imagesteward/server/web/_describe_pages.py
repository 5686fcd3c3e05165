"""Describe pages: a project's study and datasets with completeness, and the metadata forms.

=============================================  =============================================
``/projects/{project}``                        the study, its completeness, the datasets
``/projects/{project}/datasets/{dataset}``     completeness, Materials & Methods, the images
``/projects/{project}/describe``               the study form (biosamples, specimens...)
``/images/{image}/describe``                   the image form (acquisition, channels, refs)
=============================================  =============================================

Forms are generated from the schema (:mod:`._form_tree`) and save through the describe API
(``PUT .../study``, ``PATCH .../annotations``) from ``static/js/describe.js``, so the server
checks terms, identifiers and the schema as it does for ``steward describe``. Whether the
viewer may save is decided by the access policy; without access control nobody may.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from imagesteward.access import Action
from imagesteward.server._access_control import PRINCIPAL_KEY
from imagesteward.server._api_catalog import ImageRefPath
from imagesteward.server._routing import ServicesDep
from imagesteward.server.web._form_tree import image_form, study_form
from imagesteward.server.web._missing_links import dataset_missing, panel_missing
from imagesteward.server.web._routing import PageRoute, site_of

if TYPE_CHECKING:
    from imagesteward.catalog import Catalog, ImageRecord
    from imagesteward.describe import Completeness
    from imagesteward.server._services import Services

__all__ = ["image_panel", "pages"]

pages = APIRouter(route_class=PageRoute, include_in_schema=False)

ProjectName = Path(description="Project name.", min_length=1, max_length=300)
DatasetName = Path(description="Dataset name.", min_length=1, max_length=300)
#: Tier names as the forms show them: what each tier means for a field.
TIER_NAMES = {1: "required", 2: "recommended", 3: "optional"}
#: Missing fields listed per completeness panel before "and N more".
MISSING_SHOWN = 40


def _script_json(value: Any) -> str:
    """JSON to embed in a ``<script>`` element: nothing in it can close the element."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _may(request: Request, action: Action, project: str, dataset: str | None = None) -> bool:
    """Whether this viewer may ``action`` here; without access control nobody may write."""
    if not request.app.state.resources.installation.settings.access_control:
        return False
    principal = request.scope.get(PRINCIPAL_KEY)
    if principal is None:
        return False
    return action in request.app.state.access.permitted(principal, project, dataset)


def _panel(
    completeness: Completeness,
    link: str | None,
    title: str,
    missing: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A completeness panel; its missing fields link into the form at ``link`` by default."""
    return {
        "title": title,
        "kind": completeness.kind,
        "scores": [
            {
                "tier": s.tier,
                "name": TIER_NAMES[s.tier],
                "filled": s.filled,
                "expected": s.expected,
                "percent": s.percent,
            }
            for s in completeness.scores
        ],
        "missing": panel_missing(completeness, link) if missing is None else missing,
        "shown": MISSING_SHOWN,
    }


def _project_completeness(services: Services, project: str) -> Any:
    from imagesteward.describe import project_completeness

    visible = {record.name for record in services.datasets(project)}
    catalog = services.resources.installation.catalog
    required = services.resources.installation.settings.publication_tier
    return project_completeness(catalog, project, required_tier=required, datasets=visible)


@pages.get("/projects/{project}")
def project_page(request: Request, services: ServicesDep, project: str = ProjectName) -> Response:
    """The project's study, its completeness per tier and each dataset's."""
    root = request.scope.get("root_path", "").rstrip("/")
    datasets = services.datasets(project)
    study = services.resources.installation.catalog.get_study(project)
    result = _project_completeness(services, project)
    form = f"{root}/projects/{project}/describe"
    context = {
        "title": project,
        "project": project,
        "study": None if study is None else study.document,
        "datasets": datasets,
        "study_panel": _panel(result.study, form, "Study"),
        "dataset_panels": {
            panel.subject.removeprefix(f"{project}/"): _panel(panel, None, panel.subject)
            for panel in result.datasets
        },
        "ready": result.ready,
        "required_tier": result.required_tier,
        "may_edit": _may(request, Action.EDIT, project),
    }
    return site_of(request).render(request, "describe_project.html", context)


@pages.get("/projects/{project}/datasets/{dataset}")
def dataset_page(
    request: Request,
    services: ServicesDep,
    project: str = ProjectName,
    dataset: str = DatasetName,
) -> Response:
    """A dataset: completeness per tier, Materials & Methods, its first images."""
    from imagesteward.describe import dataset_methods
    from imagesteward.errors import NotFoundError
    from imagesteward.server._schemas import ImageQuery

    visible = {record.name for record in services.datasets(project)}
    if dataset not in visible:
        raise NotFoundError(f"No dataset {dataset!r} in project {project!r}.", dataset=dataset)
    catalog = services.resources.installation.catalog
    result = _project_completeness(services, project)
    panel = next(p for p in result.datasets if p.subject == f"{project}/{dataset}")
    images = services.images(ImageQuery(project=project, dataset=dataset, limit=24)).items
    study = catalog.get_study(project)
    # Each gap links to where it is filled: the images missing it, or the study form.
    missing = dataset_missing(
        panel,
        _dataset_images(catalog, project, dataset),
        None if study is None else study.document,
        root=request.scope.get("root_path", "").rstrip("/"),
        project=project,
    )
    methods = dataset_methods(catalog, project, dataset, datasets=visible)
    context = {
        "title": f"{dataset} · {project}",
        "project": project,
        "dataset": dataset,
        "panel": _panel(panel, None, f"Dataset {dataset}", missing),
        "methods_text": methods.text(),
        "methods_markdown": methods.markdown(),
        "images": images,
        "may_edit": _may(request, Action.EDIT, project, dataset),
    }
    return site_of(request).render(request, "describe_dataset.html", context)


def _dataset_images(catalog: Catalog, project: str, dataset: str) -> list[ImageRecord]:
    """Every image of the dataset (the panel is scored on all of them, not one page)."""
    images: list[ImageRecord] = []
    cursor: str | None = None
    while True:
        page = catalog.list_images(project=project, dataset=dataset, limit=500, cursor=cursor)
        images.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return images


@pages.get("/projects/{project}/describe")
def study_form_page(
    request: Request, services: ServicesDep, project: str = ProjectName
) -> Response:
    """The study form, filled with the stored study; read-only unless the viewer may edit."""
    from imagesteward.describe import list_templates

    services.datasets(project)  # a project the viewer may not see is not found
    study = services.resources.installation.catalog.get_study(project)
    document = {} if study is None else study.document.model_dump(mode="json", exclude_none=True)
    result = _project_completeness(services, project)
    context = {
        "title": f"Describe {project}",
        "project": project,
        "kind": "study",
        "nodes": study_form(),
        "document": document,
        "document_json": _script_json(document),
        "revision": 0 if study is None else study.revision,
        "panel": _panel(result.study, "", "Study"),
        "templates": list_templates(),
        "may_edit": _may(request, Action.EDIT, project),
        "tier_names": TIER_NAMES,
        "save_url": f"projects/{project}/study",
        "back": f"{request.scope.get('root_path', '').rstrip('/')}/projects/{project}",
        "choices": {},
    }
    return site_of(request).render(request, "describe_form.html", context)


@pages.get("/images/{image}/describe")
def image_form_page(request: Request, services: ServicesDep, image: ImageRefPath) -> Response:
    """The image form: what a person adds to what the reader captured."""
    from imagesteward.describe import image_completeness

    record = services.image(image)
    document = record.document.model_dump(mode="json", exclude_none=True)
    study = services.resources.installation.catalog.get_study(record.project)
    references: dict[str, list[str]] = {"biosample_ref": [], "specimen_ref": []}
    if study is not None:
        references["biosample_ref"] = [
            b.identifier for b in study.document.biosamples or () if b.identifier
        ]
        references["specimen_ref"] = [
            s.identifier for s in study.document.specimens or () if s.identifier
        ]
    context = {
        "title": f"Describe {record.name or record.uuid}",
        "project": record.project,
        "record": record,
        "kind": "image",
        "nodes": image_form(),
        "document": document,
        "document_json": _script_json(document),
        "revision": 0,
        "panel": _panel(image_completeness(record.document, record.uuid), "", "Image"),
        "templates": [],
        "may_edit": _may(request, Action.ANNOTATE, record.project, record.dataset),
        "tier_names": TIER_NAMES,
        "save_url": f"images/{record.uuid}/annotations",
        "back": f"{request.scope.get('root_path', '').rstrip('/')}/images/{record.uuid}",
        "choices": references,
    }
    return site_of(request).render(request, "describe_form.html", context)


def image_panel(request: Request, record: ImageRecord) -> dict[str, Any]:
    """What the image page shows of the image's completeness, and whether it may be edited."""
    from imagesteward.describe import image_completeness

    root = str(request.scope.get("root_path", "")).rstrip("/")
    form = f"{root}/images/{record.uuid}/describe"
    return {
        "panel": _panel(image_completeness(record.document, record.uuid), form, "Image"),
        "form": form,
        "project": f"{root}/projects/{quote(record.project, safe='')}",
        "dataset": f"{root}/projects/{quote(record.project, safe='')}/datasets/"
        f"{quote(record.dataset, safe='')}",
        "may_edit": _may(request, Action.ANNOTATE, record.project, record.dataset),
    }
