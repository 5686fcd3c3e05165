"""The catalog: the database of projects, datasets, original files, images and instruments.

SQLite by default, PostgreSQL for larger facilities; both behave the same. Each image keeps its
validated metadata document as JSON, with the fields people search by promoted to indexed
columns. The schema is managed by the Alembic migrations shipped in ``migrations/``:
:func:`upgrade_catalog` creates or upgrades it, :func:`open_catalog` refuses any other revision.
"""

from imagesteward.catalog._access import AccessCatalog, access_catalog
from imagesteward.catalog._access_move import MovedImages
from imagesteward.catalog._access_oidc import OidcIdentity
from imagesteward.catalog._access_views import SharedItem, ShareRecord, VisibilityView
from imagesteward.catalog._accounts import GroupRecord, TokenRecord, UserRecord
from imagesteward.catalog._annotate import ImageAnnotation
from imagesteward.catalog._audit import AuditRecord, export_audit
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
from imagesteward.catalog._removal import (
    PurgeCandidates,
    RemovalCatalog,
    Removed,
    removal_catalog,
)
from imagesteward.catalog._renditions import RenditionInput, RenditionRecord
from imagesteward.catalog._search_tables import ENTRY_KINDS, FACETS
from imagesteward.catalog._search_types import (
    FacetCount,
    FacetFilter,
    IndexHit,
    IndexPage,
    IndexQuery,
    Restriction,
    TextMatch,
)
from imagesteward.catalog._sharing import ReviewerLinkRecord
from imagesteward.catalog._studies import StudyRecord
from imagesteward.catalog._visibility import AccessRecord

__all__ = [
    "ENTRY_KINDS",
    "FACETS",
    "AccessCatalog",
    "AccessRecord",
    "AttachmentInput",
    "AuditRecord",
    "Catalog",
    "CatalogStats",
    "CatalogStatus",
    "ChangeRecord",
    "DatasetRecord",
    "FacetCount",
    "FacetFilter",
    "FieldChange",
    "FieldProblem",
    "FilesetInput",
    "FilesetRecord",
    "GroupRecord",
    "ImageAnnotation",
    "ImageInput",
    "ImageRecord",
    "IndexHit",
    "IndexPage",
    "IndexQuery",
    "InstrumentRecord",
    "MovedImages",
    "OidcIdentity",
    "OriginalFileInput",
    "OriginalFileRecord",
    "Page",
    "ProjectRecord",
    "PurgeCandidates",
    "RemovalCatalog",
    "Removed",
    "RenditionInput",
    "RenditionRecord",
    "Restriction",
    "ReviewerLinkRecord",
    "ShareRecord",
    "SharedItem",
    "StudyRecord",
    "TextMatch",
    "TokenRecord",
    "UserRecord",
    "VisibilityView",
    "access_catalog",
    "catalog_status",
    "export_audit",
    "open_catalog",
    "removal_catalog",
    "upgrade_catalog",
]
