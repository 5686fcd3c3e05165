"""Study descriptions, the metadata change log, and who last changed an image document.

Revision ID: 0005_studies
Revises: 0004_renditions
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_studies"
down_revision: str | None = "0004_renditions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT: sa.types.TypeEngine[Any] = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "studies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_studies_project_id_projects"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_studies"),
        sa.UniqueConstraint("project_id", name="uq_studies_project_id"),
    )
    op.create_table(
        "metadata_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changes", JSON_DOCUMENT, nullable=False),
        sa.CheckConstraint(
            "subject IN ('study', 'image')", name="ck_metadata_changes_subject"
        ),
        sa.ForeignKeyConstraint(
            ["image_id"], ["images.id"], name="fk_metadata_changes_image_id_images"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_metadata_changes_project_id_projects"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_metadata_changes"),
    )
    op.create_index("ix_metadata_changes_changed_at", "metadata_changes", ["changed_at"])
    op.create_index("ix_metadata_changes_image_id", "metadata_changes", ["image_id"])
    op.create_index("ix_metadata_changes_project_id", "metadata_changes", ["project_id"])
    # Nullable columns without defaults: SQLite adds them in place (no table rebuild), so
    # the upgrade costs the same for ten images or ten million.
    with op.batch_alter_table("images") as batch:
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("updated_by", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("images") as batch:
        batch.drop_column("updated_by")
        batch.drop_column("updated_at")
    op.drop_index("ix_metadata_changes_project_id", table_name="metadata_changes")
    op.drop_index("ix_metadata_changes_image_id", table_name="metadata_changes")
    op.drop_index("ix_metadata_changes_changed_at", table_name="metadata_changes")
    op.drop_table("metadata_changes")
    op.drop_table("studies")
