"""Catalog core: projects, datasets, filesets, original files, images and their channels.

Revision ID: 0001_core
Revises:
Create Date: 2025-06-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_core"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from the package: a migration must keep meaning what it
# meant when it was written, whatever later versions of the package define.
JSON_DOCUMENT: sa.types.TypeEngine[Any] = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.UniqueConstraint("name", name="uq_projects_name"),
    )
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_datasets_project_id_projects"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_datasets"),
        sa.UniqueConstraint("project_id", "name", name="uq_datasets_project_id_name"),
    )
    op.create_index("ix_datasets_project_id", "datasets", ["project_id"])
    op.create_table(
        "filesets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(), nullable=False),
        sa.Column("ingested_at", INSTANT, nullable=False),
        sa.Column("ingested_by", sa.String(), nullable=True),
        sa.Column("metadata_sha256", sa.String(length=64), nullable=True),
        sa.Column("metadata_media_type", sa.String(), nullable=True),
        sa.Column("metadata_size", sa.BigInteger(), nullable=True),
        sa.Column("metadata_name", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name="fk_filesets_dataset_id_datasets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_filesets"),
    )
    op.create_index("ix_filesets_dataset_id", "filesets", ["dataset_id"])
    op.create_index("ix_filesets_metadata_sha256", "filesets", ["metadata_sha256"])
    op.create_table(
        "original_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fileset_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("original_name", sa.String(), nullable=False),
        sa.Column("original_path", sa.Text(), nullable=False),
        sa.Column("store_key", sa.Text(), nullable=False),
        sa.Column("stored_in_place", sa.Boolean(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "role IN ('primary', 'companion', 'member')", name=op.f("ck_original_files_role")
        ),
        sa.ForeignKeyConstraint(
            ["fileset_id"], ["filesets.id"], name="fk_original_files_fileset_id_filesets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_original_files"),
        sa.UniqueConstraint("sha256", name="uq_original_files_sha256"),
    )
    op.create_index("ix_original_files_fileset_id", "original_files", ["fileset_id"])
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("fileset_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("series_index", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("file_format", sa.String(), nullable=False),
        sa.Column("reader", sa.String(), nullable=True),
        sa.Column("axes", sa.String(), nullable=False),
        sa.Column("size_t", sa.Integer(), nullable=False),
        sa.Column("size_c", sa.Integer(), nullable=False),
        sa.Column("size_z", sa.Integer(), nullable=False),
        sa.Column("size_y", sa.Integer(), nullable=False),
        sa.Column("size_x", sa.Integer(), nullable=False),
        sa.Column("samples_per_pixel", sa.Integer(), nullable=True),
        sa.Column("pixel_type", sa.String(length=16), nullable=False),
        sa.Column("physical_size_x", sa.Double(), nullable=True),
        sa.Column("physical_size_y", sa.Double(), nullable=True),
        sa.Column("physical_size_z", sa.Double(), nullable=True),
        sa.Column("time_increment", sa.Double(), nullable=True),
        sa.Column("acquisition_date", sa.DateTime(timezone=False), nullable=True),
        sa.Column("acquisition_timezone_known", sa.Boolean(), nullable=True),
        sa.Column("acquisition_mode", sa.String(), nullable=True),
        sa.Column("imaging_method_id", sa.String(), nullable=True),
        sa.Column("objective_model", sa.String(), nullable=True),
        sa.Column("objective_magnification", sa.Double(), nullable=True),
        sa.Column("objective_na", sa.Double(), nullable=True),
        sa.Column("objective_immersion", sa.String(), nullable=True),
        sa.Column("original_metadata_sha256", sa.String(length=64), nullable=True),
        sa.Column("structure", JSON_DOCUMENT, nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name="fk_images_dataset_id_datasets"
        ),
        sa.ForeignKeyConstraint(
            ["fileset_id"], ["filesets.id"], name="fk_images_fileset_id_filesets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_images"),
        sa.UniqueConstraint("uuid", name="uq_images_uuid"),
    )
    for column in (
        "fileset_id",
        "dataset_id",
        "acquisition_date",
        "file_format",
        "acquisition_mode",
        "imaging_method_id",
        "objective_magnification",
        "original_metadata_sha256",
    ):
        op.create_index(f"ix_images_{column}", "images", [column])
    op.create_table(
        "image_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("channel_index", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("fluorophore_name", sa.String(), nullable=True),
        sa.Column("excitation_nm", sa.Double(), nullable=True),
        sa.Column("emission_nm", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name="fk_image_channels_image_id_images",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_image_channels"),
        sa.UniqueConstraint(
            "image_id", "channel_index", name="uq_image_channels_image_id_channel_index"
        ),
    )
    op.create_index("ix_image_channels_fluorophore_name", "image_channels", ["fluorophore_name"])
    op.create_index("ix_image_channels_emission_nm", "image_channels", ["emission_nm"])


def downgrade() -> None:
    op.drop_table("image_channels")
    op.drop_table("images")
    op.drop_table("original_files")
    op.drop_table("filesets")
    op.drop_table("datasets")
    op.drop_table("projects")
