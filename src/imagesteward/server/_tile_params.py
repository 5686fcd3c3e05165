"""The tile URL grammar: ``c=`` channel settings, formats, and the entity tag of a rendering.

``c`` lists channels, comma-separated, each ``index|RRGGBB|start:end|gamma`` with everything
after the index optional (``c=0|FF0000|0:4000|1.0,1|00FF00``); a ``-`` before the index hides
the channel. Omitting ``c`` draws the image's default channels.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from imagesteward.errors import RenderRequestError
from imagesteward.server._conditional import content_etag

if TYPE_CHECKING:
    from imagesteward.render import ChannelSetting

__all__ = ["CHANNELS_PATTERN", "Extension", "channel_settings", "rendering_etag"]

_NUMBER = r"-?[0-9]+(\.[0-9]+)?"
_CHANNEL = (
    rf"-?[0-9]{{1,4}}(\|([0-9A-Fa-f]{{6}})?(\|({_NUMBER}:{_NUMBER})?(\|[0-9]+(\.[0-9]+)?)?)?)?"
)
#: The documented shape of ``c``; values that fit it but not the image (channel 9 of 3,
#: start >= end) are refused by the renderer with the parameter named.
CHANNELS_PATTERN = rf"^{_CHANNEL}(,{_CHANNEL}){{0,63}}$"


class Extension(StrEnum):
    """Image file extensions of rendered tiles and thumbnails."""

    jpg = "jpg"
    png = "png"
    webp = "webp"

    @property
    def kind(self) -> Literal["jpeg", "png", "webp"]:
        """The renderer's name of the format."""
        return _FORMATS[self]

    @property
    def media_type(self) -> str:
        """The response's Content-Type."""
        return f"image/{self.kind}"


_FORMATS: dict[Extension, Literal["jpeg", "png", "webp"]] = {
    Extension.jpg: "jpeg",
    Extension.png: "png",
    Extension.webp: "webp",
}


def channel_settings(value: str | None) -> tuple[ChannelSetting, ...]:
    """Parse ``c``; ``()`` (the image's defaults) when it is absent or empty.

    Raises
    ------
    RenderRequestError
        Naming ``c`` and the part that does not parse.
    """
    from imagesteward.render import ChannelSetting

    if not value:
        return ()
    settings = []
    for part in value.split(","):
        fields = part.split("|")
        if len(fields) > 4 or not fields[0].lstrip("-").isdecimal():
            raise RenderRequestError("c", part, "expected index|RRGGBB|start:end|gamma")
        visible = not fields[0].startswith("-")
        index = int(fields[0].lstrip("-"))
        color = fields[1] if len(fields) > 1 and fields[1] else "FFFFFF"
        window = _window(fields[2]) if len(fields) > 2 and fields[2] else None
        gamma = _number(fields[3], part) if len(fields) > 3 and fields[3] else 1.0
        settings.append(ChannelSetting(index, color, window, gamma, visible))
    return tuple(settings)


def rendering_etag(plan: str, series_path: str, version: str, *parameters: object) -> str:
    """Entity tag of a rendered image, known before rendering it (so a 304 costs nothing).

    A rendering is determined by the conversion (``plan``), the image inside it, the renderer's
    code (``version``) and the request's parameters.
    """
    return content_etag(plan, series_path, version, *(repr(p) for p in parameters))


def _window(text: str) -> tuple[float, float]:
    start, sep, end = text.partition(":")
    if not sep:
        raise RenderRequestError("c", text, "a window is start:end")
    return _number(start, text), _number(end, text)


def _number(text: str, context: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise RenderRequestError("c", context, f"{text!r} is not a number") from None
