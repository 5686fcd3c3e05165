"""Secrets never appear in logs: passwords, tokens, reviewer links, cookies, OIDC values.

The end-to-end test runs the real server under uvicorn with its access log on, signs in with
a password, uses the session cookie, an API token (header and ``?token=``) and a reviewer
link (header and in a path), and logs request headers and a failing exception the way a
debugging middleware would; none of the secrets may appear in any captured record.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from uvicorn.logging import AccessFormatter

from imagesteward.access import (
    SecretRedactingFilter,
    Visibility,
    install_secret_redaction,
    issue_secret,
    redact_secrets,
)
from imagesteward.catalog import access_catalog, open_catalog
from imagesteward.config import load_settings
from imagesteward.installation import init_installation
from imagesteward.server import build_app
from tests.catalog.factories import bare_image, fileset

PASSWORD = "correct horse battery staple"
TOKEN = issue_secret("ist").plaintext
LINK = issue_secret("isr").plaintext


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        pytest.param(f"Authorization: Bearer {TOKEN}", TOKEN.split("_", 2)[2], id="token-header"),
        pytest.param(f"GET /review/{LINK} HTTP/1.1", LINK.split("_", 2)[2], id="link-in-path"),
        pytest.param("Authorization: Basic YWxpY2U6aHVudGVyMg==", "YWxpY2U6aHVudGVyMg", id="basic"),
        pytest.param("Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig", "eyJhbGciOiJSUzI1NiJ9", id="jwt"),
        pytest.param(f'{{"username": "a", "password": "{PASSWORD}"}}', "battery", id="json"),
        pytest.param(f"{{'password': '{PASSWORD}'}}", "horse", id="python-dict"),
        pytest.param("username=alice&password=hunter22&x=1", "hunter22", id="form"),
        pytest.param("/api/v1/images?token=s3cr3tvalue&x=1", "s3cr3tvalue", id="query-token"),
        pytest.param(
            "/auth/oidc/callback?code=AbC123xyz&state=QqQ987", "AbC123xyz", id="oidc-code"
        ),
        pytest.param("/auth/oidc/callback?code=AbC123xyz&state=QqQ987", "QqQ987", id="oidc-state"),
        pytest.param("cookie: imagesteward_session=zzTopSecret; a=b", "zzTopSecret", id="cookie"),
        pytest.param("(b'cookie', b'imagesteward_review=isrXYZ99')", "isrXYZ99", id="raw-cookie"),
        pytest.param("client_secret=abcDEF123", "abcDEF123", id="client-secret"),
        pytest.param("x-csrf-token: Csrf99value", "Csrf99value", id="csrf"),
    ],
)
def test_redaction_removes_each_kind_of_secret(text: str, secret: str) -> None:
    assert secret in text
    assert secret not in redact_secrets(text)


def test_token_redaction_keeps_the_key_id() -> None:
    key_id = TOKEN.split("_")[1]
    assert redact_secrets(f"Bearer {TOKEN}") == f"Bearer ist_{key_id}_[redacted]"


def test_ordinary_text_is_left_alone() -> None:
    text = "GET /api/v1/images/5?limit=10 HTTP/1.1 200; project 'Mitosis', status code 404"
    assert redact_secrets(text) == text


def test_the_filter_keeps_uvicorn_access_records_formattable() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/x?token={TOKEN}", "1.1", 200), None,
    )  # fmt: skip
    SecretRedactingFilter().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert TOKEN not in line
    assert "200" in line


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """A running server (uvicorn, access log on): its URL, an API token and a reviewer link."""
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    access = access_catalog(catalog)
    catalog.add_fileset(fileset("a.tif", images=[bare_image()], project="Lab", dataset="d"))
    access.add_user("alice", password=PASSWORD)
    access.assign("Lab", owner="alice")
    access.set_visibility("Lab", "d", visibility=Visibility.EMBARGOED, event="publication")
    _, token = access.create_token("alice")
    _, link = access.create_reviewer_link("Lab", "d", expires_in=timedelta(days=5))
    catalog.dispose()
    app = build_app(load_settings(settings.home, access_control=True))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=True)
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not runner.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", token, link
    finally:
        runner.should_exit = True
        thread.join(timeout=10)


def test_no_secret_reaches_any_log(
    server: tuple[str, str, str], caplog: pytest.LogCaptureFixture
) -> None:
    url, token, link = server
    caplog.set_level(logging.DEBUG)
    with httpx.Client(base_url=url) as client:
        signed_in = client.post("/api/v1/session", json={"username": "alice", "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        session = client.cookies["imagesteward_session"]
        csrf = client.cookies["imagesteward_csrf"]
        assert client.get("/api/v1/me").json()["username"] == "alice"
        client.cookies.clear()
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=bearer).json()["username"] == "alice"
        assert client.get(f"/api/v1/projects?token={token}").status_code == 200
        reviewing = {"Authorization": f"Bearer {link}"}
        assert client.get("/api/v1/datasets", headers=reviewing).status_code == 200
        assert client.get(f"/review/{link}").status_code in {200, 404}
        request = client.build_request("GET", "/api/v1/me", headers=bearer)
        # What a careless debugging middleware or exception handler would write.
        debug = logging.getLogger("imagesteward.test.debugging")
        debug.debug("headers %s", dict(request.headers))
        debug.info("body %r", {"username": "alice", "password": PASSWORD})
        debug.info("cookie header: imagesteward_session=%s; imagesteward_csrf=%s", session, csrf)
        try:
            raise RuntimeError(f"login failed for password={PASSWORD!r} token {token}")
        except RuntimeError:
            debug.exception("unexpected")
    records = caplog.records
    assert any(r.name == "uvicorn.access" for r in records), "the access log was not captured"
    assert any(r.name == "httpx" for r in records)
    text = "\n".join(
        [caplog.text, *(r.getMessage() for r in records), *(r.exc_text or "" for r in records)]
    )
    # maxsplit: a URL-safe secret may itself hold "_" (split on every "_", a secret starting
    # with one left "" - found in any text - and the test failed one run in a few dozen).
    secrets = {
        "password": PASSWORD, "token": token.split("_", 2)[2], "link": link.split("_", 2)[2],
        "session": session.split("_", 2)[2], "csrf": csrf,
    }  # fmt: skip
    leaked = [name for name, secret in secrets.items() if secret in text]
    assert leaked == []
    assert f"ist_{token.split('_')[1]}_[redacted]" in text  # which token, without the secret


def test_redaction_is_installed_once() -> None:
    install_secret_redaction()
    factory = logging.getLogRecordFactory()
    install_secret_redaction()
    assert logging.getLogRecordFactory() is factory
