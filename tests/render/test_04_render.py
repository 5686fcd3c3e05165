"""render(): every kind of rendition, every level, planes, regions, formats - against the
reference computed from pixels zarr-python reads."""

from __future__ import annotations

from collections.abc import Sequence

import imagecodecs
import numpy as np
import pytest

from imagesteward.errors import RenderRequestError
from imagesteward.render import ChannelSetting, ImageView, TileRenderer, TileRequest
from tests.render import reference
from tests.render.conftest import Rendition


def _plane(view: ImageView, data: np.ndarray, t: int, c: int, z: int) -> np.ndarray:
    index = tuple({"t": t, "c": c, "z": z}.get(axis, slice(None)) for axis in view.axes)
    return np.asarray(data[index])


def expected(
    view: ImageView,
    rendition: Rendition,
    request: TileRequest,
    settings: Sequence[ChannelSetting] | None = None,
) -> np.ndarray:
    """The reference image for ``request`` (defaults when ``settings`` is None)."""
    data = rendition.level(request.level)
    height, width = view.level_size(request.level)
    rows = slice(request.y, min(request.y + request.height, height))
    cols = slice(request.x, min(request.x + request.width, width))
    chosen = [s for s in (settings or view.default_settings()) if s.visible]
    z = request.z
    if "z" in view.axes and request.level:  # lower levels of isotropic volumes halve z
        axis = view.axes.index("z")
        z //= round(view.levels[0][axis] / view.levels[request.level][axis])
    planes = [_plane(view, data, request.t, s.index, z)[rows, cols] for s in chosen]
    specs = [(s.color, s.window or view.channels[s.index].window, s.gamma) for s in chosen]
    if not planes:
        return np.zeros((rows.stop - rows.start, cols.stop - cols.start, 3), dtype=np.uint8)
    return reference.render(planes, specs)


def decoded(data: bytes) -> np.ndarray:
    return reference.as_rgb(np.asarray(imagecodecs.imread(data)))


def _tiles(view: ImageView, level: int, size: int = 512) -> list[tuple[int, int]]:
    height, width = view.level_size(level)
    return [(x, y) for y in range(0, height, size) for x in range(0, width, size)]


