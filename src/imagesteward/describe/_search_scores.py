"""Completeness tiers into the search index (``completeness:>=2`` and its facet).

The catalog cannot score completeness - the rules live here, above it - so this module
scores what changed and hands the tiers down through
:meth:`imagesteward.catalog.Catalog.set_search_completeness`. It is called after each write
that changes what a score depends on: ingest (``steward ingest``, the demo build), image
annotations and study descriptions (:func:`imagesteward.describe.annotate_images`,
:func:`imagesteward.describe.describe_study`, and so spreadsheet imports, templates and the
server's forms), and ``.eln`` imports (:func:`imagesteward.eln.import_eln`, CLI and API
alike). The index keeps the scores when its entries are derived again.
"""

from __future__ import annotations

from collections.abc import Collection

from imagesteward.catalog import Catalog
from imagesteward.describe._completeness import (
    TIERS,
    Completeness,
    image_completeness,
    study_completeness,
)

__all__ = ["score_for_search", "search_tier"]


def search_tier(completeness: Completeness) -> int:
    """The highest tier whose fields (and those of every lower tier) are all filled; 0: none."""
    reached = 0
    for tier in TIERS:
        if not completeness.complete(tier):
            break
        reached = tier
    return reached


def score_for_search(
    catalog: Catalog,
    *,
    image_ids: Collection[int | str] = (),
    projects: Collection[str] = (),
) -> int:
    """Score images, their datasets and studies, and record the tiers in the search index.

    ``image_ids``: images added or changed, by id or UUID (their projects' studies are scored
    again too, and the catalog takes their datasets' tiers from them); ``projects``: studies
    whose description changed. Returns the number of index entries whose score changed.
    """
    scores: dict[tuple[str, int], int | None] = {}
    studies = set(projects)
    for ref in sorted(set(image_ids), key=str):
        image = catalog.get_image(ref)
        scores[("image", image.id)] = search_tier(image_completeness(image.document, image.uuid))
        studies.add(image.project)
    for project in sorted(studies):
        study = catalog.get_study(project)
        if study is not None:  # a project without a study has no study entry
            scores[("study", study.project_id)] = search_tier(
                study_completeness(study.document, project)
            )
    # Datasets follow from their images in the catalog (the lowest tier of them).
    return catalog.set_search_completeness(scores) if scores else 0
