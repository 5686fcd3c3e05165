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

    def settle(self, timeout_ms: float = 15_000) -> dict[str, str]:
        """Wait for the next drawn frame with no tile left to load (and the URL written)."""
        before = int(self.state().get("frame", "0"))
        self.page.wait_for_function(
            """(before) => {
                const data = document.getElementById('viewer').dataset;
                return Number(data.frame) > before && data.pending === '0';
            }""",
            arg=before,
            timeout=timeout_ms,
        )
        # The address bar follows the view 250 ms after the last change.
        self.page.wait_for_timeout(400)
        return self.state()

    def canvas_statistics(self) -> dict[str, float]:
        """Mean and variance of the canvas's luminance, and mean R, G, B (device pixels)."""
        statistics: dict[str, float] = self.page.evaluate(
            """() => {
                const canvas = document.querySelector('#viewer canvas');
                const data = canvas.getContext('2d')
                    .getImageData(0, 0, canvas.width, canvas.height).data;
                let n = 0, sum = 0, squares = 0, r = 0, g = 0, b = 0;
                for (let i = 0; i < data.length; i += 4 * 7) {
                    const y = 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
                    n += 1; sum += y; squares += y * y;
                    r += data[i]; g += data[i + 1]; b += data[i + 2];
                }
                const mean = sum / n;
                return {mean, variance: squares / n - mean * mean,
                        r: r / n, g: g / n, b: b / n};
            }"""
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
