"""OpenID Connect sign-in against a real provider process (oidc-provider-mock) on 127.0.0.1.

The provider is a separate process speaking HTTP: discovery, its authorization page, its token
endpoint and its signing keys are all real, so these tests exercise the whole relying-party
path - PKCE, state, nonce, the ID token's signature, issuer, audience and expiry.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from imagesteward.access import GroupLevel
from imagesteward.catalog import access_catalog, open_catalog
from imagesteward.config import Settings, load_settings
from imagesteward.errors import AuthenticationError
from imagesteward.installation import init_installation
from imagesteward.server import build_app
from imagesteward.server._oidc import OidcProvider
from tests.catalog.factories import bare_image, fileset

CLIENT_ID = "imagesteward-test"
ALICE = {
    "sub": "a1b2-alice",
    "preferred_username": "Alice",
    "name": "Alice A.",
    "email": "alice@lab.example",
    "orcid": "0000-0002-1825-0097",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    """A running OpenID Connect provider that requires a nonce; its issuer URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port),
         "--require-nonce", "true", "--user-claims", json.dumps(ALICE)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/.well-known/openid-configuration", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _site(tmp_path: Path, issuer: str, **overrides: object) -> Settings:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    access = access_catalog(catalog)
    catalog.add_fileset(fileset("a.tif", images=[bare_image()], project="Lab", dataset="d"))
    access.add_user("bob", password="a long and quiet river")
    access.add_group("Cell biology", GroupLevel.READ_ONLY)
    access.add_member("Cell biology", "bob", owner=True)
    access.assign("Lab", owner="bob", group="Cell biology")
    catalog.dispose()
    options: dict[str, object] = {
        "access_control": True, "oidc_issuer": issuer, "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": "client-secret", "oidc_orcid_claim": "orcid",
        "oidc_provider_name": "Lab IdP",
    }  # fmt: skip
    options.update(overrides)
    return load_settings(settings.home, **options)


@pytest.fixture
def client(tmp_path: Path, issuer: str) -> Iterator[TestClient]:
    with TestClient(build_app(_site(tmp_path, issuer))) as opened:
        yield opened


def _to_provider(client: TestClient) -> str:
    """Start a login; the provider URL it redirects to."""
    started = client.get("/auth/oidc/login", follow_redirects=False)
    assert started.status_code == 200, started.text
    assert "Continue to Lab IdP" in started.text
    return str(started.headers["refresh"]).removeprefix("0;url=")


def _provider_answer(authorize_url: str, subject: str) -> str:
    """Sign in as ``subject`` on the provider's page; the callback URL it sends back."""
    answered = httpx.post(authorize_url, data={"sub": subject}, timeout=10)
    assert answered.status_code == 302, answered.text
    return str(answered.headers["location"])


def _callback(client: TestClient, callback_url: str) -> httpx.Response:
    parts = urlsplit(callback_url)
    answer: httpx.Response = client.get(f"{parts.path}?{parts.query}", follow_redirects=False)
    return answer


def _sign_in(client: TestClient, subject: str = ALICE["sub"]) -> httpx.Response:
    return _callback(client, _provider_answer(_to_provider(client), subject))


