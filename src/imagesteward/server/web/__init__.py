"""The web UI: server-rendered pages (Jinja2) with a canvas tile viewer of our own.

========================================  ==========================================================
``/``                                      home: totals, projects, instruments, recent images
``/browse?project=&dataset=&q=&cursor=``  project → dataset → image grid, name search, pages
``/images/{image}``                        metadata by REMBI section, files, renditions, the viewer
``/images/{image}/original-metadata``      the complete original metadata document (download)
``/images/{image}/histograms/{c}.json``    a channel's histogram, for the viewer's auto-contrast
``/login``, ``/shared``, ``/review``       sign in, "shared with me", a reviewer link opened
``/static/{digest}/...``                   CSS and JavaScript (ES modules, no build step)
========================================  ==========================================================

The viewer draws tiles the REST API renders (``/api/v1/images/{image}/tiles/...``); see
``docs/web.md`` for its design. :func:`install_web` adds all of this to an application.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Mount

from imagesteward.server.web import _access_pages, routes
from imagesteward.server.web._routing import RouteGroup
from imagesteward.server.web._site import STATIC_DIRECTORY, Site, VersionedStaticFiles

__all__ = ["install_web"]


def install_web(app: FastAPI) -> None:
    """Add the web UI's pages and static files to ``app``, after the API's routes."""
    site = Site.create()
    app.state.web_site = site
    static = Mount(site.static_path, app=VersionedStaticFiles(directory=STATIC_DIRECTORY))
    grouped = [*routes.pages.routes, *_access_pages.pages.routes, *routes.documents.routes, static]
    app.router.routes.append(RouteGroup(grouped))
