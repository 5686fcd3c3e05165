"""Synthetic transmission electron micrograph of a cell in a thin resin section.

Heavy-metal stains scatter electrons, so stained structures are dark: lipid membranes (plasma
membrane, the double nuclear envelope with its pores, mitochondrial membranes and cristae, ER
cisternae, vesicles), ribosomes and heterochromatin. The image is built as a stain density,
turned into transmitted intensity, blurred slightly and recorded with shot noise, like an 8-bit
camera image of a 70 nm section.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imagesteward.demo.drawing import outline_distance, splat, stamp, trace_paths
from imagesteward.demo.noise import smooth_noise
from imagesteward.demo.optics import gaussian_blur

__all__ = ["tem_section"]

FloatImage = NDArray[np.floating[Any]]


def _membrane(distance_px: FloatImage, nm: float, offset_nm: float = 0.0) -> FloatImage:
    """A 7 nm dark line at ``offset_nm`` inside an outline, from its signed distance."""
    return np.exp(-(((distance_px + offset_nm * nm) / (3.5 * nm)) ** 2))


def tem_section(
    rng: np.random.Generator, shape: tuple[int, int], pixel_nm: float
) -> NDArray[np.uint8]:
    """Render a TEM image of cytoplasm next to the nucleus, shape ``(y, x)``, uint8.

    Parameters
    ----------
    rng
        Random stream.
    shape
        Image size in pixels.
    pixel_nm
        Pixel size in nanometres (a few nm for organelle-level micrographs).

    Returns
    -------
    numpy.ndarray
        Camera counts, dark where the stain is dense.
    """
    height, width = shape
    nm = 1.0 / pixel_nm  # pixels per nanometre
    yy = np.arange(height, dtype=np.float32)[:, None]
    xx = np.arange(width, dtype=np.float32)[None, :]
    field_nm = max(height, width) * pixel_nm

    # Cytoplasm: grey, granular with free ribosomes.
    density = 0.42 + 0.04 * smooth_noise(shape, 30 * nm, rng)
    count = int(height * width * pixel_nm**2 / 2500)  # about one ribosome per 50 x 50 nm
    ribosomes = splat(shape, rng.uniform(0, height, count), rng.uniform(0, width, count), 1.0)
    density += 0.35 * gaussian_blur(ribosomes, 6 * nm)

    # Plasma membrane: a wavy edge with resin outside, across one corner.
    edge = (yy + xx * 0.6) - 0.28 * (height + width * 0.6)
    edge = edge + 60 * nm * smooth_noise((1, width), 400 * nm, rng)
    outside = 0.5 * (1 + np.tanh(-edge / (2 * nm)))
    density = density * (1 - outside) + (0.12 + 0.02 * smooth_noise(shape, 50 * nm, rng)) * outside
    density += 0.5 * _membrane(edge, nm)

    # Nucleus: lower left, with a double envelope interrupted by pores, and heterochromatin
    # clumped against it.
    ny, nx, radius = 1.05 * height, 0.08 * width, 0.5 * max(height, width)
    nuclear, _ = outline_distance(yy - ny, xx - nx, radius, radius * 1.1, 0.3)
    inside = 0.5 * (1 - np.tanh(nuclear / (3 * nm)))
    angle = np.arctan2(yy - ny, xx - nx)
    pores = np.cos(angle * radius / (110 * nm) * 2 * math.pi) > 0.93
    envelope = (_membrane(nuclear, nm, 0) + _membrane(nuclear, nm, 35)) * ~pores
    clumps = smooth_noise(shape, 120 * nm, rng) + 1.5 * np.exp(nuclear / (250 * nm))
    heterochromatin = np.clip((clumps - 1.1) * 2, 0, 1) * inside
    density = density * (1 - inside) + inside * (0.3 + 0.05 * smooth_noise(shape, 15 * nm, rng))
    density += 0.45 * heterochromatin + 0.55 * envelope * (1 - outside)

    cytoplasm = (1 - inside) * (1 - outside)
    mitochondria, occupied = _mitochondria(rng, shape, nm, field_nm, cytoplasm)
    density += mitochondria
    density += _endoplasmic_reticulum(rng, shape, nm, field_nm) * cytoplasm * (1 - occupied)
    density += _vesicles(rng, shape, nm, field_nm) * cytoplasm * (1 - occupied)

    intensity = 225.0 * np.exp(-1.7 * gaussian_blur(density, 1.5 * nm + 0.3))
    electrons = rng.poisson(np.clip(intensity, 0, None) * 4.0) / 4.0
    return np.clip(np.rint(electrons), 0, 255).astype(np.uint8)


def _free_spots(
    rng: np.random.Generator, allowed: FloatImage, count: int, spacing: float
) -> list[tuple[float, float]]:
    """Up to ``count`` random positions where ``allowed`` is high, ``spacing`` px apart."""
    height, width = allowed.shape
    chosen: list[tuple[float, float]] = []
    for y, x in zip(
        rng.uniform(0, height, count * 20), rng.uniform(0, width, count * 20), strict=True
    ):
        if len(chosen) == count:
            break
        if allowed[int(y), int(x)] < 0.99:
            continue
        if all((y - cy) ** 2 + (x - cx) ** 2 > spacing**2 for cy, cx in chosen):
            chosen.append((float(y), float(x)))
    return chosen


def _mitochondria(
    rng: np.random.Generator, shape: tuple[int, int], nm: float, field_nm: float, room: FloatImage
) -> tuple[FloatImage, FloatImage]:
    """Mitochondria (dark matrix, double outer membrane, transverse cristae) and their mask."""
    count = max(2, round(field_nm**2 / 2.5e6))
    spots = _free_spots(rng, room, count, spacing=1000 * nm)
    density = np.zeros(shape, dtype=np.float32)
    mask = np.zeros(shape, dtype=np.float32)
    yy = np.arange(shape[0], dtype=np.float32)[:, None]
    xx = np.arange(shape[1], dtype=np.float32)[None, :]
    for cy, cx in spots:
        ry = rng.uniform(120, 200) * nm
        rx = rng.uniform(250, 600) * nm
        angle = rng.uniform(0, math.pi)
        reach = int(rx + 20 * nm)
        y0, y1 = max(0, int(cy) - reach), min(shape[0], int(cy) + reach)
        x0, x1 = max(0, int(cx) - reach), min(shape[1], int(cx) + reach)
        dy, dx = yy[y0:y1] - cy, xx[:, x0:x1] - cx
        outline, _ = outline_distance(dy, dx, ry, rx, angle)
        body = 0.5 * (1 - np.tanh(outline / (2 * nm)))
        along = math.cos(angle) * dx + math.sin(angle) * dy
        across = (math.cos(angle) * dy - math.sin(angle) * dx) / ry
        period = rng.uniform(70, 110) * nm
        wobble = 0.12 * np.sin(across * 3.0 + rng.uniform(0, 6))
        phase = np.mod(along / period + wobble, 1.0) - 0.5
        cristae = np.exp(-((phase * period / (6 * nm)) ** 2)) * (np.abs(across) < 0.75)
        local = (
            0.22 * body
            + 0.55 * (_membrane(outline, nm, 0) + _membrane(outline, nm, 20))
            + 0.45 * cristae * body
        )
        density[y0:y1, x0:x1] = np.maximum(density[y0:y1, x0:x1], local.astype(np.float32))
        mask[y0:y1, x0:x1] = np.maximum(mask[y0:y1, x0:x1], body.astype(np.float32))
    return density * room, np.minimum(1.0, mask * 1.5)


def _endoplasmic_reticulum(
    rng: np.random.Generator, shape: tuple[int, int], nm: float, field_nm: float
) -> FloatImage:
    """Rough ER: long flat cisternae (two parallel membranes) studded with ribosomes."""
    count = max(3, round(field_nm**2 / 1.5e6))
    step = 0.7
    steps = int(rng.uniform(800, 1500) * nm / step)
    ys, xs = trace_paths(
        rng.uniform(0, shape[0], count),
        rng.uniform(0, shape[1], count),
        rng.uniform(0, 2 * math.pi, count),
        steps,
        step,
        0.015,
        rng,
    )
    heading = np.arctan2(np.gradient(ys, axis=1), np.gradient(xs, axis=1))
    normal_y, normal_x = np.cos(heading), -np.sin(heading)
    gap = 20 * nm
    lines = splat(shape, ys + gap * normal_y, xs + gap * normal_x, 1.0)
    lines += splat(shape, ys - gap * normal_y, xs - gap * normal_x, 1.0)
    studs = rng.random(ys.shape) < 0.06
    side = np.where(rng.random(ys.shape) < 0.5, 1.0, -1.0)
    ribosomes = splat(
        shape,
        (ys + side * 2.2 * gap * normal_y)[studs],
        (xs + side * 2.2 * gap * normal_x)[studs],
        1.0,
    )
    return (
        0.5 * gaussian_blur(lines, 2.0 * nm + 0.3) * 2.5
        + 0.6 * gaussian_blur(ribosomes, 5 * nm) * 8
    )


def _vesicles(
    rng: np.random.Generator, shape: tuple[int, int], nm: float, field_nm: float
) -> FloatImage:
    """Small membrane vesicles: dark rims around pale lumens."""
    count = max(5, round(field_nm**2 / 2e5))
    radius = rng.uniform(20, 55, count) * nm
    y = rng.uniform(0, shape[0], count)
    x = rng.uniform(0, shape[1], count)
    rims = stamp(
        shape,
        y,
        x,
        radius,
        radius * rng.uniform(1.0, 1.3, count),
        angle=rng.uniform(0, math.pi, count),
        edge_px=3.5 * nm,
        profile="ring",
    )
    return 0.5 * rims
