"""The describe and search pages over HTTP (no browser): forms from the schema, completeness,
Materials & Methods, the search page's URL state."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from imagesteward.config import load_settings
from imagesteward.server import build_app
from imagesteward.server.web._form_tree import anchor_of, image_form, study_form
from imagesteward.server.web._search_page import SearchState, query_of

PROJECT = "Demo: cell biology"


@pytest.fixture(scope="module")
def client(demo_site: Path) -> Iterator[TestClient]:
    with TestClient(build_app(load_settings(demo_site))) as opened:
        yield opened


def test_the_study_form_nests_the_schema() -> None:
    roots = {node.slot: node for node in study_form()}
    assert {"title", "authors", "biosamples", "specimens", "facility"} <= set(roots)
    assert "analysed_data" not in roots
    biosamples = roots["biosamples"]
    assert biosamples.repeated_object
    organism = next(c for c in biosamples.children if c.slot == "organism")
    assert (organism.field.kind, organism.field.ontology, organism.field.tier) == (
        "term",
        "NCBITaxon",
        1,
    )
    labels = next(c for c in roots["specimens"].children if c.slot == "labels")
    assert {c.slot for c in labels.children} >= {"fluorophore", "antibody_rrid"}
    orcid = next(c for c in roots["authors"].children if c.slot == "orcid")
    assert orcid.field.pid_scheme == "ORCID"
    assert anchor_of("biosamples[2].organism") == anchor_of("biosamples[*].organism")


def test_the_image_form_holds_what_a_person_adds() -> None:
    roots = {node.slot: node for node in image_form()}
    assert set(roots) == {"description", "biosample_ref", "specimen_ref", "acquisition", "channels"}
    channel = {c.slot for c in roots["channels"].children}
    assert "fluorophore" in channel and "light_source" not in channel
    acquisition = {c.slot for c in roots["acquisition"].children}
    assert {"imaging_method", "operator", "microscope"} <= acquisition


def test_the_search_state_becomes_a_query() -> None:
    state = SearchState(
        text="mitosis",
        chosen={"organism": ["NCBITaxon:9606"], "fluorophore": ["DAPI", "EGFP"], "kind": ["image"]},
        date_from="2024-01",
        date_to="",
        cursor=None,
    )
    assert query_of(state) == (
        'mitosis organism:"NCBITaxon:9606" fluorophore:"DAPI" fluorophore:"EGFP" '
        'kind:"image" date:2024-01..'
    )
    assert "fluorophore=EGFP" not in state.toggled("fluorophore", "EGFP")
    assert "organism=NCBITaxon%3A9606" in state.toggled("fluorophore", "EGFP")


def test_project_dataset_and_form_pages(client: TestClient) -> None:
    project = client.get(f"/projects/{quote(PROJECT)}")
    assert project.status_code == 200
    text = project.text
    assert "Completeness: Study" in text and "Not ready for publication" in text
    # Without access control nobody edits: no edit button, and the form is read-only.
    assert 'id="edit-study"' not in text
    form = client.get(f"/projects/{quote(PROJECT)}/describe").text
    assert "T1 · required" in form and 'data-ontology="NCBITaxon"' in form
    assert "data-readonly" in form and 'id="save"' not in form
    # Every missing field the panel lists links to its field in the form.
    links = set(re.findall(r'href="#(field-[^"]+)"', form))
    assert links
    assert {link for link in links if f'id="{link}"' not in form} == set()

    datasets = client.get("/api/v1/datasets", params={"project": PROJECT}).json()["items"]
    name = datasets[0]["name"]
    page = client.get(f"/projects/{quote(PROJECT)}/datasets/{quote(name)}")
    assert page.status_code == 200
    methods = client.get(
        f"/api/v1/projects/{PROJECT}/methods", params={"dataset": name, "format": "markdown"}
    ).text
    assert re.sub(r"\s+", " ", methods.split("\n")[0])[:40] in re.sub(r"\s+", " ", page.text)
    assert 'data-copy="#methods-text"' in page.text
    missing = client.get(f"/projects/{quote(PROJECT)}/datasets/no-such-dataset")
    assert missing.status_code == 404


def test_the_image_page_shows_completeness_with_links(client: TestClient) -> None:
    image = client.get("/api/v1/images", params={"project": PROJECT}).json()["items"][0]
    page = client.get(f"/images/{image['uuid']}").text
    assert "Completeness: Image" in page
    assert f"/images/{image['uuid']}/describe#field-acquisition.imaging_method" in page
    form = client.get(f"/images/{image['uuid']}/describe").text
    assert 'data-slot="imaging_method"' in form and 'data-ontology="FBbi"' in form


def test_the_search_page_counts_as_the_api_does(client: TestClient) -> None:
    api = client.get("/api/v1/search", params={"q": 'fluorophore:"DAPI"'}).json()
    page = client.get("/search", params={"fluorophore": "DAPI"}).text
    assert f'<span id="hit-total">{api["total"]}</span>' in page
    for value in api["facets"]["kind"]:
        assert re.search(
            rf'data-value="{value["value"]}">\s*<span class="facet-label">[^<]*</span> '
            rf'<span class="facet-count">{value["count"]}</span>',
            page,
        ), value
    bad = client.get("/search", params={"q": "date:2024-13"})
    assert bad.status_code == 200 and "not a real date" in bad.text
