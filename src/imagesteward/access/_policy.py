"""THE access policy: role × group level × visibility state → the actions allowed.

This table is the only place access decisions are made. The catalog filters listings, search
hits and facet counts with it, the server checks every route against it, and the tests walk it
exhaustively. Read a row as "a caller who is <role> of an object (in a group of <level>), while
the object is <state>, may do <actions>".

Choices worth knowing (see ``docs/access.md`` for the reasoning):

- Public data can be read and downloaded by anyone, signed in or not.
- Publishing is one-way for owners: once public, an object can no longer be deleted, moved or
  made private except by a facility administrator (a DOI may already point at it).
- Group members' rights over *other members'* data follow OMERO's levels: ``private`` nothing,
  ``read-only`` read, ``read-annotate`` read and annotate, ``read-write`` read, annotate, edit
  and move. Deleting, sharing and publishing stay with owners and group owners at every level.
- A reviewer link works only while its dataset is under embargo; a direct share works in any
  state.
- A data steward curates and releases data for every group but cannot delete, move or share it,
  nor hide it again once public.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from imagesteward.access._vocabulary import (
    FETCH,
    READ,
    Action,
    GroupLevel,
    Role,
    Visibility,
)

__all__ = ["POLICY", "PolicyKey", "allowed_actions", "policy_rows"]

type PolicyKey = tuple[Role, GroupLevel | None, Visibility]

_NONE: frozenset[Action] = frozenset()
_ALL: frozenset[Action] = frozenset(Action)
_SEE = READ | FETCH
_ANNOTATE = _SEE | {Action.ANNOTATE}
_CURATE = _ANNOTATE | {Action.EDIT}
# Members of read-write groups also reorganise each other's data.
_MOVE = _CURATE | {Action.MOVE}
_STEWARD = _CURATE | {Action.CHANGE_VISIBILITY}
# Once public an object is cited: its owners may still improve its description and share it,
# but not take it down, move it or hide it again.
_CITED = _CURATE | {Action.SHARE}

_P, _E, _O = Visibility.PRIVATE, Visibility.EMBARGOED, Visibility.PUBLIC

#: role, group level (only where the role depends on it), then actions while private,
#: embargoed and public.
type _Actions = frozenset[Action]
_TABLE: tuple[tuple[Role, GroupLevel | None, _Actions, _Actions, _Actions], ...] = (
    # role                  level                     private     embargoed   public
    (Role.FACILITY_ADMIN,    None,                     _ALL,       _ALL,       _ALL),
    (Role.DATA_STEWARD,      None,                     _STEWARD,   _STEWARD,   _CURATE),
    (Role.OWNER,             None,                     _ALL,       _ALL,       _CITED),
    (Role.GROUP_OWNER,       None,                     _ALL,       _ALL,       _CITED),
    (Role.GROUP_MEMBER,      GroupLevel.PRIVATE,       _NONE,      _NONE,      _SEE),
    (Role.GROUP_MEMBER,      GroupLevel.READ_ONLY,     _SEE,       _SEE,       _SEE),
    (Role.GROUP_MEMBER,      GroupLevel.READ_ANNOTATE, _ANNOTATE,  _ANNOTATE,  _ANNOTATE),
    (Role.GROUP_MEMBER,      GroupLevel.READ_WRITE,    _MOVE,      _MOVE,      _CURATE),
    (Role.SHARE_RECIPIENT,   None,                     _SEE,       _SEE,       _SEE),
    (Role.REVIEWER,          None,                     _NONE,      _SEE,       _SEE),
    (Role.GUEST,             None,                     _NONE,      _NONE,      _SEE),
    (Role.PUBLIC,            None,                     _NONE,      _NONE,      _SEE),
)  # fmt: skip


def _compile() -> Mapping[PolicyKey, frozenset[Action]]:
    table: dict[PolicyKey, frozenset[Action]] = {}
    for role, level, *by_state in _TABLE:
        for state, actions in zip((_P, _E, _O), by_state, strict=True):
            key = (role, level, state)
            if key in table:  # pragma: no cover - a typo in the table above
                raise AssertionError(f"policy row {key} is listed twice")
            table[key] = actions
    return MappingProxyType(table)


#: The table, one entry per (role, group level or None, visibility).
POLICY: Mapping[PolicyKey, frozenset[Action]] = _compile()


def policy_rows() -> Iterable[tuple[PolicyKey, frozenset[Action]]]:
    """Every entry of the table, in the order written."""
    return POLICY.items()


def allowed_actions(
    roles: Iterable[Role], level: GroupLevel | None, state: Visibility
) -> frozenset[Action]:
    """What a caller holding ``roles`` may do to an object in ``state`` (the union of its roles).

    ``level`` is the permission level of the object's group (``None`` when it has none);
    it matters only for ``GROUP_MEMBER``, which without a group grants nothing.
    """
    allowed: set[Action] = set()
    for role in roles:
        if role is Role.GROUP_MEMBER:
            if level is None:
                continue
            allowed |= POLICY[(role, level, state)]
        else:
            allowed |= POLICY[(role, None, state)]
    return frozenset(allowed)
