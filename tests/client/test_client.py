"""The Python client against a real server: listings, search, metadata, downloads, arrays."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import zarr

from imagesteward.client import ApiNotFoundError, ApiRequestError, Client
from imagesteward.config import load_settings
from imagesteward.errors import IntegrityError, NotFoundError
from imagesteward.installation import open_installation
from tests.server.live import Demo, LiveServer


@pytest.fixture
def client(live: LiveServer) -> Iterator[Client]:
    with Client(live.url) as connection:
        yield connection


def test_client_does_not_import_the_server() -> None:
    probe = (
        "import sys, imagesteward.client; "
        "print(sorted(m for m in sys.modules if m.startswith(('imagesteward.server', "
        "'fastapi', 'sqlalchemy', 'imagesteward.catalog'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_catalog_listings(client: Client, demo: Demo) -> None:
    assert client.health()["images"] == len(demo.images)
    projects = client.projects()
    assert {p["name"] for p in projects} == {i.project for i in demo.images}
    datasets = client.datasets("Demo: cell biology")
    assert {d["name"] for d in datasets} == {
        i.dataset for i in demo.images if i.project == "Demo: cell biology"
    }
    assert client.instruments()


def test_images_iterate_over_every_page(client: Client, demo: Demo) -> None:
    assert [i["uuid"] for i in client.images(page_size=3)] == [i.uuid for i in demo.images]
    screening = list(client.images(project="Demo: cell biology", dataset="Screening", page_size=1))
    assert [i["name"] for i in screening] == [
        i.name for i in demo.images if i.dataset == "Screening"
    ]


def test_search(client: Client, demo: Demo) -> None:
    images = list(client.search("kind:image", page_size=3))  # four pages of three
    assert sorted(hit["title"] for hit in images) == sorted(i.name or "" for i in demo.images)
    assert list(client.search("no such image anywhere")) == []
    counts = {f["value"]: f["count"] for f in client.facets("kind:image")["project"]}
    expected: dict[str, int] = {}
    for image in demo.images:
        expected[image.project] = expected.get(image.project, 0) + 1
    assert counts == expected


def test_metadata_and_jsonld(client: Client, demo: Demo) -> None:
    record = demo.image("Zstack")
    assert client.image(record.id)["uuid"] == record.uuid
    expected = record.document.model_dump(mode="json", exclude_none=True)
    assert client.metadata(record.uuid) == expected
    assert client.jsonld({"uuid": record.uuid})["@id"] == f"urn:uuid:{record.uuid}"
    assert client.renditions(record.uuid)[0]["zarr_url"] == f"/zarr/{record.uuid}"


def test_errors_are_imagesteward_errors(client: Client) -> None:
    with pytest.raises(ApiNotFoundError) as caught:
        client.image(999999)
    assert isinstance(caught.value, NotFoundError)
    assert isinstance(caught.value, LookupError)
    assert caught.value.status == 404
    assert caught.value.problem["error"] == "NotFoundError"
    with pytest.raises(ApiRequestError):
        client.image("not an id")
    with pytest.raises(ApiNotFoundError):
        client.datasets("No such project")


def test_download_is_verified(client: Client, demo: Demo, tmp_path: Path) -> None:
    record = demo.image("Colon")
    paths = client.download_originals(record.uuid, tmp_path)
    files = client.files(record.uuid)
    assert [p.name for p in paths] == [f["name"] for f in files]
    for path, item in zip(paths, files, strict=True):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item["sha256"]
    assert not list(tmp_path.glob("*.part"))


def test_download_resumes_from_a_partial_file(client: Client, demo: Demo, tmp_path: Path) -> None:
    item = client.files(demo.image("Colon").uuid)[0]
    whole = client.download(item, tmp_path / "whole").read_bytes()
    part = tmp_path / "resumed" / f"{item['name']}.part"
    part.parent.mkdir()
    part.write_bytes(whole[: len(whole) // 3])
    seen: list[tuple[int, int]] = []
    path = client.download(item, tmp_path / "resumed", progress=lambda n, t: seen.append((n, t)))
    assert path.read_bytes() == whole
    assert seen[0][0] > len(whole) // 3  # it continued, it did not start again
    assert seen[-1] == (len(whole), len(whole))


def test_a_complete_partial_file_is_verified_not_refetched(
    client: Client, demo: Demo, tmp_path: Path
) -> None:
    item = client.files(demo.image("Zstack").uuid)[0]
    whole = client.download(item, tmp_path / "a").read_bytes()
    part = tmp_path / "b" / f"{item['name']}.part"
    part.parent.mkdir()
    part.write_bytes(whole)
    assert client.download(item, tmp_path / "b").read_bytes() == whole


def test_corrupt_partial_file_fails_verification(
    client: Client, demo: Demo, tmp_path: Path
) -> None:
    item = client.files(demo.image("Zstack").uuid)[0]
    part = tmp_path / f"{item['name']}.part"
    part.write_bytes(b"\xff" * 1000)  # not the original's first kilobyte
    with pytest.raises(IntegrityError) as caught:
        client.download(item, tmp_path)
    assert item["sha256"] in str(caught.value)
    assert not part.exists()
    assert not (tmp_path / item["name"]).exists()
    # The next attempt starts afresh and succeeds.
    assert (
        hashlib.sha256(client.download(item, tmp_path).read_bytes()).hexdigest() == item["sha256"]
    )


def test_open_array_reads_the_stored_pixels(client: Client, demo: Demo) -> None:
    with open_installation(load_settings(demo.home).home) as installation:
        for fragment in ("Colon", "B03 field 3", "Image:0"):
            record = demo.image(fragment)
            rendition = installation.catalog.renditions(record.id)[0]
            local = Path(rendition.url) / rendition.series_path
            meta = json.loads((local / "zarr.json").read_text())["attributes"]["ome"]
            for level, dataset in enumerate(meta["multiscales"][0]["datasets"]):
                remote = client.open_array(record.uuid, level=level)
                stored = zarr.open_array(local / dataset["path"], mode="r")
                assert remote.shape == stored.shape
                assert np.array_equal(remote[...], stored[...]), (fragment, level)
    with pytest.raises(IndexError):
        client.open_array(demo.images[0].uuid, level=99)


def test_zarr_url(client: Client, demo: Demo, live: LiveServer) -> None:
    record = demo.images[0]
    expected = f"{live.url}/zarr/{record.uuid}"
    assert client.zarr_url(record.id) == expected
    assert client.zarr_url({"uuid": record.uuid}) == expected
    assert zarr.open_group(expected, mode="r").attrs["ome"]
