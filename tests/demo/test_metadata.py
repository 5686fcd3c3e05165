"""The demo files' metadata: schema-valid OME-XML that says what ``expected`` says it says."""

from __future__ import annotations

import importlib.util
import itertools
import math
from datetime import datetime
from typing import Any

import ome_types
import pytest
import tifffile
from ome_types import model as ome

from imagesteward.demo import DemoFile
from tests.demo.conftest import by_name

OME_KINDS = ["widefield", "overview", "zstack", "live", "screen", "he_section"]

_TO_UM = {"µm": 1.0, "nm": 1e-3, "mm": 1e3}
_TO_S = {"s": 1.0, "ms": 1e-3, "min": 60.0}


def _xml(item: DemoFile) -> str:
    with tifffile.TiffFile(item.path) as tif:
        text = tif.ome_metadata
    assert text is not None, f"{item.path.name} has no OME-XML"
    return text


def _parse(item: DemoFile) -> ome.OME:
    return ome_types.from_xml(_xml(item), validate=False)


def _instrument(document: ome.OME) -> ome.Instrument:
    assert len(document.instruments) == 1
    return document.instruments[0]


def _part(instrument: ome.Instrument, id_: str) -> Any:
    parts = [
        *instrument.objectives,
        *instrument.lasers,
        *instrument.light_emitting_diodes,
        *instrument.detectors,
        *instrument.filter_sets,
        *instrument.filters,
        *instrument.dichroics,
    ]
    found = [part for part in parts if part.id == id_]
    assert len(found) == 1, f"reference {id_} resolves to {len(found)} parts"
    return found[0]


@pytest.mark.parametrize("kind", OME_KINDS)
def test_ome_xml_is_schema_valid(demo: list[DemoFile], kind: str) -> None:
    if not any(importlib.util.find_spec(name) for name in ("lxml", "xmlschema")):
        pytest.skip("XSD validation needs lxml or xmlschema (ome-types extra 'lxml')")
    ome_types.from_xml(_xml(by_name(demo, kind)), validate=True)


@pytest.mark.parametrize("kind", OME_KINDS)
def test_every_reference_resolves(demo: list[DemoFile], kind: str) -> None:
    document = _parse(by_name(demo, kind))
    instrument = _instrument(document)
    people = {person.id for person in document.experimenters}
    for image in document.images:
        assert image.instrument_ref is not None and image.instrument_ref.id == instrument.id
        assert image.experimenter_ref is not None and image.experimenter_ref.id in people
        assert image.objective_settings is not None
        assert isinstance(_part(instrument, image.objective_settings.id), ome.Objective)
        for channel in image.pixels.channels:
            if channel.light_source_settings is not None:
                _part(instrument, channel.light_source_settings.id)
            if channel.detector_settings is not None:
                assert isinstance(_part(instrument, channel.detector_settings.id), ome.Detector)
            if channel.filter_set_ref is not None:
                cube = _part(instrument, channel.filter_set_ref.id)
                for ref in [*cube.excitation_filters, *cube.emission_filters]:
                    assert isinstance(_part(instrument, ref.id), ome.Filter)
                assert isinstance(_part(instrument, cube.dichroic_ref.id), ome.Dichroic)
        planes = image.pixels.planes
        pixels = image.pixels
        assert len(planes) == pixels.size_t * pixels.size_z * pixels.size_c // max(
            1, pixels.channels[0].samples_per_pixel or 1
        )


