"""Fixtures for the store tests: fresh stores, source files, the corpus and its manifest.

The corpus defaults to ``../shared/testdata`` beside the checkout (``IMAGESTEWARD_TESTDATA``
overrides it); a missing corpus fails the tests that need it instead of skipping them.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from imagesteward.store import ObjectStore

REPO = Path(__file__).resolve().parents[2]
ZARR = "ome-zarr/cyx_uint8.ome.zarr"


def corpus_root() -> Path:
    root = Path(os.environ.get("IMAGESTEWARD_TESTDATA", REPO.parent / "shared" / "testdata"))
    if not (root / "MANIFEST.json").is_file():
        pytest.fail(
            f"The test corpus is missing: {root}/MANIFEST.json not found. Set "
            "IMAGESTEWARD_TESTDATA to the shared testdata folder."
        )
    return root


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus root."""
    return corpus_root()


@pytest.fixture(scope="session")
def manifest(corpus: Path) -> dict[str, dict[str, Any]]:
    """MANIFEST.json items by relative path."""
    data = json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))
    return {item["path"]: item for item in data["items"]}


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    """An initialised, empty store."""
    created = ObjectStore(tmp_path / "store")
    created.initialise()
    return created


@pytest.fixture
def make_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a source file with deterministic pseudo-random content."""
    sources = tmp_path / "sources"
    sources.mkdir()

    def make(name: str, size: int, seed: int = 0) -> Path:
        path = sources / name
        path.write_bytes(random_bytes(size, seed))
        return path

    return make


def random_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def no_references(digests: set[str]) -> set[str]:
    """A catalog that references nothing."""
    return set()
