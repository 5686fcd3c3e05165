"""Throughput of the store's single copy-and-hash pass next to cp, sha256sum, OpenSSL and hashlib.

Usage::

    .venv/bin/python benchmarks/ingest_copy_hash.py [--size 4GiB] [--work DIR] [--repeat 3]
                                                    [--cold] [--alternatives]

Generates a file of ``--size`` bytes in ``--work`` (default ``benchmarks/_work/``, git-ignored)
and times every method ``--repeat`` times, round-robin so that load from other processes spreads
over all of them. Before each run the source is read once to bring it into the page cache
(``--cold`` instead evicts it with ``POSIX_FADV_DONTNEED``, which touches only that file), and
``fincore`` reports how much of it really was cached: on this VM the kernel reclaims idle page
cache pages within minutes, so "warm" has to be re-established and checked every time. Copies
are deleted and ``sync`` run between runs so one run's dirty pages do not slow the next.

The target: ``stage_file`` (copy + SHA-256, fsynced) at >= 90 % of the fastest way to compute
SHA-256 of the same file. ``--alternatives`` adds the designs that lost, to show why.
"""

from __future__ import annotations

import argparse
import hashlib
import mmap
import os
import platform
import queue
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from imagesteward.store import ObjectStore, _hashing, sha256_file

DEFAULT_WORK = Path(__file__).resolve().parent / "_work"
GB = 1e9


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?", text.strip(), re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 4GiB, 512MiB)")
    number, unit, suffix = float(match[1]), match[2].upper(), (match[3] or "").lower()
    base = 1024 if suffix == "ib" or not suffix else 1000
    return int(number * base ** " KMGT".index(unit or " "))


def make_source(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size == size:
        return
    block = bytearray(os.urandom(64 * 2**20))
    with path.open("wb") as out:
        written = 0
        while written < size:
            # A counter in every block: no two blocks equal, nothing for a filesystem to dedupe.
            block[:8] = written.to_bytes(8, "little")
            chunk = memoryview(block)[: size - written]
            out.write(chunk)
            written += len(chunk)
        os.fsync(out.fileno())


def cached_fraction(path: Path) -> float | None:
    if shutil.which("fincore") is None:
        return None
    out = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return int(out.stdout.split()[0]) / path.stat().st_size
    except (IndexError, ValueError):
        return None


def prepare(path: Path, cold: bool) -> None:
    os.sync()
    time.sleep(0.5)
    fd = os.open(path, os.O_RDONLY)
    try:
        if cold:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        else:
            buf = bytearray(8 * 2**20)
            while os.readv(fd, [buf]):
                pass
    finally:
        os.close(fd)


# -- the methods ------------------------------------------------------------------------------


def run_cp(src: Path, dst: Path) -> str | None:
    subprocess.run(["cp", str(src), str(dst)], check=True)
    return None


def run_cp_fsync(src: Path, dst: Path) -> str | None:
    subprocess.run(["cp", str(src), str(dst)], check=True)
    subprocess.run(["sync", str(dst)], check=True)  # coreutils: fsync of that one file
    return None


def run_sha256sum(src: Path, dst: Path) -> str | None:
    out = subprocess.run(["sha256sum", str(src)], capture_output=True, text=True, check=True)
    return out.stdout.split()[0]


def run_openssl(src: Path, dst: Path) -> str | None:
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", str(src)], capture_output=True, text=True, check=True
    )
    return out.stdout.rsplit("=", 1)[1].strip()


def hashlib_loop(buffer_bytes: int) -> Callable[[Path, Path], str | None]:
    def run(src: Path, dst: Path) -> str | None:
        digest = hashlib.sha256()
        view = memoryview(bytearray(buffer_bytes))
        with src.open("rb", buffering=0) as handle:
            while length := handle.readinto(view):
                digest.update(view[:length])
        return digest.hexdigest()

    return run


def run_hashlib_mmap(src: Path, dst: Path) -> str | None:
    digest = hashlib.sha256()
    with src.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        mm.madvise(mmap.MADV_SEQUENTIAL)
        view = memoryview(mm)
        step = 8 * 2**20
        for offset in range(0, len(view), step):
            digest.update(view[offset : offset + step])
        view.release()
    return digest.hexdigest()


def run_store_sha256_file(src: Path, dst: Path) -> str | None:
    return sha256_file(src)[0]


def run_blake3(src: Path, dst: Path) -> str | None:
    import blake3

    return str(blake3.blake3(max_threads=blake3.blake3.AUTO).update_mmap(str(src)).hexdigest())


