"""Server-side rendering of OME-Zarr renditions: tiles, thumbnails and histograms for viewers.

Any level, plane (z, t) and region; per-channel colour, contrast window, gamma and visibility,
composited additively (fluorescence) or passed through (8-bit RGB brightfield); JPEG, PNG or
WebP; encoded tiles, decoded chunks and lookup tables cached::

    renderer = TileRenderer(cache_bytes=256 * 2**20)       # one per server process
    view = renderer.describe("image.ome.zarr", "")         # sizes, levels, channel defaults
    jpeg = renderer.render("image.ome.zarr", "", TileRequest(level=0, x=0, y=0,
                           width=512, height=512,
                           channels=(ChannelSetting(0, "00FF00", window=(100, 3000)),)))

Importing this package is cheap: numpy and imagecodecs load when :class:`TileRenderer` is
first used. See ``docs/render.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from imagesteward.render._cache import CacheStats
from imagesteward.render._request import ChannelSetting, TileRequest
from imagesteward.render._view import ChannelView, ImageView, PixelSize

if TYPE_CHECKING:
    from imagesteward.render._encode import MEDIA_TYPES
    from imagesteward.render._renderer import RendererStats, TileRenderer

__all__ = [
    "MEDIA_TYPES",
    "CacheStats",
    "ChannelSetting",
    "ChannelView",
    "ImageView",
    "PixelSize",
    "RendererStats",
    "TileRenderer",
    "TileRequest",
]

_LAZY = {
    "MEDIA_TYPES": "imagesteward.render._encode",
    "RendererStats": "imagesteward.render._renderer",
    "TileRenderer": "imagesteward.render._renderer",
}


def __getattr__(name: str) -> Any:
    # The renderer pulls in numpy (and, on first use, imagecodecs): load it on demand (PEP 562).
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
