"""``Client``: the imagesteward REST API and OME-Zarr URLs from Python, over HTTP only.

Results are the API's JSON objects as dictionaries (their fields are documented in the
server's OpenAPI document at ``/api/v1/openapi.json``); listings are iterators that follow
the cursors, so ``for image in client.images(project="X")`` sees every image.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin

import httpx

from imagesteward.client._download import download_file
from imagesteward.client._errors import raise_for_problem

if TYPE_CHECKING:
    import zarr

__all__ = ["Client", "ImageLike"]

API = "/api/v1"

#: An image: its id or UUID (or prefix), or a dictionary the API returned for it.
ImageLike = int | str | Mapping[str, Any]


class Client:
    """A connection to an imagesteward server.

    Parameters
    ----------
    base_url
        The server's root, e.g. ``http://127.0.0.1:8000`` (with any proxy prefix).
    timeout
        Seconds to wait for each response.
    transport
        An httpx transport (tests, proxies); default: the network.
    storage_options
        Extra fsspec HTTP options for :meth:`open_array` (headers, client_kwargs...).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._storage_options = dict(storage_options or {})
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- catalog ------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """Server version, catalog backend and image count."""
        return self._get(f"{API}/health")

    def projects(self) -> list[dict[str, Any]]:
        """Every project."""
        items: list[dict[str, Any]] = self._get(f"{API}/projects")["items"]
        return items

    def datasets(self, project: str | None = None) -> list[dict[str, Any]]:
        """Datasets of a project, or all."""
        items: list[dict[str, Any]] = self._get(f"{API}/datasets", project=project)["items"]
        return items

    def instruments(self) -> list[dict[str, Any]]:
        """Every instrument with its Microscope document."""
        items: list[dict[str, Any]] = self._get(f"{API}/instruments")["items"]
        return items

    def images(
        self,
        *,
        project: str | None = None,
        dataset: str | None = None,
        q: str | None = None,
        format: str | None = None,  # noqa: A002 - the API's parameter name
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Every image matching the filters, fetched a page at a time."""
        return self._pages(
            f"{API}/images", project=project, dataset=dataset, q=q, format=format, limit=page_size
        )

    def search(self, q: str = "", *, page_size: int = 100) -> Iterator[dict[str, Any]]:
        """Every hit of a search (images, datasets, studies), following the pages.

        ``q`` is the server's query language (``docs/search.md``): free text, quoted phrases,
        ``field:value`` facets such as ``project:"Demo"`` or ``method:confocal``, date ranges.
        """
        page = self._get(f"{API}/search", q=q, limit=page_size, facets=0)
        while True:
            yield from page["hits"]
            if page["next_cursor"] is None:
                return
            # A cursor continues the query it came from: send the same query with it.
            page = self._get(
                f"{API}/search", q=q, limit=page_size, facets=0, cursor=page["next_cursor"]
            )

    def facets(self, q: str = "", *, values: int = 10) -> dict[str, list[dict[str, Any]]]:
        """The facet counts of a search: for each facet, its most frequent values."""
        facets: dict[str, list[dict[str, Any]]] = self._get(
            f"{API}/search", q=q, limit=1, facets=values
        )["facets"]
        return facets

    def image(self, image: ImageLike) -> dict[str, Any]:
        """One image by id, UUID or UUID prefix."""
        return self._get(f"{API}/images/{_ref(image)}")

    def metadata(self, image: ImageLike) -> dict[str, Any]:
        """The image's metadata document (schema class Image)."""
        return self._get(f"{API}/images/{_ref(image)}/metadata")

    def jsonld(self, image: ImageLike) -> dict[str, Any]:
        """The metadata document as JSON-LD."""
        return self._get(f"{API}/images/{_ref(image)}/metadata.jsonld")

    def files(self, image: ImageLike) -> list[dict[str, Any]]:
        """The image's original files, primary first."""
        items: list[dict[str, Any]] = self._get(f"{API}/images/{_ref(image)}/files")["items"]
        return items

    def renditions(self, image: ImageLike) -> list[dict[str, Any]]:
        """The image's OME-Zarr renditions, the served one first."""
        items: list[dict[str, Any]] = self._get(f"{API}/images/{_ref(image)}/renditions")["items"]
        return items

    # -- bytes --------------------------------------------------------------------------------

    def download(
        self,
        file: Mapping[str, Any],
        directory: Path,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> Path:
        """Download one original (an item of :meth:`files`) into ``directory``, verified.

        An interrupted download resumes where it stopped on the next call.
        """
        sha256 = str(file["sha256"])
        name = Path(str(file["name"])).name or sha256
        # Built from the digest rather than file["url"]: that URL is root-relative and already
        # holds any proxy prefix, which base_url holds too.
        return download_file(
            self._http,
            f"{API}/originals/{sha256}",
            sha256,
            Path(directory) / name,
            progress=progress,
        )

    def download_originals(self, image: ImageLike, directory: Path) -> list[Path]:
        """Download every original file of an image into ``directory``."""
        return [self.download(file, directory) for file in self.files(image)]

    def zarr_url(self, image: ImageLike) -> str:
        """The absolute URL of the image's OME-Zarr (a Zarr group any Zarr reader opens)."""
        uuid = image.get("uuid") if isinstance(image, Mapping) else None
        if uuid is None:
            uuid = self.image(image)["uuid"]
        return urljoin(self.base_url + "/", f"zarr/{uuid}")

    def open_array(self, image: ImageLike, level: int = 0) -> zarr.Array[Any]:
        """A lazy array of one resolution level, read chunk by chunk over HTTP.

        Needs ``zarr`` and fsspec's HTTP file system (``aiohttp``).
        """
        import zarr
        from zarr.storage import FsspecStore

        url = self.zarr_url(image)
        store = FsspecStore.from_url(url, read_only=True, storage_options=self._storage_options)
        group = zarr.open_group(store, mode="r")
        attributes: dict[str, Any] = dict(group.attrs)
        ome: dict[str, Any] = attributes.get("ome", attributes)  # NGFF 0.5 nests it, 0.4 not
        datasets: list[dict[str, Any]] = ome["multiscales"][0]["datasets"]
        if not 0 <= level < len(datasets):
            raise IndexError(f"level {level} of {url}: it has levels 0 to {len(datasets) - 1}")
        array = group[datasets[level]["path"]]
        assert isinstance(array, zarr.Array)
        return array

    # -- plumbing -----------------------------------------------------------------------------

    def _get(self, path: str, **params: Any) -> dict[str, Any]:
        response = self._http.get(path, params={k: v for k, v in params.items() if v is not None})
        raise_for_problem(response)
        data: dict[str, Any] = response.json()
        return data

    def _pages(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        page = self._get(path, **params)
        while True:
            yield from page["items"]
            if page["next_cursor"] is None:
                return
            page = self._get(path, limit=params["limit"], cursor=page["next_cursor"])


def _ref(image: ImageLike) -> str:
    if isinstance(image, Mapping):
        return str(image["uuid"])
    return str(image)
