"""What a viewer needs to know about an image, and requests checked against it.

:class:`ImageView` is what :meth:`TileRenderer.describe` returns: axes, levels, sizes, channel
defaults, pixel sizes per level, whether the image is RGB. :meth:`ImageView.resolve` turns a
:class:`~imagesteward.render.TileRequest` into a :class:`Plan` - every default filled in, every
value checked - or raises a :class:`~imagesteward.errors.RenderRequestError` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from imagesteward.errors import RenderRequestError
from imagesteward.render._request import (
    MAX_EDGE,
    ChannelSetting,
    Format,
    TileRequest,
    check_format,
    check_gamma,
    check_number,
    check_window,
    parse_color,
)

__all__ = ["ChannelPlan", "ChannelView", "ImageView", "PixelSize", "Plan"]


@dataclass(frozen=True, slots=True)
class ChannelView:
    """One channel's identity and default rendering.

    ``window`` is the default contrast window (the rendering hints' ``start``/``end``, else the
    0.1/99.9 percentiles of a coarse level); ``data_range`` the data extremes when known;
    ``visible`` whether it is shown by default (hidden: the non-zero positions of a folded
    extra dimension such as the Airyscan phase ``H``).
    """

    index: int
    name: str
    color: str
    window: tuple[float, float]
    data_range: tuple[float, float] | None
    visible: bool
    emission_wavelength: float | None = None


@dataclass(frozen=True, slots=True)
class PixelSize:
    """Physical size of one pixel of a level (for a scale bar); ``unit`` ``None``: uncalibrated."""

    x: float
    y: float
    z: float | None
    unit: str | None


@dataclass(frozen=True, slots=True)
class ChannelPlan:
    """A channel as it will be drawn: colour bytes, window and gamma checked."""

    index: int
    color: tuple[int, int, int]
    window: tuple[float, float]
    gamma: float


@dataclass(frozen=True, slots=True)
class Plan:
    """A checked request: the clipped region, the plane, visible channels, the encoding."""

    level: int
    y0: int
    y1: int
    x0: int
    x1: int
    z: int
    t: int
    channels: tuple[ChannelPlan, ...]
    format: Format
    quality: int


@dataclass(frozen=True, slots=True)
class ImageView:
    """An image as a viewer sees it.

    ``levels`` are the array shapes (in ``axes`` order) from full resolution down;
    ``size_y``/``size_x`` the displayed plane of level 0 (``plane_axes`` says which axes they
    are: ``("y", "x")``, or ``("z", "x")`` for an XZ scan); ``tile_size`` the tile edge the
    viewer should request.
    """

    name: str | None
    axes: tuple[str, ...]
    dtype: str
    levels: tuple[tuple[int, ...], ...]
    chunks: tuple[tuple[int, ...], ...]
    tile_size: int
    size_t: int
    size_c: int
    size_z: int
    size_y: int
    size_x: int
    plane_axes: tuple[str, str]
    channels: tuple[ChannelView, ...]
    pixel_sizes: tuple[PixelSize, ...]
    is_rgb: bool
    default_z: int
    default_t: int

    def level_size(self, level: int) -> tuple[int, int]:
        """``(height, width)`` of the displayed plane at ``level``."""
        shape = self.levels[level]
        return shape[self.axes.index(self.plane_axes[0])], shape[
            self.axes.index(self.plane_axes[1])
        ]

    def default_settings(self) -> tuple[ChannelSetting, ...]:
        """Every channel with its default colour, window and visibility."""
        return tuple(
            ChannelSetting(c.index, c.color, c.window, 1.0, c.visible) for c in self.channels
        )

    def resolve(self, request: TileRequest) -> Plan:
        """Check ``request`` against this image and fill in the defaults."""
        level = check_number(request.level, "level", 0, len(self.levels))
        height, width = self.level_size(level)
        x = check_number(request.x, "x", 0, width)
        y = check_number(request.y, "y", 0, height)
        w = check_number(request.width, "width", 1, MAX_EDGE + 1)
        h = check_number(request.height, "height", 1, MAX_EDGE + 1)
        z = check_number(request.z, "z", 0, self.size_z)
        t = check_number(request.t, "t", 0, self.size_t)
        fmt, quality = check_format(request.format, request.quality)
        return Plan(
            level,
            y,
            min(y + h, height),
            x,
            min(x + w, width),
            z,
            t,
            self.channel_plans(request.channels),
            fmt,
            quality,
        )

    def channel_plans(self, settings: tuple[ChannelSetting, ...]) -> tuple[ChannelPlan, ...]:
        """The visible channels of ``settings`` (the defaults when empty), checked."""
        if not isinstance(settings, tuple | list):
            raise RenderRequestError("channels", settings, "expected a sequence of settings")
        chosen = settings or self.default_settings()
        seen: set[int] = set()
        plans = []
        for number, setting in enumerate(chosen):
            where = f"channels[{number}]"
            if not isinstance(setting, ChannelSetting):
                raise RenderRequestError(where, setting, "expected a ChannelSetting")
            index = check_number(setting.index, f"{where}.index", 0, self.size_c)
            if index in seen:
                raise RenderRequestError(f"{where}.index", index, "channel given twice")
            seen.add(index)
            color = parse_color(setting.color, f"{where}.color")
            window = (
                self.channels[index].window
                if setting.window is None
                else check_window(setting.window, f"{where}.window")
            )
            gamma = check_gamma(setting.gamma, f"{where}.gamma")
            if setting.visible:
                plans.append(ChannelPlan(index, color, window, gamma))
        return tuple(plans)
