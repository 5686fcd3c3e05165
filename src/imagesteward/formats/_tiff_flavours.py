"""Metadata of the non-OME TIFF flavours: ImageJ, Aperio SVS, Zeiss LSM, MetaMorph STK.

tifffile parses each flavour's private structures; this module decides what they mean. The
golden rule: TIFF ``XResolution``/``YResolution`` are *print* resolution and never a pixel size,
unless the flavour says they are calibrated (ImageJ with a length ``unit``). Every flavour
function fills a prepared :class:`~imagesteward.model.Image` and appends its decisions to
``notes``.
"""

from __future__ import annotations

import itertools
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import tifffile
from tifffile.tifffile import svs_description_metadata

from imagesteward.model import (
    Correction,
    Image,
    ImageAcquisition,
    Immersion,
    Microscope,
    Objective,
    Person,
    PhysicalQuantity,
    StagePosition,
    length_to_micrometres,
    time_to_seconds,
)

__all__ = ["describe", "flavour_of", "parse_objective_name", "resolution_tags"]

#: tifffile series kind -> file_format of the records.
FILE_FORMATS = {"imagej": "imagej-tiff", "svs": "svs", "lsm": "lsm", "stk": "stk"}
_UNCALIBRATED = {"", "pixel", "pixels", "px"}


def flavour_of(tif: tifffile.TiffFile) -> str:
    """The flavour whose metadata shaped tifffile's series (``tiff`` when none did)."""
    kind = tif.series[0].kind if len(tif.series) else "generic"
    return kind if kind in FILE_FORMATS else "tiff"


def describe(
    tif: tifffile.TiffFile, flavour: str, series: Any, image: Image, notes: list[str]
) -> None:
    """Fill ``image`` (series ``image.series_index``) from the flavour's metadata."""
    handlers = {"imagej": _imagej, "svs": _svs, "lsm": _lsm, "stk": _stk}
    handler = handlers.get(flavour, _plain)
    handler(tif, series, image, notes)
    if flavour != "imagej":
        tags = resolution_tags(tif.pages.first)
        if tags:
            notes.append(
                f"TIFF resolution tags ({tags}) are print resolution, not a pixel size; ignored"
            )


def resolution_tags(page: Any) -> str:
    """The resolution tags as text for notes ('' when absent)."""
    parts = []
    for name in ("XResolution", "YResolution", "ResolutionUnit"):
        tag = page.tags.get(name)
        if tag is not None:
            value = tag.value
            if isinstance(value, tuple) and len(value) == 2:
                value = f"{value[0]}/{value[1]}"
            elif hasattr(value, "name"):
                value = value.name
            parts.append(f"{name}={value}")
    return ", ".join(parts)


def _acquisition(image: Image) -> ImageAcquisition:
    if image.acquisition is None:
        image.acquisition = ImageAcquisition()
    return image.acquisition


def _stored(dim: str, value: float, unit: str) -> PhysicalQuantity:
    return PhysicalQuantity(axis_name=dim.lower(), value=float(f"{value:.12g}"), unit=unit)


