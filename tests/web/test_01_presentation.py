"""How the pages write quantities and group metadata (pure functions, no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from imagesteward.model import Image
from imagesteward.server.web._format import duration, file_size, humanize, length, number
from imagesteward.server.web._image_page import napari_snippets
from imagesteward.server.web._rembi import (
    acquisition_facts,
    channel_rows,
    image_facts,
    instrument_facts,
)


@pytest.mark.parametrize(
    ("micrometres", "text"),
    [
        (0.004, "4 nm"),
        (0.1083, "0.1083 µm"),
        (0.3, "0.3 µm"),
        (150.0, "150 µm"),
        (2048.0, "2.048 mm"),
        (None, ""),
    ],
)
def test_lengths_take_the_unit_a_microscopist_reads(micrometres: float | None, text: str) -> None:
    assert length(micrometres) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0006, "600 µs"), (0.05, "50 ms"), (0.000_02, "20 µs"), (1.5, "1.5 s"), (600, "10 min")],
)
def test_durations(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_sizes_numbers_and_enumerations() -> None:
    assert file_size(999) == "999 bytes"
    assert file_size(3_824_259) == "3.8 MB"
    assert file_size(42_000_000_000_000) == "42.0 TB"
    assert number(1.515) == "1.515"
    assert number(60.0) == "60"
    assert number(1_234_567) == "1\u202f234\u202f567"
    assert humanize("LaserScanningConfocalMicroscopy") == "Laser scanning confocal microscopy"
    assert humanize("CMOS") == "CMOS"
    assert humanize("LightEmittingDiode") == "Light emitting diode"


def test_napari_snippets_name_the_zarr_url() -> None:
    shell, python = napari_snippets("http://host:8000/zarr/abc")
    assert shell == "napari --plugin napari-ome-zarr http://host:8000/zarr/abc"
    assert 'viewer.open("http://host:8000/zarr/abc", plugin="napari-ome-zarr")' in python


def _document(**acquisition: object) -> Image:
    return Image.model_validate(
        {
            "name": "cells",
            "series_index": 0,
            "file_format": "ome-tiff",
            "axes": "TCZYX",
            "size_t": 24,
            "size_c": 2,
            "size_z": 40,
            "size_y": 512,
            "size_x": 256,
            "pixel_type": "uint16",
            "significant_bits": 12,
            "physical_size_x": 0.1,
            "physical_size_y": 0.1,
            "physical_size_z": 0.3,
            "time_increment": 300.0,
            "channels": [
                {
                    "channel_index": 0,
                    "name": "GFP",
                    "color": "#00FF00",
                    "fluorophore_name": "EGFP",
                    "excitation_wavelength": 488.0,
                    "emission_wavelength": 507.0,
                    "exposure_time": 0.1,
                    "detector": {"detector_type": "CMOS", "model": "ORCA"},
                    "detector_gain": 2.0,
                },
                {"channel_index": 1},
            ],
            "acquisition": acquisition or None,
        }
    )


def test_image_facts_give_sizes_calibration_and_format() -> None:
    facts = {fact.label: fact.value for fact in image_facts(_document())}
    assert facts["Size"] == "256 × 512 px, 2 channels, 40 z-planes, 24 time points"
    assert facts["Pixel size"] == "0.1 µm × 0.1 µm × 0.3 µm (z)"
    assert facts["Field of view"] == "25.6 µm × 51.2 µm"
    assert facts["Time increment"] == "5 min"
    assert facts["Pixel type"] == "uint16 (12 significant bits)"
    assert facts["File format"] == "ome-tiff"


def test_uncalibrated_images_say_so() -> None:
    document = _document().model_copy(update={"physical_size_x": None, "physical_size_y": None})
    facts = {fact.label: fact for fact in image_facts(document)}
    assert facts["Pixel size"].value == "not calibrated"


def test_acquisition_dates_say_how_their_time_zone_is_known() -> None:
    known = _document(
        acquisition_date=datetime(2024, 3, 12, 13, 37, 9, tzinfo=UTC),
        acquisition_date_as_written="2024-03-12T14:37:09+01:00",
        timezone_known=True,
        acquisition_mode="SpinningDiskConfocal",
    )
    facts = {fact.label: fact for fact in acquisition_facts(known)}
    assert facts["Date"].value == "2024-03-12 13:37:09 UTC"
    assert facts["Date"].note == "as written: 2024-03-12T14:37:09+01:00"
    assert facts["Mode"].value == "Spinning disk confocal"

    local = _document(acquisition_date=datetime(2024, 3, 12, 14, 37, 9), timezone_known=False)
    date = acquisition_facts(local)[0]
    assert date.value == "2024-03-12 14:37:09"
    assert date.note is not None and "time zone" in date.note


def test_nothing_recorded_is_nothing_shown() -> None:
    assert acquisition_facts(_document()) == []
    assert instrument_facts(_document()) == []


def test_channel_rows_fill_only_recorded_columns() -> None:
    rows, columns = channel_rows(_document())
    assert columns == {"fluorophore", "wavelengths", "exposure", "detector"}
    assert rows[0].wavelengths == "488 / 507"
    assert rows[0].exposure == "100 ms"
    assert rows[0].detector == "ORCA (CMOS), gain 2"
    assert rows[0].color == "#00FF00"
    assert rows[1].name == "Channel 1"
    assert rows[1].color is None
