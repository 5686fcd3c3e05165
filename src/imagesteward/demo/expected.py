"""What ingest should capture from a demo file, written like the test corpus's manifest.

The ``expected`` dictionary of a :class:`~imagesteward.demo.DemoFile` follows the conventions
of ``MANIFEST.json`` in the shared test corpus, so the corpus checks apply to the demo files
unchanged: ``series_count``, ``series`` (one entry per image: ``name``, ``sizes``, ``dtype``,
``physical_pixel_size`` in µm, ``channel_names``, ``objective``, ``instrument``,
``acquisition_date`` as ISO 8601 with its UTC offset, ``time_increment_s``...) and
``first_plane`` (sha256, shape, range of the first plane). Each series also lists its
``channels`` with the acquisition settings a facility cares about (light source, detector,
filter set, exposure).

The facts are derived from the same ome-types objects that are serialised into the file;
tests read the file back independently and compare.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ome_types import model as ome

from imagesteward.demo.instruments import find_part
from imagesteward.model import length_to_micrometres, time_to_seconds, wavelength_to_nanometres

__all__ = ["first_plane_facts", "series_facts"]


def _value(item: object) -> Any:
    """The plain value of an ome-types enum (or the item itself)."""
    return getattr(item, "value", item)


def _length_um(value: float | None, unit: object) -> float | None:
    return length_to_micrometres(value, _value(unit))


def _position_um(value: float | None, unit: object) -> float | None:
    # Stage coordinates may be negative; length_to_micrometres only takes positive lengths.
    if value is None:
        return None
    size = _length_um(abs(value), unit) if value else 0.0
    return None if size is None else math.copysign(size, value)


def _seconds(value: float | None, unit: object) -> float | None:
    return time_to_seconds(value, _value(unit))


def _nm(value: float | None, unit: object) -> float | None:
    return wavelength_to_nanometres(value, _value(unit))


def first_plane_facts(plane: NDArray[np.generic], *, lossy: bool = False) -> dict[str, Any]:
    """Digest, shape and range of the plane T=0, C=0, Z=0 of the first series.

    Parameters
    ----------
    plane
        The plane as stored (``(y, x)``, or ``(y, x, samples)`` for RGB).
    lossy
        The plane is stored with lossy compression: ``plane`` must then be the decoded pixels,
        and the digest holds for decoders that decode bit-exactly like imagecodecs.

    Returns
    -------
    dict
        ``sha256`` of the little-endian C-order bytes, ``shape``, ``dtype``, ``min``, ``max``
        and ``index``.
    """
    data = np.ascontiguousarray(plane)
    data = data.astype(data.dtype.newbyteorder("<"), copy=False)
    return {
        "sha256": hashlib.sha256(data.tobytes()).hexdigest(),
        "shape": list(data.shape),
        "dtype": str(data.dtype),
        "min": data.min().item(),
        "max": data.max().item(),
        "index": "T=0,C=0,Z=0 of the first series, full resolution"
        + (", as decoded (JPEG)" if lossy else ""),
    }


def series_facts(
    image: ome.Image,
    document: ome.OME,
    levels: list[tuple[int, ...]],
) -> dict[str, Any]:
    """The key facts of one OME image, as ingest should capture them.

    Parameters
    ----------
    image
        The image.
    document
        The OME document holding it (for its instrument and experimenter).
    levels
        Shapes of the stored resolution levels, full resolution first.

    Returns
    -------
    dict
        The facts (see the module documentation).
    """
    pixels = image.pixels
    samples = pixels.channels[0].samples_per_pixel or 1 if pixels.channels else 1
    sizes = {
        "T": pixels.size_t,
        "C": pixels.size_c,
        "Z": pixels.size_z,
        "Y": pixels.size_y,
        "X": pixels.size_x,
    }
    if samples > 1:
        sizes = {**sizes, "C": pixels.size_c // samples, "S": samples}
    channels = [_channel_facts(pixels, c, document) for c in range(len(pixels.channels))]
    facts: dict[str, Any] = {
        "name": image.name,
        "description": image.description,
        "sizes": sizes,
        "dtype": _value(pixels.type),
        "significant_bits": pixels.significant_bits,
        "physical_pixel_size": {
            "x": _length_um(pixels.physical_size_x, pixels.physical_size_x_unit),
            "y": _length_um(pixels.physical_size_y, pixels.physical_size_y_unit),
            "z": _length_um(pixels.physical_size_z, pixels.physical_size_z_unit),
            "unit": "µm",
        },
        "channel_names": [channel["name"] for channel in channels],
        "channel_wavelengths_nm": [
            [channel["excitation_nm"], channel["emission_nm"]] for channel in channels
        ],
        "acquisition_date": image.acquisition_date.isoformat() if image.acquisition_date else None,
        "acquisition_mode": channels[0]["acquisition_mode"] if channels else None,
        "channels": channels,
    }
    first = channels[0] if channels else {}
    for key in ("fluor", "excitation_nm", "emission_nm"):
        if first.get(key) is not None:
            facts[key] = first[key]
    if pixels.time_increment is not None:
        facts["time_increment_s"] = _seconds(pixels.time_increment, pixels.time_increment_unit)
    if len(levels) > 1:
        facts["resolution_levels"] = [list(shape) for shape in levels]
    facts.update(_acquisition_facts(image, document))
    return facts


def _acquisition_facts(image: ome.Image, document: ome.OME) -> dict[str, Any]:
    instrument = document.instruments[0] if document.instruments else None
    facts: dict[str, Any] = {"instrument": None, "objective": None}
    if instrument is not None and instrument.microscope is not None:
        scope = instrument.microscope
        facts["instrument"] = {
            "manufacturer": scope.manufacturer,
            "model": scope.model,
            "serial_number": scope.serial_number,
            "type": _value(scope.type),
        }
    if instrument is not None and image.objective_settings is not None:
        objective = find_part(instrument, image.objective_settings.id)
        assert isinstance(objective, ome.Objective)
        facts["objective"] = {
            "manufacturer": objective.manufacturer,
            "model": objective.model,
            "serial_number": objective.serial_number,
            "nominal_magnification": objective.nominal_magnification,
            "lens_na": objective.lens_na,
            "immersion": _value(objective.immersion),
            "correction": _value(objective.correction),
            "working_distance": _length_um(
                objective.working_distance, objective.working_distance_unit
            ),
        }
        facts["immersion_refractive_index"] = image.objective_settings.refractive_index
    planes = image.pixels.planes
    if planes and planes[0].position_x is not None:
        plane = planes[0]
        facts["stage_position"] = {
            "x": _position_um(plane.position_x, plane.position_x_unit),
            "y": _position_um(plane.position_y, plane.position_y_unit),
            "z": _position_um(plane.position_z, plane.position_z_unit),
        }
    environment = image.imaging_environment
    if environment is not None:
        facts["temperature_c"] = environment.temperature
        # OME stores CO2 as a fraction (0..1); the imagesteward model uses percent.
        facts["co2_percent"] = (
            None if environment.co2_percent is None else round(environment.co2_percent * 100, 6)
        )
    if image.experimenter_ref is not None:
        for person in document.experimenters:
            if person.id == image.experimenter_ref.id:
                facts["operator"] = f"{person.first_name} {person.last_name}"
    return facts


def _channel_facts(pixels: ome.Pixels, index: int, document: ome.OME) -> dict[str, Any]:
    channel = pixels.channels[index]
    instrument = document.instruments[0] if document.instruments else None
    planes = [plane for plane in pixels.planes if plane.the_c == index]
    exposure = (
        _seconds(planes[0].exposure_time, planes[0].exposure_time_unit)
        if planes and planes[0].exposure_time is not None
        else None
    )
    facts: dict[str, Any] = {
        "name": channel.name,
        "fluor": channel.fluor,
        "excitation_nm": _nm(channel.excitation_wavelength, channel.excitation_wavelength_unit),
        "emission_nm": _nm(channel.emission_wavelength, channel.emission_wavelength_unit),
        "illumination_type": _value(channel.illumination_type),
        "contrast_method": _value(channel.contrast_method),
        "acquisition_mode": _value(channel.acquisition_mode),
        "pinhole_size_um": _length_um(channel.pinhole_size, channel.pinhole_size_unit),
        "exposure_time_s": exposure,
        "light_source": None,
        "detector": None,
        "filter_set": None,
    }
    if instrument is None:
        return facts
    settings = channel.light_source_settings
    if settings is not None:
        source = find_part(instrument, settings.id)
        facts["light_source"] = {
            "kind": type(source).__name__,
            "manufacturer": getattr(source, "manufacturer", None),
            "model": getattr(source, "model", None),
            "serial_number": getattr(source, "serial_number", None),
            "wavelength_nm": _nm(settings.wavelength, settings.wavelength_unit)
            if settings.wavelength is not None
            else _nm(getattr(source, "wavelength", None), getattr(source, "wavelength_unit", "nm")),
            "power_mw": getattr(source, "power", None),
            # OME stores the attenuation as a fraction (0..1); the model uses percent.
            "attenuation_percent": None
            if settings.attenuation is None
            else round(settings.attenuation * 100, 6),
        }
    detector_settings = channel.detector_settings
    if detector_settings is not None:
        detector = find_part(instrument, detector_settings.id)
        assert isinstance(detector, ome.Detector)
        facts["detector"] = {
            "type": _value(detector.type),
            "manufacturer": detector.manufacturer,
            "model": detector.model,
            "serial_number": detector.serial_number,
            "gain": detector_settings.gain,
            "offset": detector_settings.offset,
            "binning": _value(detector_settings.binning),
            "zoom": detector_settings.zoom,
        }
    if channel.filter_set_ref is not None:
        facts["filter_set"] = _filter_set_facts(instrument, channel.filter_set_ref.id)
    return facts


def _filter_set_facts(instrument: ome.Instrument, id_: str) -> dict[str, Any]:
    cube = find_part(instrument, id_)
    assert isinstance(cube, ome.FilterSet)

    def band(ref: ome.FilterRef) -> dict[str, Any]:
        item = find_part(instrument, ref.id)
        assert isinstance(item, ome.Filter)
        window = item.transmittance_range
        return {
            "model": item.model,
            "type": _value(item.type),
            "cut_in_nm": None if window is None else _nm(window.cut_in, window.cut_in_unit),
            "cut_out_nm": None if window is None else _nm(window.cut_out, window.cut_out_unit),
        }

    dichroic = find_part(instrument, cube.dichroic_ref.id) if cube.dichroic_ref else None
    return {
        "manufacturer": cube.manufacturer,
        "model": cube.model,
        "excitation_filters": [band(ref) for ref in cube.excitation_filters],
        "dichroic": None if dichroic is None else {"model": getattr(dichroic, "model", None)},
        "emission_filters": [band(ref) for ref in cube.emission_filters],
    }
