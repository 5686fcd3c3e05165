"""Downloading originals: streamed, resumable with Range, verified against their SHA-256.

Bytes go to ``NAME.part`` beside the destination; an interrupted download continues from what
the part file holds (``Range`` plus ``If-Range`` on the digest, so a server that changed its
mind sends everything again), and the file gets its name only once its digest is right.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import httpx

from imagesteward.client._errors import raise_for_problem
from imagesteward.errors import IntegrityError

__all__ = ["download_file"]

_PIECE = 1 << 20


def download_file(
    http: httpx.Client,
    url: str,
    sha256: str,
    destination: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Fetch ``url`` into ``destination``, resuming a previous attempt, and verify it.

    Parameters
    ----------
    http
        The client to fetch with.
    url
        The original's download URL.
    sha256
        Its expected digest (hex).
    destination
        The final file; ``destination.part`` holds the bytes until they are verified.
    progress
        Called with (bytes so far, total bytes) after each piece.

    Raises
    ------
    IntegrityError
        When the bytes received do not hash to ``sha256`` (the part file is removed, so the
        next attempt starts afresh).
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(destination.name + ".part")
    digest = hashlib.sha256()
    have = part.stat().st_size if part.is_file() else 0
    if have:
        with part.open("rb") as existing:
            while chunk := existing.read(_PIECE):
                digest.update(chunk)
    headers = {}
    if have:
        headers = {"Range": f"bytes={have}-", "If-Range": f'"{sha256}"'}
    with http.stream("GET", url, headers=headers) as response:
        if response.status_code == 416:
            # The part file is already complete (or longer than the original): verify it.
            response.read()
            total = have
        else:
            raise_for_problem(response)
            if response.status_code == 200 and have:
                digest, have = hashlib.sha256(), 0  # the server sent everything again
            total = have + int(response.headers.get("Content-Length", 0))
            with part.open("ab" if have else "wb") as out:
                for chunk in response.iter_bytes(_PIECE):
                    out.write(chunk)
                    digest.update(chunk)
                    have += len(chunk)
                    if progress is not None:
                        progress(have, total)
    actual = digest.hexdigest()
    if actual != sha256.lower():
        part.unlink(missing_ok=True)
        raise IntegrityError(
            f"Downloaded {url} to {destination} but its SHA-256 is {actual}, not {sha256}; the "
            "partial file was removed - download it again.",
            url=url,
            expected=sha256,
            actual=actual,
        )
    part.replace(destination)
    return destination
