"""Importing the package is cheap; the renderer loads numpy, and codecs only when used."""

from __future__ import annotations

import subprocess
import sys

import imagesteward.render

HEAVY = ("numpy", "zarr", "imagecodecs", "fsspec", "s3fs")


def _loaded(code: str) -> list[str]:
    probe = f"import sys; {code}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(eval(done.stdout))


def test_the_request_types_load_no_heavy_library() -> None:
    code = "from imagesteward.render import ChannelSetting, TileRequest, ImageView, CacheStats"
    assert _loaded(code) == []


def test_the_renderer_loads_numpy_only_until_it_renders() -> None:
    assert _loaded("from imagesteward.render import TileRenderer; TileRenderer()") == ["numpy"]


def test_the_public_names() -> None:
    assert set(imagesteward.render.__all__) == {
        "MEDIA_TYPES",
        "CacheStats",
        "ChannelSetting",
        "ChannelView",
        "ImageView",
        "PixelSize",
        "RendererStats",
        "TileRenderer",
        "TileRequest",
    }
    for name in imagesteward.render.__all__:
        assert getattr(imagesteward.render, name) is not None
