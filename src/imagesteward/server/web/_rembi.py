"""An image's metadata document as the image page shows it: facts grouped by REMBI section.

REMBI (Recommended Metadata for Biological Images) groups what a reader of an image needs:
the image itself, its acquisition, the instrument, and per channel how the light was made and
detected. Each function reads the LinkML-generated :class:`~imagesteward.model.Image` and
returns labelled, formatted facts; a fact the file did not record is left out rather than
shown empty, so what is on the page is exactly what was captured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from imagesteward.server.web._format import duration, humanize, length, number, timestamp

if TYPE_CHECKING:
    from imagesteward.model import (
        Channel,
        Detector,
        FilterSet,
        Image,
        ImageAcquisition,
        LightSource,
        Microscope,
        Objective,
    )

__all__ = [
    "ChannelRow",
    "Fact",
    "acquisition_facts",
    "channel_rows",
    "image_facts",
    "instrument_facts",
]


@dataclass(frozen=True, slots=True)
class Fact:
    """One labelled value; ``note`` qualifies it (e.g. how a date was recorded)."""

    label: str
    value: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """One channel of the channel table (empty strings where nothing was recorded)."""

    index: int
    name: str
    color: str | None
    fluorophore: str
    wavelengths: str
    exposure: str
    detector: str
    light_source: str
    contrast: str


def _facts(*pairs: tuple[str, str | None]) -> list[Fact]:
    return [Fact(label, value) for label, value in pairs if value]


def _joined(*parts: str | None, sep: str = ", ") -> str:
    return sep.join(part for part in parts if part)


def _make(thing: Objective | Detector | LightSource | Microscope | None) -> str:
    """Manufacturer and model, the way instruments are named."""
    if thing is None:
        return ""
    return _joined(thing.manufacturer, thing.model, sep=" ")


def image_facts(document: Image) -> list[Fact]:
    """Image: dimensions, pixel sizes, pixel type, format."""
    d = document
    sizes = [f"{d.size_x} × {d.size_y} px"]
    for count, one, many in ((d.size_z, "plane", "z-planes"), (d.size_t, "time point", "")):
        if count > 1:
            sizes.append(f"{count} {many or one + 's'}")
    channels = f"{d.size_c} channel{'s' if d.size_c != 1 else ''}"
    samples = d.samples_per_pixel or 1
    if samples > 1:
        channels += f" of {samples} samples ({'RGB' if samples == 3 else 'RGBA'})"
    sizes.insert(1, channels)
    pixel = ""
    if d.physical_size_x is not None:
        pixel = f"{length(d.physical_size_x)} × {length(d.physical_size_y)}"
        if d.physical_size_z is not None:
            pixel += f" × {length(d.physical_size_z)} (z)"
    extent = ""
    if d.physical_size_x is not None and d.physical_size_y is not None:
        extent = f"{length(d.size_x * d.physical_size_x)} × {length(d.size_y * d.physical_size_y)}"
    # Enumerations arrive as their values (the generated models use use_enum_values).
    bits = str(d.pixel_type)
    if d.significant_bits and str(d.significant_bits) not in bits:
        bits += f" ({d.significant_bits} significant bits)"
    extra = ", ".join(f"{dim.name} {dim.size}" for dim in d.extra_dimensions or ())
    well = ""
    if d.well_sample is not None:
        w = d.well_sample
        field = f"field {w.field_index + 1}" if w.field_index is not None else None
        position = f"well {w.well_row or ''}{w.well_column or ''}" if w.well_row else None
        well = _joined(w.plate_name, position, field)
    facts = _facts(
        ("Size", ", ".join(sizes)),
        ("Pixel size", pixel),
        ("Field of view", extent),
        ("Time increment", duration(d.time_increment)),
        ("Pixel type", bits),
        ("Axes as stored", d.axes),
        ("Further dimensions", extra),
        ("Resolution levels", ", ".join(d.resolution_levels or ())),
        ("Plate position", well),
        ("File format", d.file_format),
        ("Read by", d.reader),
    )
    if d.physical_size_x is None:
        facts.insert(1, Fact("Pixel size", "not calibrated", "the file records no pixel size"))
    return facts


def _date(acquisition: ImageAcquisition) -> Fact | None:
    moment = acquisition.acquisition_date
    if moment is None:
        return None
    if acquisition.timezone_known:
        note = f"as written: {acquisition.acquisition_date_as_written}"
        if acquisition.acquisition_date_as_written is None:
            note = "an absolute instant, shown in UTC"
        return Fact("Date", timestamp(moment), note)
    return Fact(
        "Date",
        timestamp(moment.replace(tzinfo=None)),
        "local time of the instrument; the file does not say which time zone",
    )


def acquisition_facts(document: Image) -> list[Fact]:
    """Acquisition: date (with how its time zone is known), mode, method, operator, conditions."""
    acquisition = document.acquisition
    if acquisition is None:
        return []
    a = acquisition
    method = ""
    if a.imaging_method is not None:
        method = _joined(a.imaging_method.label, f"({a.imaging_method.term_id})", sep=" ")
    operator = ""
    if a.operator is not None:
        operator = _joined(a.operator.name, a.operator.orcid or a.operator.email, sep=" · ")
    software = ""
    if a.acquisition_software is not None:
        software = _joined(a.acquisition_software.name, a.acquisition_software.version, sep=" ")
    stage = ""
    if a.stage_position is not None:
        p = a.stage_position
        axes = (("x", p.position_x), ("y", p.position_y), ("z", p.position_z))
        stage = ", ".join(f"{axis} {length(value)}" for axis, value in axes if value is not None)
    date = _date(a)
    facts = [date] if date is not None else []
    facts += _facts(
        ("Mode", humanize(a.acquisition_mode)),
        ("Imaging method", method),
        ("Operator", operator),
        ("Software", software),
        ("Temperature", f"{number(a.temperature)} °C" if a.temperature is not None else None),
        ("CO₂", f"{number(a.co2_percent)} %" if a.co2_percent is not None else None),
        ("Immersion index", number(a.immersion_refractive_index)),
        ("Stage position", stage),
    )
    return facts


def _objective(objective: Objective | None) -> str:
    if objective is None:
        return ""
    o = objective
    optics = _joined(
        f"{number(o.nominal_magnification)}×" if o.nominal_magnification else None,
        f"NA {number(o.lens_na)}" if o.lens_na else None,
        humanize(o.immersion),
        str(o.correction) if o.correction else None,  # PlanApo, as catalogues write it
        f"WD {length(o.working_distance)}" if o.working_distance else None,
    )
    return _joined(_make(o), f"({optics})" if optics else None, sep=" ")


def _detector(detector: Detector | None) -> str:
    if detector is None:
        return ""
    kind = str(detector.detector_type) if detector.detector_type else None
    return _joined(_make(detector), f"({kind})" if kind else None, sep=" ")


def _light_source(source: LightSource | None) -> str:
    if source is None:
        return ""
    s = source
    details = _joined(
        f"{number(s.wavelength)} nm" if s.wavelength else None,
        f"{number(s.power)} mW" if s.power else None,
    )
    name = _make(s) or humanize(s.light_source_kind)
    return _joined(name, f"({details})" if details else None, sep=" ")


def instrument_facts(document: Image) -> list[Fact]:
    """Instrument: the microscope, the objective used, detectors, light sources, filters."""
    acquisition = document.acquisition
    if acquisition is None or (acquisition.microscope is None and acquisition.objective is None):
        return []
    m = acquisition.microscope
    facts: list[Fact] = []
    if m is not None:
        kind = humanize(m.microscope_type).lower() if m.microscope_type else None
        facts += _facts(
            ("Microscope", _joined(_make(m), f"({kind})" if kind else None, sep=" ")),
            ("Name", m.instrument_name),
            ("Serial number", m.serial_number),
            ("PIDINST", m.pidinst),
            ("RRID", m.rrid),
            ("Facility", m.facility.name if m.facility else None),
        )
    facts += _facts(("Objective used", _objective(acquisition.objective)))
    if m is not None:
        used = acquisition.objective
        others = [o for o in m.objectives or () if used is None or o.model != used.model]
        facts += _facts(
            ("Other objectives", "; ".join(_objective(o) for o in others)),
            ("Detectors", "; ".join(_detector(d) for d in m.detectors or ())),
            ("Light sources", "; ".join(_light_source(s) for s in m.light_sources or ())),
            ("Filter sets", "; ".join(_filter_set(f) for f in m.filter_sets or ())),
        )
    return facts


def _filter_set(filter_set: FilterSet) -> str:
    return _joined(filter_set.manufacturer, filter_set.name or filter_set.model, sep=" ")


def _channel(channel: Channel) -> ChannelRow:
    c = channel
    fluorophore = c.fluorophore_name or ""
    if c.fluorophore is not None:
        fluorophore = _joined(
            fluorophore or c.fluorophore.label, f"({c.fluorophore.term_id})", sep=" "
        )
    ex, em = c.excitation_wavelength, c.emission_wavelength
    wavelengths = ""
    if ex is not None or em is not None:
        wavelengths = (
            f"{number(ex) if ex is not None else '–'} / {number(em) if em is not None else '–'}"
        )
    detector = _detector(c.detector)
    if detector and c.detector_gain is not None:
        detector += f", gain {number(c.detector_gain)}"
    light = _light_source(c.light_source)
    if light and c.light_source_attenuation is not None:
        light += f", {number(c.light_source_attenuation)} % attenuation"
    contrast = _joined(humanize(c.contrast_method), humanize(c.illumination_type).lower() or None)
    exposure = duration(c.exposure_time)
    if c.pinhole_size is not None:
        exposure = _joined(exposure, f"pinhole {length(c.pinhole_size)}")
    # The colour goes into a style attribute; the schema admits only #RRGGBB there.
    color = c.color or None
    return ChannelRow(
        index=c.channel_index,
        name=c.name or f"Channel {c.channel_index}",
        color=color,
        fluorophore=fluorophore,
        wavelengths=wavelengths,
        exposure=exposure,
        detector=detector,
        light_source=light,
        contrast=contrast,
    )


def channel_rows(document: Image) -> tuple[list[ChannelRow], set[str]]:
    """The channel table and the columns any channel fills (the others are not shown)."""
    rows = [_channel(channel) for channel in document.channels or ()]
    columns = {
        name
        for name in (
            "fluorophore",
            "wavelengths",
            "exposure",
            "detector",
            "light_source",
            "contrast",
        )
        if any(getattr(row, name) for row in rows)
    }
    return rows, columns
