"""What the catalog returns: frozen records, separate from the ORM rows behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from imagesteward.catalog._inputs import AttachmentInput
from imagesteward.catalog._tables import FilesetRow, ImageRow, InstrumentRow, OriginalFileRow
from imagesteward.model import ArrayStructure, Image, Microscope

__all__ = [
    "CatalogStats",
    "DatasetRecord",
    "FilesetRecord",
    "ImageRecord",
    "InstrumentRecord",
    "OriginalFileRecord",
    "Page",
    "ProjectRecord",
    "file_record",
    "fileset_record",
    "image_record",
    "instrument_record",
    "structure_from_json",
    "structure_to_json",
]


@dataclass(frozen=True, slots=True)
class ImageRecord:
    """A catalogued image: promoted columns, its full document and its pixel structure.

    ``acquisition_date`` is aware (UTC) when ``acquisition_timezone_known``, otherwise the
    naive wall-clock time the file recorded.
    """

    id: int
    uuid: str
    project: str
    dataset: str
    dataset_id: int
    fileset_id: int
    instrument_id: int | None
    operator_id: int | None
    series_index: int
    name: str | None
    file_format: str
    reader: str | None
    axes: str
    size_t: int
    size_c: int
    size_z: int
    size_y: int
    size_x: int
    samples_per_pixel: int | None
    pixel_type: str
    physical_size_x: float | None
    physical_size_y: float | None
    physical_size_z: float | None
    time_increment: float | None
    acquisition_date: datetime | None
    acquisition_timezone_known: bool | None
    acquisition_mode: str | None
    imaging_method_id: str | None
    objective_model: str | None
    objective_magnification: float | None
    objective_na: float | None
    objective_immersion: str | None
    created_at: datetime
    document: Image
    structure: ArrayStructure


@dataclass(frozen=True, slots=True)
class OriginalFileRecord:
    """A catalogued original file."""

    id: int
    fileset_id: int
    sha256: str
    size: int
    original_name: str
    original_path: str
    store_key: str
    stored_in_place: bool
    role: str


@dataclass(frozen=True, slots=True)
class FilesetRecord:
    """A catalogued fileset with its files and images.

    ``original_metadata`` describes the attachment exactly as it was given at ingest.
    """

    id: int
    project: str
    dataset: str
    reader: str
    ingested_at: datetime
    ingested_by: str | None
    original_metadata: AttachmentInput | None
    files: tuple[OriginalFileRecord, ...]
    images: tuple[ImageRecord, ...]

    @property
    def image_ids(self) -> tuple[int, ...]:
        """Ids of the fileset's images, in the order they were given."""
        return tuple(image.id for image in self.images)

    @property
    def image_uuids(self) -> tuple[str, ...]:
        """UUIDs of the fileset's images, in the order they were given."""
        return tuple(image.uuid for image in self.images)


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    """A project with how much it holds."""

    id: int
    name: str
    description: str | None
    created_at: datetime
    dataset_count: int
    image_count: int


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    """A dataset with its project's name and how many images it holds."""

    id: int
    project_id: int
    project: str
    name: str
    description: str | None
    created_at: datetime
    image_count: int


@dataclass(frozen=True, slots=True)
class InstrumentRecord:
    """A microscope, with the number of images acquired on it."""

    id: int
    manufacturer: str | None
    model: str | None
    serial_number: str | None
    instrument_name: str | None
    pidinst: str | None
    microscope: Microscope
    created_at: datetime
    image_count: int


