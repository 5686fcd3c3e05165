"""Synthetic brightfield histology: an H&E-stained section of colon seen by a slide scanner.

The section is built as two stain densities, haematoxylin (nuclei: blue-purple) and eosin
(cytoplasm and connective tissue: pink), turned into transmitted RGB light with the
Beer-Lambert law and the stain colour vectors of Ruifrok and Johnston. The tissue has a ragged
outline on the glass, a mucosa with crypts (a lumen ringed by columnar epithelium with goblet
cells) over loose lamina propria full of lymphocytes, and a band of smooth muscle with
spindle-shaped nuclei.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imagesteward.demo.drawing import stamp, upsample
from imagesteward.demo.noise import smooth_noise, tiled_noise

__all__ = ["he_section"]

FloatImage = NDArray[np.floating[Any]]

# Optical densities per unit stain in R, G, B (Ruifrok & Johnston 2001), haematoxylin tuned
# towards purple and eosin towards pink as they look on a typical scanner.
_HAEMATOXYLIN = np.array([0.65, 0.74, 0.29], dtype=np.float32)
_EOSIN = np.array([0.09, 0.92, 0.32], dtype=np.float32)
_GLASS_RGB = np.array([242.0, 241.0, 239.0], dtype=np.float32)


def _jittered_sites(
    rng: np.random.Generator, shape: tuple[int, int], spacing: float, jitter: float
) -> NDArray[np.float32]:
    """Points on a hexagonal lattice with random displacements, covering ``shape``."""
    rows = np.arange(0.0, shape[0] + spacing, spacing * 0.87)
    sites = [
        (row, col + (0.5 * spacing if i % 2 else 0.0))
        for i, row in enumerate(rows)
        for col in np.arange(0.0, shape[1] + spacing, spacing)
    ]
    points = np.asarray(sites, dtype=np.float32).reshape(-1, 2)
    points += rng.uniform(-jitter, jitter, points.shape).astype(np.float32) * spacing
    return points


def _sample(mask: FloatImage, points: FloatImage) -> FloatImage:
    """Values of ``mask`` at (rounded) point positions; 0 outside the image."""
    iy = np.rint(points[:, 0]).astype(np.intp)
    ix = np.rint(points[:, 1]).astype(np.intp)
    inside = (iy >= 0) & (iy < mask.shape[0]) & (ix >= 0) & (ix < mask.shape[1])
    values = np.zeros(len(points), dtype=np.float32)
    values[inside] = mask[iy[inside], ix[inside]]
    return values


def he_section(
    rng: np.random.Generator, shape: tuple[int, int], pixel_um: float
) -> NDArray[np.uint8]:
    """Render an H&E-stained colon section as 8-bit RGB, shape ``(y, x, 3)``.

    Smooth structures (tissue outline, crypts, stroma, eosin) are drawn on a grid four times
    coarser and interpolated; nuclei are drawn at full resolution; the stains are turned into
    colour through a lookup table. That keeps a 4096 x 4096 section to about a second.

    Parameters
    ----------
    rng
        Random stream.
    shape
        Image size in pixels.
    pixel_um
        Pixel size in micrometres (0.5 for a 20x scan).

    Returns
    -------
    numpy.ndarray
        Interleaved RGB, uint8.
    """
    factor = _COARSE
    coarse_shape = (math.ceil(shape[0] / factor), math.ceil(shape[1] / factor))
    layout = _layout(rng, coarse_shape, pixel_um * factor)
    eosin = upsample(layout.eosin, factor, shape)
    haematoxylin = _nuclei(rng, shape, pixel_um, layout, factor)
    chromatin = tiled_noise(shape, 1.2 / pixel_um, rng)
    chromatin *= 0.25
    chromatin += 1.0
    haematoxylin *= chromatin
    return _colour(rng, haematoxylin, eosin)


_COARSE = 4


@dataclass(frozen=True)
class _Layout:
    """The section's architecture on the coarse grid."""

    mucosa: FloatImage
    muscle: FloatImage
    stroma: FloatImage
    eosin: FloatImage
    crypts: NDArray[np.float32]  # (n, 2) centres, coarse pixels
    crypt_ry: FloatImage
    crypt_rx: FloatImage
    crypt_angle: FloatImage


