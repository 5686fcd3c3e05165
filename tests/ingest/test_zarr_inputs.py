"""Originals that are already OME-Zarr are registered, not converted; broken ones are converted.

Runs on SQLite and PostgreSQL. A registered rendition must point at the stored copy, leave the
rendition root untouched, and give back the source's pixels; ``steward convert --rewrite``
writes a new, valid conversion on request.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
import zarr
from typer.testing import CliRunner

from imagesteward.cli import app
from imagesteward.convert import validate_ome_zarr
from imagesteward.ingest import IngestOptions, Status, ingest_paths
from imagesteward.installation import Installation
from tests.conftest import corpus_items

ITEMS = corpus_items("ome-zarr")


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _level0(url: str, series_path: str) -> np.ndarray:
    group = zarr.open_group(url, mode="r")
    image: Any = group[series_path] if series_path else group
    attrs: dict[str, Any] = dict(image.attrs)
    ngff = attrs.get("ome", attrs)
    return np.asarray(image[ngff["multiscales"][0]["datasets"][0]["path"]][...])


@pytest.mark.parametrize("item", ITEMS, ids=[item.relpath for item in ITEMS])
def test_valid_ome_zarr_is_registered_without_conversion(
    installation: Installation, item: Any, tmp_path: Path
) -> None:
    source = item.path
    upload = tmp_path / "upload" / source.name
    shutil.copytree(source, upload)
    root = Path(installation.settings.rendition_url)
    before = _files(root)

    report = ingest_paths([upload], installation, IngestOptions(convert=True))

    (outcome,) = report.outcomes
    assert outcome.status is Status.ADDED and not outcome.rendition_failed, outcome.rendition
    assert "registered as it is" in outcome.rendition
    assert _files(root) == before, "a conversion was written under the rendition root"
    stored = installation.store.content_path(
        installation.catalog.image_files(outcome.image_ids[0])[0].sha256
    )
    for image_id in outcome.image_ids:
        (rendition,) = installation.catalog.renditions(image_id)
        assert rendition.url == str(stored)
        assert rendition.ngff_version in ("0.4", "0.5") and rendition.levels
        pixels = _level0(rendition.url, rendition.series_path)
        assert np.array_equal(pixels, _level0(str(source), rendition.series_path))
        assert tuple(pixels.shape) == tuple(rendition.levels[0])


def _broken_copy(tmp_path: Path) -> Path:
    """The 0.5 corpus image with a spatial axis unit NGFF does not know."""
    (item,) = [i for i in ITEMS if i.relpath.endswith("cyx_uint8.ome.zarr")]
    broken = tmp_path / "upload" / "broken.ome.zarr"
    shutil.copytree(item.path, broken)
    document = broken / "zarr.json"
    meta = json.loads(document.read_text())
    axes = meta["attributes"]["ome"]["multiscales"][0]["axes"]
    axes[-1]["unit"] = "furlong"
    document.write_text(json.dumps(meta))
    assert validate_ome_zarr(broken), "the broken copy must not validate"
    return broken


def test_invalid_ome_zarr_is_converted_and_the_report_says_why(
    installation: Installation, tmp_path: Path
) -> None:
    broken = _broken_copy(tmp_path)
    root = Path(installation.settings.rendition_url)

    report = ingest_paths([broken], installation, IngestOptions(convert=True))

    (outcome,) = report.outcomes
    assert not outcome.rendition_failed, outcome.rendition
    assert "not valid, so it was converted" in outcome.rendition
    assert "furlong" in outcome.rendition
    (rendition,) = installation.catalog.renditions(outcome.image_ids[0])
    assert Path(rendition.url).is_relative_to(root) and _files(root)
    assert validate_ome_zarr(rendition.url) == []
    assert np.array_equal(_level0(rendition.url, rendition.series_path), _level0(str(broken), ""))


def test_rewrite_converts_a_registered_ome_zarr_anew(
    installation: Installation, tmp_path: Path
) -> None:
    (item,) = [i for i in ITEMS if i.relpath.endswith("cyx_uint8.ome.zarr")]
    upload = tmp_path / "upload" / item.path.name
    shutil.copytree(item.path, upload)
    (outcome,) = ingest_paths([upload], installation, IngestOptions(convert=True)).outcomes
    image_id = outcome.image_ids[0]
    (registered,) = installation.catalog.renditions(image_id)
    root = Path(installation.settings.rendition_url)
    home = str(installation.settings.home)
    runner = CliRunner()

    again = runner.invoke(app, ["--home", home, "convert", str(image_id), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)[0]["status"] == "registered" and not _files(root)

    result = runner.invoke(app, ["--home", home, "convert", str(image_id), "--rewrite", "--json"])
    assert result.exit_code == 0, result.output
    (converted,) = json.loads(result.output)
    assert converted["status"] == "converted", converted
    newest = installation.catalog.renditions(image_id)[0]
    assert newest.url == converted["url"] != registered.url
    assert Path(newest.url).is_relative_to(root)
    assert validate_ome_zarr(newest.url) == []
    assert np.array_equal(
        _level0(newest.url, newest.series_path), _level0(registered.url, registered.series_path)
    )

    # A plain convert afterwards keeps the conversion asked for instead of registering again.
    later = runner.invoke(app, ["--home", home, "convert", str(image_id), "--json"])
    assert later.exit_code == 0, later.output
    assert json.loads(later.output)[0]["status"] == "already-complete"
    assert installation.catalog.renditions(image_id)[0].url == newest.url


@pytest.mark.parametrize(
    ("ngff", "plate"), [("0.5", True), ("0.4", False)], ids=["plate-0.5", "collection-0.4"]
)
def test_plates_and_collections_are_registered(
    installation: Installation, tmp_path: Path, ngff: Literal["0.4", "0.5"], plate: bool
) -> None:
    """Six fields of a multi-series OME-TIFF written as an HCS plate or a 0.4 collection."""
    from imagesteward.convert import ConvertOptions, PlateLayout, SourceSpec, WellField, to_ome_zarr
    from imagesteward.formats import ReadContext, default_registry

    (item,) = [i for i in corpus_items() if i.relpath.endswith("multiseries.ome.tiff")]
    written = tmp_path / "upload" / "fields.ome.zarr"
    layout = PlateLayout(
        tuple(
            WellField(series=i, row="AB"[i // 3], column=str(i % 3 + 1), field=0) for i in range(6)
        ),
        name="plate",
    )
    source, report = default_registry().open(
        item.path, ReadContext(allowed_roots=(item.path.parent,))
    )
    with source:
        assert report.chosen is not None
        to_ome_zarr(
            source,
            written,
            ConvertOptions(ngff_version=ngff),
            source_spec=SourceSpec(str(item.path), report.chosen.name),
            plate=layout if plate else None,
        )
    root = Path(installation.settings.rendition_url)

    (outcome,) = ingest_paths([written], installation, IngestOptions(convert=True)).outcomes

    assert "registered as it is" in outcome.rendition, outcome.rendition
    assert len(outcome.image_ids) == 6 and not _files(root)
    groups = set()
    for image_id in outcome.image_ids:
        (rendition,) = installation.catalog.renditions(image_id)
        assert rendition.ngff_version == ngff and rendition.layout == (
            "plate" if plate else "bioformats2raw"
        )
        groups.add(rendition.series_path)
        assert np.array_equal(
            _level0(rendition.url, rendition.series_path),
            _level0(str(written), rendition.series_path),
        )
    assert len(groups) == 6


@pytest.mark.parametrize("item", ITEMS, ids=[item.relpath for item in ITEMS])
def test_server_serves_and_renders_a_registered_rendition(
    installation: Installation, tmp_path: Path, item: Any
) -> None:
    """``/zarr/{uuid}`` maps onto the stored original's image group; thumbnails render."""
    from fastapi.testclient import TestClient

    from imagesteward.access import Visibility
    from imagesteward.catalog import access_catalog
    from imagesteward.server import build_app

    upload = tmp_path / "upload" / item.path.name
    shutil.copytree(item.path, upload)
    (outcome,) = ingest_paths([upload], installation, IngestOptions(convert=True)).outcomes
    record = installation.catalog.get_image(outcome.image_ids[0])
    (rendition,) = installation.catalog.renditions(record.id)
    group = item.path / rendition.series_path
    document = "zarr.json" if rendition.zarr_format == 3 else ".zattrs"
    # Published, so that anyone may stream it (a new installation's data are private).
    access = access_catalog(installation.catalog)
    for dataset in (None, record.dataset):
        access.set_visibility(record.project, dataset, visibility=Visibility.PUBLIC)
    with TestClient(build_app(installation.settings)) as api:
        response = api.get(f"/zarr/{record.uuid}/{document}")
        assert response.status_code == 200, response.text
        assert response.content == (group / document).read_bytes()
        chunk = next(
            p
            for p in sorted((group / "0").rglob("*"))
            if p.is_file() and not p.name.startswith(".") and p.name != "zarr.json"
        )
        got = api.get(f"/zarr/{record.uuid}/{chunk.relative_to(group).as_posix()}")
        assert got.status_code == 200 and got.content == chunk.read_bytes()
        thumbnail = api.get(f"/api/v1/images/{record.uuid}/thumbnail.png")
        assert thumbnail.status_code == 200, thumbnail.text
        assert thumbnail.content.startswith(b"\x89PNG")


def test_an_ome_zarr_kept_in_place_is_converted(installation: Installation, tmp_path: Path) -> None:
    """A rendition must be immutable; an in-place original is not, so it gets a conversion."""
    (item,) = [i for i in ITEMS if i.relpath.endswith("cyx_uint8.ome.zarr")]
    upload = tmp_path / "upload" / item.path.name
    shutil.copytree(item.path, upload)
    options = IngestOptions(convert=True, in_place=True)

    (outcome,) = ingest_paths([upload], installation, options).outcomes

    assert not outcome.rendition_failed and "kept in place" in outcome.rendition
    (rendition,) = installation.catalog.renditions(outcome.image_ids[0])
    assert Path(rendition.url).is_relative_to(Path(installation.settings.rendition_url))
    assert np.array_equal(_level0(rendition.url, rendition.series_path), _level0(str(upload), ""))
