"""Sending bytes: local files, fsspec objects and rendered images, with ETags and ranges.

Every binary response goes through :func:`send`, so conditional requests (If-None-Match → 304)
and byte ranges (206, 416) behave the same for originals, Zarr keys and tiles.

uvicorn offers no zero-copy extension to ASGI applications, so ``os.sendfile`` is out of
reach; local files are read with ``os.pread`` in a worker thread instead - one thread hop for
a typical Zarr chunk, 1 MiB pieces for large originals - which keeps the event loop free.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from imagesteward.server._access_control import PRINCIPAL_KEY
from imagesteward.server._conditional import etag_matches, if_range_allows, parse_range

__all__ = [
    "ByteSource",
    "LocalFile",
    "MemoryBytes",
    "RemoteObject",
    "audit_download",
    "not_modified",
    "send",
]

PIECE = 1 << 20
#: Local reads up to this size happen on the event loop (see _SliceResponse).
INLINE_READ = 4 * 1024 * 1024


class ByteSource(Protocol):
    """Bytes of known size that can be read by range."""

    @property
    def size(self) -> int:
        """Total number of bytes."""
        ...

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)``; blocking (called in a worker thread)."""
        ...


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A regular file on a local file system."""

    path: Path
    size: int

    def read(self, start: int, end: int) -> bytes:
        """Read with ``pread``: no shared file position, so no locking between requests."""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            parts = []
            while start < end:
                chunk = os.pread(fd, end - start, start)
                if not chunk:
                    raise OSError(f"{self.path} is shorter than its {self.size} bytes")
                parts.append(chunk)
                start += len(chunk)
            return b"".join(parts)
        finally:
            os.close(fd)


@dataclass(frozen=True, slots=True)
class RemoteObject:
    """An object behind an fsspec file system (S3, HTTP...)."""

    fs: Any
    path: str
    size: int

    def read(self, start: int, end: int) -> bytes:
        """Read the byte range with one request."""
        data: bytes = self.fs.cat_file(self.path, start=start, end=end)
        return data


@dataclass(frozen=True, slots=True)
class MemoryBytes:
    """Bytes already in memory (a rendered tile, a document)."""

    data: bytes

    @property
    def size(self) -> int:
        """Length of the data."""
        return len(self.data)

    def read(self, start: int, end: int) -> bytes:
        """A slice of the data."""
        return self.data[start:end]


class _SliceResponse(Response):
    """Streams ``[start, end)`` of a source; the headers are complete before it starts."""

    def __init__(
        self, source: ByteSource, start: int, end: int, status: int, headers: dict[str, str]
    ) -> None:
        self.source = source
        self.start = start
        self.end = end
        self.status_code = status
        self.background = None
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if scope["method"] == "HEAD" or self.start >= self.end:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if isinstance(self.source, MemoryBytes) or (
            isinstance(self.source, LocalFile) and self.end - self.start <= INLINE_READ
        ):
            # A small local read (a page-cache hit in the common case) costs less than the
            # hop to a worker thread that would otherwise carry it.
            body = self.source.read(self.start, self.end)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        position = self.start
        while position < self.end:
            stop = min(position + PIECE, self.end)
            body = await anyio.to_thread.run_sync(self.source.read, position, stop)
            position = stop
            more = position < self.end
            await send({"type": "http.response.body", "body": body, "more_body": more})


def audit_download(request: Request, response: Response, sha256: str, name: str) -> None:
    """Write the download of an original to the audit log when it is a download's start.

    A GET answered with the bytes from offset 0 (200, or 206 from ``bytes 0-``) counts; a
    HEAD, a 304 and a later range of the same transfer (players and download managers fetch
    many) do not, so one download is one event however it is fetched.
    """
    if request.method != "GET" or response.status_code not in {200, 206}:
        return
    partial = response.status_code == 206
    if partial and not response.headers.get("content-range", "").startswith("bytes 0-"):
        return
    request.app.state.access.record_download(
        request.scope.get(PRINCIPAL_KEY), sha256, name=name, partial=partial,
        remote=request.client.host if request.client else None,
    )  # fmt: skip


def not_modified(request: Request, etag: str, cache_control: str) -> Response | None:
    """A 304 when the client's If-None-Match names ``etag``, else ``None``."""
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": cache_control})
    return None


def send(
    request: Request,
    source: ByteSource,
    *,
    etag: str,
    cache_control: str,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The response for a GET or HEAD of ``source``: 200, 206, 304 (or a 416 raised).

    Parameters
    ----------
    etag
        Strong entity tag (quoted) of the whole representation.
    cache_control
        Cache-Control of the representation (also sent with a 304).
    headers
        Further headers (Content-Disposition, CORS...).
    """
    common = {"ETag": etag, "Cache-Control": cache_control, **(headers or {})}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=common)
    size = source.size
    common["Accept-Ranges"] = "bytes"
    common["Content-Type"] = media_type
    wanted = None
    if if_range_allows(request.headers.get("if-range"), etag):
        wanted = parse_range(request.headers.get("range"), size)
    if wanted is None:
        return _SliceResponse(source, 0, size, 200, {**common, "Content-Length": str(size)})
    start, end = wanted
    return _SliceResponse(
        source,
        start,
        end,
        206,
        {
            **common,
            "Content-Range": f"bytes {start}-{end - 1}/{size}",
            "Content-Length": str(end - start),
        },
    )
