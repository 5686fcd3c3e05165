"""Chunks and shards encoded here read back through zarr-python, byte for byte, every time."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
import zarr

from imagesteward.convert._codec import (
    BLOCKSIZE,
    CodecSpec,
    choose_codec,
    choose_shuffle,
    encode_chunk,
    encode_shard,
    iter_chunks,
)


def _write(
    root: Path,
    array: zarr.Array[Any],
    data: np.ndarray,
    key_prefix: str,
    codec: CodecSpec,
    shards: tuple[int, ...] | None,
) -> None:
    chunks = tuple(array.chunks)
    grid = shards or chunks
    for position, slices in iter_chunks(data.shape, grid):
        piece = data[slices]
        encoded = (
            encode_shard(piece, grid, chunks, codec)
            if shards
            else encode_chunk(piece, chunks, codec)
        )
        if encoded is None:
            continue
        path = root / key_prefix / "/".join(map(str, position))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encoded)


@pytest.mark.parametrize(("zarr_format", "shard"), [(2, False), (3, False), (3, True)])
@pytest.mark.parametrize("dtype", ["uint16", "int8", "float32", "bool", "complex64"])
@pytest.mark.parametrize("shuffle", ["shuffle", "bitshuffle"])
def test_zarr_reads_what_we_encode(
    tmp_path: Path, zarr_format: int, shard: bool, dtype: str, shuffle: str
) -> None:
    rng = np.random.default_rng(0)
    data = (rng.normal(size=(3, 37, 53)) * 50).astype(dtype)
    data[1] = 0  # an empty channel: its chunks are not written
    chunks, shards = (1, 16, 16), (1, 32, 32) if shard else None
    codec = CodecSpec("zstd", 1, shuffle)
    if zarr_format == 3:
        from zarr.codecs import BloscCodec

        array = zarr.create_array(
            tmp_path / "a",
            shape=data.shape,
            dtype=dtype,
            chunks=chunks,
            shards=shards,
            compressors=[
                BloscCodec(cname="zstd", clevel=1, shuffle=cast(Any, shuffle), blocksize=BLOCKSIZE)
            ],
            fill_value=False if dtype == "bool" else 0,
            zarr_format=3,
            chunk_key_encoding={"name": "default", "separator": "/"},
        )
        prefix = "c"
    else:
        from numcodecs import Blosc  # type: ignore[import-untyped]

        array = zarr.create_array(
            tmp_path / "a",
            shape=data.shape,
            dtype=dtype,
            chunks=chunks,
            compressors=Blosc("zstd", 1, {"shuffle": 1, "bitshuffle": 2}[shuffle], BLOCKSIZE),
            fill_value=False if dtype == "bool" else 0,
            zarr_format=2,
            chunk_key_encoding={"name": "v2", "separator": "/"},
        )
        prefix = ""
    _write(tmp_path / "a", array, data, prefix, codec, shards)
    back = zarr.open_array(tmp_path / "a", mode="r")[...]
    np.testing.assert_array_equal(back, data)
    keys = [
        p.relative_to(tmp_path / "a").as_posix()
        for p in (tmp_path / "a").rglob("*")
        if p.is_file() and p.name not in ("zarr.json", ".zarray", ".zattrs")
    ]
    assert keys
    assert not [k for k in keys if k.removeprefix("c/").split("/")[0] == "1"]


def test_encoding_is_deterministic_and_matches_numcodecs() -> None:
    from numcodecs import Blosc

    rng = np.random.default_rng(1)
    chunk = rng.integers(0, 4000, (512, 512), dtype=np.uint16)
    codec = CodecSpec("zstd", 1, "bitshuffle")
    first = codec.encode(chunk)
    assert all(codec.encode(chunk) == first for _ in range(3))
    assert Blosc("zstd", 1, Blosc.BITSHUFFLE).decode(first) == chunk.tobytes()


def test_negative_zero_is_not_mistaken_for_an_empty_chunk() -> None:
    chunk = np.full((4, 4), -0.0, dtype=np.float32)
    assert encode_chunk(chunk, (4, 4), CodecSpec("zstd", 1, "shuffle")) is not None
    assert (
        encode_chunk(np.zeros((4, 4), np.float32), (4, 4), CodecSpec("zstd", 1, "shuffle")) is None
    )


def test_edge_chunks_are_padded_to_full_size() -> None:
    codec = CodecSpec("none", 0, "noshuffle")
    encoded = encode_chunk(np.ones((3, 5), np.uint8), (4, 8), codec)
    assert encoded is not None and len(encoded) == 32
    assert np.frombuffer(encoded, np.uint8).reshape(4, 8)[:3, :5].all()


def test_shuffle_is_measured_on_the_data() -> None:
    rng = np.random.default_rng(2)
    codec = CodecSpec("zstd", 1, "auto")
    # Two noisy low bits (photon-starved counts): bit-shuffle wins; typical fluorescence and
    # bright 8-bit RGB brightfield: byte-shuffle, or none for 8-bit data.
    starved = (100 + rng.integers(0, 4, (512, 512))).astype(np.uint16)
    fluorescence = (100 + rng.poisson(20, (512, 512))).astype(np.uint16)
    brightfield = np.clip(rng.normal(200, 20, (512, 512)), 0, 255).astype(np.uint8)
    assert choose_shuffle(starved, codec) == "bitshuffle"
    assert choose_shuffle(fluorescence, codec) == "shuffle"
    assert choose_shuffle(brightfield, codec) in ("noshuffle", "bitshuffle")
    assert choose_shuffle(brightfield, CodecSpec("none", 0, "auto")) == "noshuffle"


def test_shuffle_is_chosen_on_all_samples_with_a_margin() -> None:
    rng = np.random.default_rng(2)
    codec = CodecSpec("zstd", 1, "auto")
    # Alone, this chunk compresses 19 % smaller bit-shuffled; beside a chunk of full-range noise
    # (where the two shuffles tie) the gain falls below the 5 % margin: byte-shuffle, faster.
    dim = (100 + rng.integers(0, 4, (512, 512))).astype(np.uint16)
    noise = rng.integers(0, 2**16, (512, 512), dtype=np.uint16)
    assert choose_shuffle([dim], codec) == "bitshuffle"
    assert choose_shuffle([dim, noise], codec) == "shuffle"


@pytest.mark.parametrize("shuffle", ["noshuffle", "shuffle", "bitshuffle"])
@pytest.mark.parametrize("dtype", ["<u2", "<f4", "<u8"])
def test_blosc_streams_carry_the_declared_typesize(shuffle: str, dtype: str) -> None:
    # A byte view once made blosc shuffle with typesize 1 (no shuffle at all for byte-shuffle):
    # the stream must say what zarr.json says, and shuffle its samples.
    from numcodecs import Blosc

    rng = np.random.default_rng(4)
    data = (100 + rng.poisson(20, (256, 256))).astype(dtype)
    ours = CodecSpec("zstd", 1, shuffle).encode(data)
    assert ours[3] == data.dtype.itemsize  # blosc 1 header: typesize
    decoded = np.frombuffer(Blosc().decode(ours), dtype=dtype).reshape(data.shape)
    np.testing.assert_array_equal(decoded, data)
    if shuffle == "shuffle":
        unshuffled = CodecSpec("zstd", 1, "noshuffle").encode(data)
        assert len(ours) < 0.8 * len(unshuffled)


def test_auto_compressor_is_lz4_unless_zstd_is_much_smaller() -> None:
    rng = np.random.default_rng(6)
    auto = CodecSpec("auto", 1, "auto")
    # Fluorescence-like: smooth structure with shot noise; zstd is only ~13 % smaller.
    y, x = np.mgrid[0:512, 0:512]
    smooth = rng.poisson(1500 * (1 + np.sin(x / 37.0) * np.cos(y / 23.0)) + 100)
    # Dim noise without structure: lz4 finds no repeats, zstd's entropy coder does the work.
    noisy = (100 + rng.poisson(20, (512, 512))).astype(np.uint16)
    assert choose_codec([smooth.astype(np.uint16)], auto) == CodecSpec("lz4", 1, "shuffle")
    assert choose_codec([noisy], auto) == CodecSpec("zstd", 1, "shuffle")
    # An explicit compressor or shuffle is kept.
    assert choose_codec([noisy], CodecSpec("lz4", 1, "auto")).compressor == "lz4"
    assert choose_codec([noisy], CodecSpec("auto", 1, "bitshuffle")).shuffle == "bitshuffle"
