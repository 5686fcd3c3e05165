"""OME-Zarr conversion benchmark: imagesteward against ome-zarr-py and ngff-zarr.

Run from the repository root::

    .venv/bin/python benchmarks/convert.py                 # both inputs, every tool
    .venv/bin/python benchmarks/convert.py --inputs 5d     # the 1.6 GB 5-D OME-TIFF only
    .venv/bin/python benchmarks/convert.py --quick         # 400 MB / 1.6 GB variants
    .venv/bin/python benchmarks/convert.py --codecs        # the codec sweep behind the defaults

Inputs (generated once, cached in ``benchmarks/_work/``): realistic fluorescence - smooth
structures (cells, nuclei, fibres) in photon counts, Poisson shot noise and Gaussian read noise
on a camera offset, 12-bit range - never uniform random data, which compresses like nothing
real does. ``5d``: T1 C3 Z64 2048 x 2048 uint16 OME-TIFF, 512 x 512 tiles (1.6 GB). ``slide``:
a 3-channel 32768 x 32768 uint16 slide, 512 x 512 tiles (6.4 GB).

Every tool runs in its own process, watched with psutil (peak RSS of the process and its
children); throughput is input bytes / wall time. The peers (ome-zarr-py and ngff-zarr, pinned
in ``PEER_REQUIREMENTS``) run in a private virtual environment, ``benchmarks/_work/peers``,
which the script creates and fills from PyPI the first time (``--peer-python`` points at another
interpreter instead); they read a dask array over tifffile's zarr store of the same file. The
input file is in the page cache for every tool.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
ROOT = HERE.parent
PEER_VENV = WORK / "peers"
#: The peers as measured; bump deliberately (the venv is rebuilt when this list changes).
PEER_REQUIREMENTS = (
    "ome-zarr==0.21.0",
    "ngff-zarr==0.50.0",
    "tifffile",
    "imagecodecs",
)
TILE = 512

INPUTS: dict[str, dict[str, Any]] = {
    "5d": {"shape": (1, 3, 64, 2048, 2048), "axes": "TCZYX", "scale": (0.3, 0.1, 0.1)},
    "slide": {"shape": (1, 3, 1, 32768, 32768), "axes": "TCZYX", "scale": (1.0, 0.25, 0.25)},
}
QUICK = {"5d": (1, 3, 16, 2048, 2048), "slide": (1, 3, 1, 16384, 16384)}


# --------------------------------------------------------------------------- input generation
def _smooth(rng: Any, shape: tuple[int, int], scale: float) -> Any:
    import numpy as np

    spectrum = np.fft.rfft2(rng.standard_normal(shape).astype(np.float32))
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    spectrum *= np.exp(-(kx**2 + ky**2) * scale**2).astype(np.float32)
    field = np.fft.irfft2(spectrum, s=shape).astype(np.float32)
    field -= field.min()
    field /= field.max()
    return field


def _camera(rng: Any, signal: Any) -> Any:
    """Photon counts with shot noise (normal approximation of Poisson) and read noise."""
    import numpy as np

    noisy = signal + np.sqrt(signal) * rng.standard_normal(signal.shape, dtype=np.float32)
    noisy += 100.0 + 2.0 * rng.standard_normal(signal.shape, dtype=np.float32)
    return np.clip(noisy, 0, 4095).astype(np.uint16)


def _planes_5d(shape: tuple[int, ...], seed: int = 7) -> Any:
    import numpy as np

    _, channels, depth, height, width = shape
    rng = np.random.default_rng(seed)
    for c in range(channels):
        # Cells: blobs ~15 um across (150 px at 0.1 um) covering about half the field, textured
        # inside; thin bright fibres; a dim autofluorescent background on the camera offset.
        cells = 1.0 / (1.0 + np.exp(-(_smooth(rng, (height, width), 150.0) - 0.55) * 30.0))
        detail = _smooth(rng, (height, width), 6.0)
        fibres = _smooth(rng, (height, width), 2.5) ** 8
        amplitude = (2500.0, 1200.0, 600.0)[c % 3]
        for z in range(depth):
            focus = math.exp(-(((z - depth / 2) / (depth / 3)) ** 2))
            signal = amplitude * (cells * (0.2 + detail) * (0.3 + 0.7 * focus) + 0.6 * fibres)
            yield _camera(rng, (signal + 8.0).astype(np.float32))


def _planes_slide(shape: tuple[int, ...], seed: int = 11) -> Any:
    import numpy as np

    _, channels, _, height, width = shape
    rng = np.random.default_rng(seed)
    coarse = _smooth(rng, (height // 16, width // 16), 20.0)
    texture = [_smooth(rng, (2048, 2048), 3.0) ** 3 for _ in range(channels)]
    for c in range(channels):
        amplitude = (1800.0, 900.0, 400.0)[c % 3]
        for top in range(0, height, TILE):
            band = np.repeat(np.repeat(coarse[top // 16 : (top + TILE) // 16], 16, 0), 16, 1)
            rows = np.arange(top, top + TILE) % 2048
            pattern = np.tile(texture[c][rows], (1, width // 2048))
            signal = amplitude * (band**2) * (0.3 + pattern)
            yield _camera(rng, signal.astype(np.float32))


def make_input(name: str, quick: bool) -> Path:
    """Write (once) the OME-TIFF for an input and return its path."""
    import numpy as np
    import tifffile

    spec = INPUTS[name]
    shape = QUICK[name] if quick else spec["shape"]
    path = WORK / f"{name}-{'x'.join(map(str, shape))}.ome.tif"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    sz, sy, sx = spec["scale"]
    metadata = {
        "axes": "TCZYX",
        "PhysicalSizeX": sx,
        "PhysicalSizeY": sy,
        "PhysicalSizeZ": sz,
        "Channel": {"Name": ["DAPI", "GFP", "mCherry"][: shape[1]]},
    }
    started = time.perf_counter()
    planes = _planes_5d(shape) if name == "5d" else _planes_slide(shape)

    def tiles() -> Any:
        # Planes (5d) or bands of tile rows (slide), cut into tiles in file order.
        for block in planes:
            for top in range(0, block.shape[0], TILE):
                for left in range(0, block.shape[1], TILE):
                    yield block[top : top + TILE, left : left + TILE]

    data = tiles()
    with tifffile.TiffWriter(partial, bigtiff=True, ome=True) as tif:
        tif.write(
            data,
            shape=shape,
            dtype=np.uint16,
            tile=(TILE, TILE),
            photometric="minisblack",
            metadata=metadata,
            compression=None,
        )
    partial.rename(path)
    print(
        f"# generated {path.name} ({path.stat().st_size / 1e9:.2f} GB) in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return path


# --------------------------------------------------------------------------- peer environment
def peer_python() -> str:
    """The private interpreter with the peer tools, created and filled on first use."""
    python = PEER_VENV / "bin" / "python"
    stamp = PEER_VENV / "requirements.txt"
    wanted = "\n".join(PEER_REQUIREMENTS) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return str(python)
    print(f"# installing the peer tools into {PEER_VENV} ...", flush=True)
    shutil.rmtree(PEER_VENV, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    uv = shutil.which("uv") or next(
        (str(p) for p in (ROOT / ".venv-tools" / "bin" / "uv",) if p.exists()), None
    )
    if uv:
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, PEER_VENV], check=True)
        install = [uv, "pip", "install", "--quiet", "--python", str(python)]
    else:
        subprocess.run([sys.executable, "-m", "venv", PEER_VENV], check=True)
        install = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*install, *PEER_REQUIREMENTS], check=True)
    stamp.write_text(wanted)
    return str(python)


# --------------------------------------------------------------------------- tool workers
class BenchTiffReader:
    """Fallback reader (tifffile, series 0) for when the project's OME-TIFF reader fails."""

    name = "bench-tiff"
    title = "OME-TIFF (benchmark fallback)"
    suffixes = (".ome.tif",)
    library = "tifffile"

    def open(self, path: Path, context: Any) -> Any:
        return BenchTiffSource(path)


