"""What a client asks for: per-channel settings and a tile request (plain frozen dataclasses).

Both are hashable, so a request is its own cache key. They hold what the caller sent and are
checked against the image by :meth:`~imagesteward.render.ImageView.resolve`, which raises a
:class:`~imagesteward.errors.RenderRequestError` naming the parameter at fault.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from imagesteward.errors import RenderRequestError

__all__ = [
    "FORMATS",
    "MAX_EDGE",
    "ChannelSetting",
    "Format",
    "TileRequest",
    "check_format",
    "check_gamma",
    "check_number",
    "check_window",
    "parse_color",
]

Format = Literal["jpeg", "png", "webp"]
FORMATS: tuple[Format, ...] = ("jpeg", "png", "webp")

#: Largest width or height of one rendered region: 4096² RGB is 48 MiB of pixels, the most one
#: request may make a server process allocate.
MAX_EDGE = 4096


@dataclass(frozen=True, slots=True)
class ChannelSetting:
    """How one channel is drawn.

    Parameters
    ----------
    index
        The channel (``c``) index in the rendition.
    color
        ``RRGGBB`` hex (a leading ``#`` is accepted); the channel's intensity scales it.
    window
        ``(start, end)`` in data values: ``start`` and below draw black, ``end`` and above
        full colour. ``None`` uses the image's default window.
    gamma
        Exponent applied to the windowed intensity in ``[0, 1]`` (below 1 brightens).
    visible
        Whether the channel contributes at all.
    """

    index: int
    color: str = "FFFFFF"
    window: tuple[float, float] | None = None
    gamma: float = 1.0
    visible: bool = True


@dataclass(frozen=True, slots=True)
class TileRequest:
    """One region of one plane, rendered to an image file.

    ``x``, ``y``, ``width`` and ``height`` are pixels of ``level``; a region reaching past the
    image's right or bottom edge is clipped (the image returned is smaller). ``channels`` empty
    means the image's defaults (every channel active in its rendering hints).
    """

    level: int
    x: int
    y: int
    width: int
    height: int
    z: int = 0
    t: int = 0
    channels: tuple[ChannelSetting, ...] = ()
    format: Format = "jpeg"
    quality: int = 85


def parse_color(value: object, parameter: str) -> tuple[int, int, int]:
    """``RRGGBB`` (or ``#RRGGBB``) as three bytes; refuse anything else naming ``parameter``."""
    text = value[1:] if isinstance(value, str) and value.startswith("#") else value
    if not isinstance(text, str) or len(text) != 6:
        raise RenderRequestError(parameter, value, "expected six hex digits RRGGBB")
    try:
        number = int(text, 16)
    except ValueError:
        raise RenderRequestError(parameter, value, "expected six hex digits RRGGBB") from None
    return (number >> 16) & 0xFF, (number >> 8) & 0xFF, number & 0xFF


def check_number(value: object, parameter: str, low: int, high: int) -> int:
    """An ``int`` in ``[low, high)``, or a :class:`RenderRequestError` naming ``parameter``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RenderRequestError(parameter, value, "expected an integer")
    if not low <= value < high:
        raise RenderRequestError(parameter, value, f"must be in [{low}, {high - 1}]")
    return value


def check_window(window: object, parameter: str) -> tuple[float, float]:
    """A finite ``(start, end)`` with ``start < end``."""
    if not isinstance(window, tuple | list) or len(window) != 2:
        raise RenderRequestError(parameter, window, "expected (start, end)")
    try:
        start, end = float(window[0]), float(window[1])
    except (TypeError, ValueError):
        raise RenderRequestError(parameter, window, "expected two numbers") from None
    if not (math.isfinite(start) and math.isfinite(end)) or start >= end:
        raise RenderRequestError(parameter, window, "needs finite start < end")
    return start, end


def check_gamma(gamma: object, parameter: str) -> float:
    """A finite positive exponent."""
    if isinstance(gamma, bool) or not isinstance(gamma, int | float):
        raise RenderRequestError(parameter, gamma, "expected a number")
    value = float(gamma)
    if not math.isfinite(value) or not 0.01 <= value <= 100:
        raise RenderRequestError(parameter, gamma, "must be in [0.01, 100]")
    return value


def check_format(value: object, quality: object) -> tuple[Format, int]:
    """A known format and a quality in 1..100."""
    for known in FORMATS:
        if value == known:
            return known, check_number(quality, "quality", 1, 101)
    raise RenderRequestError("format", value, f"must be one of {', '.join(FORMATS)}")
