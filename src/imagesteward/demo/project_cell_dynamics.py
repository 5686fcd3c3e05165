"""The demo project "Demo: cell dynamics": a live-cell time-lapse of Z-stacks (5-D: T, Z, C, Y, X).

The other demo images have either sections or time points; this one has both, so the viewer's Z
and T sliders, the renderer's planes and the raw Zarr (``t, c, z, y, x``) all meet a real 5-D
image: HeLa H2B-mCherry / EGFP-tubulin cells on the spinning disk, 7 sections 1 µm apart every
10 minutes for 40 minutes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from ome_types import model as ome

from imagesteward.demo import instruments as hw
from imagesteward.demo.acquisition import (
    SYNTHETIC,
    Recipe,
    ome_facts,
    operator,
    pixels_size,
    planes,
    when,
)
from imagesteward.demo.timelapse import live_cells_volume

__all__ = ["PROJECT", "RECIPES"]

PROJECT = "Demo: cell dynamics"

FRAMES, SECTIONS = 5, 7
PIXEL_UM, STEP_UM, INTERVAL_S = 0.325, 1.0, 600.0  # 40x with 2x2 binning


def _channel(
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


def _write_volume_timelapse(path: Path, rng: np.random.Generator, scale: float) -> dict[str, Any]:
    size = pixels_size(512, scale)
    emission = (600.0, 525.0)
    data = live_cells_volume(
        rng, (size, size), FRAMES, SECTIONS, PIXEL_UM, STEP_UM, emission, na=1.15
    )
    position = (-8120.5, 2764.3, 1529.8)  # the first (lowest) section
    # The piezo steps through the stack for each channel in turn, ~0.35 s per section.
    timeline = planes(
        (FRAMES, SECTIONS, 2),
        delta_t=lambda t, z, c: t * INTERVAL_S + c * SECTIONS * 0.35 + z * 0.35,
        exposure_s=(0.12, 0.08),
        position=position,
        z_step_um=STEP_UM,
    )
    image = ome.Image(
        id="Image:0",
        name="HeLa_mitosis_4D_pos07",
        description="HeLa H2B-mCherry / EGFP-alpha-tubulin, 37 °C, 5% CO2: a 7-section "
        f"Z-stack (1 µm steps) every 10 min for 40 min. {SYNTHETIC}",
        acquisition_date=when("2024-06-19T09:30:00+02:00"),
        experimenter_ref=ome.ExperimenterRef(id="Experimenter:2"),
        instrument_ref=ome.InstrumentRef(id=hw.INSTRUMENT_ID),
        objective_settings=ome.ObjectiveSettings(
            id=hw.SPINNING_DISK_OBJECTIVE_40X, medium="Water", refractive_index=1.333
        ),
        stage_label=ome.StageLabel(
            name="Position 7",
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
            size_z=SECTIONS,
            size_c=2,
            size_t=FRAMES,
            physical_size_x=PIXEL_UM,
            physical_size_y=PIXEL_UM,
            physical_size_z=STEP_UM,
            time_increment=INTERVAL_S,
            channels=[
                _channel(
                    0,
                    "H2B-mCherry",
                    "mCherry",
                    hw.SPINNING_DISK_LASER_561,
                    561.0,
                    emission[0],
                    hw.SPINNING_DISK_FILTERS_RED,
                    0.9,
                    "#FF00FF",
                ),
                _channel(
                    1,
                    "EGFP-tubulin",
                    "EGFP",
                    hw.SPINNING_DISK_LASER_488,
                    488.0,
                    emission[1],
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
    return ome_facts(path, document, [data])


RECIPES = (
    Recipe(
        "hela_mitosis_4d_spinning_disk_40x.ome.tif",
        PROJECT,
        "Live 4D imaging",
        "Live HeLa cells, Z-stack time-lapse (5-D)",
        "5 time points 10 min apart, each a 7-section Z-stack 1 µm apart, of H2B-mCherry and "
        "EGFP-tubulin cells crawling and dividing at 37 °C; 40x/1.15 water, CSU-W1 spinning "
        "disk. Nuclei come into focus and fade again as one moves through z.",
        _write_volume_timelapse,
        3.0,
    ),
)
