"""A Python client of the imagesteward web API (httpx); it does not import the server.

::

    from imagesteward.client import Client

    with Client("http://127.0.0.1:8000") as client:
        for image in client.images(project="Autophagy"):
            print(image["uuid"], image["name"])
        image = next(client.search("cell4"))
        pixels = client.open_array(image, level=0)[0, 0, 0]   # lazy, chunk by chunk
        client.download_originals(image, Path("originals"))   # resumable, SHA-256 verified

Errors are the server's problem documents raised as :class:`ApiError` (a 404 is also the
library's :class:`~imagesteward.errors.NotFoundError`).
"""

from imagesteward.client._client import Client, ImageLike
from imagesteward.client._errors import (
    ApiConflictError,
    ApiError,
    ApiNotFoundError,
    ApiRequestError,
)

__all__ = [
    "ApiConflictError",
    "ApiError",
    "ApiNotFoundError",
    "ApiRequestError",
    "Client",
    "ImageLike",
]
