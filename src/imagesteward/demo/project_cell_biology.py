"""The demo project "Demo: cell biology": fixed cells, live imaging and a screening well.

Two files come from the widefield (fixed cells at 60x, the screen at 20x), two from the
confocal (overview at 20x, Z-stack at 63x) and one from the spinning disk.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from ome_types import model as ome

from imagesteward.demo import instruments as hw
from imagesteward.demo.acquisition import (
    SYNTHETIC,
    Recipe,
    confocal_channel,
    ome_facts,
    operator,
    pixels_size,
    place,
    planes,
    when,
    widefield_channel,
)
from imagesteward.demo.fluorescence import (
    confocal_overview,
    confocal_stack,
    screen_field,
    widefield_fixed_cells,
)
from imagesteward.demo.timelapse import live_cells

__all__ = ["PROJECT", "RECIPES"]

PROJECT = "Demo: cell biology"


def _write_widefield(path: Path, rng: np.random.Generator, scale: float) -> dict[str, Any]:
    size = pixels_size(1024, scale)
    pixel_um = 0.1083  # 6.5 µm camera pixels behind a 60x objective
    emission = (461.0, 520.0, 624.0)
    data = widefield_fixed_cells(rng, (size, size), pixel_um, emission, na=1.42)
    channels = [
        widefield_channel(
            0,
            "DAPI",
            "DAPI",
            395.0,
            emission[0],
            hw.WIDEFIELD_LED_VIOLET,
            hw.WIDEFIELD_CUBE_DAPI,
            "#0000FF",
            0.8,
        ),
        widefield_channel(
            1,
            "Alexa Fluor 488",
            "Alexa Fluor 488",
            475.0,
            emission[1],
            hw.WIDEFIELD_LED_CYAN,
            hw.WIDEFIELD_CUBE_GFP,
            "#00FF00",
            0.5,
        ),
        widefield_channel(
            2,
            "Alexa Fluor 568",
            "Alexa Fluor 568",
            555.0,
            emission[2],
            hw.WIDEFIELD_LED_GREEN,
            hw.WIDEFIELD_CUBE_TXRED,
            "#FF00FF",
            0.5,
        ),
    ]
    image = ome.Image(
        id="Image:0",
        name="HeLa_fixed_DAPI_tubulin_TOM20_60x_001",
        description="HeLa cells, 4% PFA; DAPI, anti-alpha-tubulin (Alexa Fluor 488), "
        f"anti-TOM20 (Alexa Fluor 568). {SYNTHETIC}",
        acquisition_date=when("2024-03-12T14:37:09+01:00"),
        experimenter_ref=ome.ExperimenterRef(id="Experimenter:0"),
        instrument_ref=ome.InstrumentRef(id=hw.INSTRUMENT_ID),
        objective_settings=ome.ObjectiveSettings(
            id=hw.WIDEFIELD_OBJECTIVE_60X, medium="Oil", refractive_index=1.515
        ),
        pixels=ome.Pixels(
            id="Pixels:0",
            dimension_order="XYCZT",
            type="uint16",
            significant_bits=16,
            size_x=size,
            size_y=size,
            size_z=1,
            size_c=3,
            size_t=1,
            physical_size_x=pixel_um,
            physical_size_y=pixel_um,
            channels=channels,
            planes=planes(
                (1, 1, 3),
                delta_t=lambda t, z, c: (0.0, 0.21, 0.48)[c],
                exposure_s=(0.05, 0.2, 0.3),
                exposure_unit="ms",
                position=(10412.6, -3127.9, 2841.35),
            ),
        ),
    )
    document = ome.OME(
        instruments=[hw.widefield()], experimenters=[operator("Experimenter:0")], images=[image]
    )
    return ome_facts(path, document, [data[None, None]])


def _write_confocal_overview(path: Path, rng: np.random.Generator, scale: float) -> dict[str, Any]:
    size = pixels_size(1024, scale)
    pixel_um = 0.5682  # 20x, zoom 1, 1024 x 1024 format
    data = confocal_overview(rng, (size, size), pixel_um, (525.0, 603.0), na=0.75)
    channels = [
        confocal_channel(
            0,
            "Alexa Fluor 488",
            hw.CONFOCAL_LASER_488,
            488.0,
            525.0,
            hw.CONFOCAL_DETECTOR_HYD,
            100.0,
            0.0,
            1.0,
            56.6,
            0.97,
            "#00FF00",
        ),
        confocal_channel(
            1,
            "Alexa Fluor 568",
            hw.CONFOCAL_LASER_561,
            561.0,
            603.0,
            hw.CONFOCAL_DETECTOR_PMT,
            650.0,
            -1.2,
            1.0,
            56.6,
            0.96,
            "#FF00FF",
        ),
    ]
    image = ome.Image(
        id="Image:0",
        name="Overview_20x_coverslip2",
        description=f"Overview of a HeLa coverslip, tubulin and TOM20. {SYNTHETIC}",
        acquisition_date=when("2024-05-06T10:02:31+02:00"),
        experimenter_ref=ome.ExperimenterRef(id="Experimenter:1"),
        instrument_ref=ome.InstrumentRef(id=hw.INSTRUMENT_ID),
        objective_settings=ome.ObjectiveSettings(
            id=hw.CONFOCAL_OBJECTIVE_20X, medium="Air", refractive_index=1.0
        ),
        pixels=ome.Pixels(
            id="Pixels:0",
            dimension_order="XYCZT",
            type="uint16",
            significant_bits=12,
            size_x=size,
            size_y=size,
            size_z=1,
            size_c=2,
            size_t=1,
            physical_size_x=pixel_um,
            physical_size_y=pixel_um,
            channels=channels,
            planes=planes(
                (1, 1, 2), delta_t=lambda t, z, c: 1.61 * c, position=(24017.2, 11873.6, 4102.7)
            ),
        ),
    )
    document = ome.OME(
        instruments=[hw.confocal()], experimenters=[operator("Experimenter:1")], images=[image]
    )
    return ome_facts(path, document, [data[None, None]])


def _write_confocal_stack(path: Path, rng: np.random.Generator, scale: float) -> dict[str, Any]:
    size = pixels_size(512, scale)
    sections, pixel_um, step_um = 40, 0.1, 0.3  # 63x, zoom 3.6
    data = confocal_stack(rng, (size, size), sections, pixel_um, step_um, na=1.4)
    channels = [
        confocal_channel(
            0,
            "Alexa Fluor 488",
            hw.CONFOCAL_LASER_488,
            488.0,
            525.0,
            hw.CONFOCAL_DETECTOR_HYD,
            100.0,
            0.0,
            3.6,
            95.5,
            0.95,
            "#00FF00",
        ),
        confocal_channel(
            1,
            "Alexa Fluor 568",
            hw.CONFOCAL_LASER_561,
            561.0,
            603.0,
            hw.CONFOCAL_DETECTOR_PMT,
            700.0,
            -1.2,
            3.6,
            95.5,
            0.93,
            "#FF00FF",
        ),
    ]
    image = ome.Image(
        id="Image:0",
        name="Zstack_63x_cell4",
        description="MDCK-like epithelial cells: phalloidin (Alexa Fluor 488, actin) and "
        f"anti-lamin B1 (Alexa Fluor 568), 40 sections. {SYNTHETIC}",
        acquisition_date=when("2024-05-06T10:09:55+02:00"),
        experimenter_ref=ome.ExperimenterRef(id="Experimenter:1"),
        instrument_ref=ome.InstrumentRef(id=hw.INSTRUMENT_ID),
        objective_settings=ome.ObjectiveSettings(
            id=hw.CONFOCAL_OBJECTIVE_63X, medium="Oil", refractive_index=1.518
        ),
        pixels=ome.Pixels(
            id="Pixels:0",
            dimension_order="XYCZT",
            type="uint16",
            significant_bits=12,
            size_x=size,
            size_y=size,
            size_z=sections,
            size_c=2,
            size_t=1,
            physical_size_x=pixel_um,
            physical_size_y=pixel_um,
            physical_size_z=step_um,
            channels=channels,
            planes=planes(
                (1, sections, 2),
                delta_t=lambda t, z, c: 1.57 * z,
                position=(23870.4, 11702.9, 4096.1),
                z_step_um=step_um,
            ),
        ),
    )
    document = ome.OME(
        instruments=[hw.confocal()], experimenters=[operator("Experimenter:1")], images=[image]
    )
    return ome_facts(path, document, [data[None]])


def _write_live(path: Path, rng: np.random.Generator, scale: float) -> dict[str, Any]:
    size = pixels_size(512, scale)
    frames, pixel_um, interval_s = 24, 0.325, 300.0  # 40x with 2x2 binning, every 5 min
    data = live_cells(rng, (size, size), frames, pixel_um, (600.0, 525.0), na=1.15)
    jitter = np.round(rng.normal(0.0, 0.04, (frames, 2)), 3)
    focus = np.round(rng.normal(0.0, 0.05, frames), 3)  # the focus lock corrects small drifts

    def channel(
        index: int,
        name: str,
        fluor: str,
        laser: str,
        wavelength: float,
        emission: float,
        cube: str,
        attenuation: float,
        colour: str,
    ) -> ome.Channel:
        return ome.Channel(
            id=f"Channel:0:{index}",
            name=name,
            fluor=fluor,
            samples_per_pixel=1,
            color=colour,
            excitation_wavelength=wavelength,
            emission_wavelength=emission,
            illumination_type="Epifluorescence",
            contrast_method="Fluorescence",
            acquisition_mode="SpinningDiskConfocal",
            pinhole_size=50.0,
            light_source_settings=ome.LightSourceSettings(
                id=laser, wavelength=wavelength, attenuation=attenuation
            ),
            detector_settings=ome.DetectorSettings(
                id=hw.SPINNING_DISK_CAMERA, binning="2x2", gain=1.0, offset=100.0
            ),
            filter_set_ref=ome.FilterSetRef(id=cube),
        )

    position = (-8734.25, 2211.8, 1532.4)
    timeline = planes(
        (frames, 1, 2),
        delta_t=lambda t, z, c: t * interval_s + c * 0.42 + jitter[t, c],
        exposure_s=(0.15, 0.1),
    )
    for plane in timeline:
        place(plane, position[0], position[1], position[2] + focus[plane.the_t])
    image = ome.Image(
        id="Image:0",
        name="HeLa_H2B-mCherry_EGFP-tubulin_pos03",
        description="HeLa H2B-mCherry / EGFP-alpha-tubulin, 37 °C, 5% CO2, imaged every "
        f"5 min for 2 h. {SYNTHETIC}",
        acquisition_date=when("2024-06-18T16:45:00+02:00"),
        experimenter_ref=ome.ExperimenterRef(id="Experimenter:2"),
        instrument_ref=ome.InstrumentRef(id=hw.INSTRUMENT_ID),
        objective_settings=ome.ObjectiveSettings(
            id=hw.SPINNING_DISK_OBJECTIVE_40X, medium="Water", refractive_index=1.333
        ),
        stage_label=ome.StageLabel(
            name="Position 3",
            x=position[0],
            x_unit=ome.UnitsLength.MICROMETER,
            y=position[1],
            y_unit=ome.UnitsLength.MICROMETER,
            z=position[2],
            z_unit=ome.UnitsLength.MICROMETER,
        ),
        imaging_environment=ome.ImagingEnvironment(temperature=37.0, co2_percent=0.05),
        pixels=ome.Pixels(
            id="Pixels:0",
            dimension_order="XYCZT",
            type="uint16",
            significant_bits=12,
            size_x=size,
            size_y=size,
            size_z=1,
            size_c=2,
            size_t=frames,
            physical_size_x=pixel_um,
            physical_size_y=pixel_um,
            time_increment=interval_s,
            channels=[
                channel(
                    0,
                    "H2B-mCherry",
                    "mCherry",
                    hw.SPINNING_DISK_LASER_561,
                    561.0,
                    600.0,
                    hw.SPINNING_DISK_FILTERS_RED,
                    0.9,
                    "#FF00FF",
                ),
                channel(
                    1,
                    "EGFP-tubulin",
                    "EGFP",
                    hw.SPINNING_DISK_LASER_488,
                    488.0,
                    525.0,
                    hw.SPINNING_DISK_FILTERS_GREEN,
                    0.95,
                    "#00FF00",
                ),
            ],
            planes=timeline,
        ),
    )
    document = ome.OME(
        instruments=[hw.spinning_disk()],
        experimenters=[operator("Experimenter:2")],
        images=[image],
    )
    return ome_facts(path, document, [data[:, None]])


def _write_screen(path: Path, rng: np.random.Generator, scale: float) -> dict[str, Any]:
    size = pixels_size(512, scale)
    pixel_um = 0.325  # 20x
    well_x, well_y = 32380.0, 20240.0  # centre of B03 on a 96-well plate, µm
    offsets = ((-250.0, -250.0), (250.0, -250.0), (-250.0, 250.0), (250.0, 250.0))
    start = when("2024-03-13T09:12:44+01:00")
    images, series, samples = [], [], []
    for field, (dx, dy) in enumerate(offsets):
        data = screen_field(rng, (size, size), pixel_um, (461.0, 520.0), 0.8, 6.0)
        series.append(data[None, None])
        position = (well_x + dx, well_y + dy, 3012.5 + round(float(rng.normal(0, 0.4)), 2))
        images.append(
            ome.Image(
                id=f"Image:{field}",
                name=f"B03 field {field + 1}",
                description=f"Well B03 (etoposide 10 µM, 2 h), field {field + 1}: DAPI and "
                f"gamma-H2AX (Alexa Fluor 488). {SYNTHETIC}",
                acquisition_date=start + timedelta(seconds=38 * field),
                experimenter_ref=ome.ExperimenterRef(id="Experimenter:0"),
                instrument_ref=ome.InstrumentRef(id=hw.INSTRUMENT_ID),
                objective_settings=ome.ObjectiveSettings(
                    id=hw.WIDEFIELD_OBJECTIVE_20X, medium="Air", refractive_index=1.0
                ),
                pixels=ome.Pixels(
                    id=f"Pixels:{field}",
                    dimension_order="XYCZT",
                    type="uint16",
                    significant_bits=16,
                    size_x=size,
                    size_y=size,
                    size_z=1,
                    size_c=2,
                    size_t=1,
                    physical_size_x=pixel_um,
                    physical_size_y=pixel_um,
                    channels=[
                        widefield_channel(
                            0,
                            "DAPI",
                            "DAPI",
                            395.0,
                            461.0,
                            hw.WIDEFIELD_LED_VIOLET,
                            hw.WIDEFIELD_CUBE_DAPI,
                            "#0000FF",
                            0.9,
                        ),
                        widefield_channel(
                            1,
                            "Alexa Fluor 488",
                            "Alexa Fluor 488",
                            475.0,
                            520.0,
                            hw.WIDEFIELD_LED_CYAN,
                            hw.WIDEFIELD_CUBE_GFP,
                            "#00FF00",
                            0.6,
                        ),
                    ],
                    planes=planes(
                        (1, 1, 2),
                        delta_t=lambda t, z, c: 0.35 * c,
                        exposure_s=(0.02, 0.15),
                        position=position,
                    ),
                ),
            )
        )
        for channel in images[-1].pixels.channels:
            channel.id = f"Channel:{field}:{channel.id.rsplit(':', 1)[1]}"
        samples.append(
            ome.WellSample(
                id=f"WellSample:0:0:{field}",
                index=field,
                position_x=dx,
                position_x_unit=ome.UnitsLength.MICROMETER,
                position_y=dy,
                position_y_unit=ome.UnitsLength.MICROMETER,
                image_ref=ome.ImageRef(id=f"Image:{field}"),
            )
        )
    plate = ome.Plate(
        id="Plate:0",
        name="DNA damage screen, plate 1",
        rows=8,
        columns=12,
        row_naming_convention="letter",
        column_naming_convention="number",
        wells=[ome.Well(id="Well:0:0", row=1, column=2, well_samples=samples)],
    )
    document = ome.OME(
        instruments=[hw.widefield()],
        experimenters=[operator("Experimenter:0")],
        images=images,
        plates=[plate],
    )
    facts = ome_facts(path, document, series)
    for field, entry in enumerate(facts["series"]):
        entry["well"] = "B03"
        entry["field"] = field + 1
    return facts


RECIPES = (
    Recipe(
        "hela_fixed_widefield_60x.ome.tif",
        PROJECT,
        "Fixed cells",
        "Fixed HeLa cells, widefield, 3 channels",
        "DNA (DAPI), microtubules and mitochondria in fixed HeLa cells, 60x/1.42 oil on the "
        "widefield, sCMOS camera, LED illumination through DAPI, GFP and Texas Red cubes.",
        _write_widefield,
        1.0,
    ),
    Recipe(
        "hela_confocal_overview_20x.ome.tif",
        PROJECT,
        "Fixed cells",
        "Coverslip overview, confocal 20x",
        "A 0.58 mm field of the same kind of coverslip on the SP8 confocal: tubulin and "
        "mitochondria, HyD and PMT detectors.",
        _write_confocal_overview,
        1.0,
    ),
    Recipe(
        "epithelium_confocal_zstack_63x.ome.tif",
        PROJECT,
        "Fixed cells",
        "Confocal Z-stack, actin and nuclear lamina",
        "40 optical sections 0.3 µm apart through epithelial cells at 63x/1.40 oil on the same "
        "SP8: actin cortex and stress fibres, lamin B1 rims; deeper sections are blurrier.",
        _write_confocal_stack,
        2.5,
    ),
    Recipe(
        "hela_live_spinning_disk_40x.ome.tif",
        PROJECT,
        "Live imaging",
        "Live HeLa cells, spinning disk time-lapse",
        "24 time points 5 min apart of H2B-mCherry and EGFP-tubulin cells crawling and "
        "dividing at 37 °C, 40x/1.15 water, CSU-W1 spinning disk.",
        _write_live,
        2.5,
    ),
    Recipe(
        "dna_damage_screen_plate1_B03.ome.tif",
        PROJECT,
        "Screening",
        "DNA damage screen, well B03, 4 fields",
        "Four fields of one well of a 96-well plate (one image each): DAPI nuclei and "
        "gamma-H2AX foci, 20x/0.80 on the widefield.",
        _write_screen,
        0.8,
    ),
)
