"""How conversion tasks reach the pixels: a shared open source, or one re-opened from a spec.

The reader contract does not promise that one :class:`~imagesteward.formats.ImageSource` can be
read from several threads at once (tifffile shares one file handle), so a source object handed
to :func:`~imagesteward.convert.to_ome_zarr` is read under a lock; decoding still overlaps with
the pyramid and compression of other regions. With a :class:`SourceSpec` every worker thread
(and every Dask worker process) opens its own source and reads in parallel; the opened sources
are cached per process and thread and closed when the conversion ends.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from imagesteward.errors import ConfigurationError

if TYPE_CHECKING:
    import numpy as np

    from imagesteward.formats import ImageSource, Reader, Selection

__all__ = ["SharedSource", "SourceAccess", "SourceSpec", "SpecSource", "close_cached_sources"]


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A picklable recipe to open a source again, in another thread, process or machine.

    Attributes
    ----------
    path
        The file (or directory) to open; the same path must be valid where tasks run.
    reader
        A registered reader name (``"ome-tiff"``, see ``steward formats``) or
        ``"package.module:ReaderClass"`` for a reader that is not registered.
    allowed_roots
        Directories the reader may open companion files in (default: the file's directory).
    """

    path: str
    reader: str
    allowed_roots: tuple[str, ...] = ()

    def open(self) -> ImageSource:
        """Open the source (the caller closes it)."""
        from imagesteward.formats import ReadContext

        path = Path(self.path)
        roots = tuple(Path(r) for r in self.allowed_roots) or (path.parent,)
        return _reader(self.reader).open(path, ReadContext(allowed_roots=roots))


_readers: dict[str, Reader] = {}
_readers_lock = threading.Lock()


def _reader(name: str) -> Reader:
    with _readers_lock:
        if name not in _readers:
            if ":" in name:
                module, _, attribute = name.partition(":")
                try:
                    factory = getattr(importlib.import_module(module), attribute)
                except (ImportError, AttributeError) as exc:
                    raise ConfigurationError(f"cannot import reader {name!r}: {exc}") from exc
                _readers[name] = factory()
            else:
                from imagesteward.formats import default_registry

                try:
                    _readers[name] = default_registry().get(name)
                except KeyError as exc:
                    raise ConfigurationError(str(exc.args[0])) from exc
        return _readers[name]


class SourceAccess(Protocol):
    """What a region task reads pixels through."""

    def read(self, series: int, selection: Selection) -> np.ndarray:
        """Read a region of one series at full resolution."""


class SharedSource:
    """One open source, read under a lock (threads in this process only; not picklable)."""

    def __init__(self, source: ImageSource) -> None:
        self._source = source
        self._lock = threading.Lock()

    def read(self, series: int, selection: Selection) -> np.ndarray:
        with self._lock:
            return self._source.read(series, selection, 0)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError(
            "a conversion on a Dask cluster re-opens the source in every worker: pass "
            "source_spec=SourceSpec(path, reader)"
        )


_cache: dict[tuple[SourceSpec, int], ImageSource] = {}
_cache_lock = threading.Lock()


class SpecSource:
    """Sources opened from a spec, one per thread, cached for the process."""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec

    def read(self, series: int, selection: Selection) -> np.ndarray:
        key = (self.spec, threading.get_ident())
        with _cache_lock:
            source = _cache.get(key)
        if source is None:
            source = self.spec.open()
            with _cache_lock:
                _cache[key] = source
        return source.read(series, selection, 0)


def close_cached_sources(spec: SourceSpec | None = None) -> int:
    """Close the sources this process opened from ``spec`` (every spec when ``None``)."""
    with _cache_lock:
        keys = [k for k in _cache if spec is None or k[0] == spec]
        sources = [_cache.pop(k) for k in keys]
    for source in sources:
        source.close()
    return len(sources)
