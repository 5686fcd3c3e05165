"""The viewer's JavaScript modules, unit by unit, run in Chromium (no Node, no build step)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from imagesteward.server._tile_params import CHANNELS_PATTERN
from tests.server.live import LiveServer
from tests.web.browser import WatchedPage

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="module")
def modules(browser: Browser, live: LiveServer) -> Iterator[WatchedPage]:
    """A page of the site, from which the viewer's modules are imported."""
    watched = WatchedPage.open(browser)
    watched.page.goto(f"{live.url}/")
    yield watched
    errors = list(watched.errors)
    watched.close()
    assert not errors


def run(watched: WatchedPage, module: str, body: str, arg: Any = None) -> Any:
    """Run ``body`` (a function of ``m``, the module, and ``arg``) in the page."""
    static = watched.page.evaluate(
        "() => document.querySelector('link[rel=stylesheet]').href.replace(/css\\/.*$/, '')"
    )
    script = f"""async (arg) => {{
        const m = await import("{static}js/viewer/{module}.js");
        return ((m, arg) => {{ {body} }})(m, arg);
    }}"""
    return watched.page.evaluate(script, arg)


VIEW = {
    "channels": [
        {"index": 0, "name": "DAPI", "color": "0000ff", "window": [100, 3000], "visible": True},
        {"index": 1, "name": "GFP", "color": "00FF00", "window": [0.5, 40.25], "visible": True},
        {"index": 2, "name": "far red", "color": "FF00FF", "window": [10, 20], "visible": False},
    ]
}


def test_default_channels_give_no_c_parameter(modules: WatchedPage) -> None:
    body = "const d = m.defaultChannels(arg); return m.channelsParameter(d, d);"
    assert run(modules, "state", body, VIEW) == ""


def test_changed_channels_speak_the_api_grammar(modules: WatchedPage) -> None:
    body = """
        const defaults = m.defaultChannels(arg);
        const changed = m.defaultChannels(arg);
        changed[0].color = "FF0000";
        changed[1].window = [1.125, 33.3333333];
        changed[1].gamma = 0.8;
        return [
            m.channelsParameter(changed, defaults),
            m.channelsParameter(changed, defaults, true),
        ];
    """
    tiles, full = run(modules, "state", body, VIEW)
    assert tiles == "0|FF0000|100:3000|1,1|00FF00|1.125:33.333333|0.8,-2"
    assert full == "0|FF0000|100:3000|1,1|00FF00|1.125:33.333333|0.8,-2|FF00FF|10:20|1"
    for value in (tiles, full):
        assert re.fullmatch(CHANNELS_PATTERN, value), value


def test_hash_round_trip_and_junk_is_ignored(modules: WatchedPage) -> None:
    body = """
        const defaults = m.defaultChannels(arg);
        const channels = m.defaultChannels(arg);
        channels[2].visible = true;
        channels[0].window = [5, 6];
        const hash = m.toHash({cx: 10.25, cy: 20, zoom: 0.123456, z: 3, t: 1, channels, defaults});
        const back = m.fromHash(hash);
        const parsed = m.parseChannels(back.c, defaults);
        const junk = m.parseChannels("x,9|FF0000,0|nothex|7:3|-1,1|00ff00|1:2|500", defaults);
        return {hash, back, parsed, junk, empty: m.fromHash("#zoom=-1&x=abc")};
    """
    result = run(modules, "state", body, VIEW)
    assert result["hash"].startswith("#x=10.3&y=20.0&zoom=0.1235&z=3&t=1&c=")
    back = result["back"]
    assert (back["cx"], back["cy"], back["zoom"], back["z"], back["t"]) == (10.3, 20, 0.1235, 3, 1)
    assert result["parsed"][2]["visible"] is True
    assert result["parsed"][0]["window"] == [5, 6]
    junk = result["junk"]
    assert junk[0]["color"] == "0000FF" and junk[0]["window"] == [100, 3000]  # kept defaults
    assert junk[1]["color"] == "00FF00" and junk[1]["window"] == [1, 2]
    assert junk[1]["gamma"] == 1  # 500 is outside the API's 0.01-100
    assert result["empty"]["zoom"] is None and result["empty"]["cx"] is None


