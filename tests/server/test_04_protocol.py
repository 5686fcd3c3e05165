"""HTTP behaviour every route shares: 404 and 405 problems, HEAD, and the OpenAPI document."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from tests.server.live import Demo
from tests.server.test_02_catalog_api import PROBLEM, assert_problem


def test_unknown_path_is_a_problem(api: TestClient) -> None:
    body = assert_problem(api.get("/api/v1/nothing-here"), 404)
    assert body["instance"] == "/api/v1/nothing-here"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/images",
        "/api/v1/images/1",
        "/api/v1/originals/" + "0" * 64,
        "/zarr/00000000-0000-0000-0000-000000000000/zarr.json",
    ],
)
def test_other_methods_are_405_with_allow(api: TestClient, method: str, path: str) -> None:
    # An image can also be removed (DELETE, under the access policy).
    allowed = "DELETE, GET, HEAD" if path == "/api/v1/images/1" else "GET, HEAD"
    if method in allowed:
        return
    response = api.request(method, path)
    body = assert_problem(response, 405)
    assert response.headers["allow"] == allowed
    assert method in body["detail"]


def test_head_is_answered_wherever_get_is(api: TestClient, demo: Demo) -> None:
    for path in ("/api/v1/health", "/api/v1/projects", f"/api/v1/images/{demo.images[0].uuid}"):
        get, head = api.get(path), api.head(path)
        assert head.status_code == get.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == get.headers["content-length"]


def test_every_route_is_documented(app: FastAPI, api: TestClient) -> None:
    document = api.get("/api/v1/openapi.json").json()
    # Every route but FastAPI's own (the document itself and the docs pages), including the
    # Zarr route, which is a plain Starlette route documented by hand.
    routes = [
        route
        for route in app.routes
        if isinstance(route, Route)
        and not route.path.startswith(("/api/v1/openapi", "/docs"))
        and route.path != "/api/v1/docs"
    ]
    assert len(routes) >= 16
    assert any(not isinstance(route, APIRoute) for route in routes)
    for route in routes:
        path = route.path_format.replace(":path}", "}")  # OpenAPI writes {key:path} as {key}
        assert path in document["paths"], path
        for method in sorted((route.methods or set()) - {"HEAD"}):
            where = f"{method} {route.path}"
            operation = document["paths"][path][method.lower()]
            assert operation.get("description"), where
            responses = operation["responses"]
            assert any(status.startswith("2") for status in responses), where
            # Every route meets the catalog (503 when it is down); 422 where there is input.
            has_input = operation.get("parameters") or operation.get("requestBody")
            expected = {"422", "503"} if has_input else {"503"}
            assert expected <= responses.keys(), where
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == [PROBLEM], (where, status)


def test_openapi_schemas_resolve(api: TestClient) -> None:
    document = api.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    text = str(document)
    for name in ("Problem", "ValidationIssue", "Image", "ImageJsonLd", "Channel"):
        assert name in schemas
    refs = {part.split("'")[0] for part in text.split("#/components/schemas/")[1:]}
    assert refs <= schemas.keys(), refs - schemas.keys()
    assert "#/$defs/" not in text


def test_interactive_docs_are_served(api: TestClient) -> None:
    response = api.get("/api/v1/docs")
    assert response.status_code == 200
    assert "/api/v1/openapi.json" in response.text


@pytest.mark.parametrize("sent", ["/steward/api/v1/images", "/api/v1/images"])
def test_links_carry_the_proxy_root_path(app: FastAPI, demo: Demo, sent: str) -> None:
    """Behind a proxy at /steward (which may or may not strip it), links stay right."""
    with TestClient(app, root_path="/steward") as proxied:
        page = proxied.get(sent, params={"limit": 2}).json()
    assert page["next"].startswith("/steward/api/v1/images?")
    links = page["items"][0]["links"]
    assert links["self"] == f"/steward/api/v1/images/{demo.images[0].uuid}"
    assert links["zarr"] == f"/steward/zarr/{demo.images[0].uuid}"
