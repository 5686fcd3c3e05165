"""One renderer shared by many threads gives the bytes a lone caller gets."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from imagesteward.render import ChannelSetting, TileRenderer, TileRequest
from tests.render.conftest import Rendition


def _requests() -> list[TileRequest]:
    out = []
    for level, size in ((0, 512), (1, 256)):
        for x in range(0, 1100 >> level, size):
            for y in range(0, 1300 >> level, size):
                for gamma in (1.0, 0.6):
                    channels = (
                        ChannelSetting(0, "FF0000", gamma=gamma),
                        ChannelSetting(2, "00FFFF", (200, 3000)),
                    )
                    out.append(TileRequest(level, x, y, size, size, channels=channels))
    return out


def test_concurrent_renders_are_identical_to_sequential_ones(
    renditions: dict[str, Rendition],
) -> None:
    url = renditions["fluo"].url
    requests = _requests()
    alone = TileRenderer()
    expected = {r: alone.render(url, "", r) for r in requests}
    # A small cache forces evictions and reloads while other threads read the same entries.
    shared = TileRenderer(cache_bytes=6 * 2**20)
    work = requests * 3
    random.Random(3).shuffle(work)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda r: (r, shared.render(url, "", r)), work))
    for request, data in results:
        assert data == expected[request], request
    stats = shared.stats()
    assert stats.images.misses == 1  # opened once, however many threads raced for it
    assert stats.tiles.hits + stats.tiles.misses == len(work)


def test_concurrent_first_requests_of_one_image_open_it_once(
    renditions: dict[str, Rendition],
) -> None:
    renderer = TileRenderer()
    url = renditions["volume"].url
    with ThreadPoolExecutor(8) as pool:
        views = list(pool.map(lambda _: renderer.describe(url, ""), range(16)))
    assert all(view is views[0] for view in views)
    assert renderer.stats().images.misses == 1
