"""Detectors: photon shot noise, sCMOS cameras and the point detectors of confocal microscopes."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["point_detector", "scmos_camera", "shot_noise"]

FloatImage = NDArray[np.floating[Any]]

# Expectations from which shot noise is drawn with the normal approximation (Poisson mean and
# variance): indistinguishable there, and several times faster than exact sampling.
_BRIGHT = 12.0


def shot_noise(expected: ArrayLike, rng: np.random.Generator) -> FloatImage:
    """Draw Poisson-distributed counts for the expected values.

    Expectations of 12 and more use the normal approximation with the Poisson mean and
    variance; smaller ones, where the distribution is visibly skewed and discrete, are drawn
    exactly.

    Parameters
    ----------
    expected
        Expected counts (negative values are taken as zero).
    rng
        Random stream.

    Returns
    -------
    FloatImage
        Whole-numbered counts, float32.
    """
    mean = np.clip(np.asarray(expected, dtype=np.float32), 0.0, None)
    bright = mean >= _BRIGHT
    if not bright.any():
        return rng.poisson(mean).astype(np.float32)
    counts = np.empty_like(mean)
    dim = ~bright
    counts[dim] = rng.poisson(mean[dim])
    values = mean[bright]
    noise = rng.standard_normal(values.shape, dtype=np.float32)
    # A draw more than sqrt(12) standard deviations low would be negative: no such counts.
    counts[bright] = np.maximum(np.rint(values + np.sqrt(values) * noise), 0.0)
    return counts


def scmos_camera(
    electrons: ArrayLike,
    rng: np.random.Generator,
    *,
    offset_adu: float = 100.0,
    electrons_per_adu: float = 0.5,
    read_noise_e: float = 1.4,
    max_adu: int = 65535,
) -> NDArray[np.uint16]:
    """Record expected photoelectrons with an sCMOS camera: shot noise, read noise, offset.

    Parameters
    ----------
    electrons
        Expected photoelectrons per pixel.
    rng
        Random stream.
    offset_adu
        Camera offset (bias) in counts: dark pixels read about this value.
    electrons_per_adu
        Conversion factor.
    read_noise_e
        Read noise in electrons (RMS).
    max_adu
        Saturation level.

    Returns
    -------
    numpy.ndarray
        Counts as uint16.
    """
    signal = shot_noise(electrons, rng)
    signal += rng.standard_normal(signal.shape, dtype=np.float32) * np.float32(read_noise_e)
    counts = offset_adu + signal / electrons_per_adu
    return np.clip(np.rint(counts), 0, max_adu).astype(np.uint16)


def point_detector(
    photons: ArrayLike,
    rng: np.random.Generator,
    *,
    adu_per_photon: float,
    offset_adu: float = 0.0,
    excess_noise: float = 0.3,
    bits: int = 12,
) -> NDArray[np.uint16]:
    """Record expected photons with a PMT or hybrid detector of a point-scanning microscope.

    Each detected photon yields a pulse of random height (the multiplication noise of the
    dynodes); the sum is digitised with an offset and clipped to ``bits``.

    Parameters
    ----------
    photons
        Expected photons per pixel (confocal images hold few: tens at the brightest).
    rng
        Random stream.
    adu_per_photon
        Mean counts produced by one photon (set by the detector gain).
    offset_adu
        Offset added before digitisation (negative offsets clip the background to zero).
    excess_noise
        Relative spread of single-photon pulses (about 0.2 for HyD, 0.5 for a PMT).
    bits
        Digitiser resolution.

    Returns
    -------
    numpy.ndarray
        Counts as uint16 within ``0 .. 2**bits - 1``.
    """
    detected = shot_noise(photons, rng)
    # The sum of n pulses of relative spread e has mean n g and standard deviation sqrt(n) g e.
    spread = np.sqrt(detected) * (adu_per_photon * excess_noise)
    counts = detected * adu_per_photon + offset_adu
    counts += rng.standard_normal(detected.shape, dtype=np.float32) * (spread + 0.5)
    return np.clip(np.rint(counts), 0, 2**bits - 1).astype(np.uint16)
