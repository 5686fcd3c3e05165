"""Compositing is pixel-exact against the straightforward float64 definition."""

from __future__ import annotations

import numpy as np
import pytest

from imagesteward.render._composite import LutCache, composite
from imagesteward.render._resample import fit, shrink
from imagesteward.render._view import ChannelPlan
from tests.render import reference

RNG = np.random.default_rng(7)


def _plan(index: int, colour: str, window: tuple[float, float], gamma: float) -> ChannelPlan:
    rgb = (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16))
    return ChannelPlan(index, rgb, window, gamma)


def _planes(dtype: str, count: int, shape: tuple[int, int] = (61, 83)) -> list[np.ndarray]:
    kind = np.dtype(dtype)
    if kind.kind == "f":
        return [RNG.normal(0, 500, shape).astype(kind) for _ in range(count)]
    info = np.iinfo(kind)
    return [RNG.integers(info.min, int(info.max) + 1, shape).astype(kind) for _ in range(count)]


SETTINGS: dict[str, list[tuple[str, tuple[float, float], float]]] = {
    "primaries": [("FF0000", (0, 200), 1.0), ("00FF00", (10, 180), 1.0), ("0000FF", (5, 90), 1.0)],
    "mixed colours": [
        ("FF00FF", (-50, 120), 1.0),
        ("00FFFF", (30, 220), 0.5),
        ("FFA500", (0, 255), 2.2),
    ],
    "odd colour values": [("7F3A01", (12.5, 99.25), 0.7), ("010203", (-3, 3), 1.3)],
    "saturating sum": [
        ("FFFFFF", (0, 100), 1.0),
        ("FFFFFF", (0, 50), 1.0),
        ("FF8000", (0, 10), 1.0),
    ],
    "magenta and green": [("FF00FF", (0, 150), 1.0), ("00FF00", (20, 200), 0.6)],
    "one grey channel": [("FFFFFF", (20, 140), 1.0)],
    "two grey channels": [("808080", (0, 200), 1.0), ("404040", (50, 100), 0.3)],
}


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int8", "int16", "int32", "float32"])
@pytest.mark.parametrize("name", list(SETTINGS))
def test_composite_equals_the_definition(dtype: str, name: str) -> None:
    settings = SETTINGS[name]
    scale = 1 if np.dtype(dtype).itemsize == 1 else 40  # windows reach into the data range
    specs = [(c, (w[0] * scale, w[1] * scale), g) for c, w, g in settings]
    planes = _planes(dtype, len(specs))
    plans = [_plan(i, c, w, g) for i, (c, w, g) in enumerate(specs)]
    got = composite(planes, plans, LutCache(2**24), planes[0].shape)
    expected = reference.render(planes, specs)
    np.testing.assert_array_equal(reference.as_rgb(got), expected)
    grey = all(c[0:2] == c[2:4] == c[4:6] for c, _, _ in specs)
    assert got.ndim == (2 if grey else 3)
    # Packed RGBX output (the renderer's): the same pixels, padding aside.
    packed = composite(planes, plans, LutCache(2**24), planes[0].shape, rgbx=True)
    np.testing.assert_array_equal(
        reference.as_rgb(packed[..., :3] if packed.ndim == 3 else packed), expected
    )
    disjoint = name in {"primaries", "magenta and green"} and np.dtype(dtype).itemsize <= 2
    assert packed.shape[2:] == ((4,) if disjoint else () if grey else (3,))


def test_rgbx_encodes_to_the_same_jpeg_as_rgb() -> None:
    import imagecodecs

    from imagesteward.render._encode import encode

    planes = _planes("uint16", 3, (300, 260))
    plans = [
        _plan(i, c, (w[0] * 40, w[1] * 40), g) for i, (c, w, g) in enumerate(SETTINGS["primaries"])
    ]
    rgb = composite(planes, plans, LutCache(2**24), (300, 260))
    rgbx = composite(planes, plans, LutCache(2**24), (300, 260), rgbx=True)
    assert rgbx.shape == (300, 260, 4)
    assert encode(rgbx, "jpeg", 85) == encode(rgb, "jpeg", 85)
    for kind in ("png", "webp"):
        assert imagecodecs.imread(encode(rgbx, kind, 90)).shape == (300, 260, 3)


