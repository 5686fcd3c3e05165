"""Chunk shapes, the pyramid, and the regions a conversion reads: pure arithmetic, no I/O.

Chunks (defaults): planar, ``t``, ``c`` and ``z`` 1 and ``512 x 512`` in-plane, for planes and
volumes alike: the web viewer renders 512² tiles of one plane and serves raw chunks over HTTP,
so one tile is one chunk (a deeper chunk makes every plane view decode ``d`` planes). The side
halves while a chunk would exceed ``chunk_target`` (4 MiB by default, which 512² chunks of
samples up to 16 bytes fit).
``--shard`` keeps the object count down for big images.

Pyramid: each level halves the two in-plane axes (``y, x``; ``z, x`` for an XZ scan) and the
depth axis too when voxels are near-isotropic (depth spacing below sqrt(2) times the in-plane
spacing, so halving it brings the voxel closer to a cube), until the larger in-plane side is at
most 1024 px. Odd sizes round up (``ceil``): the last row of a level averages what exists.

Regions: a *stage* reads one level (the source for stage 0) region by region and writes the
next levels from each region. A region at the input level spans, on every spatial axis, a
multiple of ``factor x chunk`` of every level it writes, so each written chunk (and shard)
comes from exactly one region: tasks never share a chunk, and a region can be redone alone.
Stages repeat until the smallest level exists; later stages read back a level already reduced
4-16x, never the full-resolution data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from imagesteward.convert._axes import Box
from imagesteward.errors import ConversionError

__all__ = [
    "PYRAMID_STOP",
    "Level",
    "Stage",
    "plan_chunks",
    "plan_levels",
    "plan_stages",
    "region_limits",
]

#: A pyramid stops at the first level whose larger in-plane side is at most this (512-1024 px).
PYRAMID_STOP = 1024
#: In-plane chunk side: one chunk is one 512² viewer tile of one plane.
PLANE_CHUNK = 512
#: Input regions aim at this size: large enough to amortise per-region costs, small enough to
#: keep several in flight and balance the work on few CPUs.
REGION_TARGET = 64 * 2**20
#: Working-set multiple of one region: the block read, a reordered copy, the pyramid sums,
#: encoded chunks waiting for upload (see docs/convert.md, "Memory").
REGION_FACTOR = 4
#: Held outside regions: histograms, metadata, progress records.
RESERVE_BYTES = 32 * 2**20


@dataclass(frozen=True, slots=True)
class Level:
    """One resolution level: where it lives and how it is chunked."""

    path: str
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    factors: tuple[int, ...]
    cumulative: tuple[int, ...]
    shards: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class Stage:
    """Regions of one input level, each writing ``levels``."""

    input_level: int
    levels: tuple[int, ...]
    region: tuple[int, ...]
    input_shape: tuple[int, ...]

    @property
    def from_source(self) -> bool:
        """Whether this stage reads the source (stage 0) rather than a written level."""
        return self.levels[0] == self.input_level

    @property
    def grid(self) -> tuple[int, ...]:
        """Regions along each axis."""
        return tuple(-(-n // e) for n, e in zip(self.input_shape, self.region, strict=True))

    @property
    def count(self) -> int:
        """Number of regions."""
        return math.prod(self.grid)

    def box(self, index: int) -> Box:
        """Region ``index`` (row-major over :attr:`grid`) at the input level."""
        position = []
        for size in reversed(self.grid):
            index, rest = divmod(index, size)
            position.append(rest)
        return tuple(
            (k * e, min((k + 1) * e, n))
            for k, e, n in zip(reversed(position), self.region, self.input_shape, strict=True)
        )


def plan_chunks(
    shape: Sequence[int],
    axes: Sequence[str],
    itemsize: int,
    target: int,
    overrides: Mapping[str, int] | None = None,
) -> tuple[int, ...]:
    """Nominal chunk shape of level 0 (see the module docstring)."""
    sizes = dict(zip(axes, shape, strict=True))
    spatial = [a for a in axes if a in "zyx"]
    side = PLANE_CHUNK
    while side > 64 and side * side * itemsize > target:
        side //= 2
    chunk = dict.fromkeys(axes, 1)
    for axis in spatial[-2:]:
        chunk[axis] = side
    chunk.update(overrides or {})
    return tuple(max(1, min(chunk[a], sizes[a])) for a in axes)


def plan_levels(
    shape: Sequence[int],
    axes: Sequence[str],
    chunks: Sequence[int],
    spacing: Mapping[str, float | None],
) -> list[Level]:
    """The pyramid: level shapes and the per-axis factor between consecutive levels.

    ``spacing`` holds the physical pixel size per spatial axis (``None`` when uncalibrated);
    the depth axis is halved only when all three are known and the voxel is near-isotropic.
    """
    spatial = [a for a in axes if a in "zyx"]
    plane = spatial[-2:]
    depth = spatial[0] if len(spatial) == 3 else None
    current = dict(spacing)
    levels = [Level("0", tuple(shape), _clip(chunks, shape), (1,) * len(axes), (1,) * len(axes))]
    while max(levels[-1].shape[axes.index(a)] for a in plane) > PYRAMID_STOP:
        previous = levels[-1]
        factor = dict.fromkeys(axes, 1)
        for axis in plane:
            factor[axis] = 2 if previous.shape[axes.index(axis)] > 1 else 1
        if depth is not None and previous.shape[axes.index(depth)] > 1:
            known = [current.get(a) for a in (depth, *plane)]
            if all(v is not None and v > 0 for v in known):
                depth_spacing, *plane_spacing = (float(v) for v in known if v is not None)
                if depth_spacing < math.sqrt(2) * (sum(plane_spacing) / len(plane_spacing)):
                    factor[depth] = 2
        for axis, f in factor.items():
            if f == 2 and current.get(axis) is not None:
                current[axis] = float(current[axis] or 0) * 2
        factors = tuple(factor[a] for a in axes)
        new_shape = tuple(-(-n // f) for n, f in zip(previous.shape, factors, strict=True))
        cumulative = tuple(c * f for c, f in zip(previous.cumulative, factors, strict=True))
        levels.append(
            Level(str(len(levels)), new_shape, _clip(chunks, new_shape), factors, cumulative)
        )
    return levels


def region_limits(memory_bytes: int) -> tuple[int, int]:
    """(target, maximum) bytes of one input region under a memory bound."""
    usable = max(memory_bytes - RESERVE_BYTES, memory_bytes // 2)
    return min(REGION_TARGET, usable // (REGION_FACTOR * 2)), usable // REGION_FACTOR


def plan_stages(
    levels: Sequence[Level],
    axes: Sequence[str],
    itemsize: int,
    channel_extents: tuple[Sequence[int], Sequence[int]],
    memory_bytes: int,
    *,
    shard: bool,
) -> tuple[list[Level], list[Stage]]:
    """Group the levels into stages and size their regions; returns levels with shards set.

    ``channel_extents`` are the channel counts a region may span (preferred, fallback),
    largest first (:meth:`AxisMap.channel_extents`). A stage writes as many levels as a region
    within the target size allows (more levels per stage means less read back); a single level
    may use a region up to the memory maximum.

    Raises
    ------
    ConversionError
        When even a one-chunk region of one level does not fit the memory bound.
    """
    target, maximum = region_limits(memory_bytes)
    preferred, fallback = channel_extents
    spatial = [i for i, a in enumerate(axes) if a in "zyx"]
    stages: list[Stage] = []
    out_levels = list(levels)
    start = 0
    while start < len(levels):
        input_level = 0 if start == 0 else start - 1
        best = _choose(levels, axes, itemsize, input_level, start, preferred, target, maximum)
        if best is None:
            best = _choose(levels, axes, itemsize, input_level, start, fallback, target, maximum)
        if best is None:
            smallest = min([*preferred, *fallback])
            extent = _minimal_region(levels, axes, input_level, start, start, smallest)
            need = math.prod(extent) * itemsize * REGION_FACTOR + RESERVE_BYTES
            raise ConversionError(
                f"memory_bytes={memory_bytes:,} cannot hold one region of level {start} "
                f"({'x'.join(map(str, extent))} samples); give at least {need:,} bytes or "
                "smaller chunks (chunk_target)"
            )
        last, extent = best
        shape_in = levels[input_level].shape
        region = tuple(_grow(list(extent), shape_in, spatial, itemsize, target))
        written = tuple(range(start, last + 1))
        stages.append(Stage(input_level, written, region, shape_in))
        if shard:
            for level in written:
                out_levels[level] = _with_shards(levels, level, input_level, region)
        start = last + 1
    return out_levels, stages


def _choose(
    levels: Sequence[Level],
    axes: Sequence[str],
    itemsize: int,
    input_level: int,
    first: int,
    extents: Sequence[int],
    target: int,
    maximum: int,
) -> tuple[int, tuple[int, ...]] | None:
    # Most levels first, then the widest channel extent, within the target; else one level
    # within the maximum.
    for last in range(len(levels) - 1, first - 1, -1):
        for channels in extents:
            extent = _minimal_region(levels, axes, input_level, first, last, channels)
            nbytes = math.prod(extent) * itemsize
            if nbytes <= target or (last == first and nbytes <= maximum):
                return last, extent
    return None


def _clip(chunks: Sequence[int], shape: Sequence[int]) -> tuple[int, ...]:
    return tuple(max(1, min(c, n)) for c, n in zip(chunks, shape, strict=True))


def _ratio(levels: Sequence[Level], low: int, high: int) -> tuple[int, ...]:
    return tuple(
        h // lo for h, lo in zip(levels[high].cumulative, levels[low].cumulative, strict=True)
    )


def _minimal_region(
    levels: Sequence[Level],
    axes: Sequence[str],
    input_level: int,
    first: int,
    last: int,
    channels: int,
) -> tuple[int, ...]:
    shape_in = levels[input_level].shape
    extent = []
    for i, axis in enumerate(axes):
        if axis == "t":
            extent.append(1)
        elif axis == "c":
            extent.append(channels)
        else:
            need = max(
                _ratio(levels, input_level, level)[i] * levels[level].chunks[i]
                for level in range(first, last + 1)
            )
            extent.append(shape_in[i] if need >= shape_in[i] else need)
    return tuple(extent)


def _grow(
    extent: list[int], shape: Sequence[int], spatial: Sequence[int], itemsize: int, target: int
) -> list[int]:
    # Double the axis cut into the most regions (the last axis on ties) while under target.
    while True:
        open_axes = [i for i in spatial if extent[i] < shape[i]]
        if not open_axes:
            return extent
        axis = max(open_axes, key=lambda i: (-(-shape[i] // extent[i]), i))
        grown = min(extent[axis] * 2, shape[axis])
        if math.prod(extent) // extent[axis] * grown * itemsize > target:
            return extent
        extent[axis] = grown


def _with_shards(
    levels: Sequence[Level], level: int, input_level: int, extent: Sequence[int]
) -> Level:
    ratio = _ratio(levels, input_level, level)
    spec = levels[level]
    shards = []
    for e, r, c, n_in in zip(extent, ratio, spec.chunks, levels[input_level].shape, strict=True):
        size = -(-e // r) if e >= n_in else e // r
        shards.append(-(-size // c) * c)
    return Level(spec.path, spec.shape, spec.chunks, spec.factors, spec.cumulative, tuple(shards))
