"""LIF metadata: one image's ``<Element>`` of the LAS X XML mapped onto the imagesteward model.

Sources, in order of trust: ``ImageDescription`` (dimensions, lengths, channels), the image's
``TimeStampList`` (Windows FILETIME values: absolute UTC instants), and the
``HardwareSetting`` attachment's ``ATLConfocalSettingDefinition`` / ``ATLCameraSettingDefinition``
(instrument state when the image was recorded: objective, lasers, detectors, pinhole).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from imagesteward.model import (
    Channel,
    Detector,
    LightSource,
    Microscope,
    Objective,
    PhysicalQuantity,
    Software,
    StagePosition,
    length_to_micrometres,
    time_to_seconds,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["LifImageMetadata"]

_DIM_CODES = {
    1: "X",
    2: "Y",
    3: "Z",
    4: "T",
    5: "λ",
    6: "A",
    7: "N",
    8: "Q",
    9: "Λ",
    10: "M",
    11: "L",
}
_LUT_COLOURS = {
    "red": "#FF0000",
    "green": "#00FF00",
    "blue": "#0000FF",
    "cyan": "#00FFFF",
    "magenta": "#FF00FF",
    "yellow": "#FFFF00",
    "gray": "#FFFFFF",
    "grey": "#FFFFFF",
}
_IMMERSION = {"oil": "Oil", "glyc": "Glycerol", "water": "Water", "dry": "Air", "air": "Air"}
_DETECTORS = {"hyd": "HybridPhotodetector", "pmt": "PMT", "apd": "APD", "ccd": "CCD"}
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _tidy(value: float) -> float:
    return float(f"{value:.12g}")


def filetime_to_utc(text: str) -> datetime | None:
    """A LIF time stamp (hexadecimal Windows FILETIME, 100 ns ticks since 1601) in UTC."""
    try:
        ticks = int(text, 16)
    except ValueError:
        return None
    if ticks <= 0:
        return None
    try:
        return _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None


class LifImageMetadata:
    """Metadata of one LIF image, from its ``<Element>`` in the container XML."""

    def __init__(self, element: Element, notes: list[str]) -> None:
        self.element = element
        self.notes = notes
        self.image = element.find("Data/Image")
        self.description = self.image.find("ImageDescription") if self.image is not None else None
        self.confocal = None
        self.camera = None
        self.hardware = None
        if self.image is not None:
            for attachment in self.image.findall("Attachment"):
                if attachment.get("Name") == "HardwareSetting":
                    self.hardware = attachment
                    self.confocal = attachment.find("ATLConfocalSettingDefinition")
                    self.camera = attachment.find("ATLCameraSettingDefinition")
                    break
        self.settings = self.confocal if self.confocal is not None else self.camera

    # ------------------------------------------------------------------ dimensions
    def dimensions(self) -> dict[str, tuple[int, float | None, str | None]]:
        """Per axis code: (number of elements, length, unit)."""
        found: dict[str, tuple[int, float | None, str | None]] = {}
        if self.description is None:
            return found
        for dim in self.description.findall("Dimensions/DimensionDescription"):
            try:
                code = _DIM_CODES.get(int(dim.get("DimID", "0")), "?")
                count = int(dim.get("NumberOfElements", "0"))
            except ValueError:
                continue
            found[code] = (count, _float(dim.get("Length")), dim.get("Unit"))
        return found

    def pixel_sizes(self) -> tuple[dict[str, float | None], list[PhysicalQuantity]]:
        """Pixel sizes in µm for X, Y, Z (length / (n - 1)), with the stored values."""
        sizes: dict[str, float | None] = {"X": None, "Y": None, "Z": None}
        stored: list[PhysicalQuantity] = []
        dimensions = self.dimensions()
        for axis in ("X", "Y", "Z"):
            if axis not in dimensions:
                continue
            count, length, unit = dimensions[axis]
            if count < 2 or not length or not unit:
                continue
            step = abs(length) / (count - 1)
            sizes[axis] = length_to_micrometres(step, unit)
            if sizes[axis] is not None and unit not in ("um", "µm"):
                stored.append(PhysicalQuantity(axis_name=axis.lower(), value=step, unit=unit))
        if stored:
            axes = [a.lower() for a in ("X", "Y", "Z") if sizes[a] is not None]
            self.notes.append(
                "LIF stores dimension lengths in metres; pixel size = length / (n - 1), "
                f"converted to µm (stored values listed for {', '.join(axes)})"
            )
        return sizes, stored

    def time_increment(self) -> float | None:
        """Interval between time points (s) from the T dimension's length."""
        entry = self.dimensions().get("T")
        if entry is None or entry[0] < 2 or not entry[1]:
            return None
        return time_to_seconds(abs(entry[1]) / (entry[0] - 1), entry[2] or "s")

    def significant_bits(self) -> int | None:
        """``ChannelDescription@Resolution`` (bits per sample that carry data)."""
        if self.description is None:
            return None
        bits = {
            c.get("Resolution") for c in self.description.findall("Channels/ChannelDescription")
        }
        if len(bits) == 1:
            value = _float(bits.pop())
            return int(value) if value and value >= 1 else None
        return None

    # ------------------------------------------------------------------ time
    def acquisition_date(self) -> tuple[datetime | None, str | None]:
        """The first time stamp of this image (absolute, UTC)."""
        stamps = self.image.find("TimeStampList") if self.image is not None else None
        if stamps is None:
            return None, None
        values = (stamps.text or "").split()
        if not values:
            high, low = stamps.get("HighInteger"), stamps.get("LowInteger")
            stamp = stamps.find("TimeStamp")
            if stamp is not None:
                high, low = stamp.get("HighInteger"), stamp.get("LowInteger")
            if high is None or low is None:
                return None, None
            values = [f"{(int(high) << 32) + int(low):x}"]
        when = filetime_to_utc(values[0])
        if when is None:
            return None, values[0]
        self.notes.append(
            f"acquisition date is this image's first time stamp ({values[0]}, a Windows FILETIME: "
            "an absolute UTC instant)"
        )
        return when, values[0]

    # ------------------------------------------------------------------ instrument
    def _attr(self, name: str) -> str | None:
        if self.settings is None:
            return None
        value = self.settings.get(name)
        return value.strip() if value and value.strip() else None

    def objective(self) -> tuple[Objective | None, float | None]:
        """The objective of the setting that recorded the image, and the immersion RI."""
        name = self._attr("ObjectiveName")
        if name is None:
            return None, None
        immersion = (self._attr("Immersion") or "").lower()
        refractive = _float(self._attr("RefractionIndex"))
        magnification = _float(self._attr("Magnification"))
        na = _float(self._attr("NumericalAperture"))
        correction = None
        if re.search(r"\bPL\s+APO\b", name, re.I):
            correction = "PlanApo"
        elif re.search(r"\bPL\s+FLUOTAR\b", name, re.I):
            correction = "Fluotar"
        objective = Objective(
            model=" ".join(name.split()),
            serial_number=self._attr("ObjectiveNumber"),
            nominal_magnification=magnification if magnification and magnification > 0 else None,
            lens_na=_tidy(na) if na and na > 0 else None,
            immersion=_IMMERSION.get(immersion, "Other" if immersion else None),
            correction=correction,
        )
        self.notes.append(
            "objective from the HardwareSetting of this image (the setting that recorded it)"
            + (f"; correction {correction} read from its name" if correction else "")
        )
        return objective, refractive if refractive and refractive >= 1 else None

    def software(self) -> Software | None:
        """``HardwareSetting@Software`` such as ``LAS X 3.5.7.23225``."""
        text = self.hardware.get("Software") if self.hardware is not None else None
        if not text:
            return None
        match = re.match(r"^(.*?)\s+(\d[\w.]*)$", text.strip())
        if match:
            return Software(name=match.group(1), version=match.group(2))
        return Software(name=text.strip())

    def acquisition_mode(self) -> str | None:
        """Confocal settings mean laser scanning; camera settings mean widefield."""
        if self.confocal is not None:
            return "LaserScanningConfocalMicroscopy"
        if self.camera is not None:
            return "WideField"
        return None

    def _active_lasers(self) -> list[tuple[float, float | None]]:
        """(laser line nm, intensity %) of lines switched on in this setting."""
        if self.settings is None:
            return []
        lines = []
        for setting in self.settings.iter("LaserLineSetting"):
            line = _float(setting.get("LaserLine"))
            intensity = _float(setting.get("IntensityDev"))
            if line and intensity and intensity > 0:
                lines.append((line, intensity))
        return sorted(lines)

    def _laser_kind(self) -> str:
        if self.settings is None:
            return "Laser"
        for laser in self.settings.iter("Laser"):
            if (laser.get("LaserName") or "").upper() == "WLL":
                return "SupercontinuumLaser"
        return "Laser"

    def _active_detectors(self) -> list[Element]:
        if self.settings is None:
            return []
        return [d for d in self.settings.iter("Detector") if d.get("IsActive") == "1"]

    def microscope(self, channels: list[Channel], objective: Objective | None) -> Microscope | None:
        """Stand and system as the HardwareSetting names them."""
        if self.hardware is None:
            return None
        system = (self.hardware.get("SystemTypeName") or "").strip() or None
        stand = self._attr("MicroscopeModel")
        detectors: list[Detector] = []
        sources: list[LightSource] = []
        for channel in channels:
            if channel.detector and channel.detector not in detectors:
                detectors.append(channel.detector)
            if channel.light_source and channel.light_source not in sources:
                sources.append(channel.light_source)
        if stand and system:
            self.notes.append(f"microscope model is the system {system!r} on the stand {stand!r}")
        return Microscope(
            model=" ".join(filter(None, [system, f"({stand})" if stand and system else stand]))
            or None,
            serial_number=self._attr("SystemSerialNumber"),
            microscope_type="Inverted" if self._attr("IsInverseMicroscopeModel") == "1" else None,
            objectives=[objective] if objective else None,
            detectors=detectors or None,
            light_sources=sources or None,
        )

    def stage_position(self) -> StagePosition | None:
        """``StagePosX``/``StagePosY`` (metres) in µm."""
        x = length_to_micrometres(_float(self._attr("StagePosX")), "m")
        y = length_to_micrometres(_float(self._attr("StagePosY")), "m")
        if x is None and y is None:
            return None
        return StagePosition(position_x=x, position_y=y)

    # ------------------------------------------------------------------ channels
    def channels(self) -> list[Channel]:
        """One Channel per ``ChannelDescription``."""
        elements = (
            self.description.findall("Channels/ChannelDescription")
            if self.description is not None
            else []
        )
        lasers = self._active_lasers()
        detectors = self._active_detectors()
        spectro = {
            band.get("Channel"): band
            for band in (self.settings.iter("MultiBand") if self.settings is not None else [])
        }
        pinhole = length_to_micrometres(_float(self._attr("Pinhole")), "m")
        zoom = _float(self._attr("Zoom"))
        dwell = _float(self._attr("PixelDwellTime"))
        channels = []
        for index, element in enumerate(elements):
            properties = {
                (p.findtext("Key") or "").strip(): (p.findtext("Value") or "").strip()
                for p in element.iter("ChannelProperty")
            }
            lut = (element.get("LUTName") or "").strip() or None
            dye = properties.get("DyeName") or None
            if dye and dye.startswith("Leica/"):
                dye = dye[len("Leica/") :]
            detector_element = None
            wanted = properties.get("DetectorName")
            if wanted:
                detector_element = next((d for d in detectors if d.get("Name") == wanted), None)
            elif len(detectors) == len(elements):
                detector_element = detectors[index]
            excitation = None
            light_source = None
            attenuation = None
            if len(lasers) == 1 and len(elements) == 1:
                excitation, intensity = lasers[0]
                light_source = LightSource(
                    light_source_kind=self._laser_kind(),
                    wavelength=excitation,
                    model=self._laser_name(),
                )
                attenuation = _tidy(100.0 - intensity) if intensity is not None else None
                self.notes.append(
                    f"excitation {excitation:g} nm is the only active laser line of the setting; "
                    f"its intensity {intensity:g} % is stored as attenuation {attenuation:g} %"
                )
            elif lasers:
                self.notes.append(
                    f"several active laser lines {[line for line, _ in lasers]}; not assigned "
                    "to channels"
                )
            emission = None
            detector = None
            gain = offset = None
            if detector_element is not None:
                band = spectro.get(detector_element.get("Channel"))
                if band is not None:
                    left, right = _float(band.get("LeftWorld")), _float(band.get("RightWorld"))
                    if left and right and right > left:
                        emission = _tidy((left + right) / 2)
                        self.notes.append(
                            f"channel {index}: emission is the centre of the detection band "
                            f"{left:.0f}-{right:.0f} nm"
                        )
                kind = (detector_element.get("Type") or "").lower()
                detector = Detector(
                    detector_type=_DETECTORS.get(kind, "Other" if kind else None),
                    model=detector_element.get("Name"),
                )
                gain = _float(detector_element.get("Gain"))
                offset = _float(detector_element.get("Offset"))
            channels.append(
                Channel(
                    channel_index=index,
                    name=lut,
                    color=_LUT_COLOURS.get((lut or "").lower()),
                    fluorophore_name=dye,
                    excitation_wavelength=excitation,
                    emission_wavelength=emission,
                    acquisition_mode=self.acquisition_mode(),
                    exposure_time=dwell if dwell and dwell > 0 else None,
                    pinhole_size=pinhole,
                    light_source=light_source,
                    light_source_attenuation=attenuation,
                    detector=detector,
                    detector_gain=gain,
                    detector_offset=offset,
                    zoom=zoom if zoom and zoom > 0 else None,
                )
            )
        if channels:
            self.notes.append(
                "LIF stores no channel names; each channel is named by its lookup table "
                "(LUTName), as LAS X displays it"
            )
        if dwell and channels:
            self.notes.append("exposure_time is the pixel dwell time of the scan")
        if pinhole is not None:
            self.notes.append("pinhole stored in metres; converted to µm")
        return channels

    def _laser_name(self) -> str | None:
        if self.settings is None:
            return None
        for laser in self.settings.iter("Laser"):
            name = laser.get("LaserName")
            if name:
                return name
        return None