@pytest.mark.parametrize(
    ("zoom", "micrometres", "label"),
    [
        (1.0, 0.004, "200 nm"),  # an electron micrograph
        (1.0, 0.1083, "10 µm"),  # a 60x objective
        (0.25, 0.5, "200 µm"),  # a slide scan
        (0.01, 1.0, "10 mm"),
        (2.0, None, "50 px"),  # uncalibrated: image pixels
    ],
)
def test_scale_bar_picks_a_round_length_and_its_unit(
    modules: WatchedPage, zoom: float, micrometres: float | None, label: str
) -> None:
    bar = run(modules, "scalebar", "return m.scaleBar(arg[0], arg[1]);", [zoom, micrometres])
    assert bar["label"] == label
    assert 40 <= bar["width"] <= 120


PYRAMID = {
    "axes": ["t", "c", "z", "y", "x"],
    "plane_axes": ["y", "x"],
    "levels": [[1, 3, 1, 2000, 3000], [1, 3, 1, 1000, 1500], [1, 3, 1, 500, 750]],
    "tile_size": 512,
    "tiles": "/api/v1/images/u/tiles",
}


@pytest.mark.parametrize(
    ("zoom", "ratio", "level"),
    [(2.0, 1, 0), (1.0, 1, 0), (0.6, 1, 0), (0.5, 1, 1), (0.3, 1, 1), (0.25, 1, 2),
     (0.01, 1, 2), (0.5, 2, 0), (0.25, 2, 1), (0.25, 3, 1)],
)  # fmt: skip
def test_level_choice_gives_every_device_pixel_an_image_pixel(
    modules: WatchedPage, zoom: float, ratio: float, level: int
) -> None:
    body = "return new m.Pyramid(arg.view).levelFor(arg.zoom, arg.ratio);"
    assert run(modules, "pyramid", body, {"view": PYRAMID, "zoom": zoom, "ratio": ratio}) == level


def test_visible_tiles_nearest_the_centre_first_and_edges_clipped(modules: WatchedPage) -> None:
    body = """
        const p = new m.Pyramid(arg);
        const rect = {x0: 1000, y0: 500, x1: 2100, y1: 1100};
        return {tiles: p.tilesIn(0, rect).map(t => [t.x, t.y]),
                edge: p.tileBox(1, 2, 1), url: p.tileUrl(1, 0, 2, 2, 1, "?c=0")};
    """
    result = run(modules, "pyramid", body, PYRAMID)
    # Columns 1-4, rows 0-2 of level 0; the centre (1550, 800) lies in tile (3, 1).
    assert sorted(map(tuple, result["tiles"])) == [(x, y) for x in range(1, 5) for y in range(3)]
    assert result["tiles"][0] == [3, 1]
    assert result["edge"] == {"x0": 2048, "y0": 1024, "x1": 3000, "y1": 2000}
    assert result["url"] == "/api/v1/images/u/tiles/1/0/2/2/1.jpg?c=0"


def test_camera_zooms_about_the_pointer_and_keeps_the_image(modules: WatchedPage) -> None:
    body = """
        const c = new m.Camera(1000, 500);
        c.resize(500, 500);
        c.fit();
        const fit = c.zoom;
        const before = c.toImage(100, 100);
        c.zoomAt(4, 100, 100);
        const after = c.toImage(100, 100);
        c.panBy(1e6, 1e6);
        const clamped = [c.cx, c.cy];
        c.zoomAt(1e-6);
        return {fit, before, after, clamped, min: c.zoom};
    """
    result = run(modules, "camera", body)
    assert result["fit"] == pytest.approx(0.5)
    assert result["after"] == pytest.approx(result["before"])
    assert result["clamped"] == [0, 0]  # the centre never leaves the image
    assert result["min"] == pytest.approx(0.125)  # a quarter of "fit"


def test_auto_contrast_takes_the_percentiles(modules: WatchedPage) -> None:
    body = """
        const edges = Array.from({length: 257}, (_, i) => i);
        const counts = Array(256).fill(0);
        counts[10] = 1; counts[20] = 5000; counts[200] = 5000; counts[250] = 1;
        return m.percentileWindow({edges, counts}, true);
    """
    assert run(modules, "histogram", body) == [20, 200]