@pytest.mark.parametrize("kind", OME_KINDS)
def test_expected_facts_agree_with_the_ome_xml(demo: list[DemoFile], kind: str) -> None:
    item = by_name(demo, kind)
    document = _parse(item)
    instrument = _instrument(document)
    assert item.expected["series_count"] == len(document.images)
    for image, facts in zip(document.images, item.expected["series"], strict=True):
        pixels = image.pixels
        samples = pixels.channels[0].samples_per_pixel or 1
        sizes = {
            "T": pixels.size_t,
            "C": pixels.size_c // samples,
            "Z": pixels.size_z,
            "Y": pixels.size_y,
            "X": pixels.size_x,
        }
        if samples > 1:
            sizes["S"] = samples
        assert facts["sizes"] == sizes
        assert facts["name"] == image.name
        assert facts["dtype"] == pixels.type.value
        assert facts["significant_bits"] == pixels.significant_bits
        size = facts["physical_pixel_size"]
        assert size["unit"] == "µm"
        assert pixels.physical_size_x is not None and pixels.physical_size_y is not None
        to_um = _TO_UM[pixels.physical_size_x_unit.value]
        assert math.isclose(size["x"], pixels.physical_size_x * to_um)
        assert math.isclose(size["y"], pixels.physical_size_y * to_um)
        if pixels.physical_size_z is None:
            assert size["z"] is None
        else:
            assert math.isclose(size["z"], pixels.physical_size_z)
        assert facts["channel_names"] == [channel.name for channel in pixels.channels]
        wavelengths = [[c.excitation_wavelength, c.emission_wavelength] for c in pixels.channels]
        assert facts["channel_wavelengths_nm"] == wavelengths
        if pixels.time_increment is None:
            assert "time_increment_s" not in facts
        else:
            increment = pixels.time_increment * _TO_S[pixels.time_increment_unit.value]
            assert math.isclose(facts["time_increment_s"], increment)

        assert image.acquisition_date is not None
        assert facts["acquisition_date"] == image.acquisition_date.isoformat()
        assert datetime.fromisoformat(facts["acquisition_date"]).utcoffset() is not None
        assert f"<AcquisitionDate>{facts['acquisition_date']}</AcquisitionDate>" in _xml(item)

        scope = instrument.microscope
        assert scope is not None
        assert facts["instrument"]["model"] == scope.model
        assert facts["instrument"]["manufacturer"] == scope.manufacturer
        assert facts["instrument"]["serial_number"] == scope.serial_number
        assert image.objective_settings is not None
        objective = _part(instrument, image.objective_settings.id)
        assert facts["objective"]["model"] == objective.model
        assert math.isclose(facts["objective"]["lens_na"], objective.lens_na)
        assert math.isclose(
            facts["objective"]["nominal_magnification"], objective.nominal_magnification
        )
        assert facts["objective"]["immersion"] == objective.immersion.value

        for index, (channel, wanted) in enumerate(
            zip(pixels.channels, facts["channels"], strict=True)
        ):
            assert channel.acquisition_mode is not None
            assert wanted["acquisition_mode"] == channel.acquisition_mode.value
            planes = [plane for plane in pixels.planes if plane.the_c == index]
            if planes and planes[0].exposure_time is not None:
                unit = planes[0].exposure_time_unit.value
                assert math.isclose(
                    wanted["exposure_time_s"], planes[0].exposure_time * _TO_S[unit]
                )
            if channel.light_source_settings is not None:
                source = _part(instrument, channel.light_source_settings.id)
                assert wanted["light_source"]["model"] == source.model
                assert wanted["light_source"]["power_mw"] == source.power
            if channel.detector_settings is not None:
                detector = _part(instrument, channel.detector_settings.id)
                assert wanted["detector"]["model"] == detector.model
                assert wanted["detector"]["gain"] == channel.detector_settings.gain


def test_the_widefield_image_is_described_like_a_real_acquisition(demo: list[DemoFile]) -> None:
    facts = by_name(demo, "widefield").expected["series"][0]
    assert facts["channel_names"] == ["DAPI", "Alexa Fluor 488", "Alexa Fluor 568"]
    assert facts["objective"]["lens_na"] == 1.42 and facts["objective"]["immersion"] == "Oil"
    assert facts["objective"]["nominal_magnification"] == 60.0
    assert facts["physical_pixel_size"]["x"] == pytest.approx(0.108, abs=0.001)
    assert facts["instrument"]["serial_number"].startswith("DEMO-")
    dapi, green, red = facts["channels"]
    assert dapi["light_source"]["kind"] == "LightEmittingDiode"
    assert dapi["light_source"]["wavelength_nm"] == 395.0 and dapi["light_source"]["power_mw"] > 0
    assert dapi["detector"]["type"] == "CMOS" and dapi["detector"]["model"].startswith(
        "ORCA-Fusion"
    )
    # The exposure times are stored in milliseconds and given here in seconds.
    assert [c["exposure_time_s"] for c in (dapi, green, red)] == [0.05, 0.2, 0.3]
    cube = green["filter_set"]
    assert (
        cube["excitation_filters"][0]["cut_in_nm"] < 488 < cube["emission_filters"][0]["cut_in_nm"]
    )
    assert cube["dichroic"]["model"] == "FF495-Di03"
    assert datetime.fromisoformat(facts["acquisition_date"]).utcoffset() is not None


def test_the_confocal_stack_has_lasers_detectors_and_pinhole(demo: list[DemoFile]) -> None:
    facts = by_name(demo, "zstack").expected["series"][0]
    assert facts["acquisition_mode"] == "LaserScanningConfocalMicroscopy"
    assert facts["physical_pixel_size"] == {"x": 0.1, "y": 0.1, "z": 0.3, "unit": "µm"}
    assert facts["objective"]["model"] == "HC PL APO 63x/1.40 OIL CS2"
    lasers = [c["light_source"] for c in facts["channels"]]
    lines = [(s["kind"], s["wavelength_nm"]) for s in lasers]
    assert lines == [("Laser", 488.0), ("Laser", 561.0)]
    assert all(s["power_mw"] > 0 for s in lasers)
    detectors = [c["detector"] for c in facts["channels"]]
    assert {d["type"] for d in detectors} == {"PMT", "Other"}  # OME has no HyD type
    assert all(d["gain"] is not None and d["offset"] is not None for d in detectors)
    assert all(c["pinhole_size_um"] == 95.5 for c in facts["channels"])


