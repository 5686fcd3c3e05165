"""Accounts, groups, API tokens, visibility and embargo, shares, reviewer links, audit log.

``audit_events`` is append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL), so not even a bug in imagesteward can rewrite history.

Revision ID: 0007_access
Revises: 0006_search
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_access"
down_revision: str | None = "0006_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True)
JSON_DOCUMENT: sa.types.TypeEngine[Any] = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
VISIBILITY = "visibility IN ('private', 'embargoed', 'public')"
EMBARGO = "visibility <> 'embargoed' OR embargo_until IS NOT NULL OR embargo_event IS NOT NULL"
APPEND_ONLY = "audit_events is append-only"

SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)


def _visibility_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("embargo_until", INSTANT, nullable=True),
        sa.Column("embargo_event", sa.String(length=64), nullable=True),
        sa.Column("released_at", INSTANT, nullable=True),
        sa.Column("changed_at", INSTANT, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("orcid", sa.String(length=19), nullable=True),
        sa.Column("facility_role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("disabled_at", INSTANT, nullable=True),
        sa.Column("last_login_at", INSTANT, nullable=True),
        sa.CheckConstraint(
            "facility_role IN ('admin', 'steward', 'user', 'guest')",
            name="ck_users_facility_role",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("orcid", name="uq_users_orcid"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "research_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("permission_level", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.CheckConstraint(
            "permission_level IN ('private', 'read-only', 'read-annotate', 'read-write')",
            name="ck_research_groups_permission_level",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_research_groups"),
        sa.UniqueConstraint("name", name="uq_research_groups_name"),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("is_owner", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["research_groups.id"],
            name="fk_group_members_group_id_research_groups",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_group_members_user_id_users"),
        sa.PrimaryKeyConstraint("group_id", "user_id", name="pk_group_members"),
    )
    op.create_index("ix_group_members_user_id", "group_members", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=12), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("revoked_at", INSTANT, nullable=True),
        sa.Column("last_used_at", INSTANT, nullable=True),
        sa.CheckConstraint("scope IN ('read', 'write', 'admin')", name="ck_api_tokens_scope"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_api_tokens_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("key_id", name="uq_api_tokens_key_id"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "project_access",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        *_visibility_columns(),
        sa.CheckConstraint(VISIBILITY, name="ck_project_access_visibility"),
        sa.CheckConstraint(EMBARGO, name="ck_project_access_embargo"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["research_groups.id"],
            name="fk_project_access_group_id_research_groups",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_project_access_owner_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_project_access_project_id_projects"
        ),
        sa.PrimaryKeyConstraint("project_id", name="pk_project_access"),
    )
    op.create_index("ix_project_access_group_id", "project_access", ["group_id"])
    op.create_index("ix_project_access_owner_id", "project_access", ["owner_id"])
    op.create_index(
        "ix_project_access_visibility_embargo_until",
        "project_access",
        ["visibility", "embargo_until"],
    )
    op.create_table(
        "dataset_access",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        *_visibility_columns(),
        sa.CheckConstraint(VISIBILITY, name="ck_dataset_access_visibility"),
        sa.CheckConstraint(EMBARGO, name="ck_dataset_access_embargo"),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name="fk_dataset_access_dataset_id_datasets"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_dataset_access_owner_id_users"
        ),
        sa.PrimaryKeyConstraint("dataset_id", name="pk_dataset_access"),
    )
    op.create_index("ix_dataset_access_owner_id", "dataset_access", ["owner_id"])
    op.create_index(
        "ix_dataset_access_visibility_embargo_until",
        "dataset_access",
        ["visibility", "embargo_until"],
    )
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "(project_id IS NULL) <> (dataset_id IS NULL)", name="ck_shares_one_object"
        ),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (group_id IS NULL)", name="ck_shares_one_recipient"
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name="fk_shares_dataset_id_datasets"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["research_groups.id"], name="fk_shares_group_id_research_groups"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_shares_project_id_projects"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_shares_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_shares"),
    )
    for column in ("dataset_id", "group_id", "project_id", "user_id"):
        op.create_index(f"ix_shares_{column}", "shares", [column])
    op.create_table(
        "reviewer_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=12), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("revoked_at", INSTANT, nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name="fk_reviewer_links_dataset_id_datasets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reviewer_links"),
        sa.UniqueConstraint("key_id", name="uq_reviewer_links_key_id"),
    )
    op.create_index("ix_reviewer_links_dataset_id", "reviewer_links", ["dataset_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(), nullable=True),
        sa.Column("remote", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("details", JSON_DOCUMENT, nullable=True),
        sa.CheckConstraint(
            "outcome IN ('ok', 'denied', 'failed')", name="ck_audit_events_outcome"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    op.create_index("ix_audit_events_actor", "audit_events", ["actor"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    for table in (
        "audit_events",
        "reviewer_links",
        "shares",
        "dataset_access",
        "project_access",
        "api_tokens",
        "group_members",
        "research_groups",
        "users",
    ):
        op.drop_table(table)
