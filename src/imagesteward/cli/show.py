"""Rendering of one image's metadata, grouped the way REMBI groups it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imagesteward.model import ArrayStructure, Image

__all__ = ["image_panel"]


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:.6g}"
    return f"{text} {unit}".strip()


def image_panel(image: Image, *, title: str, structure: ArrayStructure | None = None) -> Any:
    """A Rich renderable: dimensions, calibration, channels, acquisition and instrument."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    sizes = f"T{image.size_t} C{image.size_c} Z{image.size_z} Y{image.size_y} X{image.size_x}"
    if image.samples_per_pixel and image.samples_per_pixel > 1:
        sizes += f" S{image.samples_per_pixel}"
    for extra in image.extra_dimensions or []:
        sizes += f" {extra.name}{extra.size}"
    facts.add_row("name", image.name or "-")
    facts.add_row("format", f"{image.file_format} (axes {image.axes}, {image.pixel_type})")
    facts.add_row("sizes", sizes)
    if structure is not None and len(structure.levels) > 1:
        facts.add_row("levels", ", ".join("x".join(map(str, level)) for level in structure.levels))
    facts.add_row(
        "pixel size",
        f"x {_fmt(image.physical_size_x, 'µm')}, y {_fmt(image.physical_size_y, 'µm')}, "
        f"z {_fmt(image.physical_size_z, 'µm')}",
    )
    if image.time_increment is not None:
        facts.add_row("time step", _fmt(image.time_increment, "s"))
    acquisition = image.acquisition
    if acquisition is not None:
        if acquisition.acquisition_date is not None:
            zone = "" if acquisition.timezone_known is not False else " (local time, zone unknown)"
            facts.add_row("acquired", f"{acquisition.acquisition_date.isoformat()}{zone}")
        if acquisition.acquisition_mode:
            facts.add_row("mode", str(acquisition.acquisition_mode))
        scope = acquisition.microscope
        if scope is not None:
            facts.add_row(
                "microscope",
                " ".join(filter(None, [scope.manufacturer, scope.model, scope.instrument_name]))
                + (f" (s/n {scope.serial_number})" if scope.serial_number else ""),
            )
        lens = acquisition.objective
        if lens is not None:
            facts.add_row(
                "objective",
                " ".join(
                    filter(
                        None,
                        [
                            lens.model,
                            f"{lens.nominal_magnification:g}x"
                            if lens.nominal_magnification
                            else None,
                            f"NA {lens.lens_na:g}" if lens.lens_na else None,
                            str(lens.immersion) if lens.immersion else None,
                        ],
                    )
                ),
            )
    channels = Table(title="channels", title_justify="left", box=None, pad_edge=False)
    for column in ("#", "name", "fluorophore", "ex nm", "em nm", "exposure", "detector"):
        channels.add_column(column)
    for channel in image.channels or []:
        detector = channel.detector.model if channel.detector else None
        channels.add_row(
            str(channel.channel_index),
            channel.name or "-",
            channel.fluorophore_name or "-",
            _fmt(channel.excitation_wavelength),
            _fmt(channel.emission_wavelength),
            _fmt(channel.exposure_time, "s"),
            detector or "-",
        )
    parts: list[Any] = [facts]
    if image.channels:
        parts.append(channels)
    if image.capture_notes:
        parts.append("[dim]" + "\n".join(f"note: {n}" for n in image.capture_notes) + "[/]")
    return Panel(Group(*parts), title=title, title_align="left")
