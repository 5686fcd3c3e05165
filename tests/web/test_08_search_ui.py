"""The search page in a real browser: facets with counts, URL state, back and forward, pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.server.live import LiveServer
from tests.web.browser import WatchedPage

DAPI = "CHEBI:51231"
DAPI_URL = "CHEBI%3A51231"


def _api(watched: WatchedPage, live: LiveServer, q: str, limit: int = 1) -> dict:  # type: ignore[type-arg]
    answer = watched.page.request.get(f"{live.url}/api/v1/search", params={"q": q, "limit": limit})
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

    # The demo gives DAPI its ChEBI identifier: the facet value is the term, shown by its label.
    dapi_value = page.locator(f".facet[data-facet='fluorophore'] .facet-value[data-value='{DAPI}']")
    expect(dapi_value.locator(".facet-label")).to_have_text("DAPI")
    dapi_value.click()
    page.wait_for_url(f"**/search?fluorophore={DAPI_URL}")
    dapi = _api(watched, live, f'fluorophore:"{DAPI}"')
    assert (
        _total(watched)
        == dapi["total"]
        == everything["facets"]["fluorophore"][
            [v["value"] for v in everything["facets"]["fluorophore"]].index(DAPI)
        ]["count"]
    )
    assert _counts(watched, "kind") == {v["value"]: v["count"] for v in dapi["facets"]["kind"]}

    page.locator(".facet[data-facet='kind'] .facet-value[data-value='image']").click()
    page.wait_for_url(f"**/search?fluorophore={DAPI_URL}&kind=image")
    both = _api(watched, live, f'fluorophore:"{DAPI}" kind:"image"')["total"]
    assert _total(watched) == both
    assert page.locator(".hit").count() == both
    assert {h.get_attribute("data-kind") for h in page.locator(".hit").all()} == {"image"}
    watched.screenshot("search-two-facets")
    shared = page.url

    page.go_back()
    page.wait_for_url(f"**/search?fluorophore={DAPI_URL}")
    assert _total(watched) == dapi["total"]
    page.go_forward()
    page.wait_for_url(f"**/search?fluorophore={DAPI_URL}&kind=image")
    assert _total(watched) == both

    # The URL is the whole search: a new page opened on it shows the same results.
    other = watched.page.context.new_page()
    other.goto(shared)
    assert int(other.locator("#hit-total").inner_text()) == both
    expect(other.locator(".facet-value.chosen")).to_have_count(2)
    other.close()

    # A chosen value clicked again is removed.
    page.locator(f".facet-value.chosen[data-value='{DAPI}']").click()
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


def _chosen(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_organism_and_method_facets_narrow_and_survive_reload_and_history(
    live: LiveServer, watched: WatchedPage
) -> None:
    human, spinning = "NCBITaxon:9606", "FBbi:00000253"
    page = watched.page
    page.goto(f"{live.url}/search")
    everything = _api(watched, live, "")
    # The demo is described: organism and method facets are filled, with the API's counts.
    for facet in ("organism", "method"):
        expected = {v["value"]: v["count"] for v in everything["facets"][facet]}
        assert expected and _counts(watched, facet) == expected, facet
    organism = page.locator(f".facet[data-facet='organism'] .facet-value[data-value='{human}']")
    expect(organism.locator(".facet-label")).to_have_text("Homo sapiens")

    organism.click()
    page.wait_for_url("**/search?organism=NCBITaxon%3A9606")
    people = _api(watched, live, f'organism:"{human}"')
    assert 0 < _total(watched) == people["total"] < everything["total"]
    assert _counts(watched, "method") == {
        v["value"]: v["count"] for v in people["facets"]["method"]
    }

    page.locator(f".facet[data-facet='method'] .facet-value[data-value='{spinning}']").click()
    page.wait_for_url("**/search?organism=NCBITaxon%3A9606&method=FBbi%3A00000253")
    both = _api(watched, live, f'organism:"{human}" method:"{spinning}"')
    assert 0 < _total(watched) == both["total"] < people["total"]
    assert page.locator(".hit").count() == both["total"]
    assert _chosen(page.url) == {"organism": [human], "method": [spinning]}
    expect(page.locator(".facet-value.chosen")).to_have_count(2)
    watched.screenshot("search-organism-method")

    # A reload keeps the search (it is all in the URL); back and forward walk its steps.
    page.reload()
    assert _total(watched) == both["total"]
    expect(page.locator(".facet-value.chosen")).to_have_count(2)
    page.go_back()
    page.wait_for_url("**/search?organism=NCBITaxon%3A9606")
    assert _total(watched) == people["total"]
    expect(page.locator(".facet-value.chosen")).to_have_count(1)
    page.go_back()
    page.wait_for_url("**/search")
    assert _total(watched) == everything["total"]
    page.go_forward()
    page.go_forward()
    page.wait_for_url("**/search?organism=NCBITaxon%3A9606&method=FBbi%3A00000253")
    assert _total(watched) == both["total"]


def test_a_broad_method_finds_the_images_of_narrower_ones(
    live: LiveServer, watched: WatchedPage
) -> None:
    page = watched.page
    page.goto(f"{live.url}/search")
    page.locator(".site-search input[name='q']").fill('method:"fluorescence microscopy" kind:image')
    page.locator(".site-search button").click()
    page.wait_for_url("**/search?q=*")
    shown = {h.get_attribute("data-id") for h in page.locator(".hit").all()}
    assert len(shown) == _total(watched)

    def ids(query: str) -> set[str | None]:
        return {str(hit["id"]) for hit in _api(watched, live, query, limit=100)["hits"]}

    # No confocal image of the demo is annotated "fluorescence microscopy": they are found
    # through the FBbi hierarchy (confocal microscopy is_a fluorescence microscopy).
    confocal = ids('method:"confocal microscopy" kind:image')
    assert confocal and confocal < shown
    assert shown == ids('method:"fluorescence microscopy" kind:image')
    # Bright-field and electron microscopy are not below it.
    assert ids('method:"bright-field microscopy" kind:image').isdisjoint(shown)
    assert ids('method:"electron microscopy" kind:image').isdisjoint(shown)
