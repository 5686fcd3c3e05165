"""Driving Debian's Chromium with Playwright: the browser, a watched page, the viewer's state.

Chromium comes from the system (``apt-get install chromium``), never from ``playwright
install``; a missing one FAILS the tests with the command that installs it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Response

__all__ = [
    "ARTIFACTS",
    "CANVAS",
    "Tile",
    "WatchedPage",
    "launch_chromium",
]

CHROMIUM = Path(os.environ.get("IMAGESTEWARD_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: Screenshots of the browser tests (gitignored; CI keeps them as artefacts).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
#: The viewer's drawing (its panel has histogram canvases too).
CANVAS = "#viewer canvas[data-role='canvas']"
#: A laptop screen.
VIEWPORT = {"width": 1366, "height": 768}

_TILE = re.compile(
    r"/api/v1/images/(?P<image>[0-9a-f-]{36})/tiles/"
    r"(?P<level>\d+)/(?P<t>\d+)/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.jpg"
)


def launch_chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright, headless; fails with the fix when either is missing."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. Install Debian's: 'apt-get update && "
            "apt-get install -y chromium chromium-driver' (.ci/run does this). Do not run "
            "'playwright install'. IMAGESTEWARD_CHROMIUM names another binary."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "The playwright package is missing: it belongs to the dev dependency group "
            "('playwright>=1.49'); run 'bin/dev setup'."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield browser
        browser.close()


@dataclass(frozen=True)
class Tile:
    """A tile the page received."""

    image: str
    level: int
    t: int
    z: int
    x: int
    y: int
    c: str | None
    status: int


@dataclass
class WatchedPage:
    """A page whose console errors and tile responses are recorded."""

    page: Page
    errors: list[str] = field(default_factory=list)
    tiles: list[Tile] = field(default_factory=list)

    @classmethod
    def open(cls, browser: Browser) -> WatchedPage:
        """A new page (own context: no cache shared with other tests) with the recorders on."""
        context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        watched = cls(context.new_page())
        watched.page.on("console", watched._console)
        watched.page.on("pageerror", lambda error: watched.errors.append(f"uncaught: {error}"))
        watched.page.on("response", watched._response)
        return watched

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console.error: {message.text} ({message.location})")

    def _response(self, response: Response) -> None:
        found = _TILE.search(response.url)
        if found is None:
            return
        query = parse_qs(urlsplit(response.url).query)
        c = unquote(query["c"][0]) if "c" in query else None
        numbers = {k: int(v) for k, v in found.groupdict().items() if k != "image"}
        self.tiles.append(Tile(found["image"], c=c, status=response.status, **numbers))

    def close(self) -> None:
        """Close the page and its context."""
        self.page.context.close()

    # -- the viewer -----------------------------------------------------------------------

    def state(self) -> dict[str, str]:
        """The viewer's data attributes: level, zoom, z, t, pending, ready, frame."""
        state: dict[str, str] = self.page.evaluate(
            "() => ({...document.getElementById('viewer').dataset})"
        )
        return state

    def settle(self, timeout_ms: float = 15_000, quiet_ms: float = 350) -> dict[str, str]:
        """Wait until no tile is left to load and no frame was drawn for ``quiet_ms``.

        Quiet time rather than "the next frame": the last frame may already be drawn when the
        test asks, and a slider's throttled change (120 ms) or the address bar (250 ms after
        the last change) may still be on its way. ``quiet_ms`` outlasts both.
        """
        self.page.wait_for_function(
            """(quiet) => {
                const data = document.getElementById('viewer').dataset;
                const now = performance.now();
                const seen = window.__stewardSettle;
                if (!seen || seen.frame !== data.frame || data.pending !== '0') {
                    window.__stewardSettle = {frame: data.frame, since: now};
                    return false;
                }
                return now - seen.since >= quiet;
            }""",
            arg=quiet_ms,
            timeout=timeout_ms,
        )
        self.page.evaluate("() => { delete window.__stewardSettle; }")
        return self.state()

    def canvas_statistics(self) -> dict[str, float]:
        """Mean and variance of the luminance of the image's part of the canvas, mean R, G, B.

        Only the image counts: the letterbox around a fitted image has the viewer's background
        colour, which would make a black image look "not blank". The image's place on the
        canvas comes from the view the address bar states (settle waits for it).
        """
        statistics: dict[str, float] = self.page.evaluate(
            """(selector) => {
                const canvas = document.querySelector(selector);
                const view = JSON.parse(
                    document.getElementById('viewer-config').textContent).view;
                const hash = new URLSearchParams(location.hash.slice(1));
                const [cx, cy, zoom] = ['x', 'y', 'zoom'].map((k) => Number(hash.get(k)));
                const ratio = canvas.width / canvas.clientWidth;
                const screen = (x, c, size) => ((x - c) * zoom + size / 2) * ratio;
                const x0 = Math.max(0, Math.ceil(screen(0, cx, canvas.clientWidth)) + 2);
                const y0 = Math.max(0, Math.ceil(screen(0, cy, canvas.clientHeight)) + 2);
                const x1 = Math.min(canvas.width,
                    Math.floor(screen(view.size_x, cx, canvas.clientWidth)) - 2);
                const y1 = Math.min(canvas.height,
                    Math.floor(screen(view.size_y, cy, canvas.clientHeight)) - 2);
                if (x1 <= x0 || y1 <= y0) return {mean: 0, variance: 0, r: 0, g: 0, b: 0, n: 0};
                const data = canvas.getContext('2d').getImageData(x0, y0, x1 - x0, y1 - y0).data;
                let n = 0, sum = 0, squares = 0, r = 0, g = 0, b = 0;
                for (let i = 0; i < data.length; i += 4 * 7) {
                    const y = 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
                    n += 1; sum += y; squares += y * y;
                    r += data[i]; g += data[i + 1]; b += data[i + 2];
                }
                const mean = sum / n;
                return {mean, variance: squares / n - mean * mean,
                        r: r / n, g: g / n, b: b / n, n};
            }""",
            CANVAS,
        )
        return statistics

    def screenshot(self, name: str) -> Path:
        """Keep a screenshot in test-artifacts/web/."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def tiles_since(self, count: int) -> list[Tile]:
        """Tiles received after the first ``count``."""
        return self.tiles[count:]
