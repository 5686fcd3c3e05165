"""Tile rendering benchmark, in process: per-stage costs and tiles/s from 8 threads.

Run from the repository root::

    .venv/bin/python benchmarks/render.py            # 3-channel uint16 2048² x Z8, defaults
    .venv/bin/python benchmarks/render.py --z 1      # a plane image (1024² chunks)
    .venv/bin/python benchmarks/render.py --threads 8 --seconds 5
    .venv/bin/python benchmarks/render.py --rendition /tmp/demo/site/renditions/ea/....ome.zarr

Input (generated once, cached in ``benchmarks/_work/``): realistic fluorescence - smooth
structures in photon counts, Poisson shot noise and Gaussian read noise on a camera offset -
written as an OME-TIFF and converted with ``imagesteward.convert.to_ome_zarr`` (default
options: 8 x 512 x 512 chunks for a volume, 1024² for a plane).

Reported: per-stage CPU time per 512² tile (read chunk bytes, decode, cut the region, build a
lookup table, composite, encode JPEG/PNG/WebP with sizes and PSNR), then the renderer under
``--threads`` concurrent callers in three regimes - *cold* (nothing cached), *warm chunks*
(decoded chunks cached, every tile rendered anew: the user dragging a contrast slider) and
*warm tiles* (every tile cached: panning back) - as tiles/s and latency percentiles.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
SIZE = 2048
TILE = 512


def _smooth(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    spectrum = np.fft.rfft2(rng.standard_normal(shape).astype(np.float32))
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    spectrum *= np.exp(-(kx**2 + ky**2) * scale**2).astype(np.float32)
    field = np.fft.irfft2(spectrum, s=shape).astype(np.float32)
    field -= field.min()
    return field / field.max()


def _plane(rng: np.random.Generator, base: np.ndarray, brightness: float) -> np.ndarray:
    photons = rng.poisson(base * brightness).astype(np.float32)
    camera = 100 + photons + rng.normal(0, 2.0, base.shape).astype(np.float32)
    return np.clip(camera, 0, 4095).astype(np.uint16)


def make_input(z: int) -> Path:
    """OME-TIFF T1 C3 Z``z`` 2048² uint16, then its OME-Zarr rendition (both cached)."""
    import tifffile

    WORK.mkdir(exist_ok=True)
    name = f"render-3x{z}x{SIZE}x{SIZE}"
    tiff, zarr_path = WORK / f"{name}.ome.tif", WORK / f"{name}.ome.zarr"
    if zarr_path.is_dir():
        return zarr_path
    rng = np.random.default_rng(5)
    shapes = [
        (_smooth(rng, (SIZE, SIZE), 60.0) ** 3, 900.0),  # nuclei: large bright blobs
        (_smooth(rng, (SIZE, SIZE), 6.0) ** 4, 2500.0),  # fine fibres
        (_smooth(rng, (SIZE, SIZE), 15.0) ** 2, 400.0),  # dim cytoplasm
    ]
    data = np.empty((z, 3, SIZE, SIZE), dtype=np.uint16)
    for k in range(z):
        focus = 1.0 - 0.6 * abs(k - z / 2) / max(z, 1)
        for c, (base, brightness) in enumerate(shapes):
            data[k, c] = _plane(rng, base, brightness * focus)
    tifffile.imwrite(
        tiff,
        data,
        ome=True,
        tile=(TILE, TILE),
        metadata={
            "axes": "ZCYX",
            "PhysicalSizeX": 0.1,
            "PhysicalSizeY": 0.1,
            "PhysicalSizeZ": 0.3,
            "Channel": {"Name": ["DAPI", "GFP", "mCherry"]},
        },
    )
    from imagesteward.convert import SourceSpec, to_ome_zarr
    from imagesteward.formats import ReadContext, default_registry

    source, report = default_registry().open(tiff, ReadContext(allowed_roots=(WORK,)))
    with source:
        to_ome_zarr(source, zarr_path, source_spec=SourceSpec(str(tiff), report.chosen.name))
    return zarr_path


def _cpu_ms(function: Callable[[], Any], repeat: int = 7, number: int = 10) -> float:
    """Best per-call thread CPU time: robust on a machine shared with other work."""
    function()
    best = float("inf")
    for _ in range(repeat):
        start = time.thread_time()
        for _ in range(number):
            function()
        best = min(best, (time.thread_time() - start) / number)
    return best * 1e3


def _wall_ms(function: Callable[[], Any], repeat: int = 15) -> float:
    """Median wall time (zarr-python works in its own threads: CPU time would hide it)."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else 10 * np.log10(255.0**2 / error)


