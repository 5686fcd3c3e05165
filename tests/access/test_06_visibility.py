"""Ownership, visibility, embargo release, shares and reviewer links in the catalog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from imagesteward.access import (
    ANONYMOUS,
    FETCH,
    READ,
    Action,
    FacilityRole,
    GroupLevel,
    Principal,
    Scope,
    Visibility,
)
from imagesteward.catalog import AccessCatalog, Catalog
from imagesteward.errors import (
    AuthenticationError,
    InvalidCredentialError,
    NotFoundError,
    PermissionDeniedError,
)

NOW = datetime(2030, 3, 1, 9, 0, 0, tzinfo=UTC)
PASSWORD = "a long and quiet river"


@pytest.fixture
def lab(access: AccessCatalog) -> dict[str, Principal]:
    """Alice owns project Mitosis in group "Cell biology" (read-only); Bob is a member."""
    for name in ("alice", "bob", "carol"):
        access.add_user(name, password=PASSWORD)
    access.add_group("Cell biology", GroupLevel.READ_ONLY)
    access.add_member("Cell biology", "alice", owner=True)
    access.add_member("Cell biology", "bob")
    access.assign("Mitosis", owner="alice", group="Cell biology", now=NOW)
    return {name: access.login(name, PASSWORD) for name in ("alice", "bob", "carol")}


def dataset_ids(catalog: Catalog) -> dict[str, int]:
    return {d.name: d.id for d in catalog.list_datasets()}


def test_private_by_default_and_the_group_level_decides(
    access: AccessCatalog, catalog: Catalog, lab: dict[str, Principal]
) -> None:
    ids = dataset_ids(catalog)
    assert access.access_of("Yeast").visibility is Visibility.PRIVATE
    assert access.readable_datasets(ANONYMOUS, now=NOW) == set()
    assert access.readable_datasets(lab["alice"], now=NOW) == {ids["hela"], ids["u2os"]}
    assert access.readable_datasets(lab["bob"], now=NOW) == {ids["hela"], ids["u2os"]}
    assert access.readable_datasets(lab["carol"], now=NOW) == set()
    assert access.permitted(lab["bob"], "Mitosis", "hela", now=NOW) == READ | FETCH
    assert access.permitted(lab["alice"], "Mitosis", "hela", now=NOW) == frozenset(Action)


def test_refusing_looks_like_not_found_unless_the_caller_can_see(
    access: AccessCatalog, lab: dict[str, Principal]
) -> None:
    with pytest.raises(NotFoundError) as hidden:
        access.share("Mitosis", "hela", user="carol", acting=lab["carol"], now=NOW)
    with pytest.raises(NotFoundError) as unknown:
        access.share("Mitosis", "nonexistent", user="carol", acting=lab["carol"], now=NOW)
    assert str(hidden.value).replace("hela", "X") == str(unknown.value).replace("nonexistent", "X")
    with pytest.raises(PermissionDeniedError, match="may not share"):
        access.share("Mitosis", "hela", user="carol", acting=lab["bob"], now=NOW)
    assert access.share("Mitosis", "hela", user="carol", acting=lab["alice"], now=NOW)
    assert not access.share("Mitosis", "hela", user="carol", acting=lab["alice"], now=NOW)
    assert access.permitted(lab["carol"], "Mitosis", "hela", now=NOW) == READ | FETCH
    assert access.permitted(lab["carol"], "Mitosis", "u2os", now=NOW) == frozenset()
    assert access.unshare("Mitosis", "hela", user="carol", acting=lab["alice"], now=NOW)
    assert access.permitted(lab["carol"], "Mitosis", "hela", now=NOW) == frozenset()
    assert [e.action for e in access.audit_events(action="share")] == [
        "share.remove", "share.add",
    ]  # fmt: skip


def test_an_embargo_ends_at_its_date_to_the_second_and_is_recorded(
    access: AccessCatalog, catalog: Catalog, lab: dict[str, Principal]
) -> None:
    until = NOW + timedelta(days=30)
    hela = dataset_ids(catalog)["hela"]
    alice = lab["alice"]
    for dataset in (None, "hela"):
        access.set_visibility(
            "Mitosis", dataset, visibility=Visibility.EMBARGOED, until=until, acting=alice,
            remote="10.0.0.1", now=NOW,
        )  # fmt: skip
    second = timedelta(seconds=1)
    assert access.readable_datasets(ANONYMOUS, now=until - second) == set()
    assert access.readable_datasets(ANONYMOUS, now=until) == {hela}
    assert Action.DOWNLOAD_ORIGINAL in access.permitted(ANONYMOUS, "Mitosis", "hela", now=until)

    # Nothing released yet at the second before; then released, recorded at the date itself.
    assert access.release_due(now=until - second) == []
    assert access.release_due(now=until + timedelta(hours=3)) == [
        "dataset:Mitosis/hela", "project:Mitosis",
    ]  # fmt: skip
    assert access.access_of("Mitosis", "hela").visibility is Visibility.PUBLIC
    releases = access.audit_events(action="visibility.release")
    assert {(e.at, e.actor, e.target) for e in releases} == {
        (until, None, "dataset:Mitosis/hela"), (until, None, "project:Mitosis"),
    }  # fmt: skip
    assert access.release_due(now=until + timedelta(days=1)) == []
    # Published: even its owner can no longer hide it again.
    with pytest.raises(PermissionDeniedError):
        access.set_visibility("Mitosis", "hela", visibility=Visibility.PRIVATE, acting=alice)


def test_an_embargo_waiting_for_an_event_ends_when_it_is_recorded(
    access: AccessCatalog, lab: dict[str, Principal]
) -> None:
    alice = lab["alice"]
    with pytest.raises(InvalidCredentialError, match="needs an end"):
        access.set_visibility("Mitosis", visibility=Visibility.EMBARGOED, acting=alice)
    with pytest.raises(InvalidCredentialError, match="already passed"):
        access.set_visibility(
            "Mitosis", visibility=Visibility.EMBARGOED, until=NOW - timedelta(days=1), now=NOW
        )
    access.set_visibility("Mitosis", visibility=Visibility.PUBLIC, acting=alice, now=NOW)
    access.set_visibility(
        "Mitosis", "u2os", visibility=Visibility.EMBARGOED, event="publication", acting=alice,
        now=NOW,
    )  # fmt: skip
    later = NOW + timedelta(days=3650)
    assert access.release_due(now=later) == []
    assert Action.LIST not in access.permitted(ANONYMOUS, "Mitosis", "u2os", now=later)
    assert access.record_event("publication", "Mitosis", acting=alice, now=NOW) == [
        "dataset:Mitosis/u2os"
    ]
    assert Action.LIST in access.permitted(ANONYMOUS, "Mitosis", "u2os", now=NOW)


def test_a_reviewer_link_opens_one_embargoed_dataset_read_only(
    access: AccessCatalog, catalog: Catalog, lab: dict[str, Principal]
) -> None:
    alice = lab["alice"]
    until = NOW + timedelta(days=60)
    for dataset in (None, "hela", "u2os"):
        access.set_visibility(
            "Mitosis", dataset, visibility=Visibility.EMBARGOED, until=until, acting=alice,
            now=NOW,
        )  # fmt: skip
    with pytest.raises(InvalidCredentialError, match="within 366 days"):
        access.create_reviewer_link("Mitosis", "hela", expires_in=timedelta(days=400))
    with pytest.raises(PermissionDeniedError):
        access.create_reviewer_link(
            "Mitosis", "hela", expires_in=timedelta(days=30), acting=lab["bob"], now=NOW
        )
    record, link = access.create_reviewer_link(
        "Mitosis", "hela", expires_in=timedelta(days=30), label="Nature review", acting=alice,
        now=NOW,
    )  # fmt: skip
    assert link.startswith(f"isr_{record.key_id}_")
    reviewer = access.authenticate_reviewer_link(link, now=NOW)
    assert reviewer.is_anonymous
    assert reviewer.scope is Scope.READ
    assert access.readable_datasets(reviewer, now=NOW) == {dataset_ids(catalog)["hela"]}
    assert access.permitted(reviewer, "Mitosis", "hela", now=NOW) == READ | FETCH
    with pytest.raises(AuthenticationError, match="expired"):
        access.authenticate_reviewer_link(link, now=NOW + timedelta(days=30))
    access.revoke_reviewer_link(record.key_id)
    with pytest.raises(AuthenticationError, match="withdrawn"):
        access.authenticate_reviewer_link(link, now=NOW)


def test_facility_roles_and_group_shares(
    access: AccessCatalog, catalog: Catalog, lab: dict[str, Principal]
) -> None:
    access.add_user("steward", password=PASSWORD, role=FacilityRole.STEWARD)
    steward = access.login("steward", PASSWORD)
    rights = access.permitted(steward, "Mitosis", "hela", now=NOW)
    assert Action.CHANGE_VISIBILITY in rights
    assert Action.DELETE not in rights
    access.add_group("Imaging core", GroupLevel.PRIVATE)
    access.add_member("Imaging core", "carol")
    carol = access.login("carol", PASSWORD)
    access.share("Yeast", group="Imaging core", now=NOW)
    assert access.readable_datasets(carol, now=NOW) == {dataset_ids(catalog)["timelapse"]}
