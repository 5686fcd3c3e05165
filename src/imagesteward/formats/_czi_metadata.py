"""CZI metadata: the ZEN ``ImageDocument`` XML mapped onto the imagesteward model.

Only ``Metadata/Information`` and ``Metadata/Scaling`` describe the acquisition; the
``Experiment`` and ``HardwareSetting`` blocks are ZEN's own settings snapshots. The one exception
is the objective changer in ``HardwareSetting``, which lists every mounted objective and is kept
as the microscope's inventory. The objective actually used is the one
``Information/Image/ObjectiveSettings/ObjectiveRef`` points to, never the first one listed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from imagesteward.model import (
    Channel,
    Detector,
    Filter,
    FilterSet,
    LightSource,
    Microscope,
    Objective,
    Software,
    StagePosition,
    length_to_micrometres,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["CziDocument", "parse_iso_datetime"]

_ACQUISITION_MODES = {
    "widefield": "WideField",
    "laserscanningconfocalmicroscopy": "LaserScanningConfocalMicroscopy",
    "spinningdiskconfocal": "SpinningDiskConfocal",
    "slitscanconfocal": "SlitScanConfocal",
    "multiphotonmicroscopy": "MultiPhotonMicroscopy",
    "structuredillumination": "StructuredIllumination",
    "singlemoleculeimaging": "SingleMoleculeImaging",
    "totalinternalreflection": "TotalInternalReflection",
    "fluorescencelifetime": "FluorescenceLifetime",
    "spectralimaging": "SpectralImaging",
    "fluorescencecorrelationspectroscopy": "FluorescenceCorrelationSpectroscopy",
    "nearfieldscanningopticalmicroscopy": "NearFieldScanningOpticalMicroscopy",
    "secondharmonicgenerationimaging": "SecondHarmonicGenerationImaging",
    "palm": "PALM",
    "storm": "STORM",
    "sted": "STED",
    "tirf": "TIRF",
    "fsm": "FSM",
    "lcm": "LCM",
    "brightfield": "BrightField",
    "sweptfieldconfocal": "SweptFieldConfocal",
    "spim": "SPIM",
    "lightsheet": "SPIM",
    "other": "Other",
}
_ILLUMINATION = {
    "transmitted": "Transmitted",
    "epifluorescence": "Epifluorescence",
    "oblique": "Oblique",
    "nonlinear": "NonLinear",
    "other": "Other",
}
_CONTRAST = {
    "brightfield": "Brightfield",
    "phase": "Phase",
    "dic": "DIC",
    "hoffmanmodulation": "HoffmanModulation",
    "obliqueillumination": "ObliqueIllumination",
    "polarizedlight": "PolarizedLight",
    "darkfield": "Darkfield",
    "fluorescence": "Fluorescence",
    "other": "Other",
}
_IMMERSION = {
    "oil": "Oil",
    "water": "Water",
    "waterdipping": "WaterDipping",
    "air": "Air",
    "multi": "Multi",
    "glycerol": "Glycerol",
    "glyc": "Glycerol",
    "silicone": "Silicone",
    "silicon": "Silicone",
    "other": "Other",
}
_DETECTOR_TYPES = {
    "ccd": "CCD",
    "intensifiedccd": "IntensifiedCCD",
    "analogvideo": "AnalogVideo",
    "pmt": "PMT",
    "photodiode": "Photodiode",
    "spectroscopy": "Spectroscopy",
    "lifetimeimaging": "LifetimeImaging",
    "correlationspectroscopy": "CorrelationSpectroscopy",
    "ftir": "FTIR",
    "emccd": "EMCCD",
    "apd": "APD",
    "cmos": "CMOS",
    "scmos": "sCMOS",
    "ebccd": "EBCCD",
    "hyd": "HybridPhotodetector",
    "hybridphotodetector": "HybridPhotodetector",
    "gaasp": "GaAsP",
    "other": "Other",
}
_LIGHT_SOURCE_KINDS = {
    "Laser": "Laser",
    "LightEmittingDiode": "LightEmittingDiode",
    "Arc": "Arc",
    "Filament": "Filament",
    "SupercontinuumLaser": "SupercontinuumLaser",
    "GenericExcitationSource": "GenericExcitationSource",
}
# (pattern in the objective name, OME correction): the most specific names first.
_CORRECTIONS = (
    ("plan-neofluar", "PlanNeofluar"),
    ("plan-apochromat", "PlanApo"),
    ("plan apo", "PlanApo"),
    ("c-apochromat", "Apo"),
    ("apochromat", "Apo"),
    ("plan-fluar", "PlanFluor"),
    ("plan fluor", "PlanFluor"),
    ("fluar", "Fluar"),
    ("neofluar", "Neofluar"),
    ("achroplan", "Achromat"),
    ("a-plan", "Achromat"),
)
_OME_CORRECTIONS = (
    "UV",
    "PlanApo",
    "PlanFluor",
    "SuperFluor",
    "VioletCorrected",
    "Achro",
    "Achromat",
    "Fluor",
    "Fl",
    "Fluar",
    "Neofluar",
    "Fluotar",
    "Apo",
    "PlanNeofluar",
)
_PLACEHOLDER_DYE = re.compile(r"^Dye\d+$")


def parse_iso_datetime(text: str) -> datetime | None:
    """Parse an ISO 8601 date as ZEN writes it (up to 7 fractional digits, ``Z`` suffix).

    Returns an aware datetime when the text carries a zone, a naive one otherwise, ``None`` when
    the text is not a date. Fractional seconds beyond microseconds are truncated, not rounded.
    """
    text = text.strip()
    if not text or text.startswith("0001-01-01"):
        return None
    match = re.fullmatch(
        r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?", text
    )
    if match is None:
        return None
    head, fraction, zone = match.groups()
    normalised = head + (f".{fraction[:6].ljust(6, '0')}" if fraction else "")
    if zone:
        normalised += "+00:00" if zone == "Z" else zone
    try:
        return datetime.fromisoformat(normalised)
    except ValueError:
        return None


def _text(element: Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.replace(",", ".").rstrip("%").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _positive(text: str | None) -> float | None:
    """A positive number, without the writer's float noise (488.00000000000006 -> 488)."""
    value = _number(text)
    return float(f"{value:.12g}") if value is not None and value > 0 else None


