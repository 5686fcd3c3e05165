"""Writing OME-TIFF and ImageJ TIFF: IFD mapping, pyramids, calibration, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import ome_types
import pytest
import tifffile
from ome_types import model as ome

from imagesteward.demo import instruments as hw
from imagesteward.demo.writers import SOFTWARE, pyramid_levels, write_imagej_tiff, write_ome_tiff


def _image(index: int, size_c: int, size_z: int) -> ome.Image:
    return ome.Image(
        id=f"Image:{index}",
        pixels=ome.Pixels(
            id=f"Pixels:{index}",
            dimension_order="XYCZT",
            type="uint16",
            size_x=32,
            size_y=24,
            size_z=size_z,
            size_c=size_c,
            size_t=1,
            physical_size_x=0.5,
            physical_size_y=0.5,
            channels=[ome.Channel(id=f"Channel:{index}:{c}") for c in range(size_c)],
        ),
    )


def test_planes_of_every_image_are_mapped_to_their_ifds(tmp_path: Path) -> None:
    document = ome.OME(images=[_image(0, 2, 3), _image(1, 1, 1)])
    first = np.arange(1 * 3 * 2 * 24 * 32, dtype=np.uint16).reshape(1, 3, 2, 24, 32)
    second = np.full((1, 1, 1, 24, 32), 7, dtype=np.uint16)
    shapes = write_ome_tiff(tmp_path / "a.ome.tif", document, [first, second])
    assert shapes == [[(1, 3, 2, 24, 32)], [(1, 1, 1, 24, 32)]]
    with tifffile.TiffFile(tmp_path / "a.ome.tif") as tif:
        parsed = ome_types.from_xml(tif.ome_metadata or "", validate=False)
        blocks = [image.pixels.tiff_data_blocks[0] for image in parsed.images]
        assert [(b.ifd, b.plane_count) for b in blocks] == [(0, 6), (6, 1)]
        assert np.array_equal(tif.series[0].asarray(), first[0])
        assert np.array_equal(tif.series[1].asarray(), second[0, 0, 0])
        page = tif.pages[0]
        assert isinstance(page, tifffile.TiffPage)
        assert page.software == SOFTWARE
        assert "DateTime" not in page.tags  # nothing time-dependent in the file
        x_resolution = page.tags["XResolution"].value
        assert x_resolution[0] / x_resolution[1] == pytest.approx(1e4 / 0.5)


def test_image_count_must_match(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="2 OME images but 1 pixel arrays"):
        write_ome_tiff(
            tmp_path / "b.ome.tif",
            ome.OME(images=[_image(0, 1, 1), _image(1, 1, 1)]),
            [np.zeros((1, 1, 1, 24, 32), dtype=np.uint16)],
        )


def test_pyramid_levels_average_blocks_and_stop_at_512() -> None:
    image = np.zeros((1100, 700, 3), dtype=np.uint8)
    image[::2, ::2] = 200
    levels = pyramid_levels(image)
    assert [level.shape[:2] for level in levels] == [(1100, 700), (550, 350), (275, 175)]
    assert int(levels[1][0, 0, 0]) == 50  # one bright pixel of four
    odd = pyramid_levels(np.full((1025, 1025, 3), 9, dtype=np.uint8))
    assert [level.shape[:2] for level in odd] == [(1025, 1025), (513, 513), (257, 257)]
    assert all(int(level.min()) == int(level.max()) == 9 for level in odd)


def test_imagej_tiff_carries_the_unit_and_pixel_size(tmp_path: Path) -> None:
    write_imagej_tiff(tmp_path / "em.tif", np.zeros((16, 20), dtype=np.uint8), 2.5, "nm")
    with tifffile.TiffFile(tmp_path / "em.tif") as tif:
        assert tif.is_imagej
        assert (tif.imagej_metadata or {})["unit"] == "nm"
        page = tif.pages[0]
        assert isinstance(page, tifffile.TiffPage)
        numerator, denominator = page.tags["XResolution"].value
        assert denominator / numerator == pytest.approx(2.5)


def test_instrument_parts_are_found_by_id() -> None:
    scope = hw.confocal()
    assert isinstance(hw.find_part(scope, hw.CONFOCAL_OBJECTIVE_63X), ome.Objective)
    assert isinstance(hw.find_part(scope, hw.CONFOCAL_LASER_561), ome.Laser)
    with pytest.raises(KeyError, match="Instrument:0 has no part Objective:9:9"):
        hw.find_part(scope, "Objective:9:9")


@pytest.mark.parametrize("build", [hw.widefield, hw.spinning_disk, hw.confocal, hw.slide_scanner])
def test_instruments_have_fictional_serials_and_fresh_copies(build: object) -> None:
    assert callable(build)
    first, second = build(), build()
    assert first == second and first is not second
    serials = [first.microscope.serial_number] + [
        part.serial_number for part in (*first.objectives, *first.detectors)
    ]
    assert all(serial and serial.startswith("DEMO-") for serial in serials)
