"""The web UI's access pages over HTTP: login redirects, refusal pages, reviewer links in a
browser, shares and reviewer links listed and withdrawn, "shared with me", visibility badges.

The browser half (forms, dialogs, cookies in Chromium) is tests/web/test_05_access_ui.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imagesteward.access import GroupLevel, Visibility
from imagesteward.catalog import access_catalog, open_catalog
from imagesteward.config import load_settings
from imagesteward.installation import init_installation
from imagesteward.server import build_app
from imagesteward.server.web._refusals import safe_next
from tests.catalog.factories import bare_image, fileset

PASSWORD = "a long and quiet river"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
UNTIL = datetime(2031, 3, 1, tzinfo=UTC)


@dataclass
class Site:
    client: TestClient
    images: dict[str, str]  # dataset -> image uuid
    link: str  # a reviewer link to Lab/embargoed


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    access = access_catalog(catalog)
    images = {}
    for project, dataset in (("Lab", "embargoed"), ("Lab", "secret"), ("Open", "pub")):
        image = bare_image()
        catalog.add_fileset(fileset(f"{dataset}.tif", images=[image], project=project,
                                    dataset=dataset))  # fmt: skip
        images[dataset] = catalog.list_images(dataset=dataset).items[0].uuid
    for name in ("alice", "bob", "carol"):
        access.add_user(name, password=PASSWORD)
    access.add_group("Cell biology", GroupLevel.PRIVATE)
    access.add_member("Cell biology", "bob")
    access.assign("Lab", owner="alice", group=None)
    access.set_visibility("Lab", visibility=Visibility.EMBARGOED, until=UNTIL)
    access.set_visibility("Lab", "embargoed", visibility=Visibility.EMBARGOED, until=UNTIL)
    access.share("Lab", "embargoed", group="Cell biology")
    access.set_visibility("Open", visibility=Visibility.PUBLIC)
    access.set_visibility("Open", "pub", visibility=Visibility.PUBLIC)
    _, link = access.create_reviewer_link("Lab", "embargoed", expires_in=timedelta(days=30))
    catalog.dispose()
    app = build_app(load_settings(settings.home, access_control=True))
    with TestClient(app, follow_redirects=False) as client:
        yield Site(client, images, link)


def _sign_in(client: TestClient, name: str) -> dict[str, str]:
    answer = client.post("/api/v1/session", json={"username": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"X-CSRF-Token": client.cookies["imagesteward_csrf"]}


def _main(response: object) -> str:
    """The page's main content, without the header (which shows who asks)."""
    text = str(getattr(response, "text", ""))
    return text[text.index("<main") : text.index("</main>")]


