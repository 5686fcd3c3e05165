"""The OME-Zarr reader on synthetic hierarchies written with zarr 3 (NGFF 0.4 and 0.5)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
import zarr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imagesteward.errors import (
    CorruptFileError,
    ImplausibleSizeError,
    UnsafeContentError,
    UnsupportedFormatError,
)
from imagesteward.formats import ReadContext, default_registry, probe_path
from imagesteward.formats._zarr import OmeZarrReader, OmeZarrSource
from imagesteward.model import SeriesInfo

READER = OmeZarrReader()
RNG = np.random.default_rng(20240601)

AXES_5D = [
    {"name": "t", "type": "time", "unit": "millisecond"},
    {"name": "c", "type": "channel"},
    {"name": "z", "type": "space", "unit": "micrometer"},
    {"name": "y", "type": "space", "unit": "micrometer"},
    {"name": "x", "type": "space", "unit": "micrometer"},
]
AXES_YX_NM = [
    {"name": "y", "type": "space", "unit": "nanometer"},
    {"name": "x", "type": "space", "unit": "nanometer"},
]


# ----------------------------------------------------------------------------------- factories


def random_data(shape: Sequence[int], dtype: str) -> np.ndarray:
    """Non-constant data (zarr skips writing chunks that hold only the fill value)."""
    kind = np.dtype(dtype)
    if kind.kind == "f":
        return RNG.normal(100.0, 20.0, size=shape).astype(dtype)
    info = np.iinfo(kind)
    return RNG.integers(
        max(info.min, -1000), min(info.max, 1000), size=shape, endpoint=True
    ).astype(dtype)


def downsample(data: np.ndarray, axes: Sequence[dict[str, Any]]) -> np.ndarray:
    """Level n+1: every second pixel along y and x."""
    index = tuple(slice(None, None, 2) if a["name"].lower() in "yx" else slice(None) for a in axes)
    return np.ascontiguousarray(data[index])


def write_image(
    root: Path,
    data: np.ndarray,
    axes: Sequence[dict[str, Any]],
    *,
    version: str = "0.4",
    group: str = "",
    levels: int = 1,
    scale: Sequence[float] | None = None,
    omero: dict[str, Any] | None = None,
    name: str | None = None,
    chunks: Sequence[int] | None = None,
    extra: dict[str, Any] | None = None,
) -> list[np.ndarray]:
    """Write a multiscales image group (NGFF 0.4 on zarr v2, 0.5 on zarr v3); return its levels."""
    zarr_format = format_of(version)
    node = zarr.open_group(root, mode="a", zarr_format=zarr_format)
    if group:
        node = node.require_group(group)
    pyramid = [data]
    for _ in range(levels - 1):
        pyramid.append(downsample(pyramid[-1], axes))
    base = list(scale) if scale is not None else [1.0] * data.ndim
    datasets = []
    for level, array in enumerate(pyramid):
        factor = [2.0**level if a["name"].lower() in "yx" else 1.0 for a in axes]
        datasets.append(
            {
                "path": str(level),
                "coordinateTransformations": [
                    {"type": "scale", "scale": [b * f for b, f in zip(base, factor, strict=True)]}
                ],
            }
        )
        created = node.create_array(
            str(level),
            shape=array.shape,
            dtype=array.dtype,
            chunks=tuple(chunks) if chunks else array.shape,
            dimension_names=[a["name"] for a in axes] if zarr_format == 3 else None,
        )
        created[...] = array
    multiscale: dict[str, Any] = {"axes": list(axes), "datasets": datasets}
    if name is not None:
        multiscale["name"] = name
    attributes: dict[str, Any] = {"multiscales": [multiscale], **(extra or {})}
    if omero is not None:
        attributes["omero"] = omero
    if zarr_format == 2:
        multiscale["version"] = version
        node.attrs.update(attributes)
    else:
        node.attrs["ome"] = {"version": version, **attributes}
    return pyramid


def format_of(version: str) -> Literal[2, 3]:
    """NGFF 0.4 lives on zarr v2, 0.5 on zarr v3."""
    return 2 if version == "0.4" else 3


def set_attributes(root: Path, group: str, attributes: dict[str, Any], version: str) -> None:
    """Write NGFF attributes onto a (new or existing) group."""
    zarr_format = format_of(version)
    node = zarr.open_group(root, mode="a", zarr_format=zarr_format)
    if group:
        node = node.require_group(group)
    if zarr_format == 2:
        node.attrs.update(attributes)
    else:
        node.attrs["ome"] = {"version": version, **attributes}


def open_source(path: Path, **limits: Any) -> OmeZarrSource:
    return READER.open(path, ReadContext(allowed_roots=(path.parent,), **limits))


OME_XML = """<?xml version="1.0" encoding="UTF-8"?>
<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">
  <Instrument ID="Instrument:0">
    <Microscope Manufacturer="Zeiss" Model="LSM 980"/>
    <Objective ID="Objective:0" Model="Plan-Apochromat 63x/1.40 Oil" LensNA="1.4"
               NominalMagnification="63"/>
  </Instrument>
  <Image ID="Image:0" Name="first">
    <InstrumentRef ID="Instrument:0"/>
    <ObjectiveSettings ID="Objective:0"/>
    <Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint16" SizeX="32" SizeY="24" SizeZ="3"
            SizeC="2" SizeT="1" PhysicalSizeX="0.5" PhysicalSizeY="0.5" PhysicalSizeZ="2.0">
      <Channel ID="Channel:0:0" Name="DAPI" EmissionWavelength="461" SamplesPerPixel="1"/>
      <Channel ID="Channel:0:1" Name="GFP" EmissionWavelength="510" SamplesPerPixel="1"/>
      <MetadataOnly/>
    </Pixels>
  </Image>
  <Image ID="Image:1" Name="second">
    <Pixels ID="Pixels:1" DimensionOrder="XYZCT" Type="uint16" SizeX="16" SizeY="16" SizeZ="1"
            SizeC="1" SizeT="1" PhysicalSizeX="0.25" PhysicalSizeY="0.25">
      <Channel ID="Channel:1:0" Name="mCherry" SamplesPerPixel="1"/>
      <MetadataOnly/>
    </Pixels>
  </Image>