def _layout(rng: np.random.Generator, shape: tuple[int, int], pixel_um: float) -> _Layout:
    height, width = shape
    um = 1.0 / pixel_um
    # Tissue on the glass: a large blob with a ragged, torn edge.
    yy = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
    xx = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    blob = 0.92 - np.sqrt((yy * 1.05) ** 2 + (xx * 0.95) ** 2)
    blob = blob + 0.1 * smooth_noise(shape, max(height, width) / 6, rng)
    blob = blob + 0.025 * smooth_noise(shape, 40 * um, rng)
    tissue = np.clip(blob / 0.01, 0.0, 1.0)

    # Mucosa above, muscle below a wavy boundary.
    boundary = 0.68 * height + 0.05 * height * smooth_noise((1, width), width / 3, rng)
    rows = np.arange(height, dtype=np.float32)[:, None]
    below = np.clip((rows - boundary) / (8 * um), 0.0, 1.0)
    mucosa = tissue * (1.0 - below)
    muscle = tissue * below

    # Crypts: rings of epithelium around a lumen, packed in the mucosa.
    crypts = _jittered_sites(rng, shape, 95 * um, 0.18)
    crypts = crypts[_sample(mucosa, crypts) > 0.5]
    n = len(crypts)
    radius = rng.uniform(30, 42, n).astype(np.float32) * um
    aspect = rng.uniform(1.0, 1.3, n).astype(np.float32)
    angle = rng.uniform(0, math.pi, n).astype(np.float32)
    ry, rx = radius / np.sqrt(aspect), radius * np.sqrt(aspect)
    lumen_fraction = rng.uniform(0.22, 0.35, n).astype(np.float32)
    crypt = np.minimum(
        stamp(shape, crypts[:, 0], crypts[:, 1], ry, rx, angle=angle, edge_px=max(0.6, um)), 1.0
    )
    lumen = np.minimum(
        stamp(
            shape,
            crypts[:, 0],
            crypts[:, 1],
            ry * lumen_fraction,
            rx * lumen_fraction,
            angle=angle,
            edge_px=max(0.6, 1.5 * um),
        ),
        1.0,
    )
    epithelium = np.clip(crypt - lumen, 0.0, 1.0) * mucosa
    # Goblet cells: pale mucin vacuoles scattered through the epithelium.
    goblets = _jittered_sites(rng, shape, 9 * um, 0.4)
    goblets = goblets[rng.random(len(goblets)) < _sample(epithelium, goblets) * 0.45]
    vacuoles = (
        np.minimum(
            stamp(
                shape,
                goblets[:, 0],
                goblets[:, 1],
                3.0 * um,
                3.8 * um,
                angle=rng.uniform(0, math.pi, len(goblets)),
                edge_px=max(0.6, um),
            ),
            1.0,
        )
        * epithelium
    )

    stroma = mucosa * (1.0 - crypt)
    fine = smooth_noise(shape, max(1.0, 3.0 * um), rng)
    fibres = smooth_noise(shape, (max(1.0, 2.0 * um), 25 * um), rng)
    eosin = (
        epithelium * (0.55 + 0.08 * fine) * (1.0 - 0.8 * vacuoles)
        + stroma * (0.3 + 0.06 * fine)
        + muscle * (0.66 + 0.14 * fibres)
        + 0.05 * lumen * mucosa  # faint mucus in the lumen
    )
    return _Layout(
        mucosa=mucosa,
        muscle=muscle,
        stroma=stroma,
        eosin=eosin,
        crypts=crypts,
        crypt_ry=ry,
        crypt_rx=rx,
        crypt_angle=angle,
    )


