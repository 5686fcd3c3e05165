"""The search page in a real browser: facets with counts, URL state, back and forward, pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.server.live import LiveServer
from tests.web.browser import WatchedPage


def _api(watched: WatchedPage, live: LiveServer, q: str) -> dict:  # type: ignore[type-arg]
    answer = watched.page.request.get(f"{live.url}/api/v1/search", params={"q": q, "limit": 1})
    assert answer.ok
    body: dict = answer.json()  # type: ignore[type-arg]
    return body


def _counts(watched: WatchedPage, facet: str) -> dict[str, int]:
    links = watched.page.locator(f".facet[data-facet='{facet}'] .facet-value").all()
    return {
        link.get_attribute("data-value") or "": int(link.locator(".facet-count").inner_text())
        for link in links
    }


def _total(watched: WatchedPage) -> int:
    return int(watched.page.locator("#hit-total").inner_text())


def test_facets_filter_and_the_url_keeps_the_search(live: LiveServer, watched: WatchedPage) -> None:
    page = watched.page
    page.goto(f"{live.url}/")
    page.locator(".site-search input[name='q']").fill("hela")
    page.locator(".site-search button").click()
    page.wait_for_url("**/search?q=hela")
    assert _total(watched) == _api(watched, live, "hela")["total"] > 0

    page.goto(f"{live.url}/search")
    everything = _api(watched, live, "")
    assert _total(watched) == everything["total"]
    for facet in ("project", "fluorophore", "kind", "instrument"):
        expected = {v["value"]: v["count"] for v in everything["facets"][facet]}
        assert _counts(watched, facet) == expected, facet
    expect(page.locator(".hit-image img").first).to_be_visible()

    page.locator(".facet[data-facet='fluorophore'] .facet-value[data-value='DAPI']").click()
    page.wait_for_url("**/search?fluorophore=DAPI")
    dapi = _api(watched, live, 'fluorophore:"DAPI"')
    assert (
        _total(watched)
        == dapi["total"]
        == everything["facets"]["fluorophore"][
            [v["value"] for v in everything["facets"]["fluorophore"]].index("DAPI")
        ]["count"]
    )
    assert _counts(watched, "kind") == {v["value"]: v["count"] for v in dapi["facets"]["kind"]}

    page.locator(".facet[data-facet='kind'] .facet-value[data-value='image']").click()
    page.wait_for_url("**/search?fluorophore=DAPI&kind=image")
    both = _api(watched, live, 'fluorophore:"DAPI" kind:"image"')["total"]
    assert _total(watched) == both
    assert page.locator(".hit").count() == both
    assert {h.get_attribute("data-kind") for h in page.locator(".hit").all()} == {"image"}
    watched.screenshot("search-two-facets")
    shared = page.url

    page.go_back()
    page.wait_for_url("**/search?fluorophore=DAPI")
    assert _total(watched) == dapi["total"]
    page.go_forward()
    page.wait_for_url("**/search?fluorophore=DAPI&kind=image")
    assert _total(watched) == both

    # The URL is the whole search: a new page opened on it shows the same results.
    other = watched.page.context.new_page()
    other.goto(shared)
    assert int(other.locator("#hit-total").inner_text()) == both
    expect(other.locator(".facet-value.chosen")).to_have_count(2)
    other.close()

    # A chosen value clicked again is removed.
    page.locator(".facet-value.chosen[data-value='DAPI']").click()
    page.wait_for_url("**/search?kind=image")
    assert _total(watched) == _api(watched, live, "kind:image")["total"]


def test_pages_follow_the_cursor(live: LiveServer, watched: WatchedPage) -> None:
    page = watched.page
    page.goto(f"{live.url}/search?kind=image&limit=4")
    total = _total(watched)
    seen: list[str] = []
    while True:
        seen.extend(h.get_attribute("data-id") or "" for h in page.locator(".hit").all())
        following = page.locator("#next-page")
        if following.count() == 0:
            break
        following.click()
        page.wait_for_load_state()
        assert "cursor" in parse_qs(urlsplit(page.url).query)
        assert _total(watched) == total
    assert len(seen) == len(set(seen)) == total


def test_a_malformed_search_says_where(live: LiveServer, watched: WatchedPage) -> None:
    page = watched.page
    page.goto(f"{live.url}/search?q=date:2024-13")
    expect(page.locator(".problem")).to_contain_text("not a real date")
    page.goto(f"{live.url}/search?from=2024-01&to=2024-12")
    assert _total(watched) == _api(watched, live, "date:2024-01..2024-12")["total"]
