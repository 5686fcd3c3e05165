"""The words of the access policy: actions, roles, visibility states, group levels, scopes.

Every value is a ``StrEnum`` whose value is what the catalog stores and the API shows, so a
database row, a policy entry and a JSON field spell a state the same way.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "FETCH",
    "READ",
    "Action",
    "FacilityRole",
    "GroupLevel",
    "Role",
    "Scope",
    "Visibility",
]


class Action(StrEnum):
    """Everything a caller can do to a project, a dataset or an image in it."""

    LIST = "list"
    SEARCH_HIT = "search-hit"
    FACET_COUNT = "facet-count"
    VIEW_METADATA = "view-metadata"
    THUMBNAIL = "thumbnail"  # thumbnails and rendered tiles
    STREAM_ZARR = "stream-zarr"
    DOWNLOAD_ORIGINAL = "download-original"
    EXPORT = "export"
    ANNOTATE = "annotate"
    EDIT = "edit"
    DELETE = "delete"
    MOVE = "move"
    SHARE = "share"
    CHANGE_VISIBILITY = "change-visibility"


#: Seeing an object, through any read path: listings, search, counts, metadata, pixels.
READ: frozenset[Action] = frozenset(
    {
        Action.LIST,
        Action.SEARCH_HIT,
        Action.FACET_COUNT,
        Action.VIEW_METADATA,
        Action.THUMBNAIL,
        Action.STREAM_ZARR,
    }
)
#: Taking a copy of the data away.
FETCH: frozenset[Action] = frozenset({Action.DOWNLOAD_ORIGINAL, Action.EXPORT})


class Visibility(StrEnum):
    """Who may see an object beyond its owners: the publication life cycle.

    Ordered from least to most public; a dataset is never more visible than its project.
    """

    PRIVATE = "private"
    EMBARGOED = "embargoed"
    PUBLIC = "public"

    @property
    def rank(self) -> int:
        """Position in the life cycle: private 0, embargoed 1, public 2."""
        return _VISIBILITY_RANK[self]


_VISIBILITY_RANK = {Visibility.PRIVATE: 0, Visibility.EMBARGOED: 1, Visibility.PUBLIC: 2}


class GroupLevel(StrEnum):
    """A group's permission level, with OMERO's names and meanings (``rw----`` ... ``rwrw--``).

    The level says what members may do with each other's data; owners always control their own.
    """

    PRIVATE = "private"
    READ_ONLY = "read-only"
    READ_ANNOTATE = "read-annotate"
    READ_WRITE = "read-write"


class FacilityRole(StrEnum):
    """An account's standing in the whole facility, independent of any group."""

    ADMIN = "admin"  # runs the facility: every object, every account
    STEWARD = "steward"  # curates metadata and releases data for every group
    USER = "user"  # a researcher: rights come from groups, ownership and shares
    GUEST = "guest"  # reads what is public or shared with it, never writes


class Role(StrEnum):
    """How a caller stands to one object: the rows of the policy table.

    A caller usually holds several at once (everyone holds ``PUBLIC``); what it may do is
    the union of what each allows.
    """

    FACILITY_ADMIN = "facility-admin"
    DATA_STEWARD = "data-steward"
    OWNER = "owner"
    GROUP_OWNER = "group-owner"
    GROUP_MEMBER = "group-member"
    SHARE_RECIPIENT = "share-recipient"
    REVIEWER = "reviewer"
    GUEST = "guest"
    PUBLIC = "public"


class Scope(StrEnum):
    """How much of its account's power an API token carries."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    @property
    def actions(self) -> frozenset[Action]:
        """The object actions a credential of this scope may ever perform."""
        return READ | FETCH if self is Scope.READ else frozenset(Action)
