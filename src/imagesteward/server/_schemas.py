"""What the API accepts and returns: pydantic models, separate from the catalog's records.

Inputs forbid unknown fields (a misspelt filter is an error, not a silent "everything");
outputs carry timezone-aware datetimes, except an acquisition time whose zone the instrument
never recorded, which is given as the naive local time it is, in its own field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, NaiveDatetime, StringConstraints

__all__ = [
    "DatasetList",
    "DatasetOut",
    "DatasetQuery",
    "FileList",
    "Health",
    "ImageLinks",
    "ImageOut",
    "ImagePage",
    "ImageQuery",
    "ImageRef",
    "InstrumentList",
    "InstrumentOut",
    "OriginalFileOut",
    "ProjectList",
    "ProjectOut",
    "RenditionList",
    "RenditionOut",
    "SearchText",
]

# Catalog text never holds NUL (PostgreSQL refuses it outright), so the API refuses it first.
SearchText = Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00]*$")]

#: An image id (digits), UUID or UUID prefix of at least 8 hex digits. ASCII digits only:
#: ``str.isdigit`` also accepts '²' and friends, which no catalog id is made of.
ImageRef = Annotated[
    str,
    StringConstraints(pattern=r"^([0-9]{1,19}|[0-9a-fA-F][0-9a-fA-F-]{7,35})$"),
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetQuery(_Input):
    """Filters of the dataset listing."""

    project: SearchText | None = Field(default=None, description="Only this project (by name).")


class ImageQuery(_Input):
    """Filters and position of an image listing or basic search."""

    project: SearchText | None = Field(default=None, description="Only this project (by name).")
    dataset: SearchText | None = Field(default=None, description="Only this dataset (by name).")
    q: SearchText | None = Field(
        default=None, description="Case-insensitive substring of the image name."
    )
    format: SearchText | None = Field(
        default=None, description="Only this file format (ome-tiff, czi, nd2...)."
    )
    limit: int = Field(default=50, ge=1, le=1000, description="Largest number of items.")
    cursor: SearchText | None = Field(
        default=None, description="The next_cursor of the previous page; it keeps its filters."
    )


class Health(_Output):
    """The server is up and its catalog answers."""

    status: Literal["ok"] = "ok"
    version: str = Field(description="imagesteward version.")
    catalog: str = Field(description="Catalog backend: sqlite or postgresql.")
    images: int = Field(description="Images in the catalog.")


class ProjectOut(_Output):
    """A project with how much it holds."""

    id: int
    name: str
    description: str | None
    created_at: AwareDatetime
    dataset_count: int
    image_count: int


class ProjectList(_Output):
    """Every project, by name."""

    items: list[ProjectOut]


class DatasetOut(_Output):
    """A dataset of a project."""

    id: int
    project: str
    name: str
    description: str | None
    created_at: AwareDatetime
    image_count: int


class DatasetList(_Output):
    """Datasets, by project and name."""

    items: list[DatasetOut]


class ImageLinks(_Output):
    """Where to find more about an image (paths relative to the server)."""

    self: str
    metadata: str
    jsonld: str
    files: str
    renditions: str
    thumbnail: str
    view: str
    zarr: str = Field(description="The OME-Zarr image; 404 until the image has a rendition.")


class ImageOut(_Output):
    """A catalogued image: identity, place, dimensions, calibration and acquisition."""

    id: int
    uuid: str
    name: str | None
    project: str
    dataset: str
    series_index: int
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
    levels: list[list[int]] = Field(description="Shape of each stored resolution level.")
    physical_size_x: float | None = Field(description="µm per pixel along x.")
    physical_size_y: float | None = Field(description="µm per pixel along y.")
    physical_size_z: float | None = Field(description="µm between planes.")
    time_increment: float | None = Field(description="Seconds between time points.")
    acquired_at: AwareDatetime | None = Field(
        description="Acquisition time, when its zone is known."
    )
    acquired_local_time: NaiveDatetime | None = Field(
        description="Acquisition wall-clock time when the instrument recorded no time zone."
    )
    acquisition_mode: str | None
    instrument_id: int | None
    objective_model: str | None
    objective_magnification: float | None
    objective_na: float | None
    objective_immersion: str | None
    created_at: AwareDatetime
    links: ImageLinks


class ImagePage(_Output):
    """One page of images; follow ``next`` (or pass ``next_cursor``) until it is null.

    A filtered page may hold fewer than ``limit`` items, even none, before the last page.
    """

    items: list[ImageOut]
    next_cursor: str | None
    next: str | None = Field(description="URL of the next page, or null on the last page.")


class OriginalFileOut(_Output):
    """An original file as it came from the instrument, kept byte for byte."""

    sha256: str
    size: int
    name: str
    original_path: str = Field(description="Where the file was when it was ingested.")
    role: str = Field(description="primary, member or companion.")
    url: str = Field(description="Download URL (supports Range).")


class FileList(_Output):
    """The original files of an image, primary first."""

    items: list[OriginalFileOut]


class InstrumentOut(_Output):
    """A microscope with the number of images acquired on it."""

    id: int
    manufacturer: str | None
    model: str | None
    serial_number: str | None
    instrument_name: str | None
    pidinst: str | None
    image_count: int
    created_at: AwareDatetime
    microscope: dict[str, Any] = Field(description="The Microscope metadata document.")


class InstrumentList(_Output):
    """Every instrument, in the order first seen."""

    items: list[InstrumentOut]


class RenditionOut(_Output):
    """A validated OME-Zarr conversion of an image."""

    layout: str = Field(description="image, bioformats2raw or plate (of the whole file set).")
    ngff_version: str
    zarr_format: int
    levels: list[list[int]]
    bytes_written: int = Field(description="Compressed size of the whole conversion.")
    plan: str = Field(description="Digest of the conversion's inputs and options.")
    created_at: AwareDatetime
    zarr_url: str = Field(description="This image as a Zarr store over HTTP.")


class RenditionList(_Output):
    """Renditions of an image, newest (the one served) first."""

    items: list[RenditionOut]
