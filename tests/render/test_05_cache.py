"""Caching: every setting is part of the key, repeats are served from the cache, stats show it."""

from __future__ import annotations

import dataclasses

import pytest

from imagesteward.render import ChannelSetting, TileRenderer, TileRequest
from tests.render.conftest import Rendition

BASE = TileRequest(
    0,
    512,
    512,
    512,
    512,
    channels=(
        ChannelSetting(0, "0000FF", (200, 2500)),
        ChannelSetting(1, "00FF00", (300, 3000)),
        ChannelSetting(2, "FF00FF", (150, 2000)),
    ),
)


def _channel(index: int, **change: object) -> TileRequest:
    channels = list(BASE.channels)
    channels[index] = dataclasses.replace(channels[index], **change)  # type: ignore[arg-type]
    return dataclasses.replace(BASE, channels=tuple(channels))


VARIANTS = {
    "level": dataclasses.replace(BASE, level=1, x=0, y=0),
    "x": dataclasses.replace(BASE, x=0),
    "y": dataclasses.replace(BASE, y=0),
    "width": dataclasses.replace(BASE, width=300),
    "height": dataclasses.replace(BASE, height=300),
    "color": _channel(1, color="FFFF00"),
    "window": _channel(1, window=(300, 2000)),
    "gamma": _channel(1, gamma=0.7),
    "visible": _channel(1, visible=False),
    "default-window": _channel(1, window=None),
    "fewer-channels": dataclasses.replace(BASE, channels=BASE.channels[:2]),
    "format": dataclasses.replace(BASE, format="png"),
    "quality": dataclasses.replace(BASE, quality=60),
}


def test_changing_any_setting_changes_the_output(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    url = renditions["fluo"].url
    base = renderer.render(url, "", BASE)
    outputs = {name: renderer.render(url, "", request) for name, request in VARIANTS.items()}
    for name, data in outputs.items():
        assert data != base, name
    assert len(set(outputs.values())) == len(outputs)


def test_z_and_t_are_part_of_the_key(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    url = renditions["volume"].url
    requests = [TileRequest(0, 0, 0, 256, 256, z=z, t=t) for t in range(2) for z in (3, 4)]
    assert len({renderer.render(url, "", r) for r in requests}) == 4


def test_the_same_settings_hit_the_tile_cache(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    url = renditions["fluo"].url
    first = renderer.render(url, "", BASE)
    before = renderer.stats()
    again = renderer.render(url, "", dataclasses.replace(BASE))  # equal, not identical
    after = renderer.stats()
    assert again == first
    assert after.tiles.hits == before.tiles.hits + 1
    assert after.tiles.misses == before.tiles.misses
    assert after.chunks == before.chunks  # nothing was read or decoded


def test_new_settings_reuse_decoded_chunks_and_tables(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    url = renditions["fluo"].url
    renderer.render(url, "", BASE)
    first = renderer.stats()
    assert first.chunks.misses == 3  # one plane chunk per channel
    renderer.render(url, "", _channel(0, gamma=0.5))
    second = renderer.stats()
    assert second.chunks.misses == 3 and second.chunks.hits == first.chunks.hits + 3
    assert second.luts.misses == first.luts.misses + 1  # only the changed channel's table
    assert second.images.misses == 1


def test_stats_account_bytes_and_the_budget_holds(renditions: dict[str, Rendition]) -> None:
    renderer = TileRenderer(cache_bytes=12 * 2**20)  # 3 MiB tiles, 9 MiB chunk planes
    url = renditions["fluo"].url
    for x in (0, 512, 1024):  # 9 tiles x 3 channels of 512² chunks: more than 9 MiB
        for y in (0, 512, 1024):
            renderer.render(url, "", TileRequest(0, x, y, 512, 512, format="png"))
    stats = renderer.stats()
    assert stats.tiles.capacity == 3 * 2**20 and stats.chunks.capacity == 9 * 2**20
    assert 0 < stats.tiles.cost <= stats.tiles.capacity
    assert 0 < stats.chunks.cost <= stats.chunks.capacity
    assert stats.chunks.entries < stats.chunks.misses  # planes were evicted to stay in budget


def test_invalidate_forgets_one_rendition_only(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    fluo, em = renditions["fluo"].url, renditions["em"].url
    renderer.render(fluo, "", BASE)
    renderer.render(em, "", TileRequest(0, 0, 0, 256, 256))
    renderer.invalidate(fluo)
    stats = renderer.stats()
    assert (stats.tiles.entries, stats.images.entries, stats.chunks.entries) == (1, 1, 1)
    renderer.render(em, "", TileRequest(0, 0, 0, 256, 256))
    assert renderer.stats().tiles.hits == 1
    renderer.clear()
    assert renderer.stats().tiles.entries == 0
    spelled = "file://" + fluo  # caches are keyed by the URL as the caller spells it
    renderer.render(spelled, "", BASE)
    renderer.invalidate(spelled)
    assert renderer.stats().chunks.entries == renderer.stats().tiles.entries == 0


@pytest.mark.parametrize("request_type", ["dict", "list-channels"])
def test_unhashable_or_foreign_requests_are_refused(
    request_type: str, renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    from imagesteward.errors import RenderRequestError

    bad: object = (
        {"level": 0}
        if request_type == "dict"
        else dataclasses.replace(BASE, channels=[ChannelSetting(0)])  # type: ignore[arg-type]
    )
    with pytest.raises(RenderRequestError) as caught:
        renderer.render(renditions["fluo"].url, "", bad)  # type: ignore[arg-type]
    assert caught.value.details["parameter"] in ("request", "channels")


def test_render_in_memory_reads_nothing(
    renderer: TileRenderer, renditions: dict[str, Rendition]
) -> None:
    url = renditions["fluo"].url
    assert renderer.render_in_memory(url, "", BASE) is None  # the image is not open yet
    renderer.describe(url, "")
    assert renderer.render_in_memory(url, "", BASE) is None  # its chunks are not decoded
    assert renderer.stats().chunks.misses == 0
    other = _channel(0, window=(100, 900))
    renderer.render(url, "", other)  # decodes the chunk planes BASE needs too
    misses = renderer.stats().chunks.misses
    got = renderer.render_in_memory(url, "", BASE)
    assert got is not None
    assert renderer.stats().chunks.misses == misses
    assert got == TileRenderer().render(url, "", BASE)
    assert renderer.render_in_memory(url, "", dataclasses.replace(BASE, width=1024)) is None