def stage_file(
    fsync: bool, buffer_bytes: int = _hashing.DEFAULT_BUFFER_BYTES
) -> Callable[[Path, Path], str | None]:
    def run(src: Path, dst: Path) -> str | None:
        store = ObjectStore(dst, buffer_bytes=buffer_bytes, fsync=fsync)
        store.initialise()
        return store.stage_file(src).digest

    return run


class _BufferedSink(_hashing._Sink):
    """The store's writer with O_DIRECT switched off."""

    def __init__(self, fd: int) -> None:
        super().__init__(fd)
        if self.direct:
            self._stop_direct()


def stage_file_buffered(fadvise: bool) -> Callable[[Path, Path], str | None]:
    def run(src: Path, dst: Path) -> str | None:
        saved_sink, saved_window = _hashing._Sink, _hashing._WRITEBACK_WINDOW
        _hashing._Sink = _BufferedSink  # type: ignore[misc]
        if not fadvise:
            _hashing._WRITEBACK_WINDOW = 1 << 62
        try:
            return stage_file(True)(src, dst)
        finally:
            _hashing._Sink, _hashing._WRITEBACK_WINDOW = saved_sink, saved_window  # type: ignore[misc]

    return run


def plain_copy_hash(src: Path, dst: Path) -> str | None:
    """The obvious loop: read, hash, write, one after the other in one thread (buffered)."""
    digest = hashlib.sha256()
    view = memoryview(bytearray(_hashing.DEFAULT_BUFFER_BYTES))
    with src.open("rb", buffering=0) as inp, dst.open("wb", buffering=0) as out:
        while length := inp.readinto(view):
            digest.update(view[:length])
            out.write(view[:length])
        os.fsync(out.fileno())
    return digest.hexdigest()


def hash_thread_copy_hash(src: Path, dst: Path) -> str | None:
    """Hash in a second thread; the main thread reads and writes (buffered, fadvise)."""
    digest = hashlib.sha256()
    views = [memoryview(bytearray(_hashing.DEFAULT_BUFFER_BYTES)) for _ in range(4)]
    free: queue.SimpleQueue[int] = queue.SimpleQueue()
    full: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
    for index in range(4):
        free.put(index)

    def hash_buffers() -> None:
        while (item := full.get()) is not None:
            digest.update(views[item[0]][: item[1]])
            free.put(item[0])

    hasher = threading.Thread(target=hash_buffers)
    hasher.start()
    offset = mark = 0
    with src.open("rb", buffering=0) as inp, dst.open("wb", buffering=0) as out:
        while True:
            index = free.get()
            length = inp.readinto(views[index])
            if not length:
                break
            full.put((index, length))
            out.write(views[index][:length])
            offset += length
            if offset - mark >= 32 * 2**20:
                start = max(0, mark - 32 * 2**20)
                os.posix_fadvise(out.fileno(), start, offset - start, os.POSIX_FADV_DONTNEED)
                mark = offset
        full.put(None)
        hasher.join()
        os.fsync(out.fileno())
    return digest.hexdigest()


