"""Renditions on S3: a real S3-compatible server (moto's server mode on 127.0.0.1).

The rendition is uploaded with s3fs and rendered through ``storage_options``; every tile must
be byte-identical to the local rendering.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from imagesteward.render import ChannelSetting, TileRenderer, TileRequest
from tests.render.conftest import Rendition

if importlib.util.find_spec("moto") is None or importlib.util.find_spec("s3fs") is None:
    pytest.fail("moto[server] and s3fs are dev dependencies; `uv sync` installs them")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_options() -> Iterator[dict[str, Any]]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(endpoint, timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"moto server exited with {process.returncode}")
                time.sleep(0.1)
        else:
            pytest.fail(f"moto server did not answer on {endpoint}")
        yield {
            "key": "testing",
            "secret": "testing",
            "endpoint_url": endpoint,
            "client_kwargs": {"region_name": "us-east-1"},
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def uploaded(s3_options: dict[str, Any], renditions: dict[str, Rendition]) -> dict[str, str]:
    import s3fs

    fs = s3fs.S3FileSystem(**s3_options)
    fs.call_s3("create_bucket", Bucket="renditions")
    urls = {}
    for name in ("fluo", "sharded", "collection"):
        fs.put(renditions[name].url, f"renditions/{name}.ome.zarr", recursive=True)
        urls[name] = f"s3://renditions/{name}.ome.zarr"
    return urls


REQUESTS = [
    TileRequest(0, 0, 0, 512, 512),
    TileRequest(0, 900, 1000, 300, 200, format="png"),
    TileRequest(1, 0, 0, 512, 512, channels=(ChannelSetting(1, "FF00FF", (200, 2000), 0.8),)),
]


@pytest.mark.parametrize("name", ["fluo", "sharded"])
def test_s3_tiles_equal_local_tiles(
    name: str,
    s3_options: dict[str, Any],
    uploaded: dict[str, str],
    renditions: dict[str, Rendition],
) -> None:
    remote = TileRenderer(storage_options=s3_options)
    local = TileRenderer()
    assert remote.describe(uploaded[name], "") == local.describe(renditions[name].url, "")
    for request in REQUESTS:
        assert remote.render(uploaded[name], "", request) == local.render(
            renditions[name].url, "", request
        )
    assert remote.thumbnail(uploaded[name], "") == local.thumbnail(renditions[name].url, "")


def test_s3_collection_series_and_missing_images(
    s3_options: dict[str, Any], uploaded: dict[str, str], renditions: dict[str, Rendition]
) -> None:
    from imagesteward.errors import RenditionNotFoundError

    remote = TileRenderer(storage_options=s3_options)
    view = remote.describe(uploaded["collection"], "1")
    assert view.levels[0] == renditions["collection"].source.shape
    with pytest.raises(RenditionNotFoundError):
        remote.describe("s3://renditions/nothing.ome.zarr", "")
