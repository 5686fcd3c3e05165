"""Moving an image to another dataset: the policy's ``move``, nothing lost, audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imagesteward.access import GroupLevel, Scope, Visibility
from imagesteward.catalog import access_catalog, open_catalog
from imagesteward.config import load_settings
from imagesteward.installation import init_installation
from imagesteward.server import build_app
from tests.catalog.factories import bare_image, fileset

PASSWORD = "a long and quiet river"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], list[str]]]:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    access = access_catalog(catalog)
    moved = catalog.add_fileset(
        fileset("two-series.czi", images=[bare_image(0), bare_image(1)], project="Lab", dataset="a")
    )
    catalog.add_fileset(fileset("other.tif", images=[bare_image()], project="Lab", dataset="b"))
    catalog.add_fileset(fileset("p.tif", images=[bare_image()], project="Published", dataset="p"))
    catalog.add_fileset(fileset("q.tif", images=[bare_image()], project="Published", dataset="q"))
    for name in ("alice", "rita", "wendy", "eve"):
        access.add_user(name, password=PASSWORD)
    access.add_group("Readers", GroupLevel.READ_ONLY)
    access.add_member("Readers", "rita")
    access.add_group("Writers", GroupLevel.READ_WRITE)
    access.add_member("Writers", "wendy")
    access.assign("Lab", owner="alice", group="Readers")
    access.assign("Published", owner="alice", group="Writers")
    for dataset in (None, "p", "q"):
        access.set_visibility("Published", dataset, visibility=Visibility.PUBLIC)
    headers = {}
    for name in ("alice", "rita", "wendy", "eve"):
        _, token = access.create_token(name, Scope.WRITE, expires_in=timedelta(days=1))
        headers[name] = {"Authorization": f"Bearer {token}"}
    catalog.dispose()
    with TestClient(build_app(load_settings(settings.home, access_control=True))) as client:
        yield client, headers, list(moved.image_uuids)


def test_the_owner_moves_a_fileset_and_nothing_is_lost(
    site: tuple[TestClient, dict[str, dict[str, str]], list[str]],
) -> None:
    client, headers, uuids = site
    files_before = client.get(f"/api/v1/images/{uuids[0]}/files", headers=headers["alice"]).json()
    answer = client.post(
        f"/api/v1/images/{uuids[0]}/move", json={"dataset": "b"}, headers=headers["alice"]
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "project": "Lab", "source": "a", "destination": "b", "image_uuids": uuids,
    }  # fmt: skip
    # Both series moved together, with the same UUIDs and the same original files.
    for uuid in uuids:
        assert (
            client.get(f"/api/v1/images/{uuid}", headers=headers["alice"]).json()["dataset"] == "b"
        )
    listed = client.get("/api/v1/images?project=Lab&dataset=b", headers=headers["alice"]).json()
    assert set(uuids) <= {i["uuid"] for i in listed["items"]}
    empty = client.get("/api/v1/images?project=Lab&dataset=a", headers=headers["alice"]).json()
    assert empty["items"] == []
    files_after = client.get(f"/api/v1/images/{uuids[0]}/files", headers=headers["alice"]).json()
    assert files_after == files_before
    access = client.app.state.access  # type: ignore[attr-defined]
    (event,) = access.audit_events(action="move")
    assert (event.actor, event.target, event.remote) == ("alice", "dataset:Lab/a", "testclient")
    assert event.details == {"to": "dataset:Lab/b", "fileset": event.details["fileset"],
                             "images": uuids}  # fmt: skip


def test_who_may_not_move_is_refused_and_hidden_reads_as_missing(
    site: tuple[TestClient, dict[str, dict[str, str]], list[str]],
) -> None:
    client, headers, uuids = site
    url = f"/api/v1/images/{uuids[0]}/move"
    # rita reads the Lab through a read-only group: she sees it, may not move it.
    refused = client.post(url, json={"dataset": "b"}, headers=headers["rita"])
    assert refused.status_code == 403
    # eve sees nothing of the Lab: the image is "not found", word for word like a missing one.
    hidden = client.post(url, json={"dataset": "b"}, headers=headers["eve"])
    nowhere = "00000000-0000-4000-8000-000000000000"
    missing = client.post(
        f"/api/v1/images/{nowhere}/move", json={"dataset": "b"}, headers=headers["eve"]
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(uuids[0], "X") == missing.json()["detail"].replace(
        nowhere, "X"
    )
    assert client.post(url, json={"dataset": "b"}).status_code == 404  # anonymous
    assert client.app.state.access.audit_events(action="move") == []  # type: ignore[attr-defined]


def test_bad_destinations_are_refused_and_nothing_moves(
    site: tuple[TestClient, dict[str, dict[str, str]], list[str]],
) -> None:
    client, headers, uuids = site
    url = f"/api/v1/images/{uuids[0]}/move"
    alice = headers["alice"]
    assert client.post(url, json={"dataset": "nope"}, headers=alice).status_code == 404
    assert client.post(url, json={"dataset": "a"}, headers=alice).status_code == 409
    assert (
        client.post(url, json={"dataset": "b", "project": "Other"}, headers=alice).status_code
        == 422
    )
    assert client.get(f"/api/v1/images/{uuids[0]}", headers=alice).json()["dataset"] == "a"


def test_public_data_is_moved_by_nobody_but_a_facility_administrator(
    site: tuple[TestClient, dict[str, dict[str, str]], list[str]],
) -> None:
    client, headers, _ = site
    listed = client.get("/api/v1/images?project=Published&dataset=p").json()["items"]
    url = f"/api/v1/images/{listed[0]['uuid']}/move"
    # Public: a DOI may point at it. Not the owner, not a read-write group member.
    for name in ("alice", "wendy"):
        assert client.post(url, json={"dataset": "q"}, headers=headers[name]).status_code == 403
