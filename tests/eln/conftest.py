"""Fixtures for the ELN tests: installations on both databases and the ontology index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from imagesteward.installation import Installation, init_installation, open_installation
from imagesteward.ontology import OntologyIndex, load_index


@pytest.fixture(scope="session")
def ontology() -> OntologyIndex:
    """The shipped ontology subsets (loading them takes seconds: once per session)."""
    return load_index(None)


@pytest.fixture
def installation(tmp_path: Path, catalog_url: str) -> Iterator[Installation]:
    """An initialised installation whose catalog is SQLite or PostgreSQL (parametrized)."""
    home = tmp_path / "site"
    init_installation(home, database_url=catalog_url)
    with open_installation(home) as opened:
        yield opened
