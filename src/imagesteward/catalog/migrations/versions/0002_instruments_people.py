"""Instruments and people, de-duplicated by identity, linked from images.

Revision ID: 0002_instruments_people
Revises: 0001_core
Create Date: 2025-06-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_instruments_people"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT: sa.types.TypeEngine[Any] = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "instruments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity_key", sa.String(length=64), nullable=False),
        sa.Column("manufacturer", sa.String(), nullable=True),
        sa.Column("model", sa.String(), nullable=True),
        sa.Column("serial_number", sa.String(), nullable=True),
        sa.Column("instrument_name", sa.String(), nullable=True),
        sa.Column("pidinst", sa.String(), nullable=True),
        sa.Column("microscope", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_instruments"),
        sa.UniqueConstraint("identity_key", name="uq_instruments_identity_key"),
    )
    op.create_index("ix_instruments_manufacturer", "instruments", ["manufacturer"])
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("orcid", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("identity_key", name="uq_people_identity_key"),
        sa.UniqueConstraint("orcid", name="uq_people_orcid"),
    )
    # Batch mode: on SQLite this rebuilds the table, the only way to add a named foreign key.
    with op.batch_alter_table("images") as batch:
        batch.add_column(sa.Column("instrument_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("operator_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_images_instrument_id_instruments", "instruments", ["instrument_id"], ["id"]
        )
        batch.create_foreign_key("fk_images_operator_id_people", "people", ["operator_id"], ["id"])
        batch.create_index("ix_images_instrument_id", ["instrument_id"])
        batch.create_index("ix_images_operator_id", ["operator_id"])


def downgrade() -> None:
    with op.batch_alter_table("images") as batch:
        batch.drop_index("ix_images_operator_id")
        batch.drop_index("ix_images_instrument_id")
        batch.drop_constraint("fk_images_operator_id_people", type_="foreignkey")
        batch.drop_constraint("fk_images_instrument_id_instruments", type_="foreignkey")
        batch.drop_column("operator_id")
        batch.drop_column("instrument_id")
    op.drop_table("people")
    op.drop_table("instruments")
