"""Fluorescence scenes: fixed cells on a widefield, confocal overviews and Z-stacks, a screen.

Each scene renders the expected signal of its labels (:mod:`imagesteward.demo.cells`), blurs
it with the microscope's point-spread function (:mod:`imagesteward.demo.optics`) and records
it with the instrument's detector (:mod:`imagesteward.demo.detectors`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imagesteward.demo.cells import (
    cell_bodies,
    centred,
    chromatin,
    microtubules,
    mitochondria,
    nuclear_foci,
    nuclear_masks,
    nucleus_distance,
    scatter_cells,
    territories,
)
from imagesteward.demo.detectors import point_detector, scmos_camera
from imagesteward.demo.drawing import splat, trace_paths
from imagesteward.demo.noise import smooth_noise
from imagesteward.demo.optics import blur_planes, gaussian_blur

__all__ = [
    "confocal_overview",
    "confocal_stack",
    "psf_sigma_px",
    "screen_field",
    "widefield_fixed_cells",
]

FloatImage = NDArray[np.floating[Any]]
Shape = tuple[int, int]


def psf_sigma_px(emission_nm: float, na: float, pixel_um: float, confocal: bool = False) -> float:
    """Width (standard deviation, pixels) of the Gaussian approximating the Airy disc.

    sigma = 0.21 lambda / NA for a widefield microscope, narrower by sqrt(2) for a confocal;
    never below half a pixel, the blur of the pixel itself.
    """
    sigma_um = 0.21 * emission_nm / 1000.0 / na / (math.sqrt(2) if confocal else 1.0)
    return max(0.5, sigma_um / pixel_um)


def _widefield_optics(
    signal: FloatImage, emission_nm: float, na: float, pixel_um: float, haze: float
) -> FloatImage:
    """In-focus blur plus the out-of-focus haze a widefield microscope collects."""
    return gaussian_blur(
        signal,
        psf_sigma_px(emission_nm, na, pixel_um),
        halo_px=max(2.0, 2.5 / pixel_um),
        halo_weight=haze,
    )


def _vignetting(shape: Shape, strength: float) -> FloatImage:
    """Illumination falling off towards the corners of the field."""
    yy = np.linspace(-1, 1, shape[0], dtype=np.float32)[:, None]
    xx = np.linspace(-1, 1, shape[1], dtype=np.float32)[None, :]
    return 1.0 - strength * (yy * yy + xx * xx) / 2


def widefield_fixed_cells(
    rng: np.random.Generator,
    shape: Shape,
    pixel_um: float,
    emission_nm: tuple[float, ...],
    na: float,
) -> NDArray[np.uint16]:
    """Fixed cells stained for DNA, microtubules and mitochondria, recorded by an sCMOS camera.

    Returns
    -------
    numpy.ndarray
        Counts of shape ``(3, y, x)``: DAPI, Alexa Fluor 488, Alexa Fluor 568.
    """
    field = centred(
        scatter_cells(rng, shape, pixel_um, confluence=0.85, mitotic_fraction=0.08), shape
    )
    bodies = cell_bodies(field, shape, pixel_um)
    nuclei = nuclear_masks(field, shape, pixel_um)
    signals = (
        (2600.0 * chromatin(field, shape, pixel_um, rng), 6.0),
        (700.0 * microtubules(field, shape, pixel_um, rng, bodies, nuclei), 10.0),
        (650.0 * mitochondria(field, shape, pixel_um, rng, bodies, nuclei), 8.0),
    )
    light = _vignetting(shape, 0.18)
    planes = []
    for (signal, background), emission in zip(signals, emission_nm, strict=True):
        electrons = _widefield_optics(signal, emission, na, pixel_um, haze=0.25) * light
        planes.append(scmos_camera(electrons + background, rng))
    return np.stack(planes)


def screen_field(
    rng: np.random.Generator,
    shape: Shape,
    pixel_um: float,
    emission_nm: tuple[float, float],
    na: float,
    foci_per_nucleus: float,
) -> NDArray[np.uint16]:
    """One field of a DNA-damage screen: DAPI nuclei and gamma-H2AX foci, ``(2, y, x)``."""
    field = scatter_cells(rng, shape, pixel_um, confluence=0.75, mitotic_fraction=0.03)
    bodies = cell_bodies(field, shape, pixel_um)
    nuclei = nuclear_masks(field, shape, pixel_um)
    dna = 1800.0 * chromatin(field, shape, pixel_um, rng)
    foci = 900.0 * nuclear_foci(field, shape, pixel_um, rng, foci_per_nucleus)
    foci += 60.0 * nuclei * field.level.mean() + 15.0 * bodies
    light = _vignetting(shape, 0.25)
    planes = []
    for signal, emission, background in zip((dna, foci), emission_nm, (5.0, 9.0), strict=True):
        electrons = _widefield_optics(signal, emission, na, pixel_um, haze=0.2) * light
        planes.append(scmos_camera(electrons + background, rng))
    return np.stack(planes)


def confocal_overview(
    rng: np.random.Generator,
    shape: Shape,
    pixel_um: float,
    emission_nm: tuple[float, float],
    na: float,
) -> NDArray[np.uint16]:
    """A low-magnification confocal section of many cells: tubulin, mitochondria; ``(2, y, x)``."""
    field = scatter_cells(rng, shape, pixel_um, confluence=0.6, mitotic_fraction=0.04)
    bodies = cell_bodies(field, shape, pixel_um)
    nuclei = nuclear_masks(field, shape, pixel_um)
    signals = (
        4.0 * microtubules(field, shape, pixel_um, rng, bodies, nuclei, per_cell_range=(25, 40)),
        3.5 * mitochondria(field, shape, pixel_um, rng, bodies, nuclei),
    )
    planes = []
    for signal, emission, gain in zip(signals, emission_nm, (38.0, 30.0), strict=True):
        photons = gaussian_blur(signal, psf_sigma_px(emission, na, pixel_um, confocal=True) + 0.3)
        planes.append(point_detector(photons + 0.3, rng, adu_per_photon=gain, offset_adu=-4.0))
    return np.stack(planes)


def confocal_stack(
    rng: np.random.Generator,
    shape: Shape,
    planes: int,
    pixel_um: float,
    z_step_um: float,
    na: float,
) -> NDArray[np.uint16]:
    """A confocal Z-stack through a few cells: actin (cortex, stress fibres) and nuclear lamina.

    The point-spread function widens and the signal dims with depth, as spherical aberration
    and scattering do in a real sample.

    Returns
    -------
    numpy.ndarray
        Counts of shape ``(z, 2, y, x)`` (12-bit values).
    """
    field = centred(
        scatter_cells(rng, shape, pixel_um, radius_um=(15.0, 21.0), confluence=0.85), shape
    )
    nearest, next_nearest = territories(field, shape)
    edge = 0.3 / pixel_um
    bodies = 0.5 * (1.0 - np.tanh(nearest / edge))
    cortex = 0.2 / pixel_um
    outline = np.exp(-((nearest / cortex) ** 2)) + np.exp(
        -(((next_nearest - nearest) / (2 * cortex)) ** 2)
    ) * 0.5 * (1.0 - np.tanh(next_nearest / edge))
    rho, owner = nucleus_distance(field, shape)
    base_um = 1.2 + 0.3 * smooth_noise(shape, 20.0 / pixel_um, rng)  # coverslip tilt and waviness
    nucleus_half_height = 2.6
    nucleus_centre = base_um + 0.5 + nucleus_half_height
    inside_nucleus = np.sqrt(np.clip(1.0 - rho * rho, 0.0, 1.0))
    top_um = base_um + np.maximum(
        1.0 + 2.0 * gaussian_blur(bodies, 3.0 / pixel_um),
        np.where(rho < 1.2, 0.9 + (nucleus_half_height * (1 + inside_nucleus)), 0.0),
    ) * (bodies > 0.02)
    # Stress fibres: nearly straight bundles along each cell's long axis, on the coverslip.
    owner_of_fibre = np.repeat(np.arange(field.y.size), 25)
    scatter = rng.normal(0, 4.0 / pixel_um, (2, owner_of_fibre.size))
    fibres_y, fibres_x = trace_paths(
        field.y[owner_of_fibre] + scatter[0],
        field.x[owner_of_fibre] + scatter[1],
        field.angle[owner_of_fibre] + rng.normal(0, 0.25, owner_of_fibre.size),
        int(30 / pixel_um / 0.7),
        0.7,
        0.004,
        rng,
    )
    fibres_y -= (fibres_y[:, -1:] - fibres_y[:, :1]) / 2  # centre each fibre on its start
    fibres_x -= (fibres_x[:, -1:] - fibres_x[:, :1]) / 2
    fibres = splat(shape, fibres_y, fibres_x, 0.7 * pixel_um / 0.07) * bodies**3
    lateral_radius_um = np.sqrt(field.nry * field.nrx)[owner] * pixel_um
    actin = np.empty((planes, *shape), dtype=np.float32)
    lamina = np.empty((planes, *shape), dtype=np.float32)
    lateral = np.empty(planes, dtype=np.float32)
    highest = float(top_um.max())
    occupied = planes
    for k in range(planes):
        z = k * z_step_um
        depth = max(0.0, z - 1.2)
        sigma_z = 0.28 * (1 + depth / 8.0)  # axial PSF widening with depth, µm
        lateral[k] = psf_sigma_px(520.0, na, pixel_um, confocal=True) * (1 + depth / 6.0)
        dim = math.exp(-depth / 30.0)
        if z > highest + 4 * sigma_z:  # above the cells: nothing left to render
            occupied = min(occupied, k)
            actin[k] = 0.0
            lamina[k] = 0.0
            continue

        def sheet(
            centre: FloatImage, width: float, z: float = z, sigma_z: float = sigma_z
        ) -> FloatImage:
            spread = math.sqrt(width * width + sigma_z * sigma_z)
            return (width / spread) * np.exp(-(((z - centre) / spread) ** 2))

        inside = (
            0.5
            * (1 + np.tanh((z - base_um) / sigma_z))
            * 0.5
            * (1 + np.tanh((top_um - z) / sigma_z))
        )
        actin[k] = dim * (
            0.9 * sheet(base_um + 0.25, 0.15) * fibres
            + 0.5 * outline * inside
            + 0.35 * bodies * sheet(top_um, 0.15)
            + 0.05 * bodies * inside
        )
        # Nuclear lamina: a thin ellipsoidal shell; axial blur thickens it where it lies flat.
        dz = (z - nucleus_centre) / nucleus_half_height
        radius3d = np.sqrt(rho * rho + dz * dz)
        flat = dz * dz / (radius3d * radius3d + 1e-6)
        scale_um = (1 - flat) * lateral_radius_um + flat * nucleus_half_height
        width = np.sqrt(0.1**2 + flat * sigma_z * sigma_z)
        envelope = (0.1 / width) * np.exp(-((((radius3d - 1.0) * scale_um) / width) ** 2))
        lamina[k] = dim * (envelope + 0.06 * (radius3d < 1.0))
    stack = []
    for signal, photons, gain, excess in (
        (actin, 40.0, 36.0, 0.25),
        (lamina, 30.0, 40.0, 0.5),
    ):
        expected = np.full(signal.shape, 0.2, dtype=np.float32)  # dark counts and stray light
        lit = slice(0, occupied)  # planes above the cells hold background only
        expected[lit] += blur_planes(signal[lit], lateral[lit]) * photons
        stack.append(point_detector(expected, rng, adu_per_photon=gain, excess_noise=excess))
    return np.stack(stack, axis=1)
