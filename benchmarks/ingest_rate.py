"""Metadata capture rate: ingesting 1,000 small microscopy files, in files per second.

Usage::

    .venv/bin/python benchmarks/ingest_rate.py [--count 1000] [--jobs 1 2] [--repeat 3]
                                               [--work DIR]

Small files make ingest pure metadata work: content sniffing, parsing OME-XML / ImageJ headers,
mapping into the LinkML model, copying + checksumming a few KB into complete OCFL objects, one
catalog transaction per batch. Printed in the same run:

* ``floor``: tifffile opening each file and reading its first-page tags and description, the
  least any TIFF-based metadata capture must do (a lower bound on time, not a peer tool);
* ``inspect``: imagesteward's reader selection + full metadata extraction, nothing written;
* ``ingest``: the full ``steward ingest`` path (SQLite catalog, local OCFL store, fsync on),
  for each ``--jobs`` value (two or more jobs read metadata in worker processes).

With ``--repeat``, the ingest rows run in turn (jobs 1, jobs 2, jobs 1, ...) so that each sees
the same background load, and the table shows the median and the best run. Every run keeps its
store until the end: deleting thousands of files just before the next run would slow that
run's file creation (see docs/store.md, "Performance"). The load average is printed: on a
shared machine, compare rows of one run, not numbers from different runs.

Target (issue 2): >= 100 small files/s for ingest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _files(directory: Path, count: int) -> list[Path]:
    marker = directory / f".complete-{count}"
    if not marker.exists():
        shutil.rmtree(directory, ignore_errors=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "make_small_files.py"),
                str(directory),
                "--count",
                str(count),
            ],
            check=True,
        )
        marker.touch()
    return sorted(p for p in directory.iterdir() if p.suffix in (".tif", ".tiff"))


def _floor(paths: list[Path]) -> float:
    import tifffile

    started = time.perf_counter()
    for path in paths:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            _ = page.tags.get(270), page.shape, page.dtype
    return time.perf_counter() - started


def _inspect(paths: list[Path]) -> float:
    from imagesteward.formats import default_registry
    from imagesteward.ingest import inspect_path

    registry = default_registry()
    registry.preload(registry.readers)
    started = time.perf_counter()
    for path in paths:
        inspection = inspect_path(path, registry)
        assert inspection.extraction is not None
    return time.perf_counter() - started


def _ingest(paths: list[Path], source: Path, jobs: int, scratch: Path) -> float:
    from imagesteward.ingest import IngestOptions, ingest_paths
    from imagesteward.installation import init_installation, open_installation

    home = Path(tempfile.mkdtemp(dir=scratch)) / "site"
    init_installation(home)
    with open_installation(home) as installation:
        installation.registry.preload(installation.registry.readers)
        started = time.perf_counter()
        report = ingest_paths([source], installation, IngestOptions(jobs=jobs, convert=False))
        elapsed = time.perf_counter() - started
        assert not report.failed, report.failed[:3]
        assert report.images_added == len(paths), report.images_added
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1, help="ingest runs per --jobs value")
    parser.add_argument("--work", type=Path, default=HERE / "_work" / "small-files")
    args = parser.parse_args()
    paths = _files(args.work, args.count)
    n = len(paths)
    load_before = os.getloadavg()
    floor = _floor(paths)
    rows = [
        ("floor: tifffile tags only", [floor]),
        ("inspect: select + extract", [_inspect(paths)]),
    ]
    runs: dict[int, list[float]] = {jobs: [] for jobs in args.jobs}
    with tempfile.TemporaryDirectory(dir=args.work.parent) as scratch:
        for _ in range(args.repeat):
            for jobs in args.jobs:
                runs[jobs].append(_ingest(paths, args.work, jobs, Path(scratch)))
    rows += [(f"ingest --jobs {jobs} (SQLite, fsync)", times) for jobs, times in runs.items()]
    load_after = os.getloadavg()
    size = sum(p.stat().st_size for p in paths) / n / 1024
    print(f"\n{n} small files ({size:.1f} KiB average), {os.cpu_count()} CPUs")
    print(f"load average before {_load(load_before)}, after {_load(load_after)}")
    print(f"{'what':<36} {'seconds':>8} {'files/s':>9} {'best/s':>8} {'x floor':>8}")
    for name, times in rows:
        median = statistics.median(times)
        print(
            f"{name:<36} {median:>8.2f} {n / median:>9.0f} {n / min(times):>8.0f} "
            f"{median / floor:>8.1f}"
        )
    return 0


def _load(values: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    sys.exit(main())
