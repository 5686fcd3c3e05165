"""The catalog's tables, as typed SQLAlchemy ORM classes.

These classes are the reference the migrations are checked against (a test compares them with
the schema the migrations build, on SQLite and PostgreSQL). Changing a column here therefore
always comes with a new revision in ``migrations/versions``.

Each image keeps its complete, validated metadata document as JSON; the fields people search
and sort by are copied ("promoted") into ordinary indexed columns next to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from imagesteward.catalog._sqltypes import JSONDocument, UTCDateTime, catalog_metadata, utcnow

__all__ = [
    "FILE_ROLES",
    "Base",
    "DatasetRow",
    "FilesetRow",
    "ImageChannelRow",
    "ImageRow",
    "InstrumentRow",
    "MetadataChangeRow",
    "MetadataDocumentRow",
    "OriginalFileRow",
    "PersonRow",
    "ProjectRow",
    "RenditionRow",
    "StudyRow",
]

#: What an original file is to its fileset: the file a reader opened, a file it needed beside
#: it (OME-TIFF companion, .xml sidecar), or one of many equal parts (multi-file series).
FILE_ROLES = ("primary", "companion", "member")


class Base(DeclarativeBase):
    """Declarative base bound to the catalog's naming convention."""

    metadata = catalog_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONDocument,
        datetime: UTCDateTime,
    }


class ProjectRow(Base):
    """A project: the top-level grouping a facility user sees."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DatasetRow(Base):
    """A dataset within a project; names are unique per project."""

    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Tombstone: a removed dataset keeps its rows and is hidden everywhere (0010_removals).
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by: Mapped[str | None] = mapped_column(String)


class FilesetRow(Base):
    """One acquisition's set of original files, ingested together by one reader."""

    __tablename__ = "filesets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    # The reader's name and version as one string, e.g. "ome-tiff (tifffile 2025.5.10)".
    reader: Mapped[str] = mapped_column(String)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    ingested_by: Mapped[str | None] = mapped_column(String)
    metadata_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    metadata_media_type: Mapped[str | None] = mapped_column(String)
    metadata_size: Mapped[int | None] = mapped_column(BigInteger)
    metadata_name: Mapped[str | None] = mapped_column(String)

    files: Mapped[list[OriginalFileRow]] = relationship(lazy="raise")
    images: Mapped[list[ImageRow]] = relationship(lazy="raise")