</OME>
"""


@pytest.fixture
def bioformats2raw(tmp_path: Path) -> tuple[Path, list[list[np.ndarray]]]:
    """A bioformats2raw container (NGFF 0.4) with two series and their OME-XML."""
    root = tmp_path / "two.ome.zarr"
    zarr.open_group(root, mode="w", zarr_format=2).attrs["bioformats2raw.layout"] = 3
    czyx = [a for a in AXES_5D if a["name"] != "t"]
    first = write_image(
        root,
        random_data((2, 3, 24, 32), "uint16"),
        czyx,
        group="0",
        levels=2,
        scale=[1.0, 2.0, 0.5, 0.5],
    )
    second = write_image(
        root,
        random_data((16, 16), "uint16"),
        AXES_5D[3:],
        group="1",
        scale=[0.3, 0.3],
    )
    set_attributes(root, "OME", {"series": ["0", "1"]}, "0.4")
    (root / "OME" / "METADATA.ome.xml").write_text(OME_XML, encoding="utf-8")
    return root, [first, second]


def plate(root: Path, version: str, *, fields: int = 2) -> dict[str, np.ndarray]:
    """A 2x2 HCS plate (rows A-B, columns 1-2) with ``fields`` fields per well."""
    wells = []
    written: dict[str, np.ndarray] = {}
    zarr.open_group(root, mode="w", zarr_format=format_of(version))
    for r, row in enumerate("AB"):
        for c, column in enumerate("12"):
            wells.append({"path": f"{row}/{column}", "rowIndex": r, "columnIndex": c})
            images = [{"path": str(f), "acquisition": 0} for f in range(fields)]
            set_attributes(
                root, f"{row}/{column}", {"well": {"images": images, **_version(version)}}, version
            )
            for f in range(fields):
                data = random_data((2, 8, 8), "uint8")
                write_image(
                    root,
                    data,
                    AXES_5D[1:2] + AXES_5D[3:],
                    version=version,
                    group=f"{row}/{column}/{f}",
                    scale=[1.0, 0.65, 0.65],
                )
                written[f"{row}{column}/{f}"] = data
    set_attributes(
        root,
        "",
        {
            "plate": {
                "name": "screen 7",
                "rows": [{"name": "A"}, {"name": "B"}],
                "columns": [{"name": "1"}, {"name": "2"}],
                "wells": wells,
                "acquisitions": [{"id": 0}],
                "field_count": fields,
                **_version(version),
            }
        },
        version,
    )
    return written


def _version(version: str) -> dict[str, str]:
    return {"version": version} if version == "0.4" else {}


def assert_names_path(error: pytest.ExceptionInfo[Exception], path: Path) -> None:
    assert str(path) in str(error.value), error.value


# ----------------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_sniff_accepts_an_ngff_image(tmp_path: Path, version: str) -> None:
    root = tmp_path / "image.ome.zarr"
    write_image(root, random_data((8, 8), "uint8"), AXES_YX_NM, version=version)
    verdict = READER.sniff(probe_path(root))
    assert verdict.score == 100
    assert "multiscales" in verdict.reason


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_sniff_accepts_a_plate(tmp_path: Path, version: str) -> None:
    root = tmp_path / "plate.ome.zarr"
    plate(root, version, fields=1)
    assert READER.sniff(probe_path(root)).score == 100


def test_sniff_bioformats2raw_scores_by_the_ome_xml(
    bioformats2raw: tuple[Path, Any],
) -> None:
    root, _ = bioformats2raw
    assert READER.sniff(probe_path(root)).score == 100
    (root / "OME" / "METADATA.ome.xml").unlink()
    verdict = READER.sniff(probe_path(root))
    assert verdict.score == 80
    assert "without OME/METADATA.ome.xml" in verdict.reason


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_sniff_explains_why_a_plain_array_is_not_an_image(
    tmp_path: Path, zarr_format: Literal[2, 3]
) -> None:
    root = tmp_path / "plain.zarr"
    array = zarr.create_array(root, shape=(4, 4), dtype="uint8", zarr_format=zarr_format)
    array[...] = 1
    verdict = READER.sniff(probe_path(root))
    assert verdict.score == 0
    assert "plain zarr array without NGFF metadata" in verdict.reason


def test_sniff_refuses_groups_without_ngff_and_other_things(tmp_path: Path) -> None:
    group = tmp_path / "group.zarr"
    zarr.open_group(group, mode="w", zarr_format=3).attrs["lab"] = "notes"
    assert READER.sniff(probe_path(group)).score == 0
    assert "without NGFF metadata" in READER.sniff(probe_path(group)).reason
    folder = tmp_path / "folder"
    folder.mkdir()
    assert READER.sniff(probe_path(folder)).score == 0
    file = tmp_path / "file.tif"
    file.write_bytes(b"II*\x00")
    assert READER.sniff(probe_path(file)).score == 0


def test_sniff_looks_only_at_the_root(tmp_path: Path) -> None:
    root = tmp_path / "image.ome.zarr"
    write_image(root, random_data((8, 8), "uint8"), AXES_YX_NM)
    # The level array inside the image is a plain array, not an image of its own.
    assert READER.sniff(probe_path(root / "0")).score == 0


def test_sniff_accepts_broken_json_so_that_open_can_say_what_is_wrong(tmp_path: Path) -> None:
    root = tmp_path / "broken.ome.zarr"
    write_image(root, random_data((8, 8), "uint8"), AXES_YX_NM)
    (root / ".zattrs").write_text("{not json", encoding="utf-8")
    verdict = READER.sniff(probe_path(root))
    assert verdict.score == 50
    with pytest.raises(CorruptFileError) as error:
        default_registry().open(root, ReadContext(allowed_roots=(tmp_path,)))
    assert_names_path(error, root / ".zattrs")
    assert "not valid JSON" in str(error.value)


# ----------------------------------------------------------------------------------- images


def test_ngff_04_5d_metadata_and_pixels_round_trip(tmp_path: Path, no_leaked_handles: None) -> None:
    root = tmp_path / "tczyx.ome.zarr"
    omero = {
        "channels": [
            {
                "label": "DAPI",
                "color": "0000FF",
                "window": {"start": 10, "end": 900, "min": 0, "max": 1000},
            },
            {"label": "GFP", "color": "00ff00"},
        ],
        "rdefs": {"model": "color"},
    }
    levels = write_image(
        root,
        random_data((3, 2, 4, 24, 32), "uint16"),
        AXES_5D,
        levels=3,
        scale=[250.0, 1.0, 2.0, 0.325, 0.325],
        omero=omero,
        name="mitosis",
        chunks=(1, 1, 2, 16, 16),
    )
    with open_source(root) as source:
        assert source.files == (root,)
        (info,) = source.series
        image, structure = info.image, info.structure
        assert structure.dims == ("T", "C", "Z", "Y", "X")
        assert structure.shape == (3, 2, 4, 24, 32)
        assert structure.levels == ((3, 2, 4, 24, 32), (3, 2, 4, 12, 16), (3, 2, 4, 6, 8))
        assert structure.chunks == (1, 1, 2, 16, 16)
        assert structure.dtype == "uint16"
        assert (image.name, image.axes, image.pixel_type) == ("mitosis", "TCZYX", "uint16")
        assert (image.size_t, image.size_c, image.size_z, image.size_y, image.size_x) == (
            3,
            2,
            4,
            24,
            32,
        )
        assert image.physical_size_x == image.physical_size_y == 0.325
        assert image.physical_size_z == 2.0
        assert image.time_increment == 0.25  # 250 ms
        assert [(q.value, q.unit) for q in image.physical_sizes_as_stored or []] == [
            (0.325, "micrometer"),
            (0.325, "micrometer"),
            (2.0, "micrometer"),
        ]
        assert image.resolution_levels == ["3x2x4x24x32", "3x2x4x12x16", "3x2x4x6x8"]
        assert [(c.channel_index, c.name, c.color) for c in image.channels or []] == [
            (0, "DAPI", "#0000FF"),
            (1, "GFP", "#00FF00"),
        ]
        notes = image.capture_notes or []
        assert any("display window: start 10, end 900" in n for n in notes)
        assert any(n.startswith("NGFF 0.4 on zarr v2") for n in notes)
        assert info.notes == notes
        assert image.file_format == "ome-zarr"
        for level, expected in enumerate(levels):
            np.testing.assert_array_equal(source.read(0, level=level), expected)
        plane = source.read(0, {"T": 2, "C": 1, "Z": 3})
        np.testing.assert_array_equal(plane, levels[0][2, 1, 3])
        region = source.read(0, {"C": 0, "Y": slice(5, 21), "X": slice(-7, None)}, level=0)
        np.testing.assert_array_equal(region, levels[0][:, 0, :, 5:21, -7:])
        assert source.read(0, {"T": 0, "C": 0, "Z": 0, "Y": 1, "X": 2}).shape == ()


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8", "int16", "int32", "uint32"])
def test_ngff_05_2d_dtypes_round_trip(tmp_path: Path, dtype: str, no_leaked_handles: None) -> None:
    root = tmp_path / f"{dtype}.ome.zarr"
    (data,) = write_image(
        root, random_data((20, 30), dtype), AXES_YX_NM, version="0.5", scale=[120.0, 80.0]
    )
    with open_source(root) as source:
        (info,) = source.series
        assert info.structure.dims == ("Y", "X")
        assert info.image.pixel_type == info.structure.dtype == dtype
        assert (info.image.size_t, info.image.size_c, info.image.size_z) == (1, 1, 1)
        assert info.image.physical_size_y == 0.12
        assert info.image.physical_size_x == 0.08
        assert info.image.physical_size_z is None
        assert [c.name for c in info.image.channels or []] == [None]
        assert any(n.startswith("NGFF 0.5 on zarr v3") for n in info.image.capture_notes or [])
        result = source.read(0)
        assert result.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(result, data)


def test_big_endian_v2_data_are_returned_in_native_order(tmp_path: Path) -> None:
    root = tmp_path / "be.ome.zarr"
    data = random_data((6, 7), "uint16").astype(">u2")
    write_image(root, data, AXES_YX_NM)
    with open_source(root) as source:
        assert source.series[0].structure.dtype == "uint16"
        result = source.read(0)
    assert result.dtype == np.dtype("=u2")
    np.testing.assert_array_equal(result, data)


def test_unit_less_axes_give_no_physical_size(tmp_path: Path) -> None:
    root = tmp_path / "cyx.ome.zarr"
    axes = [
        {"name": "C", "type": "channel"},
        {"name": "Y", "type": "space"},
        {"name": "X", "type": "space"},
    ]
    write_image(root, random_data((3, 16, 20), "uint8"), axes, version="0.5")
    with open_source(root) as source:
        image = source.series[0].image
    assert image.axes == "CYX"
    assert image.physical_size_x is image.physical_size_y is image.physical_size_z is None
    assert not image.physical_sizes_as_stored
    assert [c.name for c in image.channels or []] == [None, None, None]
    assert any("a unit-less scale is not a calibration" in n for n in image.capture_notes or [])


def test_custom_and_upper_case_axes_become_extra_dimensions(tmp_path: Path) -> None:
    root = tmp_path / "angles.ome.zarr"
    axes = [
        {"name": "angle", "type": "rotation"},
        {"name": "Z", "type": "space", "unit": "angstrom"},
        {"name": "Y", "type": "space", "unit": "angstrom"},
        {"name": "X", "type": "space", "unit": "angstrom"},
    ]
    (data,) = write_image(
        root, random_data((5, 2, 6, 6), "uint8"), axes, version="0.5", scale=[1.0, 20.0, 5.0, 5.0]
    )
    with open_source(root) as source:
        (info,) = source.series
        assert info.structure.dims == ("ANGLE", "Z", "Y", "X")
        assert info.image.axes == "ANGLEZYX"
        assert [(d.name, d.size) for d in info.image.extra_dimensions or []] == [("ANGLE", 5)]
        assert info.image.physical_size_x == 0.0005
        assert info.image.physical_size_z == 0.002
        np.testing.assert_array_equal(source.read(0, {"ANGLE": 3}), data[3])


def test_single_plane_and_time_point_spacings_are_not_recorded(tmp_path: Path) -> None:
    root = tmp_path / "flat.ome.zarr"
    write_image(
        root, random_data((1, 1, 1, 8, 8), "uint8"), AXES_5D, scale=[1.0, 1.0, 1.0, 0.2, 0.2]
    )
    with open_source(root) as source:
        image = source.series[0].image
    assert image.physical_size_z is None
    assert image.time_increment is None
    assert image.physical_size_x == 0.2


def test_multiscale_wide_scale_multiplies_the_level_scale(tmp_path: Path) -> None:
    root = tmp_path / "global.ome.zarr"
    write_image(root, random_data((8, 8), "uint8"), AXES_YX_NM, scale=[2.0, 2.0])
    attrs = json.loads((root / ".zattrs").read_text())
    attrs["multiscales"][0]["coordinateTransformations"] = [{"type": "scale", "scale": [3, 3]}]
    (root / ".zattrs").write_text(json.dumps(attrs))
    with open_source(root) as source:
        assert source.series[0].image.physical_size_x == 0.006


def test_labels_are_noted_not_read_as_series(tmp_path: Path) -> None:
    root = tmp_path / "labelled.ome.zarr"
    write_image(root, random_data((16, 16), "uint16"), AXES_YX_NM)
    set_attributes(root, "labels", {"labels": ["cells"]}, "0.4")
    write_image(
        root,
        random_data((16, 16), "uint32"),
        AXES_YX_NM,
        group="labels/cells",
        extra={"image-label": {"version": "0.4"}},
    )
    with open_source(root) as source:
        assert len(source.series) == 1
        notes = source.series[0].image.capture_notes or []
    assert any("label images present (cells)" in n for n in notes)


def test_ngff_validation_problems_become_notes_not_refusals(tmp_path: Path) -> None:
    root = tmp_path / "odd.ome.zarr"
    # NGFF requires the space axes last; zarr reads the data all the same.
    axes = [AXES_5D[3], {"name": "c", "type": "channel"}, AXES_5D[4]]
    (data,) = write_image(root, random_data((6, 2, 5), "uint8"), axes)
    with open_source(root) as source:
        notes = source.series[0].image.capture_notes or []
        np.testing.assert_array_equal(source.read(0), data)
    assert any("breaks the specification (ome-zarr-models" in n for n in notes), notes


# ----------------------------------------------------------------------------------- layouts


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_hcs_plate_gives_one_series_per_field(
    tmp_path: Path, version: str, no_leaked_handles: None
) -> None:
    root = tmp_path / "plate.ome.zarr"
    written = plate(root, version)
    with open_source(root) as source:
        names = [info.image.name for info in source.series]
        assert names == ["A1/0", "A1/1", "A2/0", "A2/1", "B1/0", "B1/1", "B2/0", "B2/1"]
        assert [info.image.series_index for info in source.series] == list(range(8))
        for index, name in enumerate(names):
            assert name is not None
            np.testing.assert_array_equal(source.read(index), written[name])
        notes = source.series[5].image.capture_notes or []
        assert any(
            "HCS plate 'screen 7': well B1 (group B/1), field 1 (2 of 2)" in n for n in notes
        ), notes
        assert source.series[0].image.physical_size_x == 0.65


def test_bioformats2raw_series_take_names_and_instrument_from_the_ome_xml(
    bioformats2raw: tuple[Path, list[list[np.ndarray]]], no_leaked_handles: None
) -> None:
    root, levels = bioformats2raw
    with open_source(root) as source:
        first, second = source.series
        assert (first.image.name, second.image.name) == ("first", "second")
        assert [c.name for c in first.image.channels or []] == ["DAPI", "GFP"]
        assert [c.emission_wavelength for c in first.image.channels or []] == [461.0, 510.0]
        acquisition = first.image.acquisition
        assert acquisition is not None
        assert acquisition.microscope is not None
        assert acquisition.microscope.model == "LSM 980"
        assert first.structure.dims == ("C", "Z", "Y", "X")
        assert first.structure.levels == ((2, 3, 24, 32), (2, 3, 12, 16))
        assert first.image.physical_size_z == 2.0
        # The NGFF scale (0.3 µm) describes the stored array; the OME-XML (0.25) disagrees.
        assert second.image.physical_size_x == 0.3
        assert any(
            "OME-XML gives physical_size_x 0.25" in n for n in second.image.capture_notes or []
        )
        assert [c.name for c in second.image.channels or []] == ["mCherry"]
        np.testing.assert_array_equal(source.read(0, level=1), levels[0][1])
        np.testing.assert_array_equal(source.read(1), levels[1][0])


def test_bioformats2raw_without_series_list_finds_groups_by_number(
    bioformats2raw: tuple[Path, Any],
) -> None:
    root, _ = bioformats2raw
    (root / "OME" / ".zattrs").write_text("{}")
    with open_source(root) as source:
        assert [info.image.name for info in source.series] == ["first", "second"]


def test_omero_channel_names_win_over_the_ome_xml_and_the_disagreement_is_noted(
    bioformats2raw: tuple[Path, Any],
) -> None:
    root, _ = bioformats2raw
    attrs = json.loads((root / "0" / ".zattrs").read_text())
    attrs["omero"] = {"channels": [{"label": "Hoechst"}, {"label": "GFP"}]}
    (root / "0" / ".zattrs").write_text(json.dumps(attrs))
    with open_source(root) as source:
        image = source.series[0].image
    assert [c.name for c in image.channels or []] == ["Hoechst", "GFP"]
    assert any("omero 'Hoechst', OME-XML 'DAPI'" in n for n in image.capture_notes or [])


def plate_ome_xml(fields: int) -> str:
    """OME-XML of :func:`plate`: one Image per field, linked through Plate/Well/WellSample."""
    wells: list[str] = []
    images: list[str] = []
    for r, row in enumerate("AB"):
        for c, column in enumerate("12"):
            samples = []
            for f in range(fields):
                n = len(images)
                samples.append(
                    f'<WellSample ID="WellSample:{n}" Index="{n}">'
                    f'<ImageRef ID="Image:{n}"/></WellSample>'
                )
                images.append(
                    f'<Image ID="Image:{n}" Name="{row}{column} field {f}">'
                    f'<Pixels ID="Pixels:{n}" DimensionOrder="XYZCT" Type="uint8" SizeX="8" '
                    f'SizeY="8" SizeZ="1" SizeC="2" SizeT="1">'
                    f'<Channel ID="Channel:{n}:0" Name="{row}{column}/{f} nuclei"/>'
                    f'<Channel ID="Channel:{n}:1" Name="{row}{column}/{f} actin"/>'
                    "<MetadataOnly/></Pixels></Image>"
                )
            wells.append(f'<Well ID="Well:{r}{c}" Row="{r}" Column="{c}">{"".join(samples)}</Well>')
    return (
        '<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">'
        f'<Plate ID="Plate:0" Name="screen 7">{"".join(wells)}</Plate>{"".join(images)}</OME>'
    )


def test_bioformats2raw_plate_fields_find_their_ome_xml_image_through_the_wells(
    tmp_path: Path,
) -> None:
    root = tmp_path / "screen.ome.zarr"
    plate(root, "0.4")
    set_attributes(root, "", {"bioformats2raw.layout": 3}, "0.4")
    set_attributes(root, "OME", {}, "0.4")
    (root / "OME" / "METADATA.ome.xml").write_text(plate_ome_xml(2))
    with open_source(root) as source:
        field = source.series[5].image
    assert field.name == "B1/1"
    assert [c.name for c in field.channels or []] == ["B1/1 nuclei", "B1/1 actin"]
    assert any("OME-XML image name 'B1 field 1'" in n for n in field.capture_notes or [])


def test_ngff_03_axes_given_as_names(tmp_path: Path) -> None:
    root = tmp_path / "old.ome.zarr"
    (data,) = write_image(root, random_data((2, 6, 7), "uint8"), AXES_5D[1:2] + AXES_5D[3:])
    attrs = json.loads((root / ".zattrs").read_text())
    attrs["multiscales"][0].update(version="0.3", axes=["c", "y", "x"])
    (root / ".zattrs").write_text(json.dumps(attrs))
    with open_source(root) as source:
        image = source.series[0].image
        np.testing.assert_array_equal(source.read(0, {"C": 1}), data[1])
    assert image.axes == "CYX"
    assert image.physical_size_x is None
    assert any("NGFF 0.3 image metadata not validated" in n for n in image.capture_notes or [])


def test_ngff_05_bioformats2raw_layout_without_ome_xml(tmp_path: Path) -> None:
    root = tmp_path / "v3.ome.zarr"
    set_attributes(root, "", {"bioformats2raw.layout": 3}, "0.5")
    first = write_image(root, random_data((4, 5), "uint8"), AXES_YX_NM, version="0.5", group="0")
    second = write_image(root, random_data((6, 7), "uint8"), AXES_YX_NM, version="0.5", group="1")
    set_attributes(root, "OME", {"series": ["1", "0"]}, "0.5")
    assert READER.sniff(probe_path(root)).score == 80
    with open_source(root) as source:
        assert [info.structure.shape for info in source.series] == [(6, 7), (4, 5)]
        np.testing.assert_array_equal(source.read(0), second[0])
        np.testing.assert_array_equal(source.read(1), first[0])


def test_consolidated_metadata_cannot_override_the_documents(tmp_path: Path) -> None:
    root = tmp_path / "consolidated.ome.zarr"
    (data,) = write_image(root, random_data((8, 8), "uint8"), AXES_YX_NM)
    zarr.consolidate_metadata(root, zarr_format=2)
    summary = json.loads((root / ".zmetadata").read_text())
    summary["metadata"]["0/.zarray"]["shape"] = [4, 4]
    (root / ".zmetadata").write_text(json.dumps(summary))
    with open_source(root) as source:
        assert source.series[0].structure.shape == (8, 8)
        np.testing.assert_array_equal(source.read(0), data)


def test_original_metadata_keeps_every_document_and_the_ome_xml(
    bioformats2raw: tuple[Path, Any],
) -> None:
    root, _ = bioformats2raw
    with open_source(root) as source:
        original = source.original_metadata()
    assert original.media_type == "application/json"
    content = json.loads(original.content)
    assert content["zarr_format"] == 2
    documents = content["documents"]
    assert documents[".zattrs"] == {"bioformats2raw.layout": 3}
    assert {
        ".zgroup",
        "0/.zattrs",
        "0/0/.zarray",
        "0/1/.zarray",
        "1/0/.zarray",
        "OME/.zattrs",
    } <= set(documents)
    assert content["ome_xml"] == OME_XML


def test_reading_a_region_touches_only_its_chunks(tmp_path: Path) -> None:
    root = tmp_path / "chunks.ome.zarr"
    (data,) = write_image(root, random_data((32, 32), "uint16"), AXES_YX_NM, chunks=(16, 16))
    (root / "0" / "1.1").write_bytes(b"this is not a compressed chunk")
    with open_source(root) as source:
        np.testing.assert_array_equal(source.read(0, {"Y": slice(0, 16)}), data[:16])
        with pytest.raises(Exception):  # noqa: B017, PT011 - whatever blosc says
            source.read(0)


def test_opening_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "image.ome.zarr"
    write_image(root, random_data((2, 8, 8), "uint8"), AXES_5D[1:2] + AXES_5D[3:], levels=2)

    def snapshot() -> dict[str, tuple[int, int]]:
        return {
            str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*")
        }

    before = snapshot()
    with open_source(root) as source:
        source.read(0)
        source.original_metadata()
    assert snapshot() == before


def test_the_registry_chooses_and_guards_the_reader(
    tmp_path: Path, no_leaked_handles: None
) -> None:
    root = tmp_path / "image.ome.zarr"
    (data,) = write_image(root, random_data((8, 8), "int16"), AXES_YX_NM, version="0.5")
    source, report = default_registry().open(root, ReadContext(allowed_roots=(tmp_path,)))
    with source:
        assert report.chosen is not None
        assert report.chosen.name == "ome-zarr"
        np.testing.assert_array_equal(source.read(0), data)


def test_bad_requests_raise_index_and_key_errors(tmp_path: Path) -> None:
    root = tmp_path / "image.ome.zarr"
    write_image(root, random_data((8, 8), "uint8"), AXES_YX_NM)
    with open_source(root) as source:
        with pytest.raises(IndexError, match="no level 1"):
            source.read(0, level=1)
        with pytest.raises(IndexError, match="no series 1"):
            source.read(1)
        with pytest.raises(KeyError):
            source.read(0, {"Z": 0})


@pytest.fixture(scope="module")
def region_source(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("regions") / "regions.ome.zarr"
    (data,) = write_image(
        root, random_data((2, 3, 4, 10, 9), "int16"), AXES_5D, version="0.5", chunks=(1, 2, 3, 4, 4)
    )
    source = open_source(root)
    yield source, data
    source.close()


def _axis_selection(size: int) -> st.SearchStrategy[int | slice]:
    return st.one_of(
        st.integers(-size, size - 1),
        st.builds(
            slice, st.none() | st.integers(-size, size), st.none() | st.integers(-size, size)
        ),
        st.builds(slice, st.none() | st.integers(0, size), st.none(), st.integers(1, 3)),
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_region_reads_like_numpy_indexing(region_source: Any, data: st.DataObject) -> None:
    source, expected = region_source
    structure = source.series[0].structure
    selection = {
        dim: data.draw(_axis_selection(size), label=dim)
        for dim, size in zip(structure.dims, structure.shape, strict=True)
        if data.draw(st.booleans(), label=f"select {dim}")
    }
    index = tuple(selection.get(dim, slice(None)) for dim in structure.dims)
    np.testing.assert_array_equal(source.read(0, selection), expected[index])


# ----------------------------------------------------------------------------------- refusals


Breaker = Callable[[Path], Path]


def _missing_level(root: Path) -> Path:
    for item in sorted((root / "1").rglob("*"), reverse=True):
        item.unlink() if item.is_file() else item.rmdir()
    (root / "1").rmdir()
    return root


def _axes_shape_mismatch(root: Path) -> Path:
    attrs = json.loads((root / ".zattrs").read_text())
    attrs["multiscales"][0]["axes"] = AXES_5D[3:]
    (root / ".zattrs").write_text(json.dumps(attrs))
    return root


def _escaping_dataset(root: Path) -> Path:
    attrs = json.loads((root / ".zattrs").read_text())
    attrs["multiscales"][0]["datasets"][1]["path"] = "../elsewhere"
    (root / ".zattrs").write_text(json.dumps(attrs))
    return root


def _invalid_json(root: Path) -> Path:
    (root / "0" / ".zarray").write_text('{"shape": [4, 8,')
    return root / "0" / ".zarray"


@pytest.mark.parametrize(
    ("breaker", "error", "message"),
    [
        pytest.param(
            _missing_level,
            CorruptFileError,
            "names 1, but there is no array there",
            id="missing-level",
        ),
        pytest.param(
            _axes_shape_mismatch,
            CorruptFileError,
            "declares 2 axes \\(y, x\\) but the level-0 array has 3",
            id="axes-shape-mismatch",
        ),
        pytest.param(
            _escaping_dataset,
            UnsafeContentError,
            "'../elsewhere' is not a plain",
            id="dataset-escapes-root",
        ),
        pytest.param(_invalid_json, CorruptFileError, "is not valid JSON", id="invalid-json"),
    ],
)
def test_structurally_broken_images_are_refused_naming_the_path(
    tmp_path: Path,
    breaker: Breaker,
    error: type[Exception],
    message: str,
    no_leaked_handles: None,
) -> None:
    root = tmp_path / "broken.ome.zarr"
    write_image(root, random_data((2, 8, 8), "uint8"), AXES_5D[1:2] + AXES_5D[3:], levels=2)
    named = breaker(root)
    with pytest.raises(error, match=message) as raised:
        open_source(root)
    assert_names_path(raised, named)


def test_absurd_shape_with_one_chunk_is_implausible(tmp_path: Path) -> None:
    root = tmp_path / "huge.ome.zarr"
    group = zarr.open_group(root, mode="w", zarr_format=3)
    array = group.create_array(
        "0", shape=(100_000, 100_000, 100_000), chunks=(16, 16, 16), dtype="uint16"
    )
    array[:16, :16, :16] = random_data((16, 16, 16), "uint16")
    group.attrs["ome"] = {
        "version": "0.5",
        "multiscales": [
            {
                "axes": AXES_5D[2:],
                "datasets": [
                    {
                        "path": "0",
                        "coordinateTransformations": [{"type": "scale", "scale": [1.0, 1.0, 1.0]}],
                    }
                ],
            }
        ],
    }
    with pytest.raises(ImplausibleSizeError, match="declares 2,000,000,000,000,000 bytes") as error:
        open_source(root)
    assert_names_path(error, root)


def test_symbolic_link_leaving_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "linked.ome.zarr"
    write_image(root, random_data((16, 16), "uint8"), AXES_YX_NM, chunks=(8, 8))
    outside = tmp_path / "secret"
    outside.write_bytes(b"not yours")
    chunk = root / "0" / "1.1"
    chunk.unlink()
    chunk.symlink_to(outside)
    with pytest.raises(UnsafeContentError, match="outside the zarr root") as error:
        open_source(root)
    assert_names_path(error, chunk)


def test_level_directory_linked_outside_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "linked.ome.zarr"
    write_image(root, random_data((2, 8, 8), "uint8"), AXES_5D[1:2] + AXES_5D[3:], levels=2)
    elsewhere = tmp_path / "elsewhere"
    (root / "1").rename(elsewhere)
    (root / "1").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafeContentError, match="outside the zarr root") as error:
        open_source(root)
    assert_names_path(error, root)


def test_oversized_metadata_documents_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "chatty.ome.zarr"
    write_image(root, random_data((8, 8), "uint8"), AXES_YX_NM, extra={"notes": "x" * 5000})
    with pytest.raises(ImplausibleSizeError, match="over the limit of 4,096") as error:
        open_source(root, max_metadata_bytes=4096)
    assert_names_path(error, root / ".zattrs")


def test_oversized_ome_xml_is_refused(bioformats2raw: tuple[Path, Any]) -> None:
    root, _ = bioformats2raw
    (root / "OME" / "METADATA.ome.xml").write_text(OME_XML + f"<!-- {'x' * 5000} -->")
    with pytest.raises(ImplausibleSizeError, match="OME-XML is") as error:
        open_source(root, max_metadata_bytes=4096)
    assert_names_path(error, root / "OME" / "METADATA.ome.xml")


def test_ome_xml_with_entities_is_refused(bioformats2raw: tuple[Path, Any]) -> None:
    root, _ = bioformats2raw
    hostile = '<?xml version="1.0"?><!DOCTYPE OME [<!ENTITY a "aaaa">]>' + OME_XML.split("?>", 1)[1]
    (root / "OME" / "METADATA.ome.xml").write_text(hostile)
    with pytest.raises(UnsafeContentError) as error:
        open_source(root)
    assert_names_path(error, root / "OME" / "METADATA.ome.xml")


def test_broken_ome_xml_is_noted_and_the_ngff_metadata_kept(
    bioformats2raw: tuple[Path, Any],
) -> None:
    root, _ = bioformats2raw
    (root / "OME" / "METADATA.ome.xml").write_text("<OME><Image")
    with open_source(root) as source:
        series: Sequence[SeriesInfo] = source.series
    assert [info.image.name for info in series] == [None, None]
    assert any("METADATA.ome.xml could not be used" in n for n in series[0].notes)


def test_plate_listing_a_missing_well_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "plate.ome.zarr"
    plate(root, "0.4", fields=1)
    for item in sorted((root / "B" / "2").rglob("*"), reverse=True):
        item.unlink() if item.is_file() else item.rmdir()
    (root / "B" / "2").rmdir()
    with pytest.raises(CorruptFileError, match="plate lists well 'B/2'") as error:
        open_source(root)
    assert_names_path(error, root / "B" / "2")


def test_a_group_without_ngff_metadata_is_unsupported(tmp_path: Path) -> None:
    root = tmp_path / "plain.zarr"
    zarr.open_group(root, mode="w", zarr_format=2).attrs["lab"] = "notes"
    with pytest.raises(UnsupportedFormatError, match="without OME-Zarr") as error:
        open_source(root)
    assert_names_path(error, root)
