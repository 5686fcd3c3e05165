"""Windows decoded straight from tiles and strips equal tifffile's own reading of the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile

from imagesteward.formats._tiff_pages import read_page
from imagesteward.formats._tiff_segments import read_window

RNG = np.random.default_rng(5)

VARIANTS: dict[str, tuple[np.ndarray, dict[str, Any]]] = {
    "tiled-raw-u16": (RNG.integers(0, 4095, (300, 470), dtype=np.uint16), {"tile": (128, 64)}),
    "tiled-raw-big-endian": (
        RNG.integers(0, 4095, (300, 470), dtype=np.uint16),
        {"tile": (64, 128), "byteorder": ">"},
    ),
    "tiled-zlib-predictor": (
        RNG.integers(0, 4095, (300, 470), dtype=np.uint16),
        {"tile": (64, 64), "compression": "zlib", "predictor": True},
    ),
    "tiled-rgb": (
        RNG.integers(0, 255, (200, 150, 3), dtype=np.uint8),
        {"tile": (64, 64), "photometric": "rgb"},
    ),
    "strips-raw-f32": (RNG.random((301, 97), dtype=np.float32), {"rowsperstrip": 16}),
    "strips-lzw": (
        RNG.integers(0, 255, (301, 97), dtype=np.uint8),
        {"rowsperstrip": 7, "compression": "lzw"},
    ),
    "one-strip": (RNG.integers(0, 2**31, (33, 41), dtype=np.int32), {}),
}
WINDOWS = [
    (slice(None), slice(None)),
    (slice(5, 30), slice(20, 21)),
    (slice(20, None), slice(30, None)),
    (slice(1, 2), slice(3, 40)),
]


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def page_file(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data, options = VARIANTS[request.param]
    path = tmp_path_factory.mktemp("tiff") / f"{request.param}.tif"
    tifffile.imwrite(path, data, **options)
    return path


@pytest.mark.parametrize("window", WINDOWS, ids=["all", "column", "corner", "row"])
def test_window_equals_tifffile(page_file: Path, window: tuple[slice, slice]) -> None:
    with tifffile.TiffFile(page_file) as tif:
        page = tif.pages[0]
        expected = page.asarray()
        got = read_window(page, *window)
    assert got is not None
    if expected.ndim == 2:
        expected = expected[..., np.newaxis]
    np.testing.assert_array_equal(got, expected[window])
    assert got.dtype.isnative


def test_read_page_fills_the_callers_array(page_file: Path) -> None:
    with tifffile.TiffFile(page_file) as tif:
        page = tif.pages[0]
        expected = page.asarray()
        out = np.zeros_like(expected[10:50, 20:40])
        got = read_page(page, (slice(10, 50), slice(20, 40)), out)
        assert got is out
        np.testing.assert_array_equal(out, expected[10:50, 20:40])
        # Integer indices drop their axis, as numpy indexing does.
        np.testing.assert_array_equal(read_page(page, (7, slice(None))), expected[7])


def test_planar_separate_samples_take_the_general_route(tmp_path: Path) -> None:
    data = RNG.integers(0, 255, (3, 40, 50), dtype=np.uint8)
    path = tmp_path / "planar.tif"
    tifffile.imwrite(path, data, photometric="rgb", planarconfig="separate", tile=(16, 16))
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        assert read_window(page, slice(None), slice(None)) is None
        np.testing.assert_array_equal(
            read_page(page, (slice(3, 20), slice(None))), data.transpose(1, 2, 0)[3:20]
        )


def test_a_truncated_segment_is_left_to_the_general_route(tmp_path: Path) -> None:
    data = RNG.integers(0, 4095, (128, 128), dtype=np.uint16)
    path = tmp_path / "short.tif"
    tifffile.imwrite(path, data, tile=(64, 64))
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        size = page.dataoffsets[-1] + 100
    path.write_bytes(path.read_bytes()[:size])
    with tifffile.TiffFile(path) as tif:
        assert read_window(tif.pages[0], slice(None), slice(None)) is None
