"""The metadata forms in a real browser: autocomplete, identifier checks, saving, completeness.

An installation of its own (a copy of the demo) with access control on: ada owns the cell
biology project and may edit it; an anonymous visitor sees the forms read-only.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from imagesteward.catalog import ImageAnnotation, access_catalog, open_catalog
from imagesteward.config import load_settings
from imagesteward.server import build_app
from tests.server.live import Demo, LiveServer, serve_in_thread
from tests.web.browser import WatchedPage

PROJECT = "Demo: cell biology"
PASSWORD = "a long and quiet river"
HELA_FIXED = "HeLa_fixed_DAPI_tubulin_TOM20_60x_001"
#: How long a save may take on a loaded 2-core machine (validation, index upkeep, a commit).
SAVE_MS = 30_000


@pytest.fixture(scope="module")
def secured(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A copy of the demo behind uvicorn with access control; ada owns the project."""
    home = tmp_path_factory.mktemp("describe-ui") / "site"
    shutil.copytree(demo.home, home)
    catalog = open_catalog(load_settings(home).catalog_url)
    access = access_catalog(catalog)
    access.add_user("ada", password=PASSWORD)
    access.assign(PROJECT, owner="ada")
    # The demo names every image's method; the image form test picks one, so one is taken back.
    fixed = next(i for i in catalog.list_images(project=PROJECT).items if i.name == HELA_FIXED)
    catalog.annotate_images([ImageAnnotation(fixed.uuid, {"acquisition.imaging_method": None})])
    catalog.dispose()
    running = serve_in_thread(build_app(load_settings(home, access_control=True)))
    yield running
    running.stop()


def _sign_in(page: Page, url: str) -> None:
    answer = page.request.post(
        f"{url}/api/v1/session", data={"username": "ada", "password": PASSWORD}
    )
    assert answer.ok, answer.text()


def _field(input_: Locator) -> Locator:
    """The field wrapper (label, tier, help, error) of an input."""
    return input_.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' field ')][1]")


def _filled(page: Page, tier: int) -> int:
    value = page.locator(f"#completeness .tier[data-tier='{tier}']").get_attribute("data-filled")
    assert value is not None
    return int(value)


def _expected_422(watched: WatchedPage, count: int) -> None:
    """Chromium logs every refused request; the refusals this test provokes are expected."""
    refused = [e for e in watched.errors if "status of 422" in e]
    assert len(refused) == count, watched.errors
    watched.errors[:] = [e for e in watched.errors if "status of 422" not in e]


