"""The demo files are written where asked, filed in projects, deterministic, and read back."""

from __future__ import annotations

import hashlib
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile

from imagesteward.demo import DEMO_PROJECTS, DemoFile, write_demo_files
from imagesteward.errors import ConfigurationError
from tests.demo.conftest import by_name

KINDS = ["widefield", "overview", "zstack", "live", "4d", "screen", "he_section", "tem"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_demo_file_is_written_and_filed(demo: list[DemoFile]) -> None:
    assert len(demo) == len(KINDS)
    for kind in KINDS:
        item = by_name(demo, kind)
        assert item.path.is_file() and item.path.stat().st_size > 0
        assert item.project in DEMO_PROJECTS
        assert item.dataset and item.title and item.description
        assert item.expected["series_count"] == len(item.expected["series"])
    assert {item.project for item in demo} == set(DEMO_PROJECTS)
    assert not [p for p in demo[0].path.parent.iterdir() if p.name.endswith(".partial")]


def test_projects_and_datasets_make_sense(demo: list[DemoFile]) -> None:
    places = {(item.project, item.dataset) for item in demo}
    assert ("Demo: cell biology", "Fixed cells") in places
    assert ("Demo: cell biology", "Live imaging") in places
    assert by_name(demo, "he_section").project == "Demo: histology"
    assert by_name(demo, "tem").project == "Demo: electron microscopy"


def test_same_seed_gives_the_same_bytes(tmp_path: Path, small_demo: list[DemoFile]) -> None:
    again = write_demo_files(tmp_path, seed=7, scale=0.1)
    assert [_digest(item.path) for item in again] == [_digest(item.path) for item in small_demo]
    assert [item.expected for item in again] == [item.expected for item in small_demo]


def test_another_seed_gives_other_pixels_in_place(
    tmp_path: Path, small_demo: list[DemoFile]
) -> None:
    for item in small_demo:  # an earlier demo in the same folder
        shutil.copyfile(item.path, tmp_path / item.path.name)
    other = write_demo_files(tmp_path, seed=8, scale=0.1)  # replaces the files
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        item.path.name for item in other
    )
    for a, b in zip(small_demo, other, strict=True):
        assert a.expected["first_plane"]["sha256"] != b.expected["first_plane"]["sha256"]
        # Only the pixels change: the metadata describe the same acquisitions.
        assert a.expected["series"][0]["channel_names"] == b.expected["series"][0]["channel_names"]


def test_scale_changes_the_field_not_the_pixel_size(
    small_demo: list[DemoFile], demo: list[DemoFile]
) -> None:
    for a, b in zip(small_demo, demo, strict=True):
        sa, sb = a.expected["series"][0], b.expected["series"][0]
        assert sa["sizes"]["X"] < sb["sizes"]["X"]
        assert sa["sizes"]["T"] == sb["sizes"]["T"] and sa["sizes"]["Z"] == sb["sizes"]["Z"]
        assert sa["physical_pixel_size"] == sb["physical_pixel_size"]


