"""Thumbnails, tiles and the view document, through the render capability."""

from __future__ import annotations

from typing import Any

import imagecodecs
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.server.live import Demo
from tests.server.test_02_catalog_api import assert_problem


def decode(data: bytes) -> np.ndarray[Any, Any]:
    return np.asarray(imagecodecs.imread(data))


@pytest.fixture(scope="module")
def view(api: TestClient, demo: Demo) -> dict[str, Any]:
    record = demo.image("HeLa_fixed")
    response = api.get(f"/api/v1/images/{record.uuid}/view")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def test_view_describes_levels_channels_and_tiles(view: dict[str, Any], demo: Demo) -> None:
    record = demo.image("HeLa_fixed")
    assert view["image"] == record.uuid
    assert view["size_c"] == record.size_c == len(view["channels"])
    assert view["levels"][0][-2:] == [record.size_y, record.size_x]
    assert view["tile_size"] > 0
    assert view["tiles"] == f"/api/v1/images/{record.uuid}/tiles"
    assert view["tile_path"] == "{level}/{t}/{z}/{x}/{y}.{ext}"
    for channel in view["channels"]:
        assert len(channel["color"]) == 6
        assert channel["window"][0] < channel["window"][1]


def tile_url(view: dict[str, Any], level: int, x: int, y: int, ext: str = "jpg") -> str:
    return f"{view['tiles']}/{level}/0/0/{x}/{y}.{ext}"


@pytest.mark.parametrize(("ext", "media"), [("jpg", "image/jpeg"), ("png", "image/png")])
def test_tiles_are_images_of_the_tile_size(
    api: TestClient, view: dict[str, Any], ext: str, media: str
) -> None:
    response = api.get(tile_url(view, 0, 0, 0, ext))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media
    pixels = decode(response.content)
    size = view["tile_size"]
    height, width = view["levels"][0][-2:]
    assert pixels.shape[:2] == (min(size, height), min(size, width))


def test_edge_tiles_are_clipped_and_outside_tiles_404(
    api: TestClient, view: dict[str, Any]
) -> None:
    size = view["tile_size"]
    height, width = view["levels"][0][-2:]
    last_x, last_y = (width - 1) // size, (height - 1) // size
    edge = decode(api.get(tile_url(view, 0, last_x, last_y, "png")).content)
    assert edge.shape[:2] == (height - last_y * size, width - last_x * size)
    assert_problem(api.get(tile_url(view, 0, last_x + 1, 0)), 404)
    assert_problem(api.get(tile_url(view, len(view["levels"]), 0, 0)), 404)
    assert_problem(api.get(f"{view['tiles']}/0/0/{view['size_z']}/0/0.jpg"), 404)


def test_tile_etag_depends_on_parameters_and_answers_304(
    api: TestClient, view: dict[str, Any]
) -> None:
    url = tile_url(view, 0, 0, 0, "png")
    plain = api.get(url)
    etag = plain.headers["etag"]
    assert "max-age" in plain.headers["cache-control"]
    assert api.get(url, headers={"If-None-Match": etag}).status_code == 304
    red = api.get(url, params={"c": "0|FF0000"})
    assert red.headers["etag"] != etag
    only_red = decode(red.content)
    assert only_red[..., 1].max() == 0
    assert only_red[..., 2].max() == 0
    assert only_red[..., 0].max() > 0


def test_bad_channel_settings_are_422_naming_the_parameter(
    api: TestClient, view: dict[str, Any]
) -> None:
    url = tile_url(view, 0, 0, 0)
    body = assert_problem(api.get(url, params={"c": "0|FF0000|10"}), 422)
    assert body["errors"][0]["loc"] == ["query", "c"]
    body = assert_problem(api.get(url, params={"c": f"{view['size_c']}"}), 422)
    assert "channels[0].index" in body["detail"]
    assert_problem(api.get(url, params={"c": "0|FF0000|50:10"}), 422)
    assert_problem(api.get(url, params={"q": 0}), 422)
    assert_problem(api.get(url, params={"zoom": 2}), 422)
    assert_problem(api.get(f"{view['tiles']}/0/0/0/0/0.gif"), 422)


@pytest.mark.parametrize("size", [64, 200])
def test_thumbnails(api: TestClient, demo: Demo, size: int) -> None:
    record = demo.image("Colon")
    response = api.get(f"/api/v1/images/{record.uuid}/thumbnail.webp", params={"size": size})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/webp"
    pixels = decode(response.content)
    assert max(pixels.shape[:2]) == size
    etag = response.headers["etag"]
    again = api.get(
        f"/api/v1/images/{record.id}/thumbnail.webp",
        params={"size": size},
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304


def test_images_without_rendition_have_no_tiles(api: TestClient) -> None:
    assert_problem(api.get("/api/v1/images/999999/thumbnail.jpg"), 404)
    assert_problem(api.get("/api/v1/images/99999999-0000-0000-0000-000000000000/view"), 404)