# ---------------------------------------------------------------------- ImageJ
def _imagej(tif: tifffile.TiffFile, series: Any, image: Image, notes: list[str]) -> None:
    meta: dict[str, Any] = tif.imagej_metadata or {}
    page = tif.pages.first
    writer = next((f"{k} {meta[k]}" for k in ("ImageJ", "SCIFIO") if k in meta), "ImageJ")
    notes.append(f"ImageJ-style metadata ({writer})")
    unit = str(meta.get("unit", "")).strip()
    if unit.lower() in _UNCALIBRATED:
        said = f"unit={unit!r}" if unit else "no unit"
        notes.append(
            f"ImageJ header has {said}: the image is uncalibrated; resolution tags "
            f"({resolution_tags(page) or 'none'}) ignored"
        )
    else:
        units = {"X": unit, "Y": str(meta.get("yunit", unit)), "Z": str(meta.get("zunit", unit))}
        stored: list[PhysicalQuantity] = []
        for dim, tag in (("X", "XResolution"), ("Y", "YResolution")):
            size = _per_pixel(page.tags.get(tag))
            if size is None:
                notes.append(f"ImageJ {tag} is missing or zero: no pixel size along {dim}")
                continue
            _set_size(image, dim, size, units[dim], stored=stored, notes=notes, source=f"1/{tag}")
        spacing = meta.get("spacing")
        if isinstance(spacing, int | float) and spacing > 0:
            _set_size(
                image, "Z", float(spacing), units["Z"], stored=stored, notes=notes, source="spacing"
            )
        image.physical_sizes_as_stored = stored or None
    interval = meta.get("finterval")
    if isinstance(interval, int | float) and interval > 0:
        tunit = str(meta.get("tunit", "sec"))
        image.time_increment = time_to_seconds(float(interval), tunit)
        if image.time_increment is None:
            notes.append(f"ImageJ finterval {interval} {tunit!r}: unknown time unit; ignored")
        elif image.size_t == 1:
            notes.append(
                f"ImageJ finterval {interval} {tunit} kept although there is one time point"
            )
    luts = meta.get("LUTs")
    if isinstance(luts, list) and image.channels and len(luts) == len(image.channels):
        for channel, lut in zip(image.channels, luts, strict=True):
            red, green, blue = (int(v) for v in lut[:, -1])
            channel.color = f"#{red:02X}{green:02X}{blue:02X}"
        notes.append("channel colours from the ImageJ LUTs (their brightest entry)")
    if meta.get("Labels"):
        notes.append(
            "ImageJ slice labels are per-plane captions, not channel names; kept in the "
            "original metadata only"
        )


def _per_pixel(tag: Any) -> float | None:
    """Units per pixel from an ImageJ resolution tag (pixels per unit); None for zero."""
    if tag is None:
        return None
    value = tag.value
    numerator, denominator = value if isinstance(value, tuple) else (value, 1)
    if not numerator or not denominator:
        return None
    return float(denominator) / float(numerator)


def _set_size(
    image: Image,
    dim: str,
    value: float,
    unit: str,
    *,
    stored: list[PhysicalQuantity],
    notes: list[str],
    source: str,
) -> None:
    converted = length_to_micrometres(value, unit)
    if converted is None:
        notes.append(f"{source} {value:.6g} {unit!r}: not a length unit; no size along {dim}")
        return
    setattr(image, f"physical_size_{dim.lower()}", converted)
    if length_to_micrometres(1.0, unit) != 1.0:
        stored.append(_stored(dim, value, unit))
        notes.append(
            f"{dim} pixel size {value:.6g} {unit} ({source}) converted to {converted:.6g} µm"
        )


# ---------------------------------------------------------------------- Aperio SVS
def _svs(tif: tifffile.TiffFile, series: Any, image: Image, notes: list[str]) -> None:
    role = str(series.name or "image")
    image.description = f"SVS {role.lower()} image"
    try:
        meta: dict[str, Any] = svs_description_metadata(tif.pages.first.description)
    except ValueError as exc:
        notes.append(f"Aperio description cannot be parsed ({exc})")
        return
    header = str(meta.get("Header", "")).splitlines()
    if header:
        notes.append(f"written by {header[0].strip()}")
    if role != "Baseline":
        notes.append(f"the SVS {role.lower()} image carries no calibration of its own")
        return
    mpp = meta.get("MPP")
    if isinstance(mpp, int | float) and mpp > 0:
        image.physical_size_x = image.physical_size_y = float(mpp)
        notes.append(f"pixel size from the Aperio description: MPP = {mpp} µm per pixel")
    acquisition = _acquisition(image)
    magnification = meta.get("AppMag")
    if isinstance(magnification, int | float) and magnification > 0:
        acquisition.objective = Objective(nominal_magnification=float(magnification))
        notes.append(f"objective magnification from AppMag = {magnification}")
    scanner = meta.get("ScanScope ID")
    if scanner:
        acquisition.microscope = Microscope(
            manufacturer="Aperio", model="ScanScope", instrument_name=str(scanner)
        )
        notes.append(
            f"microscope: an Aperio ScanScope (the description's 'ScanScope ID = "
            f"{scanner}' is kept as the instrument name)"
        )
    _svs_date(meta, acquisition, notes)