def _nuclei(
    rng: np.random.Generator,
    shape: tuple[int, int],
    pixel_um: float,
    layout: _Layout,
    factor: int,
) -> FloatImage:
    """Haematoxylin of every nucleus, at full resolution."""
    um = 1.0 / pixel_um
    # Columnar epithelial nuclei near the basal side of each crypt, pointing at the lumen.
    centres = (layout.crypts + 0.5) * factor - 0.5
    ry, rx, angle = layout.crypt_ry * factor, layout.crypt_rx * factor, layout.crypt_angle
    radius = np.sqrt(ry * rx)
    per_crypt = np.maximum(8, (2 * math.pi * 0.85 * radius / (5.5 * um)).astype(np.intp))
    owner = np.repeat(np.arange(len(centres)), per_crypt)
    around = np.concatenate(
        [np.linspace(0, 2 * math.pi, k, endpoint=False) for k in per_crypt] or [np.zeros(0)]
    ) + rng.normal(0, 0.03, owner.size)
    depth = rng.uniform(0.74, 0.86, owner.size)
    cos_a, sin_a = np.cos(angle[owner]), np.sin(angle[owner])
    u = depth * rx[owner] * np.cos(around)
    v = depth * ry[owner] * np.sin(around)
    ny = centres[owner, 0] + sin_a * u + cos_a * v
    nx = centres[owner, 1] + cos_a * u - sin_a * v
    radial = np.arctan2(ny - centres[owner, 0], nx - centres[owner, 1])
    keep = _sample(layout.mucosa, np.stack([ny, nx], axis=1) / factor) > 0.5
    nuclei = stamp(
        shape,
        ny[keep],
        nx[keep],
        1.9 * um,
        4.8 * um,
        angle=radial[keep],
        amplitude=rng.uniform(0.8, 1.1, int(keep.sum())),
        edge_px=0.6 * um,
    )
    # Lamina propria: small, dark, round lymphocytes and plasma cells.
    cells = _jittered_sites(rng, shape, 9 * um, 0.45)
    cells = cells[rng.random(len(cells)) < _sample(layout.stroma, cells / factor) * 0.55]
    size = rng.uniform(2.4, 3.4, len(cells)).astype(np.float32) * um
    nuclei += stamp(
        shape,
        cells[:, 0],
        cells[:, 1],
        size,
        size * rng.uniform(1.0, 1.3, len(cells)),
        angle=rng.uniform(0, math.pi, len(cells)),
        amplitude=rng.uniform(1.0, 1.4, len(cells)),
        edge_px=0.5 * um,
    )
    # Smooth muscle: cigar-shaped nuclei running along the layer.
    spindles = _jittered_sites(rng, shape, 14 * um, 0.45)
    spindles = spindles[rng.random(len(spindles)) < _sample(layout.muscle, spindles / factor) * 0.7]
    nuclei += stamp(
        shape,
        spindles[:, 0],
        spindles[:, 1],
        1.5 * um,
        rng.uniform(6, 9, len(spindles)) * um,
        angle=rng.normal(0, 0.12, len(spindles)),
        amplitude=0.85,
        edge_px=0.6 * um,
    )
    return np.minimum(nuclei, 1.3)


def _colour(
    rng: np.random.Generator, haematoxylin: FloatImage, eosin: FloatImage
) -> NDArray[np.uint8]:
    """Transmitted light through both stains (Beer-Lambert), via a lookup table, plus noise."""
    levels = 256
    h_max, e_max = 1.7, 1.3
    h_axis = np.linspace(0, h_max, levels, dtype=np.float32)[:, None, None]
    e_axis = np.linspace(0, e_max, levels, dtype=np.float32)[None, :, None]
    density = 0.95 * h_axis * _HAEMATOXYLIN + 0.85 * e_axis * _EOSIN
    # Colours stay within 2..253 so that the grain added below never carries between bytes.
    table = np.clip(np.rint(_GLASS_RGB * np.exp(-density)), 2, 253).astype(np.int32)
    # Pack R, G, B into one 32-bit word so a single gather colours every pixel.
    packed = (table[..., 0] | table[..., 1] << 8 | table[..., 2] << 16).astype("<i4").ravel()
    index = (haematoxylin * ((levels - 1) / h_max) + 0.5).astype(np.int32)
    np.clip(index, 0, levels - 1, out=index)
    index *= levels
    e_index = (eosin * ((levels - 1) / e_max) + 0.5).astype(np.int32)
    np.clip(e_index, 0, levels - 1, out=e_index)
    index += e_index
    pixels = np.take(packed, index)
    # Sensor grain of -2..2 counts (about 1.2 RMS), the same on the three colour planes.
    grain = rng.integers(-1, 2, haematoxylin.shape, dtype=np.int8)
    grain += rng.integers(-1, 2, haematoxylin.shape, dtype=np.int8)
    pixels += grain.astype(np.int32) * 0x010101
    rgb = pixels.view(np.uint8).reshape(*haematoxylin.shape, 4)[..., :3]
    return np.ascontiguousarray(rgb)
