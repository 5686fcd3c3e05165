"""The describe and search pages over HTTP (no browser): forms from the schema, completeness,
Materials & Methods, the search page's URL state."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from imagesteward.catalog import ImageAnnotation
from imagesteward.config import load_settings
from imagesteward.installation import open_installation
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
    form = client.get(f"/images/{image['uuid']}/describe").text
    assert 'data-slot="imaging_method"' in form and 'data-ontology="FBbi"' in form
    # Every gap links into the form, to its field or the nearest one the form shows.
    anchors = re.findall(rf'href="/images/{image["uuid"]}/describe#(field-[^"]+)"', page)
    assert len(anchors) == len(re.findall(r'class="missing-field"', page)) > 0
    assert {anchor for anchor in anchors if f'id="{anchor}"' not in form} == set()


def _gaps(page: str) -> dict[str, tuple[str, list[str]]]:
    """Missing field path -> (its link, the links of the images named as missing it)."""
    found = {}
    for item in re.findall(r'<li class="missing-field"(.*?)</li>', page, re.S):
        path = re.search(r'data-path="([^"]+)"', item)
        links = re.findall(r'<a href="([^"]+)"', item)
        assert path is not None and links, item
        found[path.group(1)] = (links[0], links[1:])
    return found


def _missing_in(client: TestClient, uuid: str) -> set[str]:
    answer = client.get(f"/api/v1/images/{uuid}/completeness").json()
    return {re.sub(r"\[[0-9]+\]", "[*]", m["path"]) for m in answer["missing"]}


def test_the_dataset_page_links_each_gap_to_the_images_missing_it(client: TestClient) -> None:
    dataset = "Fixed cells"
    page = client.get(f"/projects/{quote(PROJECT)}/datasets/{quote(dataset)}").text
    images = client.get("/api/v1/images", params={"project": PROJECT, "dataset": dataset})
    missing = {
        image["uuid"]: _missing_in(client, image["uuid"]) for image in images.json()["items"]
    }
    gaps = _gaps(page)
    assert gaps
    for path, (link, named) in gaps.items():
        expected = [u for u, paths in missing.items() if path in paths]  # id order
        assert [re.search(r"/images/([^/]+)/", n).group(1) for n in named] == expected[:5], path  # type: ignore[union-attr]
        assert link == named[0]
        uuid, anchor = re.fullmatch(r"/images/([^/]+)/describe#(field-.+)", link).groups()  # type: ignore[union-attr]
        assert f'id="{anchor}"' in client.get(f"/images/{uuid}/describe").text, path
    # The widefield image (the dataset's first) has its exposure times; the confocal two do not.
    (first, *_) = missing
    link, named = gaps["channels[*].exposure_time"]
    assert first not in link and len(named) == 2


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


def test_a_gap_only_the_study_can_close_links_to_the_study_form(demo_copy: Path) -> None:
    project = "Demo: electron microscopy"
    with open_installation(demo_copy) as installation:
        catalog = installation.catalog
        (image,) = catalog.list_images(project=project).items
        refs = {"biosample_ref": None, "specimen_ref": None}
        catalog.annotate_images([ImageAnnotation(image.uuid, refs)])
        catalog.save_study(project, {"title": "Sections"})  # no biosamples nor specimens
    with TestClient(build_app(load_settings(demo_copy))) as opened:
        page = opened.get(f"/projects/{quote(project)}/datasets/TEM%20sections").text
        study_form_page = opened.get(f"/projects/{quote(project)}/describe").text
    gaps = _gaps(page)
    study = f"/projects/{quote(project, safe='')}/describe"
    assert gaps["biosample_ref"] == (f"{study}#field-biosamples", [])
    assert gaps["specimen_ref"] == (f"{study}#field-specimens", [])
    assert 'id="field-biosamples"' in study_form_page
    assert 'id="field-specimens"' in study_form_page
    # The image's own gaps still lead to the image.
    link, named = gaps["acquisition.microscope"]
    assert link.startswith(f"/images/{image.uuid}/describe#field-acquisition")
    assert named == [link]
