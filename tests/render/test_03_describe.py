"""describe(): what a viewer is told about each kind of rendition."""

from __future__ import annotations

import numpy as np
import pytest

from imagesteward.errors import RenderRequestError, RenditionNotFoundError
from imagesteward.render import ImageView, PixelSize, TileRenderer
from tests.render.conftest import Rendition


def _describe(renderer: TileRenderer, rendition: Rendition) -> ImageView:
    return renderer.describe(rendition.url, rendition.path)


def test_levels_sizes_and_pixel_sizes(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    view = _describe(renderer, renditions["fluo"])
    assert view.axes == ("c", "y", "x")
    assert view.dtype == "uint16"
    assert view.levels == ((3, 1300, 1100), (3, 650, 550))
    assert (view.size_t, view.size_c, view.size_z, view.size_y, view.size_x) == (
        1,
        3,
        1,
        1300,
        1100,
    )
    assert view.tile_size == 512
    assert view.plane_axes == ("y", "x")
    assert view.pixel_sizes == (
        PixelSize(0.2, 0.2, None, "micrometer"),
        PixelSize(0.4, 0.4, None, "micrometer"),
    )
    assert view.is_rgb is False
    assert view.level_size(1) == (650, 550)


def test_five_dimensional_volume(renderer: TileRenderer, renditions: dict[str, Rendition]) -> None:
    view = _describe(renderer, renditions["volume"])
    assert view.axes == ("t", "c", "z", "y", "x")
    assert (view.size_t, view.size_c, view.size_z) == (2, 2, 10)
    assert view.default_z == 5 and view.default_t == 0
    assert view.pixel_sizes[0] == PixelSize(0.1, 0.1, 0.5, "micrometer")
    assert view.chunks == ((1, 1, 1, 300, 260),)  # plane chunks, volumes too


def test_two_and_three_dimensional(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    em = _describe(renderer, renditions["em"])
    assert em.axes == ("y", "x")
    assert (em.size_t, em.size_c, em.size_z) == (1, 1, 1)
    assert em.channels[0].color == "FFFFFF"
    iso = _describe(renderer, renditions["iso"])
    assert iso.axes == ("z", "y", "x")
    assert iso.levels == ((6, 1100, 1030), (3, 550, 515))  # near-isotropic: z halves too
    assert iso.pixel_sizes[1].z == pytest.approx(0.2)


def test_default_channels_come_from_the_rendering_hints(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["fluo"]
    view = _describe(renderer, rendition)
    omero = rendition.omero_channels()
    assert [c.name for c in view.channels] == ["DAPI", "GFP", "mCherry"]
    assert [c.color for c in view.channels] == [c["color"] for c in omero]
    assert [c.window for c in view.channels] == [
        (c["window"]["start"], c["window"]["end"]) for c in omero
    ]
    assert [c.data_range for c in view.channels] == [
        (c["window"]["min"], c["window"]["max"]) for c in omero
    ]
    assert [c.emission_wavelength for c in view.channels] == [461.0, 525.0, 610.0]
    assert all(c.visible for c in view.channels)


def test_without_hints_colours_follow_emission_and_windows_the_percentiles(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["no-hints"]
    view = _describe(renderer, rendition)
    assert [c.color for c in view.channels] == ["0000FF", "00FF00", "FF0000"]  # 461, 525, 610 nm
    coarsest = rendition.level(1)
    for channel in view.channels:
        values = coarsest[channel.index].ravel()
        low, high = np.percentile(values, (0.1, 99.9), method="inverted_cdf")
        assert channel.window == (float(low), float(high))


def test_rgb_is_recognised_with_full_windows(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    view = _describe(renderer, renditions["rgb"])
    assert view.is_rgb
    assert [c.color for c in view.channels] == ["FF0000", "00FF00", "0000FF"]
    assert [c.window for c in view.channels] == [(0.0, 255.0)] * 3
    assert [c.name for c in view.channels] == ["R", "G", "B"]


def test_folded_channels_are_named_and_only_phase_zero_shown(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    view = _describe(renderer, renditions["airyscan"])
    assert view.size_c == 8
    assert [c.name for c in view.channels] == [
        f"{name} H={h}" for name in ("ChA", "ChB") for h in range(4)
    ]
    assert [c.index for c in view.channels if c.visible] == [0, 4]
    assert [c.emission_wavelength for c in view.channels] == [520.0] * 4 + [600.0] * 4


def test_collections_and_plates_are_addressed_by_series_path(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    for name in ("collection", "plate"):
        rendition = renditions[name]
        view = _describe(renderer, rendition)
        assert view.levels[0] == rendition.source.shape
    with pytest.raises(RenderRequestError, match="collection of images: give the image path"):
        renderer.describe(renditions["collection"].url, "")
    with pytest.raises(RenderRequestError, match=r"a plate: give a field path, e.g. 'A/1/0'"):
        renderer.describe(renditions["plate"].url, "")


def test_missing_renditions_and_escaping_paths_are_refused(
    renderer: TileRenderer, renditions: dict[str, Rendition], tmp_path: object
) -> None:
    with pytest.raises(RenditionNotFoundError, match="no NGFF image") as caught:
        renderer.describe(str(tmp_path), "")
    assert isinstance(caught.value, FileNotFoundError)
    with pytest.raises(RenditionNotFoundError):
        renderer.describe(renditions["collection"].url, "7")
    with pytest.raises(RenderRequestError, match=r"series_path='\.\./x'") as refused:
        renderer.describe(renditions["fluo"].url, "../x")
    assert refused.value.details["parameter"] == "series_path"
    assert isinstance(refused.value, ValueError)


def test_zarr_v2_renditions_are_described(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    view = _describe(renderer, renditions["v2"])
    assert view.dtype == "int16"
    assert view.levels == ((2, 500, 600),)
