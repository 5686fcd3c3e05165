"""Fixtures shared by the server and client tests: a demo installation, the app in process,
and the app behind a real uvicorn server on 127.0.0.1 (random port)."""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from imagesteward.catalog import ImageRecord
from imagesteward.config import load_settings
from imagesteward.server import build_app

__all__ = [
    "DEMO_SCALE",
    "Demo",
    "LiveServer",
    "api",
    "app",
    "demo",
    "live",
    "oracles_dir",
    "serve_in_thread",
]

#: Half the width and height of ``steward demo``: every kind of image, a quarter of the pixels.
DEMO_SCALE = 0.5


@dataclass(frozen=True)
class Demo:
    """The demo installation and its images, by name."""

    home: Path
    images: tuple[ImageRecord, ...]

    def image(self, fragment: str) -> ImageRecord:
        """The one image whose name contains ``fragment``."""
        found = [i for i in self.images if fragment in (i.name or "")]
        assert len(found) == 1, [i.name for i in self.images]
        return found[0]


@functools.cache
def _build(root: Path) -> Demo:
    # Cached per session's base directory: the server and client suites share one build.
    from imagesteward.demo import build_demo

    result = build_demo(root / "server-demo", scale=DEMO_SCALE)
    assert result.report.exit_code == 0, result.report.outcomes
    return Demo(result.home, tuple(result.images))


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo installation (SQLite, local store, renditions)."""
    return _build(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def app(demo: Demo) -> FastAPI:
    """The application of the demo installation."""
    return build_app(load_settings(demo.home))


@pytest.fixture(scope="session")
def api(app: FastAPI) -> Iterator[TestClient]:
    """FastAPI's in-process client, lifespan run (installation open)."""
    with TestClient(app) as client:
        yield client


@dataclass
class LiveServer:
    """A uvicorn server in a thread of the test process."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        """Ask the server to exit and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout=30)


def serve_in_thread(app: FastAPI) -> LiveServer:
    """Start ``app`` under uvicorn on 127.0.0.1 with a port the kernel picks."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return LiveServer(f"http://127.0.0.1:{port}", server, thread)


@pytest.fixture(scope="session")
def live(demo: Demo) -> Iterator[LiveServer]:
    """The demo's app behind a real HTTP server."""
    running = serve_in_thread(build_app(load_settings(demo.home)))
    yield running
    running.stop()


def oracles_dir(*tools: str) -> Path:
    """The external validators' install; a missing one FAILS the test (never skips it)."""
    root = Path(os.environ.get("ORACLES_DIR", Path.home() / ".cache" / "imagesteward-oracles"))
    missing = [tool for tool in tools if not (root / "venv" / "bin" / tool).is_file()]
    if missing:
        pytest.fail(
            f"oracle tools missing from {root}/venv/bin: {', '.join(missing)}. Run "
            f"'ORACLES_DIR={root} bash ../shared/oracles/setup.sh' (and, until setup.sh installs "
            f"it, '{root}/venv/bin/pip install openapi-spec-validator')."
        )
    return root