def _svs_date(meta: dict[str, Any], acquisition: ImageAcquisition, notes: list[str]) -> None:
    date, time = meta.get("Date"), meta.get("Time")
    if not date:
        return
    written = f"{date} {time}" if time else str(date)
    try:
        when = datetime.strptime(written, "%m/%d/%y %H:%M:%S" if time else "%m/%d/%y")
    except ValueError:
        notes.append(f"Aperio Date/Time {written!r} not understood; no acquisition date")
        return
    acquisition.acquisition_date_as_written = written
    zone = re.fullmatch(r"GMT([+-])(\d{1,2}):?(\d{2})", str(meta.get("Time Zone", "")).strip())
    if zone:
        sign = 1 if zone.group(1) == "+" else -1
        offset = timedelta(hours=int(zone.group(2)), minutes=int(zone.group(3))) * sign
        acquisition.acquisition_date = when.replace(tzinfo=timezone(offset)).astimezone(UTC)
        acquisition.timezone_known = True
    else:
        acquisition.acquisition_date = when
        acquisition.timezone_known = False
        notes.append("Aperio Date/Time carry no time zone: kept as local wall-clock time")


# ---------------------------------------------------------------------- Zeiss LSM
def _lsm(tif: tifffile.TiffFile, series: Any, image: Image, notes: list[str]) -> None:
    info: dict[str, Any] = tif.lsm_metadata or {}
    stored: list[PhysicalQuantity] = []
    for dim in ("X", "Y", "Z"):
        value = info.get(f"VoxelSize{dim}")
        if not isinstance(value, int | float) or value <= 0:
            continue
        if dim == "Z" and image.size_z < 2:
            notes.append(f"LSM VoxelSizeZ {value} m ignored: a single plane has no Z step")
            continue
        setattr(image, f"physical_size_{dim.lower()}", length_to_micrometres(value, "m"))
        stored.append(_stored(dim, value, "m"))
    if stored:
        notes.append("LSM voxel sizes are stored in metres; converted to µm")
    image.physical_sizes_as_stored = stored or None
    interval = info.get("TimeIntervall")
    stamps = info.get("TimeStamps")
    if isinstance(interval, int | float) and interval > 0:
        image.time_increment = float(interval)
    elif stamps is not None and len(stamps) > 1 and image.size_t > 1:
        steps = [float(b - a) for a, b in itertools.pairwise(stamps)]
        image.time_increment = float(f"{sum(steps) / len(steps):.12g}")
        notes.append("time increment is the mean step of the LSM time stamps")
    channels = image.channels or []
    colours = info.get("ChannelColors") or {}
    names = colours.get("ColorNames") or []
    rgba = colours.get("Colors") or []
    if len(names) == len(channels):
        for channel, name in zip(channels, names, strict=True):
            channel.name = str(name).strip() or None
    if len(rgba) == len(channels):
        for channel, colour in zip(channels, rgba, strict=True):
            channel.color = "#{:02X}{:02X}{:02X}".format(*(int(v) for v in colour[:3]))
    scan: dict[str, Any] = info.get("ScanInformation") or {}
    acquisition = _acquisition(image)
    acquisition.microscope = Microscope(manufacturer="Zeiss")
    notes.append("LSM is a Zeiss confocal format: microscope manufacturer Zeiss")
    if scan.get("Name"):
        image.name = str(scan["Name"])
    if scan.get("User"):
        acquisition.operator = Person(name=str(scan["User"]))
    objective = parse_objective_name(str(scan.get("Objective") or ""), notes)
    if objective is not None:
        acquisition.objective = objective
    zoom = scan.get("ZoomX")
    if isinstance(zoom, int | float) and zoom > 0:
        for channel in channels:
            channel.zoom = float(zoom)
    _lsm_tracks(scan, image, notes)


