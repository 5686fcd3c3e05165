"""Applications built in one process keep their own access control.

The routers are module-level, so their route objects are shared by every application: the
guard must wrap copies, or one enforcing application would guard every later one.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from imagesteward.catalog import open_catalog
from imagesteward.config import load_settings
from imagesteward.installation import init_installation
from imagesteward.server import build_app
from tests.catalog.factories import bare_image, fileset


def test_an_enforcing_app_does_not_guard_the_next_one(tmp_path: Path) -> None:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    catalog.add_fileset(fileset("a.tif", images=[bare_image()], project="Lab", dataset="d"))
    catalog.dispose()

    with TestClient(build_app(load_settings(settings.home, access_control=True))) as enforcing:
        assert enforcing.get("/api/v1/projects").json()["items"] == []  # private to nobody
    with TestClient(build_app(load_settings(settings.home, access_control=False))) as open_app:
        names = [p["name"] for p in open_app.get("/api/v1/projects").json()["items"]]
        assert names == ["Lab"]
    with TestClient(build_app(load_settings(settings.home, access_control=True))) as again:
        assert again.get("/api/v1/projects").json()["items"] == []
