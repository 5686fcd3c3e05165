"""Everything the image page shows, gathered through the service layer in one call.

The viewer's start-up document (the API's ``/view`` plus calibrations in µm) is embedded in
the page: the viewer draws its first tiles without waiting for a second round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imagesteward.errors import RenditionNotFoundError
from imagesteward.model.units import length_to_micrometres
from imagesteward.server._image_view import view_out
from imagesteward.server._present import API
from imagesteward.server.web._rembi import (
    ChannelRow,
    Fact,
    acquisition_facts,
    channel_rows,
    image_facts,
    instrument_facts,
)

if TYPE_CHECKING:
    from imagesteward.catalog import ImageRecord, OriginalFileRecord, RenditionRecord
    from imagesteward.model import Attachment
    from imagesteward.server._services import Services

__all__ = ["ImagePage", "image_page", "napari_snippets"]


@dataclass(frozen=True)
class ImagePage:
    """An image, its metadata by REMBI section, its files, renditions and viewer settings."""

    record: ImageRecord
    image: list[Fact]
    acquisition: list[Fact]
    instrument: list[Fact]
    channels: list[ChannelRow]
    channel_columns: set[str]
    files: list[OriginalFileRecord]
    renditions: list[RenditionRecord]
    original_metadata: Attachment | None
    zarr_url: str | None
    viewer: dict[str, Any] | None
    viewer_problem: str | None


def napari_snippets(zarr_url: str) -> tuple[str, str]:
    """How to open the image in napari: the shell command and the Python equivalent."""
    shell = f"napari --plugin napari-ome-zarr {zarr_url}"
    python = (
        "import napari\n\n"
        "viewer = napari.Viewer()\n"
        f'viewer.open("{zarr_url}", plugin="napari-ome-zarr")\n'
        "napari.run()"
    )
    return shell, python


def image_page(services: Services, ref: str, *, root: str, origin: str) -> ImagePage:
    """Gather the image page of ``ref`` (id, UUID or UUID prefix).

    Parameters
    ----------
    root
        The ASGI root path (links stay below a proxy prefix).
    origin
        Scheme, host and root path as the browser reached us: the Zarr URL is given to other
        programs (napari), so it must be absolute.
    """
    record, files = services.image_files(ref)
    _, renditions = services.renditions(record.uuid)
    document = record.document
    rows, columns = channel_rows(document)
    viewer: dict[str, Any] | None = None
    problem: str | None = None
    zarr_url: str | None = None
    if renditions:
        zarr_url = f"{origin}/zarr/{record.uuid}"
        try:
            viewer = _viewer_config(services, record, root)
        except RenditionNotFoundError as exc:
            problem = exc.message
    else:
        problem = "This image has no OME-Zarr rendition to view yet; 'steward convert' makes one."
    return ImagePage(
        record=record,
        image=image_facts(document),
        acquisition=acquisition_facts(document),
        instrument=instrument_facts(document),
        channels=rows,
        channel_columns=columns,
        files=files,
        renditions=renditions,
        original_metadata=document.original_metadata,
        zarr_url=zarr_url,
        viewer=viewer,
        viewer_problem=problem,
    )


def _viewer_config(services: Services, record: ImageRecord, root: str) -> dict[str, Any]:
    image_uuid, location = services.rendition_of(record.uuid)
    view = services.renderer.describe(location.url, location.series_path)
    base = f"{root}{API}/images/{image_uuid}"
    described = view_out(view, image_uuid, f"{base}/tiles")
    calibration = None
    if view.pixel_sizes and view.pixel_sizes[0].unit is not None:
        size = view.pixel_sizes[0]
        x = length_to_micrometres(size.x, size.unit)
        y = length_to_micrometres(size.y, size.unit)
        z = length_to_micrometres(size.z, size.unit)
        if x is not None and y is not None:
            calibration = {"x": x, "y": y, "z": z}
    return {
        "view": described.model_dump(mode="json"),
        "pixelSizeUm": calibration,
        "timeIncrementS": record.time_increment,
        "histogram": f"{root}/images/{image_uuid}/histograms/{{channel}}.json",
    }
