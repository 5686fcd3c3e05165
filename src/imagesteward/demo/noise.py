"""Random streams and smooth random textures for synthetic images.

Textures are interpolated from a coarse random lattice with a cubic B-spline, which costs a
few operations per pixel whatever the feature size, instead of filtering white noise.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["bspline_resample", "per_axis", "random_stream", "smooth_noise", "tiled_noise"]

FloatImage = NDArray[np.floating[Any]]


def random_stream(seed: int, name: str) -> np.random.Generator:
    """Return the random stream of one named part of the demo for ``seed``.

    Each demo file draws from its own stream, so adding, removing or reordering files never
    changes the pixels of the others.

    Parameters
    ----------
    seed
        Non-negative demo seed.
    name
        Stable name of the part (for example the file name).

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator seeded from ``seed`` and a digest of ``name``.
    """
    key = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng([seed, key])


def per_axis(value: float | Sequence[float], ndim: int) -> tuple[float, ...]:
    """One value per axis from a single value or a sequence of ``ndim`` values.

    Raises
    ------
    ValueError
        If a sequence of the wrong length is given.
    """
    if isinstance(value, int | float):
        return (float(value),) * ndim
    values = tuple(float(v) for v in value)
    if len(values) != ndim:
        raise ValueError(f"expected {ndim} values, one per axis, got {values}")
    return values


def bspline_resample(
    grid: FloatImage, axis: int, size: int, step: float, *, wrap: bool = False
) -> FloatImage:
    """Sample a lattice along ``axis`` at ``size`` points spaced ``1/step`` lattice cells apart.

    With ``wrap`` the lattice is periodic, so the result tiles seamlessly.
    """
    position = np.arange(size, dtype=np.float64) / step
    base = np.floor(position).astype(np.intp)
    t = (position - base).astype(np.float32)
    t2 = t * t
    t3 = t2 * t
    # Uniform cubic B-spline basis: C2-smooth, so no lattice creases show in the noise.
    weights = (
        (1.0 - t) ** 3 / 6.0,
        (3.0 * t3 - 6.0 * t2 + 4.0) / 6.0,
        (-3.0 * t3 + 3.0 * t2 + 3.0 * t + 1.0) / 6.0,
        t3 / 6.0,
    )
    shape = [1] * grid.ndim
    shape[axis] = size
    out = np.zeros([*grid.shape[:axis], size, *grid.shape[axis + 1 :]], dtype=np.float32)
    for k, weight in enumerate(weights):
        index = base + k
        out += np.take(grid, index, axis=axis, mode="wrap" if wrap else "raise") * weight.reshape(
            shape
        )
    return out


def smooth_noise(
    shape: Sequence[int], feature_px: float | Sequence[float], rng: np.random.Generator
) -> FloatImage:
    """Band-limited random field with blobs about ``feature_px`` across.

    Parameters
    ----------
    shape
        Output shape (any number of axes).
    feature_px
        Feature size in pixels, one value for all axes or one per axis (anisotropic texture
        such as muscle fibres).
    rng
        Random stream.

    Returns
    -------
    FloatImage
        Zero-mean field with unit standard deviation.
    """
    features = per_axis(feature_px, len(shape))
    steps = [max(f, 1.0) for f in features]
    lattice = [math.ceil((n - 1) / s) + 4 for n, s in zip(shape, steps, strict=True)]
    field = rng.standard_normal(lattice, dtype=np.float32)
    for axis, (size, step) in enumerate(zip(shape, steps, strict=True)):
        field = bspline_resample(field, axis, size, step)
    return _standardise(field)


def _standardise(field: FloatImage) -> FloatImage:
    # A strided sample estimates mean and spread well enough and costs little on big images.
    sample = field[tuple(slice(None, None, max(1, n // 256)) for n in field.shape)]
    std = float(sample.std())
    field -= np.float32(sample.mean())
    if std > 0:
        field *= np.float32(1.0 / std)
    return field


def tiled_noise(
    shape: tuple[int, int], feature_px: float, rng: np.random.Generator, tile: int = 512
) -> FloatImage:
    """Fine random texture for large images: a seamless periodic tile repeated over ``shape``.

    Generating fine noise over a whole-slide image costs far more than it shows; a repeated
    tile is invisible under randomly placed objects such as nuclei.

    Parameters
    ----------
    shape
        Output size ``(height, width)``.
    feature_px
        Feature size in pixels.
    rng
        Random stream.
    tile
        Side of the repeated tile in pixels.

    Returns
    -------
    FloatImage
        Zero-mean texture with unit standard deviation.
    """
    cells = max(2, round(tile / max(feature_px, 1.0)))
    field = rng.standard_normal((cells, cells), dtype=np.float32)
    for axis in (0, 1):
        field = bspline_resample(field, axis, tile, tile / cells, wrap=True)
    field = _standardise(field)
    reps = (math.ceil(shape[0] / tile), math.ceil(shape[1] / tile))
    return np.ascontiguousarray(np.tile(field, reps)[: shape[0], : shape[1]])
