"""A module-level ASGI application for ASGI servers: ``uvicorn imagesteward.server.asgi:app``.

The installation is the one ``IMAGESTEWARD_HOME`` (or the working directory's nearest
``imagesteward.toml``) names. Importing this module reads nothing: the settings are loaded and
the real application built when the server first calls it (its lifespan start-up), so a wrong
home is reported by the server at start-up, with the usual message.

The application is wrapped in :class:`~imagesteward.server._fastpath.FastPath`, which answers
plain tile and Zarr-key requests beneath the framework (same decisions, same bytes and
headers) and hands everything else to it.
"""

from __future__ import annotations

import threading

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["app"]


class _FromEnvironment:
    """Builds :func:`~imagesteward.server.build_app` from the environment on first call."""

    def __init__(self) -> None:
        self._app: ASGIApp | None = None
        self._lock = threading.Lock()

    def _build(self) -> ASGIApp:
        with self._lock:
            if self._app is None:
                from imagesteward.config import load_settings
                from imagesteward.server._app import build_app
                from imagesteward.server._fastpath import FastPath

                self._app = FastPath(build_app(load_settings()))
            return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self._app or self._build())(scope, receive, send)


app = _FromEnvironment()
