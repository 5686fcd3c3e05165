"""Visibility, shares and reviewer links over the API, refused to whoever may not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imagesteward.access import Scope
from imagesteward.catalog import access_catalog, open_catalog
from imagesteward.config import load_settings
from imagesteward.installation import init_installation
from imagesteward.server import build_app
from tests.catalog.factories import bare_image, fileset


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    access = access_catalog(catalog)
    catalog.add_fileset(fileset("a.tif", images=[bare_image()], project="Lab", dataset="d"))
    headers = {}
    for name in ("alice", "bob"):
        access.add_user(name)
        headers[name] = {"Authorization": f"Bearer {access.create_token(name, Scope.WRITE)[1]}"}
    access.assign("Lab", owner="alice")
    catalog.dispose()
    with TestClient(build_app(load_settings(settings.home, access_control=True))) as client:
        yield client, headers


def test_owners_embargo_share_and_invite_reviewers(
    lab: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    client, headers = lab
    alice, bob = headers["alice"], headers["bob"]
    until = (datetime.now(UTC) + timedelta(days=60)).isoformat()
    base = "/api/v1/projects/Lab"

    # Bob sees nothing of Alice's private project: every refusal reads "not found".
    assert client.get(f"{base}/access", headers=bob).status_code == 404
    refused = client.put(f"{base}/visibility", json={"visibility": "public"}, headers=bob)
    assert refused.status_code == 404

    for path in (f"{base}/visibility", f"{base}/datasets/d/visibility"):
        response = client.put(path, json={"visibility": "embargoed", "until": until}, headers=alice)
        assert response.status_code == 200, response.text
        assert response.json()["visibility"] == "embargoed"

    # Mass assignment: an owner cannot ride along on a visibility change.
    sneaky = client.put(
        f"{base}/visibility", json={"visibility": "private", "owner": "bob"}, headers=alice
    )
    assert sneaky.status_code == 422
    assert client.get(f"{base}/access", headers=alice).json()["owner"] == "alice"

    shared = client.post(f"{base}/datasets/d/shares", json={"recipient": "user:bob"}, headers=alice)
    assert shared.json() == {"changed": True}
    assert client.get(f"{base}/datasets/d/access", headers=bob).status_code == 200
    # Bob can see the dataset now, but sharing it onwards is not his to do: 403, not 404.
    onwards = client.post(f"{base}/datasets/d/shares", json={"recipient": "group:x"}, headers=bob)
    assert onwards.status_code == 403
    removed = client.delete(
        f"{base}/datasets/d/shares", params={"recipient": "user:bob"}, headers=alice
    )
    assert removed.json() == {"changed": True}
    assert client.get(f"{base}/datasets/d/access", headers=bob).status_code == 404

    link = client.post(
        f"{base}/datasets/d/reviewer-links", json={"days": 30, "label": "eLife"}, headers=alice
    )
    assert link.status_code == 200, link.text
    reviewer = {"Authorization": f"Bearer {link.json()['secret']}"}
    images = client.get("/api/v1/images", headers=reviewer).json()["items"]
    assert len(images) == 1
    assert client.get("/api/v1/images").json()["items"] == []  # still embargoed for others
    # A reviewer link opens the dataset to read, and nothing else: the project stays unseen.
    publish = client.put(f"{base}/visibility", json={"visibility": "public"}, headers=reviewer)
    assert publish.status_code == 404
