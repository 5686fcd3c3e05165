"""The describe API: ontology autocomplete, completeness, Materials & Methods."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from imagesteward.cli import app
from imagesteward.config import load_settings
from imagesteward.server import build_app

API = "/api/v1"


@pytest.fixture(scope="module")
def api(demo_site: Path) -> Iterator[TestClient]:
    with TestClient(build_app(load_settings(demo_site))) as client:
        yield client


def test_autocomplete_over_labels_and_synonyms(api: TestClient) -> None:
    response = api.get(f"{API}/ontology/terms", params={"q": "zebraf"})
    assert response.status_code == 200
    assert response.json()["items"][0]["id"] == "NCBITaxon:7955"
    only = api.get(f"{API}/ontology/terms", params={"q": "m", "ontology": "CHEBI|FPbase"})
    assert {item["ontology"] for item in only.json()["items"]} == {"FPbase"}
    limited = api.get(f"{API}/ontology/terms", params={"q": "cell", "limit": 3})
    assert len(limited.json()["items"]) == 3
    assert api.get(f"{API}/ontology/terms", params={"q": ""}).json() == {"items": []}
    assert api.get(f"{API}/ontology/terms", params={"limit": 0}).status_code == 422


def test_one_term_or_404(api: TestClient) -> None:
    term = api.get(f"{API}/ontology/terms/FBbi:00000253").json()
    assert term["label"] == "spinning disk confocal microscopy"
    assert term["parents"] == ["FBbi:00000251"]
    missing = api.get(f"{API}/ontology/terms/FBbi:99999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "steward ontology search" in missing.json()["detail"]


def test_completeness_of_an_image_and_a_project(api: TestClient) -> None:
    images = api.get(f"{API}/images", params={"project": "Demo: histology"}).json()["items"]
    uuid = images[0]["uuid"]
    image = api.get(f"{API}/images/{uuid}/completeness").json()
    assert image["kind"] == "image" and image["subject"] == uuid
    assert [score["tier"] for score in image["scores"]] == [1, 2, 3]
    paths = {m["path"] for m in image["missing"]}
    # The demo names the slide's biosample; the light source's wavelength is still missing.
    assert "biosample_ref" not in paths
    assert "acquisition.microscope.light_sources[0].wavelength" in paths
    project = api.get(
        f"{API}/projects/Demo: histology/completeness", params={"tier": 1, "images": True}
    ).json()
    assert project["required_tier"] == 1 and project["ready"] is False
    assert project["datasets"][0]["subject"] == "Demo: histology/H&E sections"
    assert len(project["images"]) == 1
    assert api.get(f"{API}/projects/Nope/completeness").status_code == 404
    assert api.get(f"{API}/images/00000000/completeness").status_code == 404


def test_methods_text_and_markdown(api: TestClient) -> None:
    text = api.get(f"{API}/projects/Demo: histology/methods")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith("One image was acquired on an Evident SLIDEVIEW VS200")
    markdown = api.get(
        f"{API}/projects/Demo: cell biology/methods",
        params={"dataset": "Live imaging", "format": "markdown"},
    )
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("### Image acquisition\n\n")
    assert "time-lapse series of 24 time points every 5 min" in markdown.text
    assert api.get(f"{API}/projects/Nope/methods").status_code == 404


def test_form_descriptions(api: TestClient) -> None:
    study = api.get(f"{API}/describe/forms/study").json()
    fields = {field["path"]: field for field in study["fields"]}
    assert study["kind"] == "study"
    assert fields["biosamples[*].organism"]["ontology"] == "NCBITaxon"
    assert fields["title"]["tier"] == 1 and fields["title"]["required"] is True
    image = api.get(f"{API}/describe/forms/image").json()
    assert any(field["path"] == "channels[*].fluorophore" for field in image["fields"])
    assert api.get(f"{API}/describe/forms/nothing").status_code == 422


def test_the_routes_are_documented(api: TestClient) -> None:
    paths = api.get(f"{API}/openapi.json").json()["paths"]
    for path in (
        "/api/v1/ontology/terms",
        "/api/v1/ontology/terms/{term_id}",
        "/api/v1/describe/forms/{kind}",
        "/api/v1/images/{image}/completeness",
        "/api/v1/projects/{project}/completeness",
        "/api/v1/projects/{project}/methods",
    ):
        assert path in paths, path


def test_the_publication_tier_setting_is_the_default_requirement(
    demo_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = f"{API}/projects/Demo: histology/completeness"
    monkeypatch.setenv("IMAGESTEWARD_PUBLICATION_TIER", "1")
    with TestClient(build_app(load_settings(demo_site))) as client:
        assert client.get(route).json()["required_tier"] == 1
        assert client.get(route, params={"tier": 3}).json()["required_tier"] == 3  # asked for
        page = client.get("/projects/Demo%3A%20histology").text
        assert "fields up to tier 1 are missing" in page
    runner = CliRunner()
    result = runner.invoke(app, ["--home", str(demo_site), "completeness", "-p", "Demo: histology"])
    assert result.exit_code == 0 and "up to tier 1 (what publication requires)" in result.stdout
    monkeypatch.delenv("IMAGESTEWARD_PUBLICATION_TIER")
    result = runner.invoke(app, ["--home", str(demo_site), "completeness", "-p", "Demo: histology"])
    assert "up to tier 2 (what publication requires)" in result.stdout
    with TestClient(build_app(load_settings(demo_site))) as client:
        assert client.get(route).json()["required_tier"] == 2