def _lsm_tracks(scan: dict[str, Any], image: Image, notes: list[str]) -> None:
    """Pinhole, gain and laser line per channel, when the acquired tracks match the channels."""
    channels = image.channels or []
    acquired: list[tuple[dict[str, Any], float | None]] = []
    for track in scan.get("Tracks") or []:
        if not isinstance(track, dict):
            continue
        lasers = [
            ill.get("Wavelength")
            for ill in track.get("IlluminationChannels") or []
            if isinstance(ill, dict) and ill.get("Acquire", ill.get("Aquire"))
        ]
        line = lasers[0] if len(lasers) == 1 and isinstance(lasers[0], int | float) else None
        acquired.extend(
            (det, line)
            for det in track.get("DetectionChannels") or []
            if isinstance(det, dict) and det.get("Acquire")
        )
    if not acquired:
        return
    if len(acquired) != len(channels):
        notes.append(
            f"LSM scan information lists {len(acquired)} acquired detection channels "
            f"for {len(channels)} image channels; channel settings not assigned"
        )
        return
    for channel, (detector, line) in zip(channels, acquired, strict=True):
        pinhole = detector.get("PinholeDiameter")
        if isinstance(pinhole, int | float) and pinhole > 0:
            channel.pinhole_size = float(pinhole)
        gain = detector.get("DetectorGainFirst", detector.get("DetectorGain"))
        if isinstance(gain, int | float):
            channel.detector_gain = float(gain)
        if line is not None and line > 0:
            channel.excitation_wavelength = float(line)
    notes.append("LSM channel settings (pinhole, gain, laser line) from the acquired tracks")


_CORRECTIONS = (
    ("plan-apochromat", Correction.PlanApo),
    ("plan-neofluar", Correction.PlanNeofluar),
    ("c-apochromat", Correction.Apo),
    ("apochromat", Correction.Apo),
    ("neofluar", Correction.Neofluar),
    ("fluar", Correction.Fluar),
    ("achroplan", Correction.Achromat),
    ("achromat", Correction.Achromat),
)
_IMMERSIONS = (
    (r"\boil\b", Immersion.Oil),
    (r"\bglyc", Immersion.Glycerol),
    (r"\bsil", Immersion.Silicone),
    (r"\bimm\b|\bmulti", Immersion.Multi),
    (r"\bw\b|\bwater\b", Immersion.Water),
    (r"\bair\b|\bdry\b", Immersion.Air),
)


def parse_objective_name(name: str, notes: list[str]) -> Objective | None:
    """An objective from its engraved name, e.g. ``Plan-Apochromat 63x/1.40 Oil DIC M27``."""
    name = name.strip()
    if not name:
        return None
    objective = Objective(model=name)
    found = re.search(r"(\d+(?:[.,]\d+)?)\s*x\s*/\s*(\d+(?:[.,]\d+)?)", name, re.IGNORECASE)
    if found:
        objective.nominal_magnification = float(found.group(1).replace(",", "."))
        aperture = float(found.group(2).replace(",", "."))
        if 0 < aperture <= 2:
            objective.lens_na = aperture
    lower = name.lower()
    objective.correction = next((c for key, c in _CORRECTIONS if key in lower), None)
    objective.immersion = next((i for key, i in _IMMERSIONS if re.search(key, lower)), None)
    notes.append(f"objective parsed from its name {name!r}")
    return objective


# ---------------------------------------------------------------------- MetaMorph STK
def _stk(tif: tifffile.TiffFile, series: Any, image: Image, notes: list[str]) -> None:
    meta: dict[str, Any] = tif.stk_metadata or {}
    if meta.get("Name"):
        image.name = str(meta["Name"])
    units = str(meta.get("CalibrationUnits") or "").strip()
    length_unit = units if length_to_micrometres(1.0, units) is not None else None
    stored: list[PhysicalQuantity] = []
    if meta.get("SpatialCalibration") and length_unit:
        for dim in ("X", "Y"):
            value = meta.get(f"{dim}Calibration")
            if isinstance(value, int | float) and value > 0:
                _set_size(
                    image,
                    dim,
                    float(value),
                    length_unit,
                    stored=stored,
                    notes=notes,
                    source=f"MetaMorph {dim}Calibration",
                )
    elif meta.get("SpatialCalibration"):
        notes.append(f"MetaMorph calibration unit {units!r} is not a length; no pixel size")
    else:
        notes.append("MetaMorph SpatialCalibration is off: the image is uncalibrated")
    distances = meta.get("ZDistance")
    if image.size_z > 1 and distances is not None and len(distances) > 1:
        steps = [float(d) for d in distances[1:] if math.isfinite(float(d)) and float(d) > 0]
        if steps:
            z_unit = length_unit or "µm"
            mean = sum(steps) / len(steps)
            _set_size(
                image, "Z", mean, z_unit, stored=stored, notes=notes, source="MetaMorph ZDistance"
            )
            if not length_unit:
                notes.append("MetaMorph ZDistance taken in µm (no calibration unit given)")
            if max(steps) - min(steps) > 1e-6 * mean:
                notes.append("MetaMorph Z distances vary; the mean step is kept")
    image.physical_sizes_as_stored = stored or None
    _stk_channel(meta, image, notes)
    _stk_times(meta, image, notes)


