"""A small 5-D time-lapse of z-stacks (T 3, C 2, Z 6, 384²) in an installation of its own.

The demo has z-stacks and time-lapses but no image with both, and adding one to it would
change every suite that counts the demo's images; the viewer's 5-D case gets this instead,
written as an instrument would (an OME-TIFF with physical sizes and a time increment) and
ingested and converted by the project's own pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tifffile

from imagesteward.access import Visibility
from imagesteward.catalog import access_catalog
from imagesteward.ingest import IngestOptions, ingest_paths
from imagesteward.installation import init_installation, open_installation

__all__ = ["SHAPE", "Stack", "build_stack"]

#: T, C, Z, Y, X.
SHAPE = (3, 2, 6, 384, 384)


@dataclass(frozen=True)
class Stack:
    """The installation and its one image."""

    home: Path
    uuid: str


def _pixels(rng: np.random.Generator) -> np.ndarray:
    """Nuclei (channel 0) and a ring around each (channel 1) that drift with t and fade
    away from the middle z, over a camera offset with shot noise: every plane differs."""
    t_count, _, z_count, height, width = SHAPE
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    centres = rng.uniform(60, 324, size=(7, 2))
    data = np.empty(SHAPE, dtype=np.uint16)
    for t in range(t_count):
        for z in range(z_count):
            focus = np.exp(-(((z - (z_count - 1) / 2) / 2.0) ** 2))
            nuclei = np.zeros((height, width))
            rings = np.zeros((height, width))
            for cy, cx in centres + t * 9.0:
                r = np.hypot(y - cy, x - cx)
                nuclei += np.exp(-((r / 22.0) ** 2))
                rings += np.exp(-(((r - 34.0) / 4.0) ** 2))
            for c, signal in enumerate((nuclei, rings)):
                expected = 100 + 2500 * focus * signal
                data[t, c, z] = np.minimum(rng.poisson(expected), 65535)
    return data


def build_stack(directory: Path) -> Stack:
    """Write the file and ingest it (with conversion) into ``directory/site``."""
    source = directory / "instrument-output" / "timelapse_zstack_5d.ome.tif"
    source.parent.mkdir(parents=True)
    tifffile.imwrite(
        source,
        _pixels(np.random.default_rng(5)),
        ome=True,
        photometric="minisblack",
        metadata={
            "axes": "TCZYX",
            "Name": "timelapse_zstack_5d",
            "PhysicalSizeX": 0.2,
            "PhysicalSizeXUnit": "µm",
            "PhysicalSizeY": 0.2,
            "PhysicalSizeYUnit": "µm",
            "PhysicalSizeZ": 0.5,
            "PhysicalSizeZUnit": "µm",
            "TimeIncrement": 30.0,
            "TimeIncrementUnit": "s",
            "Channel": {"Name": ["Hoechst", "mEGFP-LMNB1"]},
        },
    )
    home = directory / "site"
    init_installation(home)
    with open_installation(home) as installation:
        options = IngestOptions(project="Viewer tests", dataset="5-D", convert=True)
        report = ingest_paths([source], installation, options)
        assert report.exit_code == 0, report.outcomes
        (record,) = installation.catalog.list_images(limit=10).items
        # Published, as the viewer tests open it without signing in (new data are private).
        access = access_catalog(installation.catalog)
        for dataset in (None, "5-D"):
            access.set_visibility("Viewer tests", dataset, visibility=Visibility.PUBLIC)
    return Stack(home, record.uuid)
