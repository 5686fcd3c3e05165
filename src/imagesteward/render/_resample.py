"""Shrinking a rendered image for thumbnails: exact area averaging, any ratio.

Output pixel ``i`` along an axis of ``n`` input pixels shrunk to ``m`` averages input pixels
``[i*n//m, (i+1)*n//m)`` - every input pixel counts exactly once, nothing is skipped (unlike
nearest-neighbour, which drops thin structures such as filaments), computed with two
``np.add.reduceat`` passes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fit", "shrink"]


def fit(height: int, width: int, max_size: int) -> tuple[int, int]:
    """The size that fits ``max_size`` on the longer side, aspect kept; never enlarged."""
    longest = max(height, width)
    if longest <= max_size:
        return height, width
    return max(1, round(height * max_size / longest)), max(1, round(width * max_size / longest))


def _starts(n: int, m: int) -> np.ndarray:
    return (np.arange(m, dtype=np.int64) * n) // m


def shrink(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """``pixels`` (``(h, w)`` or ``(h, w, 3)`` uint8) averaged down to ``height x width``."""
    h, w = pixels.shape[:2]
    if (h, w) == (height, width):
        return pixels
    rows, cols = _starts(h, height), _starts(w, width)
    sums = np.add.reduceat(pixels.astype(np.uint32), rows, axis=0)
    sums = np.add.reduceat(sums, cols, axis=1)
    row_counts = np.diff(np.append(rows, h))
    col_counts = np.diff(np.append(cols, w))
    area = np.outer(row_counts, col_counts).astype(np.uint32)
    if pixels.ndim == 3:
        area = area[..., None]
    # Rounded half up in integers, so the result does not depend on float rounding.
    return ((sums + area // 2) // area).astype(np.uint8)
