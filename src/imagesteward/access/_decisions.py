"""Deciding one caller's rights over one object, at one instant, from the policy table.

The catalog describes an object with :class:`ObjectFacts` (its group, its owners, its
visibility and shares along the project → dataset chain) and a caller with a
:class:`Principal`; :func:`permitted` turns both into the set of allowed actions. Time is an
argument, never read from the clock here: an embargo ends at its date to the second, whether or
not anything has run since, and tests can stand at any instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from imagesteward.access._policy import allowed_actions
from imagesteward.access._vocabulary import (
    FETCH,
    READ,
    Action,
    FacilityRole,
    GroupLevel,
    Role,
    Scope,
    Visibility,
)

__all__ = [
    "ANONYMOUS",
    "Container",
    "Decision",
    "ObjectFacts",
    "Principal",
    "decide",
    "effective_visibility",
    "permitted",
    "roles_of",
]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: an account (with its groups and the scope of its credential) or nobody.

    Attributes
    ----------
    user_id, username
        The account; ``None`` for anonymous callers and reviewer links.
    facility_role
        The account's facility-wide role; ``None`` when anonymous.
    member_of
        Ids of the groups the account belongs to (owners included).
    owner_of
        Ids of the groups the account owns.
    scope
        What the credential used carries; a web session carries the account's full power.
    reviewer_datasets
        Datasets opened by the reviewer link presented with the request.
    """

    user_id: int | None = None
    username: str | None = None
    facility_role: FacilityRole | None = None
    member_of: frozenset[int] = frozenset()
    owner_of: frozenset[int] = frozenset()
    scope: Scope = Scope.READ
    reviewer_datasets: frozenset[int] = frozenset()

    @property
    def is_anonymous(self) -> bool:
        """No account is behind this caller."""
        return self.user_id is None


#: The caller without credentials.
ANONYMOUS = Principal()


@dataclass(frozen=True, slots=True)
class Container:
    """What access needs to know about a project or a dataset itself."""

    visibility: Visibility = Visibility.PRIVATE
    embargo_until: datetime | None = None
    owner_id: int | None = None
    shared_users: frozenset[int] = frozenset()
    shared_groups: frozenset[int] = frozenset()

    def state_at(self, now: datetime) -> Visibility:
        """The visibility in force at ``now``: an embargo whose date has come is public."""
        if (
            self.visibility is Visibility.EMBARGOED
            and self.embargo_until is not None
            and now >= self.embargo_until
        ):
            return Visibility.PUBLIC
        return self.visibility


@dataclass(frozen=True, slots=True)
class ObjectFacts:
    """An object as the policy sees it.

    ``chain`` holds the project, then the dataset when the object is a dataset or lies in
    one (an image). The group is the project's; an owner of any link of the chain owns the
    object, a share on any link covers it, and the least public link decides the state (a
    dataset is never more visible than its project).
    """

    group_id: int | None
    group_level: GroupLevel | None
    chain: tuple[Container, ...]
    dataset_id: int | None = None


class Decision(StrEnum):
    """The outcome of one check. ``HIDDEN`` must look exactly like "no such object"."""

    ALLOW = "allow"
    FORBIDDEN = "forbidden"
    HIDDEN = "hidden"


def effective_visibility(chain: tuple[Container, ...], now: datetime) -> Visibility:
    """The visibility in force for an object whose containers are ``chain``, at ``now``."""
    if not chain:
        return Visibility.PRIVATE
    return min((link.state_at(now) for link in chain), key=lambda state: state.rank)


def roles_of(principal: Principal, facts: ObjectFacts) -> frozenset[Role]:
    """Every role ``principal`` holds towards the object described by ``facts``."""
    roles = {Role.PUBLIC}
    if facts.dataset_id is not None and facts.dataset_id in principal.reviewer_datasets:
        roles.add(Role.REVIEWER)
    uid = principal.user_id
    if uid is None or principal.facility_role is None:
        return frozenset(roles)
    if any(
        uid in link.shared_users or principal.member_of & link.shared_groups for link in facts.chain
    ):
        roles.add(Role.SHARE_RECIPIENT)
    if principal.facility_role is FacilityRole.GUEST:
        # A guest account reads what is public or shared with it; nothing it could belong to
        # or own gives it more.
        roles.add(Role.GUEST)
        return frozenset(roles)
    if principal.scope is Scope.ADMIN:
        # Facility-wide powers need a credential that carries them: an administrator's
        # everyday read or write token acts with their ordinary rights only.
        if principal.facility_role is FacilityRole.ADMIN:
            roles.add(Role.FACILITY_ADMIN)
        elif principal.facility_role is FacilityRole.STEWARD:
            roles.add(Role.DATA_STEWARD)
    if any(link.owner_id == uid for link in facts.chain):
        roles.add(Role.OWNER)
    if facts.group_id is not None:
        if facts.group_id in principal.owner_of:
            roles.add(Role.GROUP_OWNER)
        if facts.group_id in principal.member_of:
            roles.add(Role.GROUP_MEMBER)
    return frozenset(roles)


def permitted(principal: Principal, facts: ObjectFacts, now: datetime) -> frozenset[Action]:
    """Every action ``principal`` may perform on the object at ``now``."""
    state = effective_visibility(facts.chain, now)
    allowed = allowed_actions(roles_of(principal, facts), facts.group_level, state)
    cap = principal.scope.actions
    if principal.facility_role is FacilityRole.GUEST or principal.is_anonymous:
        cap &= READ | FETCH
    return allowed & cap


def decide(principal: Principal, facts: ObjectFacts, action: Action, now: datetime) -> Decision:
    """Whether ``principal`` may perform ``action`` now; ``HIDDEN`` when it may not even see it."""
    allowed = permitted(principal, facts, now)
    if action in allowed:
        return Decision.ALLOW
    if Action.VIEW_METADATA in allowed or Action.LIST in allowed:
        return Decision.FORBIDDEN
    return Decision.HIDDEN
