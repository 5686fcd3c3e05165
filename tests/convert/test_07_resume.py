"""Interrupted conversions resume from their completed regions and end byte-identical."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from imagesteward.convert import ConvertOptions, to_ome_zarr
from imagesteward.formats import Selection
from tests.convert.oracle import REPO
from tests.convert.sources import ArraySource, SyntheticSource

SHAPE = "2x4096x6144"  # uint16, 96 MiB
BUDGET = str(64 * 2**20)  # small: many regions, several stages


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _run(destination: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.convert.convert_child", str(destination), SHAPE, BUDGET],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _records(target: Path) -> int:
    done = Path(f"{target}.partial") / ".imagesteward-progress" / "done"
    return len(list(done.glob("*.json"))) if done.is_dir() else 0


def _after(target: Path, count: int) -> Callable[[], bool]:
    return lambda: _records(target) >= count


def _kill_when(child: subprocess.Popen[str], moment: Callable[[], bool]) -> bool:
    """SIGKILL the child as soon as ``moment()`` holds; False if it finished first."""
    while child.poll() is None:
        if moment():
            os.kill(child.pid, signal.SIGKILL)
            child.communicate(timeout=60)
            return True
        time.sleep(0.002)
    child.communicate(timeout=60)
    return False


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_gives_the_same_bytes(tmp_path: Path) -> None:
    reference = tmp_path / "reference.ome.zarr"
    child = _run(reference)
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    report = json.loads(out)
    assert report["levels"] == 4
    total = report["regions"]

    target = tmp_path / "killed.ome.zarr"
    rng = random.Random(1234)
    # Moments chosen by progress, not by the clock (runs speed up and slow down with the
    # machine's load): during start-up and planning, after a random number of regions in
    # each third of the work, and once every region is recorded (metadata, validation,
    # publication).
    started = time.monotonic()
    delay = rng.uniform(0.05, 0.5)
    moments: list[Callable[[], bool]] = [lambda: time.monotonic() - started > delay]
    for low, high in ((1, total // 3), (total // 3, 2 * total // 3), (2 * total // 3, total - 1)):
        moments.append(_after(target, rng.randint(low, max(low, high))))
    moments.append(_after(target, total))
    kills = 0
    for moment in moments:
        started = time.monotonic()
        kills += _kill_when(_run(target), moment)
        assert not target.exists() or (target / "zarr.json").is_file()
    assert kills >= 4
    child = _run(target)
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    assert json.loads(out)["status"] in ("resumed", "already-complete")
    assert tree_digest(target) == tree_digest(reference)


class FailingSource(SyntheticSource):
    """Raises after ``fail_after`` reads, like a reader hitting a network outage."""

    fail_after = 10**9

    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        if self.calls >= self.fail_after:
            raise OSError("network went away")
        return super().read(series, selection, level)


def test_resume_after_an_error_skips_completed_regions(tmp_path: Path) -> None:
    options = ConvertOptions(memory_bytes=64 * 2**20, workers=1)
    reference = tmp_path / "reference.ome.zarr"
    to_ome_zarr(SyntheticSource("CYX", (2, 2048, 3072)), reference, options)

    target = tmp_path / "again.ome.zarr"
    failing = FailingSource("CYX", (2, 2048, 3072))
    failing.fail_after = 7  # the codec samples (one per channel), then five regions
    with pytest.raises(Exception, match="network went away"):
        to_ome_zarr(failing, target, options)
    assert not target.exists() and Path(f"{target}.partial").is_dir()

    fresh = SyntheticSource("CYX", (2, 2048, 3072))
    result = to_ome_zarr(fresh, target, options)
    assert result.status == "resumed" and result.regions_resumed == 5
    stage0_regions = result.regions - result.regions_resumed
    assert fresh.calls < stage0_regions + 8  # completed regions were not read again
    assert tree_digest(target) == tree_digest(reference)


def test_resume_false_starts_over(tmp_path: Path) -> None:
    options = ConvertOptions(memory_bytes=64 * 2**20, workers=1)
    target = tmp_path / "over.ome.zarr"
    failing = FailingSource("CYX", (1, 2048, 3072))
    failing.fail_after = 3
    with pytest.raises(Exception, match="network went away"):
        to_ome_zarr(failing, target, options)
    result = to_ome_zarr(
        SyntheticSource("CYX", (1, 2048, 3072)),
        target,
        ConvertOptions(memory_bytes=64 * 2**20, workers=1, resume=False),
    )
    assert result.status == "converted" and result.regions_resumed == 0


def test_a_changed_source_is_not_resumed_into(tmp_path: Path) -> None:
    options = ConvertOptions(memory_bytes=64 * 2**20, workers=1)
    target = tmp_path / "changed.ome.zarr"
    failing = FailingSource("CYX", (1, 2048, 3072))
    failing.fail_after = 3
    with pytest.raises(Exception, match="network went away"):
        to_ome_zarr(failing, target, options)
    other = SyntheticSource("CYX", (1, 2048, 3000))  # another image: another plan
    result = to_ome_zarr(other, target, options)
    assert result.status == "converted"


def test_an_interruption_while_creating_the_arrays_is_repaired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imagesteward.convert._documents import create_arrays as create

    array = np.arange(3000 * 2000, dtype=np.uint16).reshape(3000, 2000)
    target = tmp_path / "arrays.ome.zarr"

    def interrupted(writer: Any, plan: Any) -> None:
        create(writer, plan)
        (Path(writer.target.root) / "1" / "zarr.json").unlink()  # level 1 never got written
        raise KeyboardInterrupt

    monkeypatch.setattr("imagesteward.convert._engine.create_arrays", interrupted)
    with pytest.raises(KeyboardInterrupt):
        to_ome_zarr(ArraySource([(array, "YX")]), target)
    monkeypatch.setattr("imagesteward.convert._engine.create_arrays", create)
    result = to_ome_zarr(ArraySource([(array, "YX")]), target)
    assert result.status == "converted" and "valid" in result.checks