def writer_thread_copy_hash(src: Path, dst: Path) -> str | None:
    """Read and hash in the main thread, write (buffered) in a second thread."""
    digest = hashlib.sha256()
    views = [memoryview(bytearray(_hashing.DEFAULT_BUFFER_BYTES)) for _ in range(4)]
    free: queue.SimpleQueue[int] = queue.SimpleQueue()
    full: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
    for index in range(4):
        free.put(index)
    with src.open("rb", buffering=0) as inp, dst.open("wb", buffering=0) as out:

        def write() -> None:
            while (item := full.get()) is not None:
                out.write(views[item[0]][: item[1]])
                free.put(item[0])

        writer = threading.Thread(target=write)
        writer.start()
        while True:
            index = free.get()
            length = inp.readinto(views[index])
            if not length:
                break
            full.put((index, length))
            digest.update(views[index][:length])
        full.put(None)
        writer.join()
        os.fsync(out.fileno())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("4GiB"))
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="evict the source before each run")
    parser.add_argument("--alternatives", action="store_true", help="also time losing designs")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    src = args.work / f"source-{args.size}.bin"
    print(f"generating {src} ({args.size / GB:.2f} GB) ...", flush=True)
    make_source(src, args.size)

    hashers: dict[str, Callable[[Path, Path], str | None]] = {
        "sha256sum (GNU coreutils)": run_sha256sum,
        "hashlib, 1 thread, 1 MiB reads": hashlib_loop(2**20),
        "hashlib, 1 thread, 8 MiB reads": hashlib_loop(8 * 2**20),
        "hashlib, 1 thread, mmap": run_hashlib_mmap,
        "hashlib, read + hash threads (sha256_file)": run_store_sha256_file,
    }
    if shutil.which("openssl"):
        hashers["openssl dgst -sha256"] = run_openssl
    copiers: dict[str, Callable[[Path, Path], str | None]] = {
        "cp": run_cp,
        "cp + fsync": run_cp_fsync,
        "stage_file (copy + SHA-256, fsync)": stage_file(True),
        "stage_file (copy + SHA-256, no fsync)": stage_file(False),
    }
    if args.alternatives:
        copiers |= {
            "alt: 1 thread: read, hash, write in turn": plain_copy_hash,
            "alt: 2 threads: hash | read+write": hash_thread_copy_hash,
            "alt: 2 threads: read+hash | write": writer_thread_copy_hash,
            "alt: stage_file, buffered writes + fadvise": stage_file_buffered(fadvise=True),
            "alt: stage_file, buffered writes": stage_file_buffered(fadvise=False),
            "alt: stage_file, 1 MiB buffers": stage_file(True, 2**20),
            "alt: stage_file, 4 MiB buffers": stage_file(True, 4 * 2**20),
            "alt: stage_file, 16 MiB buffers": stage_file(True, 16 * 2**20),
        }
    info: dict[str, str] = {}
    try:
        import blake3  # noqa: F401

        hashers["blake3 (all cores; information only)"] = run_blake3
    except ImportError:
        info["blake3"] = "not installed"

    methods = {**hashers, **copiers}
    times: dict[str, list[float]] = {name: [] for name in methods}
    cached: dict[str, list[float]] = {name: [] for name in methods}
    digests: dict[str, set[str]] = {name: set() for name in methods}
    load_before = os.getloadavg()
    for rep in range(args.repeat):
        for name, method in methods.items():
            prepare(src, args.cold)
            fraction = cached_fraction(src)
            if fraction is not None:
                cached[name].append(fraction)
            with tempfile.TemporaryDirectory(dir=args.work) as tmp:
                dst = Path(tmp) / "copy"
                start = time.perf_counter()
                digest = method(src, dst)
                times[name].append(time.perf_counter() - start)
            if digest is not None:
                digests[name].add(digest)
            speed = args.size / times[name][-1] / GB
            print(f"  run {rep + 1}/{args.repeat} {name}: {speed:.2f} GB/s", flush=True)

    expected = hashlib_loop(8 * 2**20)(src, src)
    report(
        args=args,
        methods=methods,
        times=times,
        cached=cached,
        digests=digests,
        expected=expected,
        hashers=hashers,
        info=info,
        load_before=load_before,
    )


def report(
    *,
    args: argparse.Namespace,
    methods: dict[str, Callable[[Path, Path], str | None]],
    times: dict[str, list[float]],
    cached: dict[str, list[float]],
    digests: dict[str, set[str]],
    expected: str | None,
    hashers: dict[str, Callable[[Path, Path], str | None]],
    info: dict[str, str],
    load_before: tuple[float, float, float],
) -> None:
    size = args.size
    best = {name: size / min(t) / GB for name, t in times.items()}
    median = {name: size / statistics.median(t) / GB for name, t in times.items()}
    sha_names = [n for n in hashers if not n.startswith("blake3")]
    reference = max(sha_names, key=lambda n: best[n])
    print()
    print(
        f"file: {size / GB:.2f} GB, {args.repeat} runs each, page cache: "
        f"{'cold (evicted before each run)' if args.cold else 'warm (read just before each run)'}"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, "
        f"Python {platform.python_version()}, {hashlib.sha256().name} via OpenSSL"
    )
    print(
        f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} "
        "(other processes compete for the same cores)"
    )
    for key, value in info.items():
        print(f"{key}: {value}")
    header = f"{'method':46s} {'best GB/s':>9s} {'median':>7s} {'vs ref':>7s} {'cached':>7s} digest"
    print(header)
    print("-" * len(header))
    for name in methods:
        fraction = f"{min(cached[name]):6.0%}" if cached[name] else "    n/a"
        if not digests[name]:
            check = "-"
        else:
            check = "ok" if digests[name] == {expected} else f"MISMATCH {digests[name]}"
        ratio = best[name] / best[reference]
        print(f"{name:46s} {best[name]:9.2f} {median[name]:7.2f} {ratio:7.0%} {fraction} {check}")
    target = best["stage_file (copy + SHA-256, fsync)"] / best[reference]
    verdict = "met" if target >= 0.9 else "NOT met"
    print()
    print(f"reference (fastest SHA-256): {reference}, {best[reference]:.2f} GB/s")
    print(f"stage_file with fsync: {target:.0%} of the reference; target 90 % {verdict}")


if __name__ == "__main__":
    main()
