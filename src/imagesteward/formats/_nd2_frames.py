"""Regions assembled from whole frames, for formats whose natural read unit is a plane.

ND2 (one frame per T/Z/P point, holding every channel) and LIF (the innermost plane of an image)
both read a frame at a time; a region is built from the frames it touches, each cropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from imagesteward.formats._base import region_index
from imagesteward.formats.reader import Selection
from imagesteward.model import ArrayStructure

__all__ = ["assemble_frames"]


def assemble_frames(
    structure: ArrayStructure,
    selection: Selection | None,
    n_outer: int,
    read_frame: Callable[[dict[str, int]], np.ndarray],
) -> np.ndarray:
    """Build a region from whole frames: the first ``n_outer`` axes index frames.

    Only the frames the selection touches are read; each is cropped to the selection of the
    inner axes. The result keeps the axes selected with slices, in ``structure.dims`` order.
    """
    index = region_index(structure, selection)
    outer_dims = structure.dims[:n_outer]
    positions = [
        [i % size] if isinstance(i, int) else list(range(*i.indices(size)))
        for i, size in zip(index[:n_outer], structure.shape[:n_outer], strict=True)
    ]
    kept = [not isinstance(i, int) for i in index[:n_outer]]
    inner_index = index[n_outer:]
    inner_shape = [
        len(range(*i.indices(size)))
        for i, size in zip(inner_index, structure.shape[n_outer:], strict=True)
        if not isinstance(i, int)
    ]
    grid = [len(p) for p, keep in zip(positions, kept, strict=True) if keep]
    out = np.empty((*grid, *inner_shape), dtype=structure.dtype)
    if out.size == 0:
        return out
    for combo in itertools.product(*(range(len(p)) for p in positions)):
        coords = {
            d: positions[k][c] for k, (d, c) in enumerate(zip(outer_dims, combo, strict=True))
        }
        block = read_frame(coords)[inner_index]
        target = tuple(c for c, keep in zip(combo, kept, strict=True) if keep)
        out[target] = block
    return out
