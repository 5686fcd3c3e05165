"""The ``/view`` document: the render capability's ImageView in API form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from imagesteward.render import ImageView

__all__ = ["ChannelOut", "PixelSizeOut", "ViewOut", "view_out"]


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelOut(_Output):
    """A channel and how it is drawn by default."""

    index: int
    name: str
    color: str = Field(description="RRGGBB.")
    window: tuple[float, float] = Field(description="Default contrast window (start, end).")
    data_range: tuple[float, float] | None = Field(description="Data extremes, when known.")
    visible: bool
    emission_wavelength: float | None = Field(description="nm.")


class PixelSizeOut(_Output):
    """Physical size of a pixel of one level; unit null when uncalibrated."""

    x: float
    y: float
    z: float | None
    unit: str | None


class ViewOut(_Output):
    """What a viewer needs to show an image: sizes, levels, tiling, channels, calibration."""

    image: str = Field(description="The image UUID.")
    name: str | None
    axes: list[str]
    dtype: str
    levels: list[list[int]] = Field(description="Array shape of each level, in axes order.")
    chunks: list[list[int]]
    tile_size: int = Field(description="Edge of the tiles to request, in pixels of a level.")
    size_t: int
    size_c: int
    size_z: int
    size_y: int
    size_x: int
    plane_axes: tuple[str, str] = Field(description="Axes of the displayed plane (y, x or z, x).")
    channels: list[ChannelOut]
    pixel_sizes: list[PixelSizeOut]
    is_rgb: bool
    default_z: int
    default_t: int
    tiles: str = Field(description="Base URL of the image's tiles.")
    tile_path: str = Field(
        description="Template of a tile's path below ``tiles``; ext is jpg, png or webp."
    )


def view_out(view: ImageView, image_uuid: str, tiles: str) -> ViewOut:
    """API form of an ImageView."""
    return ViewOut(
        image=image_uuid,
        name=view.name,
        axes=list(view.axes),
        dtype=view.dtype,
        levels=[list(level) for level in view.levels],
        chunks=[list(chunk) for chunk in view.chunks],
        tile_size=view.tile_size,
        size_t=view.size_t,
        size_c=view.size_c,
        size_z=view.size_z,
        size_y=view.size_y,
        size_x=view.size_x,
        plane_axes=view.plane_axes,
        channels=[
            ChannelOut(
                index=c.index,
                name=c.name,
                color=c.color,
                window=c.window,
                data_range=c.data_range,
                visible=c.visible,
                emission_wavelength=c.emission_wavelength,
            )
            for c in view.channels
        ],
        pixel_sizes=[PixelSizeOut(x=p.x, y=p.y, z=p.z, unit=p.unit) for p in view.pixel_sizes],
        is_rgb=view.is_rgb,
        default_z=view.default_z,
        default_t=view.default_t,
        tiles=tiles,
        tile_path="{level}/{t}/{z}/{x}/{y}.{ext}",
    )
