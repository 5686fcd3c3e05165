"""OME-XML hardware and channel settings mapped onto the NBO-Q classes of the model.

OME keeps an instrument inventory (objectives, light sources, detectors, filters) and lets each
image and channel *reference* what was used, with per-use settings. The model keeps both: the
inventory on :class:`~imagesteward.model.Microscope` and the component actually used, copied onto
the image's acquisition or the channel. Every unit is converted (OME allows any SI prefix), and
values the model cannot hold (an NA above 2, a binning called ``Other``) are dropped with a note
rather than failing the whole record.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from imagesteward.model import (
    Correction,
    Detector,
    DetectorType,
    Dichroic,
    Filter,
    FilterSet,
    FilterType,
    Immersion,
    LightSource,
    LightSourceKind,
    Microscope,
    MicroscopeType,
    Objective,
    length_to_micrometres,
    wavelength_to_nanometres,
)

if TYPE_CHECKING:
    from ome_types import OME
    from ome_types import model as ome

__all__ = [
    "Inventory",
    "enum_value",
    "is_placeholder_objective",
    "map_detector",
    "map_filter_set",
    "map_light_path",
    "map_light_source",
    "map_microscope",
    "map_objective",
    "member",
    "power_to_milliwatts",
    "text",
]

_POWER_IN_MW: dict[str, float] = {
    "YW": 1e27,
    "ZW": 1e24,
    "EW": 1e21,
    "PW": 1e18,
    "TW": 1e15,
    "GW": 1e12,
    "MW": 1e9,
    "kW": 1e6,
    "hW": 1e5,
    "daW": 1e4,
    "W": 1e3,
    "dW": 1e2,
    "cW": 1e1,
    "mW": 1.0,
    "µW": 1e-3,
    "μW": 1e-3,
    "nW": 1e-6,
    "pW": 1e-9,
    "fW": 1e-12,
    "aW": 1e-15,
    "zW": 1e-18,
    "yW": 1e-21,
}


def text(value: object) -> str | None:
    """A string attribute, ``None`` when absent or blank (OME writers emit ``Model=""``)."""
    if value is None:
        return None
    string = str(value).strip()
    return string or None


def enum_value(value: object) -> str | None:
    """The plain string of an ome-types enum member (or of a string), ``None`` when absent."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _unit(value: object, default: str) -> str:
    return enum_value(value) or default


def power_to_milliwatts(value: float | None, unit: object) -> float | None:
    """Convert an OME power to milliwatts; ``None`` for missing, negative or unknown units."""
    if value is None or not math.isfinite(value) or value < 0:
        return None
    factor = _POWER_IN_MW.get(_unit(unit, "mW"))
    return None if factor is None else float(f"{value * factor:.12g}")


def member[E: Enum](enum: type[E], value: object, what: str, notes: list[str]) -> E | None:
    raw = enum_value(value)
    if raw is None:
        return None
    try:
        return enum(raw)
    except ValueError:
        notes.append(f"{what} {raw!r} is not a value the model knows; left empty")
        return None


@dataclass(slots=True)
class Inventory:
    """Every OME hardware element by ID, so references resolve in one look-up."""

    objectives: dict[str, ome.Objective] = field(default_factory=dict)
    light_sources: dict[str, Any] = field(default_factory=dict)
    detectors: dict[str, ome.Detector] = field(default_factory=dict)
    filters: dict[str, ome.Filter] = field(default_factory=dict)
    dichroics: dict[str, ome.Dichroic] = field(default_factory=dict)
    filter_sets: dict[str, ome.FilterSet] = field(default_factory=dict)
    instruments: dict[str, ome.Instrument] = field(default_factory=dict)

    @classmethod
    def of(cls, root: OME) -> Inventory:
        """Index the hardware of every instrument in ``root``."""
        inventory = cls()
        for instrument in root.instruments:
            inventory.instruments[instrument.id] = instrument
            inventory.objectives.update((o.id, o) for o in instrument.objectives)
            inventory.detectors.update((d.id, d) for d in instrument.detectors)
            inventory.filters.update((f.id, f) for f in instrument.filters)
            inventory.dichroics.update((d.id, d) for d in instrument.dichroics)
            inventory.filter_sets.update((s.id, s) for s in instrument.filter_sets)
            for group in _light_source_lists(instrument):
                inventory.light_sources.update((s.id, s) for s in group)
        return inventory