@dataclass(frozen=True, slots=True)
class CatalogStats:
    """Totals over the whole catalog."""

    projects: int
    datasets: int
    filesets: int
    images: int
    original_files: int
    original_bytes: int
    instruments: int


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a listing; pass ``next_cursor`` back for the next (``None``: last page)."""

    items: tuple[T, ...]
    next_cursor: str | None


def structure_to_json(structure: ArrayStructure) -> dict[str, Any]:
    """The structure as a JSON object."""
    return {
        "dims": list(structure.dims),
        "shape": list(structure.shape),
        "dtype": structure.dtype,
        "levels": [list(level) for level in structure.levels],
        "chunks": None if structure.chunks is None else list(structure.chunks),
        "pixels": structure.pixels,
    }


def structure_from_json(data: dict[str, Any]) -> ArrayStructure:
    """Rebuild a structure from :func:`structure_to_json` output."""
    chunks = data.get("chunks")
    return ArrayStructure(
        dims=tuple(data["dims"]),
        shape=tuple(data["shape"]),
        dtype=data["dtype"],
        levels=tuple(tuple(level) for level in data["levels"]),
        chunks=None if chunks is None else tuple(chunks),
        pixels=bool(data.get("pixels", True)),
    )


def image_record(row: ImageRow, project: str, dataset: str) -> ImageRecord:
    """The record of an image row."""
    date = row.acquisition_date
    if date is not None and row.acquisition_timezone_known:
        date = date.replace(tzinfo=UTC)
    return ImageRecord(
        id=row.id,
        uuid=row.uuid,
        project=project,
        dataset=dataset,
        dataset_id=row.dataset_id,
        fileset_id=row.fileset_id,
        instrument_id=row.instrument_id,
        operator_id=row.operator_id,
        series_index=row.series_index,
        name=row.name,
        file_format=row.file_format,
        reader=row.reader,
        axes=row.axes,
        size_t=row.size_t,
        size_c=row.size_c,
        size_z=row.size_z,
        size_y=row.size_y,
        size_x=row.size_x,
        samples_per_pixel=row.samples_per_pixel,
        pixel_type=row.pixel_type,
        physical_size_x=row.physical_size_x,
        physical_size_y=row.physical_size_y,
        physical_size_z=row.physical_size_z,
        time_increment=row.time_increment,
        acquisition_date=date,
        acquisition_timezone_known=row.acquisition_timezone_known,
        acquisition_mode=row.acquisition_mode,
        imaging_method_id=row.imaging_method_id,
        objective_model=row.objective_model,
        objective_magnification=row.objective_magnification,
        objective_na=row.objective_na,
        objective_immersion=row.objective_immersion,
        created_at=row.created_at,
        document=Image.model_validate(row.document),
        structure=structure_from_json(row.structure),
    )


def file_record(row: OriginalFileRow) -> OriginalFileRecord:
    """The record of an original-file row."""
    return OriginalFileRecord(
        id=row.id,
        fileset_id=row.fileset_id,
        sha256=row.sha256,
        size=row.size,
        original_name=row.original_name,
        original_path=row.original_path,
        store_key=row.store_key,
        stored_in_place=row.stored_in_place,
        role=row.role,
    )


def fileset_record(
    row: FilesetRow,
    project: str,
    dataset: str,
    files: list[OriginalFileRow],
    images: list[ImageRow],
) -> FilesetRecord:
    """The record of a fileset row with its files and images."""
    attachment = None
    if row.metadata_sha256 is not None:
        attachment = AttachmentInput(
            sha256=row.metadata_sha256,
            size=row.metadata_size or 0,
            name=row.metadata_name or "",
            media_type=row.metadata_media_type or "",
        )
    return FilesetRecord(
        id=row.id,
        project=project,
        dataset=dataset,
        reader=row.reader,
        ingested_at=row.ingested_at,
        ingested_by=row.ingested_by,
        original_metadata=attachment,
        files=tuple(file_record(f) for f in files),
        images=tuple(image_record(i, project, dataset) for i in images),
    )


def instrument_record(row: InstrumentRow, image_count: int) -> InstrumentRecord:
    """The record of an instrument row."""
    return InstrumentRecord(
        id=row.id,
        manufacturer=row.manufacturer,
        model=row.model,
        serial_number=row.serial_number,
        instrument_name=row.instrument_name,
        pidinst=row.pidinst,
        microscope=Microscope.model_validate(row.microscope),
        created_at=row.created_at,
        image_count=image_count,
    )
