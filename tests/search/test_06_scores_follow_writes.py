"""Every write that changes a completeness score changes the index's ``completeness:`` at once.

One image starts a field or three short of tier 1 (its biosample, specimen and imaging method),
the study short of tier 1 too. Each way of writing - the API the web forms use, the CLI, the
spreadsheet (TSV and XLSX), a template, an ``.eln`` archive (CLI and API) - must leave the
search entries scored as :func:`imagesteward.describe.search_tier` scores them now.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from imagesteward import model
from imagesteward.access import FacilityRole, Scope
from imagesteward.catalog import Catalog, access_catalog
from imagesteward.cli import app
from imagesteward.config import load_settings
from imagesteward.describe import (
    describe_study,
    image_completeness,
    score_for_search,
    search_tier,
    study_completeness,
)
from imagesteward.installation import init_installation, open_installation
from imagesteward.ontology import OntologyIndex
from imagesteward.search import search
from imagesteward.server import build_app
from tests.catalog.factories import fileset, widefield_image
from tests.eln.crates import rich_crate, tiny_tiff, write_eln

PROJECT = "Mitosis"
STUDY: dict[str, Any] = {
    "title": "Yeast budding",
    "biosamples": [
        {
            "identifier": "yeast",
            "organism": "Saccharomyces cerevisiae",
            "biological_entity": "budding yeast, strain W303",
        }
    ],
    "specimens": [{"identifier": "live", "sample_preparation_protocol": "none, live cells"}],
}
#: What the study lacks for tier 1 besides :data:`STUDY`.
FILLED: dict[str, Any] = {
    "license": "https://creativecommons.org/licenses/by/4.0/",
    "authors": [{"name": "Dana Example", "orcid": "0000-0002-1825-0097"}],
    "study_components": [{"name": "all", "imaging_method": "FBbi:00000246"}],
}
#: What the image lacks for tier 1, as a person would fill it.
MISSING = {
    "biosample_ref": "yeast",
    "specimen_ref": "live",
    "acquisition.imaging_method": "FBbi:00000246",
}
runner = CliRunner()


def _almost_tier_one() -> model.Image:
    """The factory's widefield image with every tier-1 field filled but :data:`MISSING`."""
    image = widefield_image(name="yeast nearly described")
    acquisition = image.acquisition
    assert acquisition is not None and acquisition.objective is not None
    objective = acquisition.objective.model_copy(
        update={"immersion": "Oil", "lens_na": 1.45, "manufacturer": "Nikon"}
    )
    assert image.channels is not None
    channel = image.channels[0].model_copy(update={"exposure_time": 0.05, "samples_per_pixel": 1})
    return image.model_copy(
        update={
            "samples_per_pixel": 1,
            "channels": [channel],
            "acquisition": acquisition.model_copy(update={"objective": objective}),
        }
    )


