"""Intensity statistics for contrast: histograms for the viewer, default windows by percentile.

Both work on a sample of a coarse pyramid level - up to 8 planes spread over ``t`` and ``z`` -
which bounds the cost (a coarsest level is at most 1024² per plane) while seeing the whole
image, not just the plane on screen.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["CONTRAST_PERCENTILES", "histogram", "percentile_window", "sample_positions"]

#: Default window when the rendering hints have none: what the conversion writes into them.
CONTRAST_PERCENTILES = (0.1, 99.9)


def sample_positions(size_t: int, size_z: int, planes: int) -> Iterator[tuple[int, int]]:
    """Up to ``planes`` ``(t, z)`` pairs evenly spread over all of them, in order."""
    total = size_t * size_z
    count = min(planes, total)
    for k in range(count):
        # Centre of the k-th of ``count`` equal parts: the middle plane when count is 1.
        flat = (2 * k + 1) * total // (2 * count)
        yield divmod(flat, size_z)


def _finite(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "b":
        return values.view(np.uint8)  # numpy has no arithmetic on booleans
    return values if values.dtype.kind != "f" else values[np.isfinite(values)]


def percentile_window(values: np.ndarray) -> tuple[float, float]:
    """The 0.1th and 99.9th percentiles (a value that occurs), widened to a non-empty window."""
    data = _finite(values)
    if data.size == 0:
        return 0.0, 1.0
    low, high = np.percentile(data, CONTRAST_PERCENTILES, method="inverted_cdf")
    start, end = float(low), float(high)
    if end <= start:
        end = start + (1.0 if data.dtype.kind in "biu" else max(abs(start) * 1e-6, 1e-6))
    return start, end


def histogram(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """``(edges, counts)`` over the data's range; integer data gets bins of whole values.

    For integers the range is ``[min, max + 1)``, so with ``bins`` dividing it every bin spans
    the same number of values (8-bit data with 256 bins: one value per bin).
    """
    data = _finite(values)
    if data.size == 0:
        return np.linspace(0.0, 1.0, bins + 1), np.zeros(bins, dtype=np.int64)
    low, high = float(data.min()), float(data.max())
    if data.dtype.kind in "biu":
        high += 1.0
    elif high <= low:
        high = low + 1.0
    counts, edges = np.histogram(data, bins=bins, range=(low, high))
    return edges.astype(np.float64), counts.astype(np.int64)
