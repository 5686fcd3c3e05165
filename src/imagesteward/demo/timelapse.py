"""A live-cell time-lapse: cells crawl, the stage drifts, fluorophores bleach, cells divide.

Every cell is a track that follows a persistent random walk; a few tracks go through metaphase
(a condensed chromosome plate in a rounded cell) and anaphase (two chromatid sets pulled apart)
and then continue as two daughter tracks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imagesteward.demo.cells import (
    CellField,
    as_f32,
    cell_bodies,
    chromatin,
    metaphase,
    microtubules,
    nuclear_masks,
    scatter_cells,
)
from imagesteward.demo.detectors import scmos_camera
from imagesteward.demo.fluorescence import psf_sigma_px
from imagesteward.demo.optics import gaussian_blur

__all__ = ["live_cells", "live_cells_volume"]

FloatImage = NDArray[np.floating[Any]]
Shape = tuple[int, int]


@dataclass
class _Track:
    """One cell followed through a time-lapse (a daughter starts a new track)."""

    y: float
    x: float
    vy: float
    vx: float
    index: int  # row of the parent layout it copies its shape from
    scale: float = 1.0
    divides_at: int | None = None
    axis: float = 0.0


def _divide(track: _Track, separation: float, speed: float) -> list[_Track]:
    """Two daughters of ``track`` on either side of its division axis, moving apart."""
    dy, dx = math.sin(track.axis), math.cos(track.axis)
    return [
        _Track(
            track.y + sign * dy * separation,
            track.x + sign * dx * separation,
            sign * dy * speed,
            sign * dx * speed,
            track.index,
            scale=0.72,
            axis=track.axis,
        )
        for sign in (-1.0, 1.0)
    ]


def live_cells(
    rng: np.random.Generator,
    shape: Shape,
    frames: int,
    pixel_um: float,
    emission_nm: tuple[float, float],
    na: float,
) -> NDArray[np.uint16]:
    """A spinning-disk time-lapse of migrating cells, some dividing: ``(t, 2, y, x)``.

    Channel 0 is H2B-mCherry (chromatin), channel 1 EGFP-alpha-tubulin. Cells crawl in
    persistent random walks, the stage drifts slowly, fluorophores bleach, and a few cells go
    through metaphase and anaphase into two daughters.
    """
    movie = np.empty((frames, 2, *shape), dtype=np.uint16)
    for t, signals in _signals(rng, shape, frames, pixel_um):
        for c, (signal, emission) in enumerate(zip(signals, emission_nm, strict=True)):
            movie[t, c] = _camera(_blur(signal, emission, na, pixel_um), rng)
    return movie


def live_cells_volume(
    rng: np.random.Generator,
    shape: Shape,
    frames: int,
    sections: int,
    pixel_um: float,
    z_step_um: float,
    emission_nm: tuple[float, float],
    na: float,
) -> NDArray[np.uint16]:
    """The same cells as :func:`live_cells`, each frame a Z-stack: ``(t, z, 2, y, x)``.

    The stack is centred on the cells' middle plane. Chromatin fills a nucleus about 5 µm
    thick, the microtubule network a cell about 7 µm thick; away from focus each channel dims
    with its thickness profile and blurs as the defocused cone of the objective widens
    (radius ~ defocus x NA / n), so the nuclei sharpen and fade as one scrolls through z.
    """
    immersion = 1.333  # water
    cone = math.tan(math.asin(min(0.99, na / immersion)))
    half_thickness_um = (2.5, 3.5)  # chromatin, microtubules
    movie = np.empty((frames, sections, 2, *shape), dtype=np.uint16)
    for t, signals in _signals(rng, shape, frames, pixel_um):
        for z in range(sections):
            defocus_um = (z - (sections - 1) / 2) * z_step_um
            for c, (signal, emission) in enumerate(zip(signals, emission_nm, strict=True)):
                weight = math.exp(-((defocus_um / half_thickness_um[c]) ** 2))
                spread = 0.5 * abs(defocus_um) * cone / pixel_um
                electrons = _blur(signal * weight, emission, na, pixel_um, spread)
                movie[t, z, c] = _camera(electrons, rng)
    return movie


def _signals(
    rng: np.random.Generator, shape: Shape, frames: int, pixel_um: float
) -> Iterator[tuple[int, tuple[FloatImage, FloatImage]]]:
    """Per frame, the in-focus signal of chromatin and microtubules (before optics)."""
    layout = scatter_cells(rng, shape, pixel_um, radius_um=(11.0, 17.0), confluence=0.55)
    n = layout.y.size
    speed = 0.6 / pixel_um  # µm per frame -> px
    velocity = rng.normal(0, speed, (n, 2))
    tracks = [
        _Track(
            float(layout.y[i]), float(layout.x[i]), float(velocity[i, 0]), float(velocity[i, 1]), i
        )
        for i in range(n)
    ]
    dividing = rng.choice(n, size=min(n, max(1, n // 6)), replace=False)
    for i in dividing:
        tracks[i].divides_at = int(rng.integers(3, max(4, frames - 4)))
        tracks[i].axis = float(rng.uniform(0, math.pi))
    drift = rng.normal(0, 0.25, 2) / pixel_um * 0.3
    for t in range(frames):
        field = _frame_field(layout, tracks, t, pixel_um).shifted(t * drift[0], t * drift[1])
        bodies = cell_bodies(field, shape, pixel_um)
        nuclei = nuclear_masks(field, shape, pixel_um)
        signals = (
            900.0 * math.exp(-t / 90.0) * chromatin(field, shape, pixel_um, rng),
            500.0
            * math.exp(-t / 60.0)
            * microtubules(
                field, shape, pixel_um, rng, bodies, nuclei, per_cell_range=(50, 70), soluble=0.3
            ),
        )
        # The caller draws its camera noise from ``rng`` before the cells move on.
        yield t, signals
        tracks = _advance(tracks, t, rng, speed, separation=5.0 / pixel_um)


def _blur(
    signal: FloatImage, emission: float, na: float, pixel_um: float, defocus_px: float = 0.0
) -> FloatImage:
    # The halo is pinhole crosstalk between the disk's holes.
    sigma = psf_sigma_px(emission, na, pixel_um)
    if defocus_px:
        sigma = math.hypot(sigma, defocus_px)
    return gaussian_blur(signal, sigma, halo_px=3.0 / pixel_um, halo_weight=0.08)


def _camera(electrons: FloatImage, rng: np.random.Generator) -> NDArray[np.uint16]:
    # Culture medium glows faintly: a background of tens of electrons; the camera's 12-bit
    # "sensitivity" mode.
    return scmos_camera(
        electrons + 35.0, rng, electrons_per_adu=0.7, read_noise_e=1.6, max_adu=4095
    )


def _advance(
    tracks: list[_Track], t: int, rng: np.random.Generator, speed: float, separation: float
) -> list[_Track]:
    """Move every cell one frame on; cells that finished anaphase become two daughters."""
    moved: list[_Track] = []
    for track in tracks:
        if track.divides_at is not None and t == track.divides_at:
            moved.extend(_divide(track, separation, speed))
            continue
        still = track.divides_at is not None and track.divides_at - 2 <= t
        if not still:  # mitotic cells round up and stop crawling
            track.vy = 0.8 * track.vy + float(rng.normal(0, speed * 0.6))
            track.vx = 0.8 * track.vx + float(rng.normal(0, speed * 0.6))
            track.y += track.vy
            track.x += track.vx
        track.scale = min(1.0, track.scale * 1.04)
        moved.append(track)
    return moved


def _frame_field(layout: CellField, tracks: list[_Track], t: int, pixel_um: float) -> CellField:
    """The cells of one frame: shapes from the layout, positions and mitotic state from tracks."""
    idx = np.array([track.index for track in tracks], dtype=np.intp)
    pos_y = as_f32([track.y for track in tracks])
    pos_x = as_f32([track.x for track in tracks])
    scale = as_f32([track.scale for track in tracks])
    ny = pos_y + (layout.ny[idx] - layout.y[idx]) * scale
    nx = pos_x + (layout.nx[idx] - layout.x[idx]) * scale
    field = CellField(
        y=pos_y,
        x=pos_x,
        radius=layout.radius[idx] * scale,
        aspect=layout.aspect[idx],
        angle=layout.angle[idx],
        harmonics=layout.harmonics[idx],
        level=layout.level[idx],
        ny=ny,
        nx=nx,
        nry=layout.nry[idx] * np.sqrt(scale),
        nrx=layout.nrx[idx] * np.sqrt(scale),
        nangle=layout.nangle[idx],
        nlevel=layout.nlevel[idx],
        condensed=np.zeros(idx.size, dtype=np.bool_),
        centrosome_y=ny + (layout.centrosome_y[idx] - layout.ny[idx]) * scale,
        centrosome_x=nx + (layout.centrosome_x[idx] - layout.nx[idx]) * scale,
    )
    stage = as_f32(
        [(t - track.divides_at) if track.divides_at is not None else -99 for track in tracks]
    )
    rounding_up = stage == -1
    field = metaphase(field, rounding_up) if rounding_up.any() else field
    anaphase = np.flatnonzero(stage == 0)
    if anaphase.size:
        field = _anaphase(field, anaphase, as_f32([tracks[i].axis for i in anaphase]), pixel_um)
    return field


def _anaphase(
    field: CellField, cells: NDArray[np.intp], axis: FloatImage, pixel_um: float
) -> CellField:
    """Split the metaphase plate of ``cells`` into two chromatid sets pulled apart."""
    field = metaphase(field, np.isin(np.arange(field.y.size), cells))
    separation = 4.0 / pixel_um
    dy, dx = np.sin(axis) * separation, np.cos(axis) * separation
    elongated = field.radius.copy()
    elongated[cells] *= 1.25
    aspect = field.aspect.copy()
    aspect[cells] = 1.6
    angle = field.angle.copy()
    angle[cells] = axis
    nangle = field.nangle.copy()
    nangle[cells] = axis + math.pi / 2

    def extra(values: FloatImage, offset: FloatImage | float = 0.0) -> FloatImage:
        return np.concatenate([values, values[cells] + offset]).astype(np.float32)

    ny = field.ny.copy()
    nx = field.nx.copy()
    ny[cells] -= dy
    nx[cells] -= dx
    return replace(
        field,
        radius=elongated,
        aspect=aspect,
        angle=angle,
        ny=extra(ny, 2 * dy),
        nx=extra(nx, 2 * dx),
        nry=extra(field.nry),
        nrx=extra(field.nrx * 0.9),
        nangle=extra(nangle),
        nlevel=extra(field.nlevel),
        condensed=np.concatenate([field.condensed, field.condensed[cells]]),
    )