def test_the_study_form_autocompletes_checks_and_saves(
    secured: LiveServer, watched: WatchedPage
) -> None:
    page = watched.page
    _sign_in(page, secured.url)
    page.goto(f"{secured.url}/projects/{PROJECT}")
    page.locator("#edit-study").click()
    expect(page.locator("h1")).to_have_text(f"Describe {PROJECT}")
    form = page.locator("#metadata-form")
    # Tiers and descriptions come from the schema.
    title = _field(form.locator("[data-slot='title']").first)
    expect(title.locator(".tier-badge")).to_have_text("T1 · required")
    expect(title.locator(".field-help")).not_to_be_empty()
    before = {tier: _filled(page, tier) for tier in (1, 2, 3)}

    form.locator("[data-slot='title']").first.fill("Mitosis in HeLa cells")
    page.locator("button[data-add='biosamples']").click()
    biosample = page.locator("[data-list='biosamples'] [data-item]").last
    biosample.locator("[data-slot='identifier']").fill("hela-mitosis")
    organism = biosample.locator("[data-slot='organism']")
    organism.press_sequentially("homo sap", delay=30)
    option = biosample.locator("[role='option']", has_text="NCBITaxon:9606")
    expect(option).to_be_visible(timeout=30_000)  # the first lookup loads the ontologies
    expect(option).to_contain_text("Homo sapiens")
    option.click()
    expect(organism).to_have_value("Homo sapiens")
    expect(biosample.locator(".term-id").first).to_have_text("NCBITaxon:9606")

    # A made-up term is refused: only a term picked from the ontology stands.
    cell_type = biosample.locator("[data-slot='cell_type']")
    cell_type.fill("glowing blob cell")
    cell_type.blur()
    expect(_field(cell_type).locator(".field-error")).to_contain_text("is not a term")
    page.locator("#save").click()
    expect(page.locator("#form-status")).to_contain_text("Not saved", timeout=SAVE_MS)
    cell_type.fill("")

    # An ORCID iD with a wrong check digit is caught before it is sent.
    page.locator("button[data-add='authors']").click()
    author = page.locator("[data-list='authors'] [data-item]").last
    author.locator(":scope > .fields > .field [data-slot='name']").fill("Ada Lovelace")
    orcid = author.locator("[data-slot='orcid']")
    orcid.fill("0000-0002-1825-0096")
    orcid.blur()
    expect(_field(orcid).locator(".field-error")).to_contain_text("wrong check digit: expected 7")
    orcid.fill("0000-0002-1825-0097")
    orcid.blur()
    expect(_field(orcid).locator(".field-error")).to_be_hidden()
    watched.screenshot("study-form-filled")

    page.locator("#save").click()
    expect(page.locator("#form-status")).to_have_text("Saved.", timeout=SAVE_MS)
    after = {tier: _filled(page, tier) for tier in (1, 2, 3)}
    assert after[1] > before[1], (before, after)
    assert "biosamples" not in {
        m.get_attribute("data-path") for m in page.locator("#completeness .missing-field").all()
    }
    # The server stored the term and the canonical ORCID.
    study = page.request.get(f"{secured.url}/api/v1/projects/{PROJECT}/study").json()
    added = study["document"]["biosamples"][-1]
    assert added["identifier"] == "hela-mitosis"
    assert added["organism"]["term_id"] == "NCBITaxon:9606"
    ada = study["document"]["authors"][-1]
    assert (ada["name"], ada["orcid"]) == ("Ada Lovelace", "https://orcid.org/0000-0002-1825-0097")
    page.reload()
    expect(
        page.locator("[data-list='biosamples'] [data-item]").last.locator("[data-slot='organism']")
    ).to_have_value("Homo sapiens")
    watched.screenshot("study-form-saved")


def test_a_template_is_applied_from_the_form(secured: LiveServer, watched: WatchedPage) -> None:
    page = watched.page
    _sign_in(page, secured.url)
    page.goto(f"{secured.url}/projects/{PROJECT}/describe")
    title = page.locator("#metadata-form [data-slot='title']").first
    if not title.input_value():  # the schema requires a title; the template has none
        title.fill("Live imaging of mitosis")
    page.select_option("#template-choice", "live-confocal-timelapse")
    page.locator("#apply-template").click()
    # Saved with the template's facts under the form's, then shown again with what it asks.
    expect(page.locator("#form-status")).to_contain_text("Saved", timeout=SAVE_MS)
    method = page.locator("[data-list='study_components'] [data-slot='imaging_method']").first
    expect(method).not_to_have_value("")
    study = page.request.get(f"{secured.url}/api/v1/projects/{PROJECT}/study").json()
    components = study["document"]["study_components"]
    assert components[0]["imaging_method"]["term_id"].startswith("FBbi:")
    assert method.input_value() == components[0]["imaging_method"]["label"]
    watched.screenshot("study-form-template")


