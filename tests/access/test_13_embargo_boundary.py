"""An embargo ends at its date to the second on every data path of the server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imagesteward.access import Visibility
from imagesteward.catalog import _access, access_catalog, open_catalog
from imagesteward.config import load_settings
from imagesteward.installation import init_installation
from imagesteward.server import build_app
from tests.catalog.factories import confocal_image, fileset

UNTIL = datetime(2031, 6, 1, 12, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, list[datetime], str, str]]:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    access = access_catalog(catalog)
    record = catalog.add_fileset(
        fileset("a.tif", images=[confocal_image()], project="Paper", dataset="fig1")
    )
    image = catalog.fileset_images(record.id)[0]
    sha256 = catalog.image_files(image.id)[0].sha256
    for dataset in (None, "fig1"):
        access.set_visibility(
            "Paper", dataset, visibility=Visibility.EMBARGOED, until=UNTIL,
            now=UNTIL - timedelta(days=30),
        )  # fmt: skip
    catalog.dispose()
    clock = [UNTIL - SECOND]
    monkeypatch.setattr(_access, "utcnow", lambda: clock[0])
    with TestClient(build_app(load_settings(settings.home, access_control=True))) as client:
        yield client, clock, image.uuid, sha256


def test_every_data_path_opens_at_the_embargo_date_and_not_a_second_before(
    served: tuple[TestClient, list[datetime], str, str],
) -> None:
    client, clock, uuid, sha256 = served
    direct = [
        f"/api/v1/images/{uuid}",
        f"/api/v1/images/{uuid}/metadata",
        f"/api/v1/images/{uuid}/thumbnail.png",
        f"/api/v1/images/{uuid}/tiles/0/0/0/0/0.png",
        f"/zarr/{uuid}/zarr.json",
        f"/api/v1/originals/{sha256}",
    ]

    def seen() -> dict[str, bool]:
        found = {path: client.get(path).status_code != 404 or _not_hidden(client, path)
                 for path in direct}  # fmt: skip
        found["images"] = bool(client.get("/api/v1/images").json()["items"])
        found["projects"] = bool(client.get("/api/v1/projects").json()["items"])
        found["search"] = client.get("/api/v1/search", params={"q": ""}).json()["total"] > 0
        return found

    before = seen()
    assert not any(before.values()), before
    clock[0] = UNTIL
    after = seen()
    assert all(after.values()), after


def _not_hidden(client: TestClient, path: str) -> bool:
    """A 404 that is not "no such image/original" (no rendition yet): the data path is open."""
    detail = str(client.get(path).json().get("detail", ""))
    return not detail.startswith(("No image with UUID", "No original file with SHA-256"))
