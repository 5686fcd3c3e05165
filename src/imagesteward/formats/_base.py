"""Plumbing shared by the readers: handle bookkeeping and region indexing."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from imagesteward.formats.reader import OriginalMetadata, Selection
from imagesteward.model import ArrayStructure, SeriesInfo

__all__ = ["SourceBase", "region_index"]


def region_index(structure: ArrayStructure, selection: Selection | None) -> tuple[int | slice, ...]:
    """Translate a named-axis selection into a positional index over ``structure.dims``.

    Raises
    ------
    KeyError
        If ``selection`` names an axis the series does not have.
    IndexError
        If an integer index is outside the axis.
    """
    selection = selection or {}
    unknown = set(selection) - set(structure.dims)
    if unknown:
        raise KeyError(f"no axis {sorted(unknown)} in {''.join(structure.dims)}")
    index: list[int | slice] = []
    for dim, size in zip(structure.dims, structure.shape, strict=True):
        item = selection.get(dim, slice(None))
        if isinstance(item, int) and not -size <= item < size:
            raise IndexError(f"index {item} out of range for axis {dim} of size {size}")
        index.append(item)
    return tuple(index)


class SourceBase(ABC):
    """Common behaviour of image sources: files, cached series, idempotent close, ``with``.

    Subclasses register what must be released with :meth:`_on_close` and build their series in
    :meth:`_load_series`.
    """

    def __init__(self, path: Path, files: Sequence[Path] | None = None) -> None:
        self.path = path
        self._files: list[Path] = list(files) if files else [path]
        self._closers: list[Callable[[], object]] = []
        self._series_cache: list[SeriesInfo] | None = None
        self._closed = False

    @property
    def files(self) -> Sequence[Path]:
        return tuple(self._files)

    @property
    def series(self) -> Sequence[SeriesInfo]:
        if self._series_cache is None:
            self._series_cache = self._load_series()
        return tuple(self._series_cache)

    @abstractmethod
    def _load_series(self) -> list[SeriesInfo]:
        """Build every series' metadata and structure (called once, on first access)."""

    def original_metadata(self) -> OriginalMetadata | None:
        return None

    def _on_close(self, closer: Callable[[], object]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        errors: list[BaseException] = []
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception as exc:  # noqa: BLE001 - close everything, then report
                errors.append(exc)
        self._closers.clear()
        if errors:
            raise errors[0]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
