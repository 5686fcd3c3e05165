"""The server records embargoes that ended while it was down, at start-up, by itself."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from imagesteward.access import Visibility
from imagesteward.catalog import access_catalog, open_catalog
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.config import load_settings
from imagesteward.installation import init_installation
from imagesteward.server import build_app
from tests.catalog.factories import bare_image, fileset


def test_a_starting_server_releases_embargoes_whose_date_has_passed(tmp_path: Path) -> None:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    access = access_catalog(catalog)
    catalog.add_fileset(fileset("a.tif", images=[bare_image()], project="Paper", dataset="fig1"))
    until = utcnow() - timedelta(minutes=1)
    for dataset in (None, "fig1"):
        access.set_visibility(
            "Paper", dataset, visibility=Visibility.EMBARGOED, until=until,
            now=until - timedelta(days=90),
        )  # fmt: skip
    assert access.audit_events(action="visibility.release") == []

    with TestClient(build_app(load_settings(settings.home, access_control=True))) as client:
        listed = client.get("/api/v1/projects").json()["items"]
        assert [p["name"] for p in listed] == ["Paper"]  # public since its date, anonymously

    released = access.audit_events(action="visibility.release")
    assert {(e.target, e.at, e.actor) for e in released} == {
        ("project:Paper", until, None), ("dataset:Paper/fig1", until, None),
    }  # fmt: skip
    assert access.access_of("Paper", "fig1").visibility is Visibility.PUBLIC
    catalog.dispose()
