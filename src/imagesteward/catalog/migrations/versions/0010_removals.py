"""Removed datasets and images: a tombstone (when, by whom) instead of deleting rows.

Deleting catalogued data must never lose originals silently: a removed dataset or image keeps
its rows (its files, digests, UUID and history stay known) and is hidden from every listing,
search and data path; the store's bytes go only in an explicit ``steward store purge``.

Revision ID: 0010_removals
Revises: 0009_search_scale
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_removals"
down_revision: str | None = "0009_search_scale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("datasets", "images")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("removed_by", sa.String(), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("removed_by")
            batch.drop_column("removed_at")
