"""Every page over plain HTTP (FastAPI's in-process client): status, key content, links."""

from __future__ import annotations

import hashlib
import html
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from imagesteward.config import load_settings
from imagesteward.installation import open_installation
from imagesteward.server.web._format import length
from tests.server.live import Demo
from tests.server.test_02_catalog_api import assert_problem

HTML = "text/html; charset=utf-8"


def page(api: TestClient, url: str, status: int = 200, **params: Any) -> str:
    # No params at all when none are given: httpx would drop the URL's own query for {}.
    # Asked as a browser asks: a program gets the access guard's refusals as problem documents.
    response = api.get(url, params=params or None, headers={"Accept": "text/html"})
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"] == HTML
    assert response.headers["cache-control"] == "no-cache"
    text: str = response.text
    assert text.startswith("<!doctype html>")
    return text


def image_links(text: str) -> list[str]:
    """UUIDs of the image cards on a page, in order."""
    return re.findall(r'class="card-link" href="/images/([0-9a-f-]{36})"', text)


def viewer_config(text: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="viewer-config">(.*?)</script>', text)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


# -- home ---------------------------------------------------------------------------------------


def test_home_shows_totals_projects_instruments_and_recent_images(
    api: TestClient, demo: Demo
) -> None:
    text = page(api, "/")
    with open_installation(load_settings(demo.home).home) as installation:
        stats = installation.catalog.stats()
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", text))
    # Under access control (the default) the home page counts what the caller may list (the
    # demo is public: everything); original files span datasets and are left out.
    assert figures == {
        "Images": str(stats.images),
        "Projects": str(stats.projects),
        "Datasets": str(stats.datasets),
        "Instruments": str(stats.instruments),
    }
    for project in {image.project for image in demo.images}:
        assert html.escape(project) in text
    assert "Nikon Eclipse Ti2-E" in text  # an instrument
    shown = image_links(text)
    assert 0 < len(shown) <= 12
    assert set(shown) <= {image.uuid for image in demo.images}
    for uuid in shown:
        assert f"/api/v1/images/{uuid}/thumbnail.jpg?size=320" in text
    assert 'href="/browse"' in text and 'href="/api/v1/docs"' in text


# -- browser ------------------------------------------------------------------------------------


def test_browse_lists_every_image_with_its_tree(api: TestClient, demo: Demo) -> None:
    text = page(api, "/browse")
    assert image_links(text) == [image.uuid for image in demo.images]
    for image in demo.images:
        link = f"?project={quote(image.project)}&amp;dataset={quote(image.dataset)}"
        assert link in text
    assert "Next page" not in text


def test_browse_by_project_and_dataset(api: TestClient, demo: Demo) -> None:
    fixed = [i for i in demo.images if i.dataset == "Fixed cells"]
    project = fixed[0].project
    text = page(api, "/browse", project=project, dataset="Fixed cells")
    assert image_links(text) == [i.uuid for i in fixed]
    assert '<h1 id="listing-heading" class="page-title">Fixed cells</h1>' in text
    in_project = [i.uuid for i in demo.images if i.project == project]
    assert image_links(page(api, "/browse", project=project)) == in_project


def test_browse_pages_follow_cursors_to_the_end(api: TestClient, demo: Demo) -> None:
    seen: list[str] = []
    text = page(api, "/browse", limit=3)
    assert "First page" not in text
    while True:
        seen += image_links(text)
        following = re.search(r'<a href="([^"]+)" rel="next">', text)
        if following is None:
            break
        text = page(api, html.unescape(following.group(1)))
        assert "First page" in text
    assert seen == [image.uuid for image in demo.images]


def test_search_box_finds_by_name(api: TestClient, demo: Demo) -> None:
    text = page(api, "/browse", q="b03")
    wells = [i.uuid for i in demo.images if "B03" in (i.name or "")]
    assert len(wells) == 4
    assert image_links(text) == wells
    assert "Images named “b03”" in text
    assert 'href="/browse?"' in text or "Clear search" in text
    # An empty search box is no filter.
    assert image_links(page(api, "/browse", q="  ")) == [i.uuid for i in demo.images]
    assert "No images whose name contains" in page(api, "/browse", q="no-such-name")


def test_browse_errors_are_pages(api: TestClient) -> None:
    text = page(api, "/browse", 404, project="Nope")
    assert "No project named &#39;Nope&#39;" in text
    text = page(api, "/browse", 422, projct="typo")
    assert "The address is malformed" in text and "projct" in text
    page(api, "/browse", 422, limit=0)


# -- image page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fragment", ["HeLa_fixed", "Zstack", "H2B-mCherry", "B03 field 1", "Image:0", "Colon_HE"]
)
def test_image_page_shows_metadata_files_renditions_and_viewer(
    api: TestClient, demo: Demo, fragment: str
) -> None:
    record = demo.image(fragment)
    text = page(api, f"/images/{record.uuid}")
    for heading in ("Image", "Acquisition", "Instrument", "Channels", "Original metadata"):
        assert f'">{heading}</h2>' in text
    assert '">Files</h2>' in text and '">Renditions</h2>' in text
    assert html.escape(record.name or "") in text
    document = record.document
    assert f"{document.size_x} × {document.size_y} px" in text
    if document.physical_size_x is not None:
        assert length(document.physical_size_x) in text
    for channel in document.channels or ():
        if channel.name:
            assert html.escape(channel.name) in text
    with open_installation(load_settings(demo.home).home) as installation:
        files = installation.catalog.image_files(record.id)
    for original in files:
        assert f"sha256 {original.sha256}" in text
        assert f'href="/api/v1/originals/{original.sha256}"' in text
    zarr = f"http://testserver/zarr/{record.uuid}"
    assert f'value="{zarr}"' in text
    assert f"napari --plugin napari-ome-zarr {zarr}" in text
    assert f"viewer.open(&#34;{zarr}&#34;, plugin=&#34;napari-ome-zarr&#34;)" in text
    assert f'href="/images/{record.uuid}/original-metadata"' in text
    config = viewer_config(text)
    assert config["view"]["image"] == record.uuid
    assert config["view"]["tiles"] == f"/api/v1/images/{record.uuid}/tiles"
    assert config["histogram"] == f"/images/{record.uuid}/histograms/{{channel}}.json"
    if document.physical_size_x is not None:
        assert config["pixelSizeUm"]["x"] == pytest.approx(document.physical_size_x)


