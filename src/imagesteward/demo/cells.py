"""Cultured cells as a fluorescence microscope sees them: outlines, nuclei, labelled structures.

A :class:`CellField` places cells (irregular outlines), their nuclei (or condensed chromosomes
during mitosis) and centrosomes; renderers turn it into the expected signal of one label:
chromatin (DAPI, H2B), microtubules, mitochondria, DNA-damage foci. Lengths given in
micrometres are converted with the pixel size, so a field looks right at any magnification.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imagesteward.demo.drawing import outline_distance, splat, stamp, trace_paths
from imagesteward.demo.noise import smooth_noise

__all__ = [
    "CellField",
    "as_f32",
    "cell_bodies",
    "centred",
    "chromatin",
    "metaphase",
    "microtubules",
    "mitochondria",
    "nuclear_foci",
    "nuclear_masks",
    "nucleus_distance",
    "scatter_cells",
    "territories",
]

FloatImage = NDArray[np.floating[Any]]
Shape = tuple[int, int]


@dataclass(frozen=True)
class CellField:
    """Cells and their chromatin in one field of view, lengths in pixels.

    Attributes
    ----------
    y, x, radius, aspect, angle, harmonics, level
        Cell centres, mean radii, elongation, orientation, outline harmonics ``(n, 4, 2)``
        and expression level.
    ny, nx, nry, nrx, nangle, nlevel, condensed
        Chromatin bodies: interphase nuclei, or condensed chromosomes of mitotic cells
        (``condensed``). A cell in anaphase has two.
    centrosome_y, centrosome_x
        Microtubule organising centre of each cell.
    """

    y: FloatImage
    x: FloatImage
    radius: FloatImage
    aspect: FloatImage
    angle: FloatImage
    harmonics: FloatImage
    level: FloatImage
    ny: FloatImage
    nx: FloatImage
    nry: FloatImage
    nrx: FloatImage
    nangle: FloatImage
    nlevel: FloatImage
    condensed: NDArray[np.bool_]
    centrosome_y: FloatImage
    centrosome_x: FloatImage

    def shifted(self, dy: float, dx: float) -> CellField:
        """The same cells moved by ``(dy, dx)`` pixels (stage drift)."""
        return replace(
            self,
            y=self.y + dy,
            x=self.x + dx,
            ny=self.ny + dy,
            nx=self.nx + dx,
            centrosome_y=self.centrosome_y + dy,
            centrosome_x=self.centrosome_x + dx,
        )


def as_f32(values: object) -> FloatImage:
    """``values`` as a float32 array."""
    return np.asarray(values, dtype=np.float32)


def scatter_cells(
    rng: np.random.Generator,
    shape: Shape,
    pixel_um: float,
    *,
    radius_um: tuple[float, float] = (13.0, 20.0),
    confluence: float = 0.8,
    mitotic_fraction: float = 0.0,
) -> CellField:
    """Place cells on a jittered lattice over (and a little beyond) the field.

    Parameters
    ----------
    rng
        Random stream.
    shape
        Field size in pixels.
    pixel_um
        Pixel size in micrometres.
    radius_um
        Range of mean cell radii.
    confluence
        Fraction of lattice sites that hold a cell.
    mitotic_fraction
        Fraction of cells caught in metaphase (round, with a condensed chromosome plate).

    Returns
    -------
    CellField
        The cells.
    """
    height, width = shape
    mean_radius = sum(radius_um) / 2 / pixel_um
    spacing = 2.0 * mean_radius
    rows = np.arange(-0.5 * spacing, height + spacing, spacing * 0.87)
    sites = [
        (row, col + (0.5 * spacing if i % 2 else 0.0))
        for i, row in enumerate(rows)
        for col in np.arange(-0.5 * spacing, width + spacing, spacing)
    ]
    centres = np.asarray(sites, dtype=np.float32).reshape(-1, 2)
    centres = centres[rng.random(len(centres)) < confluence]
    centres += rng.uniform(-0.22, 0.22, centres.shape).astype(np.float32) * spacing
    n = len(centres)
    radius = as_f32(rng.uniform(*radius_um, n) / pixel_um)
    aspect = as_f32(rng.uniform(1.0, 1.5, n))
    angle = as_f32(rng.uniform(0, math.pi, n))
    harmonics = np.stack(
        [
            rng.uniform(0.0, 0.13, (n, 4)) * np.array([1.0, 0.8, 0.6, 0.4]),
            rng.uniform(0, 2 * math.pi, (n, 4)),
        ],
        axis=-1,
    ).astype(np.float32)
    level = as_f32(rng.lognormal(0.0, 0.25, n))
    nucleus_radius = radius * as_f32(rng.uniform(0.36, 0.46, n))
    nucleus_aspect = as_f32(rng.uniform(1.05, 1.35, n))
    offset = radius * as_f32(rng.uniform(0.0, 0.22, n))
    direction = as_f32(rng.uniform(0, 2 * math.pi, n))
    ny = centres[:, 0] + offset * np.sin(direction)
    nx = centres[:, 1] + offset * np.cos(direction)
    nangle = angle + as_f32(rng.normal(0.0, 0.3, n))
    # The centrosome sits at the nuclear envelope, facing the cell centre.
    toward = direction + math.pi + as_f32(rng.normal(0.0, 0.6, n))
    cy = ny + 1.05 * nucleus_radius * np.sin(toward)
    cx = nx + 1.05 * nucleus_radius * np.cos(toward)
    field = CellField(
        y=centres[:, 0],
        x=centres[:, 1],
        radius=radius,
        aspect=aspect,
        angle=angle,
        harmonics=harmonics,
        level=level,
        ny=ny,
        nx=nx,
        nry=nucleus_radius / np.sqrt(nucleus_aspect),
        nrx=nucleus_radius * np.sqrt(nucleus_aspect),
        nangle=nangle,
        nlevel=level * as_f32(rng.lognormal(0.0, 0.15, n)),
        condensed=np.zeros(n, dtype=np.bool_),
        centrosome_y=cy,
        centrosome_x=cx,
    )
    mitotic = rng.random(n) < mitotic_fraction
    return metaphase(field, mitotic) if mitotic.any() else field


def centred(field: CellField, shape: Shape) -> CellField:
    """Move the whole field so that the nucleus nearest the image centre sits at the centre.

    Small images (the demo at a low scale) then still show at least one whole cell.
    """
    cy, cx = (shape[0] - 1) / 2, (shape[1] - 1) / 2
    nearest = int(np.argmin((field.ny - cy) ** 2 + (field.nx - cx) ** 2))
    return field.shifted(cy - float(field.ny[nearest]), cx - float(field.nx[nearest]))


def metaphase(field: CellField, mitotic: NDArray[np.bool_]) -> CellField:
    """Round up the chosen cells and condense their chromatin into a metaphase plate."""
    m = mitotic
    radius = np.where(m, field.radius * 0.62, field.radius)
    harmonics = np.where(m[:, None, None], 0.0, field.harmonics).astype(np.float32)
    nucleus_radius = np.sqrt(field.nry * field.nrx)
    return replace(
        field,
        radius=as_f32(radius),
        aspect=as_f32(np.where(m, 1.05, field.aspect)),
        harmonics=harmonics,
        level=as_f32(np.where(m, field.level * 1.6, field.level)),
        ny=as_f32(np.where(m, field.y, field.ny)),
        nx=as_f32(np.where(m, field.x, field.nx)),
        nry=as_f32(np.where(m, nucleus_radius * 0.22, field.nry)),
        nrx=as_f32(np.where(m, nucleus_radius * 1.05, field.nrx)),
        nlevel=as_f32(np.where(m, field.nlevel * 1.9, field.nlevel)),
        condensed=field.condensed | m,
        centrosome_y=as_f32(np.where(m, field.y, field.centrosome_y)),
        centrosome_x=as_f32(np.where(m, field.x, field.centrosome_x)),
    )


def cell_bodies(field: CellField, shape: Shape, pixel_um: float) -> FloatImage:
    """Cytoplasm mask (0..1) of all cells, with soft irregular outlines."""
    radius_y = field.radius / np.sqrt(field.aspect)
    radius_x = field.radius * np.sqrt(field.aspect)
    bodies = stamp(
        shape,
        field.y,
        field.x,
        radius_y,
        radius_x,
        angle=field.angle,
        edge_px=max(0.6, 0.6 / pixel_um),
        harmonics=field.harmonics,
    )
    return np.minimum(bodies, 1.0)


def nuclear_masks(field: CellField, shape: Shape, pixel_um: float) -> FloatImage:
    """Mask (0..1) of the chromatin bodies, without texture."""
    masks = stamp(
        shape,
        field.ny,
        field.nx,
        field.nry,
        field.nrx,
        angle=field.nangle,
        edge_px=max(0.6, 0.2 / pixel_um),
    )
    return np.minimum(masks, 1.0)


def chromatin(
    field: CellField, shape: Shape, pixel_um: float, rng: np.random.Generator
) -> FloatImage:
    """DNA stain or histone label: domed nuclei with textured chromatin and dark nucleoli."""
    bodies = stamp(
        shape,
        field.ny,
        field.nx,
        field.nry,
        field.nrx,
        angle=field.nangle,
        amplitude=field.nlevel,
        edge_px=max(0.6, 0.2 / pixel_um),
        profile="dome",
    )
    texture = 1.0 + 0.18 * smooth_noise(shape, max(1.5, 0.7 / pixel_um), rng)
    if 0.25 / pixel_um >= 1.0:
        texture += 0.1 * smooth_noise(shape, 0.25 / pixel_um, rng)
    interphase = np.flatnonzero(~field.condensed)
    count = rng.integers(1, 4, interphase.size)
    owner = np.repeat(interphase, count)
    where = rng.uniform(0, 2 * math.pi, owner.size)
    reach = np.sqrt(rng.uniform(0, 0.35, owner.size))
    size = rng.uniform(0.5, 1.0, owner.size) / pixel_um
    nucleoli = stamp(
        shape,
        field.ny[owner] + reach * field.nry[owner] * np.sin(where),
        field.nx[owner] + reach * field.nrx[owner] * np.cos(where),
        size,
        size * rng.uniform(1.0, 1.5, owner.size),
        angle=rng.uniform(0, math.pi, owner.size),
        edge_px=max(0.6, 0.25 / pixel_um),
    )
    return as_f32(bodies * np.clip(texture, 0.3, None) * (1.0 - 0.6 * np.minimum(nucleoli, 1.0)))


def microtubules(
    field: CellField,
    shape: Shape,
    pixel_um: float,
    rng: np.random.Generator,
    bodies: FloatImage,
    nuclei: FloatImage,
    per_cell_range: tuple[int, int] = (50, 90),
    soluble: float = 0.08,
) -> FloatImage:
    """Microtubules radiating from each centrosome, plus soluble tubulin and the centrosome."""
    per_cell = rng.integers(*per_cell_range, field.y.size)
    owner = np.repeat(np.arange(field.y.size), per_cell)
    step = 0.7 if pixel_um < 0.2 else 1.0
    steps = max(8, math.ceil(1.7 * float(field.radius.max()) / step))
    ys, xs = trace_paths(
        field.centrosome_y[owner],
        field.centrosome_x[owner],
        rng.uniform(0, 2 * math.pi, owner.size),
        steps,
        step,
        0.12 * math.sqrt(step * pixel_um),
        rng,
    )
    length = field.radius[owner] * rng.uniform(0.5, 1.6, owner.size) / step
    along = np.arange(steps, dtype=np.float32)[None, :]
    weight = (along < length[:, None]) * (field.level[owner] * rng.uniform(0.5, 1.0, owner.size))[
        :, None
    ]
    # Sub-resolution filaments: normalise the line density so brightness does not depend on
    # the pixel size.
    lines = splat(shape, ys, xs, weight * (step * pixel_um / 0.07))
    centrosomes = splat(shape, field.centrosome_y, field.centrosome_x, 6.0 * field.level)
    return as_f32((lines * bodies**2 + centrosomes) * (1.0 - 0.5 * nuclei) + soluble * bodies)


def mitochondria(
    field: CellField,
    shape: Shape,
    pixel_um: float,
    rng: np.random.Generator,
    bodies: FloatImage,
    nuclei: FloatImage,
) -> FloatImage:
    """Short tubular mitochondria scattered through the cytoplasm, denser around the nucleus."""
    area_um2 = math.pi * (field.radius * pixel_um) ** 2
    per_cell = rng.poisson(0.3 * area_um2)
    owner = np.repeat(np.arange(field.y.size), per_cell)
    spread = np.sqrt(rng.uniform(0, 1, owner.size)) ** 1.3 * field.radius[owner] * 1.1
    where = rng.uniform(0, 2 * math.pi, owner.size)
    step = 0.7
    steps = max(3, math.ceil(2.5 / pixel_um / step))
    ys, xs = trace_paths(
        field.ny[owner] + spread * np.sin(where),
        field.nx[owner] + spread * np.cos(where),
        rng.uniform(0, 2 * math.pi, owner.size),
        steps,
        step,
        0.25 * math.sqrt(step * pixel_um),
        rng,
    )
    length = rng.uniform(0.8, 3.5, owner.size) / pixel_um / step
    along = np.arange(steps, dtype=np.float32)[None, :]
    weight = (along < length[:, None]) * field.level[owner][:, None]
    tubules = splat(shape, ys, xs, weight * (step * pixel_um / 0.1))
    return as_f32(tubules * bodies * (1.0 - 0.7 * nuclei) + 0.05 * bodies)


def nuclear_foci(
    field: CellField,
    shape: Shape,
    pixel_um: float,
    rng: np.random.Generator,
    mean_count: float,
) -> FloatImage:
    """Bright foci inside nuclei, such as gamma-H2AX at DNA double-strand breaks."""
    count = rng.poisson(mean_count * field.nlevel)
    owner = np.repeat(np.arange(field.ny.size), count)
    reach = np.sqrt(rng.uniform(0, 0.8, owner.size))
    where = rng.uniform(0, 2 * math.pi, owner.size)
    cos = np.cos(field.nangle[owner])
    sin = np.sin(field.nangle[owner])
    u = reach * field.nrx[owner] * np.cos(where)
    v = reach * field.nry[owner] * np.sin(where)
    ys = field.ny[owner] + sin * u + cos * v
    xs = field.nx[owner] + cos * u - sin * v
    return splat(shape, ys, xs, rng.uniform(0.5, 1.0, owner.size))


def territories(field: CellField, shape: Shape) -> tuple[FloatImage, FloatImage]:
    """Signed distance (px, negative inside) to the nearest and the second-nearest cell outline.

    Where two cells would overlap, the nearer outline wins and the pixels where both distances
    are equal form the junction between them, as in a confluent epithelium.
    """
    far = np.float32(1e6)
    first = np.full(shape, far, dtype=np.float32)
    second = np.full(shape, far, dtype=np.float32)
    radius_y = field.radius / np.sqrt(field.aspect)
    radius_x = field.radius * np.sqrt(field.aspect)
    for i in range(field.y.size):
        reach = float(max(radius_y[i], radius_x[i]) * (1 + np.abs(field.harmonics[i, :, 0]).sum()))
        reach += 8.0
        y0, y1 = max(0, int(field.y[i] - reach)), min(shape[0], int(field.y[i] + reach) + 1)
        x0, x1 = max(0, int(field.x[i] - reach)), min(shape[1], int(field.x[i] + reach) + 1)
        if y0 >= y1 or x0 >= x1:
            continue
        dy = np.arange(y0, y1, dtype=np.float32)[:, None] - field.y[i]
        dx = np.arange(x0, x1, dtype=np.float32)[None, :] - field.x[i]
        distance, _ = outline_distance(
            dy, dx, radius_y[i], radius_x[i], field.angle[i], field.harmonics[i]
        )
        near = first[y0:y1, x0:x1]
        second[y0:y1, x0:x1] = np.where(
            distance < near, near, np.minimum(second[y0:y1, x0:x1], distance)
        )
        first[y0:y1, x0:x1] = np.minimum(near, distance)
    return first, second


def nucleus_distance(field: CellField, shape: Shape) -> tuple[FloatImage, NDArray[np.intp]]:
    """Normalised elliptical radius of the nearest nucleus at every pixel, and its index."""
    yy = np.arange(shape[0], dtype=np.float32)[:, None]
    xx = np.arange(shape[1], dtype=np.float32)[None, :]
    best = np.full(shape, np.inf, dtype=np.float32)
    index = np.zeros(shape, dtype=np.intp)
    for i in range(field.ny.size):
        cos, sin = math.cos(float(field.nangle[i])), math.sin(float(field.nangle[i]))
        dy, dx = yy - field.ny[i], xx - field.nx[i]
        u = (cos * dx + sin * dy) / field.nrx[i]
        v = (cos * dy - sin * dx) / field.nry[i]
        rho = np.sqrt(u * u + v * v)
        closer = rho < best
        best = np.where(closer, rho, best)
        index = np.where(closer, i, index)
    return best, index
