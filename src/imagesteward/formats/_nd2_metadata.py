"""ND2 metadata: what the nd2 library exposes, mapped onto the imagesteward model.

NIS-Elements writes the same facts in several places that disagree. The rules used here:

* The acquisition date: ``text_info['date']`` is local wall-clock time; the global Julian-day
  timestamp is an absolute instant. When both agree up to a whole time-zone offset, the date is
  the text date converted to UTC (the Julian day fixes the zone); otherwise the Julian day alone.
* A Z step is only a measurement when the experiment has a Z loop; otherwise nd2 reports its
  1.0 µm default, which is dropped.
* Transmitted-light channels (DIC, brightfield, phase: from the optical configuration or the
  channel name) get no excitation or emission wavelength: nd2 reports the fluorescence state of
  the instrument for them.
* Excitation: when the plane's text description shows exactly one active laser line, that line
  is the excitation wavelength, even where nd2's filter-path value differs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from imagesteward.model import Detector, LightSource, Objective

__all__ = [
    "PlaneText",
    "acquisition_date",
    "camera_detector",
    "jdn_to_utc",
    "laser_source",
    "objective_correction",
    "parse_plane_texts",
    "plain_objective",
    "transmitted_contrast",
]

_JDN_UNIX_EPOCH = 2440587.5
_DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%d/%m/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%d-%m-%Y %H:%M:%S",
)
_LINE = re.compile(r"Line:\s*(\d+);\s*ExW:\s*([\d.]+);\s*Power:\s*([\d.]+);\s*(On|Off)", re.I)
_DEVICE = re.compile(r"^\s*([^,]+),\s*MultiLaser\(([^)]*)\):\s*$")


def jdn_to_utc(jdn: float) -> datetime | None:
    """A Julian day number as an aware UTC datetime; ``None`` for the invalid values nd2 writes."""
    if not math.isfinite(jdn) or jdn < 2_000_000:
        return None
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=jdn - _JDN_UNIX_EPOCH)
    except OverflowError:
        return None


def acquisition_date(
    text: str | None, start_jdn: float | None, notes: list[str]
) -> tuple[datetime | None, bool | None]:
    """The acquisition start, and whether it is an absolute instant (see module rules)."""
    absolute = jdn_to_utc(start_jdn) if start_jdn is not None else None
    candidates: list[datetime] = []
    if text:
        collapsed = " ".join(text.split())
        for pattern in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(collapsed, pattern)
            except ValueError:
                continue
            if parsed not in candidates:
                candidates.append(parsed)
    if absolute is not None:
        for local in candidates:
            offset = local - absolute.replace(tzinfo=None)
            quarters = round(offset.total_seconds() / 900)
            residue = abs(offset.total_seconds() - quarters * 900)
            if abs(quarters) <= 14 * 4 and residue <= 2.0:
                zone = timedelta(seconds=quarters * 900)
                hours, rest = divmod(abs(quarters) * 15, 60)
                sign = "+" if quarters >= 0 else "-"
                notes.append(
                    f"acquisition date: text date {text!r} is local wall-clock time; the "
                    f"absolute start time {absolute.isoformat()} puts it at UTC{sign}{hours:02d}:"
                    f"{rest:02d}; stored as UTC"
                )
                return (local - zone).replace(tzinfo=UTC), True
        notes.append(
            "acquisition date from the absolute (Julian day) start time"
            + (f"; the text date {text!r} does not match it and is ignored" if candidates else "")
        )
        return absolute, True
    if candidates:
        if len(candidates) > 1:
            notes.append(f"text date {text!r} is ambiguous (day/month order); read as month/day")
        notes.append("acquisition date is local wall-clock time of unknown zone")
        return candidates[0], False
    return None, None


@dataclass
class PlaneText:
    """What the text description says about one plane (channel)."""

    lasers: list[tuple[str, float, float]]  # (device, wavelength nm, power %), active lines only
    binning: str | None = None
    exposure_ms: float | None = None
    observation: str | None = None


def parse_plane_texts(description: str | None) -> list[PlaneText]:
    """Split ``text_info['description']`` into its ``Plane #n`` sections."""
    if not description:
        return []
    sections = re.split(r"^Plane #\d+:\s*$", description.replace("\r\n", "\n"), flags=re.M)[1:]
    planes = []
    for section in sections:
        lasers: list[tuple[str, float, float]] = []
        device = ""
        for line in section.split("\n"):
            head = _DEVICE.match(line)
            if head:
                device = head.group(2).strip() or head.group(1).strip()
                continue
            match = _LINE.search(line)
            if match and match.group(4).lower() == "on":
                lasers.append((device, float(match.group(2)), float(match.group(3))))
        binning = re.search(r"Binning:\s*(\d+)\s*x\s*(\d+)", section)
        exposure = re.search(r"Exposure:\s*([\d.]+)\s*ms", section)
        observation = re.search(r"Observation Mode:\s*(\w+)", section)
        planes.append(
            PlaneText(
                lasers=lasers,
                binning=f"{binning.group(1)}x{binning.group(2)}" if binning else None,
                exposure_ms=float(exposure.group(1)) if exposure else None,
                observation=observation.group(1) if observation else None,
            )
        )
    return planes