def test_image_page_groups_instrument_and_acquisition(api: TestClient, demo: Demo) -> None:
    text = page(api, f"/images/{demo.image('HeLa_fixed').uuid}")
    assert "2024-03-12 13:37:09 UTC" in text
    assert "as written: 2024-03-12T14:37:09+01:00" in text
    assert "Nikon Eclipse Ti2-E (inverted)" in text
    assert "CFI Plan Apochromat Lambda D 60X Oil (60×, NA 1.42, Oil, PlanApo" in text
    assert "Hamamatsu ORCA-Fusion BT C15440-20UP (CMOS)" in text
    assert "<td>395 / 461</td>" in text and "<td>50 ms</td>" in text
    rgb = page(api, f"/images/{demo.image('Colon_HE').uuid}")
    assert "of 3 samples (RGB)" in rgb
    assert viewer_config(rgb)["view"]["is_rgb"] is True


def test_image_page_by_id_and_prefix_and_its_errors(api: TestClient, demo: Demo) -> None:
    record = demo.images[0]
    assert record.uuid in page(api, f"/images/{record.id}")
    assert record.uuid in page(api, f"/images/{record.uuid[:8]}")
    missing = page(api, "/images/999999", 404)
    assert "No image" in missing and "Browse the images" in missing
    assert "The address is malformed" in page(api, "/images/not-an-id", 422)


def test_original_metadata_downloads_the_document(api: TestClient, demo: Demo) -> None:
    record = demo.image("HeLa_fixed")
    attachment = record.document.original_metadata
    assert attachment is not None
    url = f"/images/{record.uuid}/original-metadata"
    response = api.get(url)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == attachment.sha256
    assert response.headers["content-type"].startswith(attachment.media_type or "")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert attachment.name in response.headers["content-disposition"]
    etag = response.headers["etag"]
    assert api.get(url, headers={"If-None-Match": etag}).status_code == 304


# -- documents for the viewer -------------------------------------------------------------------


def test_histograms_for_auto_contrast(api: TestClient, demo: Demo) -> None:
    record = demo.image("HeLa_fixed")
    url = f"/images/{record.uuid}/histograms/1.json"
    response = api.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["channel"] == 1
    assert len(body["edges"]) == len(body["counts"]) + 1 == 257
    assert sum(body["counts"]) > 0
    assert body["edges"] == sorted(body["edges"])
    assert api.get(url, headers={"If-None-Match": response.headers["etag"]}).status_code == 304
    assert_problem(api.get(f"/images/{record.uuid}/histograms/{record.size_c}.json"), 422)
    assert_problem(api.get("/images/999999/histograms/0.json"), 404)


# -- static files, protocol, placement --------------------------------------------------------


def test_static_files_are_versioned_and_immutable(api: TestClient, demo: Demo) -> None:
    text = page(api, f"/images/{demo.images[0].uuid}")
    assets = re.findall(r'(?:href|src)="(/static/[0-9a-f]{12}/[^"]+)"', text)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"steward.css", "main.js", "site.js"}
    for asset in assets:
        response = api.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    digest = assets[0].split("/")[2]
    modules = ["camera", "controls", "histogram", "input", "main", "pyramid", "scalebar"]
    for module in [*modules, "state", "tiles", "viewer"]:
        response = api.get(f"/static/{digest}/js/viewer/{module}.js")
        assert response.status_code == 200
        assert "javascript" in response.headers["content-type"]
    assert api.get("/static/000000000000/css/steward.css").status_code == 404


def test_pages_answer_head_and_refuse_other_methods(api: TestClient) -> None:
    get, head = api.get("/browse"), api.head("/browse")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    response = api.post("/browse")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD"


def test_pages_stay_out_of_the_api(app: FastAPI, api: TestClient) -> None:
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    # The OpenID Connect sign-in routes are documented (they answer problem documents too).
    assert not [path for path in paths if not path.startswith(("/api/v1", "/zarr", "/auth/oidc/"))]
    assert_problem(api.get("/no-such-page"), 404)


def test_links_carry_the_proxy_root_path(app: FastAPI, demo: Demo) -> None:
    record = demo.images[0]
    with TestClient(app, root_path="/steward") as proxied:
        text = proxied.get("/steward/browse").text
        assert f'href="/steward/images/{record.uuid}"' in text
        assert 'href="/steward/browse?project=' in text
        assert re.search(r'href="/steward/static/[0-9a-f]{12}/css/steward.css"', text)
        image = proxied.get(f"/steward/images/{record.uuid}").text
    config = viewer_config(image)
    assert config["view"]["tiles"] == f"/steward/api/v1/images/{record.uuid}/tiles"
    assert f"http://testserver/steward/zarr/{record.uuid}" in image
