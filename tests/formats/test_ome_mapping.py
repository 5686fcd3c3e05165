"""The shared OME-XML -> model mapping (used by OME-TIFF, OME-XML and OME-Zarr readers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from ome_types import model as om
from ome_types import to_xml

from imagesteward.errors import CorruptFileError, ImplausibleSizeError, UnsafeContentError
from imagesteward.formats._ome import images_from_ome, parse_ome, pixels_layout
from imagesteward.formats.reader import ReadContext
from imagesteward.model import Image

PATH = Path("/data/example.ome.xml")


def _pixels(**changes: object) -> om.Pixels:
    values: dict[str, object] = {
        "id": "Pixels:0",
        "dimension_order": "XYZCT",
        "type": "uint16",
        "size_x": 8,
        "size_y": 6,
        "size_z": 3,
        "size_c": 2,
        "size_t": 4,
        "channels": [om.Channel(id="Channel:0:0"), om.Channel(id="Channel:0:1")],
        "metadata_only": om.MetadataOnly(),
    }
    values.update(changes)
    return om.Pixels(**values)


def _instrument() -> om.Instrument:
    return om.Instrument(
        id="Instrument:0",
        microscope=om.Microscope(
            manufacturer="Nikon", model="Ti2", serial_number="N-1", type="Inverted"
        ),
        objectives=[
            om.Objective(
                id="Objective:0",
                model="Plan Fluor 10x",
                nominal_magnification=10,
                lens_na=0.3,
                immersion="Air",
                correction="PlanFluor",
            ),
            om.Objective(
                id="Objective:1",
                model="Plan Apo 60x Oil",
                nominal_magnification=60,
                lens_na=1.4,
                immersion="Oil",
                correction="PlanApo",
                working_distance=130,
                working_distance_unit="µm",
            ),
            om.Objective(id="Objective:2", nominal_magnification=0.0),
        ],
        lasers=[
            om.Laser(
                id="LightSource:0", model="488 line", wavelength=488, power=50, power_unit="mW"
            )
        ],
        light_emitting_diodes=[om.LightEmittingDiode(id="LightSource:1", model="LED")],
        detectors=[
            om.Detector(
                id="Detector:0", model="Prime 95B", manufacturer="Photometrics", type="CMOS"
            )
        ],
        filters=[
            om.Filter(
                id="Filter:0",
                model="ET470/40x",
                type="BandPass",
                transmittance_range=om.TransmittanceRange(cut_in=450, cut_out=490),
            ),
            om.Filter(id="Filter:1", model="ET525/50m", type="BandPass"),
        ],
        dichroics=[om.Dichroic(id="Dichroic:0", model="T495lpxr")],
        filter_sets=[
            om.FilterSet(
                id="FilterSet:0",
                model="GFP cube",
                excitation_filters=[om.FilterRef(id="Filter:0")],
                dichroic_ref=om.DichroicRef(id="Dichroic:0"),
                emission_filters=[om.FilterRef(id="Filter:1")],
            )
        ],
    )


def _one(document: om.OME, index: int = 0) -> tuple[Image, list[str]]:
    return images_from_ome(document, file_format="ome-xml", reader="test")[index]


def test_objective_is_the_one_referenced_not_the_first() -> None:
    document = om.OME(
        instruments=[_instrument()],
        images=[
            om.Image(
                id="Image:0",
                instrument_ref=om.InstrumentRef(id="Instrument:0"),
                objective_settings=om.ObjectiveSettings(
                    id="Objective:1", refractive_index=1.515, correction_collar=0.17
                ),
                pixels=_pixels(),
            )
        ],
    )
    image, _ = _one(document)
    acquisition = image.acquisition
    assert acquisition is not None
    assert acquisition.objective is not None
    assert acquisition.objective.model == "Plan Apo 60x Oil"
    assert acquisition.objective.lens_na == 1.4
    assert acquisition.objective.working_distance == 130
    assert acquisition.immersion_refractive_index == 1.515
    assert acquisition.correction_collar == 0.17
    microscope = acquisition.microscope
    assert microscope is not None
    assert (microscope.manufacturer, microscope.model, microscope.serial_number) == (
        "Nikon",
        "Ti2",
        "N-1",
    )
    assert microscope.microscope_type == "Inverted"
    # The placeholder (magnification 0, no model or NA) is not part of the inventory.
    assert [o.model for o in microscope.objectives or []] == ["Plan Fluor 10x", "Plan Apo 60x Oil"]
    assert [s.light_source_kind for s in microscope.light_sources or []] == [
        "Laser",
        "LightEmittingDiode",
    ]
    assert (microscope.filter_sets or [])[0].dichroic is not None


def test_placeholder_objective_is_no_objective() -> None:
    document = om.OME(
        instruments=[_instrument()],
        images=[
            om.Image(
                id="Image:0",
                objective_settings=om.ObjectiveSettings(id="Objective:2"),
                pixels=_pixels(),
            )
        ],
    )
    image, notes = _one(document)
    assert image.acquisition is not None
    assert image.acquisition.objective is None
    assert any("placeholder" in note for note in notes)


def test_channel_settings() -> None:
    channel = om.Channel(
        id="Channel:0:0",
        name="GFP",
        fluor="EGFP",
        excitation_wavelength=0.488,
        excitation_wavelength_unit="µm",
        emission_wavelength=510,
        pinhole_size=1.2,
        illumination_type="Epifluorescence",
        contrast_method="Fluorescence",
        acquisition_mode="SpinningDiskConfocal",
        color=om.Color((0, 255, 0)),
        light_source_settings=om.LightSourceSettings(id="LightSource:0", attenuation=0.25),
        detector_settings=om.DetectorSettings(id="Detector:0", gain=2.5, offset=100, binning="2x2"),
        filter_set_ref=om.FilterSetRef(id="FilterSet:0"),
    )
    plane = om.Plane(
        the_z=0,
        the_c=0,
        the_t=0,
        exposure_time=50,
        exposure_time_unit="ms",
        position_x=-1.5,
        position_x_unit="mm",
        position_y=20,
        position_y_unit="µm",
        position_z=0,
        position_z_unit="µm",
    )
    document = om.OME(
        instruments=[_instrument()],
        images=[
            om.Image(
                id="Image:0",
                pixels=_pixels(size_c=1, channels=[channel], planes=[plane]),
            )
        ],
    )
    image, _ = _one(document)
    (result,) = image.channels or []
    assert result.name == "GFP"
    assert result.fluorophore_name == "EGFP"
    assert result.excitation_wavelength == 488.0
    assert result.emission_wavelength == 510
    assert result.pinhole_size == 1.2
    assert (result.illumination_type, result.contrast_method, result.acquisition_mode) == (
        "Epifluorescence",
        "Fluorescence",
        "SpinningDiskConfocal",
    )
    assert result.color == "#00FF00"
    assert result.light_source is not None
    assert result.light_source.wavelength == 488
    assert result.light_source.power == 50
    assert result.light_source_attenuation == 25.0
    assert result.detector is not None
    assert result.detector.detector_type == "CMOS"
    assert (result.detector_gain, result.detector_offset, result.binning) == (2.5, 100, "2x2")
    assert result.filter_set is not None
    assert result.filter_set.model == "GFP cube"
    excitation = (result.filter_set.excitation_filters or [])[0]
    assert (excitation.cut_in, excitation.cut_out) == (450, 490)
    assert result.exposure_time == pytest.approx(0.05)
    assert image.acquisition is not None
    assert image.acquisition.acquisition_mode == ("SpinningDiskConfocal")
    position = image.acquisition.stage_position
    assert position is not None
    assert (position.position_x, position.position_y, position.position_z) == (-1500.0, 20, 0)


def test_channel_names_are_never_synthesised() -> None:
    image, _ = _one(om.OME(images=[om.Image(id="Image:0", pixels=_pixels(channels=[]))]))
    assert [c.name for c in image.channels or []] == [None, None]


def test_dates_with_and_without_zone() -> None:
    naive = datetime(2020, 5, 6, 7, 8, 9)
    aware = datetime(2020, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2)))
    document = om.OME(
        images=[
            om.Image(id="Image:0", acquisition_date=naive, pixels=_pixels()),
            om.Image(id="Image:1", acquisition_date=aware, pixels=_pixels()),
        ]
    )
    first, second = (
        image.acquisition
        for image, _ in images_from_ome(document, file_format="ome-xml", reader="t")
    )
    assert first is not None
    assert second is not None
    assert first.acquisition_date == naive
    assert first.timezone_known is False
    assert second.acquisition_date == datetime(2020, 5, 6, 5, 8, 9, tzinfo=UTC)
    assert second.acquisition_date.tzinfo is not None
    assert second.timezone_known is True


def test_every_unit_is_converted() -> None:
    pixels = _pixels(
        physical_size_x=650,
        physical_size_x_unit="nm",
        physical_size_y=0.65,
        physical_size_z=2,
        physical_size_z_unit="mm",
        time_increment=250,
        time_increment_unit="ms",
    )
    image, notes = _one(om.OME(images=[om.Image(id="Image:0", pixels=pixels)]))
    assert image.physical_size_x == 0.65
    assert image.physical_size_y == 0.65
    assert image.physical_size_z == 2000
    assert image.time_increment == 0.25
    assert [(q.value, q.unit) for q in image.physical_sizes_as_stored or []] == [
        (650, "nm"),
        (2, "mm"),
    ]
    assert any("converted" in note for note in notes)


def test_time_increment_from_plane_deltas() -> None:
    planes = [om.Plane(the_z=0, the_c=0, the_t=t, delta_t=t * 2.0) for t in range(4)]
    image, _ = _one(om.OME(images=[om.Image(id="Image:0", pixels=_pixels(planes=planes))]))
    assert image.time_increment == 2.0


def test_interleaved_samples_layout() -> None:
    pixels = _pixels(
        size_c=4,
        size_z=1,
        size_t=1,
        dimension_order="XYCZT",
        channels=[om.Channel(id="Channel:0:0", samples_per_pixel=4)],
    )
    layout = pixels_layout(pixels)
    assert layout.dims == ("T", "Z", "C", "Y", "X", "S")
    assert layout.shape == (1, 1, 1, 6, 8, 4)
    image, _ = _one(om.OME(images=[om.Image(id="Image:0", pixels=pixels)]))
    assert (image.size_c, image.samples_per_pixel, image.axes) == (1, 4, "TZCYXS")


def test_plane_order_follows_dimension_order() -> None:
    layout = pixels_layout(_pixels(dimension_order="XYCTZ"))
    assert layout.plane_order == "CTZ"
    assert layout.plane_index(z=1, c=1, t=2) == 1 + 2 * 2 + 1 * 2 * 4


def test_plate_well_and_field_in_notes() -> None:
    plate = om.Plate(
        id="Plate:0",
        name="screen 1",
        wells=[
            om.Well(
                id="Well:0",
                row=1,
                column=2,
                well_samples=[
                    om.WellSample(id="WellSample:0", index=3, image_ref=om.ImageRef(id="Image:0"))
                ],
            )
        ],
    )
    image, notes = _one(om.OME(plates=[plate], images=[om.Image(id="Image:0", pixels=_pixels())]))
    assert "plate 'screen 1' well B3 (row 1, column 2), field 3" in notes
    assert image.capture_notes == notes


def test_operator_and_environment() -> None:
    document = om.OME(
        experimenters=[
            om.Experimenter(
                id="Experimenter:0", first_name="Ada", last_name="Lovelace", email="ada@example.org"
            )
        ],
        images=[
            om.Image(
                id="Image:0",
                experimenter_ref=om.ExperimenterRef(id="Experimenter:0"),
                imaging_environment=om.ImagingEnvironment(
                    temperature=310.15, temperature_unit="K", co2_percent=0.05
                ),
                pixels=_pixels(),
            )
        ],
    )
    image, _ = _one(document)
    acquisition = image.acquisition
    assert acquisition is not None
    assert acquisition.operator is not None
    assert acquisition.operator.name == "Ada Lovelace"
    assert acquisition.operator.email == "ada@example.org"
    assert acquisition.temperature == pytest.approx(37.0)
    assert acquisition.co2_percent == pytest.approx(5.0)


# ---------------------------------------------------------------------- parse_ome
def test_parse_ome_round_trip() -> None:
    document = om.OME(images=[om.Image(id="Image:0", name="x", pixels=_pixels())])
    parsed = parse_ome(to_xml(document), PATH, ReadContext())
    assert parsed.images[0].name == "x"


def test_parse_ome_refuses_entities_size_and_non_ome() -> None:
    with pytest.raises(UnsafeContentError, match=str(PATH)):
        parse_ome('<!DOCTYPE OME [<!ENTITY a "b">]><OME/>', PATH, ReadContext())
    with pytest.raises(ImplausibleSizeError):
        parse_ome(b"<OME>" + b" " * 200 + b"</OME>", PATH, ReadContext(max_metadata_bytes=100))
    with pytest.raises(CorruptFileError, match="not OME-XML"):
        parse_ome("<svg/>", PATH, ReadContext())