def _light_source_lists(instrument: ome.Instrument) -> Iterable[Iterable[Any]]:
    return (
        instrument.lasers,
        instrument.arcs,
        instrument.filaments,
        instrument.light_emitting_diodes,
        instrument.generic_excitation_sources,
    )


def is_placeholder_objective(objective: ome.Objective) -> bool:
    """Whether an OME Objective says nothing about a lens.

    Bio-Formats writes ``NominalMagnification="0.0"`` with ``Immersion``/``Correction`` ``Other``
    when the source format names no objective; such an entry is not an objective.
    """
    magnifications = (objective.nominal_magnification, objective.calibrated_magnification)
    return not (
        text(objective.model)
        or (objective.lens_na is not None and objective.lens_na > 0)
        or any(m is not None and m > 0 for m in magnifications)
    )


def map_objective(objective: ome.Objective, notes: list[str]) -> Objective:
    """An OME Objective as the model's Objective (working distance in µm)."""
    lens_na = objective.lens_na
    if lens_na is not None and not 0 <= lens_na <= 2:
        notes.append(f"objective {objective.id}: LensNA {lens_na} is outside 0-2; left empty")
        lens_na = None
    working_distance = length_to_micrometres(
        objective.working_distance, _unit(objective.working_distance_unit, "µm")
    )
    unit = _unit(objective.working_distance_unit, "µm")
    if working_distance is not None and unit not in ("µm", "um"):
        notes.append(
            f"objective {objective.id}: working distance {objective.working_distance} {unit} "
            f"converted to {working_distance} µm"
        )
    return Objective(
        manufacturer=text(objective.manufacturer),
        model=text(objective.model),
        serial_number=text(objective.serial_number),
        nominal_magnification=_non_negative(objective.nominal_magnification),
        calibrated_magnification=_non_negative(objective.calibrated_magnification),
        lens_na=lens_na,
        immersion=member(Immersion, objective.immersion, "objective immersion", notes),
        correction=member(Correction, objective.correction, "objective correction", notes),
        working_distance=working_distance,
    )


def _non_negative(value: float | None) -> float | None:
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return float(value)


_LIGHT_SOURCE_KINDS: dict[str, LightSourceKind] = {
    "Laser": LightSourceKind.Laser,
    "Arc": LightSourceKind.Arc,
    "Filament": LightSourceKind.Filament,
    "LightEmittingDiode": LightSourceKind.LightEmittingDiode,
    "GenericExcitationSource": LightSourceKind.GenericExcitationSource,
}


def map_light_source(source: Any, notes: list[str]) -> LightSource:
    """An OME Laser, Arc, Filament, LightEmittingDiode or GenericExcitationSource."""
    kind = _LIGHT_SOURCE_KINDS.get(type(source).__name__, LightSourceKind.GenericExcitationSource)
    wavelength = None
    if getattr(source, "wavelength", None) is not None:
        wavelength = wavelength_to_nanometres(
            source.wavelength, _unit(getattr(source, "wavelength_unit", None), "nm")
        )
    power = power_to_milliwatts(getattr(source, "power", None), getattr(source, "power_unit", None))
    if getattr(source, "power", None) is not None and power is None:
        notes.append(
            f"light source {source.id}: power {source.power} {_unit(source.power_unit, 'mW')} "
            "not convertible to mW; left empty"
        )
    return LightSource(
        light_source_kind=kind,
        manufacturer=text(source.manufacturer),
        model=text(source.model),
        serial_number=text(source.serial_number),
        wavelength=wavelength,
        power=power,
    )


