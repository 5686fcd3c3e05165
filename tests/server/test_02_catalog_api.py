"""REST API over the catalog: projects, datasets, instruments, images, pagination, search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.server.live import Demo

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert body["type"].startswith("https://w3id.org/imagesteward/problems/")
    assert body["detail"]
    return body


def aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


def test_health(api: TestClient, demo: Demo) -> None:
    body = api.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["catalog"] == "sqlite"
    assert body["images"] == len(demo.images)


def test_projects_and_datasets(api: TestClient) -> None:
    projects = api.get("/api/v1/projects").json()["items"]
    names = [p["name"] for p in projects]
    assert names == sorted(names)
    assert "Demo: cell biology" in names
    for project in projects:
        aware(project["created_at"])
    cell = next(p for p in projects if p["name"] == "Demo: cell biology")
    datasets = api.get("/api/v1/datasets", params={"project": "Demo: cell biology"}).json()
    assert len(datasets["items"]) == cell["dataset_count"]
    assert sum(d["image_count"] for d in datasets["items"]) == cell["image_count"]
    everything = api.get("/api/v1/datasets").json()["items"]
    assert len(everything) == sum(p["dataset_count"] for p in projects)


def test_unknown_project_is_404_naming_it(api: TestClient) -> None:
    body = assert_problem(api.get("/api/v1/datasets", params={"project": "Nope"}), 404)
    assert "Nope" in body["detail"]
    assert body["error"] == "NotFoundError"
    assert body["details"] == {"project": "Nope"}


def test_instruments(api: TestClient) -> None:
    items = api.get("/api/v1/instruments").json()["items"]
    assert items
    assert all(isinstance(i["microscope"], dict) for i in items)
    assert sum(i["image_count"] for i in items) >= 1


def test_images_are_paged_with_cursors(api: TestClient, demo: Demo) -> None:
    seen: list[str] = []
    response = api.get("/api/v1/images", params={"limit": 3})
    pages = 0
    while True:
        page = response.json()
        assert len(page["items"]) <= 3
        seen += [image["uuid"] for image in page["items"]]
        pages += 1
        if page["next"] is None:
            assert page["next_cursor"] is None
            break
        response = api.get(page["next"])
    assert seen == [image.uuid for image in demo.images]
    assert pages == -(-len(demo.images) // 3)


def test_images_filtered_by_project_and_dataset(api: TestClient, demo: Demo) -> None:
    params = {"project": "Demo: cell biology", "dataset": "Screening", "limit": 2}
    first = api.get("/api/v1/images", params=params).json()
    second = api.get("/api/v1/images", params={"cursor": first["next_cursor"]}).json()
    names = [i["name"] for i in first["items"] + second["items"]]
    expected = [i.name for i in demo.images if i.dataset == "Screening"]
    assert names == expected[: len(names)]
    assert all(i["dataset"] == "Screening" for i in first["items"] + second["items"])


def test_name_search_and_format_filter(api: TestClient, demo: Demo) -> None:
    found = api.get("/api/v1/search", params={"q": '"b03 field" kind:image'}).json()
    expected = [i.name or "" for i in demo.images if "b03 field" in (i.name or "").lower()]
    assert sorted(hit["title"] for hit in found["hits"]) == sorted(expected)
    assert found["total"] == len(expected)
    assert found["next_cursor"] is None
    tiffs = api.get("/api/v1/images", params={"format": "imagej-tiff"}).json()["items"]
    assert tiffs
    assert {i["file_format"] for i in tiffs} == {"imagej-tiff"}


def test_search_pages_keep_their_query(api: TestClient, demo: Demo) -> None:
    # The screen's fields (the demo's method terms put "field" in bright-field images too).
    expected = {i.id for i in demo.images if "b03" in (i.name or "").lower()}
    assert len(expected) > 2
    seen: list[int] = []
    page = api.get("/api/v1/search", params={"q": "b03 kind:image", "limit": 2}).json()
    while True:
        seen += [hit["id"] for hit in page["hits"]]
        if page["next_cursor"] is None:
            break
        # A cursor continues its own query only; given another one it is refused.
        assert_problem(
            api.get("/api/v1/search", params={"cursor": page["next_cursor"], "q": "other"}), 404
        )
        page = api.get(page["next"]).json()
    assert set(seen) == expected
    assert len(seen) == len(expected)


def test_foreign_and_garbled_cursors_are_404(api: TestClient) -> None:
    assert_problem(api.get("/api/v1/images", params={"cursor": "garbage"}), 404)
    assert_problem(api.get("/api/v1/search", params={"q": "x", "cursor": "garbage"}), 404)
    assert_problem(api.get("/api/v1/images", params={"cursor": "s.garbage"}), 404)


def test_get_one_image_by_id_uuid_or_prefix(api: TestClient, demo: Demo) -> None:
    record = demo.image("Zstack")
    by_uuid = api.get(f"/api/v1/images/{record.uuid}").json()
    assert api.get(f"/api/v1/images/{record.id}").json() == by_uuid
    assert api.get(f"/api/v1/images/{record.uuid[:13]}").json() == by_uuid
    assert api.get(f"/api/v1/images/{record.uuid.upper()}").json() == by_uuid
    assert by_uuid["size_z"] == record.size_z
    assert by_uuid["levels"] == [list(level) for level in record.structure.levels]
    aware(by_uuid["created_at"])
    if by_uuid["acquired_at"] is not None:
        aware(by_uuid["acquired_at"])
    links = by_uuid["links"]
    assert links["self"] == f"/api/v1/images/{record.uuid}"
    assert links["zarr"] == f"/zarr/{record.uuid}"
    for name in ("metadata", "jsonld", "files", "renditions", "view", "thumbnail"):
        assert api.get(links[name]).status_code == 200, name


def test_bad_image_references(api: TestClient) -> None:
    assert_problem(api.get("/api/v1/images/999999"), 404)
    assert_problem(api.get("/api/v1/images/deadbeefdead"), 404)
    for ref in ("²", "1.5", "abc", "-1", "x" * 40):
        body = assert_problem(api.get(f"/api/v1/images/{ref}"), 422)
        assert body["errors"][0]["loc"] == ["path", "image"]


def test_malformed_and_unknown_query_parameters_are_422(api: TestClient) -> None:
    body = assert_problem(api.get("/api/v1/images", params={"limit": "many"}), 422)
    assert body["errors"][0]["loc"] == ["query", "limit"]
    assert_problem(api.get("/api/v1/images", params={"limit": 0}), 422)
    assert_problem(api.get("/api/v1/images", params={"limit": 1001}), 422)
    assert_problem(api.get("/api/v1/images", params={"projct": "typo"}), 422)
    assert_problem(api.get("/api/v1/images", params={"q": "nul\x00"}), 422)
