"""Batched cataloguing: one transaction for many filesets, all or nothing."""

from __future__ import annotations

from dataclasses import replace

from imagesteward.catalog import open_catalog, upgrade_catalog
from imagesteward.errors import ConflictError
from tests.catalog.factories import fileset


def test_a_batch_commits_every_fileset(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    catalog = open_catalog(catalog_url)
    try:
        batch = [fileset(f"/data/batch/{i}.czi") for i in range(5)]
        results = catalog.add_filesets(batch)
        assert all(not isinstance(r, Exception) for r in results)
        assert catalog.stats().filesets == 5
    finally:
        catalog.dispose()


def test_one_bad_fileset_writes_nothing_and_is_named(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    catalog = open_catalog(catalog_url)
    try:
        known = fileset("/data/known.czi")
        catalog.add_fileset(known)
        batch = [fileset("/data/a.czi"), replace(known, dataset="again"), fileset("/data/b.czi")]
        results = catalog.add_filesets(batch)
        assert isinstance(results[1], ConflictError)
        assert not isinstance(results[0], Exception) and not isinstance(results[2], Exception)
        assert catalog.stats().filesets == 1  # the good ones were rolled back too
        assert catalog.add_fileset(batch[0]).id  # and can be added one by one afterwards
    finally:
        catalog.dispose()
