"""The two hot routes, tiles and Zarr keys, answered beneath the framework when all is plain.

A viewer asks for dozens of tiles or chunks per screen. Through FastAPI each costs ~0.35 ms of
CPU before the endpoint runs (routing, dependency solving, validation, Request and Response
objects, the access guard's two thread hops). :class:`FastPath` wraps the application and
answers GET and HEAD of ``/api/v1/images/{uuid}/tiles/...`` and ``/zarr/{uuid}/{key}`` in
raw ASGI, with one thread hop at most (none for a cached tile or, without access control, a
chunk), when the request is plain: a canonical UUID, parameters of the documented shape, no
``Range``, the image's location already known, the caller allowed.

It can only say yes. Everything else - every error, refusal, unknown parameter, range or
cold lookup - is handed to the application untouched, which answers it exactly as before:
status codes, problem documents and messages stay the application's by construction. What
the fast path does send is what the endpoints send: the same entity tags (computed by the same
functions), ``Cache-Control``, CORS headers and bytes (``tests/server/test_07_serve.py``
compares both paths header by header).

Authorization is the same decision, made by the same code: with access control on, the
caller is authenticated and the route's :data:`ROUTE_POLICY` rule decided by the guard's own
functions, in the thread hop that does the work; a refusal goes to the application, whose
guard refuses it in the usual words.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl
from uuid import UUID

import anyio.to_thread
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from imagesteward import __version__
from imagesteward.errors import ImageStewardError
from imagesteward.server._access_control import ROUTE_POLICY, RouteRule, _decide, authenticate
from imagesteward.server._api_zarr import CORS_HEADERS
from imagesteward.server._conditional import CACHE_LONG, etag_matches
from imagesteward.server._files import INLINE_READ
from imagesteward.server._present import API
from imagesteward.server._sessions import session_token
from imagesteward.server._tile_params import (
    CHANNELS_PATTERN,
    Extension,
    channel_settings,
    rendering_etag,
)
from imagesteward.server._zarr import ZarrLocation, media_type_of, safe_key

if TYPE_CHECKING:
    from imagesteward.catalog import AccessCatalog
    from imagesteward.render import ImageView, TileRenderer, TileRequest
    from imagesteward.server._services import Resources

__all__ = ["FastPath"]

_INDEX = r"([0-9]{1,7})"
# A UUID spelled as UUIDs are (other spellings the endpoints accept are theirs to answer).
_UUID = (
    r"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32})"
)
_TILE = re.compile(
    rf"^{API}/images/{_UUID}/tiles/{_INDEX}/{_INDEX}/{_INDEX}/{_INDEX}/{_INDEX}"
    r"\.(jpg|png|webp)$"
)
_ZARR = re.compile(rf"^/zarr/{_UUID}/(.+)$")
_CHANNELS = re.compile(CHANNELS_PATTERN)
_MAX_INDEX = 1_000_000  # the routes' own bound (le=1_000_000)
_TILE_RULE = ROUTE_POLICY[
    ("GET", f"{API}/images/{{image}}/tiles/{{level}}/{{t}}/{{z}}/{{x}}/{{y}}.{{ext}}")
]
_ZARR_RULE = ROUTE_POLICY[("GET", "/zarr/{image_uuid}/{key:path}")]
_CORS = [(name.lower().encode(), value.encode()) for name, value in CORS_HEADERS.items()]
_CACHE = (b"cache-control", CACHE_LONG.encode())
_MEDIA = {ext: ext.media_type.encode() for ext in Extension}


class _DelegateError(Exception):
    """Not plain after all: the application answers."""


class FastPath:
    """ASGI wrapper answering plain tile and Zarr-key requests; the rest goes to ``app``.

    ``served`` and ``delegated`` count the requests of the two routes it answered and handed
    on (tests check that the fast path really ran).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.served = 0
        self.delegated = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = _route_path(scope)
            handler = (
                self._zarr
                if path.startswith("/zarr/")
                else self._tile
                if path.startswith(f"{API}/images/") and "/tiles/" in path
                else None
            )
            if handler is not None:
                try:
                    await handler(scope, path, send)
                except _DelegateError:
                    self.delegated += 1
                else:
                    self.served += 1
                    return
        await self.app(scope, receive, send)

    # -- tiles ---------------------------------------------------------------------------------

    async def _tile(self, scope: Scope, path: str, send: Send) -> None:
        match = _TILE.match(path)
        if match is None:
            raise _DelegateError
        image = str(UUID(match[1]))
        level, t, z, x, y = (int(match[n]) for n in range(2, 7))
        if max(level, t, z, x, y) > _MAX_INDEX:
            raise _DelegateError
        ext = Extension(match[7])
        c, q = _tile_query(scope)
        headers = _headers(scope)
        if b"range" in headers or b"if-range" in headers:
            raise _DelegateError
        resources, access = _resources(self.app)
        location = resources.renditions.cached(image)
        if location is None:
            raise _DelegateError
        try:
            channels = channel_settings(c)
        except ImageStewardError:
            raise _DelegateError from None
        key = (level, t, z, x, y, channels, ext, q)
        etag = rendering_etag(location.plan, location.series_path, __version__, *key)
        fresh = etag_matches(headers.get(b"if-none-match"), etag)
        job = _TileJob(resources.renderer, location, key)
        if access is None:
            if fresh:
                await _not_modified(send, etag, ())
                return
            data = _guarded(job.in_memory)()
            if data is None:
                data = await anyio.to_thread.run_sync(_guarded(job.render))
        else:
            # As the guard does: decide first; a 304 then costs no rendering.
            decide = _decision(scope, headers, access, _TILE_RULE, {"image": match[1]})
            data = await anyio.to_thread.run_sync(_guarded(partial(job.render, skip=fresh), decide))
        if data is None:
            await _not_modified(send, etag, ())
            return
        await _ok(scope, send, data, etag, _MEDIA[ext], ())

    # -- Zarr keys -----------------------------------------------------------------------------

    async def _zarr(self, scope: Scope, path: str, send: Send) -> None:
        match = _ZARR.match(path)
        if match is None:
            raise _DelegateError
        image = str(UUID(match[1]))
        key = match[2]
        if safe_key(key) is None:
            raise _DelegateError
        headers = _headers(scope)
        if b"range" in headers or b"if-range" in headers:
            raise _DelegateError
        resources, access = _resources(self.app)
        location = resources.renditions.cached(image)
        if location is None or location.local is None:
            raise _DelegateError
        read = partial(_read_key, location, key, headers.get(b"if-none-match"))
        if access is None:
            # A local read up to 4 MiB (a page-cache hit in the common case) costs less than
            # the hop to a worker thread, as in the endpoint.
            etag, data = _guarded(read)()
        else:
            params = {"image_uuid": match[1], "key": key}
            decide = _decision(scope, headers, access, _ZARR_RULE, params)
            etag, data = await anyio.to_thread.run_sync(_guarded(read, decide))
        if data is None:
            await _not_modified(send, etag, _CORS)
            return
        await _ok(scope, send, data, etag, media_type_of(key).encode(), _CORS)


