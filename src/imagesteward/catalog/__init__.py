"""The catalog: the database of projects, datasets, original files, images and instruments.

SQLite by default, PostgreSQL for larger facilities; both behave the same. Each image keeps its
validated metadata document as JSON, with the fields people search by promoted to indexed
columns. The schema is managed by the Alembic migrations shipped in ``migrations/``:
:func:`upgrade_catalog` creates or upgrades it, :func:`open_catalog` refuses any other revision.
"""

from imagesteward.catalog._annotate import ImageAnnotation
from imagesteward.catalog._catalog import Catalog, open_catalog
from imagesteward.catalog._changes import ChangeRecord, FieldChange, FieldProblem
from imagesteward.catalog._inputs import (
    AttachmentInput,
    FilesetInput,
    ImageInput,
    OriginalFileInput,
)
from imagesteward.catalog._migrations import CatalogStatus, catalog_status, upgrade_catalog
from imagesteward.catalog._records import (
    CatalogStats,
    DatasetRecord,
    FilesetRecord,
    ImageRecord,
    InstrumentRecord,
    OriginalFileRecord,
    Page,
    ProjectRecord,
)
from imagesteward.catalog._renditions import RenditionInput, RenditionRecord
from imagesteward.catalog._studies import StudyRecord

__all__ = [
    "AttachmentInput",
    "Catalog",
    "CatalogStats",
    "CatalogStatus",
    "ChangeRecord",
    "DatasetRecord",
    "FieldChange",
    "FieldProblem",
    "FilesetInput",
    "FilesetRecord",
    "ImageAnnotation",
    "ImageInput",
    "ImageRecord",
    "InstrumentRecord",
    "OriginalFileInput",
    "OriginalFileRecord",
    "Page",
    "ProjectRecord",
    "RenditionInput",
    "RenditionRecord",
    "StudyRecord",
    "catalog_status",
    "open_catalog",
    "upgrade_catalog",
]
