"""Renditions in an S3 bucket (moto's S3 server on 127.0.0.1) are served through fsspec.

The installation is private, as every new one is: its owner streams it with an API token,
and anonymous callers are told it does not exist.
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

import numpy as np
import pytest
import zarr
from fastapi.testclient import TestClient

from imagesteward.access import Scope
from imagesteward.catalog import access_catalog
from imagesteward.config import load_settings
from imagesteward.demo import write_demo_files
from imagesteward.ingest import IngestOptions, ingest_paths
from imagesteward.installation import init_installation, open_installation
from imagesteward.server import build_app
from tests.server.live import serve_in_thread
from tests.server.test_02_catalog_api import assert_problem


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, Any]]:
    """Storage options of a bucket ``images`` on a moto S3 server (dev dependency)."""
    if importlib.util.find_spec("moto") is None:
        pytest.fail("moto[server] (dev group) is needed to serve renditions from S3")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint, timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "moto did not start"
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
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def s3_site(s3: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An installation whose renditions live in the bucket, with one z-stack ingested."""
    root = tmp_path_factory.mktemp("s3-site")
    home = init_installation(root / "site").home
    overrides = {"rendition_root": "s3://images/renditions", "rendition_storage_options": s3}
    files = write_demo_files(root / "data", seed=0, scale=0.25)
    stack = next(f for f in files if "zstack" in f.path.name.lower())
    with open_installation(home, **overrides) as installation:
        report = ingest_paths([stack.path], installation, IngestOptions(project="S3"))
        assert report.exit_code == 0, report.outcomes
        image = installation.catalog.list_images(project="S3").items[0]
        rendition = installation.catalog.renditions(image.id)[0]
        access = access_catalog(installation.catalog)
        access.add_user("owner", password=None)
        access.assign("S3", owner="owner")
        _, token = access.create_token("owner", Scope.READ)
    assert rendition.url.startswith("s3://images/renditions/")
    return {
        "home": home,
        "overrides": overrides,
        "uuid": image.uuid,
        "url": rendition.url,
        "auth": {"Authorization": f"Bearer {token}"},
    }


def test_zarr_keys_come_from_the_bucket(s3_site: dict[str, Any], s3: dict[str, Any]) -> None:
    import s3fs

    app = build_app(load_settings(s3_site["home"], **s3_site["overrides"]))
    fs = s3fs.S3FileSystem(**s3)
    bucket_path = s3_site["url"].removeprefix("s3://")
    with TestClient(app) as api:
        base = f"/zarr/{s3_site['uuid']}"
        assert_problem(api.get(f"{base}/zarr.json"), 404)  # private: anonymous callers see nothing
        api.headers.update(s3_site["auth"])
        metadata = api.get(f"{base}/zarr.json")
        assert metadata.status_code == 200
        assert metadata.content == fs.cat_file(f"{bucket_path}/zarr.json")
        etag = metadata.headers["etag"]
        assert api.get(f"{base}/zarr.json", headers={"If-None-Match": etag}).status_code == 304
        part = api.get(f"{base}/zarr.json", headers={"Range": "bytes=0-9"})
        assert part.status_code == 206
        assert part.content == metadata.content[:10]
        assert_problem(api.get(f"{base}/0/c/9/9/9/9/9"), 404)
        assert_problem(api.get(f"{base}/0"), 404)  # a "directory" of the bucket


def test_zarr_over_http_equals_the_bucket(s3_site: dict[str, Any], s3: dict[str, Any]) -> None:
    running = serve_in_thread(build_app(load_settings(s3_site["home"], **s3_site["overrides"])))
    try:
        remote = zarr.open_group(
            f"{running.url}/zarr/{s3_site['uuid']}",
            mode="r",
            storage_options={"headers": s3_site["auth"]},
        )
        stored = zarr.open_group(
            zarr.storage.FsspecStore.from_url(s3_site["url"], storage_options=s3, read_only=True),
            mode="r",
        )
        ome = remote.attrs["ome"]
        assert isinstance(ome, dict)
        for dataset in ome["multiscales"][0]["datasets"]:
            here, there = remote[dataset["path"]], stored[dataset["path"]]
            assert isinstance(here, zarr.Array)
            assert isinstance(there, zarr.Array)
            assert np.array_equal(np.asarray(here[...]), np.asarray(there[...]))
    finally:
        running.stop()


def test_tiles_render_from_the_bucket(s3_site: dict[str, Any]) -> None:
    app = build_app(load_settings(s3_site["home"], **s3_site["overrides"]))
    with TestClient(app, headers=s3_site["auth"]) as api:
        response = api.get(f"/api/v1/images/{s3_site['uuid']}/tiles/0/0/0/0/0.png")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/png"
