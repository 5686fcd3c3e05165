"""OME values into model units: lengths, wavelengths, times, positions, temperatures, wells.

OME lets every quantity carry its own unit (``PhysicalSizeXUnit="cm"``, wavelengths in pm, stage
positions in a "reference frame"); these helpers convert to the model's units and say in a note
whenever a value was converted or could not be used.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

from imagesteward.formats._ome_instrument import enum_value, text
from imagesteward.model import (
    PhysicalQuantity,
    StagePosition,
    length_to_micrometres,
    time_to_seconds,
    wavelength_to_nanometres,
)

if TYPE_CHECKING:
    from ome_types import OME
    from ome_types import model as ome

__all__ = [
    "celsius",
    "exposure",
    "length_um",
    "physical_sizes",
    "plate_notes",
    "signed_length",
    "stage_position",
    "time_increment",
    "wavelength_nm",
]

_MICRO = ("µm", "um", "μm")


def length_um(value: float | None, unit: object, what: str, notes: list[str]) -> float | None:
    if value is None:
        return None
    unit_text = enum_value(unit) or "µm"
    converted = length_to_micrometres(value, unit_text)
    if converted is None:
        notes.append(f"{what} {value} {unit_text} is not a usable length; left empty")
    elif unit_text not in _MICRO:
        notes.append(f"{what} {value} {unit_text} converted to {converted} µm")
    return converted


def wavelength_nm(value: float | None, unit: object, what: str, notes: list[str]) -> float | None:
    if value is None:
        return None
    unit_text = enum_value(unit) or "nm"
    converted = wavelength_to_nanometres(value, unit_text)
    if converted is None:
        notes.append(f"{what} wavelength {value} {unit_text} is not usable; left empty")
    elif unit_text != "nm":
        notes.append(f"{what} wavelength {value} {unit_text} converted to {converted} nm")
    return converted


def physical_sizes(
    pixels: ome.Pixels, notes: list[str]
) -> tuple[dict[str, float | None], list[PhysicalQuantity]]:
    sizes: dict[str, float | None] = {}
    as_stored: list[PhysicalQuantity] = []
    for dim in ("X", "Y", "Z"):
        value = getattr(pixels, f"physical_size_{dim.lower()}")
        unit = enum_value(getattr(pixels, f"physical_size_{dim.lower()}_unit")) or "µm"
        sizes[dim] = None
        if value is None:
            continue
        converted = length_to_micrometres(value, unit)
        if converted is None:
            notes.append(f"PhysicalSize{dim} {value} {unit} is not a calibration; left empty")
            continue
        sizes[dim] = converted
        if unit not in _MICRO:
            as_stored.append(PhysicalQuantity(axis_name=dim.lower(), value=value, unit=unit))
            notes.append(f"PhysicalSize{dim} {value} {unit} converted to {converted} µm")
    return sizes, as_stored


def time_increment(pixels: ome.Pixels, size_t: int, notes: list[str]) -> float | None:
    if pixels.time_increment is not None:
        return time_to_seconds(pixels.time_increment, enum_value(pixels.time_increment_unit) or "s")
    if size_t < 2:
        return None
    starts: dict[int, float] = {}
    for plane in pixels.planes:
        if plane.delta_t is None or plane.the_c != 0 or plane.the_z != 0:
            continue
        seconds = time_to_seconds(plane.delta_t, enum_value(plane.delta_t_unit) or "s")
        if seconds is not None:
            starts.setdefault(plane.the_t, seconds)
    if len(starts) < 2:
        return None
    times = [starts[t] for t in sorted(starts)]
    steps = [b - a for a, b in itertools.pairwise(times)]
    mean = sum(steps) / len(steps)
    if mean <= 0:
        return None
    notes.append(
        f"time increment {mean:.6g} s is the mean DeltaT step of the planes "
        "(Pixels has no TimeIncrement)"
    )
    return float(f"{mean:.12g}")


def exposure(pixels: ome.Pixels, channel: int) -> float | None:
    for plane in sorted(pixels.planes, key=lambda p: (p.the_t, p.the_z)):
        if plane.the_c == channel and plane.exposure_time is not None:
            return time_to_seconds(plane.exposure_time, enum_value(plane.exposure_time_unit) or "s")
    return None


def signed_length(value: float | None, unit: str) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    if value == 0:
        return 0.0 if length_to_micrometres(1.0, unit) is not None else None
    magnitude = length_to_micrometres(abs(value), unit)
    return None if magnitude is None else math.copysign(magnitude, value)


def stage_position(pixels: ome.Pixels, notes: list[str]) -> StagePosition | None:
    if not pixels.planes:
        return None
    plane = pixels.planes[0]
    values: dict[str, float | None] = {}
    for dim in ("x", "y", "z"):
        raw = getattr(plane, f"position_{dim}")
        unit = enum_value(getattr(plane, f"position_{dim}_unit")) or "reference frame"
        values[dim] = signed_length(raw, unit)
        if raw is not None and values[dim] is None:
            notes.append(
                f"stage position {dim.upper()} {raw} in {unit!r} has no physical unit; left empty"
            )
    if all(v is None for v in values.values()):
        return None
    return StagePosition(position_x=values["x"], position_y=values["y"], position_z=values["z"])


def celsius(value: float | None, unit: str | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    converters: dict[str, Any] = {
        "°C": lambda v: v,
        "K": lambda v: v - 273.15,
        "°F": lambda v: (v - 32) * 5 / 9,
        "°R": lambda v: (v - 491.67) * 5 / 9,
    }
    convert = converters.get(unit or "°C")
    return None if convert is None else float(f"{convert(value):.12g}")


def plate_notes(root: OME) -> tuple[dict[str, list[str]], list[str]]:
    """Well and field of every image in a plate, and notes on plates that link no image."""
    by_image: dict[str, list[str]] = {}
    document: list[str] = []
    for plate in root.plates:
        label = text(plate.name) or plate.id
        if not plate.wells:
            document.append(
                f"the document describes plate {label!r} with no wells; no image is linked to it"
            )
            continue
        for well in plate.wells:
            row_letter = chr(ord("A") + well.row) if 0 <= well.row < 26 else str(well.row + 1)
            for sample in well.well_samples:
                if sample.image_ref is None:
                    continue
                by_image.setdefault(sample.image_ref.id, []).append(
                    f"plate {label!r} well {row_letter}{well.column + 1} (row {well.row}, "
                    f"column {well.column}), field {sample.index}"
                )
    return by_image, document