@pytest.mark.parametrize("name", ["fluo", "rgb", "iso", "em", "sharded"])
def test_every_tile_of_every_level_is_exact_in_png(
    name: str, renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions[name]
    view = renderer.describe(rendition.url, rendition.path)
    for level in range(len(view.levels)):
        for x, y in _tiles(view, level):
            request = TileRequest(level, x, y, 512, 512, z=view.default_z, format="png")
            got = decoded(renderer.render(rendition.url, rendition.path, request))
            want = expected(view, rendition, request)
            np.testing.assert_array_equal(got, want, err_msg=f"{name} level {level} at {x},{y}")


def test_edge_tiles_are_clipped_to_the_image(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["fluo"]  # 1300 x 1100
    request = TileRequest(0, 1024, 1024, 512, 512, format="png")
    data = renderer.render(rendition.url, "", request)
    assert np.asarray(imagecodecs.imread(data)).shape == (276, 76, 3)


@pytest.mark.parametrize(
    ("x", "y", "width", "height"),
    [(900, 1000, 300, 200), (0, 0, 1100, 1300), (1023, 1023, 2, 2), (517, 3, 1, 700)],
    ids=["across-4-chunks", "whole-level", "2x2-at-the-corner", "one-column"],
)
def test_regions_across_chunk_borders(
    x: int,
    y: int,
    width: int,
    height: int,
    renderer: TileRenderer,
    renditions: dict[str, Rendition],
) -> None:
    rendition = renditions["fluo"]
    view = renderer.describe(rendition.url, "")
    request = TileRequest(0, x, y, width, height, format="png")
    got = decoded(renderer.render(rendition.url, "", request))
    np.testing.assert_array_equal(got, expected(view, rendition, request))


SETTINGS = {
    "colours-windows-gamma": (
        ChannelSetting(0, "FF8000", (200, 2500), 0.6),
        ChannelSetting(1, "#00ffff", (100, 4000), 1.8),
        ChannelSetting(2, "FF00FF", (150.5, 1900.25), 1.0),
    ),
    "one-hidden": (
        ChannelSetting(0, "FF0000"),
        ChannelSetting(1, "00FF00", visible=False),
        ChannelSetting(2, "0000FF", (0, 65535)),
    ),
    "one-channel-grey": (ChannelSetting(1, "FFFFFF", (300, 1200)),),
    "reordered": (ChannelSetting(2, "FF0000"), ChannelSetting(0, "00FF00")),
    "none-visible": (ChannelSetting(0, visible=False),),
}


@pytest.mark.parametrize("name", list(SETTINGS))
def test_channel_settings(
    name: str, renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["fluo"]
    view = renderer.describe(rendition.url, "")
    settings = tuple(
        ChannelSetting(s.index, s.color.lstrip("#").upper(), s.window, s.gamma, s.visible)
        for s in SETTINGS[name]
    )
    request = TileRequest(0, 512, 512, 512, 512, channels=SETTINGS[name], format="png")
    got = decoded(renderer.render(rendition.url, "", request))
    np.testing.assert_array_equal(got, expected(view, rendition, request, settings))


def test_planes_of_a_five_dimensional_volume(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["volume"]  # T2 C2 Z10, 8-plane chunks
    view = renderer.describe(rendition.url, "")
    outputs = set()
    for t in range(2):
        for z in (0, 4, 7, 8, 9):
            request = TileRequest(0, 0, 0, 512, 512, z=z, t=t, format="png")
            data = renderer.render(rendition.url, "", request)
            np.testing.assert_array_equal(decoded(data), expected(view, rendition, request))
            outputs.add(data)
    assert len(outputs) == 10


def test_lower_levels_of_isotropic_volumes_map_z(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["iso"]  # z 6 -> 3 on level 1
    view = renderer.describe(rendition.url, "")
    for z in range(6):
        request = TileRequest(1, 0, 0, 512, 512, z=z, format="png")
        got = decoded(renderer.render(rendition.url, "", request))
        plane = rendition.level(1)[z // 2, :512, :512]
        want = reference.render([plane], [("FFFFFF", view.channels[0].window, 1.0)])
        np.testing.assert_array_equal(got, want)


def test_rgb_passes_through_and_can_still_be_adjusted(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["rgb"]
    request = TileRequest(0, 512, 0, 512, 512, format="png")
    got = np.asarray(imagecodecs.imread(renderer.render(rendition.url, "", request)))
    np.testing.assert_array_equal(got, rendition.source[0:512, 512:1024])
    red_only = TileRequest(
        0, 512, 0, 512, 512, channels=(ChannelSetting(0, "FF0000", (50, 200)),), format="png"
    )
    view = renderer.describe(rendition.url, "")
    adjusted = decoded(renderer.render(rendition.url, "", red_only))
    np.testing.assert_array_equal(adjusted, expected(view, rendition, red_only, red_only.channels))


def test_folded_channels_render_by_index(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["airyscan"]
    view = renderer.describe(rendition.url, "")
    default = TileRequest(0, 0, 0, 512, 512, format="png")
    got = decoded(renderer.render(rendition.url, "", default))
    np.testing.assert_array_equal(got, expected(view, rendition, default))  # phases 0 of A, B
    phase = (ChannelSetting(6, "FFFFFF", (100, 3000)),)  # ChB H=2
    request = TileRequest(0, 0, 0, 512, 512, channels=phase, format="png")
    got = np.asarray(imagecodecs.imread(renderer.render(rendition.url, "", request)))
    assert got.ndim == 2  # one grey channel: a greyscale PNG
    source = rendition.source[1, 2]  # C=1, H=2
    np.testing.assert_array_equal(
        got, reference.render([source], [("FFFFFF", (100, 3000), 1.0)])[..., 0]
    )


@pytest.mark.parametrize("name", ["v2", "float", "collection", "plate", "no-hints"])
def test_other_layouts_and_types(
    name: str, renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions[name]
    view = renderer.describe(rendition.url, rendition.path)
    request = TileRequest(0, 0, 0, 512, 512, format="png")
    got = decoded(renderer.render(rendition.url, rendition.path, request))
    np.testing.assert_array_equal(got, expected(view, rendition, request))


@pytest.mark.parametrize(("kind", "tolerance"), [("jpeg", 42.0), ("webp", 40.0)])
def test_lossy_formats_decode_close_to_the_exact_image(
    kind: str, tolerance: float, renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    rendition = renditions["smooth"]
    view = renderer.describe(rendition.url, "")
    request = TileRequest(0, 0, 0, 512, 512, format=kind, quality=90)  # type: ignore[arg-type]
    data = renderer.render(rendition.url, "", request)
    assert data[:3] == b"\xff\xd8\xff" if kind == "jpeg" else data[8:12] == b"WEBP"
    got = decoded(data).astype(np.float64)
    want = expected(view, rendition, request).astype(np.float64)
    psnr = 10 * np.log10(255**2 / np.mean((got - want) ** 2))
    assert psnr > tolerance, psnr


BAD = [
    ({"level": 2}, "level", "must be in [0, 1]"),
    ({"level": -1}, "level", "must be in [0, 1]"),
    ({"x": 1100}, "x", "must be in [0, 1099]"),
    ({"y": -5}, "y", "must be in [0, 1299]"),
    ({"width": 0}, "width", "must be in [1, 4096]"),
    ({"height": 5000}, "height", "must be in [1, 4096]"),
    ({"z": 1}, "z", "must be in [0, 0]"),
    ({"t": 1}, "t", "must be in [0, 0]"),
    ({"format": "gif"}, "format", "must be one of jpeg, png, webp"),
    ({"quality": 0}, "quality", "must be in [1, 100]"),
    ({"channels": (ChannelSetting(3),)}, "channels[0].index", "must be in [0, 2]"),
    ({"channels": (ChannelSetting(0), ChannelSetting(0))}, "channels[1].index", "given twice"),
    ({"channels": (ChannelSetting(0, "red"),)}, "channels[0].color", "six hex digits"),
    ({"channels": (ChannelSetting(0, window=(5, 5)),)}, "channels[0].window", "start < end"),
    ({"channels": (ChannelSetting(0, gamma=0),)}, "channels[0].gamma", "[0.01, 100]"),
    ({"channels": (ChannelSetting(0, window=[1, 2]),)}, "channels", "tuple of ChannelSetting"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("change", "parameter", "message"), BAD, ids=[b[1] + "-" + str(i) for i, b in enumerate(BAD)]
)
def test_bad_requests_name_the_parameter(
    change: dict[str, object],
    parameter: str,
    message: str,
    renderer: TileRenderer,
    renditions: dict[str, Rendition],
) -> None:
    fields: dict[str, object] = {"level": 0, "x": 0, "y": 0, "width": 512, "height": 512}
    fields.update(change)
    request = TileRequest(**fields)  # type: ignore[arg-type]
    with pytest.raises(RenderRequestError) as caught:
        renderer.render(renditions["fluo"].url, "", request)
    assert caught.value.details["parameter"] == parameter
    assert str(caught.value).startswith(f"{parameter}=")
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)
