"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["NAMING_CONVENTION", "JSONDocument", "UTCDateTime", "catalog_metadata", "utcnow"]

# Explicit names make migrations reproducible: SQLite batch migrations recreate tables and can
# only drop or alter constraints they can name, and PostgreSQL would otherwise invent names that
# differ from what a fresh ``create_all`` produces.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def catalog_metadata() -> MetaData:
    """A ``MetaData`` carrying the catalog's naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)


# JSONB on PostgreSQL (indexable, compact, GIN-searchable); JSON text on SQLite.
JSONDocument: TypeEngine[Any] = JSON(none_as_null=True).with_variant(
    JSONB(none_as_null=True), "postgresql"
)


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC and always read back timezone-aware.

    PostgreSQL keeps ``timestamptz`` but returns it in the session's zone; SQLite has no
    timezone support at all and returns naive values. Both are normalised to aware UTC here,
    so nothing above the catalog ever sees a naive instant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing naive datetime {value.isoformat()} for an instant column")
        value = value.astimezone(UTC)
        # SQLite's DATETIME storage silently drops the offset; drop it ourselves after the
        # conversion so the stored text is unambiguously UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