class _TileJob:
    """One tile request, resolved exactly as the tile endpoint resolves it."""

    def __init__(
        self, renderer: TileRenderer, location: ZarrLocation, key: tuple[Any, ...]
    ) -> None:
        self.renderer = renderer
        self.location = location
        self.key = key

    def request(self, view: ImageView) -> TileRequest:
        from imagesteward.render import TileRequest

        level, t, z, x, y, channels, ext, q = self.key
        size = view.tile_size
        if level >= len(view.levels) or t >= view.size_t or z >= view.size_z:
            raise _DelegateError  # the endpoint's 404
        height, width = view.level_size(level)
        if x * size >= width or y * size >= height:
            raise _DelegateError
        return TileRequest(level, x * size, y * size, size, size, z, t, channels, ext.kind, q)

    def in_memory(self) -> bytes | None:
        """The tile if making it reads nothing (cached, or its chunks decoded), else ``None``.

        Pure CPU of a few milliseconds, run on the event loop: with a worker process per
        core, a hop to a worker thread buys no parallelism and costs the hop and the GIL
        hand-overs of several threads rendering at once.
        """
        url, series = self.location.url, self.location.series_path
        view = self.renderer.described(url, series)
        if view is None:
            return None
        return self.renderer.render_in_memory(url, series, self.request(view))

    def render(self, *, skip: bool = False) -> bytes | None:
        """The tile (blocking); with ``skip``, only check it exists (for a 304)."""
        url, series = self.location.url, self.location.series_path
        request = self.request(self.renderer.describe(url, series))
        return None if skip else self.renderer.render(url, series, request)


