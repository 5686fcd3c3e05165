"""Every image in the shared corpus is read with the metadata its independent readers agreed on.

Expected values come from ../shared/testdata/MANIFEST.json (third-party readers, corrected where
they disagree, with the reasons in the manifest's notes).
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from imagesteward.formats import ReadContext, default_registry
from imagesteward.model import Image, SeriesInfo
from tests.conftest import CorpusItem, corpus_items

IMAGE_ITEMS = [item for item in corpus_items() if item.format != "eln"]

# Where the manifest's expected value is demonstrably wrong, the corrected value and the evidence.
# Keyed by (item path, series index, field). Every entry must be justified; keep this list short.
MANIFEST_CORRECTIONS: dict[tuple[str, int, str], tuple[object, str]] = {
    ("lif/LeicaLASX_xz-plane_example.lif", 0, "acquisition_date"): (
        "2021-01-29T15:44:20.942Z",
        "the image's first TimeStampList entry is a Windows FILETIME, UTC by definition; the "
        "manifest's value is the same instant with the zone dropped and float rounding",
    ),
    ("lif/LeicaLASX_xz-plane_example.lif", 1, "acquisition_date"): (
        "2021-01-29T15:45:49.503Z",
        "bioio-lif (the manifest's only source) stamps every image with the file's first "
        "TimeStampList; liffile gives this image its own first stamp, and the image's "
        "version-1 UUID 0a6b33d1-6249-11eb encodes 15:45:4x UTC, confirming it",
    ),
    ("lif/LeicaLASX_xz-plane_example.lif", 2, "acquisition_date"): (
        "2021-01-29T15:49:03.126Z",
        "as for series 1; the UUID 81d537d6-6249-11eb encodes 15:49:01 UTC",
    ),
}


def _expected(item: CorpusItem, index: int, series: dict[str, Any]) -> dict[str, Any]:
    corrected = dict(series)
    for (path, position, key), (value, _reason) in MANIFEST_CORRECTIONS.items():
        if path == item.relpath and position == index:
            corrected[key] = value
    return corrected


PIXEL_ITEMS = [item for item in IMAGE_ITEMS if "first_plane" in item.expected]


def _open(item: CorpusItem):  # type: ignore[no-untyped-def]
    context = ReadContext(allowed_roots=(item.path.parent,))
    return default_registry().open(item.path, context)


def _close(actual: float | None, expected: float | None, what: str) -> None:
    if expected is None:
        assert actual is None, f"{what}: expected no value, got {actual}"
        return
    assert actual is not None, f"{what}: expected {expected}, got nothing"
    assert math.isclose(actual, expected, rel_tol=1e-6), f"{what}: {actual} != {expected}"


def _parse_date(text: str) -> datetime:
    # Python keeps microseconds; files may carry 100 ns ticks (CZI: .4915604Z).
    head, _, frac = text.partition(".")
    if frac:
        digits = frac[: len(frac) - len(frac.lstrip("0123456789"))]  # leading digits only
        zone = frac[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("item", IMAGE_ITEMS, ids=lambda i: i.id)
def test_reader_is_chosen_by_content(item: CorpusItem) -> None:
    report = default_registry().select(item.path)
    assert report.chosen is not None, report.explain()
    assert report.chosen.name == item.format, report.explain()


@pytest.mark.parametrize("item", IMAGE_ITEMS, ids=lambda i: i.id)
def test_series_metadata_matches_manifest(item: CorpusItem, no_leaked_handles: None) -> None:
    source, _ = _open(item)
    with source:
        series = list(source.series)
    assert len(series) == item.expected["series_count"]
    for index, (info, expected) in enumerate(zip(series, item.expected["series"], strict=False)):
        _check_series(info, _expected(item, index, expected))


def _check_series(info: SeriesInfo, expected: dict[str, Any]) -> None:
    image: Image = info.image
    sizes = expected["sizes"]
    actual_sizes = {
        "T": image.size_t,
        "C": image.size_c,
        "Z": image.size_z,
        "Y": image.size_y,
        "X": image.size_x,
    }
    for dim, size in sizes.items():
        if dim == "S":
            assert image.samples_per_pixel == size
        elif dim in actual_sizes:
            assert actual_sizes[dim] == size, f"size {dim}: {actual_sizes[dim]} != {size}"
        else:
            extra = {d.name: d.size for d in image.extra_dimensions or []}
            assert extra.get(dim) == size, f"extra dimension {dim}: {extra}"
    assert image.pixel_type == expected["dtype"]
    assert info.structure.dtype == expected["dtype"]
    for dim, size in sizes.items():
        assert info.structure.size(dim) == size, f"structure {info.structure} along {dim}"

    if "physical_pixel_size" in expected:
        pps = expected["physical_pixel_size"]
        _close(image.physical_size_x, pps.get("x"), "physical_size_x")
        _close(image.physical_size_y, pps.get("y"), "physical_size_y")
        _close(image.physical_size_z, pps.get("z"), "physical_size_z")

    if "name" in expected and expected["name"] not in (None, "/"):
        assert image.name == expected["name"]

    if expected.get("channel_names") is not None:
        names = [c.name for c in image.channels or []]
        assert names == expected["channel_names"]
    elif "channel_names" in expected:
        assert all(c.name is None for c in image.channels or [])

    channel0 = image.channels[0] if image.channels else None
    for key, attr in (
        ("excitation_nm", "excitation_wavelength"),
        ("emission_nm", "emission_wavelength"),
    ):
        if key in expected:
            assert channel0 is not None
            _close(getattr(channel0, attr), expected[key], attr)
    if "fluor" in expected:
        assert channel0 is not None
        assert channel0.fluorophore_name == expected["fluor"]
    if "channel_wavelengths_nm" in expected:
        pairs = [[c.excitation_wavelength, c.emission_wavelength] for c in image.channels or []]
        assert pairs == expected["channel_wavelengths_nm"]

    acquisition = image.acquisition
    objective = acquisition.objective if acquisition else None
    if "objective" in expected:
        wanted = expected["objective"]
        if wanted is None:
            assert objective is None or not (
                objective.model or objective.lens_na or objective.nominal_magnification
            ), objective
        else:
            assert objective is not None
            for key, value in wanted.items():
                got = getattr(objective, key)
                if isinstance(value, float | int) and not isinstance(value, bool):
                    _close(got, float(value), f"objective.{key}")
                else:
                    assert got == value, f"objective.{key}: {got!r} != {value!r}"

    instrument = expected.get("instrument")
    if isinstance(instrument, dict):
        assert acquisition is not None and acquisition.microscope is not None
        for key in ("manufacturer", "model"):
            if key in instrument:
                assert (getattr(acquisition.microscope, key) or "") == instrument[key]

    if expected.get("instrument_objectives"):
        assert acquisition is not None and acquisition.microscope is not None
        inventory = acquisition.microscope.objectives or []
        for wanted in expected["instrument_objectives"]:
            match = [o for o in inventory if o.model == wanted["model"]]
            assert match, f"objective {wanted['model']} missing from inventory {inventory}"
            _close(match[0].lens_na, wanted["lens_na"], "inventory lens_na")
            if "working_distance" in wanted:
                wd = wanted["working_distance"]
                assert wd["unit"] == "mm"
                _close(match[0].working_distance, wd["value"] * 1000.0, "working_distance")

    if "acquisition_date" in expected:
        when = expected["acquisition_date"]
        got = acquisition.acquisition_date if acquisition else None
        if when is None:
            assert got is None
        else:
            assert got is not None
            want = _parse_date(when)
            if want.tzinfo is not None:
                assert got.tzinfo is not None, f"{got} should be timezone-aware"
            assert got == want, f"acquisition_date {got} != {want}"

    if "time_increment_s" in expected:
        _close(image.time_increment, expected["time_increment_s"], "time_increment")

    if "resolution_levels" in expected:
        assert len(info.structure.levels) == len(expected["resolution_levels"])

    if "significant_bits" in expected:
        assert image.significant_bits == expected["significant_bits"]


@pytest.mark.parametrize("item", PIXEL_ITEMS, ids=lambda i: i.id)
def test_first_plane_pixels_match_manifest(item: CorpusItem, no_leaked_handles: None) -> None:
    plane_spec = item.expected["first_plane"]
    source, _ = _open(item)
    with source:
        structure = source.series[0].structure
        selection = {d: 0 for d in structure.dims if d not in structure.plane_dims}
        plane = np.ascontiguousarray(source.read(0, selection))
    assert list(plane.shape) == plane_spec["shape"], f"{structure} -> {plane.shape}"
    assert plane.dtype == np.dtype(plane_spec["dtype"])
    data = plane.astype(plane.dtype.newbyteorder("<"), copy=False).tobytes()
    assert hashlib.sha256(data).hexdigest() == plane_spec["sha256"]


@pytest.mark.parametrize("item", IMAGE_ITEMS, ids=lambda i: i.id)
def test_original_metadata_is_kept(item: CorpusItem) -> None:
    source, _ = _open(item)
    with source:
        original = source.original_metadata()
    if item.format == "mrc":
        # MRC's whole header is binary; it is kept as a JSON rendering of every field.
        assert original is not None and original.media_type == "application/json"
        return
    assert original is not None, "the file's complete metadata must be kept"
    assert len(original.content) > 0


def test_files_of_a_source_include_the_opened_path(testdata: Path) -> None:
    path = testdata / "ome-tiff" / "multiseries.ome.tiff"
    source, _ = default_registry().open(path, ReadContext(allowed_roots=(path.parent,)))
    with source:
        assert source.files[0] == path