def _enum(text: str | None, table: dict[str, str]) -> str | None:
    if not text:
        return None
    return table.get(re.sub(r"[^a-z]", "", text.lower()), "Other")


def _colour(text: str | None) -> str | None:
    """ZEN writes ``#AARRGGBB``; the model wants ``#RRGGBB``."""
    if not text:
        return None
    hex_digits = text.lstrip("#")
    if re.fullmatch(r"[0-9A-Fa-f]{8}", hex_digits):
        return f"#{hex_digits[2:].upper()}"
    if re.fullmatch(r"[0-9A-Fa-f]{6}", hex_digits):
        return f"#{hex_digits.upper()}"
    return None


def _ome_correction(text: str | None) -> str | None:
    """An OME ``Correction`` value written in the file, if it is one."""
    if not text:
        return None
    return {c.lower(): c for c in _OME_CORRECTIONS}.get(text.strip().lower())


def _correction(name: str | None) -> str | None:
    if not name:
        return None
    lowered = name.lower()
    for pattern, correction in _CORRECTIONS:
        if pattern in lowered:
            return correction
    return None


@dataclass
class CziDocument:
    """A parsed ZEN ``ImageDocument`` with the model objects built from it.

    Parameters
    ----------
    root
        The XML root, already parsed with entity expansion refused.
    """

    root: Element
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        metadata = self.root.find("Metadata")
        self._information = metadata.find("Information") if metadata is not None else None
        self._image = self._information.find("Image") if self._information is not None else None
        self._instrument = (
            self._information.find("Instrument") if self._information is not None else None
        )
        self._scaling = metadata.find("Scaling") if metadata is not None else None
        self._display = metadata.find("DisplaySetting") if metadata is not None else None
        self._objectives = self._instrument_objectives()
        self._detectors = self._instrument_detectors()
        self._light_sources = self._instrument_light_sources()

    # ------------------------------------------------------------------ image
    @property
    def significant_bits(self) -> int | None:
        """``ComponentBitCount``: bits that carry data."""
        value = _number(_text(self._image, "ComponentBitCount"))
        return int(value) if value and value >= 1 else None

    def scaling_metres(self) -> dict[str, float]:
        """Pixel sizes per axis as stored (metres), from ``Scaling/Items/Distance``."""
        sizes: dict[str, float] = {}
        if self._scaling is None:
            return sizes
        for distance in self._scaling.findall("Items/Distance"):
            axis = distance.get("Id")
            value = _positive(_text(distance, "Value"))
            if axis and value is not None:
                sizes[axis] = value
        return sizes

    def scene_name(self, scene_index: int | None, stem: str) -> str | None:
        """The scene's name, as bioio-czi and ZEN derive it.

        ``Scene@Name`` (with ``-Shape@Name`` when a shape is named); an unnamed scene is named
        ``<file stem>-<index>``; a file without scene metadata has the single image ``Image:0``.
        """
        scenes = self._image.findall("Dimensions/S/Scenes/Scene") if self._image is not None else []
        if not scenes:
            self.notes.append("CZI has no scene metadata; the series is named 'Image:0'")
            return "Image:0"
        position = scene_index or 0
        scene = next(
            (s for s in scenes if s.get("Index") == str(position)),
            scenes[position] if position < len(scenes) else None,
        )
        if scene is None:
            return None
        name = scene.get("Name")
        shape = scene.find("Shape")
        if name and shape is not None and shape.get("Name"):
            return f"{name}-{shape.get('Name')}"
        if name:
            return name
        self.notes.append(f"scene {position} has no name in the file; named '{stem}-{position}'")
        return f"{stem}-{position}"

    def scene_position_um(self, scene_index: int | None) -> StagePosition | None:
        """Stage position of a scene from ``S/Scenes/Scene/Positions/Position`` (µm)."""
        if self._image is None:
            return None
        for scene in self._image.findall("Dimensions/S/Scenes/Scene"):
            if scene.get("Index", "0") != str(scene_index or 0):
                continue
            position = scene.find("Positions/Position")
            if position is None:
                position = scene.find("Position")
            if position is None:
                return None
            x, y, z = (_number(position.get(axis)) for axis in ("X", "Y", "Z"))
            if x is None and y is None:
                return None
            return StagePosition(position_x=x, position_y=y, position_z=z)
        return None

    def acquisition_date(self) -> tuple[datetime | None, str | None]:
        """``AcquisitionDateAndTime`` parsed, with the text as written."""
        written = _text(self._image, "AcquisitionDateAndTime")
        if written is None:
            created = _text(self._information, "Document/CreationDate")
            if created:
                self.notes.append(
                    f"no AcquisitionDateAndTime; Document/CreationDate {created} is when the "
                    "document was created, not necessarily acquired, and is not used"
                )
            return None, None
        parsed = parse_iso_datetime(written)
        if parsed is None:
            self.notes.append(f"AcquisitionDateAndTime {written!r} is not a date; ignored")
            return None, written
        if written.startswith("0001-01-01"):
            return None, written
        return parsed, written

    def software(self) -> Software | None:
        """``Information/Application``: name and version of ZEN."""
        name = _text(self._information, "Application/Name")
        version = _text(self._information, "Application/Version")
        if name is None and version is None:
            return None
        return Software(name=name, version=version)

    # ------------------------------------------------------------------ instrument
    def _instrument_objectives(self) -> dict[str, Objective]:
        objectives: dict[str, Objective] = {}
        if self._instrument is None:
            return objectives
        for index, element in enumerate(self._instrument.findall("Objectives/Objective")):
            key = element.get("Id") or f"#{index}"
            objectives[key] = self._objective(element)
        return objectives

    @staticmethod
    def _objective(element: Element) -> Objective:
        model = _text(element, "Manufacturer/Model") or element.get("Name")
        working_distance = _positive(_text(element, "WorkingDistance"))
        return Objective(
            manufacturer=_text(element, "Manufacturer/Manufacturer"),
            model=model,
            serial_number=_text(element, "Manufacturer/SerialNumber"),
            nominal_magnification=_positive(_text(element, "NominalMagnification")),
            calibrated_magnification=_positive(_text(element, "CalibratedMagnification")),
            lens_na=_positive(_text(element, "LensNA")),
            immersion=_enum(_text(element, "Immersion"), _IMMERSION),
            correction=_ome_correction(_text(element, "Correction")) or _correction(model),
            working_distance=working_distance,
        )

    def _changer_objectives(self) -> list[Objective]:
        """Objectives mounted on the motorised nosepiece (``HardwareSetting``)."""
        found: list[Objective] = []
        for changer in self.root.iter("ChangerElements"):
            for element in changer.findall("Objective"):
                name = element.get("Name")
                immersion = _text(element, "Immersions")
                found.append(
                    Objective(
                        model=name,
                        nominal_magnification=_positive(_text(element, "Magnification")),
                        lens_na=_positive(_text(element, "NumericalAperture")),
                        immersion=_enum(immersion.split(",")[0] if immersion else None, _IMMERSION),
                        correction=_correction(name),
                        working_distance=_positive(_text(element, "WorkingDistance")),
                    )
                )
        return found

    def _instrument_detectors(self) -> dict[str, Detector]:
        detectors: dict[str, Detector] = {}
        if self._instrument is None:
            return detectors
        for index, element in enumerate(self._instrument.findall("Detectors/Detector")):
            key = element.get("Id") or f"#{index}"
            kind = _text(element, "Type")
            detector_type = _enum(kind, _DETECTOR_TYPES)
            if kind and kind.lower() == "airyscan":
                detector_type = "GaAsP"
            model = _text(element, "Manufacturer/Model") or element.get("Name")
            detector = Detector(
                detector_type=detector_type,
                manufacturer=_text(element, "Manufacturer/Manufacturer"),
                model=model,
                serial_number=_text(element, "Manufacturer/SerialNumber"),
            )
            if detector.model or detector.detector_type or detector.manufacturer:
                detectors[key] = detector
        if any(
            (_text(e, "Type") or "").lower() == "airyscan"
            for e in self._instrument.findall("Detectors/Detector")
        ):
            self.notes.append("Airyscan detector recorded as GaAsP (a 32-element GaAsP array)")
        return detectors

    def _instrument_light_sources(self) -> dict[str, LightSource]:
        sources: dict[str, LightSource] = {}
        if self._instrument is None:
            return sources
        for index, element in enumerate(self._instrument.findall("LightSources/LightSource")):
            key = element.get("Id") or f"#{index}"
            type_element = element.find("LightSourceType")
            kind_element = (
                type_element[0] if type_element is not None and len(type_element) else None
            )
            kind = _LIGHT_SOURCE_KINDS.get(kind_element.tag if kind_element is not None else "")
            name = (element.get("Name") or "").strip() or None
            wavelength = (
                _positive(_text(kind_element, "Wavelength")) if kind_element is not None else None
            )
            if wavelength is None and name:
                match = re.search(r"(\d{3,4})\s*nm", name)
                wavelength = float(match.group(1)) if match else None
            power = _positive(_text(kind_element, "Power")) if kind_element is not None else None
            sources[key] = LightSource(
                light_source_kind=kind or "GenericExcitationSource",
                manufacturer=_text(element, "Manufacturer/Manufacturer"),
                model=_text(element, "Manufacturer/Model") or name,
                serial_number=_text(element, "Manufacturer/SerialNumber"),
                wavelength=wavelength,
                power=power,
            )
        return sources

    def microscope(self) -> Microscope | None:
        """The stand referenced by ``Image/MicroscopeRef`` (or the only one listed)."""
        stands = (
            self._instrument.findall("Microscopes/Microscope")
            if self._instrument is not None
            else []
        )
        reference = self._image.find("MicroscopeRef") if self._image is not None else None
        stand = None
        if reference is not None:
            stand = next((s for s in stands if s.get("Id") == reference.get("Id")), None)
        if stand is None and len(stands) == 1:
            stand = stands[0]
        inventory = self.objective_inventory()
        if stand is None and not (inventory or self._detectors or self._light_sources):
            return None
        microscope_type = _text(stand, "Type")
        return Microscope(
            manufacturer=_text(stand, "Manufacturer/Manufacturer"),
            model=_text(stand, "System") or _text(stand, "Manufacturer/Model"),
            serial_number=_text(stand, "Manufacturer/SerialNumber"),
            microscope_type=_enum(
                microscope_type,
                {
                    "upright": "Upright",
                    "inverted": "Inverted",
                    "dissection": "Dissection",
                    "electrophysiology": "Electrophysiology",
                },
            ),
            instrument_name=stand.get("Name") if stand is not None else None,
            objectives=inventory or None,
            detectors=list(self._detectors.values()) or None,
            light_sources=list(self._light_sources.values()) or None,
        )

    def objective_inventory(self) -> list[Objective]:
        """Every objective listed: ``Instrument/Objectives`` plus the objective changer."""
        inventory = list(self._objectives.values())
        seen = {(o.model, o.lens_na) for o in inventory}
        for objective in self._changer_objectives():
            if (objective.model, objective.lens_na) not in seen:
                seen.add((objective.model, objective.lens_na))
                inventory.append(objective)
        return inventory

    def used_objective(self) -> tuple[Objective | None, float | None]:
        """The objective ``ObjectiveSettings/ObjectiveRef`` names, and the immersion RI."""
        settings = self._image.find("ObjectiveSettings") if self._image is not None else None
        refractive_index = _positive(_text(settings, "RefractiveIndex"))
        reference = settings.find("ObjectiveRef") if settings is not None else None
        if reference is not None and reference.get("Id") in self._objectives:
            objective = self._objectives[reference.get("Id", "")]
            self._note_correction(objective)
            self.notes.append(
                f"objective {objective.model!r} is the one ObjectiveSettings/ObjectiveRef "
                f"({reference.get('Id')}) names; the other listed objectives are inventory"
            )
            return objective, refractive_index
        if reference is None and len(self._objectives) == 1:
            objective = next(iter(self._objectives.values()))
            self._note_correction(objective)
            self.notes.append(
                f"no ObjectiveRef; the only objective described ({objective.model!r}) is taken "
                "as the one used"
            )
            return objective, refractive_index
        if self._objectives or self._changer_objectives():
            self.notes.append(
                "the objective used is not identified (no resolvable ObjectiveRef); "
                "the listed objectives are kept as inventory only"
            )
        return None, refractive_index

    def _note_correction(self, objective: Objective) -> None:
        if objective.correction is None or self._instrument is None:
            return
        objectives = self._instrument.findall("Objectives/Objective")
        if not any(_text(element, "Correction") for element in objectives):
            self.notes.append(
                f"objective correction {objective.correction} read from its name "
                f"{objective.model!r}"
            )

    # ------------------------------------------------------------------ channels
    def channels(self, size_c: int) -> list[Channel]:
        """One :class:`Channel` per channel of the image, in file order."""
        elements = (
            self._image.findall("Dimensions/Channels/Channel") if self._image is not None else []
        )
        display = {
            c.get("Id"): c
            for c in (
                self._display.findall("Channels/Channel") if self._display is not None else []
            )
        }
        channels = []
        unit_notes: set[str] = set()
        for index in range(size_c):
            element = elements[index] if index < len(elements) else None
            if element is None:
                channels.append(Channel(channel_index=index))
                continue
            channels.append(
                self._channel(index, element, display.get(element.get("Id")), unit_notes)
            )
        self.notes.extend(sorted(unit_notes))
        unnamed = [c.channel_index for c in channels if c.name is None]
        if unnamed:
            self.notes.append(f"channels {unnamed} have no name in the file; left unnamed")
        return channels

    def _channel(
        self, index: int, element: Element, display: Element | None, notes: set[str]
    ) -> Channel:
        fluor = _text(element, "Fluor")
        if fluor is None and display is not None:
            dye = _text(display, "DyeName")
            if dye and not _PLACEHOLDER_DYE.match(dye):
                fluor = dye
        exposure = _positive(_text(element, "ExposureTime"))
        exposure_s = exposure * 1e-9 if exposure is not None else None
        if exposure_s is not None:
            notes.add("CZI ExposureTime is in nanoseconds; converted to seconds")
        else:
            dwell = _positive(_text(element, "LaserScanInfo/PixelTime"))
            if dwell is not None:
                exposure_s = dwell
                notes.add("laser-scanning channels: exposure_time is the pixel dwell time")
        pinhole = _positive(_text(element, "PinholeSize"))
        if pinhole is None and _text(element, "PinholeSizeAiry"):
            notes.add("pinhole given only in Airy units (PinholeSizeAiry); no size in µm recorded")
        detector_settings = element.find("DetectorSettings")
        detector = None
        if detector_settings is not None:
            detector_ref = detector_settings.find("Detector")
            if detector_ref is not None:
                detector = self._detectors.get(detector_ref.get("Id", ""))
        binning = _text(detector_settings, "Binning")
        if binning:
            parts = re.split(r"[,xX]", binning)
            binning = "x".join(p.strip() for p in parts) if len(parts) == 2 else None
        light_source, power, attenuation = self._light_source_settings(element, notes)
        zoom = _positive(_text(element, "LaserScanInfo/ZoomX"))
        return Channel(
            channel_index=index,
            name=element.get("Name") or None,
            color=_colour(_text(element, "Color") or _text(display, "Color")),
            fluorophore_name=fluor,
            excitation_wavelength=_positive(_text(element, "ExcitationWavelength")),
            emission_wavelength=_positive(_text(element, "EmissionWavelength")),
            illumination_type=_enum(_text(element, "IlluminationType"), _ILLUMINATION),
            contrast_method=_enum(_text(element, "ContrastMethod"), _CONTRAST),
            acquisition_mode=_enum(_text(element, "AcquisitionMode"), _ACQUISITION_MODES),
            exposure_time=exposure_s,
            pinhole_size=pinhole,
            light_source=light_source,
            light_source_power=power,
            light_source_attenuation=attenuation,
            detector=detector,
            detector_gain=_number(_text(detector_settings, "Gain")),
            detector_offset=_number(_text(detector_settings, "Offset")),
            binning=binning if binning and re.fullmatch(r"\d+x\d+", binning) else None,
            filter_set=self._filter_set(element),
            zoom=zoom,
        )

    def _light_source_settings(
        self, element: Element, notes: set[str]
    ) -> tuple[LightSource | None, float | None, float | None]:
        settings = element.find("LightSourcesSettings/LightSourceSettings")
        if settings is None:
            return None, None, None
        reference = settings.find("LightSource")
        source = self._light_sources.get(reference.get("Id", "")) if reference is not None else None
        wavelength = _positive(_text(settings, "Wavelength"))
        if wavelength is not None and (source is None or source.wavelength is None):
            source = (
                source.model_copy(update={"wavelength": wavelength})
                if source is not None
                else LightSource(light_source_kind="GenericExcitationSource", wavelength=wavelength)
            )
        attenuation = None
        fraction = _number(_text(settings, "Attenuation"))
        if fraction is not None and 0 <= fraction <= 1:
            attenuation = round(fraction * 100.0, 9)
            notes.add("CZI light source Attenuation is a fraction; stored in percent")
        intensity = _number(_text(settings, "Intensity"))
        if attenuation is None and intensity is not None and 0 <= intensity <= 100:
            attenuation = round(100.0 - intensity, 9)
            notes.add(
                "CZI light source Intensity (percent of full power) stored as attenuation "
                "100 - intensity"
            )
        power = _positive(_text(settings, "Power"))
        return source, power, attenuation

    def _filter_set(self, element: Element) -> FilterSet | None:
        reference = element.find("FilterSetRef")
        if reference is None:
            reference = element.find("FilterSet")
        if reference is None or self._instrument is None:
            return None
        wanted = reference.get("Id")
        definition = next(
            (f for f in self._instrument.findall("FilterSets/FilterSet") if f.get("Id") == wanted),
            None,
        )
        if definition is None:
            return None
        filters = {f.get("Id"): f for f in self._instrument.findall("Filters/Filter")}

        def resolve(path: str) -> list[Filter]:
            resolved = []
            for ref in definition.findall(path):
                found = filters.get(ref.get("Id"))
                if found is None:
                    continue
                resolved.append(
                    Filter(
                        model=found.get("Name") or _text(found, "Manufacturer/Model"),
                        cut_in=_positive(_text(found, "TransmittanceRange/CutIn")),
                        cut_out=_positive(_text(found, "TransmittanceRange/CutOut")),
                    )
                )
            return resolved

        emission = resolve("EmissionFilters/EmissionFilterRef")
        excitation = resolve("ExcitationFilters/ExcitationFilterRef")
        return FilterSet(
            name=definition.get("Name") or wanted,
            model=_text(definition, "Manufacturer/Model"),
            excitation_filters=excitation or None,
            emission_filters=emission or None,
        )


def scaling_to_micrometres(metres: float | None) -> float | None:
    """A CZI distance (metres) in µm."""
    return length_to_micrometres(metres, "m")