@pytest.mark.parametrize(
    ("seed", "scale", "message"),
    [
        (-1, 1.0, "seed must be a non-negative integer, got -1"),
        (0, 0.0, "scale must be between 0.0625 and 2, got 0.0"),
        (0, 3.0, "scale must be between 0.0625 and 2, got 3.0"),
        (0, math.nan, "scale must be between 0.0625 and 2, got nan"),
    ],
    ids=["negative-seed", "zero-scale", "huge-scale", "nan-scale"],
)
def test_bad_arguments_are_refused_before_writing(
    tmp_path: Path, seed: int, scale: float, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        write_demo_files(tmp_path / "never", seed=seed, scale=scale)
    assert not (tmp_path / "never").exists()


@pytest.mark.slow
def test_the_full_size_demo_is_as_specified_and_small(tmp_path: Path) -> None:
    demo = write_demo_files(tmp_path)  # what `steward demo` writes

    def sizes(kind: str) -> dict[str, int]:
        return dict(by_name(demo, kind).expected["series"][0]["sizes"])

    assert sizes("widefield") == {"T": 1, "C": 3, "Z": 1, "Y": 1024, "X": 1024}
    assert sizes("zstack") == {"T": 1, "C": 2, "Z": 40, "Y": 512, "X": 512}
    assert sizes("live") == {"T": 24, "C": 2, "Z": 1, "Y": 512, "X": 512}
    assert sizes("he_section") == {"T": 1, "C": 1, "Z": 1, "Y": 4096, "X": 4096, "S": 3}
    levels = by_name(demo, "he_section").expected["series"][0]["resolution_levels"]
    assert levels == [[4096, 4096, 3], [2048, 2048, 3], [1024, 1024, 3], [512, 512, 3]]
    assert by_name(demo, "screen").expected["series_count"] == 4
    total = sum(item.path.stat().st_size for item in demo)
    assert total < 100e6, f"{total / 1e6:.1f} MB"
    for item in demo:
        with tifffile.TiffFile(item.path) as tif:
            assert len(tif.series) == item.expected["series_count"]


def test_sizes_follow_the_scale(demo: list[DemoFile]) -> None:
    def sizes(kind: str) -> dict[str, int]:
        return dict(by_name(demo, kind).expected["series"][0]["sizes"])

    assert sizes("widefield") == {"T": 1, "C": 3, "Z": 1, "Y": 512, "X": 512}
    assert sizes("zstack") == {"T": 1, "C": 2, "Z": 40, "Y": 256, "X": 256}
    assert sizes("live") == {"T": 24, "C": 2, "Z": 1, "Y": 256, "X": 256}
    assert sizes("he_section") == {"T": 1, "C": 1, "Z": 1, "Y": 2048, "X": 2048, "S": 3}
    assert by_name(demo, "screen").expected["series_count"] == 4


@pytest.mark.parametrize("kind", KINDS)
def test_tifffile_reads_back_shapes_dtypes_and_levels(demo: list[DemoFile], kind: str) -> None:
    item = by_name(demo, kind)
    with tifffile.TiffFile(item.path) as tif:
        assert tif.is_ome == (item.expected["format"] == "ome-tiff")
        assert tif.is_imagej == (item.expected["format"] == "tiff")
        assert len(tif.series) == item.expected["series_count"]
        for series, expected in zip(tif.series, item.expected["series"], strict=True):
            sizes = expected["sizes"]
            assert series.dtype == np.dtype(expected["dtype"])
            shape = dict(zip(series.axes, series.shape, strict=True))
            for axis, size in sizes.items():
                assert shape.get(axis, 1) == size, f"{axis} in {series.axes} {series.shape}"
            levels = expected.get("resolution_levels", [list(series.shape)])
            assert [list(level.shape) for level in series.levels] == levels
        first, axes = tif.series[0].asarray(), tif.series[0].axes
    samples = 3 if axes.endswith("S") else 2  # interleaved RGB planes keep their samples
    plane = first.reshape(-1, *first.shape[-samples:])[0]
    facts = item.expected["first_plane"]
    assert list(plane.shape) == facts["shape"]
    assert hashlib.sha256(np.ascontiguousarray(plane).tobytes()).hexdigest() == facts["sha256"]
    assert (plane.min(), plane.max()) == (facts["min"], facts["max"])


def test_pyramid_levels_halve_down_to_512(demo: list[DemoFile]) -> None:
    item = by_name(demo, "he_section")
    levels = item.expected["series"][0]["resolution_levels"]
    assert levels == [[2048, 2048, 3], [1024, 1024, 3], [512, 512, 3]]
    with tifffile.TiffFile(item.path) as tif:
        page = tif.series[0].levels[0].pages[0]
        assert isinstance(page, tifffile.TiffPage)
        assert page.is_tiled and page.compression == tifffile.COMPRESSION.JPEG
        assert len(page.subifds or ()) == len(levels) - 1


def test_importing_the_package_loads_no_heavy_libraries() -> None:
    code = (
        "import sys, imagesteward.demo as d; "
        "print(sorted(m for m in ('numpy', 'tifffile', 'ome_types') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
