"""Web sessions: sign in, a cookie the page cannot read, CSRF on writes, sign out revokes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imagesteward.catalog import access_catalog, open_catalog
from imagesteward.config import load_settings
from imagesteward.installation import init_installation
from imagesteward.server import build_app
from tests.catalog.factories import bare_image, fileset

PASSWORD = "a long and quiet river"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    access = access_catalog(catalog)
    catalog.add_fileset(fileset("a.tif", images=[bare_image()], project="Lab", dataset="d"))
    access.add_user("alice", password=PASSWORD)
    access.assign("Lab", owner="alice")
    catalog.dispose()
    app = build_app(load_settings(settings.home, access_control=True))
    with TestClient(app) as opened:
        yield opened


def test_sign_in_use_the_session_and_sign_out(client: TestClient) -> None:
    refused = client.post("/api/v1/session", json={"username": "alice", "password": "nope"})
    assert refused.status_code == 401
    assert "imagesteward_session" not in client.cookies

    signed_in = client.post("/api/v1/session", json={"username": "alice", "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["username"] == "alice"
    cookies = signed_in.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("imagesteward_session="))
    assert "HttpOnly" in session
    assert "samesite=strict" in session.lower()
    assert PASSWORD not in signed_in.text

    assert client.get("/api/v1/me").json()["username"] == "alice"
    assert [p["name"] for p in client.get("/api/v1/projects").json()["items"]] == ["Lab"]

    # A write with the session cookie but without the CSRF echo is refused before it runs.
    upload = {"archive": ("x.eln", b"not a zip", "application/zip")}
    forged = client.post("/api/v1/projects/Lab/eln", files=upload)
    assert forged.status_code == 403
    assert "x-csrf-token" in forged.json()["detail"]
    csrf = client.cookies["imagesteward_csrf"]
    echoed = client.post("/api/v1/projects/Lab/eln", files=upload, headers={"X-CSRF-Token": csrf})
    assert echoed.status_code not in {401, 403}, echoed.text

    token = client.cookies["imagesteward_session"]
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert "imagesteward_session" not in client.cookies
    assert client.get("/api/v1/me").json()["username"] is None
    # The token behind the cookie is revoked, not just forgotten by this browser.
    stolen = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert stolen.status_code == 401


def test_a_forged_cookie_cannot_end_someone_elses_session(client: TestClient) -> None:
    client.post("/api/v1/session", json={"username": "alice", "password": PASSWORD})
    token = client.cookies["imagesteward_session"]
    key_id = token.split("_")[1]
    attacker = TestClient(client.app)
    attacker.cookies.set("imagesteward_session", f"ist_{key_id}_{'A' * 43}")
    attacker.cookies.set("imagesteward_csrf", "x")
    attacker.delete("/api/v1/session", headers={"X-CSRF-Token": "x"})
    assert client.get("/api/v1/me").json()["username"] == "alice"
