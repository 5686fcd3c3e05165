"""Nothing the caller may not see leaks through "not found": names, prefixes, filters.

Each check compares the answer about a hidden object with the answer about one that does
not exist at all: status and message must be the same, the names aside.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imagesteward.access import Visibility
from imagesteward.catalog import access_catalog, open_catalog
from imagesteward.config import load_settings
from imagesteward.installation import init_installation
from imagesteward.server import build_app
from tests.catalog.factories import bare_image, fileset

HIDDEN = "abcdef12-1111-4000-8000-000000000001"
SHOWN = "abcdef12-2222-4000-8000-000000000002"
PASSWORD = "a long and quiet river"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = init_installation(tmp_path / "site")
    catalog = open_catalog(settings.catalog_url)
    access = access_catalog(catalog)
    for name, project, uuid in (("s.tif", "Secret plans", HIDDEN), ("o.tif", "Open", SHOWN)):
        made = fileset(name, images=[bare_image()], project=project, dataset="d")
        (image,) = made.images
        catalog.add_fileset(replace(made, images=[replace(image, uuid=uuid)]))
    access.add_user("bob", password=PASSWORD)
    access.assign("Secret plans", owner="bob")
    access.set_visibility("Open", visibility=Visibility.PUBLIC)
    access.set_visibility("Open", "d", visibility=Visibility.PUBLIC)
    catalog.dispose()
    with TestClient(build_app(load_settings(settings.home, access_control=True))) as opened:
        yield opened


def _answer(client: TestClient, path: str, **kwargs: object) -> tuple[int, str]:
    response = client.get(path, **kwargs)
    detail = response.json().get("detail", "") if response.status_code >= 400 else ""
    return response.status_code, str(detail)


def _bob(client: TestClient) -> dict[str, str]:
    _, token = client.app.state.access.create_token("bob")  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


def test_a_prefix_resolves_among_visible_images_only(client: TestClient) -> None:
    # Both images start with abcdef12: anonymously only the public one counts, so the prefix
    # names it, without a word about the other.
    found = client.get("/api/v1/images/abcdef12")
    assert found.status_code == 200, found.text
    assert found.json()["uuid"] == SHOWN
    # The owner of the hidden one sees both: for him the prefix is ambiguous.
    status, detail = _answer(client, "/api/v1/images/abcdef12", headers=_bob(client))
    assert status == 404
    assert HIDDEN in detail
    assert SHOWN in detail


def test_a_prefix_of_only_hidden_images_reads_as_no_match(client: TestClient) -> None:
    hidden = _answer(client, "/api/v1/images/abcdef12-1")
    missing = _answer(client, "/api/v1/images/abcdef12-3")
    assert hidden[0] == missing[0] == 404
    assert hidden[1].replace("abcdef12-1", "X") == missing[1].replace("abcdef12-3", "X")
    assert HIDDEN not in hidden[1]
    assert "more than one" not in _answer(client, "/api/v1/images/abcdef12-")[1]


def test_a_hidden_image_reads_as_a_missing_one(client: TestClient) -> None:
    nowhere = "abcdef12-9999-4000-8000-000000000009"
    for suffix in ("", "/metadata", "/files", "/thumbnail.png"):
        hidden = _answer(client, f"/api/v1/images/{HIDDEN}{suffix}")
        missing = _answer(client, f"/api/v1/images/{nowhere}{suffix}")
        assert hidden[0] == missing[0] == 404, suffix
        assert hidden[1].replace(HIDDEN, "X") == missing[1].replace(nowhere, "X"), suffix


@pytest.mark.parametrize(
    ("hidden", "missing"),
    [
        pytest.param(
            "/api/v1/images?project=Secret plans&dataset=d",
            "/api/v1/images?project=Nothing here&dataset=d",
            id="images-by-project-and-dataset",
        ),
        pytest.param(
            "/api/v1/images?project=Secret plans",
            "/api/v1/images?project=Nothing here",
            id="images-by-project",
        ),
        pytest.param(
            "/api/v1/datasets?project=Secret plans",
            "/api/v1/datasets?project=Nothing here",
            id="datasets-of-project",
        ),
        pytest.param(
            "/api/v1/projects/Secret plans/access",
            "/api/v1/projects/Nothing here/access",
            id="project-access",
        ),
        pytest.param(
            "/api/v1/projects/Secret plans/datasets/d/access",
            "/api/v1/projects/Nothing here/datasets/d/access",
            id="dataset-access",
        ),
    ],
)
def test_a_filter_on_a_hidden_object_reads_as_a_missing_one(
    client: TestClient, hidden: str, missing: str
) -> None:
    hidden_answer = _answer(client, hidden)
    missing_answer = _answer(client, missing)
    assert hidden_answer[0] == missing_answer[0] == 404
    assert hidden_answer[1].replace("Secret plans", "X") == missing_answer[1].replace(
        "Nothing here", "X"
    )


def test_not_found_messages_name_no_other_object(client: TestClient) -> None:
    for path in (
        "/api/v1/datasets?project=Nothing here",
        "/api/v1/images?project=Nothing here",
        "/api/v1/images?dataset=nothing",
        "/api/v1/projects/Nothing here/access",
        "/api/v1/images/abcdef12-3",
    ):
        status, detail = _answer(client, path)
        assert status == 404, path
        assert "Secret" not in detail, path
        assert "Open" not in detail, path
        assert HIDDEN not in detail and SHOWN not in detail, path