def test_views_of_chunks_and_cached_tables_give_the_same_result() -> None:
    big = _planes("uint16", 2, (300, 300))
    views = [p[17:217, 33:250] for p in big]  # strided, as cut from a cached chunk
    plans = [_plan(0, "FF00FF", (100, 50000), 0.8), _plan(1, "00FF00", (0, 65535), 1.0)]
    luts = LutCache(2**24)
    first = composite(views, plans, luts, views[0].shape)
    second = composite([np.ascontiguousarray(v) for v in views], plans, luts, views[0].shape)
    np.testing.assert_array_equal(first, second)
    specs = [("FF00FF", (100, 50000), 0.8), ("00FF00", (0, 65535), 1.0)]
    np.testing.assert_array_equal(first, reference.render(views, specs))
    stats = luts.cache.stats()
    # Two tables for three components (magenta uses one for R and B), built once, used twice.
    assert (stats.misses, stats.hits) == (2, 2)


def test_rgb_with_full_windows_passes_the_bytes_through() -> None:
    planes = _planes("uint8", 3)
    plans = [
        _plan(0, "FF0000", (0, 255), 1.0),
        _plan(1, "00FF00", (0, 255), 1.0),
        _plan(2, "0000FF", (0, 255), 1.0),
    ]
    luts = LutCache(2**24)
    got = composite(planes, plans, luts, planes[0].shape)
    np.testing.assert_array_equal(got, np.stack(planes, axis=-1))
    assert luts.cache.stats().misses == 0  # no table was even built


def test_no_visible_channel_draws_black() -> None:
    got = composite([], [], LutCache(2**20), (5, 7))
    assert got.shape == (5, 7)
    assert not got.any()


def test_nan_draws_black_and_infinities_clip() -> None:
    plane = np.array([[np.nan, np.inf, -np.inf, 50.0]], dtype=np.float32)
    got = composite([plane], [_plan(0, "FFFFFF", (0, 100), 1.0)], LutCache(2**20), plane.shape)
    assert got.tolist() == [[0, 255, 0, 128]]


def test_a_large_number_of_channels_does_not_overflow() -> None:
    planes = [np.full((4, 4), 255, dtype=np.uint8)] * 300
    plans = [_plan(i, "FF0000", (0, 255), 1.0) for i in range(300)]
    got = composite(planes, plans, LutCache(2**20), (4, 4))
    assert (got[..., 0] == 255).all() and not got[..., 1:].any()


@pytest.mark.parametrize(("size", "target"), [((97, 203), 50), ((1024, 768), 256), ((10, 10), 64)])
def test_shrinking_averages_every_pixel_once(size: tuple[int, int], target: int) -> None:
    pixels = RNG.integers(0, 256, (*size, 3), dtype=np.uint8)
    height, width = fit(*size, target)
    assert max(height, width) == min(target, max(size))
    got = shrink(pixels, height, width)
    rows = (np.arange(height + 1) * size[0]) // height
    cols = (np.arange(width + 1) * size[1]) // width
    for i in (0, height // 2, height - 1):
        for j in (0, width - 1):
            block = pixels[rows[i] : rows[i + 1], cols[j] : cols[j + 1]].astype(np.float64)
            expected = np.floor(block.mean(axis=(0, 1)) + 0.5)
            np.testing.assert_array_equal(got[i, j], expected)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16", "bool"])
@pytest.mark.parametrize(
    "window",
    [
        (100.0, 3000.0),
        (0.0, 255.0),
        (-5.0, 40000.5),
        (-200.5, -3.0),
        (7e4, 8e4),
        (-1e9, 1e9),
        (3.2, 3.7),
    ],
)
def test_tables_are_the_definition_at_every_value(dtype: str, window: tuple[float, float]) -> None:
    kind = np.dtype(dtype)
    codes = np.arange(2 ** (8 * kind.itemsize), dtype=f"u{kind.itemsize}")
    values = codes.view(kind) if kind.kind == "i" else codes
    table = LutCache(2**20).table(kind, window, 0.7, 200)
    expected = np.rint(reference.intensity(values, window, 0.7) * 200).astype(np.uint8)
    np.testing.assert_array_equal(table, expected)
