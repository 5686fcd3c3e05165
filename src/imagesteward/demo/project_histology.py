"""The demo project "Demo: histology": an H&E slide scan stored as a pyramidal OME-TIFF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from ome_types import model as ome

from imagesteward.demo import instruments as hw
from imagesteward.demo.acquisition import SYNTHETIC, Recipe, ome_facts, operator, pixels_size, when
from imagesteward.demo.histology import he_section

__all__ = ["PROJECT", "RECIPES"]

PROJECT = "Demo: histology"


def _write_he(path: Path, rng: np.random.Generator, scale: float) -> dict[str, Any]:
    size = pixels_size(4096, scale)
    pixel_um = 0.5
    data = he_section(rng, (size, size), pixel_um)
    image = ome.Image(
        id="Image:0",
        name="Colon_HE_S24-0412_A1",
        description=f"Human colon, formalin-fixed paraffin section, H&E. {SYNTHETIC}",
        acquisition_date=when("2024-09-02T11:20:13+02:00"),
        experimenter_ref=ome.ExperimenterRef(id="Experimenter:2"),
        instrument_ref=ome.InstrumentRef(id=hw.INSTRUMENT_ID),
        objective_settings=ome.ObjectiveSettings(
            id=hw.SCANNER_OBJECTIVE_20X, medium="Air", refractive_index=1.0
        ),
        pixels=ome.Pixels(
            id="Pixels:0",
            dimension_order="XYCZT",
            type="uint8",
            significant_bits=8,
            interleaved=True,
            size_x=size,
            size_y=size,
            size_z=1,
            size_c=3,
            size_t=1,
            physical_size_x=pixel_um,
            physical_size_y=pixel_um,
            channels=[
                ome.Channel(
                    id="Channel:0:0",
                    name="Brightfield",
                    samples_per_pixel=3,
                    illumination_type="Transmitted",
                    contrast_method="Brightfield",
                    acquisition_mode="BrightField",
                    light_source_settings=ome.LightSourceSettings(id=hw.SCANNER_LED),
                    detector_settings=ome.DetectorSettings(id=hw.SCANNER_CAMERA, gain=1.0),
                ),
            ],
            planes=[
                ome.Plane(
                    the_t=0,
                    the_z=0,
                    the_c=0,
                    exposure_time=0.6,
                    exposure_time_unit=ome.UnitsTime.MILLISECOND,
                )
            ],
        ),
    )
    document = ome.OME(
        instruments=[hw.slide_scanner()],
        experimenters=[operator("Experimenter:2")],
        images=[image],
    )
    return ome_facts(path, document, [data], compression="jpeg", pyramid=True)


RECIPES = (
    Recipe(
        "colon_he_section_20x.ome.tif",
        PROJECT,
        "H&E sections",
        "H&E section of colon, slide scan",
        "Whole-slide style RGB scan at 0.5 µm per pixel (20x/0.80): crypts, lamina propria "
        "and muscle; a tiled pyramid with JPEG-compressed levels down to 512 pixels.",
        _write_he,
        3.0,
    ),
)
