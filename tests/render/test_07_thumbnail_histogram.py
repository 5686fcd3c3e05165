"""Thumbnails (whole image, coarse level, default settings) and histograms for auto-contrast."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest

from imagesteward.errors import RenderRequestError
from imagesteward.render import TileRenderer, TileRequest
from imagesteward.render._resample import fit, shrink
from tests.render import reference
from tests.render.conftest import Rendition


def test_thumbnail_is_the_coarse_level_shrunk(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["fluo"]  # 1300 x 1100, level 1 650 x 550
    view = renderer.describe(rendition.url, "")
    data = renderer.thumbnail(rendition.url, "", max_size=256, format="png")
    got = np.asarray(imagecodecs.imread(data))
    assert got.shape == (256, 217, 3)
    whole = TileRequest(1, 0, 0, width=550, height=650, format="png")
    level_1 = np.asarray(imagecodecs.imread(renderer.render(rendition.url, "", whole)))
    np.testing.assert_array_equal(got, shrink(level_1, 256, 217))
    # Level 1 only, never level 0: every chunk of its plane, once per channel.
    rows, cols = (-(-n // c) for n, c in zip(view.levels[1][-2:], view.chunks[1][-2:], strict=True))
    assert renderer.stats().chunks.misses == view.size_c * rows * cols
    assert view.levels[1][1:] == (650, 550)


def test_thumbnail_of_a_volume_shows_the_middle_plane(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["volume"]  # 300 x 260, z 10
    view = renderer.describe(rendition.url, "")
    got = np.asarray(imagecodecs.imread(renderer.thumbnail(rendition.url, "", 100, "png")))
    height, width = fit(300, 260, 100)
    planes = [rendition.source[0, c, 5] for c in range(2)]
    specs = [(c.color, c.window, 1.0) for c in view.channels]
    np.testing.assert_array_equal(got, shrink(reference.render(planes, specs), height, width))


def test_small_images_are_not_enlarged_and_rgb_keeps_its_bytes(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["collection"]  # 90 x 70
    got = np.asarray(imagecodecs.imread(renderer.thumbnail(rendition.url, "1", 256, "png")))
    assert got.shape[:2] == (90, 70)
    rgb = renditions["rgb"]  # 1200 x 1500 -> level 1 600 x 750 -> 480 wide
    got = np.asarray(imagecodecs.imread(renderer.thumbnail(rgb.url, "", 480, "png")))
    np.testing.assert_array_equal(got, shrink(rgb.level(1).transpose(1, 2, 0), 384, 480))


def test_thumbnails_are_cached_per_size_and_format(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    url = renditions["em"].url
    sizes = {
        renderer.thumbnail(url, "", size, kind) for size in (64, 128) for kind in ("jpeg", "png")
    }
    assert len(sizes) == 4
    renderer.thumbnail(url, "", 64, "jpeg")
    assert renderer.stats().tiles.hits == 1
    with pytest.raises(RenderRequestError, match="max_size=0"):
        renderer.thumbnail(url, "", 0)
    with pytest.raises(RenderRequestError, match="format='bmp'"):
        renderer.thumbnail(url, "", 64, "bmp")  # type: ignore[arg-type]


def test_histogram_counts_every_pixel_of_the_coarse_level(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["fluo"]
    edges, counts = renderer.histogram(rendition.url, "", 1, bins=64)
    values = rendition.level(1)[1]
    assert counts.sum() == values.size
    assert edges[0] == values.min() and edges[-1] == values.max() + 1
    expected, _ = np.histogram(values, bins=64, range=(edges[0], edges[-1]))
    np.testing.assert_array_equal(counts, expected)
    assert not counts.flags.writeable  # shared with other callers


def test_histogram_of_8_bit_data_has_one_value_per_bin(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["em"]
    edges, counts = renderer.histogram(
        rendition.url, "", 0, bins=int(rendition.source.max()) + 1 - int(rendition.source.min())
    )
    np.testing.assert_array_equal(np.diff(edges), 1.0)
    np.testing.assert_array_equal(
        counts, np.bincount(rendition.source.ravel())[int(rendition.source.min()) :]
    )


def test_histogram_samples_planes_across_t_and_z(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["volume"]  # T2 x Z10 = 20 planes: 8 sampled
    _, counts = renderer.histogram(rendition.url, "", 0, level=0)
    assert counts.sum() == 8 * 300 * 260
    _, counts = renderer.histogram(renditions["float"].url, "", 1, bins=10)
    assert counts.sum() == 300 * 400


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [({"channel": 3}, "channel"), ({"bins": 0}, "bins"), ({"level": 2}, "level")],
)
def test_histogram_arguments_are_checked(
    arguments: dict[str, int],
    parameter: str,
    renderer: TileRenderer,
    renditions: dict[str, Rendition],
) -> None:
    call = {"channel": 0, **arguments}
    with pytest.raises(RenderRequestError) as caught:
        renderer.histogram(renditions["fluo"].url, "", **call)
    assert caught.value.details["parameter"] == parameter
