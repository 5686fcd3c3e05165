"""Search fixtures: a catalog on each backend, and the shipped ontology subsets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from imagesteward.catalog import Catalog, open_catalog, upgrade_catalog
from imagesteward.ontology import OntologyIndex, load_index


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    """A fresh catalog at the current schema revision."""
    upgrade_catalog(catalog_url)
    opened = open_catalog(catalog_url)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture(scope="session")
def ontology() -> OntologyIndex:
    """The ontology subsets shipped with imagesteward."""
    return load_index()
