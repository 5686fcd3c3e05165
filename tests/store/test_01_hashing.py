"""The single read pass: SHA-256 and copy agree with hashlib for every size and buffer."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imagesteward.errors import StoreError
from imagesteward.store import sha256_file
from imagesteward.store._hashing import copy_and_hash
from tests.store.conftest import random_bytes

BUFFER = 64 * 1024
# Around the buffer size (serial path below it, pipelined ring above) and across the ring.
SIZES = [0, 1, BUFFER - 1, BUFFER, BUFFER + 1, 3 * BUFFER + 17, 11 * BUFFER]


@pytest.mark.parametrize("size", SIZES)
def test_copy_and_hash_matches_hashlib(tmp_path: Path, size: int) -> None:
    data = random_bytes(size, seed=size)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    dst = tmp_path / "dst.bin"

    digest, copied = copy_and_hash(src, dst, buffer_bytes=BUFFER, fsync=True)

    assert digest == hashlib.sha256(data).hexdigest()
    assert copied == size
    assert dst.read_bytes() == data
    assert sha256_file(src, BUFFER) == (digest, size)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(0, 300_000), buffer=st.integers(4096, 70_000))
def test_any_size_and_buffer(tmp_path: Path, size: int, buffer: int) -> None:
    data = random_bytes(size, seed=size ^ buffer)
    src = tmp_path / f"h-{size}-{buffer}.bin"
    src.write_bytes(data)
    expected = (hashlib.sha256(data).hexdigest(), size)
    assert sha256_file(src, buffer) == expected
    dst = tmp_path / f"c-{size}-{buffer}.bin"
    assert copy_and_hash(src, dst, buffer_bytes=buffer, fsync=False) == expected
    assert dst.read_bytes() == data


def is_direct(fd: int) -> bool:
    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT)


def test_large_copies_bypass_the_page_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = random_bytes(5 * BUFFER + 123, seed=5)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    real_write = os.write
    modes: list[bool] = []

    def recording_write(fd: int, view: memoryview) -> int:
        modes.append(is_direct(fd))
        return real_write(fd, view)

    monkeypatch.setattr(os, "write", recording_write)
    copy_and_hash(src, tmp_path / "dst.bin", buffer_bytes=BUFFER, fsync=True)
    monkeypatch.undo()
    assert modes[:5] == [True] * 5, "full buffers go out with O_DIRECT"
    assert modes[-1] is False, "the unaligned tail is written through the page cache"
    assert (tmp_path / "dst.bin").read_bytes() == data


@pytest.mark.parametrize("refuse_after", [0, 2])
def test_filesystem_refusing_direct_io_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refuse_after: int
) -> None:
    data = random_bytes(6 * BUFFER + 5, seed=6)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    real_write = os.write
    direct_writes: list[int] = []

    def refusing_write(fd: int, view: memoryview) -> int:
        if is_direct(fd):
            direct_writes.append(len(view))
            if len(direct_writes) > refuse_after:
                raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, view)

    monkeypatch.setattr(os, "write", refusing_write)
    digest, size = copy_and_hash(src, tmp_path / "dst.bin", buffer_bytes=BUFFER, fsync=True)
    monkeypatch.undo()
    assert len(direct_writes) == refuse_after + 1
    assert (digest, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert (tmp_path / "dst.bin").read_bytes() == data


def test_short_direct_write_is_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = random_bytes(4 * BUFFER, seed=7)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    real_write = os.write
    shortened: list[int] = []

    def short_write(fd: int, view: memoryview) -> int:
        if is_direct(fd) and not shortened:
            shortened.append(fd)
            return real_write(fd, view[:4096])  # aligned but short
        return real_write(fd, view)

    monkeypatch.setattr(os, "write", short_write)
    copy_and_hash(src, tmp_path / "dst.bin", buffer_bytes=BUFFER, fsync=False)
    monkeypatch.undo()
    assert shortened
    assert (tmp_path / "dst.bin").read_bytes() == data


def test_copy_refuses_existing_destination(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(b"new")
    dst = tmp_path / "dst.bin"
    dst.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        copy_and_hash(src, dst, buffer_bytes=BUFFER, fsync=False)
    assert dst.read_bytes() == b"keep me"


def test_missing_source_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"Cannot read .*nothing\.bin"):
        sha256_file(tmp_path / "nothing.bin")


@pytest.mark.parametrize("size", [BUFFER // 2, 8 * BUFFER])
def test_file_growing_during_copy_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    # An instrument still writing the file: it grows after the first read.
    src = tmp_path / "acquiring.bin"
    src.write_bytes(random_bytes(size, seed=1))
    real_readv = os.readv
    calls: list[int] = []

    def readv_then_grow(fd: int, buffers: list[memoryview]) -> int:
        calls.append(fd)
        if len(calls) == 1:
            with src.open("ab") as more:
                more.write(b"next frame")
        return real_readv(fd, buffers)

    monkeypatch.setattr(os, "readv", readv_then_grow)
    dst = tmp_path / "copy.bin"
    with pytest.raises(StoreError, match="changed while it was being read"):
        copy_and_hash(src, dst, buffer_bytes=BUFFER, fsync=False)
    assert not dst.exists(), "a partial copy must not be left behind"


def test_hash_failure_in_worker_thread_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_file: Callable[..., Path]
) -> None:
    src = make_file("big.bin", 6 * BUFFER)

    class BrokenHash:
        def update(self, data: memoryview) -> None:
            raise MemoryError("no memory for the hash")

        def hexdigest(self) -> str:
            raise AssertionError("must not be reached")

    monkeypatch.setattr(hashlib, "sha256", BrokenHash)
    with pytest.raises(MemoryError, match="no memory for the hash"):
        sha256_file(src, BUFFER)