def stages(url: str) -> None:
    """CPU time of each stage for one 512² tile of level 0 with the default channels."""
    import imagecodecs
    import zarr

    from imagesteward.render import TileRenderer, TileRequest
    from imagesteward.render._cache import LRUCache
    from imagesteward.render._composite import LutCache, _build, composite
    from imagesteward.render._encode import encode
    from imagesteward.render._image import OpenImage
    from imagesteward.render._renderer import _nbytes
    from imagesteward.render._storage import open_storage

    storage = open_storage(url, None)
    image = OpenImage(url, storage, "", LRUCache(2**30, _nbytes), {})
    view = image.view
    reader = image.readers[0]
    position = (0,) * len(view.axes)
    key = reader.array.object_key(position)
    raw = storage.get(key)
    assert raw is not None
    channels = view.channel_plans(())
    z = image.level_z(0, view.default_z)
    decoded_mb = np.prod(reader.array.chunks) * reader.array.dtype.itemsize / 2**20
    print(
        f"\n## Stages (one 512² tile, level 0, {len(channels)} channels {view.dtype};"
        f" chunks {reader.array.chunks})"
    )
    print(f"chunk: {len(raw) / 2**20:.2f} MiB stored, {decoded_mb:.2f} MiB decoded")
    inner = (0,) * (len(view.axes) - 2)
    rows = [
        ("read chunk bytes (local file)", _cpu_ms(lambda: storage.get(key))),
        ("decode chunk (blosc, 1 thread)", _cpu_ms(lambda: reader.load(position), number=3)),
        ("decode + split into planes", _cpu_ms(lambda: image._split(0, position, inner), 5, 3)),
    ]
    array = zarr.open_array(url, path="0", mode="r")
    index = tuple(slice(0, TILE) if a in view.plane_axes else 0 for a in view.axes)
    rows.append(("  zarr-python a[one channel's tile] (wall)", _wall_ms(lambda: array[index])))

    def regions() -> list[np.ndarray]:
        return [image.region(0, 0, c.index, z, 0, TILE, 0, TILE) for c in channels]

    rows.append((f"cut {len(channels)} regions from cached planes", _cpu_ms(regions)))
    rows.append(
        (
            f"build one {2 ** (8 * image.dtype.itemsize)}-entry LUT",
            _cpu_ms(lambda: _build(image.dtype, channels[0].window, 0.8, 255)),
        )
    )
    planes = regions()
    luts = LutCache(2**24)
    shape = planes[0].shape
    rgb = composite(planes, channels, luts, shape)
    rows.append(
        (
            f"composite {len(channels)} channels (LUTs cached)",
            _cpu_ms(lambda: composite(planes, channels, luts, shape)),
        )
    )
    rgbx = composite(planes, channels, luts, shape, rgbx=True)
    rows.append(
        (
            f"  packed RGBX, as the renderer asks ({'x'.join(map(str, rgbx.shape))})",
            _cpu_ms(lambda: composite(planes, channels, luts, shape, rgbx=True)),
        )
    )
    rows.append(
        ("  encode jpeg q85 from RGBX", _cpu_ms(lambda: encode(rgbx, "jpeg", 85), number=3))
    )
    for label, kind, quality in (
        ("jpeg q85", "jpeg", 85),
        ("jpeg q75", "jpeg", 75),
        ("png", "png", 85),
        ("webp q85", "webp", 85),
        ("webp q75", "webp", 75),
    ):
        data = encode(rgb, kind, quality)  # type: ignore[arg-type]
        decoded = imagecodecs.imread(data)
        ms = _cpu_ms(lambda k=kind, q=quality: encode(rgb, k, q), number=3)  # type: ignore[misc]
        psnr = _psnr(decoded, rgb)
        rows.append((f"encode {label}: {len(data) / 1024:.0f} KiB, PSNR {psnr:.1f} dB", ms))
    renderer = TileRenderer()
    cached = TileRequest(0, 0, 0, TILE, TILE, z=view.default_z)
    renderer.render(url, "", cached)
    rows.append(
        (
            "render() served from the tile cache",
            _cpu_ms(lambda: renderer.render(url, "", cached), number=1000),
        )
    )
    width = max(len(label) for label, _ in rows)
    for label, ms in rows:
        print(f"{label:<{width}}  {ms:8.3f} ms")


def _tiles(view: Any, z: int) -> list[tuple[int, int, int]]:
    """``(level, x, y)`` of every 512² tile of every level."""
    out = []
    for level in range(len(view.levels)):
        height, width = view.level_size(level)
        out += [(level, x, y) for y in range(0, height, TILE) for x in range(0, width, TILE)]
    return out


