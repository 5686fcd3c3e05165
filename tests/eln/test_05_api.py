"""``POST /api/v1/projects/{project}/eln``: uploads, with and without access control."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from imagesteward.access import FacilityRole, Scope
from imagesteward.catalog import access_catalog
from imagesteward.config import load_settings
from imagesteward.eln import import_eln
from imagesteward.installation import init_installation, open_installation
from imagesteward.server import build_app
from tests.eln.crates import rich_crate, write_eln

ROUTE = "/api/v1/projects/lab/eln"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IMAGESTEWARD_CONVERT_ON_INGEST", "false")  # no OME-Zarr: faster
    init_installation(tmp_path / "site")
    return tmp_path / "site"


def _upload(
    client: TestClient, archive: Path, name: str, token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with archive.open("rb") as stream:
        response: httpx.Response = client.post(
            ROUTE, files={"archive": (name, stream, "application/vnd.eln+zip")}, headers=headers
        )
    return response


def test_without_access_control_nobody_may_write(home: Path, tmp_path: Path) -> None:
    # Turned off explicitly (a single-user laptop): the server knows nobody, so writes nothing.
    with TestClient(build_app(load_settings(home, access_control=False))) as client:
        response = _upload(client, write_eln(tmp_path / "rich.eln", rich_crate()), "rich.eln")
        assert response.status_code == 403
        problem = response.json()
        assert problem["error"] == "PermissionDeniedError"
        assert "steward eln import" in problem["detail"]
        assert client.get("/api/v1/projects").json()["items"] == []


@pytest.fixture
def secured(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, str]]:
    """A server with access control, project ``lab`` and a facility administrator's token.

    The project comes from a first import: the guard refuses to name projects that do not exist.
    """
    monkeypatch.setenv("IMAGESTEWARD_ACCESS_CONTROL", "true")
    first = rich_crate()
    del first["data/cells.tif"]
    with open_installation(home) as installation:
        import_eln(write_eln(tmp_path / "first.eln", first), installation, project="lab")
        access = access_catalog(installation.catalog)
        access.add_user("admin", role=FacilityRole.ADMIN)
        _, secret = access.create_token("admin", Scope.ADMIN)
    with TestClient(build_app(load_settings(home))) as client:
        yield client, secret


def test_upload_with_an_admin_token(secured: tuple[TestClient, str], tmp_path: Path) -> None:
    client, token = secured
    archive = write_eln(tmp_path / "rich.eln", rich_crate())
    anonymous = _upload(client, archive, "my export.eln")
    assert anonymous.status_code in (401, 403, 404)
    response = _upload(client, archive, "my export.eln", token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["archive"], body["dataset"], body["merged"]) == (
        "my export.eln",
        "my export",
        True,
    )
    assert body["study"]["title"] == "Mitosis in HeLa cells"
    (image,) = [f for f in body["files"] if f["status"] == "image"]
    assert image["path"] == "data/cells.tif"
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/images", params={"project": "lab"}, headers=headers).json()
    assert [i["uuid"] for i in listed["items"]] == image["image_uuids"]


def test_a_zip_bomb_upload_is_refused(secured: tuple[TestClient, str], tmp_path: Path) -> None:
    client, token = secured
    bomb = write_eln(tmp_path / "bomb.eln", {**rich_crate(), "zeros": bytes(4 * 2**20)})
    response = _upload(client, bomb, "bomb.eln", token)
    assert response.status_code == 422
    problem = response.json()
    assert problem["error"] == "UnsafeContentError"
    assert problem["detail"].startswith("bomb.eln: member 'crate/zeros' inflates")
