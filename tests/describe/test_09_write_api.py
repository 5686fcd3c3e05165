"""The describe write API the web forms save through: study, image annotations, templates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imagesteward.catalog import access_catalog, open_catalog
from imagesteward.config import load_settings
from imagesteward.server import build_app

API = "/api/v1"
PROJECT = "Demo: cell biology"
PASSWORD = "a long and quiet river"


@pytest.fixture
def secured(demo_copy: Path) -> Iterator[TestClient]:
    """The demo with access control: ada owns the project, bob has an account and no rights."""
    catalog = open_catalog(load_settings(demo_copy).catalog_url)
    access = access_catalog(catalog)
    access.add_user("ada", password=PASSWORD)
    access.add_user("bob", password=PASSWORD)
    access.assign(PROJECT, owner="ada")
    catalog.dispose()
    with TestClient(build_app(load_settings(demo_copy, access_control=True))) as client:
        yield client


def _sign_in(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(f"{API}/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": client.cookies["imagesteward_csrf"]}


def _study(organism: str, orcid: str = "0000-0002-1825-0097") -> dict[str, object]:
    return {
        "title": "Mitosis in HeLa cells",
        "authors": [{"name": "Ada Lovelace", "orcid": orcid}],
        "biosamples": [{"identifier": "hela", "organism": organism}],
    }


def test_without_access_control_the_study_is_read_only(demo_site: Path) -> None:
    # A laptop installation that turned access control off: nobody is known, nothing written.
    with TestClient(build_app(load_settings(demo_site, access_control=False))) as client:
        study = client.get(f"{API}/projects/{PROJECT}/study")
        assert study.status_code == 200
        refused = client.put(f"{API}/projects/{PROJECT}/study", json=_study("NCBITaxon:9606"))
        assert refused.status_code == 403
        assert "steward describe" in refused.json()["detail"]
        assert client.get(f"{API}/projects/{PROJECT}/study").json() == study.json()


def test_the_owner_saves_a_study_and_every_problem_comes_back(secured: TestClient) -> None:
    anonymous = secured.put(f"{API}/projects/{PROJECT}/study", json=_study("NCBITaxon:9606"))
    assert anonymous.status_code in {401, 403, 404}
    headers = _sign_in(secured, "ada")
    # Merged into the demo's study, whose biosamples and specimens the images refer to.
    bad = secured.put(
        f"{API}/projects/{PROJECT}/study",
        json=_study("NCBITaxon:99999999", orcid="0000-0002-1825-0096"),
        params={"merge": True},
        headers=headers,
    )
    assert bad.status_code == 422
    found = {(p["field"], p["reason"]) for p in bad.json()["details"]["problems"]}
    fields = {field for field, _ in found}
    assert fields == {"authors[0].orcid", "biosamples[0].organism"}, found
    assert any("expected 7" in reason for _, reason in found)

    saved = secured.put(
        f"{API}/projects/{PROJECT}/study",
        json=_study("Homo sapiens"),
        params={"merge": True},
        headers=headers,
    )
    assert saved.status_code == 200, saved.text
    document = saved.json()["document"]
    assert document["biosamples"][0]["organism"] == {
        "term_id": "NCBITaxon:9606",
        "label": "Homo sapiens",
    }
    assert document["authors"][0]["orcid"] == "https://orcid.org/0000-0002-1825-0097"
    assert secured.get(f"{API}/projects/{PROJECT}/study").json()["revision"] >= 1


def test_someone_without_rights_cannot_save(secured: TestClient) -> None:
    headers = _sign_in(secured, "bob")
    refused = secured.put(
        f"{API}/projects/{PROJECT}/study", json=_study("NCBITaxon:9606"), headers=headers
    )
    assert refused.status_code in {403, 404}


def test_annotating_an_image_checks_terms_and_keeps_captured_values(
    secured: TestClient,
) -> None:
    headers = _sign_in(secured, "ada")
    images = secured.get(f"{API}/images", params={"project": PROJECT}).json()["items"]
    uuid = images[0]["uuid"]
    before = secured.get(f"{API}/images/{uuid}/completeness").json()
    wrong = secured.patch(
        f"{API}/images/{uuid}/annotations",
        json={"values": {"acquisition.imaging_method": "GO:0005634"}},
        headers=headers,
    )
    assert wrong.status_code == 422
    (problem,) = wrong.json()["details"]["problems"]
    assert problem["field"] == "acquisition.imaging_method"
    assert "FBbi is required" in problem["reason"]
    captured = secured.patch(
        f"{API}/images/{uuid}/annotations",
        json={"values": {"description": "Prophase."}},
        headers=headers,
    )
    assert captured.status_code == 422
    assert "captured from the original file" in captured.json()["detail"]
    done = secured.patch(
        f"{API}/images/{uuid}/annotations",
        json={"values": {"acquisition.temperature": 37}},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["document"]["acquisition"]["temperature"] == 37
    after = secured.get(f"{API}/images/{uuid}/completeness").json()
    assert "acquisition.temperature" in {m["path"] for m in before["missing"]}
    assert "acquisition.temperature" not in {m["path"] for m in after["missing"]}
    filled = {s["tier"]: s["filled"] for s in after["scores"]}
    assert filled[3] == next(s["filled"] for s in before["scores"] if s["tier"] == 3) + 1


def test_templates_are_listed_with_what_they_fix(demo_site: Path) -> None:
    with TestClient(build_app(load_settings(demo_site))) as client:
        items = client.get(f"{API}/describe/templates").json()["items"]
    by_name = {item["name"]: item for item in items}
    assert "live-confocal-timelapse" in by_name
    live = by_name["live-confocal-timelapse"]
    methods = [c["imaging_method"] for c in live["study"]["study_components"]]
    assert methods and all(m["term_id"].startswith("FBbi:") for m in methods)
    assert live["asks"] and all(set(a) == {"path", "prompt"} for a in live["asks"])
