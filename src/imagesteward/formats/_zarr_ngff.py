"""NGFF (OME-Zarr) metadata into the imagesteward model: axes, calibration, channels, validation.

NGFF names units after UDUNITS-2 (``micrometer``, ``nanosecond``...). The unit functions of
:mod:`imagesteward.model.units` know symbols and a few spelled-out names, so the NGFF names are
mapped here to a symbol (and, for units without one, a power of ten) before converting.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from imagesteward.errors import CorruptFileError
from imagesteward.model import (
    Channel,
    PhysicalQuantity,
    length_to_micrometres,
    time_to_seconds,
)

__all__ = [
    "Axis",
    "Calibration",
    "calibrate",
    "effective_scale",
    "omero_channels",
    "parse_axes",
    "validation_problems",
]

# fmt: off
# NGFF (UDUNITS-2) space units -> (symbol model.units knows, multiplier applied to the value).
_LENGTH_UNITS: dict[str, tuple[str, float]] = {
    "yoctometer": ("ym", 1.0), "zeptometer": ("zm", 1.0), "attometer": ("am", 1.0),
    "femtometer": ("fm", 1.0), "picometer": ("pm", 1.0), "angstrom": ("Å", 1.0),
    "nanometer": ("nm", 1.0), "micrometer": ("µm", 1.0), "millimeter": ("mm", 1.0),
    "centimeter": ("cm", 1.0), "decimeter": ("dm", 1.0), "meter": ("m", 1.0),
    "hectometer": ("hm", 1.0), "kilometer": ("km", 1.0), "megameter": ("Mm", 1.0),
    "gigameter": ("Gm", 1.0), "terameter": ("Tm", 1.0), "petameter": ("Pm", 1.0),
    "exameter": ("Pm", 1e3), "zettameter": ("Pm", 1e6), "yottameter": ("Pm", 1e9),
    "inch": ("in", 1.0), "foot": ("ft", 1.0), "yard": ("yd", 1.0), "mile": ("mi", 1.0),
    "parsec": ("m", 3.0856775814913673e16),
}
# NGFF (UDUNITS-2) time units -> (symbol model.units knows, multiplier applied to the value).
_TIME_UNITS: dict[str, tuple[str, float]] = {
    "yoctosecond": ("ys", 1.0), "zeptosecond": ("zs", 1.0), "attosecond": ("as", 1.0),
    "femtosecond": ("fs", 1.0), "picosecond": ("ps", 1.0), "nanosecond": ("ns", 1.0),
    "microsecond": ("µs", 1.0), "millisecond": ("ms", 1.0), "centisecond": ("ms", 10.0),
    "decisecond": ("ms", 100.0), "second": ("s", 1.0), "minute": ("min", 1.0), "hour": ("h", 1.0),
    "day": ("d", 1.0), "hectosecond": ("s", 1e2), "kilosecond": ("s", 1e3),
    "megasecond": ("s", 1e6), "gigasecond": ("s", 1e9), "terasecond": ("s", 1e12),
    "petasecond": ("s", 1e15), "exasecond": ("s", 1e18), "zettasecond": ("s", 1e21),
    "yottasecond": ("s", 1e24),
}
# fmt: on
_SPATIAL = ("X", "Y", "Z")
# What ome-zarr-models validates each kind of group with: (module, attributes model).
_MODELS: dict[str, tuple[str, str]] = {
    "image": ("image", "ImageAttrs"),
    "plate": ("hcs", "HCSAttrs"),
    "well": ("well", "WellAttrs"),
    "bioformats2raw": ("bioformats2raw", "BioFormats2RawAttrs"),
}
_HEX_COLOUR = re.compile(r"^[0-9A-Fa-f]{6}$")


@dataclass(frozen=True, slots=True)
class Axis:
    """One NGFF axis and the imagesteward dimension it becomes (``T``, ``C``, ``Z``...)."""

    name: str
    type: str | None
    unit: str | None
    dim: str


def parse_axes(raw: object, ndim: int, where: Path, notes: list[str]) -> list[Axis]:
    """Read ``multiscales[].axes`` (NGFF 0.4/0.5 objects, 0.3 strings, absent before 0.3).

    Raises
    ------
    CorruptFileError
        When the axes are malformed, repeat a dimension, or do not match the arrays' ``ndim``.
    """
    if raw is None:
        if ndim != 5:
            raise CorruptFileError(
                where, f"multiscales declares no axes and the arrays are {ndim}-D, not 5-D (tczyx)"
            )
        notes.append("multiscales declares no axes (NGFF before 0.3): tczyx assumed")
        raw = list("tczyx")
    if not isinstance(raw, list):
        raise CorruptFileError(where, f"multiscales axes {raw!r} are not a list")
    axes: list[Axis] = []
    used: set[str] = set()
    for item in raw:
        entry: object = {"name": item} if isinstance(item, str) else item
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise CorruptFileError(where, f"multiscales axis {item!r} has no name")
        name: str = entry["name"]
        kind = entry.get("type") if isinstance(entry.get("type"), str) else None
        unit = entry.get("unit") if isinstance(entry.get("unit"), str) else None
        dim = _dimension(name, kind)
        if dim in used:
            dim = name.upper()  # a second time or channel axis keeps its own name
        if not dim or dim in used:
            raise CorruptFileError(
                where, f"multiscales axis {name!r} repeats dimension {dim!r}: axes {raw!r}"
            )
        used.add(dim)
        axes.append(Axis(name=name, type=kind, unit=unit, dim=dim))
    if len(axes) != ndim:
        raise CorruptFileError(
            where,
            f"multiscales declares {len(axes)} axes ({', '.join(a.name for a in axes)}) but the "
            f"level-0 array has {ndim} dimensions",
        )
    return axes


def _dimension(name: str, kind: str | None) -> str:
    lowered = name.lower()
    kind = (kind or "").lower()
    if kind == "time" or (not kind and lowered == "t"):
        return "T"
    if kind == "channel" or (not kind and lowered == "c"):
        return "C"
    if lowered in ("x", "y", "z") and kind in ("space", ""):
        return lowered.upper()
    return name.upper()


def effective_scale(
    multiscale: dict[str, Any], dataset: dict[str, Any], ndim: int, notes: list[str]
) -> list[float] | None:
    """Per-axis scale of one level: its ``scale`` times the multiscale-wide ``scale``."""
    result = [1.0] * ndim
    for where, transforms in (
        ("dataset", dataset.get("coordinateTransformations")),
        ("multiscale", multiscale.get("coordinateTransformations")),
    ):
        if transforms is None:
            continue
        if not isinstance(transforms, list):
            notes.append(f"the {where} coordinateTransformations are not a list; ignored")
            return None
        scales = [t for t in transforms if isinstance(t, dict) and t.get("type") == "scale"]
        if not scales:
            continue
        vector = scales[0].get("scale")
        if vector is None:
            notes.append(f"the {where} scale is stored in a separate file; not read")
            return None
        if (
            not isinstance(vector, list)
            or len(vector) != ndim
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in vector)
        ):
            notes.append(
                f"the {where} scale {vector!r} does not give one number per axis ({ndim}); "
                "no physical sizes taken from it"
            )
            return None
        result = [r * float(v) for r, v in zip(result, vector, strict=True)]
    return result


@dataclass(slots=True)
class Calibration:
    """Physical pixel sizes (µm) and time increment (s) of one series."""

    physical_size_x: float | None = None
    physical_size_y: float | None = None
    physical_size_z: float | None = None
    time_increment: float | None = None
    as_stored: list[PhysicalQuantity] = field(default_factory=list)


def _convert(value: float, unit: str, *, time: bool) -> float | None:
    table = _TIME_UNITS if time else _LENGTH_UNITS
    # Units model.units knows directly (µm, nm, s...) pass through unchanged.
    symbol, multiplier = table.get(unit.strip().lower(), (unit, 1.0))
    convert = time_to_seconds if time else length_to_micrometres
    return convert(value * multiplier, symbol)


def calibrate(
    axes: list[Axis], scale: list[float] | None, shape: tuple[int, ...], notes: list[str]
) -> Calibration:
    """Physical sizes from the level-0 scale, only for axes that carry a unit.

    A scale without a unit is not a calibration (NGFF writers put 1.0 there by default), nor is
    the spacing of an axis holding a single plane or time point.
    """
    calibration = Calibration()
    if scale is None:
        return calibration
    unitless: list[str] = []
    for axis, value, size in zip(axes, scale, shape, strict=True):
        if axis.dim not in (*_SPATIAL, "T"):
            continue
        if axis.unit is None:
            unitless.append(f"{axis.name} ({value!r})")
            continue
        if size == 1 and axis.dim in ("Z", "T"):
            notes.append(
                f"axis {axis.name!r} holds a single {'plane' if axis.dim == 'Z' else 'time point'}"
                f": its scale {value!r} {axis.unit} is not a spacing and is not recorded"
            )
            continue
        converted = _convert(value, axis.unit, time=axis.dim == "T")
        if converted is None:
            notes.append(
                f"axis {axis.name!r}: scale {value!r} {axis.unit!r} is not a usable "
                f"{'time' if axis.dim == 'T' else 'length'}; not recorded"
            )
            continue
        attribute = "time_increment" if axis.dim == "T" else f"physical_size_{axis.dim.lower()}"
        setattr(calibration, attribute, converted)
    # Stored values in x, y, z order, like physical_size_x, _y, _z.
    by_dim = {axis.dim: (axis, value) for axis, value in zip(axes, scale, strict=True)}
    calibration.as_stored = [
        PhysicalQuantity(axis_name=dim.lower(), value=by_dim[dim][1], unit=unit)
        for dim in _SPATIAL
        if dim in by_dim and (unit := by_dim[dim][0].unit) is not None
    ]
    if unitless:
        notes.append(
            f"axes without a unit: {', '.join(unitless)}; a unit-less scale is not a "
            "calibration, so no physical size is recorded for them"
        )
    return calibration


def omero_channels(omero: object, size_c: int, notes: list[str]) -> list[Channel]:
    """One channel per index of ``C``; names, colours and windows from ``omero`` when present."""
    entries: list[Any] = []
    if isinstance(omero, dict) and isinstance(omero.get("channels"), list):
        entries = omero["channels"]
        if len(entries) != size_c:
            notes.append(
                f"omero lists {len(entries)} channel(s) for {size_c} stored; its channel "
                "names and colours are not used"
            )
            entries = []
    elif omero is not None:
        notes.append("omero metadata has no channel list; ignored")
    channels: list[Channel] = []
    for index in range(size_c):
        entry = entries[index] if index < len(entries) and isinstance(entries[index], dict) else {}
        label = entry.get("label")
        colour = entry.get("color")
        if colour is not None and not (isinstance(colour, str) and _HEX_COLOUR.match(colour)):
            notes.append(f"omero channel {index} colour {colour!r} is not RRGGBB; ignored")
            colour = None
        window = entry.get("window")
        if isinstance(window, dict) and window:
            keys = [k for k in ("start", "end", "min", "max") if k in window]
            shown = ", ".join(f"{k} {window[k]}" for k in keys)
            notes.append(f"omero channel {index} display window: {shown}")
        channels.append(
            Channel(
                channel_index=index,
                name=label if isinstance(label, str) else None,
                color=f"#{colour.upper()}" if colour else None,
            )
        )
    return channels


def validation_problems(kind: str, version: str | None, attributes: dict[str, Any]) -> list[str]:
    """Check NGFF attributes against ome-zarr-models; one note per problem (at most five).

    ``kind`` is ``image``, ``plate``, ``well`` or ``bioformats2raw``; ``attributes`` are the
    NGFF attributes (0.4: the group's attributes; 0.5: the ``ome`` object).
    """
    if version not in ("0.4", "0.5"):
        return [
            f"NGFF {version or '(no version)'} {kind} metadata not validated: "
            "ome-zarr-models checks 0.4 and 0.5"
        ]
    module_name, class_name = _MODELS[kind]
    package = "v04" if version == "0.4" else "v05"
    try:
        # Heavy (it loads every NGFF version's models) and a development dependency: kept lazy.
        module = import_module(f"ome_zarr_models.{package}.{module_name}")
        models_version = import_module("ome_zarr_models").__version__
    except ImportError:
        return [f"NGFF {version} {kind} metadata not validated: ome-zarr-models is not installed"]
    try:
        with warnings.catch_warnings():
            # It warns about defaults it fills in (a 0.5 plate's version); not our reader's news.
            warnings.simplefilter("ignore")
            getattr(module, class_name).model_validate(attributes)
    except ValidationError as exc:
        problems = [
            f"NGFF {version} {kind} metadata breaks the specification (ome-zarr-models "
            f"{models_version}): {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()[:5]
        ]
        if exc.error_count() > 5:
            problems.append(f"... and {exc.error_count() - 5} more validation problems")
        return problems
    return []
