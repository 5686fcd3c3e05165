"""The web UI's templates and static files: one :class:`Site` per application.

Static files are served below ``/static/{digest}/``, the digest being a hash of all of them:
a URL names one version of a file for ever, so browsers may cache it as immutable, and the
viewer's ES modules import each other by relative URL and so stay within one version.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from imagesteward import __version__
from imagesteward.server._conditional import CACHE_IMMUTABLE
from imagesteward.server._present import API
from imagesteward.server.web._format import FILTERS
from imagesteward.server.web._identity import signed_in

__all__ = ["STATIC_DIRECTORY", "Site", "VersionedStaticFiles", "static_digest"]

STATIC_DIRECTORY = Path(__file__).parent / "static"


def static_digest(directory: Path = STATIC_DIRECTORY) -> str:
    """A short hash of every static file's path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\x00")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class VersionedStaticFiles(StaticFiles):
    """Static files whose URL carries their version: cached as immutable."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """The file, with a Cache-Control that lets browsers keep it."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = CACHE_IMMUTABLE
        return response


@dataclass(frozen=True)
class Site:
    """Templates and the static files' version, shared by every page of one application."""

    environment: Environment
    digest: str

    @classmethod
    def create(cls) -> Site:
        """Load nothing yet: templates are compiled on first use, and cached."""
        environment = Environment(
            loader=PackageLoader("imagesteward.server.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,  # a misspelt variable is an error, not an empty string
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.filters.update(FILTERS)
        return cls(environment, static_digest())

    @property
    def static_path(self) -> str:
        """The mount path of this version of the static files."""
        return f"/static/{self.digest}"

    def render(
        self, request: Request, template: str, context: dict[str, Any], status: int = 200
    ) -> HTMLResponse:
        """A page: ``template`` rendered with ``context`` and what every page uses."""
        root = str(request.scope.get("root_path", "")).rstrip("/")
        common = {
            "root": root,
            "api": f"{root}{API}",
            "static": f"{root}{self.static_path}",
            "version": __version__,
            "path": request.url.path,
            "me": signed_in(request),
        }
        body = self.environment.get_template(template).render(**common, **context)
        # Pages reflect the catalog as it is now: never serve a stale one from a cache.
        headers = {"Cache-Control": "no-cache"}
        return HTMLResponse(body, status_code=status, headers=headers)
