"""One read pass over a file that computes its SHA-256 and, optionally, writes a copy.

Three threads share a ring of buffers: the caller's thread reads, one thread hashes, one
writes, and a buffer is reused when both are done with it. ``hashlib`` and ``os.write`` release
the GIL on large buffers, so on two cores the pass runs at the speed of its slowest stage,
normally SHA-256 itself, and a write that stalls on the disk never stalls the hashing. Full
buffers are written with ``O_DIRECT`` (see :class:`_Sink`), so the copy costs no CPU beyond the
read and the hash.

Measured with ``benchmarks/ingest_copy_hash.py`` on a 2-core VM busy with other work (2 GiB,
warm page cache, best / median of 5, GB/s): SHA-256 alone 1.36-1.51 / 1.24-1.37; this pass,
fsync included, 1.34 / 1.21; ``cp`` 0.68 / 0.37. Designs that lost: read, hash and write in
turn in one thread (0.30 / 0.27); a hashing thread beside one that reads and writes through the
page cache (1.30 / 0.99: every write stall also stops the reads that feed the hasher); hashing
in the reading thread with a separate writer (0.45 / 0.35); these three threads with buffered
writes (1.20 / 0.63 with ``POSIX_FADV_DONTNEED`` writeback, 0.54 / 0.29 without). 1 MiB
buffers were slower (0.99 / 0.92); 4 to 16 MiB were within the noise. ``mmap`` of the source
would save the read copy but turns a file truncated by the instrument during ingest into a
SIGBUS that kills the process.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import mmap
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from imagesteward.errors import StoreError

__all__ = ["DEFAULT_BUFFER_BYTES", "copy_and_hash", "sha256_file"]

DEFAULT_BUFFER_BYTES = 8 * 2**20
# Six buffers let the reader run ahead while the hasher and the writer each hold one or two.
_RING = 6
# O_DIRECT alignment; also the page size on every platform we run on.
_ALIGN = 4096
# Without O_DIRECT, the copy is pushed to disk and dropped from the cache in windows this big.
_WRITEBACK_WINDOW = 32 * 2**20
# When copying, the source is read ahead by up to two windows. With the original on disk
# rather than in the page cache, reads compete with the copy's writes; keeping read requests
# queued raised cold copies from 0.40 to 0.59 GB/s (median). Hashing alone does better with
# the kernel's own read-ahead (0.87 vs 0.81 GB/s), so it is left to that.
_READAHEAD_WINDOW = 64 * 2**20


def sha256_file(path: Path, buffer_bytes: int = DEFAULT_BUFFER_BYTES) -> tuple[str, int]:
    """SHA-256 and size of a file, read once.

    Parameters
    ----------
    path
        The file.
    buffer_bytes
        Size of each read.

    Returns
    -------
    tuple[str, int]
        Lower-case hex digest and size in bytes.

    Raises
    ------
    StoreError
        When the file cannot be read or changes while it is read.
    """
    src = _open_source(path)
    try:
        return _pump(src, None, path, buffer_bytes)
    finally:
        os.close(src)


def copy_and_hash(
    src: Path, dst: Path, *, buffer_bytes: int, fsync: bool, mode: int = 0o644
) -> tuple[str, int]:
    """Copy ``src`` to the new file ``dst`` and hash it in the same read pass.

    Parameters
    ----------
    src
        The file to copy.
    dst
        Where the copy goes; must not exist.
    buffer_bytes
        Size of each read.
    fsync
        Flush the copy to stable storage before returning.
    mode
        Permissions of the copy (0o444 writes a read-only file through the descriptor that
        created it, so no later ``chmod`` dirties the flushed inode again).

    Returns
    -------
    tuple[str, int]
        Lower-case hex SHA-256 and size in bytes of what was copied.
    """
    src_fd = _open_source(src)
    try:
        dst_fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError:
        os.close(src_fd)
        raise
    try:
        result = _pump(src_fd, dst_fd, src, buffer_bytes)
        if fsync:
            os.fsync(dst_fd)
    except BaseException:
        os.close(dst_fd)
        dst.unlink(missing_ok=True)
        raise
    finally:
        os.close(src_fd)
    os.close(dst_fd)
    return result


def _open_source(path: Path) -> int:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise StoreError(
            f"Cannot read {path}: {exc.strerror}. Check that it exists and is readable.",
            path=str(path),
        ) from exc
    if hasattr(os, "posix_fadvise"):
        # Doubles the kernel's read-ahead: matters when the original is not yet cached.
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
    return fd


def _pump(src: int, dst: int | None, path: Path, buffer_bytes: int) -> tuple[str, int]:
    before = os.fstat(src)
    if before.st_size <= buffer_bytes:
        digest, size = _pump_serial(src, dst, min(buffer_bytes, max(before.st_size, 4096)))
    else:
        digest, size = _pump_pipelined(src, dst, buffer_bytes)
    after = os.fstat(src)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
        size != before.st_size
    ):
        raise StoreError(
            f"{path} changed while it was being read ({before.st_size} bytes before, "
            f"{size} read, {after.st_size} after). Wait until the instrument has finished "
            "writing it, then ingest it again.",
            path=str(path),
        )
    return digest, size


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        view = view[os.write(fd, view) :]


def _pump_serial(src: int, dst: int | None, buffer_bytes: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    view = memoryview(bytearray(buffer_bytes))
    total = 0
    while length := os.readv(src, [view]):
        digest.update(view[:length])
        if dst is not None:
            _write_all(dst, view[:length])
        total += length
    return digest.hexdigest(), total


class _Sink:
    """Writes the copy, straight to the device where the filesystem allows it.

    ``O_DIRECT`` writes go from the ring buffer to the disk by DMA: no copy into the page cache,
    whose allocation and memcpy cost as much CPU as reading (more on a VM that reclaims idle
    cache pages), and no gigabytes of dirty pages for the final fsync. It needs block-aligned
    memory, offsets and lengths: the ring buffers are page-aligned anonymous mappings, every
    full buffer is a multiple of the page size, and the unaligned tail of the file is written
    after switching ``O_DIRECT`` off. A filesystem that refuses ``O_DIRECT`` (``EINVAL``) gets
    ordinary writes, pushed to disk in windows with ``POSIX_FADV_DONTNEED`` (which on Linux
    starts asynchronous writeback and evicts what is already written) so dirty pages never pile
    up for the kernel to throttle.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.offset = 0
        self.mark = 0
        self.direct = False
        if hasattr(os, "O_DIRECT"):
            try:
                fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_DIRECT)
                self.direct = True
            except OSError:
                self.direct = False

    def write(self, view: memoryview) -> None:
        length = len(view)
        if self.direct:
            done = self._write_direct(view[: length - length % _ALIGN])
            if done < length:
                self._stop_direct()
                view = view[done:]
            else:
                view = view[length:]
        _write_all(self.fd, view)
        self.offset += length
        if not self.direct and self.offset - self.mark >= _WRITEBACK_WINDOW:
            start = max(0, self.mark - _WRITEBACK_WINDOW)
            os.posix_fadvise(self.fd, start, self.offset - start, os.POSIX_FADV_DONTNEED)
            self.mark = self.offset

    def _write_direct(self, view: memoryview) -> int:
        done = 0
        try:
            while done < len(view):
                written = os.write(self.fd, view[done:])
                done += written
                if written % _ALIGN:  # a short, unaligned write: finish without O_DIRECT
                    break
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
        return done

    def _stop_direct(self) -> None:
        fcntl.fcntl(self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~os.O_DIRECT)
        self.direct = False


