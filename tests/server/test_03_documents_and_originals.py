"""Metadata documents (JSON, JSON-LD) and original files: ETags, 304, ranges, 416."""

from __future__ import annotations

import hashlib
import json

import pytest
from fastapi.testclient import TestClient

from imagesteward.config import load_settings
from imagesteward.installation import open_installation
from tests.server.live import Demo
from tests.server.test_02_catalog_api import assert_problem


def test_metadata_document_is_the_catalogs(api: TestClient, demo: Demo) -> None:
    record = demo.image("Zstack")
    response = api.get(f"/api/v1/images/{record.uuid}/metadata")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == record.document.model_dump(mode="json", exclude_none=True)
    etag = response.headers["etag"]
    assert response.headers["cache-control"] == "no-cache"
    again = api.get(f"/api/v1/images/{record.id}/metadata", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = api.get(f"/api/v1/images/{demo.images[0].uuid}/metadata").headers["etag"]
    assert other != etag


def test_jsonld_parses_as_rdf(api: TestClient, demo: Demo) -> None:
    import rdflib

    record = demo.image("Zstack")
    response = api.get(f"/api/v1/images/{record.uuid}/metadata.jsonld")
    assert response.headers["content-type"] == "application/ld+json"
    document = response.json()
    assert document["@id"] == f"urn:uuid:{record.uuid}"
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    subject = rdflib.URIRef(f"urn:uuid:{record.uuid}")
    types = set(graph.objects(subject, rdflib.RDF.type))
    assert rdflib.URIRef("http://schema.org/ImageObject") in types
    names = set(graph.objects(subject, rdflib.URIRef("http://schema.org/name")))
    assert rdflib.Literal(record.name) in names


def test_files_of_an_image(api: TestClient, demo: Demo) -> None:
    record = demo.image("B03 field 2")
    files = api.get(f"/api/v1/images/{record.uuid}/files").json()["items"]
    assert files[0]["role"] == "primary"
    for item in files:
        assert item["url"] == f"/api/v1/originals/{item['sha256']}"


@pytest.fixture(scope="module")
def original(api: TestClient, demo: Demo) -> tuple[str, bytes]:
    """URL and bytes (read from the store) of the H&E slide's primary original."""
    record = demo.image("Colon")
    item = api.get(f"/api/v1/images/{record.uuid}/files").json()["items"][0]
    with open_installation(load_settings(demo.home).home) as installation:
        data = installation.store.content_path(item["sha256"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == item["sha256"]
    return item["url"], data


def test_download_whole_original(api: TestClient, original: tuple[str, bytes]) -> None:
    url, data = original
    response = api.get(url)
    assert response.status_code == 200
    assert response.content == data
    digest = hashlib.sha256(data).hexdigest()
    assert response.headers["etag"] == f'"{digest}"'
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == str(len(data))
    assert "immutable" in response.headers["cache-control"]
    assert response.headers["content-disposition"].startswith('attachment; filename="')


def test_head_of_an_original_has_no_body(api: TestClient, original: tuple[str, bytes]) -> None:
    url, data = original
    response = api.head(url)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(data))


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 100), ("bytes=1000-", 1000, None), ("bytes=-500", -500, None)],
)
def test_range_requests(
    api: TestClient, original: tuple[str, bytes], header: str, start: int, end: int | None
) -> None:
    url, data = original
    response = api.get(url, headers={"Range": header})
    assert response.status_code == 206
    expected = data[start:end]
    assert response.content == expected
    first = start % len(data)
    assert response.headers["content-range"] == (
        f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    )


def test_range_beyond_the_end_is_416(api: TestClient, original: tuple[str, bytes]) -> None:
    url, data = original
    response = api.get(url, headers={"Range": f"bytes={len(data)}-"})
    body = assert_problem(response, 416)
    assert response.headers["content-range"] == f"bytes */{len(data)}"
    assert body["details"] == {"size": len(data)}


def test_if_range_and_if_none_match(api: TestClient, original: tuple[str, bytes]) -> None:
    url, data = original
    etag = api.head(url).headers["etag"]
    partial = api.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert partial.status_code == 206
    stale = api.get(url, headers={"Range": "bytes=0-9", "If-Range": '"something-else"'})
    assert stale.status_code == 200
    assert stale.content == data
    cached = api.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""


def test_unknown_and_malformed_digests(api: TestClient) -> None:
    assert_problem(api.get("/api/v1/originals/" + "0" * 64), 404)
    assert_problem(api.get("/api/v1/originals/nothex"), 422)


def test_renditions_hide_storage_locations(api: TestClient, demo: Demo) -> None:
    record = demo.image("B03 field 2")
    items = api.get(f"/api/v1/images/{record.uuid}/renditions").json()["items"]
    assert items[0]["zarr_url"] == f"/zarr/{record.uuid}"
    assert items[0]["layout"] == "bioformats2raw"
    assert str(demo.home) not in json.dumps(items)
