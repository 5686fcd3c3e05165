"""``steward serve``: the web application (REST API, OME-Zarr over HTTP) under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from imagesteward.cli.app import app, err_console, handle_errors, home_of

__all__ = ["serve"]


@app.command()
@handle_errors
def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=256, help="Worker processes (one per core).")
    ] = 1,
    root_path: Annotated[
        str, typer.Option("--root-path", help="Path prefix when served behind a proxy (/steward).")
    ] = "",
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = True,
) -> None:
    """Serve the catalog API at /api/v1 (docs at /api/v1/docs) and images at /zarr/{uuid}."""
    import uvicorn

    from imagesteward.config import HOME_ENV, load_settings
    from imagesteward.installation import open_installation

    settings = load_settings(home_of(ctx))
    # Fail here, with the CLI's one-line message, rather than in every worker's start-up.
    open_installation(settings.home).close()
    err_console().print(
        f"serving {settings.home} on http://{host}:{port}{root_path}/api/v1/docs "
        f"({workers} worker{'s' if workers > 1 else ''})"
    )
    options = {
        "host": host,
        "port": port,
        "root_path": root_path,
        "access_log": access_log,
        "log_level": "info",
    }
    # The module-level app (with its fast path for tiles and Zarr keys), imported by name so
    # that worker processes can import it too; it finds the installation in the environment.
    os.environ[HOME_ENV] = str(settings.home)
    uvicorn.run(
        "imagesteward.server.asgi:app",
        workers=workers,
        loop="uvloop",
        http="httptools",
        **options,  # type: ignore[arg-type]
    )
