"""Removing an image and a dataset in a real browser: the button only for those the policy
lets delete, a confirmation dialog that can be cancelled, and the object gone afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from imagesteward.access import GroupLevel
from imagesteward.catalog import access_catalog
from imagesteward.config import load_settings
from imagesteward.ingest import IngestOptions, ingest_paths
from imagesteward.installation import init_installation, open_installation
from imagesteward.server import build_app
from tests.samples import small_ome_tiff
from tests.server.live import LiveServer, serve_in_thread
from tests.web.browser import WatchedPage

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PASSWORD = "correct horse battery staple"
#: Chromium reports every 4xx answer as a console error; the test asks for them on purpose.
EXPECTED = re.compile(r"Failed to load resource: the server responded with a status of 404")


@dataclass(frozen=True)
class RemoveSite:
    server: LiveServer
    images: dict[str, str]  # name -> uuid


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoveSite]:
    root = tmp_path_factory.mktemp("remove-ui")
    home = init_installation(root / "site").home
    images = {}
    with open_installation(home) as installation:
        for seed, (dataset, name) in enumerate((("a", "keep"), ("a", "gone"), ("b", "other"))):
            options = IngestOptions(project="Lab", dataset=dataset, convert=True)
            report = ingest_paths(
                [small_ome_tiff(root / f"{name}.ome.tif", seed, (96, 128))], installation, options
            )
            assert report.exit_code == 0, report.outcomes
        for record in installation.catalog.list_images().items:
            images[str(record.name)] = record.uuid
        access = access_catalog(installation.catalog)
        for user in ("alice", "rita"):
            access.add_user(user, password=PASSWORD)
        access.add_group("Readers", GroupLevel.READ_WRITE)
        access.add_member("Readers", "rita")
        access.assign("Lab", owner="alice", group="Readers")
    running = serve_in_thread(build_app(load_settings(home)))  # access control: the default
    yield RemoveSite(running, images)
    running.stop()


def _signed_in(browser: Browser, pages: list[WatchedPage], site: RemoveSite, name: str) -> Page:
    watched = WatchedPage.open(browser)
    pages.append(watched)
    page = watched.page
    page.goto(f"{site.server.url}/login")
    page.fill("#login-username", name)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector(".account-name")
    return page


def test_a_member_without_delete_is_not_offered_the_button(
    site: RemoveSite, browser: Browser, pages: list[WatchedPage]
) -> None:
    page = _signed_in(browser, pages, site, "rita")
    page.goto(f"{site.server.url}/images/{site.images['keep']}")
    assert page.locator("h1").inner_text() == "keep"
    assert page.locator("[data-open-remove]").count() == 0
    page.goto(f"{site.server.url}/browse?project=Lab&dataset=a")
    assert page.locator(".access-panel").is_visible()
    assert page.locator("[data-open-remove]").count() == 0


def test_the_owner_removes_an_image_after_confirming(
    site: RemoveSite, browser: Browser, pages: list[WatchedPage]
) -> None:
    page = _signed_in(browser, pages, site, "alice")
    url = f"{site.server.url}/images/{site.images['gone']}"
    page.goto(url)
    page.click("[data-open-remove='remove-image-dialog']")
    dialog = page.locator("#remove-image-dialog")
    assert dialog.is_visible()
    assert "gone" in dialog.locator("h2").inner_text()
    dialog.locator("[data-close]").click()
    assert not dialog.is_visible()
    assert page.goto(url).status == 200  # type: ignore[union-attr]  # cancelled: still there

    page.click("[data-open-remove='remove-image-dialog']")
    page.screenshot(path=str(_artifact("remove-image-dialog.png")))
    dialog.locator("[data-remove]").click()
    page.wait_for_url(re.compile(r"/browse\?project=Lab&dataset=a$"))
    cards = page.locator(".grid .card")
    assert cards.count() == 1
    assert "keep" in cards.first.inner_text()
    answer = page.goto(url)
    assert answer is not None and answer.status == 404


def test_the_owner_removes_a_dataset_from_its_page(
    site: RemoveSite, browser: Browser, pages: list[WatchedPage]
) -> None:
    page = _signed_in(browser, pages, site, "alice")
    page.goto(f"{site.server.url}/browse?project=Lab&dataset=b")
    page.click("[data-open-remove='remove-dataset-dialog']")
    dialog = page.locator("#remove-dataset-dialog")
    assert "dataset b" in dialog.inner_text()
    dialog.locator("[data-remove]").click()
    page.wait_for_url(re.compile(rf"/browse\?project={quote('Lab')}$"))
    answer = page.goto(f"{site.server.url}/browse?project=Lab&dataset=b")
    assert answer is not None and answer.status == 404
    other = page.goto(f"{site.server.url}/images/{site.images['other']}")
    assert other is not None and other.status == 404


def _artifact(name: str) -> Path:
    from tests.web.browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
