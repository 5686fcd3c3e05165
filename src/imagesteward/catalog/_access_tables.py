"""Tables of accounts, groups, credentials, visibility, shares and the audit log.

Visibility lives in ``project_access`` and ``dataset_access``, one row per project or dataset,
rather than in columns of ``projects`` and ``datasets``: what ingest writes stays untouched,
and a project or dataset without a row is simply private, with no owner and no group - the
safe default for everything catalogued before access control existed.

``audit_events`` is append-only: revision ``0007_access`` installs triggers that refuse any
UPDATE or DELETE of it, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from imagesteward.catalog._sqltypes import JSONDocument, utcnow
from imagesteward.catalog._tables import Base

__all__ = [
    "ApiTokenRow",
    "AuditEventRow",
    "DatasetAccessRow",
    "GroupMemberRow",
    "GroupRow",
    "OidcIdentityRow",
    "ProjectAccessRow",
    "ReviewerLinkRow",
    "ShareRow",
    "UserRow",
]

_VISIBILITY = "visibility IN ('private', 'embargoed', 'public')"
# An embargo must say when it ends: at a date, at an event, or both (whichever comes first).
_EMBARGO = "visibility <> 'embargoed' OR embargo_until IS NOT NULL OR embargo_event IS NOT NULL"


class UserRow(Base):
    """A local account. ``password_hash`` is an Argon2id PHC string; NULL for token-only."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "facility_role IN ('admin', 'steward', 'user', 'guest')", name="facility_role"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String)
    email: Mapped[str | None] = mapped_column(String)
    orcid: Mapped[str | None] = mapped_column(String(19), unique=True)
    facility_role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()


class GroupRow(Base):
    """A research group with an OMERO permission level."""

    __tablename__ = "research_groups"
    __table_args__ = (
        CheckConstraint(
            "permission_level IN ('private', 'read-only', 'read-annotate', 'read-write')",
            name="permission_level",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    permission_level: Mapped[str] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupMemberRow(Base):
    """An account's membership of a group; ``is_owner`` marks the group's owners."""

    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("research_groups.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    is_owner: Mapped[bool] = mapped_column(Boolean)


class ApiTokenRow(Base):
    """An API token: only the SHA-256 of its secret is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("scope IN ('read', 'write', 'admin')", name="scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(12), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scope: Mapped[str] = mapped_column(String(8))
    label: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()


class _VisibilityColumns:
    """The owner and visibility a project and a dataset both carry."""

    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    visibility: Mapped[str] = mapped_column(String(16))
    embargo_until: Mapped[datetime | None] = mapped_column()
    embargo_event: Mapped[str | None] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectAccessRow(_VisibilityColumns, Base):
    """Who a project belongs to and how visible it is."""

    __tablename__ = "project_access"
    __table_args__ = (
        CheckConstraint(_VISIBILITY, name="visibility"),
        CheckConstraint(_EMBARGO, name="embargo"),
        Index(None, "visibility", "embargo_until"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("research_groups.id"), index=True)


class DatasetAccessRow(_VisibilityColumns, Base):
    """Who a dataset belongs to and how visible it is (never more than its project)."""

    __tablename__ = "dataset_access"
    __table_args__ = (
        CheckConstraint(_VISIBILITY, name="visibility"),
        CheckConstraint(_EMBARGO, name="embargo"),
        Index(None, "visibility", "embargo_until"),
    )

    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), primary_key=True)


class ShareRow(Base):
    """A project or dataset shared directly with an account or a whole group."""

    __tablename__ = "shares"
    __table_args__ = (
        CheckConstraint("(project_id IS NULL) <> (dataset_id IS NULL)", name="one_object"),
        CheckConstraint("(user_id IS NULL) <> (group_id IS NULL)", name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("research_groups.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class ReviewerLinkRow(Base):
    """A tokenised, read-only, expiring view of one dataset for a journal's reviewers."""

    __tablename__ = "reviewer_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(12), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    label: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class AuditEventRow(Base):
    """One audited event: who did what, to what, when, from where, with which outcome.

    ``actor`` is the user name at the time (kept as text: the log outlives renames), NULL
    for anonymous callers and the system itself (an embargo released at its date).
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint("outcome IN ('ok', 'denied', 'failed')", name="outcome"),
        Index(None, "at"),
        Index(None, "actor"),
        Index(None, "action"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String)
    remote: Mapped[str | None] = mapped_column(String)
    outcome: Mapped[str] = mapped_column(String(16))
    details: Mapped[Any] = mapped_column(JSONDocument, nullable=True)


class OidcIdentityRow(Base):
    """An OpenID Connect provider's subject bound to a local account (revision 0008)."""

    __tablename__ = "oidc_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String)
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
