"""Web UI fixtures: the demo installation (shared with the server tests), the app in process,
the app behind uvicorn, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.server.live import api, app, demo, live
from tests.web.browser import WatchedPage, launch_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["api", "app", "browser", "demo", "live", "watched"]


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
