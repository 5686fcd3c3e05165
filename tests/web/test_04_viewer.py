"""The web UI in Chromium: navigation, the viewer's tiles, pan, zoom, channels, planes, full
screen and shareable links. Each test checks the tiles that arrived (level, plane, channel
settings, status), that the canvas shows an image, and (in the fixture) a clean console."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, unquote

import pytest

from tests.server.live import Demo, LiveServer
from tests.web.browser import CANVAS, Tile, WatchedPage
from tests.web.stack5d import SHAPE, Stack


def open_viewer(watched: WatchedPage, live: LiveServer, uuid: str, hash_: str = "") -> None:
    watched.page.goto(f"{live.url}/images/{uuid}{hash_}")
    watched.page.wait_for_selector("#viewer[data-ready='true']")
    watched.settle()


def view_of(watched: WatchedPage) -> dict[str, Any]:
    config: dict[str, Any] = watched.page.evaluate(
        "() => JSON.parse(document.getElementById('viewer-config').textContent)"
    )
    return config


def expected_level(view: dict[str, Any], zoom: float) -> int:
    """The coarsest level whose pixels are no larger than a screen pixel (device ratio 1)."""
    width0 = view["view"]["levels"][0][-1]
    scales = [width0 / shape[-1] for shape in view["view"]["levels"]]
    fitting = [k for k, scale in enumerate(scales) if scale <= 1 / zoom * 1.0001]
    return max(fitting, default=0)


def hash_of(watched: WatchedPage) -> dict[str, str]:
    fragment = watched.page.url.partition("#")[2]
    return {key: values[0] for key, values in parse_qs(fragment).items()}


def assert_tiles_ok(tiles: list[Tile]) -> None:
    assert tiles, "no tile arrived"
    assert all(tile.status == 200 for tile in tiles), [t for t in tiles if t.status != 200]


def assert_shows_an_image(watched: WatchedPage) -> dict[str, float]:
    statistics = watched.canvas_statistics()
    assert statistics["variance"] > 20, statistics  # not a blank or uniform canvas
    return statistics


def drag(watched: WatchedPage, dx: float, dy: float) -> None:
    box = watched.page.locator(CANVAS).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    mouse = watched.page.mouse
    mouse.move(x, y)
    mouse.down()
    mouse.move(x + dx, y + dy, steps=8)
    mouse.up()


def wheel(watched: WatchedPage, delta: float) -> None:
    box = watched.page.locator(CANVAS).bounding_box()
    assert box is not None
    watched.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    watched.page.mouse.wheel(0, delta)


# -- navigation ---------------------------------------------------------------------------------


def test_home_to_browser_to_image(watched: WatchedPage, live: LiveServer, demo: Demo) -> None:
    page = watched.page
    page.goto(f"{live.url}/")
    watched.screenshot("home")
    page.fill("#site-search-q", "HeLa_fixed")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=HeLa_fixed"))  # the header searches everything
    watched.screenshot("header-search")
    page.get_by_role("link", name=re.compile("HeLa_fixed")).first.click()
    record = demo.image("HeLa_fixed")
    page.wait_for_url(re.compile(rf"/images/({record.uuid}|{record.id})(#|$)"))  # hits link by id
    page.wait_for_selector("#viewer[data-ready='true']")
    state = watched.settle()
    assert state["level"] == "0" and state["z"] == "0" and state["t"] == "0"
    assert_tiles_ok(watched.tiles)
    assert {(t.level, t.z, t.t, t.c) for t in watched.tiles} == {(0, 0, 0, None)}
    assert_shows_an_image(watched)
    watched.screenshot("image-hela-fixed")
    assert page.get_by_role("heading", name="Instrument").is_visible()
    assert "Nikon Eclipse Ti2-E" in page.inner_text("#md-instrument + .facts")


def test_browser_tree_and_pages(watched: WatchedPage, live: LiveServer) -> None:
    page = watched.page
    page.goto(f"{live.url}/browse?limit=4")
    page.get_by_role("link", name="Next page »").click()
    page.wait_for_url(re.compile("cursor="))
    assert page.get_by_role("link", name="« First page").is_visible()
    page.get_by_role("navigation", name="Projects and datasets").get_by_role(
        "link", name="Screening"
    ).click()
    page.wait_for_url(re.compile("dataset=Screening"))
    assert page.locator(".grid .card").count() == 4
    watched.screenshot("browse-dataset")


# -- the viewer ---------------------------------------------------------------------------------


def test_pan_and_zoom_request_the_visible_tiles_of_the_right_level(
    watched: WatchedPage, live: LiveServer, demo: Demo
) -> None:
    record = demo.image("Colon_HE")
    open_viewer(watched, live, record.uuid)
    view = view_of(watched)
    levels = len(view["view"]["levels"])
    assert levels >= 2
    state = watched.state()
    zoom = float(state["zoom"])
    first = int(state["level"])
    assert first == expected_level(view, zoom) > 0  # fitted: a reduced level
    assert_tiles_ok(watched.tiles)
    assert {t.level for t in watched.tiles} == {first}  # the coarsest is this level or used
    assert_shows_an_image(watched)

    before = hash_of(watched)
    drag(watched, 150, 80)
    watched.settle()
    after = hash_of(watched)
    assert float(after["x"]) == pytest.approx(float(before["x"]) - 150 / zoom, abs=1)
    assert float(after["y"]) == pytest.approx(float(before["y"]) - 80 / zoom, abs=1)

    seen = len(watched.tiles)
    wheel(watched, -600)
    state = watched.settle()
    assert float(state["zoom"]) > zoom * 3
    assert state["level"] == "0" == str(expected_level(view, float(state["zoom"])))
    finest = [t for t in watched.tiles_since(seen) if t.level == 0]
    assert_tiles_ok(finest)
    width, height = view["view"]["size_x"], view["view"]["size_y"]
    every = -(-width // view["view"]["tile_size"]) * -(-height // view["view"]["tile_size"])
    assert len({(t.x, t.y) for t in finest}) < every  # only the visible ones
    assert_shows_an_image(watched)
    watched.screenshot("he-zoomed-in")

    canvas = watched.page.locator(CANVAS)
    canvas.focus()
    zoomed = float(state["zoom"])
    canvas.press("-")
    assert float(watched.settle()["zoom"]) == pytest.approx(zoomed / 1.5, rel=1e-3)
    canvas.press("+")
    assert float(watched.settle()["zoom"]) == pytest.approx(zoomed, rel=1e-3)
    canvas.press("0")
    assert float(watched.settle()["zoom"]) == pytest.approx(zoom, rel=1e-3)
    watched.page.get_by_role("button", name="Zoom in").click()
    assert float(watched.settle()["zoom"]) == pytest.approx(zoom * 1.5, rel=1e-3)


def test_channel_colour_visibility_and_contrast(
    watched: WatchedPage, live: LiveServer, demo: Demo
) -> None:
    record = demo.image("HeLa_fixed")
    open_viewer(watched, live, record.uuid)
    window = view_of(watched)["view"]["channels"][0]["window"]
    page = watched.page
    seen = len(watched.tiles)
    page.get_by_label("Alexa Fluor 488", exact=True).uncheck()
    page.get_by_label("Alexa Fluor 568", exact=True).uncheck()
    page.get_by_label("Colour of DAPI").fill("#ff0000")
    maximum = page.get_by_label("Maximum of DAPI")
    maximum.focus()
    for _ in range(5):
        maximum.press("ArrowLeft")
    watched.settle()
    end = int(window[1]) - 5
    wanted = f"0|FF0000|{int(window[0])}:{end}|1,-1,-2"
    last = watched.tiles_since(seen)
    assert last[-1].c == wanted
    assert_tiles_ok(last)
    statistics = assert_shows_an_image(watched)
    assert statistics["r"] > 5 * max(statistics["g"], statistics["b"]), statistics  # red only
    assert page.input_value("#channel-0-max") == str(end)
    watched.screenshot("hela-dapi-red")

    seen = len(watched.tiles)
    page.get_by_role("button", name="Auto contrast for DAPI").click()
    watched.settle()
    auto = watched.tiles_since(seen)[-1].c
    assert auto is not None and auto.startswith("0|FF0000|") and auto != wanted
    page.get_by_role("button", name="Default contrast for DAPI").click()
    watched.settle()
    default = f"0|FF0000|{int(window[0])}:{int(window[1])}|1"
    assert unquote(hash_of(watched)["c"]).startswith(f"{default},")
    # These tiles came with the colour change: the viewer draws them from its cache.
    assert f"{default},-1,-2" in {t.c for t in watched.tiles}
    statistics = assert_shows_an_image(watched)
    assert statistics["r"] > 5 * max(statistics["g"], statistics["b"]), statistics

    gamma = page.get_by_label("Gamma of DAPI")
    gamma.focus()
    gamma.press("ArrowRight")
    watched.settle()
    assert watched.tiles[-1].c == f"0|FF0000|{int(window[0])}:{int(window[1])}|1.02,-1,-2"


def test_z_and_t_sliders_move_through_the_planes(
    watched: WatchedPage, live: LiveServer, demo: Demo
) -> None:
    stack = demo.image("Zstack")
    open_viewer(watched, live, stack.uuid)
    start = int(watched.state()["z"])
    assert start == stack.size_z // 2
    seen = len(watched.tiles)  # before the keys: their tiles may arrive at once
    z = watched.page.get_by_label("Z", exact=True)
    z.focus()
    for _ in range(3):
        z.press("ArrowRight")
    state = watched.settle()
    assert state["z"] == str(start + 3)
    moved = watched.tiles_since(seen)
    assert_tiles_ok(moved)
    assert moved[-1].z == start + 3
    label = watched.page.inner_text("output[for='plane-z']")
    assert label.startswith(f"{start + 4} / {stack.size_z} · ")
    assert label.endswith("µm")
    canvas = watched.page.locator(CANVAS)
    canvas.focus()
    canvas.press("PageDown")
    assert watched.settle()["z"] == str(start + 2)
    assert watched.tiles[-1].z == start + 2
    assert_shows_an_image(watched)
    watched.screenshot("zstack-moved")

    timelapse = demo.image("H2B-mCherry")
    open_viewer(watched, live, timelapse.uuid)
    t = watched.page.get_by_label("Time", exact=True)
    t.focus()
    t.press("End")
    assert watched.settle()["t"] == str(timelapse.size_t - 1)
    assert watched.tiles[-1].t == timelapse.size_t - 1
    assert_tiles_ok(watched.tiles)


def test_five_dimensional_stack_moves_through_z_and_t(
    watched: WatchedPage, stack_live: LiveServer, stack: Stack
) -> None:
    size_t, _, size_z = SHAPE[:3]
    open_viewer(watched, stack_live, stack.uuid)
    page = watched.page
    state = watched.state()
    assert (state["z"], state["t"]) == (str(size_z // 2), "0")
    assert_tiles_ok(watched.tiles)
    assert {(t.z, t.t) for t in watched.tiles} == {(size_z // 2, 0)}
    middle = assert_shows_an_image(watched)

    seen = len(watched.tiles)  # before the keys: their tiles may arrive at once
    z = page.get_by_label("Z", exact=True)
    z.focus()
    z.press("Home")
    t = page.get_by_label("Time", exact=True)
    t.focus()
    t.press("End")
    state = watched.settle()
    assert (state["z"], state["t"]) == ("0", str(size_t - 1))
    moved = watched.tiles_since(seen)
    assert_tiles_ok(moved)
    assert (moved[-1].z, moved[-1].t) == (0, size_t - 1)
    assert hash_of(watched)["z"] == "0" and hash_of(watched)["t"] == str(size_t - 1)
    assert page.inner_text("output[for='plane-z']") == f"1 / {size_z} · 0 µm"
    assert page.inner_text("output[for='plane-t']").startswith(f"{size_t} / {size_t} · ")
    edge = assert_shows_an_image(watched)
    # The first plane is out of focus: dimmer than the middle one.
    assert edge["mean"] < middle["mean"] * 0.8, (edge, middle)
    watched.screenshot("stack5d-z0-t-last")

    canvas = page.locator(CANVAS)
    canvas.focus()
    canvas.press("PageUp")
    assert watched.settle()["z"] == "1"
    assert (watched.tiles[-1].z, watched.tiles[-1].t) == (1, size_t - 1)
    assert_shows_an_image(watched)


def test_full_screen(watched: WatchedPage, live: LiveServer, demo: Demo) -> None:
    open_viewer(watched, live, demo.image("Image:0").uuid)
    page = watched.page
    small = page.evaluate("(s) => document.querySelector(s).clientHeight", CANVAS)
    page.get_by_role("button", name="Full screen").click()
    page.wait_for_selector("#viewer.is-fullscreen")
    watched.settle()
    height = page.evaluate("(s) => document.querySelector(s).clientHeight", CANVAS)
    assert height > small
    assert height >= page.viewport_size["height"] - 2  # type: ignore[index]
    assert page.get_attribute("[data-action='fullscreen']", "aria-pressed") == "true"
    assert_shows_an_image(watched)
    watched.screenshot("full-screen")
    page.get_by_role("button", name="Leave full screen").click()
    page.wait_for_selector("#viewer:not(.is-fullscreen)")
    assert page.get_attribute("[data-action='fullscreen']", "aria-pressed") == "false"


def test_a_shared_link_restores_the_view(
    watched: WatchedPage, live: LiveServer, demo: Demo
) -> None:
    stack = demo.image("Zstack")
    open_viewer(watched, live, stack.uuid)
    page = watched.page
    wheel(watched, -300)
    watched.settle()
    drag(watched, -60, 40)
    z = page.get_by_label("Z", exact=True)
    z.focus()
    start = int(watched.state()["z"])
    for _ in range(3):
        z.press("ArrowLeft")
    page.get_by_label("Colour of Alexa Fluor 568").fill("#00ffff")
    page.get_by_label("Alexa Fluor 488", exact=True).uncheck()
    state = watched.settle()
    link = page.input_value("#viewer-link")
    assert link == page.url
    shared = hash_of(watched)
    plane = start - 3
    assert shared["z"] == str(plane) and unquote(shared["c"]).startswith("-0|00FF00|")
    sent = [t for t in watched.tiles if t.z == plane]

    again = WatchedPage.open(page.context.browser)  # type: ignore[arg-type]
    try:
        again.page.goto(link)
        again.page.wait_for_selector("#viewer[data-ready='true']")
        restored = again.settle()
        for key in ("zoom", "level", "z", "t"):
            assert restored[key] == state[key], key
        assert again.page.url == link
        assert again.page.input_value("#channel-1-color") == "#00ffff"
        assert not again.page.is_checked("#channel-0-visible")
        assert_tiles_ok(again.tiles)
        assert {t.c for t in again.tiles} == {sent[-1].c}
        assert {t.z for t in again.tiles} == {plane}
        assert_shows_an_image(again)
        again.screenshot("shared-link-restored")
        assert not again.errors
    finally:
        again.close()


def test_rgb_brightfield_has_visibility_toggles_only(
    watched: WatchedPage, live: LiveServer, demo: Demo
) -> None:
    record = demo.image("Colon_HE")
    open_viewer(watched, live, record.uuid)
    page = watched.page
    assert page.locator("#viewer input[type=color]").count() == 0
    assert page.locator("#viewer input[type=range]").count() == 0
    assert page.inner_text(".scale-bar .label").endswith("µm")
    page.get_by_label("Brightfield B").uncheck()
    watched.settle()
    assert watched.tiles[-1].c == "0|FF0000|0:255|1,1|00FF00|0:255|1,-2"
    assert_tiles_ok(watched.tiles)
    statistics = assert_shows_an_image(watched)
    assert statistics["b"] < statistics["r"]


def test_electron_micrograph_scale_bar_in_nanometres(
    watched: WatchedPage, live: LiveServer, demo: Demo
) -> None:
    open_viewer(watched, live, demo.image("Image:0").uuid)
    assert watched.page.inner_text(".scale-bar .label").endswith(" nm")
    assert_tiles_ok(watched.tiles)
    assert_shows_an_image(watched)
    watched.screenshot("em")


def test_touch_pinch_zooms(browser: Any, live: LiveServer, demo: Demo) -> None:
    context = browser.new_context(viewport={"width": 900, "height": 700}, has_touch=True)
    watched = WatchedPage(context.new_page())
    watched.page.on("console", watched._console)
    try:
        open_viewer(watched, live, demo.image("Colon_HE").uuid)
        zoom = float(watched.state()["zoom"])
        box = watched.page.locator(CANVAS).bounding_box()
        assert box is not None
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        cdp = context.new_cdp_session(watched.page)

        def touch(kind: str, spread: float) -> None:
            points = [{"x": cx - spread, "y": cy, "id": 0}, {"x": cx + spread, "y": cy, "id": 1}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", 40)
        for spread in range(50, 161, 10):
            touch("touchMove", spread)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        pinched = float(watched.settle()["zoom"])
        assert pinched == pytest.approx(zoom * 4, rel=0.05)
        assert not watched.errors
    finally:
        context.close()
