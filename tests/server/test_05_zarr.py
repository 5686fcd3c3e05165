"""``/zarr/{uuid}``: each image's OME-Zarr group as a Zarr store over HTTP."""

from __future__ import annotations

import hashlib
import http.client
import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from fastapi.testclient import TestClient

from imagesteward.catalog import ImageRecord
from imagesteward.config import load_settings
from imagesteward.installation import open_installation
from tests.server.live import Demo, LiveServer, oracles_dir
from tests.server.test_02_catalog_api import assert_problem


def group_path(demo: Demo, record: ImageRecord) -> Path:
    """Where the image's group lies in the store (from the catalog, as the server finds it)."""
    with open_installation(load_settings(demo.home).home) as installation:
        rendition = installation.catalog.renditions(record.id)[0]
    return Path(rendition.url) / rendition.series_path


def test_metadata_and_chunks(api: TestClient, demo: Demo) -> None:
    record = demo.image("B03 field 2")  # a series inside a bioformats2raw collection
    local = group_path(demo, record)
    base = f"/zarr/{record.uuid}"
    response = api.get(f"{base}/zarr.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == (local / "zarr.json").read_bytes()
    assert "multiscales" in response.json()["attributes"]["ome"]
    assert response.headers["access-control-allow-origin"] == "*"
    assert "max-age" in response.headers["cache-control"]
    chunk = next(p for p in sorted((local / "0" / "c").rglob("*")) if p.is_file())
    key = chunk.relative_to(local).as_posix()
    got = api.get(f"{base}/{key}")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.content == chunk.read_bytes()


def test_conditional_range_and_head(api: TestClient, demo: Demo) -> None:
    record = demo.images[0]
    url = f"/zarr/{record.uuid}/zarr.json"
    full = api.get(url)
    etag = full.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert api.get(url, headers={"If-None-Match": etag}).status_code == 304
    part = api.get(url, headers={"Range": "bytes=2-11"})
    assert part.status_code == 206
    assert part.content == full.content[2:12]
    head = api.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(full.content))


def test_missing_chunks_and_unknown_images_are_404(api: TestClient, demo: Demo) -> None:
    record = demo.images[0]
    assert_problem(api.get(f"/zarr/{record.uuid}/0/c/9/9/9/9/9"), 404)
    assert_problem(api.get(f"/zarr/{record.uuid}/0"), 404)  # a group folder, not a key
    assert_problem(api.get("/zarr/00000000-0000-0000-0000-000000000000/zarr.json"), 404)
    assert_problem(api.get("/zarr/not-a-uuid/zarr.json"), 404)


@pytest.mark.parametrize(
    "key",
    [
        "../zarr.json",
        "..%2fzarr.json",
        "%2e%2e/zarr.json",
        "%2E%2E%2Fzarr.json",
        "%252e%252e/zarr.json",
        "0/../../zarr.json",
        "0/%2e%2e/%2e%2e/OME/zarr.json",
        "..\\zarr.json",
        "%5c..%5czarr.json",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        "./zarr.json",
        ".%00/zarr.json",
    ],
)
def test_path_traversal_is_refused(live: LiveServer, demo: Demo, key: str) -> None:
    # Series 1 of a collection: the collection root (zarr.json, OME/) lies one level up.
    # http.client sends the path exactly as written (httpx would normalise the dots away).
    record = demo.image("B03 field 2")
    assert raw_get(live, f"/zarr/{record.uuid}/{key}") == 404


@pytest.mark.parametrize(
    "path",
    [
        "/zarr/../api/v1/health",
        "/zarr/%2e%2e/api/v1/health",
        "/zarr/..%2f..%2fetc/passwd",
        "/zarr/not-a-uuid/zarr.json",
        "/zarr//etc/passwd",
    ],
)
def test_traversal_in_the_image_segment_is_refused(live: LiveServer, path: str) -> None:
    assert raw_get(live, path) == 404


def raw_get(live: LiveServer, path: str) -> int:
    """Status of a GET of ``path`` sent byte for byte; every refusal is a problem document."""
    host, port = live.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status >= 400:
            assert response.getheader("content-type") == "application/problem+json", body
        return response.status
    finally:
        connection.close()


def _pixels(local: Path, path: str) -> np.ndarray[Any, Any]:
    array = zarr.open_array(local / path, mode="r")
    return np.asarray(array[...])


def test_zarr_reads_every_image_over_http(live: LiveServer, demo: Demo) -> None:
    for record in demo.images:
        local = group_path(demo, record)
        remote = zarr.open_group(f"{live.url}/zarr/{record.uuid}", mode="r")
        ome = remote.attrs["ome"]
        assert isinstance(ome, dict)
        datasets = ome["multiscales"][0]["datasets"]
        assert datasets
        for dataset in datasets:
            array = remote[dataset["path"]]
            assert isinstance(array, zarr.Array)
            assert np.array_equal(array[...], _pixels(local, dataset["path"])), record.name


_OME_ZARR_READER = textwrap.dedent(
    """
    import hashlib, json, sys
    import numpy as np
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Multiscales, Reader

    location = parse_url(sys.argv[1])
    assert location is not None, "ome-zarr cannot open " + sys.argv[1]
    nodes = list(Reader(location)())
    image = nodes[0]
    assert any(isinstance(spec, Multiscales) for spec in image.specs), image.specs
    levels = [np.asarray(level) for level in image.data]
    print(json.dumps({
        "axes": [axis["name"] for axis in image.metadata["axes"]],
        "levels": [[list(a.shape), hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()]
                   for a in levels],
    }))
    """
)


def test_ome_zarr_reader_opens_the_url(live: LiveServer, demo: Demo) -> None:
    """ome-zarr-py's reader (from the oracles' environment) sees the same pixels."""
    python = oracles_dir("python") / "venv" / "bin" / "python"
    for fragment in ("Zstack", "B03 field 2", "Colon"):
        record = demo.image(fragment)
        done = subprocess.run(
            [str(python), "-c", _OME_ZARR_READER, f"{live.url}/zarr/{record.uuid}"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        seen = json.loads(done.stdout.strip().splitlines()[-1])
        local = group_path(demo, record)
        attrs = json.loads((local / "zarr.json").read_text())["attributes"]["ome"]
        datasets = attrs["multiscales"][0]["datasets"]
        assert len(seen["levels"]) == len(datasets)
        for (shape, digest), dataset in zip(seen["levels"], datasets, strict=True):
            expected = np.ascontiguousarray(_pixels(local, dataset["path"]))
            assert shape == list(expected.shape)
            assert digest == hashlib.sha256(expected.tobytes()).hexdigest(), fragment
