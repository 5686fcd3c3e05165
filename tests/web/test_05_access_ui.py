"""Access in a real browser: login and logout, "shared with me", the share, visibility and
reviewer-link dialogs, reviewer links opened without an account, refusal pages.

An installation of its own with access control on (the demo's is off and other suites share
it): project "Lab" (owned by alice, embargoed) with an embargoed dataset shared with the
group "Cell biology" (bob) and a private one, and a public project "Open". Three real images,
ingested and converted, so thumbnails, tiles and OME-Zarr are the real paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import numpy as np
import pytest
import tifffile
from fastapi.testclient import TestClient

from imagesteward.access import GroupLevel, Visibility
from imagesteward.catalog import access_catalog
from imagesteward.config import load_settings
from imagesteward.ingest import IngestOptions, ingest_paths
from imagesteward.installation import init_installation, open_installation
from imagesteward.server import build_app
from tests.server.live import Demo, LiveServer, serve_in_thread
from tests.web.browser import CANVAS, WatchedPage

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PASSWORD = "correct horse battery staple"
UNTIL = datetime(2031, 3, 1, tzinfo=UTC)
#: Chromium reports every 4xx answer as a console error; these pages ask for them on purpose.
EXPECTED = re.compile(r"Failed to load resource: the server responded with a status of 40[134]")


@dataclass(frozen=True)
class AccessSite:
    server: LiveServer
    images: dict[str, str]  # dataset -> image uuid

    @property
    def url(self) -> str:
        return self.server.url


def _write(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:192, 0:256]
    blobs = 2000 * np.exp(-(((x - 80 - 20 * seed) ** 2 + (y - 96) ** 2) / 900.0))
    data = (200 + blobs + rng.poisson(40, size=y.shape)).astype(np.uint16)
    tifffile.imwrite(path, data, ome=True, photometric="minisblack",
                     metadata={"axes": "YX", "Name": path.stem})  # fmt: skip
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AccessSite]:
    root = tmp_path_factory.mktemp("access-ui")
    home = root / "site"
    init_installation(home)
    images = {}
    with open_installation(home) as installation:
        for seed, (project, dataset) in enumerate(
            (("Lab", "embargoed"), ("Lab", "secret"), ("Open", "pub"))
        ):
            source = _write(root / f"{dataset}.ome.tif", seed)
            options = IngestOptions(project=project, dataset=dataset, convert=True)
            report = ingest_paths([source], installation, options)
            assert report.exit_code == 0, report.outcomes
            (record,) = installation.catalog.list_images(dataset=dataset).items
            images[dataset] = record.uuid
        access = access_catalog(installation.catalog)
        for name in ("alice", "bob", "carol"):
            access.add_user(name, password=PASSWORD)
        access.add_group("Cell biology", GroupLevel.PRIVATE)
        access.add_member("Cell biology", "bob")
        access.assign("Lab", owner="alice")
        access.set_visibility("Lab", visibility=Visibility.EMBARGOED, until=UNTIL)
        access.set_visibility("Lab", "embargoed", visibility=Visibility.EMBARGOED, until=UNTIL)
        access.share("Lab", "embargoed", group="Cell biology")
        access.set_visibility("Open", visibility=Visibility.PUBLIC)
        access.set_visibility("Open", "pub", visibility=Visibility.PUBLIC)
    running = serve_in_thread(build_app(load_settings(home, access_control=True)))
    yield AccessSite(running, images)
    running.stop()


def _open(browser: Browser, pages: list[WatchedPage]) -> Page:
    watched = WatchedPage.open(browser)
    pages.append(watched)
    return watched.page


def _sign_in(page: Page, site: AccessSite, name: str, then: str = "/") -> None:
    page.goto(f"{site.url}/login?next={quote(then)}")
    page.fill("#login-username", name)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector(".account-name")


def _shot(page: Page, name: str) -> None:
    from tests.web.browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"access-{name}.png"))


def test_login_from_a_refused_page_and_back_then_logout(
    site: AccessSite, browser: Browser, pages: list[WatchedPage]
) -> None:
    page = _open(browser, pages)
    asked = f"{site.url}/browse?project=Lab&dataset=embargoed"
    answer = page.goto(asked)
    assert answer is not None and answer.status == 404
    assert page.locator("h1").inner_text().startswith("Not found")
    _shot(page, "refused-anonymous")
    page.click(".sign-in-offer a")
    page.wait_for_url(re.compile(r"/login\?next="))

    # One message for a wrong password and for an unknown name: no user enumeration.
    messages = []
    for name, password in (("alice", "not the password"), ("nobody-here", "whatever it is")):
        page.fill("#login-username", name)
        page.fill("#login-password", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#login-message:not([hidden])")
        messages.append(page.inner_text("#login-message"))
        page.evaluate("() => { document.getElementById('login-message').hidden = true; }")
    assert messages[0] == messages[1] and messages[0]
    _shot(page, "login-failed")

    page.fill("#login-username", "alice")
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(asked)
    assert page.inner_text(".account-name") == "alice"
    assert page.locator(".grid .card").count() == 1
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["imagesteward_session"]["httpOnly"] is True
    assert cookies["imagesteward_session"]["sameSite"] == "Strict"
    assert page.evaluate("() => document.cookie").count("imagesteward_session") == 0

    page.click(".account-menu summary")
    _shot(page, "account-menu")
    assert page.locator(".account-panel a[href$='/shared']").is_visible()
    page.click("[data-sign-out]")
    page.wait_for_url(f"{site.url}/")
    assert page.locator(".sign-in").is_visible()
    assert "imagesteward_session" not in {c["name"] for c in page.context.cookies()}
    again = page.goto(asked)
    assert again is not None and again.status == 404


def test_repeated_failures_are_throttled_with_a_clear_message(
    site: AccessSite, browser: Browser, pages: list[WatchedPage]
) -> None:
    page = _open(browser, pages)
    page.goto(f"{site.url}/login")
    text = ""
    for _ in range(7):
        page.fill("#login-username", "mallory")
        page.fill("#login-password", "guess guess guess")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#login-message:not([hidden])")
        text = page.inner_text("#login-message")
        page.evaluate("() => { document.getElementById('login-message').hidden = true; }")
    assert re.search(r"Too many failed sign-ins.*try again in \d+ minute", text), text


def test_login_never_leaves_the_site(
    site: AccessSite, browser: Browser, pages: list[WatchedPage]
) -> None:
    page = _open(browser, pages)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        page.goto(f"{site.url}/login?next={target}")
        assert page.get_attribute("#login-form", "data-next") == "/"
    _sign_in(page, site, "carol", then="https://evil.example/")
    assert page.url == f"{site.url}/"


def test_share_with_a_user_and_a_group_then_withdraw(
    site: AccessSite, browser: Browser, pages: list[WatchedPage]
) -> None:
    alice = _open(browser, pages)
    _sign_in(alice, site, "alice")
    alice.goto(f"{site.url}/browse?project=Lab&dataset=secret")
    assert alice.get_attribute(".access-panel .visibility", "data-visibility") == "private"
    alice.click("[data-open-dialog=share-dialog]")
    dialog = alice.locator("#share-dialog")
    dialog.locator("[data-share-list] li", has_text="Nobody yet").wait_for()
    dialog.locator("#share-name").fill("carol")
    dialog.locator("[data-share]").click()
    dialog.locator("[data-share-list] li[data-recipient='user:carol']").wait_for()
    dialog.locator("#share-kind").select_option("group")
    dialog.locator("#share-name").fill("Cell biology")
    dialog.locator("[data-share]").click()
    dialog.locator("[data-share-list] li[data-recipient='group:Cell biology']").wait_for()
    dialog.locator("#share-name").fill("nobody-such")
    dialog.locator("#share-kind").select_option("user")
    dialog.locator("[data-share]").click()
    dialog.locator("[data-message]", has_text="nobody-such").wait_for()
    _shot(alice, "share-dialog")

    carol = _open(browser, pages)
    _sign_in(carol, site, "carol", then="/shared")
    assert carol.url.endswith("/shared")
    listed = carol.locator(".shared-list")
    assert "secret" in listed.inner_text() and "shared with you" in listed.inner_text()
    _shot(carol, "shared-with-me")
    carol.click(".shared-list a:text('secret')")
    carol.wait_for_selector(".grid .card img")
    bob = _open(browser, pages)
    _sign_in(bob, site, "bob", then="/shared")
    text = bob.inner_text(".shared-list")
    assert "secret" in text and "embargoed" in text and "your group Cell biology" in text

    item = dialog.locator("[data-share-list] li[data-recipient='user:carol']")
    item.locator("button").click()
    dialog.locator("[data-message]", has_text="No longer shared with carol").wait_for()
    carol.goto(f"{site.url}/shared")
    assert "Nothing is shared with you" in carol.inner_text("main")
    gone = carol.goto(f"{site.url}/browse?project=Lab&dataset=secret")
    assert gone is not None and gone.status == 404
    # Back as it was for the other tests.
    dialog.locator("[data-share-list] li[data-recipient='group:Cell biology'] button").click()
    dialog.locator("[data-share-list] li[data-recipient='group:Cell biology']").wait_for(
        state="detached"
    )


def test_visibility_dialog_sets_an_embargo_date_and_badges_show_it(
    site: AccessSite, browser: Browser, pages: list[WatchedPage]
) -> None:
    anonymous = _open(browser, pages)
    anonymous.goto(f"{site.url}/")
    assert "public" in anonymous.inner_text(".plain-list li:has(a:text('Open'))")
    assert anonymous.locator("text=Lab").count() == 0
    card = anonymous.locator(".grid .card").first
    assert card.locator(".visibility").get_attribute("data-visibility") == "public"
    assert anonymous.locator("[data-open-dialog]").count() == 0

    alice = _open(browser, pages)
    _sign_in(alice, site, "alice")
    alice.goto(f"{site.url}/browse?project=Lab")
    tree = alice.inner_text(".tree")
    assert "embargoed until 2031-03-01" in tree
    alice.goto(f"{site.url}/browse?project=Lab&dataset=secret")
    alice.click("[data-open-dialog=visibility-dialog]")
    dialog = alice.locator("#visibility-dialog")
    assert dialog.locator("#embargo-until").is_disabled()
    dialog.locator("input[value=embargoed]").check()
    dialog.locator("[data-save]").click()
    dialog.locator("[data-message]", has_text="needs an end").wait_for()
    dialog.locator("#embargo-until").fill("2030-06-01")
    _shot(alice, "visibility-dialog")
    with alice.expect_navigation():
        dialog.locator("[data-save]").click()
    badge = alice.locator(".access-panel .visibility")
    assert badge.get_attribute("data-visibility") == "embargoed"
    # In force: the project's embargo, which lasts longer; the dataset's own date beside it.
    assert badge.inner_text() == "embargoed until 2031-03-01"
    assert "its own setting: embargoed until 2030-06-01" in alice.inner_text("[data-own-setting]")
    assert alice.locator("[data-open-dialog=reviewer-dialog]").is_visible()
    # And private again.
    alice.click("[data-open-dialog=visibility-dialog]")
    alice.locator("#visibility-dialog input[value=private]").check()
    with alice.expect_navigation():
        alice.locator("#visibility-dialog [data-save]").click()
    assert alice.get_attribute(".access-panel .visibility", "data-visibility") == "private"


def test_reviewer_link_opens_one_dataset_in_a_browser_until_revoked(
    site: AccessSite, browser: Browser, pages: list[WatchedPage]
) -> None:
    alice = _open(browser, pages)
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    _sign_in(alice, site, "alice")
    alice.goto(f"{site.url}/browse?project=Lab&dataset=embargoed")
    alice.click("[data-open-dialog=reviewer-dialog]")
    dialog = alice.locator("#reviewer-dialog")
    dialog.locator("#reviewer-days").fill("30")
    dialog.locator("#reviewer-label").fill("eLife")
    dialog.locator("[data-create-link]").click()
    dialog.locator("[data-created]:not([hidden])").wait_for()
    url = dialog.locator("[data-url]").input_value()
    assert re.fullmatch(rf"{re.escape(site.url)}/review#isr_[0-9a-f]+_\S+", url), url
    dialog.locator("[data-copy-url]").click()
    assert alice.evaluate("() => navigator.clipboard.readText()") == url
    key_id = url.split("#isr_")[1].split("_")[0]
    dialog.locator(f"[data-link-list] li[data-key-id='{key_id}']", has_text="eLife").wait_for()
    _shot(alice, "reviewer-dialog")

    reviewer = _open(browser, pages)
    reviewer.goto(url)
    reviewer.wait_for_url(re.compile(r"/browse\?project=Lab&dataset=embargoed$"))
    assert "#" not in reviewer.url
    assert reviewer.inner_text(".reviewer-mode") == "Reviewer access (read-only)"
    thumbnail = reviewer.locator(".grid .card img")
    thumbnail.wait_for()
    reviewer.wait_for_function(
        "() => [...document.querySelectorAll('.grid .card img')].every(i => i.naturalWidth > 0)"
    )
    assert reviewer.locator("[data-open-dialog]").count() == 0
    _shot(reviewer, "reviewer-browse")
    embargoed, secret = site.images["embargoed"], site.images["secret"]
    reviewer.click(".grid .card a")
    reviewer.wait_for_selector(CANVAS)
    assert reviewer.get_attribute(".identifiers .visibility", "data-visibility") == "embargoed"
    watched = pages[-1]
    watched.settle()
    assert watched.tiles and all(t.status == 200 for t in watched.tiles)
    assert watched.canvas_statistics()["variance"] > 0
    statuses = reviewer.evaluate(
        """async ([a, b]) => Promise.all([
            `/zarr/${a}/zarr.json`, `/zarr/${b}/zarr.json`, `/api/v1/images/${b}`,
        ].map(async (u) => (await fetch(u)).status))""",
        [embargoed, secret],
    )
    assert statuses == [200, 404, 404]
    refused = reviewer.goto(f"{site.url}/browse?project=Lab&dataset=secret")
    assert refused is not None and refused.status == 404

    alice.locator(f"[data-link-list] li[data-key-id='{key_id}'] button").click()
    dialog.locator(f"[data-link-list] li[data-key-id='{key_id}']", has_text="revoked").wait_for()
    ended = reviewer.goto(f"{site.url}/browse?project=Lab&dataset=embargoed")
    assert ended is not None and ended.status == 403
    assert reviewer.inner_text("h1") == "Reviewer link ended"
    assert "expired or was withdrawn" in reviewer.inner_text("main")
    _shot(reviewer, "reviewer-ended")
    # The cookie is gone, and the link itself no longer opens anything.
    reviewer.goto(url)
    reviewer.wait_for_selector("[data-review-status][data-kind=error]")
    assert reviewer.inner_text("h1") == "Reviewer link not valid"
    assert "#" not in reviewer.url


def test_the_demo_is_public_so_it_shows_with_access_control_on(demo: Demo) -> None:
    with TestClient(build_app(load_settings(demo.home, access_control=True))) as client:
        listed = client.get("/api/v1/images", params={"limit": 200}).json()["items"]
        assert {i["uuid"] for i in listed} == {i.uuid for i in demo.images}
        home = client.get("/", headers={"Accept": "text/html"}).text
        assert 'data-visibility="private"' not in home and 'data-visibility="public"' in home
        assert client.get(f"/zarr/{demo.images[0].uuid}/zarr.json").status_code == 200