def test_the_time_lapse_has_time_stage_and_environment(demo: list[DemoFile]) -> None:
    item = by_name(demo, "live")
    facts = item.expected["series"][0]
    assert facts["time_increment_s"] == 300.0
    assert facts["acquisition_mode"] == "SpinningDiskConfocal"
    assert facts["objective"]["immersion"] == "Water" and facts["objective"]["lens_na"] == 1.15
    assert facts["stage_position"]["x"] == -8734.25
    assert facts["temperature_c"] == 37.0 and facts["co2_percent"] == 5.0
    planes = _parse(item).images[0].pixels.planes
    assert len(planes) == 48
    last = next(p for p in planes if p.the_t == 23 and p.the_c == 0)
    assert last.delta_t is not None and abs(last.delta_t - 23 * 300) < 1
    assert all(p.exposure_time for p in planes)


def test_the_5d_time_lapse_has_sections_time_points_and_their_planes(
    demo: list[DemoFile],
) -> None:
    item = by_name(demo, "4d")
    assert item.project == "Demo: cell dynamics"
    facts = item.expected["series"][0]
    assert {k: facts["sizes"][k] for k in "TZC"} == {"T": 5, "Z": 7, "C": 2}
    assert facts["time_increment_s"] == 600.0
    assert facts["physical_pixel_size"]["z"] == 1.0
    assert facts["acquisition_mode"] == "SpinningDiskConfocal"
    pixels = _parse(item).images[0].pixels
    assert len(pixels.planes) == 5 * 7 * 2
    heights = sorted({p.position_z or 0.0 for p in pixels.planes if p.the_t == 0 and p.the_c == 0})
    assert len(heights) == 7 and all(
        abs(b - a - 1.0) < 1e-6 for a, b in itertools.pairwise(heights)
    )
    last = next(p for p in pixels.planes if (p.the_t, p.the_z, p.the_c) == (4, 0, 0))
    assert last.delta_t is not None and abs(last.delta_t - 4 * 600) < 1


def test_the_screen_is_one_file_with_four_images_of_a_well(demo: list[DemoFile]) -> None:
    item = by_name(demo, "screen")
    document = _parse(item)
    assert [image.name for image in document.images] == [f"B03 field {i}" for i in range(1, 5)]
    (plate,) = document.plates
    (well,) = plate.wells
    assert (well.row, well.column) == (1, 2)
    assert [sample.image_ref.id for sample in well.well_samples if sample.image_ref] == [
        image.id for image in document.images
    ]
    positions = {
        (s["stage_position"]["x"], s["stage_position"]["y"]) for s in item.expected["series"]
    }
    assert len(positions) == 4


def test_instruments_are_shared_between_files(demo: list[DemoFile]) -> None:
    def microscope(kind: str) -> dict[str, Any]:
        return dict(by_name(demo, kind).expected["series"][0]["instrument"])

    def instrument_xml(kind: str) -> str:
        return ome_types.to_xml(ome.OME(instruments=_parse(by_name(demo, kind)).instruments))

    assert instrument_xml("overview") == instrument_xml("zstack")
    assert instrument_xml("widefield") == instrument_xml("screen")
    # Same stand model on two instruments: only the serial number tells them apart.
    assert microscope("widefield")["model"] == microscope("live")["model"]
    assert microscope("widefield")["serial_number"] != microscope("live")["serial_number"]


def test_the_em_image_is_an_imagej_tiff_calibrated_in_nm(demo: list[DemoFile]) -> None:
    item = by_name(demo, "tem")
    facts = item.expected["series"][0]
    with tifffile.TiffFile(item.path) as tif:
        assert tif.is_imagej and not tif.is_ome
        metadata = tif.imagej_metadata
        assert metadata is not None and metadata["unit"] == "nm"
        page = tif.pages[0]
        assert isinstance(page, tifffile.TiffPage)
        x_resolution = page.tags["XResolution"].value
    pixel_nm = x_resolution[1] / x_resolution[0]
    assert pixel_nm == facts["physical_pixel_size"]["as_stored"]["x"] == 4.0
    assert facts["physical_pixel_size"]["x"] == pytest.approx(0.004)
    assert facts["objective"] is None and facts["acquisition_date"] is None