@pytest.fixture
def home(tmp_path: Path, catalog_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installation (both backends) with the project's study and the nearly tier-1 image."""
    monkeypatch.setenv("IMAGESTEWARD_CONVERT_ON_INGEST", "false")
    site = tmp_path / "site"
    init_installation(site, database_url=catalog_url)
    with open_installation(site) as installation:
        catalog = installation.catalog
        catalog.add_fileset(fileset("yeast/1.nd2", images=[_almost_tier_one()]))
        catalog.save_study(PROJECT, model.Study.model_validate({"title": "Yeast budding"}))
        score_for_search(catalog, image_ids=[i.id for i in catalog.list_images().items])
    return site


def _tiers(catalog: Catalog, kind: str) -> dict[str, int | None]:
    """Title -> completeness of the entries of ``kind``, as search answers it."""
    return {hit.title: hit.completeness for hit in search(catalog, f"kind:{kind}", limit=50).hits}


def _assert_scored_as_now(catalog: Catalog) -> None:
    """Every image and the study are in the index with the tier they have now."""
    images = catalog.list_images(limit=50).items
    expected = {i.name: search_tier(image_completeness(i.document, i.uuid)) for i in images}
    assert _tiers(catalog, "image") == expected
    study = catalog.get_study(PROJECT)
    assert study is not None
    tier = search_tier(study_completeness(study.document, PROJECT))
    assert _tiers(catalog, "study") == {study.document.title: tier}
    facet = search(catalog, "kind:image", limit=50).facets["completeness"]
    counted: dict[str, int] = {}
    for value in expected.values():
        counted[str(value)] = counted.get(str(value), 0) + 1
    assert {v.value: v.count for v in facet} == counted


def _image_tier(home: Path) -> int | None:
    with open_installation(home) as installation:
        (tier,) = _tiers(installation.catalog, "image").values()
        _assert_scored_as_now(installation.catalog)
    return tier


def _describe_study(home: Path, index: OntologyIndex) -> None:
    with open_installation(home) as installation:
        describe_study(installation.catalog, index, PROJECT, STUDY, merge=True)


@pytest.fixture
def admin(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The server with access control, and a facility administrator's token."""
    monkeypatch.setenv("IMAGESTEWARD_ACCESS_CONTROL", "true")
    with open_installation(home) as installation:
        access = access_catalog(installation.catalog)
        access.add_user("admin", role=FacilityRole.ADMIN)
        _, secret = access.create_token("admin", Scope.ADMIN)
    with TestClient(build_app(load_settings(home))) as client:
        yield client, {"Authorization": f"Bearer {secret}"}


def test_api_study_template_and_annotations(
    home: Path, admin: tuple[TestClient, dict[str, str]]
) -> None:
    client, headers = admin
    with open_installation(home) as installation:
        assert _tiers(installation.catalog, "study") == {"Yeast budding": 0}
    study = f"/api/v1/projects/{PROJECT}/study"
    filled = {**STUDY, **FILLED}
    saved = client.put(study, json=filled, headers=headers)
    assert saved.status_code == 200, saved.text
    with open_installation(home) as installation:
        assert _tiers(installation.catalog, "study") == {"Yeast budding": 1}
        assert search(installation.catalog, "kind:study completeness:>=1").total == 1
    # A template brings fields of its own: the study is scored on the merged document.
    templated = client.put(
        study, params={"template": "live-confocal-timelapse"}, json=filled, headers=headers
    )
    assert templated.status_code == 200, templated.text
    assert _image_tier(home) == 0

    (image,) = client.get("/api/v1/images", params={"project": PROJECT}, headers=headers).json()[
        "items"
    ]
    patched = client.patch(
        f"/api/v1/images/{image['uuid']}/annotations", json={"values": MISSING}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    assert _image_tier(home) == 1
    found = client.get(
        "/api/v1/search", params={"q": "kind:image completeness:>=1"}, headers=headers
    ).json()
    assert [hit["title"] for hit in found["hits"]] == ["yeast nearly described"]
    dataset = client.get("/api/v1/search", params={"q": "kind:dataset"}, headers=headers).json()
    assert [hit["completeness"] for hit in dataset["hits"]] == [1]


def test_cli_study_and_ingest(home: Path, tmp_path: Path) -> None:
    document = tmp_path / "study.yaml"
    document.write_text(yaml.safe_dump({**STUDY, **FILLED}), encoding="utf-8")
    result = runner.invoke(app, ["--home", str(home), "describe", "study", PROJECT, str(document)])
    assert result.exit_code == 0, result.output
    with open_installation(home) as installation:
        assert _tiers(installation.catalog, "study") == {"Yeast budding": 1}
    image = tmp_path / "cells.tif"
    image.write_bytes(tiny_tiff())
    result = runner.invoke(
        app, ["--home", str(home), "ingest", str(image), "--project", PROJECT, "--dataset", "new"]
    )
    assert result.exit_code == 0, result.output
    with open_installation(home) as installation:
        tiers = _tiers(installation.catalog, "image")
        _assert_scored_as_now(installation.catalog)
    assert len(tiers) == 2 and None not in tiers.values()


def test_cli_annotate(home: Path, ontology: OntologyIndex) -> None:
    _describe_study(home, ontology)
    assert _image_tier(home) == 0
    with open_installation(home) as installation:
        (image,) = installation.catalog.list_images().items
    settings = [part for path, value in MISSING.items() for part in ("--set", f"{path}={value}")]
    result = runner.invoke(
        app, ["--home", str(home), "describe", "annotate", image.uuid, *settings]
    )
    assert result.exit_code == 0, result.output
    assert _image_tier(home) == 1


@pytest.mark.parametrize("suffix", [".tsv", ".xlsx"])
def test_cli_spreadsheet_import(
    home: Path, ontology: OntologyIndex, tmp_path: Path, suffix: str
) -> None:
    from openpyxl import Workbook, load_workbook

    _describe_study(home, ontology)
    sheet = tmp_path / f"images{suffix}"
    base = ["--home", str(home), "describe"]
    assert runner.invoke(app, [*base, "export", PROJECT, str(sheet)]).exit_code == 0
    if suffix == ".tsv":
        with sheet.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream, delimiter="\t"))
    else:
        rows = [
            [str(c or "") for c in r]
            for r in load_workbook(sheet).active.iter_rows(values_only=True)
        ]
    for column, value in MISSING.items():
        rows[1][rows[0].index(column)] = value
    if suffix == ".tsv":
        with sheet.open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream, delimiter="\t", lineterminator="\n").writerows(rows)
    else:
        book = Workbook()
        for row in rows:
            book.active.append(row)
        book.save(sheet)
    assert _image_tier(home) == 0
    result = runner.invoke(app, [*base, "import", str(sheet)])
    assert result.exit_code == 0, result.output
    assert _image_tier(home) == 1


def _eln_entries(home: Path) -> dict[str, int | None]:
    with open_installation(home) as installation:
        _assert_scored_as_now(installation.catalog)
        return _tiers(installation.catalog, "image")


def test_cli_eln_import(home: Path, tmp_path: Path) -> None:
    archive = write_eln(tmp_path / "rich.eln", rich_crate())
    result = runner.invoke(
        app, ["--home", str(home), "eln", "import", str(archive), "--project", PROJECT]
    )
    assert result.exit_code == 0, result.output
    tiers = _eln_entries(home)
    assert len(tiers) == 2 and None not in tiers.values()


def test_api_eln_import(
    admin: tuple[TestClient, dict[str, str]], home: Path, tmp_path: Path
) -> None:
    client, headers = admin
    archive = write_eln(tmp_path / "rich.eln", rich_crate())
    with archive.open("rb") as stream:
        response = client.post(
            f"/api/v1/projects/{PROJECT}/eln",
            files={"archive": ("rich.eln", stream, "application/vnd.eln+zip")},
            headers=headers,
        )
    assert response.status_code == 200, response.text
    tiers = _eln_entries(home)
    assert len(tiers) == 2 and None not in tiers.values()
