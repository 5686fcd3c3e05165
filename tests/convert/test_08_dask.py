"""The same conversion on a Dask cluster (2 worker processes) writes the same bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from imagesteward.convert import ConvertOptions, SourceSpec, to_ome_zarr
from tests.convert.sources import TiffSource
from tests.convert.test_07_resume import tree_digest

distributed = pytest.importorskip("distributed")

READER = "tests.convert.sources:TiffReader"


@pytest.fixture(scope="module")
def tiff(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dask") / "stack.tif"
    rng = np.random.default_rng(5)
    data = rng.integers(100, 160, (3, 6, 1500, 2200), dtype=np.uint16)
    tifffile.imwrite(path, data, tile=(512, 512), metadata={"axes": "CZYX"})
    return path


@pytest.mark.slow
def test_cluster_output_is_byte_identical_to_threads(tiff: Path, tmp_path: Path) -> None:
    spec = SourceSpec(str(tiff), READER)
    options = ConvertOptions(memory_bytes=128 * 2**20)
    with TiffSource(tiff) as source:
        threaded = to_ome_zarr(source, tmp_path / "threads.ome.zarr", options, source_spec=spec)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        TiffSource(tiff) as source,
    ):
        on_dask = to_ome_zarr(
            source,
            tmp_path / "dask.ome.zarr",
            ConvertOptions(memory_bytes=128 * 2**20, scheduler=client),
            source_spec=spec,
        )
        # Workers opened their own sources from the spec and closed them afterwards.
        assert all(n == 0 for n in client.run(_open_sources).values())
    assert on_dask.workers == 2 and on_dask.regions == threaded.regions > 4
    assert tree_digest(tmp_path / "dask.ome.zarr") == tree_digest(tmp_path / "threads.ome.zarr")


def _open_sources() -> int:
    from imagesteward.convert._source import _cache

    return len(_cache)


def test_a_cluster_needs_a_source_spec(tiff: Path, tmp_path: Path) -> None:
    from imagesteward.errors import ConfigurationError

    with TiffSource(tiff) as source, pytest.raises(ConfigurationError, match="source_spec"):
        to_ome_zarr(source, tmp_path / "x.ome.zarr", ConvertOptions(scheduler="tcp://127.0.0.1:9"))
