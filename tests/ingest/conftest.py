"""Fixtures for ingest tests: a fresh installation on each database backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from imagesteward.installation import Installation, init_installation, open_installation


@pytest.fixture
def installation(tmp_path: Path, catalog_url: str) -> Iterator[Installation]:
    """An initialised installation whose catalog is SQLite or PostgreSQL (parametrized)."""
    home = tmp_path / "site"
    init_installation(home, database_url=catalog_url)
    with open_installation(home) as opened:
        yield opened


@pytest.fixture
def sqlite_installation(tmp_path: Path) -> Iterator[Installation]:
    """An initialised installation on the embedded default (SQLite + local store)."""
    home = tmp_path / "site"
    init_installation(home)
    with open_installation(home) as opened:
        yield opened
