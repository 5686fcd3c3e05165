"""`steward search` and `GET /api/v1/search` on an installation (thin layers over one function)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from imagesteward.access import Visibility
from imagesteward.catalog import access_catalog
from imagesteward.cli import app as cli
from imagesteward.config import load_settings
from imagesteward.installation import init_installation, open_installation
from imagesteward.server import build_app
from tests.catalog.factories import confocal_image, fileset, widefield_image

runner = CliRunner()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An installation with two confocal images and one widefield image."""
    home = tmp_path_factory.mktemp("search") / "site"
    init_installation(home)
    with open_installation(home) as installation:
        installation.catalog.add_filesets(
            [
                fileset("a.czi", images=[confocal_image(0, name="HeLa fixed, Hoechst/GFP")]),
                fileset("b.czi", images=[confocal_image(0, name="HeLa mitosis stack")]),
                fileset("c.nd2", images=[widefield_image()], dataset="yeast"),
            ]
        )
        # Published: the API is asked anonymously (a new installation's data are private).
        access = access_catalog(installation.catalog)
        for dataset in (None, "2024-06 HeLa", "yeast"):
            access.set_visibility("Mitosis", dataset, visibility=Visibility.PUBLIC)
    return home


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def steward(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--home", str(home), *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_table_facets_and_next_page(home: Path) -> None:
    code, out = steward(home, "search", "fluorescence microscopy", "--limit", "2")
    assert code == 0, out
    assert "2 of 3 hit(s) for 'fluorescence microscopy'" in out
    assert "HeLa mitosis stack" in out
    assert "method: confocal microscopy (3)" in out
    cursor = out.split("--cursor ")[1].split()[0]
    code, rest = steward(home, "search", "fluorescence microscopy", "--cursor", cursor)
    assert code == 0, rest
    assert "1 of 3 hit(s)" in rest
    assert "HeLa fixed, Hoechst/GFP" in rest


def test_cli_json_and_reindex(home: Path) -> None:
    code, out = steward(home, "search", "kind:image instrument:nikon", "--json", "--reindex")
    assert code == 0, out
    found = json.loads(out[out.index("{") :])
    assert [hit["title"] for hit in found["hits"]] == ["yeast time lapse"]
    assert found["total"] == 1
    assert found["facets"]["year"] == [{"value": "2023", "label": "2023", "count": 1}]


def test_cli_explains_a_query_it_cannot_read(home: Path) -> None:
    code, out = steward(home, "search", "date:2024-13")
    assert code == 2
    assert "at character 1: '2024-13' is not a real date" in " ".join(out.split())


@pytest.fixture(scope="module")
def api(home: Path) -> Iterator[TestClient]:
    with TestClient(build_app(load_settings(home))) as client:
        yield client


def test_api_hits_facets_and_pages(api: TestClient) -> None:
    first = api.get("/api/v1/search", params={"q": "hela", "limit": 1})
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["total"] == 3  # two images and their dataset
    assert {v["label"]: v["count"] for v in page["facets"]["kind"]} == {"image": 2, "dataset": 1}
    seen = [(h["kind"], h["id"]) for h in page["hits"]]
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [(h["kind"], h["id"]) for h in page["hits"]]
    assert len(set(seen)) == 3
    found = api.get("/api/v1/search", params={"q": "stack"}).json()["hits"]
    # The dataset holds the words of its images too: it is found as well.
    assert {h["kind"] for h in found} == {"image", "dataset"}
    image = next(h for h in found if h["kind"] == "image")
    assert image["kind"] == "image"
    assert api.get(image["url"]).json()["name"] == "HeLa mitosis stack"


def test_api_refuses_unreadable_queries_with_422(api: TestClient) -> None:
    response = api.get("/api/v1/search", params={"q": "colour:red"})
    assert response.status_code == 422
    assert "unknown field 'colour'" in response.json()["detail"]
    assert api.get("/api/v1/search", params={"limit": 500}).status_code == 422
