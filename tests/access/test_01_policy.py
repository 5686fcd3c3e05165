"""The policy table and the decisions made from it, without a database."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imagesteward.access import (
    ANONYMOUS,
    FETCH,
    POLICY,
    READ,
    Action,
    Container,
    Decision,
    FacilityRole,
    GroupLevel,
    ObjectFacts,
    Principal,
    Role,
    Scope,
    Visibility,
    allowed_actions,
    decide,
    effective_visibility,
    permitted,
    roles_of,
)

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
GROUP = 7
OWNER_ID, MEMBER_ID, GROUP_OWNER_ID, OUTSIDER_ID = 1, 2, 3, 4
WRITES = frozenset(Action) - READ - FETCH


def facts(
    state: Visibility = Visibility.PRIVATE,
    *,
    level: GroupLevel = GroupLevel.READ_ONLY,
    until: datetime | None = None,
    project_state: Visibility | None = None,
    shared_users: frozenset[int] = frozenset(),
    shared_groups: frozenset[int] = frozenset(),
) -> ObjectFacts:
    """A dataset owned by OWNER_ID in group GROUP (its project as visible unless told)."""
    project = Container(visibility=project_state or state, embargo_until=until)
    dataset = Container(
        visibility=state,
        embargo_until=until,
        owner_id=OWNER_ID,
        shared_users=shared_users,
        shared_groups=shared_groups,
    )
    return ObjectFacts(GROUP, level, (project, dataset), dataset_id=11)


def user(uid: int, role: FacilityRole = FacilityRole.USER, **kwargs: object) -> Principal:
    defaults: dict[str, object] = {"scope": Scope.ADMIN}
    defaults.update(kwargs)
    return Principal(user_id=uid, username=f"u{uid}", facility_role=role, **defaults)  # type: ignore[arg-type]


MEMBER = user(MEMBER_ID, member_of=frozenset({GROUP}))
OWNER = user(OWNER_ID, member_of=frozenset({GROUP}))
GROUP_OWNER = user(GROUP_OWNER_ID, member_of=frozenset({GROUP}), owner_of=frozenset({GROUP}))
OUTSIDER = user(OUTSIDER_ID)
ADMIN = user(90, FacilityRole.ADMIN)
STEWARD = user(91, FacilityRole.STEWARD)


def test_the_table_has_exactly_one_entry_per_role_level_and_state() -> None:
    expected = {
        (role, level, state)
        for role in Role
        for level in (list(GroupLevel) if role is Role.GROUP_MEMBER else [None])
        for state in Visibility
    }
    assert set(POLICY) == expected


def test_public_data_is_readable_and_downloadable_by_everyone() -> None:
    for key, actions in POLICY.items():
        if key[2] is Visibility.PUBLIC:
            assert actions >= READ | FETCH, key


def test_nobody_but_an_administrator_can_take_down_published_data() -> None:
    takedown = {Action.DELETE, Action.MOVE, Action.CHANGE_VISIBILITY}
    for (role, _, state), actions in POLICY.items():
        if state is Visibility.PUBLIC and role is not Role.FACILITY_ADMIN:
            assert not takedown & actions, role


def test_unpublished_data_is_invisible_to_the_public_guests_and_private_groups() -> None:
    for (role, level, state), actions in POLICY.items():
        if state is not Visibility.PUBLIC and (
            role in {Role.PUBLIC, Role.GUEST} or level is GroupLevel.PRIVATE
        ):
            assert actions == frozenset(), (role, level, state)


def test_omero_levels_grow_from_private_to_read_write() -> None:
    for state in Visibility:
        rights = [POLICY[(Role.GROUP_MEMBER, level, state)] for level in GroupLevel]
        assert all(a <= b for a, b in itertools.pairwise(rights)), state
    private = Visibility.PRIVATE
    assert POLICY[(Role.GROUP_MEMBER, GroupLevel.READ_ONLY, private)] == READ | FETCH
    assert Action.ANNOTATE in POLICY[(Role.GROUP_MEMBER, GroupLevel.READ_ANNOTATE, private)]
    assert Action.EDIT not in POLICY[(Role.GROUP_MEMBER, GroupLevel.READ_ANNOTATE, private)]
    assert Action.EDIT in POLICY[(Role.GROUP_MEMBER, GroupLevel.READ_WRITE, private)]
    # Deleting, sharing and publishing stay with owners at every level.
    for level in GroupLevel:
        member = POLICY[(Role.GROUP_MEMBER, level, private)]
        assert not {Action.DELETE, Action.SHARE, Action.CHANGE_VISIBILITY} & member


@pytest.mark.parametrize(
    ("who", "level", "expected"),
    [
        (OWNER, GroupLevel.PRIVATE, frozenset(Action)),
        (GROUP_OWNER, GroupLevel.PRIVATE, frozenset(Action)),
        (MEMBER, GroupLevel.PRIVATE, frozenset()),
        (MEMBER, GroupLevel.READ_ONLY, READ | FETCH),
        (OUTSIDER, GroupLevel.READ_WRITE, frozenset()),
        (ANONYMOUS, GroupLevel.READ_WRITE, frozenset()),
        (ADMIN, GroupLevel.PRIVATE, frozenset(Action)),
    ],
    ids=["owner", "group-owner", "private-member", "read-only-member", "outsider", "anon", "admin"],
)
def test_rights_over_a_private_dataset(
    who: Principal, level: GroupLevel, expected: frozenset[Action]
) -> None:
    assert permitted(who, facts(level=level), NOW) == expected


def test_a_steward_curates_and_releases_but_never_deletes_moves_or_shares() -> None:
    rights = permitted(STEWARD, facts(), NOW)
    assert {Action.EDIT, Action.ANNOTATE, Action.CHANGE_VISIBILITY, *READ, *FETCH} == rights


def test_facility_powers_need_an_admin_scoped_credential() -> None:
    for scope in (Scope.READ, Scope.WRITE):
        assert permitted(replace(ADMIN, scope=scope), facts(), NOW) == frozenset()
    assert Role.FACILITY_ADMIN not in roles_of(replace(ADMIN, scope=Scope.WRITE), facts())


def test_a_read_token_caps_even_an_owner() -> None:
    assert permitted(replace(OWNER, scope=Scope.READ), facts(), NOW) == READ | FETCH
    assert permitted(replace(OWNER, scope=Scope.WRITE), facts(), NOW) == frozenset(Action)


def test_a_guest_never_writes_whatever_it_belongs_to() -> None:
    guest = user(5, FacilityRole.GUEST, member_of=frozenset({GROUP}), owner_of=frozenset({GROUP}))
    assert permitted(guest, facts(level=GroupLevel.READ_WRITE), NOW) == frozenset()
    shared = facts(shared_users=frozenset({5}))
    assert permitted(guest, shared, NOW) == READ | FETCH
    assert permitted(guest, facts(Visibility.PUBLIC), NOW) == READ | FETCH


def test_direct_shares_reach_users_and_whole_groups() -> None:
    assert permitted(OUTSIDER, facts(shared_users=frozenset({OUTSIDER_ID})), NOW) == READ | FETCH
    other_group = replace(OUTSIDER, member_of=frozenset({99}))
    assert permitted(other_group, facts(shared_groups=frozenset({99})), NOW) == READ | FETCH
    assert permitted(OUTSIDER, facts(shared_groups=frozenset({99})), NOW) == frozenset()


def test_a_reviewer_link_opens_its_embargoed_dataset_only() -> None:
    reviewer = Principal(reviewer_datasets=frozenset({11}))
    embargoed = facts(Visibility.EMBARGOED, until=NOW + timedelta(days=30))
    assert permitted(reviewer, embargoed, NOW) == READ | FETCH
    assert permitted(reviewer, facts(Visibility.PRIVATE), NOW) == frozenset()
    elsewhere = replace(embargoed, dataset_id=12)
    assert permitted(reviewer, elsewhere, NOW) == frozenset()


def test_an_embargo_ends_at_its_date_to_the_second() -> None:
    until = NOW + timedelta(seconds=1)
    embargoed = facts(Visibility.EMBARGOED, until=until)
    tick = timedelta(microseconds=1)
    assert decide(ANONYMOUS, embargoed, Action.VIEW_METADATA, until - tick) is Decision.HIDDEN
    assert decide(ANONYMOUS, embargoed, Action.VIEW_METADATA, until) is Decision.ALLOW
    assert decide(ANONYMOUS, embargoed, Action.DOWNLOAD_ORIGINAL, until) is Decision.ALLOW
    # Released data is public data: its owner can no longer delete it.
    assert decide(OWNER, embargoed, Action.DELETE, until - tick) is Decision.ALLOW
    assert decide(OWNER, embargoed, Action.DELETE, until) is Decision.FORBIDDEN


def test_an_embargo_waiting_for_an_event_never_ends_by_itself() -> None:
    waiting = facts(Visibility.EMBARGOED, until=None)
    far = NOW + timedelta(days=365 * 50)
    assert decide(ANONYMOUS, waiting, Action.LIST, far) is Decision.HIDDEN


def test_a_dataset_is_never_more_visible_than_its_project() -> None:
    public_in_private = facts(Visibility.PUBLIC, project_state=Visibility.PRIVATE)
    assert effective_visibility(public_in_private.chain, NOW) is Visibility.PRIVATE
    assert permitted(ANONYMOUS, public_in_private, NOW) == frozenset()


def test_refusals_hide_what_the_caller_may_not_see() -> None:
    assert decide(OUTSIDER, facts(), Action.DELETE, NOW) is Decision.HIDDEN
    assert decide(MEMBER, facts(), Action.DELETE, NOW) is Decision.FORBIDDEN
    assert decide(ANONYMOUS, facts(Visibility.PUBLIC), Action.EDIT, NOW) is Decision.FORBIDDEN


def test_an_account_without_a_facility_role_is_treated_as_anonymous() -> None:
    half = Principal(user_id=OWNER_ID, scope=Scope.ADMIN)
    assert roles_of(half, facts()) == {Role.PUBLIC}


# -- properties over every caller, object and instant -------------------------------------

principals = st.builds(
    Principal,
    user_id=st.sampled_from([None, OWNER_ID, MEMBER_ID, GROUP_OWNER_ID, OUTSIDER_ID]),
    facility_role=st.sampled_from([None, *FacilityRole]),
    member_of=st.frozensets(st.sampled_from([GROUP, 99])),
    owner_of=st.frozensets(st.sampled_from([GROUP, 99])),
    scope=st.sampled_from(Scope),
    reviewer_datasets=st.frozensets(st.sampled_from([11, 12])),
)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
)
containers = st.builds(
    Container,
    visibility=st.sampled_from(Visibility),
    embargo_until=st.none() | instants,
    owner_id=st.sampled_from([None, OWNER_ID, MEMBER_ID]),
    shared_users=st.frozensets(st.sampled_from([OUTSIDER_ID, MEMBER_ID])),
    shared_groups=st.frozensets(st.sampled_from([GROUP, 99])),
)
objects = st.builds(
    ObjectFacts,
    group_id=st.sampled_from([None, GROUP]),
    group_level=st.sampled_from([None, *GroupLevel]),
    chain=st.lists(containers, min_size=1, max_size=2).map(tuple),
    dataset_id=st.sampled_from([None, 11]),
)


@given(principals, objects, instants)
def test_every_decision_is_the_table_applied_to_the_callers_roles(
    who: Principal, what: ObjectFacts, now: datetime
) -> None:
    rights = permitted(who, what, now)
    state = effective_visibility(what.chain, now)
    assert rights <= allowed_actions(roles_of(who, what), what.group_level, state)
    assert rights <= who.scope.actions
    if state is Visibility.PUBLIC:
        assert rights >= READ | FETCH
    if who.is_anonymous or who.facility_role in {None, FacilityRole.GUEST}:
        assert not rights & WRITES
    for action in Action:
        verdict = decide(who, what, action, now)
        assert (verdict is Decision.ALLOW) == (action in rights)
        if verdict is Decision.HIDDEN:
            assert not rights & {Action.LIST, Action.VIEW_METADATA}


@given(
    principals,
    objects,
    instants,
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3650)),
)
def test_time_only_ever_makes_data_more_public(
    who: Principal, what: ObjectFacts, now: datetime, later: timedelta
) -> None:
    before = effective_visibility(what.chain, now)
    after = effective_visibility(what.chain, now + later)
    assert after.rank >= before.rank
    if not who.is_anonymous:
        return
    assert permitted(who, what, now) <= permitted(who, what, now + later)
