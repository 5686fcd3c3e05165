"""``steward serve`` and the module-level ASGI app, as real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from imagesteward.access import FacilityRole, Scope, Visibility
from imagesteward.catalog import access_catalog
from imagesteward.cli import app as cli
from imagesteward.config import load_settings
from imagesteward.installation import open_installation
from imagesteward.server import build_app
from imagesteward.server._fastpath import FastPath
from tests.server.live import Demo

STEWARD = Path(sys.executable).with_name("steward")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_is_documented() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers", "--root-path", "--no-access-log"):
        assert option in result.output


def test_serve_refuses_a_missing_installation(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "serve"])
    assert result.exit_code == 2
    assert "steward init" in result.output


def test_asgi_module_reads_nothing_at_import(tmp_path: Path) -> None:
    env = {**os.environ, "IMAGESTEWARD_HOME": str(tmp_path / "nowhere")}
    probe = "import imagesteward.server.asgi as m; print(type(m.app).__name__)"
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "_FromEnvironment"


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_api_and_zarr(demo: Demo, workers: int) -> None:
    """Workers import imagesteward.server.asgi:app (the app behind its fast path)."""
    port = free_port()
    serve = ["serve", "--port", str(port), "--workers", str(workers), "--no-access-log"]
    process = subprocess.Popen(
        [str(STEWARD), "--home", str(demo.home), *serve],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "steward serve did not start"
                time.sleep(0.2)
        assert health.json()["images"] == len(demo.images)
        image = demo.images[0]
        metadata = httpx.get(f"{base}/zarr/{image.uuid}/zarr.json", timeout=10)
        assert metadata.status_code == 200
        assert "ome" in metadata.json()["attributes"]
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    assert process.returncode == 0, output
    assert f"serving {demo.home}" in output


# -- the fast path for tiles and Zarr keys: the same answers as the application -------------

_VOLATILE = {"date", "server"}


def _answer(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k not in _VOLATILE}
    return response.status_code, headers, response.content


def _requests(
    client: TestClient, demo: Demo, auth: dict[str, str] | None = None
) -> list[tuple[str, str, dict[str, str], bool]]:
    """(method, url, headers, plain): plain ones the fast path must answer itself."""
    client.headers.update(auth or {})
    record = demo.image("HeLa_fixed")
    tiles = f"/api/v1/images/{record.uuid}/tiles"
    zarr = f"/zarr/{record.uuid}"
    chunk_key = next(
        key for key in ("0/c/0/0/0/0/0", "0/c/0/0/0/0") if client.get(f"{zarr}/{key}").is_success
    )
    tile = f"{tiles}/0/0/0/0/0.jpg"
    tag = client.get(tile).headers["etag"]
    chunk_tag = client.get(f"{zarr}/{chunk_key}").headers["etag"]
    for name in auth or {}:
        del client.headers[name]
    plain = [
        ("GET", tile, {}, True),
        ("HEAD", tile, {}, True),
        ("GET", tile, {"If-None-Match": tag}, True),
        ("GET", f"{tiles}/0/0/0/0/0.png?c=0%7CFF00FF%7C100:900,-1&q=70", {}, True),
        ("GET", f"{tiles}/0/0/0/0/0.jpg?c=0%7C00FF00%7C100:900%7C0.8,1%7CFF0000", {}, True),
        ("GET", f"{tiles}/0/0/0/0/0.webp?q=60", {}, True),
        ("GET", f"/api/v1/images/{record.uuid.replace('-', '')}/tiles/0/0/0/0/0.jpg", {}, True),
        ("GET", f"{zarr}/zarr.json", {}, True),
        ("HEAD", f"{zarr}/zarr.json", {}, True),
        ("GET", f"{zarr}/0/zarr.json", {}, True),
        ("GET", f"{zarr}/{chunk_key}", {}, True),
        ("GET", f"{zarr}/{chunk_key}", {"If-None-Match": chunk_tag}, True),
    ]
    unusual = [
        ("GET", f"{tiles}/0/0/0/99/0.jpg", {}, False),  # outside: 404
        ("GET", f"{tiles}/9/0/0/0/0.jpg", {}, False),
        ("GET", f"{tiles}/0/0/0/0/0.jpg?c=7", {}, False),  # channel 7 of 3: 422
        ("GET", f"{tiles}/0/0/0/0/0.jpg?c=0%7Cnothex", {}, False),
        ("GET", f"{tiles}/0/0/0/0/0.jpg?q=0", {}, False),
        ("GET", f"{tiles}/0/0/0/0/0.jpg?zoom=2", {}, False),
        ("GET", f"{tiles}/0/0/0/0/0.jpg?q=80&q=90", {}, False),
        ("GET", f"{tiles}/0/0/0/0/0.gif", {}, False),
        ("GET", tile, {"Range": "bytes=0-99"}, False),
        ("GET", f"{zarr}/0/c/9/9/9/9/9", {}, False),  # a missing chunk: 404
        ("GET", f"{zarr}/0/c", {}, False),  # a directory
        ("GET", f"{zarr}/../zarr.json", {}, False),
        ("GET", f"{zarr}/zarr.json", {"Range": "bytes=2-11"}, False),
        ("GET", f"/zarr/{uuid_of_nothing()}/zarr.json", {}, False),
        ("GET", "/zarr/not-a-uuid/zarr.json", {}, False),
    ]
    return plain + unusual


def uuid_of_nothing() -> str:
    return "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def fast(api: TestClient, app: FastAPI) -> tuple[TestClient, FastPath]:
    """The demo's app behind the fast path (its lifespan is the ``api`` client's)."""
    wrapper = FastPath(app)
    return TestClient(wrapper), wrapper


def test_fast_path_answers_as_the_application(
    api: TestClient, demo: Demo, fast: tuple[TestClient, FastPath]
) -> None:
    client, wrapper = fast
    requests = _requests(api, demo)
    for method, url, headers, plain in requests:
        served = wrapper.served
        expected = _answer(api.request(method, url, headers=headers))
        got = _answer(client.request(method, url, headers=headers))
        assert got == expected, (method, url, headers)
        assert wrapper.served == served + plain, (method, url, headers)


def test_fast_path_applies_the_access_policy(demo: Demo) -> None:
    """With access control on: the guard's decision (the anonymous public is refused a private
    image and a bad token everything, in the application's words; a facility administrator is
    served by the fast path). Whatever the application allows, the fast path serves; whatever
    it refuses, the fast path hands on."""
    record = demo.image("HeLa_fixed")
    with open_installation(load_settings(demo.home).home) as installation:
        access = access_catalog(installation.catalog)
        if all(user.username != "fastpath-admin" for user in access.list_users()):
            access.add_user("fastpath-admin", role=FacilityRole.ADMIN)
        token = access.create_token("fastpath-admin", Scope.ADMIN)[1]
        before = access.access_of(record.project, record.dataset).visibility
        access.set_visibility(record.project, record.dataset, visibility=Visibility.PRIVATE)
    try:
        statuses = _compare_with_access(demo, token)
    finally:
        with open_installation(load_settings(demo.home).home) as installation:
            access = access_catalog(installation.catalog)
            access.set_visibility(record.project, record.dataset, visibility=before)
    assert {("anonymous", 404), ("bad", 401), ("admin", 200), ("admin", 304)} <= statuses


def _compare_with_access(demo: Demo, token: str) -> set[tuple[str, int]]:
    enforcing = build_app(load_settings(demo.home, access_control=True))
    wrapper = FastPath(enforcing)
    statuses = set()
    with TestClient(enforcing) as slow:
        client = TestClient(wrapper)
        callers = {"anonymous": {}, "bad": {"Authorization": "Bearer ist_nonsense"}}
        callers["admin"] = {"Authorization": f"Bearer {token}"}
        requests = _requests(slow, demo, callers["admin"])
        for name, auth in callers.items():
            for method, url, headers, plain in requests:
                served = wrapper.served
                expected = _answer(slow.request(method, url, headers={**headers, **auth}))
                got = _answer(client.request(method, url, headers={**headers, **auth}))
                assert got == expected, (name, method, url)
                statuses.add((name, got[0]))
                allowed = plain and got[0] in (200, 304)
                assert wrapper.served == served + allowed, (name, method, url)
    return statuses