class BenchTiffSource:
    def __init__(self, path: Path) -> None:
        import tifffile

        from imagesteward import model

        self.path = path
        self._tif = tifffile.TiffFile(path)
        series = self._tif.series[0]
        self.dims = tuple(series.axes.replace("Q", "C"))
        self.shape = tuple(series.shape)
        self.dtype = series.dtype.name
        sizes = dict(zip(self.dims, self.shape, strict=True))
        spec = next(v for k, v in INPUTS.items() if path.name.startswith(k))
        sz, sy, sx = spec["scale"]
        names = ["DAPI", "GFP", "mCherry"]
        self.image = model.Image(
            series_index=0,
            file_format="ome-tiff",
            axes="".join(self.dims),
            pixel_type=self.dtype,
            size_t=sizes.get("T", 1),
            size_c=sizes.get("C", 1),
            size_z=sizes.get("Z", 1),
            size_y=sizes["Y"],
            size_x=sizes["X"],
            physical_size_x=sx,
            physical_size_y=sy,
            physical_size_z=sz if sizes.get("Z", 1) > 1 else None,
            channels=[
                model.Channel(
                    channel_index=i, name=names[i], emission_wavelength=(461.0, 510.0, 610.0)[i]
                )
                for i in range(sizes.get("C", 1))
            ],
        )

    @property
    def files(self) -> list[Path]:
        return [self.path]

    @property
    def series(self) -> list[Any]:
        from imagesteward.model import ArrayStructure, SeriesInfo

        return [SeriesInfo(self.image, ArrayStructure(self.dims, self.shape, self.dtype))]

    def read(self, series: int, selection: Any = None, level: int = 0) -> Any:
        import numpy as np

        index = tuple((selection or {}).get(d, slice(None)) for d in self.dims)
        ys, xs = (i if isinstance(i, slice) else slice(i, i + 1) for i in index[-2:])
        outer = index[:-2]
        grid = np.arange(int(np.prod(self.shape[:-2]))).reshape(self.shape[:-2])[outer]
        pages = np.atleast_1d(grid).ravel()
        y0, y1, _ = ys.indices(self.shape[-2])
        x0, x1, _ = xs.indices(self.shape[-1])
        out = np.empty((len(pages), y1 - y0, x1 - x0), dtype=self.dtype)
        for position, number in enumerate(pages):
            page = self._tif.pages[int(number)]
            if (y0, y1, x0, x1) == (0, self.shape[-2], 0, self.shape[-1]):
                page.asarray(out=out[position], maxworkers=1)  # whole plane
            else:
                self._window(page.aspage(), y0, y1, x0, x1, out[position])
        result = out.reshape(np.shape(grid) + out.shape[-2:])
        drop = tuple(0 if isinstance(i, int) else slice(None) for i in index[-2:])
        return result[(..., *drop)]

    def _window(self, page: Any, y0: int, y1: int, x0: int, x1: int, out: Any) -> None:
        """Decode only the tiles a window touches, straight from the file."""
        import numpy as np

        th, tw = page.tilelength, page.tilewidth
        across = -(-page.imagewidth // tw)
        handle = self._tif.filehandle
        # Uncompressed native-order tiles (the generated inputs) are read straight into a
        # reused buffer: one copy from the page cache, one into the window.
        raw = page.compression == 1 and page.dtype.byteorder in ("=", "<", "|")
        buffer = np.empty((th, tw), dtype=page.dtype)
        for ty in range(y0 // th, -(-y1 // th)):
            for tx in range(x0 // tw, -(-x1 // tw)):
                number = ty * across + tx
                handle.seek(page.dataoffsets[number])
                if raw and page.databytecounts[number] == buffer.nbytes:
                    readinto: Any = handle.readinto  # typed for bytearray; any buffer works
                    readinto(buffer)
                    tile = buffer
                else:
                    data = handle.read(page.databytecounts[number])
                    tile = page.decode(data, number)[0].reshape(th, tw)
                top, left = ty * th, tx * tw
                a, b = max(y0, top), min(y1, top + th)
                c, d = max(x0, left), min(x1, left + tw)
                out[a - y0 : b - y0, c - x0 : d - x0] = tile[a - top : b - top, c - left : d - left]

    def original_metadata(self) -> None:
        return None

    def close(self) -> None:
        self._tif.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_imagesteward(source_path: Path, out: Path, extra: dict[str, Any]) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "src"))
    from imagesteward.convert import ConvertOptions, SourceSpec, to_ome_zarr
    from imagesteward.errors import ImageStewardError
    from imagesteward.formats import ReadContext, default_registry

    try:
        registry = default_registry()
        source, report = registry.open(
            source_path, ReadContext(allowed_roots=(source_path.parent,))
        )
        assert report.chosen is not None
        reader = report.chosen.name
    except ImageStewardError as exc:
        # The project's reader refused the file: measure the engine through a plain reader.
        print(
            f"project reader failed ({exc}); using the benchmark's tifffile reader", file=sys.stderr
        )
        source, reader = BenchTiffSource(source_path), "convert:BenchTiffReader"
    spec = SourceSpec(str(source_path), reader)
    options = ConvertOptions(**extra)
    with source:
        result = to_ome_zarr(source, out, options, source_spec=spec)
    return {
        "reader": reader,
        "workers": result.workers,
        "regions": result.regions,
        "levels": len(result.series[0].levels),
        "shuffle": result.series[0].shuffle,
        "codec": _codec_of(out),
        "checks": list(result.checks),
    }


def _codec_of(out: Path) -> str:
    """The blosc settings level 0 was written with (from its array metadata)."""
    try:
        codecs = json.loads((out / "0" / "zarr.json").read_text())["codecs"]
        blosc = next(c["configuration"] for c in codecs if c["name"] == "blosc")
    except (OSError, KeyError, StopIteration, ValueError):
        return "?"
    return f"blosc {blosc['cname']}-{blosc['clevel']} {blosc['shuffle']}"


def _dask_input(source_path: Path) -> tuple[Any, str]:
    """A dask array over tifffile's zarr store, one chunk per plane (or 4096 x 4096 tile)."""
    import dask.array as da
    import tifffile
    import zarr

    with tifffile.TiffFile(source_path) as tif:
        axes = tif.series[0].axes.lower().replace("q", "c")
    array = zarr.open_array(tifffile.imread(source_path, aszarr=True), mode="r")
    plane = tuple(min(n, 4096) for n in array.shape[-2:])
    chunks = (1,) * (array.ndim - 2) + plane
    return da.from_zarr(array, chunks=chunks), axes  # type: ignore[no-untyped-call]


def run_ome_zarr_py(source_path: Path, out: Path, extra: dict[str, Any]) -> dict[str, Any]:
    import zarr
    from ome_zarr.writer import write_image  # type: ignore[import-not-found]

    data, axes = _dask_input(source_path)
    group = zarr.open_group(str(out), mode="w")
    levels = max(1, math.ceil(math.log2(max(data.shape[-2:]) / 1024)))
    write_image(
        data,
        group,
        axes=axes,
        scale_factors=[2**i for i in range(1, levels + 1)],
        storage_options={"chunks": (1,) * (data.ndim - 2) + (1024, 1024)},
    )
    return {"levels": levels + 1}


def run_ngff_zarr(source_path: Path, out: Path, extra: dict[str, Any]) -> dict[str, Any]:
    import ngff_zarr  # type: ignore[import-not-found]

    data, axes = _dask_input(source_path)
    image = ngff_zarr.to_ngff_image(data, dims=list(axes))
    method = extra.get("method")
    levels = max(1, math.ceil(math.log2(max(data.shape[-2:]) / 1024)))
    factors = [
        {**({"z": 1} if "z" in axes else {}), "y": 2**i, "x": 2**i} for i in range(1, levels + 1)
    ]
    multiscales = ngff_zarr.to_multiscales(
        image, scale_factors=factors, method=None if method is None else ngff_zarr.Methods(method)
    )
    ngff_zarr.to_ngff_zarr(str(out), multiscales, version="0.5")
    return {"levels": levels + 1, "method": method or "default"}


WORKERS = {
    "imagesteward": run_imagesteward,
    "ome-zarr-py": run_ome_zarr_py,
    "ngff-zarr": run_ngff_zarr,
}


# --------------------------------------------------------------------------- measurement
def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _tree_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def warm(path: Path) -> None:
    """Read the whole file once, so every tool starts with the input in the page cache."""
    with path.open("rb") as handle:
        while handle.read(64 * 2**20):
            pass


def measure(
    python: str, tool: str, source: Path, out: Path, extra: dict[str, Any]
) -> dict[str, Any]:
    """Run one tool in a subprocess; wall time, peak RSS (with children), output size."""
    import psutil

    for stale in (out, out.with_name(out.name + ".partial")):
        remove_tree(stale)
    settle_after_removals()
    warm(source)
    load_before = os.getloadavg()[0]
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [
        python,
        str(Path(__file__).resolve()),
        "--worker",
        tool,
        str(source),
        str(out),
        json.dumps(extra),
    ]
    # Output goes to files, never to pipes nobody drains while the tool runs (a full pipe
    # would stall a tool that logs a lot).
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        process = psutil.Popen(command, stdout=stdout, stderr=stderr, text=True)
        peak = 0
        while process.poll() is None:
            try:
                tree = [process, *process.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.02)
        wall = time.perf_counter() - started
        stdout.seek(0)
        stderr.seek(0)
        out_text, err_text = stdout.read(), stderr.read()
    if process.returncode:
        return {"tool": tool, "error": err_text.strip().splitlines()[-1:] or ["failed"]}
    info = json.loads(out_text.strip().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
    return {
        "tool": tool,
        "seconds": wall,
        "cpu": cpu,
        "peak_rss": peak,
        "output": _tree_bytes(out),
        "load": (load_before, os.getloadavg()[0]),
        **info,
    }


#: ext4 does not reuse an inode within 30 s of its deletion, and finding a free one then scans
#: inode tables (``recently_deleted`` in ext4's inode allocator): measured here, creating files
#: right after deleting a previous output costs up to 1 ms CPU per file instead of 30 us, which
#: would charge each tool for the previous tool's clean-up. Removals are timed and the next tool
#: starts only once this window has passed.
EXT4_REUSE_WINDOW = 31.0
_last_removal = [0.0]


def remove_tree(path: Path) -> None:
    """Delete an output tree, remembering when (see :data:`EXT4_REUSE_WINDOW`)."""
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)
        _last_removal[0] = time.monotonic()


def settle_after_removals() -> None:
    """Wait until the last removal is outside ext4's inode-reuse window."""
    wait = _last_removal[0] + EXT4_REUSE_WINDOW - time.monotonic()
    if wait > 0:
        time.sleep(wait)


def file_create_cost(directory: Path, count: int = 500) -> float:
    """CPU seconds to create (and close) one empty file in ``directory``."""
    probe = Path(tempfile.mkdtemp(dir=directory, prefix="create-probe-"))
    try:
        started = time.process_time()
        for i in range(count):
            os.close(os.open(probe / str(i), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666))
        return (time.process_time() - started) / count
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def machine_limits(source: Path) -> dict[str, float]:
    """tifffile streaming read of the (cached) input, and blosc (lz4-1, zstd-1) per core."""
    import imagecodecs
    import numpy as np
    import tifffile

    warm(source)
    started = time.perf_counter()
    total = 0
    with tifffile.TiffFile(source) as tif:
        for page in tif.pages:
            total += page.asarray(maxworkers=1).nbytes
    read = total / (time.perf_counter() - started)
    with tifffile.TiffFile(source) as tif:
        plane = tif.pages[len(tif.pages) // 2].asarray()
    tiles = [
        np.ascontiguousarray(plane[y : y + 1024, x : x + 1024])
        for y in range(0, min(plane.shape[0], 4096), 1024)
        for x in range(0, min(plane.shape[1], 4096), 1024)
    ]
    rates = {}
    for name, compressor, shuffle in (
        ("lz4-1 byte-shuffle", "lz4", 1),
        ("lz4-1 bit-shuffle", "lz4", 2),
        ("zstd-1 byte-shuffle", "zstd", 1),
    ):
        best = math.inf
        for _ in range(3):
            started = time.process_time()  # CPU time: the rate of one core, whatever the load
            for tile in tiles:
                imagecodecs.blosc_encode(
                    tile,
                    level=1,
                    compressor=compressor,
                    shuffle=shuffle,
                    typesize=2,
                    blocksize=2**20,
                    numthreads=1,
                )
            best = min(best, time.process_time() - started)
        rates[name] = sum(t.nbytes for t in tiles) / best
    return {"tifffile_read": read, **{f"blosc {k}": v for k, v in rates.items()}}


def dask_identity(source: Path, threaded_out: Path, out_dir: Path) -> dict[str, Any]:
    """Convert on a 2-process LocalCluster; compare with the threaded output byte for byte."""
    sys.path.insert(0, str(ROOT / "src"))
    from distributed import LocalCluster

    out = out_dir / "out-dask.ome.zarr"
    remove_tree(out)
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        started = time.perf_counter()
        info = measure(
            sys.executable, "imagesteward", source, out, {"scheduler": cluster.scheduler_address}
        )
        wall = time.perf_counter() - started
    same = _tree_digest(out) == _tree_digest(threaded_out)
    remove_tree(out)
    return {"seconds": wall, "identical": same, **info}


# --------------------------------------------------------------------------- codec sweep
def codec_sweep(source: Path) -> None:
    """blosc settings on 512² chunks: the 5d input's 16-bit planes, a synthetic 8-bit RGB."""
    import imagecodecs
    import numpy as np
    import tifffile

    rng = np.random.default_rng(3)
    with tifffile.TiffFile(source) as tif:
        count = len(tif.pages)
        planes = [tif.pages[i].asarray() for i in range(count // 8, count, count // 4)]
    fluorescence = [
        np.ascontiguousarray(plane[y : y + 512, x : x + 512])
        for plane in planes
        for y in range(0, 2048, 512)
        for x in range(0, 2048, 512)
    ]
    tissue = _smooth(rng, (2048, 2048), 30.0)
    nuclei = _smooth(rng, (2048, 2048), 3.0) ** 3
    rgb = [
        np.clip(base - a * tissue - b * nuclei + rng.normal(0, 3, tissue.shape), 0, 255).astype(
            np.uint8
        )
        for base, a, b in ((235, 60, 90), (235, 110, 120), (235, 40, 50))
    ]
    brightfield = [
        np.ascontiguousarray(c[y : y + 512, x : x + 512])
        for c in rgb
        for y in range(0, 2048, 512)
        for x in range(0, 2048, 512)
    ]
    print("| data | codec | shuffle | block | ratio | MB/s per core (CPU time) |")
    print("|---|---|---|---|---|---|")
    for label, chunks in (
        ("16-bit fluorescence 512^2", fluorescence),
        ("8-bit RGB brightfield 512^2", brightfield),
    ):
        nbytes = sum(t.nbytes for t in chunks)
        for compressor, level in (("lz4", 1), ("zstd", 1), ("zstd", 3), ("blosclz", 5)):
            for shuffle, name in ((0, "none"), (1, "byte"), (2, "bit")):
                for blocksize in (0, 2**20):
                    best, size = math.inf, 0
                    for _ in range(3):
                        started = time.process_time()
                        # The arrays themselves: blosc takes its typesize from the buffer.
                        size = sum(
                            len(
                                imagecodecs.blosc_encode(
                                    t,
                                    level=level,
                                    compressor=compressor,
                                    shuffle=shuffle,
                                    typesize=t.dtype.itemsize,
                                    blocksize=blocksize,
                                    numthreads=1,
                                )
                            )
                            for t in chunks
                        )
                        best = min(best, time.process_time() - started)
                    block = "auto" if blocksize == 0 else "whole chunk"
                    print(
                        f"| {label} | {compressor}-{level} | {name} | {block} | "
                        f"{nbytes / size:.3f} | {nbytes / best / 1e6:.0f} |",
                        flush=True,
                    )


# --------------------------------------------------------------------------- report
def report(name: str, source: Path, rows: list[dict[str, Any]], limits: dict[str, float]) -> None:
    size = source.stat().st_size
    print(f"\n## {name}: {source.name} ({size / 1e9:.2f} GB)\n")
    print(
        f"machine: tifffile streaming read {limits['tifffile_read'] / 1e6:.0f} MB/s (1 thread, "
        "cached input); "
        + "; ".join(
            f"{k} {v / 1e6:.0f} MB/s per core" for k, v in limits.items() if k.startswith("blosc")
        )
        + f"; {os.cpu_count()} CPUs\n"
    )
    good = [r for r in rows if "error" not in r]
    peers = [r for r in good if not r["tool"].startswith("imagesteward")]
    fastest = max((size / r["seconds"] for r in peers), default=float("nan"))
    # The CPU figure of the peer that was fastest on the wall clock.
    fastest_cpu = next(
        (r["cpu"] for r in peers if r.get("cpu") and size / r["seconds"] == fastest), math.nan
    )
    print(
        "| tool | MB/s | s | CPU s | peak RSS MiB | output GB | ratio | vs fastest peer (wall) "
        "| vs fastest peer (CPU) | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        if "error" in row:
            print(f"| {row['label']} | failed: {row['error']} | | | | | | | | |")
            continue
        rate = size / row["seconds"]
        load = "{:.1f} -> {:.1f}".format(*row.get("load", (math.nan, math.nan)))
        cpu = f"{row['cpu']:.1f}" if row.get("cpu") else "n/a"
        versus_cpu = f"{fastest_cpu / row['cpu']:.2f}x" if row.get("cpu") else ""
        print(
            f"| {row['label']} | {rate / 1e6:.0f} | {row['seconds']:.1f} | {cpu} | "
            f"{row['peak_rss'] / 2**20:.0f} | {row['output'] / 1e9:.2f} | "
            f"{size / row['output']:.2f} | {rate / fastest:.2f}x | {versus_cpu} | {load} |"
        )
    ours = next((r for r in good if r["tool"] == "imagesteward"), None)
    if ours is not None:
        rate = size / ours["seconds"]
        cores = os.cpu_count() or 1
        blosc = limits["blosc lz4-1 byte-shuffle"] * cores
        print(
            f"\nimagesteward against the machine: {rate / 1e6:.0f} MB/s is "
            f"{rate / limits['tifffile_read']:.2f}x tifffile's streaming read (1 thread) and "
            f"{rate / blosc:.2f}x blosc lz4-1 on all {cores} cores ({blosc / 1e6:.0f} MB/s; a "
            "conversion compresses about 1.33x its input: level 0 plus the pyramid). Codec "
            f"chosen: {ours.get('codec', '?')}."
        )
    print("\nCPU s: user + system time of the tool's process tree. load: the 1-minute load")
    print("average before -> after the run (2 CPUs, shared with other jobs). The Dask row's")
    print("peak RSS and CPU are the client process only (the workers are separate processes).")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", default="5d,slide")
    parser.add_argument(
        "--tools", default="imagesteward,ome-zarr-py,ngff-zarr-fast,ngff-zarr-default,dask"
    )
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    parser.add_argument("--codecs", action="store_true", help="codec sweep on the 5d input")
    parser.add_argument(
        "--peer-python",
        default=os.environ.get("IMAGESTEWARD_BENCH_PEER_PYTHON"),
        help="interpreter with ome-zarr-py and ngff-zarr (default: a private venv in _work/)",
    )
    parser.add_argument("--fast-method", default="dask_bin_shrink")
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=WORK,
        help="where every tool writes its output (default: benchmarks/_work); file creation "
        "costs differ by directory on some machines, see BENCHMARKS.md",
    )
    parser.add_argument("--worker", nargs=4, metavar=("TOOL", "SOURCE", "OUT", "EXTRA"))
    args = parser.parse_args()
    if args.worker:
        tool, source, out, extra = args.worker
        info = WORKERS[tool](Path(source), Path(out), json.loads(extra))
        print(json.dumps(info))
        return 0
    if args.codecs:
        codec_sweep(make_input("5d", args.quick))
        return 0
    tools = args.tools.split(",")
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("out-*.ome.zarr*"):  # an interrupted run's outputs
        remove_tree(stale)
    print(f"# outputs in {out_dir}: {file_create_cost(out_dir) * 1e6:.0f} us CPU per file created")
    if args.peer_python is None and any(t.startswith(("ome-zarr", "ngff")) for t in tools):
        args.peer_python = peer_python()
    for name in args.inputs.split(","):
        source = make_input(name, args.quick)
        limits = machine_limits(source)
        rows = []
        plan = [
            ("imagesteward", sys.executable, "imagesteward", {}),
            ("ome-zarr-py", args.peer_python, "ome-zarr-py", {}),
            ("ngff-zarr-fast", args.peer_python, "ngff-zarr", {"method": args.fast_method}),
            ("ngff-zarr-default", args.peer_python, "ngff-zarr", {}),
        ]
        threaded = out_dir / "out-imagesteward.ome.zarr"
        for label, python, tool, extra in plan:
            if label not in tools:
                continue
            out = threaded if label == "imagesteward" else out_dir / f"out-{label}.ome.zarr"
            row = measure(python, tool, source, out, extra)
            row["label"] = f"{label} ({extra['method']})" if "method" in extra else label
            rows.append(row)
            print(f"# {row['label']}: {json.dumps(row)}", flush=True)
            if label != "imagesteward":
                remove_tree(out)
        if "dask" in tools and threaded.exists():
            row = dask_identity(source, threaded, out_dir)
            row["label"] = (
                f"imagesteward on Dask (2 processes), identical output: {row['identical']}"
            )
            rows.append(row)
            print(f"# dask: {json.dumps(row)}", flush=True)
        report(name, source, rows, limits)
        remove_tree(threaded)
    return 0


if __name__ == "__main__":
    sys.exit(main())
