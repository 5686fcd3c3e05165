"""Small synthetic sample files the tests ingest (made here, not from the shared corpus)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile


def small_ome_tiff(path: Path, seed: int, shape: tuple[int, int] = (64, 96)) -> Path:
    """A one-plane uint16 OME-TIFF of noise named after its file; ``seed`` makes it unique."""
    data = np.random.default_rng(seed).integers(0, 4000, size=shape, dtype=np.uint16)
    tifffile.imwrite(path, data, ome=True, photometric="minisblack",
                     metadata={"axes": "YX", "Name": path.name.split(".")[0]})  # fmt: skip
    return path
