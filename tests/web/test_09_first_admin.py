"""A new installation can be signed into: ``steward init`` prints the first administrator's
login once, and that login works on the /login page of a server with the default settings
(access control on).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from imagesteward.catalog import access_catalog
from imagesteward.cli import app, setup_cmd
from imagesteward.config import load_settings
from imagesteward.installation import ADMIN_PASSWORD_ENV, DEFAULT_ADMIN, open_installation
from imagesteward.server import build_app
from tests.server.live import serve_in_thread
from tests.web.browser import WatchedPage

if TYPE_CHECKING:
    from playwright.sync_api import Browser

_PRINTED = re.compile(r"sign in at /login as (\S+) with\s+password (\S+)")


def _init(home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv(ADMIN_PASSWORD_ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # one line per message, as on a wide terminal
    result = CliRunner().invoke(app, ["init", str(home)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def login_page(browser: Browser) -> Iterator[WatchedPage]:
    """A page whose console may report the one refused sign-in (401), nothing else."""
    page = WatchedPage.open(browser)
    yield page
    page.close()
    assert not [e for e in page.errors if "status of 401" not in e], page.errors


def test_init_prints_a_login_that_works_in_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, login_page: WatchedPage
) -> None:
    home = tmp_path / "site"
    output = _init(home, monkeypatch)
    found = _PRINTED.search(output)
    assert found is not None, output
    username, password = found[1], found[2]
    assert username == DEFAULT_ADMIN
    assert len(password) >= 24
    # Shown once: a second init (an upgrade) creates nothing and prints no password.
    again = _init(home, monkeypatch)
    assert password not in again and "administrator" not in again
    settings = load_settings(home)
    assert settings.access_control  # the default: private until published
    running = serve_in_thread(build_app(settings))
    try:
        page = login_page.page
        page.goto(f"{running.url}/login")
        page.fill("#login-username", username)
        page.fill("#login-password", password + "x")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#login-message:not([hidden])")
        assert page.locator(".account-name").count() == 0
        page.fill("#login-password", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector(".account-name")
        assert page.locator(".account-name").inner_text().strip() == username
    finally:
        running.stop()


def test_a_password_from_the_environment_is_used_and_not_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = "a long enough admin passphrase"
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, chosen)
    result = CliRunner().invoke(app, ["init", str(tmp_path / "site"), "--admin", "boss"])
    assert result.exit_code == 0, result.output
    assert chosen not in result.output
    assert "boss" in result.output
    with open_installation(tmp_path / "site") as installation:
        principal = access_catalog(installation.catalog).login("boss", chosen)
    assert principal.username == "boss"


def test_the_cli_spells_the_installation_constants_alike() -> None:
    assert setup_cmd.ADMIN_PASSWORD_ENV == ADMIN_PASSWORD_ENV
    assert setup_cmd.DEFAULT_ADMIN == DEFAULT_ADMIN
