"""End to end on in-memory sources: pixels, pyramids and metadata of every kind of image."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ome_types import from_xml

from imagesteward import model
from imagesteward.convert import (
    ConversionResult,
    ConvertOptions,
    PlateLayout,
    WellField,
    to_ome_zarr,
    validate_ome_zarr,
)
from imagesteward.convert._downsample import downsample
from imagesteward.errors import ConfigurationError, DestinationExistsError
from tests.convert.oracle import assert_oracles_pass, check_ngff, check_ngff_script
from tests.convert.outputs import attributes, level, ngff
from tests.convert.sources import ArraySource, make_image

RNG = np.random.default_rng(20240607)


@dataclass
class Case:
    """A source array, its dims and document, and how its output should look."""

    array: np.ndarray
    dims: str
    axes: str
    to_output: Callable[[np.ndarray], np.ndarray]
    fields: dict[str, Any] = field(default_factory=dict)


def _channels(*specs: tuple[str | None, float | None]) -> list[model.Channel]:
    return [
        model.Channel(channel_index=i, name=name, emission_wavelength=wavelength)
        for i, (name, wavelength) in enumerate(specs)
    ]


CASES: dict[str, Case] = {
    "2d-uint8": Case(
        RNG.integers(0, 255, (1300, 2100), dtype=np.uint8),
        "YX",
        "yx",
        lambda a: a,
        {"physical_size_x": 0.5, "physical_size_y": 0.5},
    ),
    "3d-int8": Case(
        RNG.integers(-128, 127, (9, 1030, 1100), dtype=np.int8),
        "ZYX",
        "zyx",
        lambda a: a,
        {},
    ),
    "5d-uint16": Case(
        RNG.integers(0, 4095, (2, 3, 5, 1100, 1300), dtype=np.uint16),
        "TCZYX",
        "tczyx",
        lambda a: a,
        {
            "physical_size_x": 0.2,
            "physical_size_y": 0.2,
            "physical_size_z": 0.35,
            "time_increment": 30.0,
            "channels": _channels(("DAPI", 461.0), ("GFP", 510.0), (None, 670.0)),
        },
    ),
    "rgb-interleaved": Case(
        RNG.integers(0, 255, (1500, 1200, 3), dtype=np.uint8),
        "YXS",
        "cyx",
        lambda a: np.moveaxis(a, -1, 0),
        {"samples_per_pixel": 3, "physical_size_x": 0.25, "physical_size_y": 0.25},
    ),
    "float32": Case(
        RNG.normal(size=(2, 700, 1500)).astype(np.float32),
        "CYX",
        "cyx",
        lambda a: a,
        {},
    ),
    "extra-h": Case(
        RNG.integers(0, 4000, (2, 4, 3, 200, 260), dtype=np.uint16),
        "CHZYX",
        "czyx",
        lambda a: a.reshape(8, 3, 200, 260),
        {"channels": _channels(("ChA", 488.0), ("ChB", 561.0))},
    ),
}


def _convert(case: Case, destination: Path, **options: Any) -> ConversionResult:
    image = make_image(case.dims, case.array.shape, case.array.dtype.name, **case.fields)
    source = ArraySource([(case.array, case.dims)], [image])
    return to_ome_zarr(source, destination, ConvertOptions(**options))


def _plane_digests(array: np.ndarray) -> list[str]:
    planes = array.reshape(-1, *array.shape[-2:])
    return [hashlib.sha256(np.ascontiguousarray(p).tobytes()).hexdigest() for p in planes]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, ConversionResult]]:
    root = tmp_path_factory.mktemp("converted")
    return {
        name: (root / f"{name}.ome.zarr", _convert(case, root / f"{name}.ome.zarr"))
        for name, case in CASES.items()
    }


@pytest.mark.parametrize("name", list(CASES))
def test_level_0_is_the_source_plane_by_plane(
    name: str, converted: dict[str, tuple[Path, ConversionResult]]
) -> None:
    case = CASES[name]
    path, result = converted[name]
    level0 = level(path)
    expected = case.to_output(case.array)
    assert level0.dtype == case.array.dtype
    assert level0.shape == expected.shape
    assert _plane_digests(level0) == _plane_digests(expected)
    assert result.series[0].axes == case.axes
    assert result.bytes_read == case.array.nbytes


@pytest.mark.parametrize("name", list(CASES))
def test_every_level_is_the_mean_of_the_one_before(
    name: str, converted: dict[str, tuple[Path, ConversionResult]]
) -> None:
    path, result = converted[name]
    datasets = ngff(path)["multiscales"][0]["datasets"]
    assert len(datasets) == len(result.series[0].levels)
    previous = level(path)
    for number in range(1, len(datasets)):
        current = level(path, "", number)
        factors = [-(-a // b) for a, b in zip(previous.shape, current.shape, strict=True)]
        np.testing.assert_array_equal(current, downsample(previous, factors))
        previous = current
    assert max(previous.shape[-2:]) <= 1024


@pytest.mark.parametrize("name", list(CASES))
def test_output_is_valid(name: str, converted: dict[str, tuple[Path, ConversionResult]]) -> None:
    path, result = converted[name]
    assert validate_ome_zarr(path) == []
    assert "valid" in result.checks
    assert not Path(str(path) + ".partial").exists()
    assert not (path / ".imagesteward-progress").exists()


def test_oracles_accept_every_output(converted: dict[str, tuple[Path, ConversionResult]]) -> None:
    assert_oracles_pass([path for path, _ in converted.values()])


def test_batched_oracle_agrees_with_check_ngff_sh(
    converted: dict[str, tuple[Path, ConversionResult]], tmp_path: Path
) -> None:
    path = converted["5d-uint16"][0]
    broken = tmp_path / "broken.ome.zarr"
    import shutil

    shutil.copytree(path, broken)
    meta = json.loads((broken / "zarr.json").read_text())
    meta["attributes"]["ome"]["multiscales"][0]["axes"][0]["type"] = "space"  # 4 space axes
    (broken / "zarr.json").write_text(json.dumps(meta))
    batched = check_ngff([path, broken])
    for target in (path, broken):
        script_code, script_output = check_ngff_script(target)
        assert (batched[target][0] == 0) == (script_code == 0), script_output
    assert batched[path][0] == 0 and batched[broken][0] != 0


def test_axes_units_and_scales_come_from_the_calibration_only(
    converted: dict[str, tuple[Path, ConversionResult]],
) -> None:
    path, _ = converted["5d-uint16"]
    multiscale = ngff(path)["multiscales"][0]
    assert multiscale["axes"] == [
        {"name": "t", "type": "time", "unit": "second"},
        {"name": "c", "type": "channel"},
        {"name": "z", "type": "space", "unit": "micrometer"},
        {"name": "y", "type": "space", "unit": "micrometer"},
        {"name": "x", "type": "space", "unit": "micrometer"},
    ]
    level0, level1 = multiscale["datasets"][:2]
    assert level0["coordinateTransformations"] == [
        {"type": "scale", "scale": [30.0, 1.0, 0.35, 0.2, 0.2]}
    ]
    assert level1["coordinateTransformations"] == [
        {"type": "scale", "scale": [30.0, 1.0, 0.35, 0.4, 0.4]},
        {"type": "translation", "translation": [0.0, 0.0, 0.0, 0.1, 0.1]},
    ]
    # Uncalibrated: no unit, one pixel per unit - never an invented micrometre.
    uncalibrated = ngff(converted["3d-int8"][0])["multiscales"][0]
    assert all("unit" not in axis for axis in uncalibrated["axes"])
    assert uncalibrated["datasets"][0]["coordinateTransformations"][0]["scale"] == [1.0] * 3


def test_rendering_hints(converted: dict[str, tuple[Path, ConversionResult]]) -> None:
    omero = ngff(converted["5d-uint16"][0])["omero"]
    labels = [c["label"] for c in omero["channels"]]
    colours = [c["color"] for c in omero["channels"]]
    assert labels == ["DAPI", "GFP", "Channel 2"]
    assert colours[0][4:] == "FF" and colours[1][2:4] == "FF" and colours[2][:2] == "FF"
    source = CASES["5d-uint16"].array
    for channel, entry in enumerate(omero["channels"]):
        window = entry["window"]
        assert window["min"] == source[:, channel].min()
        assert window["max"] == source[:, channel].max()
        assert window["min"] <= window["start"] < window["end"] <= window["max"]
    rgb = ngff(converted["rgb-interleaved"][0])["omero"]["channels"]
    assert [c["color"] for c in rgb] == ["FF0000", "00FF00", "0000FF"]


def test_extra_dimensions_are_folded_and_the_mapping_is_recorded(
    converted: dict[str, tuple[Path, ConversionResult]],
) -> None:
    path, result = converted["extra-h"]
    attrs = attributes(path)["imagesteward"]
    assert attrs["mapping"]["fold"]["axes"] == ["C", "H"]
    assert attrs["mapping"]["fold"]["sizes"] == [2, 4]
    assert attrs["channels"][5] == {"c": 5, "source": {"C": 1, "H": 1}, "label": "ChB H=1"}
    assert result.series[0].channels[5] == "ChB H=1"
    model.Image.model_validate(attrs["image"])


def test_ome_xml_describes_the_written_pixels(
    converted: dict[str, tuple[Path, ConversionResult]],
) -> None:
    ome = from_xml((converted["5d-uint16"][0] / "OME" / "METADATA.ome.xml").read_text())
    pixels = ome.images[0].pixels
    assert (pixels.size_t, pixels.size_c, pixels.size_z, pixels.size_y, pixels.size_x) == (
        2,
        3,
        5,
        1100,
        1300,
    )
    assert pixels.physical_size_x == 0.2 and pixels.time_increment == 30.0
    assert [c.name for c in pixels.channels] == ["DAPI", "GFP", None]
    rgb = from_xml((converted["rgb-interleaved"][0] / "OME" / "METADATA.ome.xml").read_text())
    assert rgb.images[0].pixels.size_c == 3
    assert [c.samples_per_pixel for c in rgb.images[0].pixels.channels] == [3]


def test_multi_series_become_a_bioformats2raw_collection(tmp_path: Path) -> None:
    first = RNG.integers(0, 255, (300, 200), dtype=np.uint8)
    second = RNG.integers(0, 9, (2, 3, 50, 60), dtype=np.uint16)
    source = ArraySource([(first, "YX"), (second, "TCYX")])
    result = to_ome_zarr(source, tmp_path / "multi.ome.zarr")
    assert result.layout == "bioformats2raw"
    root = tmp_path / "multi.ome.zarr"
    assert ngff(root)["bioformats2raw.layout"] == 3
    assert ngff(root, "OME")["series"] == ["0", "1"]
    np.testing.assert_array_equal(level(root, "0"), first)
    np.testing.assert_array_equal(level(root, "1"), second)
    assert len(from_xml((tmp_path / "multi.ome.zarr/OME/METADATA.ome.xml").read_text()).images) == 2
    assert validate_ome_zarr(tmp_path / "multi.ome.zarr") == []
    assert_oracles_pass([tmp_path / "multi.ome.zarr"])


def test_selected_series_only(tmp_path: Path) -> None:
    arrays = [(RNG.integers(0, 9, (40, 50), dtype=np.uint8), "YX") for _ in range(3)]
    result = to_ome_zarr(ArraySource(arrays), tmp_path / "one.ome.zarr", series=[2])
    assert result.layout == "image" and result.series[0].source_series == 2
    np.testing.assert_array_equal(level(tmp_path / "one.ome.zarr"), arrays[2][0])


@pytest.mark.parametrize(
    ("options", "check"),
    [
        ({"ngff_version": "0.4"}, "v2"),
        ({"shard": True}, "shard"),
        ({"label": True}, "label"),
        ({"chunks": {"z": 2}, "compressor": "lz4", "shuffle": "shuffle"}, "chunks"),
    ],
)
def test_options(tmp_path: Path, options: dict[str, Any], check: str) -> None:
    case = CASES["5d-uint16"]
    path = tmp_path / "o.ome.zarr"
    result = _convert(case, path, **options)
    np.testing.assert_array_equal(level(path), case.array)
    assert validate_ome_zarr(path) == []
    if check == "v2":
        zarray = json.loads((path / "0" / ".zarray").read_text())
        assert zarray["dimension_separator"] == "/"
        assert zarray["compressor"]["cname"] in ("lz4", "zstd")  # compressor="auto"
        assert ngff(path)["multiscales"][0]["version"] == "0.4"
    elif check == "shard":
        meta = json.loads((path / "0" / "zarr.json").read_text())
        assert meta["codecs"][0]["name"] == "sharding_indexed"
        assert result.series[0].shards is not None
        objects = [p for p in (path / "0").rglob("*") if p.is_file() and p.name != "zarr.json"]
        assert len(objects) < np.prod(
            [-(-n // c) for n, c in zip(case.array.shape, result.series[0].chunks, strict=True)]
        )
    elif check == "label":
        assert ngff(path)["multiscales"][0]["type"] == "mode"
        expected = downsample(level(path), (1, 1, 1, 2, 2), "mode")
        np.testing.assert_array_equal(level(path, "", 1), expected)
    else:
        assert result.series[0].chunks[2] == 2 and result.series[0].shuffle == "shuffle"


def test_plate_layout(tmp_path: Path) -> None:
    arrays = [(RNG.integers(0, 255, (2, 64, 80), dtype=np.uint8), "CYX") for _ in range(4)]
    layout = PlateLayout(
        fields=(
            WellField(0, "A", "1"),
            WellField(1, "A", "2"),
            WellField(2, "B", "1"),
            WellField(3, "B", "1"),
        ),
        name="screen 7",
        rows=("A", "B", "C"),
    )
    path = tmp_path / "plate.ome.zarr"
    result = to_ome_zarr(ArraySource(arrays), path, plate=layout)
    assert result.layout == "plate"
    assert [s.path for s in result.series] == ["A/1/0", "A/2/0", "B/1/0", "B/1/1"]
    plate = ngff(path)["plate"]
    assert [r["name"] for r in plate["rows"]] == ["A", "B", "C"]
    assert plate["field_count"] == 2
    assert ngff(path, "B/1")["well"]["images"] == [{"path": "0"}, {"path": "1"}]
    np.testing.assert_array_equal(level(path, "B/1/1"), arrays[3][0])
    ome = from_xml((path / "OME" / "METADATA.ome.xml").read_text())
    assert len(ome.plates[0].wells) == 3
    assert validate_ome_zarr(path) == []
    assert_oracles_pass([path])


def test_progress_is_reported_up_to_the_total(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    result = _convert(CASES["5d-uint16"], tmp_path / "p.ome.zarr")
    del result
    source = ArraySource([(CASES["2d-uint8"].array, "YX")])
    result = to_ome_zarr(source, tmp_path / "q.ome.zarr", progress=lambda d, n: seen.append((d, n)))
    assert seen[0] == (0, result.regions) and seen[-1] == (result.regions, result.regions)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_finished_conversion_is_recognised_and_foreign_data_refused(tmp_path: Path) -> None:
    case = CASES["2d-uint8"]
    path = tmp_path / "done.ome.zarr"
    first = _convert(case, path)
    again = _convert(case, path)
    assert (first.status, again.status) == ("converted", "already-complete")
    assert again.plan == first.plan
    with pytest.raises(DestinationExistsError, match="not this conversion"):
        _convert(CASES["3d-int8"], path)
    foreign = tmp_path / "foreign"
    (foreign.parent / "foreign.partial").mkdir()
    (foreign.parent / "foreign.partial" / "notes.txt").write_text("mine")
    with pytest.raises(DestinationExistsError, match="not an imagesteward conversion"):
        _convert(case, foreign)


def test_bad_requests_are_refused_with_the_reason() -> None:
    source = ArraySource([(np.zeros((4, 4), np.uint8), "YX")])
    with pytest.raises(ConfigurationError, match="distinct indices"):
        to_ome_zarr(source, "unused.ome.zarr", series=[1])
    with pytest.raises(ConfigurationError, match="shard=True needs Zarr v3"):
        ConvertOptions(ngff_version="0.4", shard=True)
    with pytest.raises(ConfigurationError, match="needs source_spec"):
        to_ome_zarr(source, "unused.ome.zarr", ConvertOptions(scheduler="tcp://127.0.0.1:1"))
    with pytest.raises(ConfigurationError, match="placed twice"):
        PlateLayout((WellField(0, "A", "1"), WellField(0, "A", "2"))).check(1)


@pytest.mark.parametrize("shard", [False, True])
def test_small_budgets_use_more_stages_and_write_the_same_pixels(
    tmp_path: Path, shard: bool
) -> None:
    array = RNG.integers(0, 4000, (1, 4100, 2100), dtype=np.uint16)
    ample = to_ome_zarr(
        ArraySource([(array, "CYX")]), tmp_path / "a.ome.zarr", ConvertOptions(shard=shard)
    )
    tight = to_ome_zarr(
        ArraySource([(array, "CYX")]),
        tmp_path / "t.ome.zarr",
        ConvertOptions(shard=shard, memory_bytes=64 * 2**20),
    )
    assert tight.regions > ample.regions
    assert ample.series[0].levels == tight.series[0].levels
    for number in range(len(ample.series[0].levels)):
        np.testing.assert_array_equal(
            level(tmp_path / "a.ome.zarr", "", number), level(tmp_path / "t.ome.zarr", "", number)
        )
    if not shard:  # same chunks, same bytes, whatever the regions
        for path in (tmp_path / "a.ome.zarr").rglob("c/*/*/*"):
            twin = tmp_path / "t.ome.zarr" / path.relative_to(tmp_path / "a.ome.zarr")
            assert path.read_bytes() == twin.read_bytes()


def test_importing_the_package_loads_no_heavy_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, imagesteward.convert; "
        "print(sorted(m for m in ('numpy', 'zarr', 'dask', 'ome_types', 'ome_zarr_models') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
