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

__all__ = ["api", "app", "browser", "demo", "live", "stack", "stack_live", "watched"]


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