class RenditionRow(Base):
    """A validated OME-Zarr holding an image's pixels (one row per image and location)."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("image_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"), index=True)
    # The Zarr hierarchy's root (absolute path or fsspec URL) and the image's group inside it.
    url: Mapped[str] = mapped_column(String)
    series_path: Mapped[str] = mapped_column(String)
    layout: Mapped[str] = mapped_column(String(16))
    ngff_version: Mapped[str] = mapped_column(String(8))
    zarr_format: Mapped[int] = mapped_column(Integer)
    levels: Mapped[Any] = mapped_column(JSONDocument)
    bytes_written: Mapped[int] = mapped_column(BigInteger)
    plan: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MetadataDocumentRow(Base):
    """The complete native metadata of an original (OME-XML, CZI XML...), kept verbatim.

    Derived data - any reader can extract it again from the stored original - so it lives in
    the catalog, compressed, rather than as another archival object in the store. Keyed by
    the SHA-256 of the uncompressed document, shared by filesets that carry the same one.
    """

    __tablename__ = "metadata_documents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String)
    size: Mapped[int] = mapped_column(BigInteger)
    encoding: Mapped[str] = mapped_column(String(16))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class OriginalFileRow(Base):
    """An original file, identified by its content digest; each is catalogued once."""

    __tablename__ = "original_files"
    __table_args__ = (CheckConstraint("role IN ('primary', 'companion', 'member')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fileset_id: Mapped[int] = mapped_column(ForeignKey("filesets.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    original_name: Mapped[str] = mapped_column(String)
    original_path: Mapped[str] = mapped_column(Text)
    store_key: Mapped[str] = mapped_column(Text)
    stored_in_place: Mapped[bool] = mapped_column(Boolean)
    role: Mapped[str] = mapped_column(String(16))


class InstrumentRow(Base):
    """A microscope, catalogued once however many files name it.

    ``identity_key`` is a digest of the normalised (manufacturer, model, serial number): a
    unique constraint over the three nullable columns themselves would never fire, because
    SQL considers two NULLs different.
    """

    __tablename__ = "instruments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity_key: Mapped[str] = mapped_column(String(64), unique=True)
    manufacturer: Mapped[str | None] = mapped_column(String, index=True)
    model: Mapped[str | None] = mapped_column(String)
    serial_number: Mapped[str | None] = mapped_column(String)
    instrument_name: Mapped[str | None] = mapped_column(String)
    pidinst: Mapped[str | None] = mapped_column(String)
    microscope: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonRow(Base):
    """A person named by the metadata (the operator of an acquisition).

    People with an ORCID iD are identified by it; others by their normalised name and e-mail.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String)
    orcid: Mapped[str | None] = mapped_column(String, unique=True)
    email: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImageRow(Base):
    """One image series: the validated document plus its promoted, indexed columns."""

    __tablename__ = "images"
    __table_args__ = (
        Index(None, "acquisition_date"),
        Index(None, "file_format"),
        Index(None, "acquisition_mode"),
        Index(None, "imaging_method_id"),
        Index(None, "objective_magnification"),
        Index(None, "original_metadata_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    fileset_id: Mapped[int] = mapped_column(ForeignKey("filesets.id"), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instruments.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    series_index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String)
    file_format: Mapped[str] = mapped_column(String)
    reader: Mapped[str | None] = mapped_column(String)
    axes: Mapped[str] = mapped_column(String)
    size_t: Mapped[int] = mapped_column(Integer)
    size_c: Mapped[int] = mapped_column(Integer)
    size_z: Mapped[int] = mapped_column(Integer)
    size_y: Mapped[int] = mapped_column(Integer)
    size_x: Mapped[int] = mapped_column(Integer)
    samples_per_pixel: Mapped[int | None] = mapped_column(Integer)
    pixel_type: Mapped[str] = mapped_column(String(16))
    physical_size_x: Mapped[float | None] = mapped_column(Double)
    physical_size_y: Mapped[float | None] = mapped_column(Double)
    physical_size_z: Mapped[float | None] = mapped_column(Double)
    time_increment: Mapped[float | None] = mapped_column(Double)
    # UTC when the file said which zone (acquisition_timezone_known), else local wall time of
    # an unknown zone: such a value is not an instant, so the column has no time zone.
    acquisition_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    acquisition_timezone_known: Mapped[bool | None] = mapped_column(Boolean)
    acquisition_mode: Mapped[str | None] = mapped_column(String)
    imaging_method_id: Mapped[str | None] = mapped_column(String)
    objective_model: Mapped[str | None] = mapped_column(String)
    objective_magnification: Mapped[float | None] = mapped_column(Double)
    objective_na: Mapped[float | None] = mapped_column(Double)
    objective_immersion: Mapped[str | None] = mapped_column(String)
    original_metadata_sha256: Mapped[str | None] = mapped_column(String(64))
    structure: Mapped[dict[str, Any]] = mapped_column()
    document: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Last change to the document after ingest (``annotate_images``); NULL while the
    # document is exactly what the reader captured. Every change is in metadata_changes.
    updated_at: Mapped[datetime | None] = mapped_column()
    updated_by: Mapped[str | None] = mapped_column(String)
    # Tombstone: a removed image keeps its rows and is hidden everywhere (0010_removals).
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by: Mapped[str | None] = mapped_column(String)

    channels: Mapped[list[ImageChannelRow]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ImageChannelRow.channel_index"
    )


class ImageChannelRow(Base):
    """One channel of an image, promoted for searching by fluorophore and wavelength."""

    __tablename__ = "image_channels"
    __table_args__ = (UniqueConstraint("image_id", "channel_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    channel_index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String)
    fluorophore_name: Mapped[str | None] = mapped_column(String, index=True)
    excitation_nm: Mapped[float | None] = mapped_column(Double)
    emission_nm: Mapped[float | None] = mapped_column(Double, index=True)


class StudyRow(Base):
    """A project's REMBI study description: one validated ``Study`` document per project."""

    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), unique=True)
    title: Mapped[str] = mapped_column(String)
    document: Mapped[dict[str, Any]] = mapped_column()
    # Incremented by every save that changes the document: a writer that read revision N
    # can refuse to overwrite a study someone else saved in the meantime.
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String)


class MetadataChangeRow(Base):
    """One change to a study or an image document after ingest: who, when, which fields.

    ``changes`` lists every changed leaf field as ``{"field", "old", "new"}``. The rows are
    the audit log, and they tell which image fields a person set (those stay editable, while
    values captured from the files are protected).
    """

    __tablename__ = "metadata_changes"
    __table_args__ = (
        CheckConstraint("subject IN ('study', 'image')", name="subject"),
        Index(None, "changed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str | None] = mapped_column(String)
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[Any] = mapped_column(JSONDocument)
