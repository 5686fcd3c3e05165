"""Catalog records → API models, and the URLs the API hands out.

URLs are root-relative (``/api/v1/images/…``, prefixed with the ASGI ``root_path`` when the
server is mounted below a proxy path), so they stay right whatever host name clients use.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from imagesteward.server._schemas import (
    DatasetOut,
    ImageLinks,
    ImageOut,
    InstrumentOut,
    OriginalFileOut,
    ProjectOut,
    RenditionOut,
)

if TYPE_CHECKING:
    from imagesteward.catalog import (
        DatasetRecord,
        ImageRecord,
        InstrumentRecord,
        OriginalFileRecord,
        ProjectRecord,
        RenditionRecord,
    )

__all__ = [
    "API",
    "dataset_out",
    "image_out",
    "instrument_out",
    "original_out",
    "project_out",
    "rendition_out",
    "zarr_url",
]

API = "/api/v1"


def _aware(moment: datetime) -> datetime:
    # Catalog timestamps are UTC; SQLite hands some back without their zone.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def zarr_url(root: str, image_uuid: str) -> str:
    """Where an image's OME-Zarr is served."""
    return f"{root}/zarr/{image_uuid}"


def project_out(record: ProjectRecord) -> ProjectOut:
    """API form of a project."""
    return ProjectOut(
        id=record.id,
        name=record.name,
        description=record.description,
        created_at=_aware(record.created_at),
        dataset_count=record.dataset_count,
        image_count=record.image_count,
    )


def dataset_out(record: DatasetRecord) -> DatasetOut:
    """API form of a dataset."""
    return DatasetOut(
        id=record.id,
        project=record.project,
        name=record.name,
        description=record.description,
        created_at=_aware(record.created_at),
        image_count=record.image_count,
    )


def image_out(record: ImageRecord, root: str) -> ImageOut:
    """API form of an image; ``root`` is the ASGI root path."""
    base = f"{root}{API}/images/{record.uuid}"
    date = record.acquisition_date
    aware = date is not None and date.tzinfo is not None
    return ImageOut(
        id=record.id,
        uuid=record.uuid,
        name=record.name,
        project=record.project,
        dataset=record.dataset,
        series_index=record.series_index,
        file_format=record.file_format,
        reader=record.reader,
        axes=record.axes,
        size_t=record.size_t,
        size_c=record.size_c,
        size_z=record.size_z,
        size_y=record.size_y,
        size_x=record.size_x,
        samples_per_pixel=record.samples_per_pixel,
        pixel_type=record.pixel_type,
        levels=[list(level) for level in record.structure.levels],
        physical_size_x=record.physical_size_x,
        physical_size_y=record.physical_size_y,
        physical_size_z=record.physical_size_z,
        time_increment=record.time_increment,
        acquired_at=date if aware else None,
        acquired_local_time=date if date is not None and not aware else None,
        acquisition_mode=record.acquisition_mode,
        instrument_id=record.instrument_id,
        objective_model=record.objective_model,
        objective_magnification=record.objective_magnification,
        objective_na=record.objective_na,
        objective_immersion=record.objective_immersion,
        created_at=_aware(record.created_at),
        links=ImageLinks(
            self=base,
            metadata=f"{base}/metadata",
            jsonld=f"{base}/metadata.jsonld",
            files=f"{base}/files",
            renditions=f"{base}/renditions",
            thumbnail=f"{base}/thumbnail.jpg",
            view=f"{base}/view",
            zarr=zarr_url(root, record.uuid),
        ),
    )


def original_out(record: OriginalFileRecord, root: str) -> OriginalFileOut:
    """API form of an original file."""
    return OriginalFileOut(
        sha256=record.sha256,
        size=record.size,
        name=record.original_name,
        original_path=record.original_path,
        role=record.role,
        url=f"{root}{API}/originals/{record.sha256}",
    )


def instrument_out(record: InstrumentRecord) -> InstrumentOut:
    """API form of an instrument."""
    return InstrumentOut(
        id=record.id,
        manufacturer=record.manufacturer,
        model=record.model,
        serial_number=record.serial_number,
        instrument_name=record.instrument_name,
        pidinst=record.pidinst,
        image_count=record.image_count,
        created_at=_aware(record.created_at),
        microscope=record.microscope.model_dump(mode="json", exclude_none=True),
    )


def rendition_out(record: RenditionRecord, image_uuid: str, root: str) -> RenditionOut:
    """API form of a rendition. Its storage location stays private: clients use the URL."""
    return RenditionOut(
        layout=record.layout,
        ngff_version=record.ngff_version,
        zarr_format=record.zarr_format,
        levels=[list(level) for level in record.levels],
        bytes_written=record.bytes_written,
        plan=record.plan,
        created_at=_aware(record.created_at),
        zarr_url=zarr_url(root, image_uuid),
    )