@pytest.mark.parametrize(
    ("asked", "followed"),
    [
        ("/browse?project=Lab", "/browse?project=Lab"),
        ("/images/x#frag", "/images/x#frag"),
        (None, "/"),
        ("", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("browse", "/"),
    ],
)
def test_login_comes_back_only_to_local_pages(asked: str | None, followed: str) -> None:
    assert safe_next(asked) == followed


def test_safe_next_stays_below_the_root() -> None:
    assert safe_next("/other/x", "/steward") == "/steward/"
    assert safe_next("/steward/browse", "/steward") == "/steward/browse"


def test_login_page_and_its_next(site: Site) -> None:
    page = site.client.get("/login?next=//evil.example", headers=HTML)
    assert page.status_code == 200
    assert 'data-next="/"' in page.text
    assert 'id="login-username"' in page.text and 'type="password"' in page.text
    page = site.client.get("/login", params={"next": "/browse?project=Lab"}, headers=HTML)
    assert 'data-next="/browse?project=Lab"' in page.text
    assert "Sign in" in site.client.get("/", headers=HTML).text
    _sign_in(site.client, "alice")
    # Signed in already: straight on, and never elsewhere.
    on = site.client.get("/login", params={"next": "/browse?project=Lab"}, headers=HTML)
    assert on.status_code == 303 and on.headers["location"] == "/browse?project=Lab"
    away = site.client.get("/login", params={"next": "https://evil.example"}, headers=HTML)
    assert away.headers["location"] == "/"
    home = site.client.get("/", headers=HTML).text
    assert 'class="account-name">alice<' in home and "Sign out" in home


def test_a_hidden_page_is_a_missing_page_with_the_login_offered(site: Site) -> None:
    hidden = site.client.get("/browse?project=Lab", headers=HTML)
    missing = site.client.get("/browse?project=Lxb", headers=HTML)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.headers["content-type"].startswith("text/html")
    assert _main(hidden).replace("Lab", "Lxb") == _main(missing)
    assert "/login?next=/browse%3Fproject%3DLab" in hidden.text

    image = site.images["secret"]
    fake = "0" * 8 + image[8:]
    hidden = site.client.get(f"/images/{image}", headers=HTML)
    missing = site.client.get(f"/images/{fake}", headers=HTML)
    assert hidden.status_code == missing.status_code == 404
    assert _main(hidden).replace(image, fake) == _main(missing)
    assert "Sign in</a> to see yours" in hidden.text
    # Programs still get problem documents.
    assert (
        site.client.get(f"/images/{image}")
        .headers["content-type"]
        .startswith("application/problem+json")
    )

    _sign_in(site.client, "alice")
    assert site.client.get("/browse?project=Lab", headers=HTML).status_code == 200
    assert site.client.get(f"/images/{image}", headers=HTML).status_code != 404


def test_an_ended_session_sends_the_browser_to_the_login_and_back(site: Site) -> None:
    csrf = _sign_in(site.client, "alice")
    token = site.client.cookies["imagesteward_session"]
    site.client.delete("/api/v1/session", headers=csrf)
    site.client.cookies.set("imagesteward_session", token)  # a copy kept from before
    page = site.client.get("/browse?project=Lab", headers=HTML)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/browse%3Fproject%3DLab"
    assert 'imagesteward_session=""' in page.headers["set-cookie"]


def test_a_reviewer_link_opens_its_dataset_in_a_browser_and_nothing_else(site: Site) -> None:
    assert site.client.get("/review", headers=HTML).status_code == 200
    opened = site.client.post("/api/v1/review", json={"link": site.link})
    assert opened.status_code == 200, opened.text
    assert opened.json() == {
        "project": "Lab", "dataset": "embargoed", "page": "/browse?project=Lab&dataset=embargoed",
    }  # fmt: skip
    cookie = next(c for c in opened.headers.get_list("set-cookie") if "imagesteward_review" in c)
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    page = site.client.get("/browse?project=Lab&dataset=embargoed", headers=HTML)
    assert page.status_code == 200
    assert site.images["embargoed"] in page.text
    assert "Reviewer access (read-only)" in page.text
    assert "Share…" not in page.text and "Visibility…" not in page.text
    assert site.client.get(f"/images/{site.images['embargoed']}", headers=HTML).status_code == 200
    assert site.client.get(f"/api/v1/images/{site.images['embargoed']}").status_code == 200
    # Nothing else that is not public; no writes.
    assert site.client.get(f"/api/v1/images/{site.images['secret']}").status_code == 404
    hidden = site.client.get("/browse?project=Lab&dataset=secret", headers=HTML)
    missing = site.client.get("/browse?project=Lab&dataset=sxcret", headers=HTML)
    assert _main(hidden).replace("secret", "sxcret") == _main(missing)
    assert site.images["secret"] not in hidden.text and "access-panel" not in _main(hidden)
    assert site.client.get(f"/api/v1/images/{site.images['pub']}").status_code == 200
    refused = site.client.put(
        "/api/v1/projects/Lab/datasets/embargoed/visibility", json={"visibility": "public"}
    )
    assert refused.status_code == 403
    listed = site.client.get("/api/v1/images").json()["items"]
    assert {i["uuid"] for i in listed} == {site.images["embargoed"], site.images["pub"]}


def test_a_revoked_reviewer_link_ends_with_a_clear_page(site: Site) -> None:
    site.client.post("/api/v1/review", json={"link": site.link})
    reviewer = dict(site.client.cookies)
    site.client.cookies.clear()
    csrf = _sign_in(site.client, "alice")
    links = site.client.get("/api/v1/projects/Lab/datasets/embargoed/reviewer-links").json()
    (link,) = links["items"]
    assert "secret" not in link and site.link not in str(links)
    assert link["key_id"] in site.link and link["revoked_at"] is None
    revoked = site.client.delete(
        "/api/v1/projects/Lab/datasets/embargoed/reviewer-links",
        params={"key_id": link["key_id"]},
        headers=csrf,
    )
    assert revoked.status_code == 204, revoked.text
    site.client.cookies.clear()
    site.client.cookies.update(reviewer)
    page = site.client.get("/browse?project=Lab&dataset=embargoed", headers=HTML)
    assert page.status_code == 403
    assert "Reviewer link ended" in page.text and "expired or was withdrawn" in page.text
    assert 'imagesteward_review=""' in page.headers["set-cookie"]
    again = site.client.post("/api/v1/review", json={"link": site.link})
    assert again.status_code == 401
    assert "expired or was withdrawn" in again.json()["detail"]
    assert site.client.post("/api/v1/review", json={"link": "isr_nope_nope"}).status_code == 401


def test_shares_are_listed_and_withdrawn_by_those_who_may_share(site: Site) -> None:
    shares = "/api/v1/projects/Lab/datasets/embargoed/shares"
    assert site.client.get(shares).status_code == 404  # anonymous: hidden
    _sign_in(site.client, "bob")  # a share recipient reads, does not share
    assert site.client.get(shares).status_code == 403
    site.client.cookies.clear()
    csrf = _sign_in(site.client, "alice")
    assert [s["recipient"] for s in site.client.get(shares).json()["items"]] == [
        "group:Cell biology"
    ]
    added = site.client.post(shares, json={"recipient": "user:carol"}, headers=csrf)
    assert added.json() == {"changed": True}
    assert site.client.get("/api/v1/projects/Lab/shares").json() == {"items": []}
    listed = site.client.get(shares).json()["items"]
    assert [s["recipient"] for s in listed] == ["group:Cell biology", "user:carol"]
    assert listed[1]["created_by"] == "alice"
    removed = site.client.delete(shares, params={"recipient": "user:carol"}, headers=csrf)
    assert removed.json() == {"changed": True}
    # A key id of no link of this dataset is "not found", not someone else's revocation.
    other = site.client.delete(
        "/api/v1/projects/Lab/datasets/embargoed/reviewer-links",
        params={"key_id": "000000000000"},
        headers=csrf,
    )
    assert other.status_code == 404


def test_shared_with_me_lists_direct_and_group_shares(site: Site) -> None:
    assert site.client.get("/shared", headers=HTML).headers["location"] == "/login?next=/shared"
    _sign_in(site.client, "bob")
    page = site.client.get("/shared", headers=HTML)
    assert page.status_code == 200
    main = _main(page)
    assert "embargoed" in main and "your group Cell biology" in main
    assert "secret" not in main
    assert 'data-visibility="embargoed"' in main and "until" in main
    site.client.cookies.clear()
    _sign_in(site.client, "carol")
    assert "Nothing is shared with you" in site.client.get("/shared", headers=HTML).text


def test_pages_show_visibility_and_release_dates_and_owners_get_the_dialogs(site: Site) -> None:
    public = site.client.get("/browse?project=Open", headers=HTML).text
    assert re.search(r'data-visibility="public"', public)
    assert 'id="share-dialog"' not in public  # anonymous visitors change nothing
    _sign_in(site.client, "alice")
    page = site.client.get("/browse?project=Lab&dataset=embargoed", headers=HTML).text
    assert '<time datetime="2031-03-01T00:00:00' in page and "until" in page
    for dialog in ("share-dialog", "visibility-dialog", "reviewer-dialog"):
        assert f'id="{dialog}"' in page
    # A private dataset gets no reviewer links: they would open nothing.
    private = site.client.get("/browse?project=Lab&dataset=secret", headers=HTML).text
    assert 'data-visibility="private"' in private
    assert 'id="share-dialog"' in private and 'id="reviewer-dialog"' not in private
    # Cards carry the badge of their dataset.
    assert private.count('data-visibility="private"') >= 2


def test_without_access_control_nobody_signs_in(tmp_path: Path) -> None:
    settings = init_installation(tmp_path / "open")
    app = build_app(load_settings(settings.home, access_control=False))
    with TestClient(app) as client:
        home = client.get("/", headers=HTML).text
        assert "Sign in" not in home
        login = client.get("/login", headers=HTML).text
        assert "Access control is off" in login


def test_the_home_page_counts_and_shows_only_what_the_caller_may_list(site: Site) -> None:
    home = _main(site.client.get("/", headers=HTML))
    assert site.images["pub"] in home
    assert site.images["secret"] not in home and site.images["embargoed"] not in home
    assert "Lab" not in home
    assert re.search(r"<dt>Images</dt><dd>1</dd>", home)
    assert "Original files" not in home  # counted per fileset, which may span hidden datasets
    _sign_in(site.client, "alice")
    mine = _main(site.client.get("/", headers=HTML))
    assert re.search(r"<dt>Images</dt><dd>3</dd>", mine)
    assert site.images["secret"] in mine and "Lab" in mine


def test_visibility_changes_refuse_an_owner_riding_along(site: Site) -> None:
    csrf = _sign_in(site.client, "alice")
    sneaky = {"visibility": "public", "owner": "carol"}
    answer = site.client.put("/api/v1/projects/Lab/visibility", json=sneaky, headers=csrf)
    assert answer.status_code == 422
    assert site.client.get("/api/v1/projects/Lab/access").json()["owner"] == "alice"