def transmitted_contrast(name: str | None, optical_config: str | None) -> str | None:
    """``DIC``/``Brightfield``/``Phase`` when the channel is transmitted light, else None."""
    words = " ".join(filter(None, [name, (optical_config or "").rsplit(":", 1)[-1]])).lower()
    if re.search(r"\bdic\b", words):
        return "DIC"
    if re.search(r"\b(brightfield|bright field|bf|tl|trans)\b", words):
        return "Brightfield"
    if re.search(r"\b(phase|ph\d)\b", words):
        return "Phase"
    return None


def objective_correction(name: str | None) -> str | None:
    """OME correction class named in a Nikon objective name (``Plan Apo λ 20x`` -> PlanApo)."""
    if not name:
        return None
    lowered = name.lower()
    for pattern, correction in (
        ("plan apo", "PlanApo"),
        ("plan fluor", "PlanFluor"),
        ("s fluor", "SuperFluor"),
        ("apo", "Apo"),
        ("fluor", "Fluor"),
    ):
        if pattern in lowered:
            return correction
    return None


def camera_detector(camera: dict[str, Any]) -> tuple[Detector | None, str | None]:
    """The camera of a ``SampleSetting`` as a Detector, and its binning."""
    family = camera.get("CameraFamilyName") or None
    unique = camera.get("CameraUniqueName") or ""
    serial_match = re.search(r"SN:\s*(\S+)", unique)
    manufacturer = None
    if family and family in unique:
        manufacturer = unique.split(family, 1)[0].strip() or None
    desc = camera.get("FormatQuality", {}).get("Desc", {})
    bx, by = desc.get("BinningX"), desc.get("BinningY")
    binning = None
    if isinstance(bx, int | float) and isinstance(by, int | float) and bx > 0 and by > 0:
        binning = f"{int(bx)}x{int(by)}"
    if not (family or unique):
        return None, binning
    return (
        Detector(
            manufacturer=manufacturer,
            model=family or unique or None,
            serial_number=serial_match.group(1) if serial_match else None,
        ),
        binning,
    )


def laser_source(device: str, wavelength: float) -> LightSource:
    """A laser line of a multi-laser unit."""
    return LightSource(light_source_kind="Laser", model=device or None, wavelength=wavelength)


def plain_objective(
    name: str | None, magnification: float | None, na: float | None
) -> Objective | None:
    """The objective as ND2 describes it (name, magnification, NA)."""
    if not (name or magnification or na):
        return None
    return Objective(
        model=name,
        nominal_magnification=magnification if magnification and magnification > 0 else None,
        lens_na=na if na and na > 0 else None,
        correction=objective_correction(name),
    )
