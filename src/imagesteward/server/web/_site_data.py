"""What the pages read that the REST API's service layer does not offer (yet).

The home page's totals and the original-metadata download need two catalog reads that
:class:`~imagesteward.server.Services` has no method for. They go through the request's
``Services`` object (the viewer is known there, and authorization will check it there), in
this one module, so moving them into the service layer is a change of two call sites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imagesteward.errors import NotFoundError
from imagesteward.server._schemas import ImageQuery

if TYPE_CHECKING:
    from imagesteward.catalog import AttachmentInput, CatalogStats, ImageRecord
    from imagesteward.server._services import Services

__all__ = ["catalog_stats", "original_metadata", "recent_images"]


def catalog_stats(services: Services) -> CatalogStats:
    """Totals over the catalog: images, original files and bytes, projects, instruments."""
    return services.resources.installation.catalog.stats()


def original_metadata(services: Services, record: ImageRecord) -> AttachmentInput:
    """The complete original metadata document of an image (OME-XML, CZI XML, JSON...).

    Raises
    ------
    NotFoundError
        When the reader found no metadata document in the image's files.
    """
    found = services.resources.installation.catalog.original_metadata(record.id)
    if found is None or found.content is None:
        raise NotFoundError(
            f"Image {record.uuid} ({record.name}) has no original metadata document: its "
            f"reader ({record.reader}) found none in the file.",
            image=record.uuid,
        )
    return found


def recent_images(services: Services, count: int) -> list[ImageRecord]:
    """Images of the most recently created datasets, newest dataset first.

    The catalog lists images oldest first only (keyset pagination on the id), so "recent" is
    decided per dataset, whose creation time the listing carries.
    """
    datasets = sorted(
        (d for d in services.datasets(None) if d.image_count),
        key=lambda d: (d.created_at, d.id),
        reverse=True,
    )
    images: list[ImageRecord] = []
    for dataset in datasets:
        wanted = count - len(images)
        if wanted <= 0:
            break
        query = ImageQuery(project=dataset.project, dataset=dataset.name, limit=wanted)
        images.extend(services.images(query).items)
    return images
