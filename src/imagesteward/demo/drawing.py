"""Drawing many small objects at once: points, paths, soft ellipses and irregular blobs.

Objects are stamped as a batch of patches added into the image with ``np.add.at``; paths are
traced as cumulative random turns and deposited point by point. Large soft shapes are drawn on
a coarser grid and interpolated.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from imagesteward.demo.noise import bspline_resample

__all__ = ["outline_distance", "splat", "stamp", "trace_paths", "upsample"]

FloatImage = NDArray[np.floating[Any]]

Profile = Literal["flat", "dome", "ring"]

_STAMP_BUDGET = 2_000_000


def splat(shape: tuple[int, int], ys: ArrayLike, xs: ArrayLike, weights: ArrayLike) -> FloatImage:
    """Deposit weighted points at sub-pixel positions, shared bilinearly among four pixels.

    Points outside the image are dropped. This renders filaments (dense points along a path)
    and puncta (single points, blurred afterwards).

    Parameters
    ----------
    shape
        Image shape ``(height, width)``.
    ys, xs
        Point coordinates in pixels (any matching shapes).
    weights
        Weight of each point, broadcastable to ``ys``.

    Returns
    -------
    FloatImage
        The deposited density.
    """
    height, width = shape
    y = np.asarray(ys, dtype=np.float32).ravel()
    x = np.asarray(xs, dtype=np.float32).ravel()
    w = np.broadcast_to(np.asarray(weights, dtype=np.float32), np.shape(ys)).ravel()
    y0 = np.floor(y)
    x0 = np.floor(x)
    fy = y - y0
    fx = x - x0
    out = np.zeros(height * width, dtype=np.float32)
    for dy, dx, share in (
        (0, 0, (1 - fy) * (1 - fx)),
        (0, 1, (1 - fy) * fx),
        (1, 0, fy * (1 - fx)),
        (1, 1, fy * fx),
    ):
        row = y0.astype(np.intp) + dy
        col = x0.astype(np.intp) + dx
        inside = (row >= 0) & (row < height) & (col >= 0) & (col < width)
        np.add.at(out, row[inside] * width + col[inside], (w * share)[inside])
    return out.reshape(shape)


def trace_paths(
    start_y: ArrayLike,
    start_x: ArrayLike,
    heading: ArrayLike,
    steps: int,
    step_px: float,
    wiggle: float,
    rng: np.random.Generator,
) -> tuple[FloatImage, FloatImage]:
    """Trace smooth random paths (microtubules, fibres, ER tubules) from starting points.

    Parameters
    ----------
    start_y, start_x
        Start of each path in pixels, shape ``(n,)``.
    heading
        Initial direction of each path in radians, shape ``(n,)``.
    steps
        Number of points per path.
    step_px
        Distance between consecutive points, in pixels (keep it below 1 for continuous lines).
    wiggle
        Standard deviation of the change of direction per step, in radians.
    rng
        Random stream.

    Returns
    -------
    tuple of FloatImage
        Point coordinates ``(ys, xs)``, each of shape ``(n, steps)``.
    """
    y0 = np.asarray(start_y, dtype=np.float32)
    x0 = np.asarray(start_x, dtype=np.float32)
    turns = rng.normal(0.0, wiggle, (y0.size, steps)).astype(np.float32)
    angles = np.asarray(heading, dtype=np.float32)[:, None] + np.cumsum(turns, axis=1)
    ys = y0[:, None] + np.cumsum(np.sin(angles) * step_px, axis=1, dtype=np.float32)
    xs = x0[:, None] + np.cumsum(np.cos(angles) * step_px, axis=1, dtype=np.float32)
    return ys, xs


def stamp(
    shape: tuple[int, int],
    y: ArrayLike,
    x: ArrayLike,
    radius_y: ArrayLike,
    radius_x: ArrayLike,
    *,
    angle: ArrayLike = 0.0,
    amplitude: ArrayLike = 1.0,
    edge_px: float = 1.0,
    profile: Profile = "flat",
    harmonics: NDArray[np.float32] | None = None,
) -> FloatImage:
    """Draw many soft-edged ellipses (or irregular blobs) at once and add them up.

    Parameters
    ----------
    shape
        Image shape ``(height, width)``.
    y, x
        Centres in pixels, shape ``(n,)``.
    radius_y, radius_x
        Semi-axes in pixels before rotation, broadcastable to ``(n,)``.
    angle
        Rotation of each ellipse in radians (counter-clockwise from the x axis).
    amplitude
        Peak value of each object.
    edge_px
        Width of the soft edge in pixels (``ring``: half-width of the ring).
    profile
        ``flat``: uniform interior; ``dome``: brighter in the middle like a thick nucleus seen
        in projection; ``ring``: only the outline, like a membrane or nuclear lamina.
    harmonics
        Optional boundary modulation of shape ``(n, k, 2)``: amplitude and phase of the
        angular harmonics 2..k+1, which turn ellipses into spread, irregular cell outlines.

    Returns
    -------
    FloatImage
        The summed objects.
    """
    coarse = int(edge_px // 0.8)
    if coarse > 1 and profile != "ring":
        # Wide soft edges carry no fine detail: draw on a coarser grid and interpolate, which
        # costs a fraction of the work for large objects such as whole cells.
        lattice = (math.ceil((shape[0] - 1) / coarse) + 4, math.ceil((shape[1] - 1) / coarse) + 4)
        small = stamp(
            lattice,
            np.asarray(y, dtype=np.float32) / coarse + 1,
            np.asarray(x, dtype=np.float32) / coarse + 1,
            np.asarray(radius_y, dtype=np.float32) / coarse,
            np.asarray(radius_x, dtype=np.float32) / coarse,
            angle=angle,
            amplitude=amplitude,
            edge_px=edge_px / coarse,
            profile=profile,
            harmonics=harmonics,
        )
        return bspline_resample(bspline_resample(small, 0, shape[0], coarse), 1, shape[1], coarse)
    height, width = shape
    cy = np.atleast_1d(np.asarray(y, dtype=np.float32))
    n = cy.size
    cx = np.broadcast_to(np.asarray(x, dtype=np.float32), (n,))
    ry = np.broadcast_to(np.asarray(radius_y, dtype=np.float32), (n,))
    rx = np.broadcast_to(np.asarray(radius_x, dtype=np.float32), (n,))
    theta = np.broadcast_to(np.asarray(angle, dtype=np.float32), (n,))
    amp = np.broadcast_to(np.asarray(amplitude, dtype=np.float32), (n,))
    stretch = np.ones(n, dtype=np.float32)
    if harmonics is not None:
        stretch += np.abs(harmonics[:, :, 0]).sum(axis=1)
    reach = np.maximum(ry, rx) * stretch + 3.0 * edge_px + 1.0
    out = np.zeros(height * width, dtype=np.float32)
    # Batch objects of similar size so the patch of the largest one sets a modest batch size.
    order = np.argsort(reach, kind="stable")
    start = 0
    while start < n:
        size = 2 * math.ceil(float(reach[order[min(start, n - 1)]])) + 1
        batch = max(1, _STAMP_BUDGET // (size * size))
        chosen = order[start : start + batch]
        size = 2 * math.ceil(float(reach[chosen].max())) + 1
        _stamp_batch(
            out,
            (height, width),
            size,
            cy[chosen],
            cx[chosen],
            ry[chosen],
            rx[chosen],
            theta[chosen],
            amp[chosen],
            edge_px,
            profile,
            None if harmonics is None else harmonics[chosen],
        )
        start += chosen.size
    return out.reshape(shape)


def outline_distance(
    dy: NDArray[np.float32],
    dx: NDArray[np.float32],
    radius_y: ArrayLike,
    radius_x: ArrayLike,
    angle: ArrayLike,
    harmonics: NDArray[np.float32] | None = None,
) -> tuple[FloatImage, FloatImage]:
    """Approximate signed distance from points to an (irregular) ellipse outline.

    Parameters
    ----------
    dy, dx
        Offsets of the points from the centre, in pixels (broadcastable).
    radius_y, radius_x, angle
        Semi-axes in pixels and rotation in radians (broadcastable).
    harmonics
        Optional outline modulation, ``(..., k, 2)`` amplitudes and phases of the angular
        harmonics 2..k+1, with leading axes broadcastable to the points.

    Returns
    -------
    tuple of FloatImage
        Signed distance in pixels (negative inside) and the normalised radius (1 on the outline).
    """
    ry = np.asarray(radius_y, dtype=np.float32)
    rx = np.asarray(radius_x, dtype=np.float32)
    theta = np.asarray(angle, dtype=np.float32)
    cos = np.cos(theta)
    sin = np.sin(theta)
    u = (cos * dx + sin * dy) / rx
    v = (cos * dy - sin * dx) / ry
    rho = np.sqrt(u * u + v * v)
    if harmonics is not None:
        # cos(k phi + p) from powers of the unit complex number e^{i phi}: no trigonometry per
        # pixel, which makes irregular outlines nearly as cheap as ellipses.
        unit = (u + 1j * v).astype(np.complex64) / np.maximum(rho, 1e-6)
        power = unit * unit
        scale = np.ones_like(rho)
        for k in range(harmonics.shape[-2]):
            phase = np.exp(1j * harmonics[..., k, 1]).astype(np.complex64)
            scale += harmonics[..., k, 0] * (power * phase).real
            power = power * unit
        rho /= scale
    return ((rho - 1.0) * np.sqrt(rx * ry)).astype(np.float32), rho


def _stamp_batch(
    out: FloatImage,
    shape: tuple[int, int],
    size: int,
    cy: FloatImage,
    cx: FloatImage,
    ry: FloatImage,
    rx: FloatImage,
    theta: FloatImage,
    amp: FloatImage,
    edge_px: float,
    profile: Profile,
    harmonics: NDArray[np.float32] | None,
) -> None:
    height, width = shape
    offsets = np.arange(size, dtype=np.intp) - size // 2
    iy = np.rint(cy).astype(np.intp)
    ix = np.rint(cx).astype(np.intp)
    rows = iy[:, None] + offsets  # (n, size)
    cols = ix[:, None] + offsets
    dy = (rows - cy[:, None]).astype(np.float32)[:, :, None]
    dx = (cols - cx[:, None]).astype(np.float32)[:, None, :]
    distance, rho = outline_distance(
        dy,
        dx,
        ry[:, None, None],
        rx[:, None, None],
        theta[:, None, None],
        None if harmonics is None else harmonics[:, None, None],
    )
    if profile == "ring":
        value = np.exp(-((distance / edge_px) ** 2))
    else:
        value = 0.5 * (1.0 - np.tanh(distance / edge_px))
        if profile == "dome":
            value *= 0.35 + 0.65 * np.sqrt(np.clip(1.0 - rho * rho, 0.0, 1.0))
    value *= amp[:, None, None]
    inside = ((rows >= 0) & (rows < height))[:, :, None] & ((cols >= 0) & (cols < width))[
        :, None, :
    ]
    flat = rows[:, :, None] * width + cols[:, None, :]
    np.add.at(out, flat[inside], value[inside].astype(np.float32))


def upsample(image: FloatImage, factor: int, shape: tuple[int, int]) -> FloatImage:
    """Enlarge a coarse 2-D image by an integer ``factor`` with bilinear interpolation.

    Coarse pixel ``i`` covers fine pixels ``i*factor .. (i+1)*factor - 1``; the result is cut
    to ``shape``. Each output row is a weighted sum of whole shifted rows, so no per-pixel
    gathers are needed.

    Parameters
    ----------
    image
        Coarse image.
    factor
        Enlargement per axis.
    shape
        Output size, at most ``factor`` times the coarse size.

    Returns
    -------
    FloatImage
        The enlarged image.
    """
    out = np.asarray(image, dtype=np.float32)
    # Offset of fine pixel r of a block from its coarse pixel centre, in coarse pixels.
    delta = (np.arange(factor, dtype=np.float32) + 0.5) / factor - 0.5
    before = np.maximum(-delta, 0.0)
    after = np.maximum(delta, 0.0)
    middle = 1.0 - before - after
    for axis, size in enumerate(shape):
        moved = np.moveaxis(out, axis, -1)
        previous = np.concatenate([moved[..., :1], moved[..., :-1]], axis=-1)
        following = np.concatenate([moved[..., 1:], moved[..., -1:]], axis=-1)
        blocks = (
            moved[..., None] * middle + previous[..., None] * before + following[..., None] * after
        )
        enlarged = blocks.reshape(*moved.shape[:-1], -1)[..., :size]
        out = np.moveaxis(enlarged, -1, axis)
    return np.ascontiguousarray(out)
