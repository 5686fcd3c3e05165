"""One pyramid level as decoded chunks: Zarr v2/v3 metadata, chunk keys, codecs, shards.

Chunks are fetched as bytes and decoded here (imagecodecs, one thread per chunk) rather than
through zarr-python's ``Array.__getitem__``: that call costs ~1-3 ms of asyncio and buffer
machinery before any decoding, more than rendering a whole tile (docs/render.md). What this
module understands is what imagesteward writes and what most NGFF writers produce - ``bytes``,
``blosc``, ``zstd``, ``gzip``/``zlib``, ``crc32c``, ``sharding_indexed`` with its index at
either end. Anything else (``transpose``, filters, Fortran order) is read through zarr-python,
one chunk at a time, so the result is the same, only slower.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Buffer
from dataclasses import dataclass
from typing import Any

import numpy as np

from imagesteward.errors import RenderError
from imagesteward.render._cache import LRUCache
from imagesteward.render._storage import Storage

__all__ = ["ChunkReader", "LevelArray", "open_level"]

_EMPTY = 2**64 - 1
_BYTES_CODECS = {"blosc", "zstd", "gzip", "zlib", "crc32c"}


@dataclass(frozen=True, slots=True)
class _Shards:
    """Sharding: inner chunks per shard along each axis, where the index is, its checksum."""

    grid: tuple[int, ...]
    index_at_end: bool
    index_crc: bool


@dataclass(frozen=True, slots=True)
class LevelArray:
    """What is needed to find and decode any chunk of one array."""

    key: str
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: np.dtype[Any]
    fill: float | int | bool
    chunk_prefix: str
    separator: str
    steps: tuple[str, ...]
    shards: _Shards | None
    supported: bool

    def object_key(self, position: tuple[int, ...]) -> str:
        """Store key of the chunk (or shard) at grid ``position``."""
        return f"{self.key}/{self.chunk_prefix}{self.separator.join(map(str, position))}"


class _UnsupportedCodecError(Exception):
    """A codec configuration this module does not decode itself (zarr-python will)."""


def open_level(storage: Storage, key: str) -> LevelArray:
    """Parse the array metadata at ``key`` (``zarr.json``, else ``.zarray``)."""
    raw = storage.get(f"{key}/zarr.json")
    version = 3
    if raw is None:
        raw, version = storage.get(f"{key}/.zarray"), 2
    if raw is None:
        raise RenderError(f"{storage.url}/{key}: no Zarr array there", key=key)
    try:
        meta = json.loads(raw)
        return _v3(key, meta) if version == 3 else _v2(key, meta)
    except (KeyError, TypeError, ValueError) as error:
        raise RenderError(f"{storage.url}/{key}: malformed array metadata ({error!r})") from error


def _v3(key: str, meta: dict[str, Any]) -> LevelArray:
    shape = tuple(int(n) for n in meta["shape"])
    chunks = tuple(int(n) for n in meta["chunk_grid"]["configuration"]["chunk_shape"])
    encoding = meta.get("chunk_key_encoding") or {"name": "default"}
    default = encoding.get("name", "default") == "default"
    separator = (encoding.get("configuration") or {}).get("separator", "/" if default else ".")
    dtype = np.dtype(meta["data_type"])
    fill = _fill(meta.get("fill_value"), dtype)
    try:
        codecs = list(meta["codecs"])
        shards = None
        if codecs and codecs[0]["name"] == "sharding_indexed" and len(codecs) == 1:
            config = codecs[0]["configuration"]
            inner = tuple(int(n) for n in config["chunk_shape"])
            index = [c["name"] for c in config.get("index_codecs", [])]
            if index not in (["bytes"], ["bytes", "crc32c"]):
                raise _UnsupportedCodecError(index)
            grid = tuple(s // c for s, c in zip(chunks, inner, strict=True))
            at_end = config.get("index_location", "end") == "end"
            shards = _Shards(grid, at_end, index[-1] == "crc32c")
            chunks, codecs = inner, list(config["codecs"])
        dtype, steps = _pipeline(codecs, dtype)
        supported = True
    except _UnsupportedCodecError:
        steps, supported = (), False
    prefix = "c" + separator if default else ""
    return LevelArray(key, shape, chunks, dtype, fill, prefix, separator, steps, shards, supported)


def _pipeline(
    codecs: list[dict[str, Any]], dtype: np.dtype[Any]
) -> tuple[np.dtype[Any], tuple[str, ...]]:
    if not codecs or codecs[0]["name"] != "bytes":
        raise _UnsupportedCodecError(codecs[:1])
    endian = (codecs[0].get("configuration") or {}).get("endian", "little")
    names = tuple(c["name"] for c in codecs[1:])
    if not set(names) <= _BYTES_CODECS:
        raise _UnsupportedCodecError(names)
    return dtype.newbyteorder("<" if endian == "little" else ">"), names


def _v2(key: str, meta: dict[str, Any]) -> LevelArray:
    shape = tuple(int(n) for n in meta["shape"])
    chunks = tuple(int(n) for n in meta["chunks"])
    dtype = np.dtype(meta["dtype"])
    compressor = meta.get("compressor")
    name = compressor["id"] if compressor else None
    supported = (
        not meta.get("filters") and meta.get("order", "C") == "C" and name in (None, *_BYTES_CODECS)
    )
    steps = (name,) if name and supported else ()
    separator = meta.get("dimension_separator") or "."
    fill = _fill(meta.get("fill_value"), dtype)
    return LevelArray(key, shape, chunks, dtype, fill, "", separator, steps, None, supported)


def _fill(value: Any, dtype: np.dtype[Any]) -> float | int | bool:
    if value is None:
        return 0
    if dtype.kind == "f":
        return float(value)  # "NaN", "Infinity" and numbers alike
    if dtype.kind == "b":
        return bool(value)
    return int(value)


def _decode_bytes(data: Buffer, steps: tuple[str, ...]) -> Buffer:
    import imagecodecs

    for name in reversed(steps):
        if name == "blosc":
            data = imagecodecs.blosc_decode(data, numthreads=1)
        elif name == "zstd":
            data = imagecodecs.zstd_decode(data)
        elif name == "gzip":
            data = imagecodecs.gzip_decode(data)
        elif name == "zlib":
            data = imagecodecs.zlib_decode(data)
        else:  # crc32c: a 4-byte checksum at the end; the decoders reject damaged streams
            data = memoryview(data)[:-4]
    return data


class ChunkReader:
    """Decoded chunks of one :class:`LevelArray` (inner chunks when sharded)."""

    def __init__(
        self, storage: Storage, array: LevelArray, storage_options: dict[str, Any]
    ) -> None:
        self.storage = storage
        self.array = array
        self._options = storage_options
        # Missing chunks read as the fill value: one zero-stride view, whatever the chunk size.
        self._fill = np.broadcast_to(np.array(array.fill, dtype=array.dtype), array.chunks)
        # Shard indexes are tiny and every inner chunk of a shard needs its shard's.
        self._indexes: LRUCache[tuple[int, ...], np.ndarray | None] = LRUCache(512, _one)
        self._zarr: Any = None
        self._zarr_lock = threading.Lock()

    def load(self, position: tuple[int, ...]) -> np.ndarray:
        """The chunk at grid ``position`` as a read-only array of the chunk shape."""
        array = self.array
        if not array.supported:
            return self._through_zarr(position)
        if array.shards is None:
            data = self.storage.get(array.object_key(position))
        else:
            data = self._from_shard(position)
        if data is None:
            return self._fill
        try:
            decoded = np.frombuffer(_decode_bytes(data, array.steps), dtype=array.dtype)
            chunk = decoded.reshape(array.chunks)
        except (RuntimeError, ValueError) as error:  # imagecodecs raises *Error(RuntimeError)
            where = f"{self.storage.url}/{array.object_key(position)}"
            raise RenderError(f"{where}: chunk cannot be decoded ({error})", chunk=where) from error
        return chunk if array.dtype.isnative else chunk.astype(array.dtype.newbyteorder("="))

    def _from_shard(self, position: tuple[int, ...]) -> bytes | None:
        shards = self.array.shards
        assert shards is not None
        outer = tuple(p // g for p, g in zip(position, shards.grid, strict=True))
        inner = tuple(p % g for p, g in zip(position, shards.grid, strict=True))
        key = self.array.object_key(outer)
        index = self._indexes.get_or_load(outer, lambda: self._shard_index(key))
        if index is None:
            return None
        number = int(np.ravel_multi_index(inner, shards.grid))
        offset, nbytes = int(index[2 * number]), int(index[2 * number + 1])
        if offset == _EMPTY:
            return None
        return self.storage.get_range(key, offset, nbytes)

    def _shard_index(self, key: str) -> np.ndarray | None:
        shards = self.array.shards
        assert shards is not None
        count = math.prod(shards.grid)
        size = 16 * count + (4 if shards.index_crc else 0)
        data = self.storage.get_range(key, -size if shards.index_at_end else 0, size)
        if data is None:
            return None
        if len(data) != size:
            raise RenderError(f"{self.storage.url}/{key}: shard index cut short", chunk=key)
        return np.frombuffer(data[: 16 * count], "<u8")

    def _through_zarr(self, position: tuple[int, ...]) -> np.ndarray:
        import zarr
        from zarr.storage import FsspecStore, LocalStore

        with self._zarr_lock:
            if self._zarr is None:
                url = self.storage.url
                store: Any = (
                    FsspecStore.from_url(url, storage_options=self._options, read_only=True)
                    if "://" in url
                    else LocalStore(url, read_only=True)
                )
                self._zarr = zarr.open_array(store, path=self.array.key, mode="r")
        chunks = self.array.chunks
        box = tuple(
            slice(p * c, min((p + 1) * c, n))
            for p, c, n in zip(position, chunks, self.array.shape, strict=True)
        )
        piece = np.asarray(self._zarr[box])
        if piece.shape == chunks:
            return piece
        full = np.full(chunks, self.array.fill, dtype=piece.dtype)
        full[tuple(slice(0, n) for n in piece.shape)] = piece
        return full


def _one(_: object) -> int:
    return 1
