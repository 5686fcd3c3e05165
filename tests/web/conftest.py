"""Web UI fixtures: the demo installation (shared with the server tests), the app in process,
the app behind uvicorn, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from imagesteward.config import load_settings
from imagesteward.server import build_app
from tests.server.live import LiveServer, api, app, demo, live, serve_in_thread
from tests.web.browser import WatchedPage, launch_chromium
from tests.web.stack5d import Stack, build_stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["api", "app", "browser", "demo", "live", "pages", "stack", "stack_live", "watched"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session."""
    yield from launch_chromium()


@pytest.fixture
def watched(browser: Browser, request: pytest.FixtureRequest) -> Iterator[WatchedPage]:
    """A fresh page; its last state is kept as a screenshot, and console errors fail the test."""
    page = WatchedPage.open(browser)
    yield page
    page.screenshot(f"{request.node.name}-end")
    errors = list(page.errors)
    page.close()
    assert not errors, f"the browser console reported errors: {errors}"


@pytest.fixture
def pages(browser: Browser, request: pytest.FixtureRequest) -> Iterator[list[WatchedPage]]:
    """Fresh pages the test opens (each its own browser context: its own cookies).

    Each is kept as a screenshot at the end; console errors fail the test, except those the
    test module expects (its ``EXPECTED`` pattern, e.g. the 404s of refused requests).
    """
    expected = getattr(request.module, "EXPECTED", None)
    opened: list[WatchedPage] = []
    yield opened
    errors = []
    for number, page in enumerate(opened):
        page.screenshot(f"{request.node.name}-{number}-end")
        errors += [e for e in page.errors if expected is None or not expected.search(e)]
        page.close()
    assert not errors, f"the browser console reported errors: {errors}"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """An installation holding one 5-D image (T 3, C 2, Z 6)."""
    return build_stack(tmp_path_factory.mktemp("stack5d"))


@pytest.fixture(scope="session")
def stack_live(stack: Stack) -> Iterator[LiveServer]:
    """The 5-D installation's app behind a real HTTP server."""
    running = serve_in_thread(build_app(load_settings(stack.home)))
    yield running
    running.stop()
