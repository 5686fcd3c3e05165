"""The straightforward definition of a rendered tile, to check the fast renderer against.

No lookup tables, no caching, no shared work between components: every channel's colour
components computed from the data in float64 and summed, exactly as docs/render.md defines.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Setting = tuple[str, tuple[float, float], float]  # colour RRGGBB, window, gamma


def intensity(plane: np.ndarray, window: tuple[float, float], gamma: float) -> np.ndarray:
    low, high = window
    return np.clip((plane.astype(np.float64) - low) / (high - low), 0.0, 1.0) ** gamma


def render(planes: Sequence[np.ndarray], settings: Sequence[Setting]) -> np.ndarray:
    """``(h, w, 3)`` uint8: the sum over channels of ``rint(f * colour)``, clipped at 255."""
    height, width = planes[0].shape
    total = np.zeros((height, width, 3), dtype=np.float64)
    for plane, (colour, window, gamma) in zip(planes, settings, strict=True):
        f = intensity(plane, window, gamma)
        for k in range(3):
            total[..., k] += np.rint(f * int(colour[2 * k : 2 * k + 2], 16))
    return np.minimum(total, 255).astype(np.uint8)


def as_rgb(pixels: np.ndarray) -> np.ndarray:
    """Grey results (every colour grey) compared with the RGB reference."""
    return np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels
