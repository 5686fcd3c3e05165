"""Conversions to an S3 bucket on a real S3-compatible server (moto's server mode, 127.0.0.1).

The server runs as ``python -m moto.server`` with this interpreter (``moto[server]`` in the dev
group); ``IMAGESTEWARD_MOTO_PYTHON`` may point at another interpreter that has it.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

from imagesteward.convert import ConvertOptions, to_ome_zarr, validate_ome_zarr
from tests.convert.sources import ArraySource, SyntheticSource
from tests.convert.test_07_resume import FailingSource

pytest.importorskip("s3fs")


def _moto_python() -> str | None:
    override = os.environ.get("IMAGESTEWARD_MOTO_PYTHON")
    if override:
        return override
    return sys.executable if importlib.util.find_spec("moto") else None


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, Any]]:
    python = _moto_python()
    if python is None:
        pytest.skip("moto[server] is not installed (dev group) and IMAGESTEWARD_MOTO_PYTHON unset")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:  # the server is stopped whatever happens from here on, setup failures included
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint, timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"moto server did not start on {endpoint}")
                time.sleep(0.2)
        options = {
            "key": "testing",
            "secret": "testing",
            "endpoint_url": endpoint,
            "client_kwargs": {"region_name": "us-east-1"},
        }
        import s3fs

        s3fs.S3FileSystem(**options).call_s3("create_bucket", Bucket="images")
        yield options
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _objects(storage_options: dict[str, Any], url: str) -> dict[str, bytes]:
    import s3fs

    fs = s3fs.S3FileSystem(**storage_options)
    base = url.removeprefix("s3://")
    fs.invalidate_cache()
    return {p[len(base) + 1 :]: fs.cat_file(p) for p in fs.find(base)}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_convert_to_s3_and_read_back_through_the_same_url(
    s3: dict[str, Any], tmp_path: Path
) -> None:
    rng = np.random.default_rng(9)
    arrays = [
        (rng.integers(0, 4000, (2, 1500, 1300), dtype=np.uint16), "CYX"),
        (rng.integers(0, 255, (600, 700, 3), dtype=np.uint8), "YXS"),
    ]
    url = "s3://images/collection.ome.zarr"
    options = ConvertOptions(storage_options=s3)
    result = to_ome_zarr(ArraySource(arrays), url, options)
    assert result.url == url and result.layout == "bioformats2raw"
    store = zarr.storage.FsspecStore.from_url(url, storage_options=s3, read_only=True)
    first = np.asarray(zarr.open_array(store, path="0/0", mode="r")[...])
    second = np.asarray(zarr.open_array(store, path="1/0", mode="r")[...])
    np.testing.assert_array_equal(first, arrays[0][0])
    np.testing.assert_array_equal(second, np.moveaxis(arrays[1][0], -1, 0))
    assert validate_ome_zarr(url, s3) == []
    objects = _objects(s3, url)
    assert not [k for k in objects if k.startswith(".imagesteward-progress")]
    # The bucket holds exactly what a local conversion writes.
    local = to_ome_zarr(ArraySource(arrays), tmp_path / "local.ome.zarr")
    assert local.plan == result.plan
    assert objects == _files(tmp_path / "local.ome.zarr")


def test_interrupted_s3_conversion_resumes(s3: dict[str, Any]) -> None:
    url = "s3://images/resumed.ome.zarr"
    options = ConvertOptions(storage_options=s3, memory_bytes=64 * 2**20, workers=1)
    failing = FailingSource("CYX", (1, 2048, 3072))
    failing.fail_after = 4
    with pytest.raises(Exception, match="network went away"):
        to_ome_zarr(failing, url, options)
    partial = _objects(s3, url)
    assert any(k.startswith(".imagesteward-progress/done/") for k in partial)
    assert "zarr.json" not in partial or b'"plan"' not in partial["zarr.json"]
    result = to_ome_zarr(SyntheticSource("CYX", (1, 2048, 3072)), url, options)
    assert result.status == "resumed" and result.regions_resumed == 3
    assert validate_ome_zarr(url, s3) == []
    again = to_ome_zarr(SyntheticSource("CYX", (1, 2048, 3072)), url, options)
    assert again.status == "already-complete"