def map_detector(detector: ome.Detector, notes: list[str]) -> Detector:
    """An OME Detector."""
    return Detector(
        detector_type=member(DetectorType, detector.type, "detector type", notes),
        manufacturer=text(detector.manufacturer),
        model=text(detector.model),
        serial_number=text(detector.serial_number),
    )


def _map_filter(item: ome.Filter, notes: list[str]) -> Filter:
    cut_in = cut_out = None
    transmittance = item.transmittance_range
    if transmittance is not None:
        cut_in = wavelength_to_nanometres(
            transmittance.cut_in, _unit(transmittance.cut_in_unit, "nm")
        )
        cut_out = wavelength_to_nanometres(
            transmittance.cut_out, _unit(transmittance.cut_out_unit, "nm")
        )
    return Filter(
        filter_type=member(FilterType, item.type, "filter type", notes),
        manufacturer=text(item.manufacturer),
        model=text(item.model),
        cut_in=cut_in,
        cut_out=cut_out,
    )


def _map_dichroic(item: ome.Dichroic) -> Dichroic:
    return Dichroic(manufacturer=text(item.manufacturer), model=text(item.model))


def _filters(refs: Iterable[Any], inventory: Inventory, notes: list[str]) -> list[Filter]:
    found = []
    for ref in refs:
        item = inventory.filters.get(ref.id)
        if item is None:
            notes.append(f"filter reference {ref.id} names no Filter in the instrument; ignored")
        else:
            found.append(_map_filter(item, notes))
    return found


def _dichroic(ref: Any, inventory: Inventory, notes: list[str]) -> Dichroic | None:
    if ref is None:
        return None
    item = inventory.dichroics.get(ref.id)
    if item is None:
        notes.append(f"dichroic reference {ref.id} names no Dichroic in the instrument; ignored")
        return None
    return _map_dichroic(item)


def map_filter_set(item: ome.FilterSet, inventory: Inventory, notes: list[str]) -> FilterSet:
    """An OME FilterSet (cube) with its referenced filters and dichroic resolved."""
    return FilterSet(
        name=None,
        manufacturer=text(item.manufacturer),
        model=text(item.model),
        excitation_filters=_filters(item.excitation_filters, inventory, notes) or None,
        dichroic=_dichroic(item.dichroic_ref, inventory, notes),
        emission_filters=_filters(item.emission_filters, inventory, notes) or None,
    )


def map_light_path(path: ome.LightPath, inventory: Inventory, notes: list[str]) -> FilterSet | None:
    """A channel's LightPath (filters named one by one) as an unnamed FilterSet."""
    excitation = _filters(path.excitation_filters, inventory, notes)
    emission = _filters(path.emission_filters, inventory, notes)
    dichroic = _dichroic(path.dichroic_ref, inventory, notes)
    if not (excitation or emission or dichroic):
        return None
    return FilterSet(
        excitation_filters=excitation or None,
        dichroic=dichroic,
        emission_filters=emission or None,
    )


def map_microscope(
    instrument: ome.Instrument, inventory: Inventory, notes: list[str]
) -> Microscope:
    """An OME Instrument: the stand's identity plus its inventory of components."""
    stand = instrument.microscope
    objectives = []
    for objective in instrument.objectives:
        if is_placeholder_objective(objective):
            notes.append(
                f"instrument objective {objective.id} names no lens (no model, NA or "
                "magnification); left out of the inventory"
            )
            continue
        objectives.append(map_objective(objective, notes))
    light_sources = [
        map_light_source(source, notes)
        for group in _light_source_lists(instrument)
        for source in group
    ]
    return Microscope(
        manufacturer=text(stand.manufacturer) if stand else None,
        model=text(stand.model) if stand else None,
        serial_number=text(stand.serial_number) if stand else None,
        microscope_type=(
            member(MicroscopeType, stand.type, "microscope type", notes) if stand else None
        ),
        objectives=objectives or None,
        light_sources=light_sources or None,
        detectors=[map_detector(d, notes) for d in instrument.detectors] or None,
        filter_sets=[map_filter_set(s, inventory, notes) for s in instrument.filter_sets] or None,
    )
