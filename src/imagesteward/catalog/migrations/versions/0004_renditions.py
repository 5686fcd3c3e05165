"""OME-Zarr renditions of images.

Revision ID: 0004_renditions
Revises: 0003_metadata_documents
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_renditions"
down_revision: str | None = "0003_metadata_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT: sa.types.TypeEngine[Any] = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "renditions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("series_path", sa.String(), nullable=False),
        sa.Column("layout", sa.String(length=16), nullable=False),
        sa.Column("ngff_version", sa.String(length=8), nullable=False),
        sa.Column("zarr_format", sa.Integer(), nullable=False),
        sa.Column("levels", JSON_DOCUMENT, nullable=False),
        sa.Column("bytes_written", sa.BigInteger(), nullable=False),
        sa.Column("plan", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"], ["images.id"], name="fk_renditions_image_id_images"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_renditions"),
        sa.UniqueConstraint("image_id", "url", name="uq_renditions_image_id_url"),
    )
    op.create_index("ix_renditions_image_id", "renditions", ["image_id"])


def downgrade() -> None:
    op.drop_index("ix_renditions_image_id", table_name="renditions")
    op.drop_table("renditions")
