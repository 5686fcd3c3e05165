"""Renditions: each image's validated OME-Zarr is recorded, replaced in place, listed."""

from __future__ import annotations

import pytest

from imagesteward.catalog import RenditionInput, open_catalog, upgrade_catalog
from imagesteward.errors import NotFoundError
from tests.catalog.factories import fileset


def _rendition(image_id: int, url: str, plan: str = "a" * 64) -> RenditionInput:
    return RenditionInput(
        image_id=image_id,
        url=url,
        series_path="0",
        layout="bioformats2raw",
        ngff_version="0.5",
        zarr_format=3,
        levels=[[1, 2, 5, 512, 512], [1, 2, 5, 256, 256]],
        bytes_written=123_456,
        plan=plan,
    )


def test_renditions_round_trip_and_replace(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    catalog = open_catalog(catalog_url)
    try:
        image_id = catalog.add_fileset(fileset("/data/r.czi")).image_ids[0]
        first = catalog.add_renditions([_rendition(image_id, "/renditions/r.ome.zarr")])[0]
        assert first.levels[1] == (1, 2, 5, 256, 256)
        catalog.add_renditions([_rendition(image_id, "s3://bucket/r.ome.zarr")])
        again = catalog.add_renditions(
            [_rendition(image_id, "/renditions/r.ome.zarr", plan="b" * 64)]
        )[0]
        listed = catalog.renditions(image_id)
        assert [r.url for r in listed].count("/renditions/r.ome.zarr") == 1
        assert {r.url for r in listed} == {"/renditions/r.ome.zarr", "s3://bucket/r.ome.zarr"}
        assert next(r for r in listed if r.id == again.id).plan == "b" * 64
    finally:
        catalog.dispose()


def test_rendition_of_unknown_image_is_refused(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    catalog = open_catalog(catalog_url)
    try:
        with pytest.raises(NotFoundError, match="424242"):
            catalog.add_renditions([_rendition(424242, "/x.ome.zarr")])
    finally:
        catalog.dispose()
