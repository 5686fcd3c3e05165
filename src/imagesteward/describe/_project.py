"""Completeness of a whole project: its study, each dataset, and (on request) each image."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from imagesteward.catalog import Catalog, ImageRecord
from imagesteward.describe._completeness import (
    Completeness,
    dataset_completeness,
    image_completeness,
    study_completeness,
)

__all__ = ["ProjectCompleteness", "project_completeness", "project_images"]

_PAGE = 500


@dataclass(frozen=True, slots=True)
class ProjectCompleteness:
    """The completeness of a project against the tier publication requires."""

    project: str
    required_tier: int
    study: Completeness
    datasets: tuple[Completeness, ...]
    images: tuple[Completeness, ...] = ()

    @property
    def ready(self) -> bool:
        """Whether the study and every dataset fill every field up to ``required_tier``."""
        parts = (self.study, *self.datasets)
        return all(part.complete(self.required_tier) for part in parts)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "project": self.project,
            "required_tier": self.required_tier,
            "ready": self.ready,
            "study": self.study.as_json(),
            "datasets": [dataset.as_json() for dataset in self.datasets],
            "images": [image.as_json() for image in self.images],
        }


def project_images(catalog: Catalog, project: str) -> Iterator[ImageRecord]:
    """Every image of ``project``, page by page, in catalog order."""
    cursor: str | None = None
    while True:
        page = catalog.list_images(project=project, limit=_PAGE, cursor=cursor)
        yield from page.items
        cursor = page.next_cursor
        if cursor is None:
            return


def project_completeness(
    catalog: Catalog,
    project: str,
    *,
    required_tier: int = 2,
    per_image: bool = False,
    datasets: Collection[str] | None = None,
) -> ProjectCompleteness:
    """Score the study and every dataset of ``project`` per tier.

    Parameters
    ----------
    required_tier
        The tier publication requires (1 minimal, 2 recommended, 3 full); ``ready`` says
        whether everything up to it is filled.
    per_image
        Also score each image on its own.
    datasets
        Only these datasets of the project (the ones a viewer may see); default: all.

    Raises
    ------
    NotFoundError
        For an unknown project.
    """
    record = catalog.get_study(project)
    study = study_completeness(record.document if record else None, project)
    by_dataset: dict[str, list[ImageRecord]] = {}
    for image in project_images(catalog, project):
        if datasets is None or image.dataset in datasets:
            by_dataset.setdefault(image.dataset, []).append(image)
    scored = tuple(
        dataset_completeness((i.document for i in images), f"{project}/{name}")
        for name, images in sorted(by_dataset.items())
    )
    images = tuple(
        image_completeness(i.document, i.uuid)
        for _, group in sorted(by_dataset.items())
        for i in group
        if per_image
    )
    return ProjectCompleteness(project, required_tier, study, scored, images)
