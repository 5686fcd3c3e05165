"""The web application: REST API under ``/api/v1``, raw OME-Zarr at ``/zarr/{uuid}``.

Build it with :func:`build_app` from an installation's settings; serve it with
``steward serve`` (uvicorn) or any ASGI server through :mod:`imagesteward.server.asgi`::

    from imagesteward.config import load_settings
    from imagesteward.server import build_app

    app = build_app(load_settings(Path("/data/facility")))

Every route obtains a :class:`Viewer` (anonymous until authentication exists) and reaches data
only through the service layer, which receives that viewer; errors become RFC 9457 problem
documents in exactly one place. See ``docs/api.md``.
"""

from imagesteward.server._app import build_app
from imagesteward.server._fastpath import FastPath
from imagesteward.server._problems import Problem, status_of
from imagesteward.server._services import Resources, Services
from imagesteward.server._viewer import ANONYMOUS, Viewer, current_viewer

__all__ = [
    "ANONYMOUS",
    "FastPath",
    "Problem",
    "Resources",
    "Services",
    "Viewer",
    "build_app",
    "current_viewer",
    "status_of",
]
