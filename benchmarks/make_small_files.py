"""Write many small, valid, distinct microscopy files: the input for the metadata-capture rate.

Usage::

    .venv/bin/python benchmarks/make_small_files.py DIRECTORY [--count 1000] [--seed 0]
                                                    [--imagej-fraction 0.4]

Ingest time for tiny files is all metadata work (sniffing, parsing OME-XML or ImageJ headers,
mapping to the model, cataloguing), which is what a benchmark over these files measures. Each
file is a few KB and unlike every other:

* OME-TIFF (default 60 %): 1-3 channels, 1-2 sections, 32-48 px square, uint8 or uint16, on
  one of the demo facility's four instruments (so instrument de-duplication sees repeats), with
  its own acquisition date, stage position, name, exposure times and pixel size;
* ImageJ TIFF (default 40 %): one or a few planes calibrated in µm or nm.

Pixels are dim smooth blobs with shot noise plus the file's index written into the first row,
so no two files share a content digest. The same seed writes the same bytes.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from ome_types import model as ome

from imagesteward.demo import instruments as hw
from imagesteward.demo.acquisition import operator, place
from imagesteward.demo.writers import write_imagej_tiff, write_ome_tiff

# Instrument, objective, light sources and detectors of each channel, pixel size in µm.
_SETUPS = (
    (
        hw.widefield,
        hw.WIDEFIELD_OBJECTIVE_60X,
        (hw.WIDEFIELD_LED_VIOLET, hw.WIDEFIELD_LED_CYAN, hw.WIDEFIELD_LED_GREEN),
        hw.WIDEFIELD_CAMERA,
        0.1083,
        "WideField",
    ),
    (
        hw.widefield,
        hw.WIDEFIELD_OBJECTIVE_20X,
        (hw.WIDEFIELD_LED_VIOLET, hw.WIDEFIELD_LED_CYAN, hw.WIDEFIELD_LED_GREEN),
        hw.WIDEFIELD_CAMERA,
        0.325,
        "WideField",
    ),
    (
        hw.confocal,
        hw.CONFOCAL_OBJECTIVE_63X,
        (hw.CONFOCAL_LASER_488, hw.CONFOCAL_LASER_561, hw.CONFOCAL_LASER_561),
        hw.CONFOCAL_DETECTOR_HYD,
        0.09,
        "LaserScanningConfocalMicroscopy",
    ),
    (
        hw.spinning_disk,
        hw.SPINNING_DISK_OBJECTIVE_40X,
        (hw.SPINNING_DISK_LASER_488, hw.SPINNING_DISK_LASER_561, hw.SPINNING_DISK_LASER_561),
        hw.SPINNING_DISK_CAMERA,
        0.1625,
        "SpinningDiskConfocal",
    ),
)
_CHANNELS = (
    ("DAPI", 395.0, 461.0),
    ("Alexa Fluor 488", 488.0, 520.0),
    ("Alexa Fluor 568", 561.0, 603.0),
)
_START = datetime(2024, 1, 8, 8, 30, tzinfo=timezone(timedelta(hours=1)))


def _pixels(
    rng: np.random.Generator, shape: tuple[int, ...], index: int, dtype: type[np.unsignedinteger]
) -> NDArray[np.unsignedinteger]:
    """Dim blobs with shot noise; the file index is written into the first row."""
    height, width = shape[-2:]
    yy, xx = np.mgrid[0:height, 0:width]
    planes = int(np.prod(shape[:-2]))
    signal = np.zeros((planes, height, width))
    for plane in range(planes):
        for _ in range(3):
            cy, cx = rng.uniform(0, height), rng.uniform(0, width)
            radius = rng.uniform(3, 8)
            signal[plane] += 40 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))
    counts = rng.poisson(signal + 5).astype(np.float64)
    if dtype is np.uint16:
        counts = counts * 8 + 100
    data = np.clip(counts, 0, np.iinfo(dtype).max).astype(dtype)
    stamp = np.frombuffer(index.to_bytes(8, "little"), dtype=np.uint8)
    data.reshape(planes, height, width)[0, 0, : stamp.size] = stamp  # unique content
    return data.reshape(shape)


def _ome_file(path: Path, rng: np.random.Generator, index: int) -> None:
    build, objective, sources, detector, pixel_um, mode = _SETUPS[index % len(_SETUPS)]
    size_c, size_z = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    side = int(rng.choice([32, 40, 48]))
    dtype = np.uint16 if rng.random() < 0.8 else np.uint8
    channels = [
        ome.Channel(
            id=f"Channel:0:{c}",
            name=name,
            fluor=name,
            samples_per_pixel=1,
            excitation_wavelength=ex,
            emission_wavelength=em,
            acquisition_mode=mode,
            illumination_type="Epifluorescence",
            contrast_method="Fluorescence",
            light_source_settings=ome.LightSourceSettings(id=sources[c], wavelength=ex),
            detector_settings=ome.DetectorSettings(id=detector, gain=1.0, offset=0.0),
        )
        for c, (name, ex, em) in enumerate(_CHANNELS[:size_c])
    ]
    planes = []
    x, y = (float(v) for v in np.round(rng.uniform(-20000, 20000, 2), 2))
    for z in range(size_z):
        for c in range(size_c):
            plane = ome.Plane(
                the_z=z,
                the_t=0,
                the_c=c,
                delta_t=round(0.3 * (z * size_c + c), 3),
                exposure_time=round(float(rng.uniform(0.01, 0.5)), 4),
            )
            place(plane, x, y, 2000.0 + 0.5 * z)
            planes.append(plane)
    image = ome.Image(
        id="Image:0",
        name=f"bench_{index:06d}",
        acquisition_date=_START + timedelta(minutes=7 * index),
        experimenter_ref=ome.ExperimenterRef(id="Experimenter:0"),
        instrument_ref=ome.InstrumentRef(id=hw.INSTRUMENT_ID),
        objective_settings=ome.ObjectiveSettings(id=objective),
        pixels=ome.Pixels(
            id="Pixels:0",
            dimension_order="XYCZT",
            type=np.dtype(dtype).name,
            size_x=side,
            size_y=side,
            size_z=size_z,
            size_c=size_c,
            size_t=1,
            physical_size_x=pixel_um,
            physical_size_y=pixel_um,
            physical_size_z=0.5 if size_z > 1 else None,
            channels=channels,
            planes=planes,
        ),
    )
    document = ome.OME(
        creator="imagesteward benchmarks/make_small_files.py",
        instruments=[build()],
        experimenters=[operator("Experimenter:0")],
        images=[image],
    )
    data = _pixels(rng, (1, size_z, size_c, side, side), index, dtype)
    write_ome_tiff(path, document, [data])


def _imagej_file(path: Path, rng: np.random.Generator, index: int) -> None:
    side = int(rng.choice([32, 48, 64]))
    planes = int(rng.integers(1, 4))
    shape = (planes, side, side) if planes > 1 else (side, side)
    if rng.random() < 0.5:
        write_imagej_tiff(path, _pixels(rng, shape, index, np.uint8), 2.0 + index % 7, "nm")
    else:
        pixel_um = round(0.05 + 0.01 * (index % 40), 3)
        write_imagej_tiff(path, _pixels(rng, shape, index, np.uint16), pixel_um, "\u00b5m")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="where to write the files (created)")
    parser.add_argument("--count", type=int, default=1000, help="number of files (1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument(
        "--imagej-fraction",
        type=float,
        default=0.4,
        help="share of ImageJ TIFFs among the files (0.4)",
    )
    args = parser.parse_args(argv)
    if args.count < 1 or args.seed < 0 or not 0 <= args.imagej_fraction <= 1:
        parser.error("--count must be >= 1, --seed >= 0 and --imagej-fraction within 0..1")
    args.directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    total = imagej = 0
    for index in range(args.count):
        rng = np.random.default_rng([args.seed, index])
        if rng.random() < args.imagej_fraction:
            path = args.directory / f"bench_{index:06d}.tif"
            _imagej_file(path, rng, index)
            imagej += 1
        else:
            path = args.directory / f"bench_{index:06d}.ome.tif"
            _ome_file(path, rng, index)
        total += path.stat().st_size
    elapsed = time.perf_counter() - started
    print(
        f"wrote {args.count} files ({args.count - imagej} OME-TIFF, {imagej} ImageJ TIFF), "
        f"{total / 1e6:.1f} MB, {total / args.count / 1e3:.1f} KB each on average, "
        f"in {elapsed:.1f} s into {args.directory}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