def _request(view: Any, z: int, tile: tuple[int, int, int], shift: float) -> Any:
    """One tile with every channel's window end moved by ``shift``: a new cache key."""
    from imagesteward.render import ChannelSetting, TileRequest

    settings = tuple(
        ChannelSetting(c.index, c.color, (c.window[0], c.window[1] + shift)) for c in view.channels
    )
    level, x, y = tile
    return TileRequest(level, x, y, TILE, TILE, z=z, channels=settings)


def _drive(
    renderer: Any, url: str, make: Callable[[int], Any], threads: int, count: int, seconds: float
) -> tuple[list[float], float]:
    """Render ``make(0), make(1), ...`` from ``threads`` callers, until ``count`` requests
    (``count`` > 0) or ``seconds``; the latencies and the wall time."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = itertools.count()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        local = []
        while True:
            n = next(counter)  # atomic under the GIL
            if (count and n >= count) or (not count and time.perf_counter() > deadline):
                break
            request = make(n)
            start = time.perf_counter()
            renderer.render(url, "", request)
            local.append(time.perf_counter() - start)
        with lock:
            latencies.extend(local)

    start, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()
    CPU_SECONDS.append(time.process_time() - cpu)
    return latencies, time.perf_counter() - start


#: Process CPU time of each ``_drive`` run: CPU per tile does not depend on other load.
CPU_SECONDS: list[float] = []


def _row(name: str, latencies: list[float], wall: float, runs: int = 1) -> str:
    ordered = sorted(latencies)
    cpu = sum(CPU_SECONDS[-runs:]) / len(ordered) * 1e3

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3

    return (
        f"{name:<36} {len(ordered):>7} {len(ordered) / wall:>8.0f} {pick(0.5):>7.1f}"
        f" {pick(0.9):>7.1f} {pick(0.99):>7.1f} {ordered[-1] * 1e3:>7.1f} {cpu:>8.2f}"
    )


def throughput(url: str, threads: int, seconds: float, cache_mb: int) -> None:
    from imagesteward.render import TileRenderer

    renderer = TileRenderer(cache_bytes=cache_mb * 2**20)
    view = renderer.describe(url, "")
    z = view.default_z
    tiles = _tiles(view, z)
    print(
        f"\n## Throughput ({threads} threads, {os.cpu_count()} CPUs, 512² JPEG q85 tiles,"
        f" z={z}, cache {cache_mb} MiB, {len(tiles)} tiles over {len(view.levels)} levels)"
    )
    print(
        f"{'regime':<36} {'tiles':>7} {'tiles/s':>8} {'p50':>7} {'p90':>7} {'p99':>7}"
        f" {'max':>7} {'CPU/tile':>8}  (ms)"
    )
    # Cold: nothing cached, each tile once (every chunk decoded once); five rounds.
    cold: list[float] = []
    wall = 0.0
    for _ in range(5):
        renderer.clear()
        renderer.describe(url, "")
        latencies, seconds_taken = _drive(
            renderer, url, lambda n: _request(view, z, tiles[n], 0.0), threads, len(tiles), 0
        )
        cold += latencies
        wall += seconds_taken
    print(_row("cold (each tile once, 5 rounds)", cold, wall, runs=5))
    # Warm chunks: every request has new settings (never a cached tile), chunks are cached.
    for tile in tiles:
        renderer.render(url, "", _request(view, z, tile, 0.0))
    latencies, wall = _drive(
        renderer,
        url,
        lambda n: _request(view, z, tiles[n % len(tiles)], 1.0 + n // len(tiles)),
        threads,
        0,
        seconds,
    )
    print(_row("warm chunks (new settings each pass)", latencies, wall))
    # Warm tiles: the same requests again, served from the tile cache.
    latencies, wall = _drive(
        renderer, url, lambda n: _request(view, z, tiles[n % len(tiles)], 0.0), threads, 0, seconds
    )
    print(_row("warm tiles (cached bytes)", latencies, wall))
    stats = renderer.stats()
    print(f"tile cache: {stats.tiles}\nchunk cache: {stats.chunks}\nLUTs: {stats.luts}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--z", type=int, default=8, help="planes (1: a plane image)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--cache-mb", type=int, default=256, help="TileRenderer cache_bytes")
    parser.add_argument("--rendition", help="an existing rendition instead of the generated one")
    args = parser.parse_args()
    url = args.rendition or str(make_input(args.z))
    print(f"# benchmarks/render.py on {url}")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, load {os.getloadavg()}")
    stages(url)
    throughput(url, args.threads, args.seconds, args.cache_mb)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
