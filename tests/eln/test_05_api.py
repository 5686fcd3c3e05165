"""``POST /api/v1/projects/{project}/eln``: uploads, with and without access control."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from imagesteward.config import load_settings
from imagesteward.installation import init_installation
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
    with TestClient(build_app(load_settings(home))) as client:
        response = _upload(client, write_eln(tmp_path / "rich.eln", rich_crate()), "rich.eln")
        assert response.status_code == 403
        problem = response.json()
        assert problem["error"] == "PermissionDeniedError"
        assert "steward eln import" in problem["detail"]
        assert client.get("/api/v1/projects").json()["items"] == []
