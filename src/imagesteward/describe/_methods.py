"""The imaging part of a Materials & Methods section, written from a dataset's metadata.

One paragraph per microscope: the instrument with its identifiers, the objectives, how each
channel was excited and detected, the sampling (pixel size, z step, time interval, environment)
and the software; then the facility. Only what the metadata records is written. A fact a
methods section needs but the metadata lacks is never guessed: it is named in ``missing`` so
that the author adds it (and, better, records it so the next text has it).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from imagesteward import model
from imagesteward.catalog import Catalog
from imagesteward.describe._project import project_images
from imagesteward.describe._prose import (
    article,
    duration,
    exposure,
    join,
    length,
    number,
    part_name,
    plural,
)
from imagesteward.errors import NotFoundError

__all__ = ["MethodsText", "dataset_methods", "methods_text"]

_DETECTORS = {
    "CCD": " CCD camera",
    "EMCCD": " EMCCD camera",
    "CMOS": " CMOS camera",
    "sCMOS": " sCMOS camera",
    "IntensifiedCCD": " intensified CCD camera",
    "PMT": " photomultiplier",
    "APD": " avalanche photodiode",
    "HybridPhotodetector": " hybrid photodetector",
    "GaAsP": " GaAsP detector",
    "DirectElectron": " direct electron detector",
    "EBCCD": " EBCCD camera",
}
_MODES = {
    "WideField": "widefield fluorescence microscopy",
    "LaserScanningConfocalMicroscopy": "laser-scanning confocal microscopy",
    "SpinningDiskConfocal": "spinning-disk confocal microscopy",
    "SlitScanConfocal": "slit-scan confocal microscopy",
    "MultiPhotonMicroscopy": "multiphoton microscopy",
    "StructuredIllumination": "structured illumination microscopy",
    "TotalInternalReflection": "total internal reflection fluorescence microscopy",
    "BrightField": "bright-field microscopy",
    "PhaseContrast": "phase-contrast microscopy",
    "DifferentialInterferenceContrast": "differential interference contrast microscopy",
    "LightSheet": "light-sheet microscopy",
    "SPIM": "light-sheet microscopy",
    "ElectronMicroscopy": "electron microscopy",
}


@dataclass(frozen=True, slots=True)
class MethodsText:
    """The generated section: paragraphs of prose and the facts it could not state."""

    paragraphs: tuple[str, ...]
    missing: tuple[str, ...] = field(default=())

    def text(self) -> str:
        """Plain text: the paragraphs, then what to add."""
        parts = list(self.paragraphs)
        if self.missing:
            parts.append(
                "Not recorded in the metadata (add these before publishing): "
                + "; ".join(self.missing)
                + "."
            )
        return "\n\n".join(parts) + "\n"

    def markdown(self) -> str:
        """Markdown: a heading, the paragraphs, and a list of what to add."""
        parts = ["### Image acquisition", *self.paragraphs]
        if self.missing:
            parts.append(
                "**Not recorded in the metadata** (add these before publishing):\n\n"
                + "\n".join(f"- {item}" for item in self.missing)
            )
        return "\n\n".join(parts) + "\n"


def methods_text(images: Iterable[model.Image], *, study: model.Study | None = None) -> MethodsText:
    """Write the image-acquisition methods for ``images`` (a dataset), with its ``study``."""
    groups: dict[tuple[str | None, ...], list[model.Image]] = {}
    for image in images:
        scope = image.acquisition.microscope if image.acquisition else None
        key = (
            (scope.manufacturer, scope.model, scope.serial_number) if scope else (None, None, None)
        )
        groups.setdefault(key, []).append(image)
    paragraphs: list[str] = []
    missing: list[str] = []
    fallback = _study_method(study)
    for group in groups.values():
        sentences, gaps = _paragraph(group, fallback)
        paragraphs.append(" ".join(sentences))
        missing.extend(gap for gap in gaps if gap not in missing)
    facility = _facility(study, missing)
    if facility:
        paragraphs.append(facility)
    return MethodsText(tuple(paragraphs), tuple(missing))


def _study_method(study: model.Study | None) -> str | None:
    """The imaging method the study names, when it names exactly one (its label)."""
    components = study.study_components or [] if study else []
    methods = {c.imaging_method.label for c in components if c.imaging_method}
    return methods.pop() if len(methods) == 1 else None


def _paragraph(
    images: Sequence[model.Image], fallback: str | None = None
) -> tuple[list[str], list[str]]:
    first = images[0]
    acquisition = first.acquisition or model.ImageAcquisition()
    scope = acquisition.microscope
    gaps: list[str] = []
    subject = plural(len(images), "image").capitalize()
    verb = "was" if len(images) == 1 else "were"
    mode = _MODES.get(str(acquisition.acquisition_mode)) if acquisition.acquisition_mode else None
    # The image's own term first, then what the file's acquisition mode says, then the one
    # method the researcher gave for the whole study. A mode that only narrows the term
    # ("widefield fluorescence microscopy" for the FBbi term "fluorescence microscopy") is
    # the more precise wording of the same fact.
    method = acquisition.imaging_method.label if acquisition.imaging_method else mode or fallback
    if mode and method and mode != method and mode.endswith(f" {method}"):
        method = mode
    name = part_name(scope) if scope else None
    if name is None:
        sentence = f"{subject} {verb} acquired on a microscope that the metadata do not name"
        gaps.append("the microscope (manufacturer and model)")
    else:
        kind = f" {str(scope.microscope_type).lower()}" if scope and scope.microscope_type else ""
        sentence = f"{subject} {verb} acquired on {article(name)} {name}{kind} microscope"
        ids = [f"serial number {scope.serial_number}"] if scope and scope.serial_number else []
        ids += [i for i in (scope.rrid, scope.pidinst) if i] if scope else []
        if ids:
            sentence += f" ({', '.join(ids)})"
        if scope and not (scope.rrid or scope.pidinst):
            gaps.append(f"a persistent identifier (PIDINST or RRID) of the {name}")
    if method:
        sentence += f" by {method}"
    else:
        gaps.append("the imaging method (acquisition mode or FBbi term)")
    sentences = [sentence + _objectives(images, gaps) + "."]
    sentences.extend(_channels(images, gaps))
    sentences.append(_sampling(images, gaps))
    environment = _environment(images)
    if environment:
        sentences.append(environment)
    software = _software(images, gaps)
    if software:
        sentences.append(software)
    return sentences, gaps


def _objectives(images: Sequence[model.Image], gaps: list[str]) -> str:
    lenses: dict[str, str] = {}
    for image in images:
        lens = image.acquisition.objective if image.acquisition else None
        if lens is None:
            continue
        specs = []
        if lens.nominal_magnification:
            specs.append(f"{number(lens.nominal_magnification)}x")
        if lens.lens_na:
            specs.append(f"NA {number(lens.lens_na)}")
        if lens.immersion:
            specs.append(f"{str(lens.immersion).lower()} immersion")
        text = part_name(lens) or "objective"
        lenses.setdefault(text, f"{text} ({', '.join(specs)})" if specs else text)
    if not lenses:
        if any(_is_light(image) for image in images):
            gaps.append("the objective (model, magnification, NA, immersion)")
        return ""
    if len(lenses) == 1:
        return f", with {article(next(iter(lenses)))} {next(iter(lenses.values()))} objective"
    return f", with {join(list(lenses.values()))} objectives"


def _is_light(image: model.Image) -> bool:
    # Unknown mode: an objective may not even exist (electron microscopes have none).
    mode = image.acquisition.acquisition_mode if image.acquisition else None
    return mode is not None and mode != "ElectronMicroscopy"


def _channels(images: Sequence[model.Image], gaps: list[str]) -> list[str]:
    channels = [channel for image in images for channel in image.channels or []]
    detectors = {part_name(c.detector) for c in channels if c.detector}
    shared = len(detectors) == 1 and all(c.detector for c in channels)
    sentences: list[str] = []
    seen: dict[tuple[object, ...], list[float]] = {}
    described: dict[tuple[object, ...], model.Channel] = {}
    for channel in channels:
        key = (
            channel.fluorophore_name or channel.name,
            channel.excitation_wavelength,
            channel.emission_wavelength,
            part_name(channel.light_source) if channel.light_source else None,
            part_name(channel.detector) if channel.detector else None,
            channel.filter_set.model if channel.filter_set else None,
        )
        described.setdefault(key, channel)
        if channel.exposure_time is not None:
            seen.setdefault(key, []).append(channel.exposure_time)
    for setting, first in described.items():
        sentence = _channel(first, seen.get(setting, []), shared, gaps)
        if sentence:
            sentences.append(sentence)
    if shared and channels[0].detector is not None:
        detector = channels[0].detector
        kind = _DETECTORS.get(str(detector.detector_type), "")
        binning = {c.binning for c in channels if c.binning}
        extra = f" (binning {join(sorted(binning))})" if binning else ""
        name = part_name(detector) or "detector"
        subject = "Images were" if len(images) > 1 else "The image was"
        sentences.append(f"{subject} recorded with {article(name)} {name}{kind}{extra}.")
    return sentences


def _channel(
    channel: model.Channel, exposures: list[float], shared: bool, gaps: list[str]
) -> str | None:
    label = channel.fluorophore_name or channel.name
    fluorescent = channel.contrast_method in (
        None,
        "Fluorescence",
    ) and channel.illumination_type in (
        None,
        "Epifluorescence",
        "NonLinear",
    )
    if not fluorescent:
        how = (
            str(channel.contrast_method or "transmitted-light")
            .lower()
            .replace("brightfield", "bright-field")
        )
        text = f"{how.capitalize()} images"
        if channel.light_source:
            text += f" were taken under {part_name(channel.light_source)} illumination"
        else:
            text += " were taken"
        if exposures:
            text += f" with an exposure time of {exposure(min(exposures), max(exposures))}"
        return text + "."
    if label is None and channel.excitation_wavelength is None:
        return None
    who = label or "The channel"
    parts = []
    if channel.excitation_wavelength:
        excitation = f"was excited at {number(channel.excitation_wavelength)} nm"
        if channel.light_source:
            light = _light(channel.light_source)
            excitation += f" with {article(light)} {light}"
        parts.append(excitation)
    else:
        gaps.append(f"the excitation wavelength of {who}")
    if channel.emission_wavelength:
        detection = f"detected at {number(channel.emission_wavelength)} nm"
        if channel.filter_set:
            detection += f" through the {_filters(channel.filter_set)}"
        if channel.detector and not shared:
            detector = part_name(channel.detector) or "detector"
            detection += f" with {article(detector)} {detector}"
        parts.append(detection)
    else:
        gaps.append(f"the emission wavelength of {who}")
    sentence = f"{who} {' and '.join(parts) if parts else 'was imaged'}"
    settings = []
    if exposures:
        settings.append(f"exposure time {exposure(min(exposures), max(exposures))}")
    if channel.pinhole_size:
        settings.append(f"pinhole {number(channel.pinhole_size)} µm")
    if settings:
        sentence += f"; {', '.join(settings)}"
    return sentence + "."


def _light(source: model.LightSource) -> str:
    name = part_name(source) or "light source"
    kind = {"Laser": "laser", "LightEmittingDiode": "LED", "Arc": "arc lamp"}.get(
        str(source.light_source_kind), ""
    )
    return f"{name} {kind}".strip() if kind and kind.lower() not in name.lower() else name


def _filters(filter_set: model.FilterSet) -> str:
    name = part_name(filter_set) or "filter"
    parts = [f"{f.model} excitation filter" for f in filter_set.excitation_filters or [] if f.model]
    if filter_set.dichroic and filter_set.dichroic.model:
        parts.append(f"{filter_set.dichroic.model} dichroic")
    parts += [f"{f.model} emission filter" for f in filter_set.emission_filters or [] if f.model]
    detail = f" ({', '.join(parts)})" if parts else ""
    return f"{name} filter set{detail}"


def _sampling(images: Sequence[model.Image], gaps: list[str]) -> str:
    sizes = sorted({(i.size_x, i.size_y) for i in images})
    pixels = sorted({(i.physical_size_x, i.physical_size_y) for i in images if i.physical_size_x})
    dims = join([f"{x} × {y}" for x, y in sizes])
    text = f"{'Images measure' if len(images) > 1 else 'The image measures'} {dims} pixels"
    if pixels:
        shown = [
            length(x) if x == y or y is None else f"{length(x)} × {length(y)}" for x, y in pixels
        ]
        text += f" at {'a pixel size' if len(shown) == 1 else 'pixel sizes'} of {join(shown)}"
    else:
        gaps.append("the pixel size (the files carry no calibration)")
    stacks = sorted({(i.size_z, i.physical_size_z) for i in images if i.size_z > 1})
    if stacks:
        text += "; z-stacks of " + join(
            [f"{z} planes" + (f" {length(step)} apart" if step else "") for z, step in stacks]
        )
        if any(step is None for _, step in stacks):
            gaps.append("the z step of the stacks")
    series = sorted({(i.size_t, i.time_increment) for i in images if i.size_t > 1})
    if series:
        text += "; time-lapse series of " + join(
            [f"{t} time points" + (f" every {duration(dt)}" if dt else "") for t, dt in series]
        )
        if any(dt is None for _, dt in series):
            gaps.append("the time interval of the time-lapse series")
    return text + "."


def _environment(images: Sequence[model.Image]) -> str | None:
    temperatures = {i.acquisition.temperature for i in images if i.acquisition} - {None}
    gases = {i.acquisition.co2_percent for i in images if i.acquisition} - {None}
    parts = [f"{number(t)} °C" for t in sorted(t for t in temperatures if t is not None)]
    parts += [f"{number(g)}% CO2" for g in sorted(g for g in gases if g is not None)]
    return f"The sample was kept at {join(parts)} during imaging." if parts else None


def _software(images: Sequence[model.Image], gaps: list[str]) -> str | None:
    names = []
    for image in images:
        software = image.acquisition.acquisition_software if image.acquisition else None
        if software and software.name:
            text = " ".join(filter(None, [software.name, software.version]))
            if software.rrid:
                text += f" ({software.rrid})"
            if text not in names:
                names.append(text)
    if not names:
        gaps.append("the acquisition software and its version")
        return None
    return f"Acquisition was controlled with {join(names)}."


def _facility(study: model.Study | None, missing: list[str]) -> str | None:
    facility = study.facility if study else None
    if facility is None or not facility.name:
        missing.append("the imaging facility (and its RRID, for the acknowledgement)")
        return None
    text = f"Imaging was performed at the {facility.name}"
    if facility.ror:
        text += f" ({facility.ror})"
    text += "."
    if study and study.acknowledgements:
        text += f" {study.acknowledgements.strip()}"
    return text


def dataset_methods(
    catalog: Catalog,
    project: str,
    dataset: str | None = None,
    *,
    datasets: Collection[str] | None = None,
) -> MethodsText:
    """The methods text for one dataset of ``project`` (or all its images), with its study.

    ``datasets`` limits the images to those datasets (the ones a viewer may see).

    Raises
    ------
    NotFoundError
        For an unknown project, or a dataset with no images in it.
    """
    images = [
        i.document
        for i in project_images(catalog, project)
        if dataset in (None, i.dataset) and (datasets is None or i.dataset in datasets)
    ]
    if not images:
        raise NotFoundError(
            f"No images in {project!r}" + (f", dataset {dataset!r}" if dataset else "") + ".",
            project=project,
            dataset=dataset,
        )
    record = catalog.get_study(project)
    return methods_text(images, study=record.document if record else None)
