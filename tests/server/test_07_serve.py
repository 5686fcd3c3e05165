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
from typer.testing import CliRunner

from imagesteward.cli import app as cli
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
    """One worker serves the app object; several import imagesteward.server.asgi:app."""
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