def _stk_channel(meta: dict[str, Any], image: Image, notes: list[str]) -> None:
    wavelengths = meta.get("Wavelengths")
    channels = image.channels or []
    if wavelengths is not None and len(channels) == 1:
        values = {float(w) for w in wavelengths if math.isfinite(float(w)) and float(w) > 0}
        if len(values) == 1:
            channels[0].excitation_wavelength = values.pop()
            notes.append("excitation wavelength from the MetaMorph plane wavelengths")
        elif values:
            notes.append(f"MetaMorph planes have differing wavelengths {sorted(values)}; none kept")
    binning = meta.get("CameraBin")
    if isinstance(binning, tuple | list) and len(binning) == 2 and all(binning):
        for channel in channels:
            channel.binning = f"{int(binning[0])}x{int(binning[1])}"
    positions = meta.get("StagePosition")
    if positions is not None and len(positions):
        first = positions[0]
        x, y = (float(v) for v in first[:2])
        if math.isfinite(x) and math.isfinite(y):
            _acquisition(image).stage_position = StagePosition(position_x=x, position_y=y)
            notes.append("stage position of the first plane from MetaMorph, taken in µm")


def _stk_times(meta: dict[str, Any], image: Image, notes: list[str]) -> None:
    created = meta.get("DatetimeCreated")
    if created is None or not len(created):
        return
    first = created[0]
    if np.isnat(first):
        return
    stamp = first.astype("datetime64[us]").item()
    if isinstance(stamp, datetime):
        acquisition = _acquisition(image)
        acquisition.acquisition_date = stamp
        acquisition.acquisition_date_as_written = stamp.isoformat()
        acquisition.timezone_known = False
        notes.append(
            "acquisition date is the first plane's MetaMorph creation time (local "
            "time, zone unknown)"
        )
    if image.size_t > 1 and len(created) == image.size_t:
        seconds = (created - created[0]) / np.timedelta64(1, "s")
        steps = np.diff(seconds.astype(float))
        if len(steps) and float(steps.mean()) > 0:
            image.time_increment = float(f"{float(steps.mean()):.12g}")
            notes.append("time increment is the mean step of the MetaMorph plane times")


# ---------------------------------------------------------------------- plain TIFF
def _plain(tif: tifffile.TiffFile, series: Any, image: Image, notes: list[str]) -> None:
    page = tif.pages.first
    software = page.tags.get("Software")
    if software is not None:
        notes.append(f"written by {str(software.value).strip()} (TIFF Software tag)")
    for name in ("Make", "Model"):
        tag = page.tags.get(name)
        if tag is not None:
            notes.append(f"TIFF {name} tag: {str(tag.value).strip()}")
    stamp = page.tags.get("DateTime")
    if stamp is not None:
        written = str(stamp.value).strip()
        try:
            when = datetime.strptime(written, "%Y:%m:%d %H:%M:%S")
        except ValueError:
            notes.append(f"TIFF DateTime {written!r} not understood; no acquisition date")
        else:
            acquisition = _acquisition(image)
            acquisition.acquisition_date = when
            acquisition.acquisition_date_as_written = written
            acquisition.timezone_known = False
            notes.append(
                "acquisition date from the TIFF DateTime tag (when the file was "
                "written; zone unknown)"
            )
    if series.kind not in ("generic", "uniform", "shaped"):
        notes.append(
            f"tifffile reads this file as {series.kind!r}; only its pixels and basic "
            "tags are described"
        )