def _pump_pipelined(src: int, dst: int | None, buffer_bytes: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = -(-buffer_bytes // _ALIGN) * _ALIGN
    # Anonymous mappings are page-aligned, as O_DIRECT requires.
    views = [memoryview(mmap.mmap(-1, size)) for _ in range(_RING)]
    consumers: list[Callable[[memoryview], object]] = [digest.update]
    if dst is not None:
        consumers.append(_Sink(dst).write)
    queues: list[queue.SimpleQueue[tuple[int, int] | None]] = [
        queue.SimpleQueue() for _ in consumers
    ]
    free: queue.SimpleQueue[int] = queue.SimpleQueue()
    users = [0] * _RING
    users_lock = threading.Lock()
    failure: list[BaseException] = []
    for index in range(_RING):
        free.put(index)

    def consume(
        work: queue.SimpleQueue[tuple[int, int] | None], action: Callable[..., object]
    ) -> None:
        # Always hands buffers back, even after a failure, so the reader never waits forever.
        while (item := work.get()) is not None:
            index, length = item
            if not failure:
                try:
                    action(views[index][:length])
                except Exception as exc:  # noqa: BLE001 - re-raised in the calling thread
                    failure.append(exc)
            with users_lock:
                users[index] -= 1
                if users[index] == 0:
                    free.put(index)

    threads = [
        threading.Thread(target=consume, args=pair, name="imagesteward-copy", daemon=True)
        for pair in zip(queues, consumers, strict=True)
    ]
    for thread in threads:
        thread.start()
    total = ahead = 0
    prefetch = dst is not None and hasattr(os, "posix_fadvise")
    try:
        while not failure:
            if prefetch and ahead - total < _READAHEAD_WINDOW:
                os.posix_fadvise(src, ahead, _READAHEAD_WINDOW, os.POSIX_FADV_WILLNEED)
                ahead += _READAHEAD_WINDOW
            index = free.get()
            length = os.readv(src, [views[index]])
            if length == 0:
                break
            users[index] = len(queues)
            for work in queues:
                work.put((index, length))
            total += length
    finally:
        for work in queues:
            work.put(None)
        for thread in threads:
            thread.join()
    if failure:
        raise failure[0]
    return digest.hexdigest(), total
