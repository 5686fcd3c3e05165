"""Completeness: which fields each tier asks for are filled, and where to fill the others.

Every slot of the schema carries a tier (1 minimal, 2 recommended, 3 full, after NBO-Q). A
document is scored per tier by walking its slots recursively: a slot counts when its tier is
the tier scored and it applies to this image; an object that is present is walked into, an
absent one counts as one missing field (its own fields are not held against it twice).

Some slots only make sense for some images: a z step for a stack, a time interval for a time
series, a pinhole for a confocal, excitation and emission for fluorescence, light for light
microscopy. :func:`_applies` says which, so that a brightfield slide or an electron micrograph
is not scored on fields it can never have.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from imagesteward import model
from imagesteward.describe._fields import nested_class
from imagesteward.describe._hints import fill_hint
from imagesteward.model import tiered_slots

__all__ = [
    "TIERS",
    "Completeness",
    "MissingField",
    "TierScore",
    "dataset_completeness",
    "image_completeness",
    "study_completeness",
]

TIERS = (1, 2, 3)

_POSITION = re.compile(r"\[[0-9]+\]")

# Slots whose absence is information, not a gap: an image without extra dimensions or a plate
# position has none; notes, stored units and levels are the reader's bookkeeping; inventories
# of a microscope and correlations or analyses of a study exist only where they exist.
_NEVER_MISSING = {
    ("Image", "extra_dimensions"),
    ("Image", "well_sample"),
    ("Image", "physical_sizes_as_stored"),
    ("Image", "resolution_levels"),
    ("Image", "capture_notes"),
    ("Image", "original_metadata"),
    ("Microscope", "objectives"),
    ("Microscope", "filter_sets"),
    ("Study", "image_correlations"),
    ("Study", "analysed_data"),
}
_CONFOCAL = {
    "LaserScanningConfocalMicroscopy",
    "SpinningDiskConfocal",
    "SlitScanConfocal",
    "SweptFieldConfocal",
}
_CAMERAS = {"CCD", "IntensifiedCCD", "EMCCD", "CMOS", "sCMOS", "EBCCD"}
_FLUORESCENCE_ONLY = {
    "fluorophore_name",
    "fluorophore",
    "excitation_wavelength",
    "emission_wavelength",
    "filter_set",
}
_LIGHT_ONLY = {
    ("Channel", slot)
    for slot in (
        *_FLUORESCENCE_ONLY,
        "illumination_type",
        "contrast_method",
        "pinhole_size",
        "light_source",
        "light_source_power",
        "light_source_attenuation",
    )
} | {
    ("ImageAcquisition", "objective"),
    ("ImageAcquisition", "immersion_refractive_index"),
    ("ImageAcquisition", "correction_collar"),
}


@dataclass(frozen=True, slots=True)
class MissingField:
    """A field a tier asks for that is empty.

    ``path`` is the field path in the document (``channels[*]`` when aggregated over
    channels); ``count`` of ``of`` documents miss it; ``where`` says how to fill it.
    """

    path: str
    tier: int
    where: str
    count: int = 1
    of: int = 1


@dataclass(frozen=True, slots=True)
class TierScore:
    """Fields of one tier: how many apply and how many of them are filled."""

    tier: int
    filled: int
    expected: int

    @property
    def percent(self) -> float:
        """Share filled, 100 when the tier asks for nothing."""
        return 100.0 if self.expected == 0 else 100.0 * self.filled / self.expected


@dataclass(frozen=True, slots=True)
class Completeness:
    """The completeness of an image, a dataset or a study."""

    kind: str
    subject: str
    scores: tuple[TierScore, ...]
    missing: tuple[MissingField, ...]

    def score(self, tier: int) -> TierScore:
        """The score of one tier."""
        return next(score for score in self.scores if score.tier == tier)

    def complete(self, tier: int) -> bool:
        """Whether every field of tiers up to ``tier`` is filled."""
        return all(field.tier > tier for field in self.missing)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "kind": self.kind,
            "subject": self.subject,
            "scores": [
                {
                    "tier": s.tier,
                    "filled": s.filled,
                    "expected": s.expected,
                    "percent": round(s.percent, 1),
                }
                for s in self.scores
            ],
            "missing": [
                {"path": m.path, "tier": m.tier, "count": m.count, "of": m.of, "where": m.where}
                for m in self.missing
            ],
        }


@dataclass(frozen=True, slots=True)
class _Context:
    """Facts about the image that decide which slots apply."""

    size_z: int = 1
    size_t: int = 1
    mode: str | None = None
    method: str | None = None

    @property
    def electron(self) -> bool:
        # Scoring has no ontology at hand; FBbi's electron microscopy terms all say so in
        # their labels (TEM, SEM, cryo-EM, STEM), which is what an annotated file has.
        return self.mode == "ElectronMicroscopy" or (
            self.method is not None and "electron microscopy" in self.method.lower()
        )


def _applies(owner: BaseModel, slot: str, context: _Context) -> bool:
    kind = type(owner).__name__
    if (kind, slot) in _NEVER_MISSING:
        return False
    if context.electron and (kind, slot) in _LIGHT_ONLY:
        return False
    if kind == "Image":
        if slot == "physical_size_z":
            return context.size_z > 1
        if slot == "time_increment":
            return context.size_t > 1
    if isinstance(owner, model.Channel):
        if slot in _FLUORESCENCE_ONLY:
            return owner.contrast_method in (None, "Fluorescence") and (
                owner.illumination_type in (None, "Epifluorescence", "NonLinear")
            )
        if slot == "pinhole_size":
            return (owner.acquisition_mode or context.mode) in _CONFOCAL
        if slot == "binning":
            return owner.detector is not None and owner.detector.detector_type in _CAMERAS
    return True


def _walk(
    owner: BaseModel, prefix: str, context: _Context
) -> Iterator[tuple[str, int, bool, type[BaseModel]]]:
    """``(path, tier, filled, owner class)`` for every applicable slot, recursively."""
    for slot, tier in tiered_slots(type(owner)).items():
        if not _applies(owner, slot, context):
            continue
        value = getattr(owner, slot)
        path = f"{prefix}.{slot}" if prefix else slot
        filled = value not in (None, "", [])
        yield path, tier, filled, type(owner)
        if not filled or nested_class(type(owner), slot) is None:
            continue
        items = value if isinstance(value, list) else [value]
        for position, item in enumerate(items):
            where = f"{path}[{position}]" if isinstance(value, list) else path
            yield from _walk(item, where, context)


def _summarise(
    kind: str,
    subject: str,
    entries: Iterable[tuple[str, int, bool, type[BaseModel]]],
    root: type[BaseModel],
    documents: int = 1,
) -> Completeness:
    filled: Counter[int] = Counter()
    expected: Counter[int] = Counter()
    missing: Counter[tuple[str, int]] = Counter()
    for path, tier, is_filled, _ in entries:
        expected[tier] += 1
        if is_filled:
            filled[tier] += 1
        else:
            missing[(path, tier)] += 1
    return Completeness(
        kind=kind,
        subject=subject,
        scores=tuple(TierScore(t, filled[t], expected[t]) for t in TIERS),
        missing=tuple(
            MissingField(path, tier, fill_hint(root, path), count, documents)
            for (path, tier), count in sorted(missing.items(), key=lambda i: (i[0][1], i[0][0]))
        ),
    )


def _image_entries(image: model.Image) -> Iterator[tuple[str, int, bool, type[BaseModel]]]:
    acquisition = image.acquisition
    method = acquisition.imaging_method if acquisition else None
    context = _Context(
        image.size_z,
        image.size_t,
        acquisition.acquisition_mode if acquisition else None,
        method.label if method else None,
    )
    yield from _walk(image, "", context)


def image_completeness(image: model.Image, subject: str) -> Completeness:
    """Completeness of one image document."""
    return _summarise("image", subject, _image_entries(image), model.Image)


def dataset_completeness(images: Iterable[model.Image], subject: str) -> Completeness:
    """Completeness of a set of images: counts summed, missing fields merged across images.

    List positions are merged (``channels[*].exposure_time``): per image, such a field counts
    once and is filled only when every channel has it, so a field missing from the channels
    of 40 images is one line saying 40 of 40.
    """
    entries: list[tuple[str, int, bool, type[BaseModel]]] = []
    count = 0
    for image in images:
        count += 1
        merged: dict[tuple[str, int], bool] = {}
        for path, tier, filled, _ in _image_entries(image):
            key = (_POSITION.sub("[*]", path), tier)
            merged[key] = merged.get(key, True) and filled
        entries.extend((path, tier, filled, model.Image) for (path, tier), filled in merged.items())
    return _summarise("dataset", subject, entries, model.Image, documents=count)


def study_completeness(study: model.Study | None, subject: str) -> Completeness:
    """Completeness of a study description; with none, every top-level field is missing."""
    if study is None:
        entries = (
            (slot, tier, False, model.Study)
            for slot, tier in tiered_slots(model.Study).items()
            if ("Study", slot) not in _NEVER_MISSING
        )
        return _summarise("study", subject, entries, model.Study)
    return _summarise("study", subject, _walk(study, "", _Context()), model.Study)
