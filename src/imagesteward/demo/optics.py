"""Optical blur: Gaussian point-spread functions applied to synthetic images.

Wide blurs (and the out-of-focus halo) are applied in Fourier space after mirroring the image
at its borders; the narrow, depth-dependent blur of a confocal stack is a direct separable
convolution, which is faster for kernels a few pixels wide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from imagesteward.demo.noise import per_axis

__all__ = ["blur_planes", "gaussian_blur"]

FloatImage = NDArray[np.floating[Any]]


def _fast_length(n: int) -> int:
    """Smallest length >= ``n`` whose only prime factors are 2, 3 and 5 (fast FFT sizes)."""
    best = 1 << max(0, (n - 1).bit_length())
    power5 = 1
    while power5 < best:
        power35 = power5
        while power35 < best:
            length = power35
            while length < n:
                length *= 2
            best = min(best, length)
            power35 *= 3
        power5 *= 5
    return best


def _padding(size: int, sigma: float) -> tuple[int, int]:
    margin = math.ceil(3 * sigma)
    total = _fast_length(size + 2 * margin)
    return margin, total - size - margin


def gaussian_blur(
    image: ArrayLike,
    sigma_px: float | Sequence[float],
    *,
    halo_px: float = 0.0,
    halo_weight: float = 0.0,
) -> FloatImage:
    """Blur with a Gaussian of ``sigma_px`` per axis (0 leaves an axis alone).

    The image is mirrored at its borders before filtering in Fourier space, so bright objects
    near one edge do not bleed into the opposite edge. An optional wide halo, added in the same
    pass, stands for out-of-focus light (widefield) or pinhole crosstalk (spinning disk).

    Parameters
    ----------
    image
        Image or volume.
    sigma_px
        Standard deviation in pixels, one for all axes or one per axis.
    halo_px
        Standard deviation of the halo, on the same axes as ``sigma_px``.
    halo_weight
        Fraction of the light that goes into the halo (0 for none).

    Returns
    -------
    FloatImage
        The blurred image, same shape, float32.
    """
    data = np.asarray(image, dtype=np.float32)
    sigmas = per_axis(sigma_px, data.ndim)
    axes = [axis for axis, sigma in enumerate(sigmas) if sigma > 0]
    if not axes:
        return data.copy()
    halos = tuple(halo_px if s > 0 else 0.0 for s in sigmas) if halo_weight else sigmas
    pads = [
        _padding(n, max(s, h)) if s > 0 else (0, 0)
        for n, s, h in zip(data.shape, sigmas, halos, strict=True)
    ]
    padded = np.pad(data, pads, mode="symmetric")
    spectrum = np.fft.rfftn(padded, axes=axes)
    squared = [
        (np.fft.rfftfreq(padded.shape[a]) if a == axes[-1] else np.fft.fftfreq(padded.shape[a]))
        ** 2
        for a in axes
    ]

    def transfer(widths: tuple[float, ...]) -> NDArray[np.float32]:
        total = np.zeros([1] * data.ndim, dtype=np.float32)
        for axis, f2 in zip(axes, squared, strict=True):
            shape = [1] * data.ndim
            shape[axis] = f2.size
            total = total + (2.0 * math.pi**2 * widths[axis] ** 2 * f2).astype(np.float32).reshape(
                shape
            )
        return np.exp(-total)

    response = transfer(sigmas)
    if halo_weight:
        response = (1.0 - halo_weight) * response + halo_weight * transfer(halos)
    spectrum *= response
    blurred = np.fft.irfftn(spectrum, s=[padded.shape[a] for a in axes], axes=axes)
    crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, data.shape, strict=True))
    return np.ascontiguousarray(blurred[crop], dtype=np.float32)


def blur_planes(volume: ArrayLike, sigma_px: ArrayLike) -> FloatImage:
    """Blur each plane of a ``(z, y, x)`` volume laterally with its own Gaussian width.

    This models depth-dependent defocus: aberrations widen the point-spread function the
    deeper the focal plane lies in the sample.

    Parameters
    ----------
    volume
        Stack of planes.
    sigma_px
        Lateral standard deviation for each plane, shape ``(z,)``.

    Returns
    -------
    FloatImage
        The blurred stack, float32.
    """
    data = np.asarray(volume, dtype=np.float32)
    sigmas = np.asarray(sigma_px, dtype=np.float32)
    reach = math.ceil(3 * float(sigmas.max()))
    if reach <= 0:
        return data.copy()
    # Narrow kernels: direct separable convolution beats the FFT several times over here.
    offsets = np.arange(1, reach + 1, dtype=np.float32)
    taps = np.exp(-0.5 * (offsets[None, :] / np.maximum(sigmas[:, None], 1e-3)) ** 2)
    norm = 1.0 + 2.0 * taps.sum(axis=1)
    centre = (1.0 / norm).astype(np.float32)[:, None, None]
    taps = (taps / norm[:, None]).astype(np.float32)
    for axis in (1, 2):
        pads = [(0, 0)] * 3
        pads[axis] = (reach, reach)
        padded = np.pad(data, pads, mode="symmetric")
        size = data.shape[axis]

        def shifted(
            offset: int, padded: FloatImage = padded, axis: int = axis, size: int = size
        ) -> FloatImage:
            index: list[slice] = [slice(None)] * 3
            index[axis] = slice(reach + offset, reach + offset + size)
            return padded[tuple(index)]

        blurred = shifted(0) * centre
        for j in range(reach):
            blurred += (shifted(j + 1) + shifted(-j - 1)) * taps[:, j, None, None]
        data = blurred
    return np.ascontiguousarray(data, dtype=np.float32)