def _read_key(
    location: ZarrLocation, key: str, if_none_match: str | None
) -> tuple[str, bytes | None]:
    """The key's entity tag and bytes (``None``: not modified), as the endpoint makes them."""
    try:
        fd = os.open(f"{location.local}/{key}", os.O_RDONLY)
    except OSError:
        raise _DelegateError from None  # missing (404) or unreadable: the endpoint says which
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > INLINE_READ:
            raise _DelegateError
        etag = f'"{location.plan[:16]}-{info.st_size:x}-{info.st_mtime_ns:x}"'
        if etag_matches(if_none_match, etag):
            return etag, None
        data = os.pread(fd, info.st_size, 0)
        if len(data) != info.st_size:  # changed under us: let the endpoint deal with it
            raise _DelegateError
        return etag, data
    finally:
        os.close(fd)


def _guarded[T](work: Callable[[], T], decide: Callable[[], None] | None = None) -> Callable[[], T]:
    """``work`` after the access decision; any error hands the request to the application."""

    def run() -> T:
        try:
            if decide is not None:
                decide()
            return work()
        except _DelegateError:
            raise
        except Exception:  # noqa: BLE001 - every failure is the application's to report
            # Refusals, missing keys, bad settings, failures: the application answers them
            # (and logs what must be logged) exactly as it would have without this path.
            raise _DelegateError from None

    return run


def _decision(
    scope: Scope,
    headers: dict[bytes, str],
    access: AccessCatalog,
    rule: RouteRule,
    params: dict[str, str],
) -> Callable[[], None]:
    """The guard's decision for this request, to run in a worker thread."""
    connection = HTTPConnection(scope)
    authorization = headers.get(b"authorization")
    try:
        if not authorization and (token := session_token(connection)):
            authorization = f"Bearer {token}"
    except ImageStewardError:
        raise _DelegateError from None
    remote = connection.client.host if connection.client else None

    def decide() -> None:
        principal = authenticate(access, authorization, remote=remote)
        _decide(access, principal, rule, params)

    return decide


def _resources(app: ASGIApp) -> tuple[Resources, AccessCatalog | None]:
    """The application's resources, and its access side when access control is enforced."""
    state = getattr(app, "state", None)
    resources: Resources | None = getattr(state, "resources", None)
    if resources is None:  # not started (no lifespan yet): the application explains
        raise _DelegateError
    if not resources.installation.settings.access_control:
        return resources, None
    access: AccessCatalog | None = getattr(state, "access", None)
    if access is None:
        raise _DelegateError
    return resources, access


def _tile_query(scope: Scope) -> tuple[str | None, int]:
    """``c`` and ``q`` when the query is exactly what the endpoint accepts, else delegate."""
    raw = scope.get("query_string", b"")
    if not raw:
        return None, 85
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    values = dict(pairs)
    if len(values) != len(pairs) or not set(values) <= {"c", "q"}:
        raise _DelegateError
    c = values.get("c")
    if c is not None and not _CHANNELS.match(c):
        raise _DelegateError
    q = values.get("q", "85")
    if not (q.isascii() and q.isdigit() and len(q) <= 3 and 1 <= int(q) <= 100):
        raise _DelegateError
    return c, int(q)


def _headers(scope: Scope) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in found:  # repeated headers: the application combines them its way
            raise _DelegateError
        found[name] = value.decode("latin-1")
    return found


def _route_path(scope: Scope) -> str:
    # As Starlette's router sees it: without the root path a proxy mounts the app under.
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path


async def _ok(
    scope: Scope,
    send: Send,
    data: bytes,
    etag: str,
    media_type: bytes,
    extra: tuple[tuple[bytes, bytes], ...] | list[tuple[bytes, bytes]],
) -> None:
    headers = [
        (b"etag", etag.encode()),
        _CACHE,
        *extra,
        (b"accept-ranges", b"bytes"),
        (b"content-type", media_type),
        (b"content-length", str(len(data)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    body = b"" if scope["method"] == "HEAD" else data
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _not_modified(
    send: Send, etag: str, extra: tuple[tuple[bytes, bytes], ...] | list[tuple[bytes, bytes]]
) -> None:
    headers = [(b"etag", etag.encode()), _CACHE, *extra]
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
