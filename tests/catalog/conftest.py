"""Catalog fixtures: an upgraded, opened catalog on each database backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from imagesteward.catalog import Catalog, open_catalog, upgrade_catalog


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    """A fresh catalog at the current schema revision."""
    upgrade_catalog(catalog_url)
    opened = open_catalog(catalog_url)
    try:
        yield opened
    finally:
        opened.dispose()
