"""The memory bound holds for an image many times larger than it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.convert.oracle import REPO

BUDGET = 96 * 2**20
SHAPE = (3, 8192, 16384)  # uint16: 768 MiB, eight times the budget
CHUNK_BYTES = 1024 * 1024 * 2


def test_peak_rss_stays_within_the_budget(tmp_path: Path) -> None:
    limit = 16 * 2**20  # no single read may exceed the largest region the budget allows
    command = [
        sys.executable,
        "-m",
        "tests.convert.memory_child",
        str(tmp_path / "big.ome.zarr"),
        "x".join(map(str, SHAPE)),
        "uint16",
        str(BUDGET),
        str(limit),
    ]
    child = psutil.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    observed = 0
    while child.poll() is None:
        try:
            observed = max(observed, child.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.005)
    stdout, stderr = child.communicate()
    assert child.returncode == 0, stderr
    report = json.loads(stdout.strip().splitlines()[-1])
    image = report["image_bytes"]
    assert image >= 8 * BUDGET
    # Every pixel read once, plus the codec sample and the spot checks (a few chunks).
    assert image <= report["bytes_read"] <= image + 8 * CHUNK_BYTES
    assert report["largest_read"] <= limit
    assert report["levels"][-1] == [3, 512, 1024]
    working_set = max(report["peak"], observed) - report["baseline"]
    assert working_set <= BUDGET, (
        f"peak RSS {report['peak'] / 2**20:.0f} MiB (psutil saw {observed / 2**20:.0f} MiB) is "
        f"{working_set / 2**20:.0f} MiB above the {report['baseline'] / 2**20:.0f} MiB baseline; "
        f"budget {BUDGET / 2**20:.0f} MiB"
    )