def test_the_image_form_shows_server_refusals_next_to_fields(
    secured: LiveServer, watched: WatchedPage, demo: Demo
) -> None:
    page = watched.page
    _sign_in(page, secured.url)
    image = demo.image(HELA_FIXED)
    page.goto(f"{secured.url}/images/{image.uuid}")
    expect(page.locator("#image-completeness")).to_be_visible()
    page.locator("#edit-image").click()
    before = _filled(page, 1)

    method = page.locator(
        "[data-object='acquisition'] > .fields > .field [data-slot='imaging_method']"
    )
    method.press_sequentially("spinning", delay=30)
    option = page.locator("[role='option']", has_text="FBbi:00000253")
    expect(option).to_be_visible(timeout=30_000)  # the first lookup loads the ontologies
    option.click()
    # A name the reader captured from the file may not be overwritten: the server says so,
    # next to the field, and nothing is saved.
    name = page.locator("[data-list='channels'] [data-item]").first.locator("[data-slot='name']")
    original = name.input_value()
    name.fill("renamed")
    page.locator("#save").click()
    error = _field(name).locator(".field-error")
    expect(error).to_contain_text("captured from the original file", timeout=SAVE_MS)
    _expected_422(watched, 1)
    assert _filled(page, 1) == before

    name.fill(original)
    page.locator("#save").click()
    expect(page.locator("#form-status")).to_have_text("Saved.", timeout=SAVE_MS)
    assert _filled(page, 1) > before
    expect(
        page.locator("#completeness .missing-field[data-path='acquisition.imaging_method']")
    ).to_have_count(0)
    watched.screenshot("image-form-saved")


def test_without_rights_the_forms_are_read_only(secured: LiveServer, watched: WatchedPage) -> None:
    page = watched.page
    page.goto(f"{secured.url}/projects/{PROJECT}")
    if page.locator("h1").inner_text().lower().startswith(("not found", "sign in")):
        # A private project: an anonymous visitor does not even learn it exists.
        watched.errors[:] = [e for e in watched.errors if "status of 404" not in e]
        return
    expect(page.locator("#edit-study")).to_have_count(0)
    page.goto(f"{secured.url}/projects/{PROJECT}/describe")
    expect(page.locator("#save")).to_have_count(0)
    expect(page.locator("#metadata-form [data-slot='title']").first).to_be_disabled()
    expect(page.locator("#metadata-form .notice")).to_contain_text("sign in")


def test_a_channel_fluorophore_takes_chebi_or_fpbase_terms_only(
    secured: LiveServer, watched: WatchedPage, demo: Demo
) -> None:
    page = watched.page
    _sign_in(page, secured.url)
    image = demo.image("HeLa_H2B-mCherry")
    page.goto(f"{secured.url}/images/{image.uuid}/describe")
    channels = page.locator("[data-list='channels'] [data-item]")
    first, second = (channels.nth(i).locator("[data-slot='fluorophore']") for i in (0, 1))
    # The demo's terms are shown by label, with their identifiers.
    expect(first).to_have_value("mCherry")
    expect(_field(first).locator(".term-id")).to_have_text("FPbase:mcherry")
    expect(second).to_have_attribute("data-ontology", "CHEBI|FPbase")

    # A name that is no term of either vocabulary is refused before anything is sent.
    second.fill("Glowzilla 500")
    second.blur()
    expect(_field(second).locator(".field-error")).to_contain_text("is not a term")
    page.locator("#save").click()
    expect(page.locator("#form-status")).to_contain_text("Not saved", timeout=SAVE_MS)

    # Typing part of a name offers the terms of both vocabularies; picking one fixes it.
    second.fill("")
    second.press_sequentially("mNeon", delay=30)
    option = page.locator("[role='option']", has_text="FPbase:mneongreen")
    expect(option).to_be_visible(timeout=30_000)  # the first lookup loads the ontologies
    option.click()
    expect(second).to_have_value("mNeonGreen")
    expect(_field(second).locator(".field-error")).to_be_hidden()
    page.locator("#save").click()
    expect(page.locator("#form-status")).to_have_text("Saved.", timeout=SAVE_MS)
    stored = page.request.get(f"{secured.url}/api/v1/images/{image.uuid}/metadata").json()
    channel = stored["channels"][1]
    assert channel["fluorophore"] == {"term_id": "FPbase:mneongreen", "label": "mNeonGreen"}
    watched.screenshot("image-form-fluorophore")
