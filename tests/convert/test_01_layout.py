"""Axis mapping, chunk shapes, pyramid levels and region plans: pure arithmetic."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imagesteward.convert._axes import AxisMap
from imagesteward.convert._layout import (
    PYRAMID_STOP,
    Stage,
    plan_chunks,
    plan_levels,
    plan_stages,
    region_limits,
)
from imagesteward.errors import ConversionError
from imagesteward.model import ArrayStructure


def axis_map(dims: str, shape: tuple[int, ...]) -> AxisMap:
    return AxisMap.from_structure(ArrayStructure(tuple(dims), shape, "uint16"))


@pytest.mark.parametrize(
    ("dims", "shape", "axes", "out_shape"),
    [
        ("YX", (5, 6), ("y", "x"), (5, 6)),
        ("YXS", (5, 6, 3), ("c", "y", "x"), (3, 5, 6)),
        ("TCZYX", (2, 3, 4, 5, 6), ("t", "c", "z", "y", "x"), (2, 3, 4, 5, 6)),
        ("CHZYX", (8, 32, 2, 5, 6), ("c", "z", "y", "x"), (256, 2, 5, 6)),
        ("HYX", (4, 5, 6), ("c", "y", "x"), (4, 5, 6)),
        ("ZX", (7, 9), ("z", "x"), (7, 9)),
        ("TZCYXS", (2, 3, 4, 5, 6, 3), ("t", "c", "z", "y", "x"), (2, 12, 3, 5, 6)),
    ],
)
def test_axes_fold_into_c(
    dims: str, shape: tuple[int, ...], axes: tuple[str, ...], out_shape: tuple[int, ...]
) -> None:
    mapping = axis_map(dims, shape)
    assert mapping.axes == axes
    assert mapping.shape == out_shape


def test_fold_order_is_channel_major_then_samples_then_extras() -> None:
    mapping = axis_map("CHYXS", (2, 3, 4, 5, 3))
    sources = mapping.channel_sources()
    assert len(sources) == 18
    assert sources[0] == {"C": 0, "S": 0, "H": 0}
    assert sources[1] == {"C": 0, "S": 0, "H": 1}
    assert sources[3] == {"C": 0, "S": 1, "H": 0}
    assert sources[9] == {"C": 1, "S": 0, "H": 0}


def test_to_output_moves_every_pixel_to_its_documented_channel() -> None:
    rng = np.random.default_rng(3)
    data = rng.integers(0, 1000, (2, 3, 4, 5, 6, 3), dtype=np.uint16)  # T Z C Y X S
    mapping = axis_map("TZCYXS", data.shape)
    for t, c in itertools.product(range(2), range(4)):
        box = ((t, t + 1), (c * 3, c * 3 + 3), (0, 3), (0, 5), (0, 6))
        selection = mapping.source_selection(box)
        assert selection["T"] == t and selection["C"] == c
        block = mapping.to_output(data[t, :, c], selection)  # what a reader returns: Z Y X S
        assert block.shape == (1, 3, 3, 5, 6)
        assert block.flags.c_contiguous
        for s in range(3):
            np.testing.assert_array_equal(block[0, s], data[t, :, c, :, :, s])


def test_two_spatial_axes_are_required() -> None:
    with pytest.raises(ConversionError, match="two spatial axes"):
        axis_map("TX", (3, 4))


@pytest.mark.parametrize(
    ("shape", "axes", "itemsize", "expected"),
    [
        ((3000, 4000), "yx", 2, (512, 512)),
        ((3000, 4000), "yx", 8, (512, 512)),
        ((100, 200), "yx", 1, (100, 200)),
        ((1, 3, 64, 2048, 2048), "tczyx", 2, (1, 1, 1, 512, 512)),
        ((1, 3, 64, 2048, 2048), "tczyx", 1, (1, 1, 1, 512, 512)),
        ((1, 3, 1, 2048, 2048), "tczyx", 2, (1, 1, 1, 512, 512)),
        ((40, 2500), "zx", 1, (40, 512)),
    ],
)
def test_chunks_per_dimensionality(
    shape: tuple[int, ...], axes: str, itemsize: int, expected: tuple[int, ...]
) -> None:
    assert plan_chunks(shape, tuple(axes), itemsize, 4 * 2**20) == expected


def test_chunk_overrides_win() -> None:
    chunks = plan_chunks((10, 64, 2048, 2048), tuple("czyx"), 2, 4 * 2**20, {"z": 8, "x": 256})
    assert chunks == (1, 8, 512, 256)


def test_chunk_target_caps_the_plane_chunk() -> None:
    assert plan_chunks((3000, 4000), tuple("yx"), 4, 2**18) == (256, 256)


def test_pyramid_stops_between_512_and_1024_and_rounds_up() -> None:
    levels = plan_levels((3, 33000, 20001), tuple("cyx"), (1, 1024, 1024), {})
    shapes = [level.shape for level in levels]
    assert shapes[-1][1] <= PYRAMID_STOP < shapes[-2][1]
    assert shapes[-1][1] > PYRAMID_STOP // 2
    for before, after in itertools.pairwise(shapes):
        assert after == (3, -(-before[1] // 2), -(-before[2] // 2))


def test_small_images_have_one_level() -> None:
    assert len(plan_levels((700, 1024), tuple("yx"), (700, 1024), {})) == 1


@pytest.mark.parametrize(
    ("spacing", "z_factors"),
    [
        ({"x": 0.1, "y": 0.1, "z": 0.3}, [1, 1, 2, 2]),  # z joins once xy spacing reaches it
        ({"x": 0.1, "y": 0.1, "z": 0.1}, [2, 2, 2, 2]),  # isotropic from the start
        ({"x": 0.1, "y": 0.1, "z": 2.0}, [1, 1, 1, 1]),  # strongly anisotropic
        ({"x": 0.1, "y": 0.1, "z": None}, [1, 1, 1, 1]),  # uncalibrated z: never guess
        ({}, [1, 1, 1, 1]),
    ],
)
def test_z_is_halved_only_when_voxels_are_near_isotropic(
    spacing: dict[str, float | None], z_factors: list[int]
) -> None:
    levels = plan_levels((64, 16384, 16384), tuple("zyx"), (8, 512, 512), spacing)
    assert [level.factors[0] for level in levels[1:5]] == z_factors


def test_xz_scans_halve_both_plane_axes() -> None:
    levels = plan_levels((4000, 2500), tuple("zx"), (1024, 1024), {"z": 0.5, "x": 0.1})
    assert levels[1].factors == (2, 2)


def _covering_region(
    stage: Stage,
    level_cumulative: tuple[int, ...],
    input_cumulative: tuple[int, ...],
    position: tuple[int, ...],
    chunks: tuple[int, ...],
) -> list[int]:
    # Which region writes the chunk at ``position`` of a level?
    found = []
    for index in range(stage.count):
        box = stage.box(index)
        ratio = [h // lo for h, lo in zip(level_cumulative, input_cumulative, strict=True)]
        inside = all(
            b0 // r <= p * c < -(-b1 // r)
            for (b0, b1), r, p, c in zip(box, ratio, position, chunks, strict=True)
        )
        if inside:
            found.append(index)
    return found


@settings(max_examples=40, deadline=None)
@given(
    height=st.integers(1, 9000),
    width=st.integers(1, 9000),
    depth=st.integers(1, 40),
    memory=st.sampled_from([256 * 2**20, 2**30]),
    shard=st.booleans(),
)
def test_every_chunk_of_every_level_belongs_to_exactly_one_region(
    height: int, width: int, depth: int, memory: int, shard: bool
) -> None:
    axes = tuple("czyx")
    shape = (2, depth, height, width)
    chunks = plan_chunks(shape, axes, 2, 4 * 2**20)
    levels = plan_levels(shape, axes, chunks, {"x": 0.2, "y": 0.2, "z": 0.25})
    levels, stages = plan_stages(levels, axes, 2, ([1], []), memory, shard=shard)
    written = [level for stage in stages for level in stage.levels]
    assert written == list(range(len(levels)))
    _, maximum = region_limits(memory)
    for stage in stages:
        assert math.prod(stage.region) * 2 <= maximum
        for level_index in stage.levels:
            level = levels[level_index]
            grid = level.shards or level.chunks
            if level.shards:
                assert all(s % c == 0 for s, c in zip(level.shards, level.chunks, strict=True))
            counts = [-(-n // g) for n, g in zip(level.shape, grid, strict=True)]
            # Spot-check the corners and the middle of the grid (full enumeration is slow).
            for position in {
                tuple(0 for _ in counts),
                tuple(c - 1 for c in counts),
                tuple(c // 2 for c in counts),
            }:
                owners = _covering_region(
                    stage, level.cumulative, levels[stage.input_level].cumulative, position, grid
                )
                assert len(owners) == 1, (level_index, position, owners)


def test_regions_too_large_for_the_budget_are_refused() -> None:
    axes = tuple("cyx")
    levels = plan_levels((64, 1024, 1024), axes, (1, 1024, 1024), {})
    with pytest.raises(ConversionError, match="cannot hold one region"):
        plan_stages(levels, axes, 8, ([64], []), 16 * 2**20, shard=False)


def test_folded_channels_are_split_before_the_budget_is_exceeded() -> None:
    # Airyscan: 32 phases per channel; one source channel of a large plane is 256 MiB.
    mapping = axis_map("CHYX", (2, 32, 8192, 8192))
    assert mapping.channel_extents() == ([32, 1], [])
    levels = plan_levels(mapping.shape, mapping.axes, (1, 1024, 1024), {})
    _, stages = plan_stages(levels, mapping.axes, 2, mapping.channel_extents(), 2**30, shard=False)
    assert stages[0].region[0] == 1
    assert stages[0].levels == (0, 1, 2)


def test_interleaved_samples_are_kept_whole_when_possible() -> None:
    mapping = axis_map("YXS", (40000, 40000, 3))
    assert mapping.channel_extents() == ([3], [1])
    levels = plan_levels(mapping.shape, mapping.axes, (1, 1024, 1024), {})
    _, stages = plan_stages(levels, mapping.axes, 1, mapping.channel_extents(), 2**30, shard=False)
    assert all(stage.region[0] == 3 for stage in stages)


def test_selection_of_a_partial_fold() -> None:
    mapping = axis_map("CHYXS", (2, 4, 5, 6, 3))
    # channels 15..17: C=1, S=0, all H? No: trailing axes are S then H -> extent 4 is one S.
    assert mapping.source_selection(((16, 20), (0, 5), (0, 6))) == {
        "C": 1,
        "S": 1,
        "Y": slice(0, 5),
        "X": slice(0, 6),
    }
    assert mapping.source_selection(((13, 14), (0, 5), (0, 6)))["H"] == 1
