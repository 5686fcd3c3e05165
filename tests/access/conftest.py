"""Access fixtures: a catalog with two projects of three datasets, and its access side."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from imagesteward.catalog import (
    AccessCatalog,
    Catalog,
    access_catalog,
    open_catalog,
    upgrade_catalog,
)
from tests.catalog.factories import bare_image, fileset

#: (project, dataset) pairs the ``access`` fixture catalogues.
DATASETS = (("Mitosis", "hela"), ("Mitosis", "u2os"), ("Yeast", "timelapse"))


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    """A fresh catalog at the current revision holding :data:`DATASETS`, one image each."""
    upgrade_catalog(catalog_url)
    opened = open_catalog(catalog_url)
    try:
        for project, dataset in DATASETS:
            opened.add_fileset(
                fileset(f"{project}/{dataset}.tif", images=[bare_image()], project=project,
                        dataset=dataset)
            )  # fmt: skip
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def access(catalog: Catalog) -> AccessCatalog:
    """The access side of :func:`catalog`."""
    return access_catalog(catalog)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with its smallest cost: production parameters take ~0.5 s per hash here.

    The hash format, salt and verification are unchanged; only the work factor drops.
    """
    from argon2 import PasswordHasher

    from imagesteward.access import _passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(_passwords, "_hasher", lambda: cheap)
    monkeypatch.setattr(_passwords, "_dummy_hash", lambda: cheap.hash("dummy password here"))