def test_the_sign_in_page_offers_the_provider(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert 'href="/auth/oidc/login"' in page.text
    assert "Sign in with Lab IdP" in page.text


def test_the_authorization_request_carries_pkce_state_and_nonce(client: TestClient) -> None:
    query = parse_qs(urlsplit(_to_provider(client)).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256
    assert len(query["state"][0]) >= 32
    assert len(query["nonce"][0]) >= 32
    assert "openid" in query["scope"][0].split()
    assert query["redirect_uri"] == ["http://testserver/auth/oidc/callback"]
    flow = next(c for c in client.cookies.jar if c.name == "imagesteward_oidc")
    assert flow.path == "/auth/oidc"
    # The verifier stays with the browser; the provider only ever sees its hash.
    assert flow.value.split(".")[2] not in _to_provider(client)


def test_a_first_login_creates_a_guest_account_and_a_session(client: TestClient) -> None:
    done = _sign_in(client)
    assert done.status_code == 200, done.text
    assert done.headers["refresh"] == "0;url=/"
    assert done.headers["referrer-policy"] == "no-referrer"  # the code stays out of Referer
    cookies = done.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("imagesteward_session="))
    assert "HttpOnly" in session
    assert "samesite=strict" in session.lower()
    me = client.get("/api/v1/me").json()
    assert me["username"] == "alice"
    assert me["facility_role"] == "guest"
    # A guest sees no private data of others.
    assert client.get("/api/v1/projects").json()["items"] == []
    access = client.app.state.access  # type: ignore[attr-defined]
    user = next(u for u in access.list_users() if u.username == "alice")
    assert user.orcid is not None
    assert user.orcid.endswith("0000-0002-1825-0097")
    assert user.display_name == "Alice A."
    events = [e for e in access.audit_events(actor="alice") if e.action != "token.use"]
    assert [(e.action, e.outcome) for e in events] == [
        ("token.create", "ok"), ("login.oidc", "ok"), ("user.add", "ok"),
    ]  # fmt: skip
    assert events[1].details["account"] == "created"
    assert events[1].details["subject"] == ALICE["sub"]
    assert events[1].remote == "testclient"


def test_the_subject_not_the_name_decides_the_account(client: TestClient, issuer: str) -> None:
    assert _sign_in(client).status_code == 200
    # The provider renames the user: the binding by subject keeps them on their account...
    httpx.put(f"{issuer}/users/{ALICE['sub']}", json={**ALICE, "preferred_username": "bob"})
    client.cookies.clear()
    try:
        assert _sign_in(client).status_code == 200
        assert client.get("/api/v1/me").json()["username"] == "alice"
        # ...and another subject claiming an existing, already used name cannot take it.
        httpx.put(f"{issuer}/users/intruder", json={"preferred_username": "alice"})
        client.cookies.clear()
        refused = _sign_in(client, "intruder")
        assert refused.status_code == 401
        assert "exists and is not linked" in refused.json()["detail"]
        assert "imagesteward_session" not in client.cookies
    finally:
        httpx.put(f"{issuer}/users/{ALICE['sub']}", json=ALICE)


def test_a_first_login_links_an_existing_unlinked_account(tmp_path: Path, issuer: str) -> None:
    httpx.put(f"{issuer}/users/bob-sub", json={"preferred_username": "bob"})
    with TestClient(build_app(_site(tmp_path / "linking", issuer))) as client:
        assert _sign_in(client, "bob-sub").status_code == 200
        assert client.get("/api/v1/me").json()["username"] == "bob"
        assert [p["name"] for p in client.get("/api/v1/projects").json()["items"]] == ["Lab"]
    with TestClient(
        build_app(_site(tmp_path / "strict", issuer, oidc_link_existing=False))
    ) as client:
        refused = _sign_in(client, "bob-sub")
        assert refused.status_code == 401
        assert client.get("/api/v1/me").json()["username"] is None


def test_the_new_user_role_is_a_setting(tmp_path: Path, issuer: str) -> None:
    with TestClient(build_app(_site(tmp_path, issuer, oidc_new_user_role="user"))) as client:
        assert _sign_in(client).status_code == 200
        assert client.get("/api/v1/me").json()["facility_role"] == "user"


def test_a_forged_or_replayed_callback_is_refused_and_audited(client: TestClient) -> None:
    callback = _provider_answer(_to_provider(client), ALICE["sub"])
    # Another browser (no flow cookie) presenting the code: refused.
    stranger = TestClient(client.app)
    assert _callback(stranger, callback).status_code == 401
    # The right browser with a tampered state: refused.
    parts = urlsplit(callback)
    tampered = parts.query.replace("state=", "state=x")
    assert client.get(f"{parts.path}?{tampered}", follow_redirects=False).status_code == 401
    # The genuine callback works once; the code cannot be redeemed a second time.
    assert _callback(client, callback).status_code == 200
    client.cookies.set("imagesteward_oidc", "a.b.c", path="/auth/oidc")
    assert _callback(client, callback).status_code == 401
    # The provider's own refusal is passed on, and audited.
    assert client.get("/auth/oidc/callback?error=access_denied&state=x").status_code == 401
    access = client.app.state.access  # type: ignore[attr-defined]
    refusals = [e for e in access.audit_events(action="login") if e.outcome == "denied"]
    assert len(refusals) == 4
    assert all(e.action == "login.oidc" for e in refusals)


def test_callback_abuse_from_one_address_is_throttled(client: TestClient) -> None:
    for _ in range(10):
        assert client.get("/auth/oidc/callback?code=guess&state=guess").status_code == 401
    # Now even a genuine callback from that address waits out the window, unchecked.
    throttled = _sign_in(client)
    assert throttled.status_code == 401
    assert "Too many failed sign-ins" in throttled.json()["detail"]


def test_off_unless_configured(tmp_path: Path) -> None:
    settings = init_installation(tmp_path / "plain")
    with TestClient(build_app(load_settings(settings.home, access_control=True))) as client:
        assert client.get("/auth/oidc/login", follow_redirects=False).status_code == 404
        assert client.get("/auth/oidc/callback?code=x&state=y").status_code == 404
        assert "/auth/oidc" not in client.get("/login").text


# -- the ID token checks, one at a time, with a key of our own ------------------------------

KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
ISSUER = "https://idp.example"


def _provider() -> OidcProvider:
    return OidcProvider(
        Settings(home=Path("/nonexistent"), oidc_issuer=ISSUER, oidc_client_id=CLIENT_ID)
    )


def _token(key: RSAKey = KEY, **claims: object) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "s", "iat": now, "exp": now + 300,
            "nonce": "n", **claims}  # fmt: skip
    return jwt.encode({"alg": "RS256", "kid": "k1"}, body, key)


KEYS: dict[str, Any] = dict(KeySet([KEY]).as_dict())


def test_a_valid_id_token_is_accepted() -> None:
    assert _provider().verify_id_token(_token(), KEYS, nonce="n")["sub"] == "s"


@pytest.mark.parametrize(
    ("claims", "key"),
    [
        pytest.param({"iss": "https://evil.example"}, KEY, id="other-issuer"),
        pytest.param({"aud": "someone-else"}, KEY, id="other-audience"),
        pytest.param({"exp": int(time.time()) - 3600}, KEY, id="expired"),
        pytest.param({"nonce": "replayed"}, KEY, id="other-nonce"),
        pytest.param({}, OTHER_KEY, id="bad-signature"),
        pytest.param({"aud": [CLIENT_ID, "x"], "azp": "x"}, KEY, id="other-azp"),
    ],
)
def test_an_id_token_failing_a_check_is_refused(claims: dict[str, object], key: RSAKey) -> None:
    with pytest.raises(AuthenticationError, match="ID token"):
        _provider().verify_id_token(_token(key, **claims), KEYS, nonce="n")


def test_an_unsigned_id_token_is_refused() -> None:
    now = int(time.time())
    unsigned = jwt.encode(
        {"alg": "none"},
        {"iss": ISSUER, "aud": CLIENT_ID, "sub": "s", "iat": now, "exp": now + 60, "nonce": "n"},
        None,  # type: ignore[arg-type]
        algorithms=["none"],
    )
    with pytest.raises(AuthenticationError, match="ID token"):
        _provider().verify_id_token(unsigned, KEYS, nonce="n")
