"""Describe fixtures: a catalog on each backend with images, the ontology index, the demo."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from imagesteward.catalog import Catalog, open_catalog, upgrade_catalog
from imagesteward.ontology import OntologyIndex, load_index
from tests.catalog.factories import bare_image, confocal_image, fileset

#: A quarter of the demo's width and height: every kind of image, quickly built.
DEMO_SCALE = 0.25


@pytest.fixture(scope="session")
def index() -> OntologyIndex:
    """The shipped ontology subsets."""
    return load_index()


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    """A fresh catalog (SQLite and PostgreSQL) holding a project 'Mitosis' of three images."""
    upgrade_catalog(catalog_url)
    opened = open_catalog(catalog_url)
    opened.add_fileset(
        fileset(
            "/data/a.czi",
            images=[
                confocal_image(0, name="HeLa mitosis"),
                confocal_image(1, name="HeLa interphase"),
            ],
        )
    )
    opened.add_fileset(fileset("/data/b.tif", images=[bare_image()], dataset="2024-07 fixed"))
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo installation (SQLite); tests that change it work on a copy (``demo_copy``)."""
    from imagesteward.demo import build_demo

    # One ingest worker: parallel OME-XML schema validation has failed here once with a
    # libxml2 internal error (xmlSchemaPValAttrNodeValue) under load; these tests are about
    # describing the data, not about ingest concurrency, which tests/ingest covers.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMAGESTEWARD_INGEST_JOBS", "1")
        result = build_demo(tmp_path_factory.mktemp("describe-demo"), scale=DEMO_SCALE)
    assert result.report.exit_code == 0, result.report.outcomes
    return result.home


@pytest.fixture
def demo_copy(demo_site: Path, tmp_path: Path) -> Path:
    """A private copy of the demo installation."""
    target = tmp_path / "site"
    shutil.copytree(demo_site, target)
    return target
