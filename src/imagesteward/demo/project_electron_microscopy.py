"""The demo project "Demo: electron microscopy": a TEM image as an ImageJ TIFF in nanometres.

ImageJ TIFFs carry a calibration and little else: no instrument, objective or date, which is
what ingest should then report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from imagesteward.demo.acquisition import Recipe, pixels_size
from imagesteward.demo.electron import tem_section
from imagesteward.demo.expected import first_plane_facts
from imagesteward.demo.writers import write_imagej_tiff

__all__ = ["PROJECT", "RECIPES"]

PROJECT = "Demo: electron microscopy"


def _write_tem(path: Path, rng: np.random.Generator, scale: float) -> dict[str, Any]:
    size = pixels_size(1024, scale)
    pixel_nm = 4.0
    data = tem_section(rng, (size, size), pixel_nm)
    write_imagej_tiff(path, data, pixel_nm, "nm")
    return {
        "format": "tiff",
        "series_count": 1,
        "series": [
            {
                "axes_tifffile": "YX",
                "sizes": {"T": 1, "C": 1, "Z": 1, "Y": size, "X": size},
                "dtype": "uint8",
                "physical_pixel_size": {
                    "x": pixel_nm / 1000,
                    "y": pixel_nm / 1000,
                    "z": None,
                    "unit": "µm",
                    "as_stored": {"x": pixel_nm, "y": pixel_nm, "unit": "nm"},
                },
                "channel_names": [None],
                "objective": None,
                "instrument": None,
                "acquisition_date": None,
            }
        ],
        "imagej": {"unit": "nm"},
        "first_plane": first_plane_facts(data),
    }


RECIPES = (
    Recipe(
        "hela_tem_section.tif",
        PROJECT,
        "TEM sections",
        "Transmission EM of a cell section",
        "Nucleus, mitochondria, rough ER and vesicles at 4 nm per pixel, an ImageJ TIFF "
        "calibrated in nanometres and carrying no instrument metadata.",
        _write_tem,
        0.3,
    ),
)
