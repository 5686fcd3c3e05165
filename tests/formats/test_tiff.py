"""Non-OME TIFFs: ImageJ, Aperio SVS, Zeiss LSM, MetaMorph STK and plain TIFF, good and bad."""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile

from imagesteward.errors import CorruptFileError, ImplausibleSizeError
from imagesteward.formats import ImageSource, ReadContext, default_registry
from imagesteward.formats._tiff import TiffReader
from imagesteward.formats.registry import probe_path
from imagesteward.model import SeriesInfo


def _open(path: Path) -> ImageSource:
    source, report = default_registry().open(path, ReadContext(allowed_roots=(path.parent,)))
    assert report.chosen is not None, report.explain()
    assert report.chosen.name == "tiff", report.explain()
    return source


def _series(path: Path) -> list[SeriesInfo]:
    with _open(path) as source:
        return list(source.series)


# ---------------------------------------------------------------------- ImageJ
def _imagej(path: Path, data: np.ndarray, resolution: float | None, **metadata: Any) -> None:
    kwargs: dict[str, Any] = {"imagej": True, "metadata": metadata}
    if resolution is not None:
        kwargs["resolution"] = (resolution, resolution)
    tifffile.imwrite(path, data, **kwargs)


@pytest.mark.parametrize(
    ("unit", "expected_um"),
    [("\\u00B5m", 0.25), ("um", 0.25), ("micron", 0.25), ("nm", 0.00025), ("mm", 250.0)],
)
def test_imagej_units_are_converted(tmp_path: Path, unit: str, expected_um: float) -> None:
    path = tmp_path / "cal.tif"
    _imagej(path, np.zeros((3, 8, 9), "uint8"), 4.0, axes="ZYX", unit=unit, spacing=2.0)
    (info,) = _series(path)
    image = info.image
    assert image.file_format == "imagej-tiff"
    assert image.physical_size_x == pytest.approx(expected_um)
    assert image.physical_size_y == pytest.approx(expected_um)
    assert image.physical_size_z == pytest.approx(expected_um * 8)
    if expected_um != 0.25:
        stored = image.physical_sizes_as_stored or []
        assert [q.value for q in stored] == pytest.approx([0.25, 0.25, 2.0])
        assert {q.unit for q in stored} == {unit}


@pytest.mark.parametrize("unit", ["pixel", None])
def test_imagej_without_a_length_unit_is_uncalibrated(tmp_path: Path, unit: str | None) -> None:
    path = tmp_path / "uncal.tif"
    metadata = {"axes": "ZYX", "spacing": 3.0} | ({"unit": unit} if unit else {})
    _imagej(path, np.zeros((2, 8, 9), "uint16"), 10.0, **metadata)
    (info,) = _series(path)
    assert info.image.physical_size_x is None
    assert info.image.physical_size_z is None
    assert any("uncalibrated" in note for note in info.notes)


def test_imagej_hyperstack_time_and_channels(tmp_path: Path) -> None:
    data = np.arange(2 * 3 * 2 * 5 * 6, dtype="uint16").reshape(2, 3, 2, 5, 6)
    path = tmp_path / "tzcyx.tif"
    _imagej(path, data, 2.0, axes="TZCYX", unit="um", finterval=1.5)
    with _open(path) as source:
        info = source.series[0]
        assert info.structure.dims == ("T", "Z", "C", "Y", "X")
        image = info.image
        assert (image.size_t, image.size_z, image.size_c) == (2, 3, 2)
        assert image.time_increment == 1.5
        assert [c.name for c in image.channels or []] == [None, None]
        np.testing.assert_array_equal(source.read(0, {"T": 1, "C": 1}), data[1, :, 1])
        np.testing.assert_array_equal(
            source.read(0, {"T": 0, "Z": 2, "C": 0, "Y": slice(1, 3), "X": 4}),
            data[0, 2, 0, 1:3, 4],
        )


def test_imagej_zero_resolution_is_no_size(tmp_path: Path) -> None:
    path = tmp_path / "zero.tif"
    _imagej(path, np.zeros((4, 5), "uint8"), None, unit="um")
    raw = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tif:
        where = tif.pages.first.tags["XResolution"].valueoffset
    raw[where : where + 4] = b"\0\0\0\0"
    path.write_bytes(bytes(raw))
    (info,) = _series(path)
    assert info.image.physical_size_x is None


# ---------------------------------------------------------------------- plain TIFF
def test_plain_tiff_resolution_tags_are_not_a_size(tmp_path: Path) -> None:
    path = tmp_path / "plain.tif"
    tifffile.imwrite(
        path,
        np.zeros((3, 8, 9), "uint16"),
        metadata=None,
        resolution=(1e4, 1e4),
        photometric="minisblack",
        resolutionunit="CENTIMETER",
        software="CamSoft 1.0",
        datetime="2024:05:06 07:08:09",
    )
    (info,) = _series(path)
    image = info.image
    assert image.file_format == "tiff"
    assert image.physical_size_x is None
    assert image.physical_size_y is None
    assert image.name == "Image:0"
    assert any("print resolution" in note for note in info.notes)
    assert image.acquisition is not None
    assert image.acquisition.acquisition_date == datetime(2024, 5, 6, 7, 8, 9)
    assert image.acquisition.timezone_known is False
    extras = {d.name: d.size for d in image.extra_dimensions or []}
    assert extras == {"I": 3}, info.structure


def test_rgb_tiff_has_one_channel_of_three_samples(tmp_path: Path) -> None:
    path = tmp_path / "rgb.tif"
    data = np.random.default_rng(1).integers(0, 255, (6, 7, 3), dtype="uint8")
    tifffile.imwrite(path, data, photometric="rgb", metadata=None)
    with _open(path) as source:
        image = source.series[0].image
        assert (image.size_c, image.samples_per_pixel) == (1, 3)
        np.testing.assert_array_equal(source.read(0), data)
        np.testing.assert_array_equal(source.read(0, {"S": 2}), data[..., 2])


def test_original_metadata_is_json_of_tags(tmp_path: Path) -> None:
    path = tmp_path / "ij.tif"
    _imagej(path, np.zeros((2, 4, 5), "uint8"), 2.0, axes="ZYX", unit="um", Info="hello")
    with _open(path) as source:
        original = source.original_metadata()
    assert original is not None
    assert original.media_type == "application/json"
    document = json.loads(original.content)
    assert "256 ImageWidth" in document["tags"]
    assert document["imagej_metadata"]["Info"] == "hello"


# ---------------------------------------------------------------------- bad input
def test_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "empty.tif"
    path.write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty"):
        default_registry().select(path)
    with pytest.raises(CorruptFileError, match=str(path)):
        TiffReader().open(path, ReadContext(allowed_roots=(tmp_path,)))


def test_truncated_tiff(tmp_path: Path) -> None:
    path = tmp_path / "cut.tif"
    tifffile.imwrite(path, np.ones((64, 64), "uint16"), metadata=None)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CorruptFileError) as error, _open(path) as source:
        source.read(0)
    assert str(path) in str(error.value)


def test_absurd_ifd_dimensions_are_implausible(tmp_path: Path) -> None:
    path = tmp_path / "forged.tif"
    tifffile.imwrite(path, np.zeros((4, 4), "uint8"), metadata=None)
    raw = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tif:
        tags = tif.pages.first.tags
        width, length = tags["ImageWidth"], tags["ImageLength"]
        for tag in (width, length):
            # Rewrite the entry as LONG 100000 (value inline in the 4-byte field).
            raw[tag.offset + 2 : tag.offset + 12] = struct.pack("<HII", 4, 1, 100_000)
    path.write_bytes(bytes(raw))
    with pytest.raises(ImplausibleSizeError, match="not plausible") as error, _open(path) as source:
        _ = source.series
    assert str(path) in str(error.value)


def test_tiff_named_czi_is_read_as_tiff(tmp_path: Path) -> None:
    path = tmp_path / "actually-a-tiff.czi"
    data = np.arange(20, dtype="uint8").reshape(4, 5)
    tifffile.imwrite(path, data, metadata=None)
    report = default_registry().select(path)
    assert report.chosen is not None, report.explain()
    assert report.chosen.name == "tiff", report.explain()
    with _open(path) as source:
        np.testing.assert_array_equal(source.read(0), data)


def test_sniff_scores(tmp_path: Path) -> None:
    plain, ij = tmp_path / "p.tif", tmp_path / "ij.tif"
    tifffile.imwrite(plain, np.zeros((4, 4), "uint8"), metadata=None)
    _imagej(ij, np.zeros((4, 4), "uint8"), None)
    assert TiffReader().sniff(probe_path(plain)).score == 50
    assert TiffReader().sniff(probe_path(ij)).score == 90
    text = tmp_path / "t.tif"
    text.write_text("not a tiff")
    assert TiffReader().sniff(probe_path(text)).score == 0


# ---------------------------------------------------------------------- Aperio SVS
def test_svs_pyramid_label_and_macro(tmp_path: Path, no_leaked_handles: None) -> None:
    path = tmp_path / "slide.svs"
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (256, 320, 3), dtype="uint8")
    description = (
        "Aperio Image Library v12.0.5\r\n320x256 [0,0 320x256] (64x64) JPEG/RGB Q=70"
        "|AppMag = 40|MPP = 0.2520|ScanScope ID = SS1234|Date = 03/15/21|Time = 10:20:30"
        "|Time Zone = GMT+01:00"
    )
    with tifffile.TiffWriter(path) as tw:
        tw.write(base, tile=(64, 64), photometric="rgb", description=description, metadata=None)
        tw.write(base[::8, ::8], photometric="rgb", description="Aperio thumbnail", metadata=None)
        tw.write(base[::4, ::4], tile=(64, 64), photometric="rgb", metadata=None)
        tw.write(
            base[:20, :30], photometric="rgb", subfiletype=1, description="label", metadata=None
        )
        tw.write(
            base[:40, :50], photometric="rgb", subfiletype=9, description="macro", metadata=None
        )
    with _open(path) as source:
        series = list(source.series)
        assert [s.image.description for s in series] == [
            "SVS baseline image",
            "SVS thumbnail image",
            "SVS label image",
            "SVS macro image",
        ]
        baseline = series[0]
        assert baseline.image.file_format == "svs"
        assert baseline.structure.levels == ((256, 320, 3), (64, 80, 3))
        assert baseline.image.physical_size_x == pytest.approx(0.252)
        assert series[2].image.physical_size_x is None
        acquisition = baseline.image.acquisition
        assert acquisition is not None
        assert acquisition.objective is not None
        assert acquisition.objective.nominal_magnification == 40
        assert acquisition.microscope is not None
        assert acquisition.microscope.instrument_name == "SS1234"
        assert acquisition.acquisition_date is not None
        assert acquisition.acquisition_date.isoformat() == "2021-03-15T09:20:30+00:00"
        window = source.read(0, {"Y": slice(70, 90), "X": slice(100, 140)})
        np.testing.assert_array_equal(window, base[70:90, 100:140])
        np.testing.assert_array_equal(source.read(0, level=1), base[::4, ::4])


# ---------------------------------------------------------------------- Zeiss LSM
def _scan_information(entries: list[Any]) -> bytes:
    """A CZ_LSMINFO ScanInformation block: (code, value) attributes and 'end' markers."""
    out = bytearray(struct.pack("<III", 0x10000000, 0, 0))
    for item in entries:
        if item == "end":
            out += struct.pack("<III", 0xFFFFFFFF, 0, 0)
        elif item[1] is None:  # opens an array or a struct
            out += struct.pack("<III", item[0], 0, 0)
        elif isinstance(item[1], str):
            raw = item[1].encode() + b"\0"
            out += struct.pack("<III", item[0], 2, len(raw)) + raw
        elif isinstance(item[1], float):
            out += struct.pack("<IIId", item[0], 5, 8, item[1])
        else:
            out += struct.pack("<IIIi", item[0], 4, 4, item[1])
    return bytes(out)


def _channel_colors(colors: Sequence[tuple[int, ...]], names: Sequence[str]) -> bytes:
    encoded = b"".join(struct.pack("<I", len(n) + 1) + n.encode() + b"\0" for n in names)
    names_at = 24 + 4 * len(colors)
    head = struct.pack("<IIIIII", names_at + len(encoded), len(colors), len(names), 24, names_at, 0)
    return head + bytes(v for c in colors for v in c) + encoded


def _write_lsm(path: Path, data: np.ndarray, scan: list[Any], interval: float = 0.0) -> None:
    """A minimal LSM: CZ_LSMINFO (LSM 2.0 size) + ChannelColors + ScanInformation, thumbnails."""
    size_z, size_c, size_y, size_x = data.shape
    fields = tifffile.TIFF.CZ_LSMINFO
    dtype = np.dtype(fields[: [f[0] for f in fields].index("OffsetNextRecording") + 1])
    info = np.zeros((), dtype)
    info["MagicNumber"], info["StructureSize"] = 50350412, dtype.itemsize
    info["DimensionX"], info["DimensionY"], info["DimensionZ"] = size_x, size_y, size_z
    info["DimensionChannels"], info["DimensionTime"], info["DataType"] = size_c, 1, 1
    info["VoxelSizeX"], info["VoxelSizeY"], info["VoxelSizeZ"] = 0.2e-6, 0.2e-6, 1.5e-6
    info["TimeIntervall"] = interval
    colors = _channel_colors(
        [(0, 255, 0, 0), (255, 0, 255, 0), (0, 0, 255, 0)][:size_c],
        ["Ch1-T1", "Ch2-T2", "Ch3-T3"][:size_c],
    )
    blob = info.tobytes() + colors + _scan_information(scan)
    with tifffile.TiffWriter(path) as tw:
        for z in range(size_z):
            extratags = [(34412, "B", len(blob), blob, True)] if z == 0 else []
            tw.write(
                data[z],
                planarconfig="separate",
                photometric="minisblack",
                metadata=None,
                extratags=extratags,
                contiguous=False,
            )
            tw.write(
                np.zeros((size_y // 2, size_x // 2, 3), "uint8"),
                photometric="rgb",
                subfiletype=1,
                metadata=None,
                contiguous=False,
            )
    # Sub-records are found through absolute offsets: patch them now that the tag is placed.
    with tifffile.TiffFile(path) as tif:
        base = tif.pages.first.tags[34412].valueoffset
    raw = bytearray(path.read_bytes())
    for name, where in (
        ("OffsetChannelColors", base + dtype.itemsize),
        ("OffsetScanInformation", base + dtype.itemsize + len(colors)),
    ):
        field_at = base + dtype.fields[name][1]  # type: ignore[index]
        raw[field_at : field_at + 4] = struct.pack("<I", where)
    path.write_bytes(bytes(raw))


LSM_SCAN = [
    (0x10000001, "recording 7"),
    (0x10000004, "Plan-Apochromat 63x/1.40 Oil DIC M27"),
    (0x10000047, "alice"),
    (0x10000016, 2.0),
    (0x20000000, None),
    (0x40000000, None),
    (0x40000006, 1),
    (0x60000000, None),
    (0x70000000, None),
    (0x7000000B, 1),
    (0x70000009, 56.0),
    (0x70000003, 650.0),
    "end",
    (0x70000000, None),
    (0x7000000B, 1),
    (0x70000009, 60.0),
    (0x70000003, 700.0),
    "end",
    (0x70000000, None),
    (0x7000000B, 1),
    (0x70000009, 70.0),
    (0x70000003, 710.0),
    "end",
    "end",
    (0x80000000, None),
    (0x90000000, None),
    (0x90000004, 1),
    (0x90000003, 488.0),
    "end",
    "end",
    "end",
    "end",
    "end",
]


def test_lsm_calibration_channels_and_objective(tmp_path: Path) -> None:
    path = tmp_path / "stack.lsm"
    data = np.arange(3 * 3 * 8 * 10, dtype="uint8").reshape(3, 3, 8, 10)
    _write_lsm(path, data, LSM_SCAN)
    with _open(path) as source:
        assert len(source.series) == 1  # the thumbnails are not a series
        info = source.series[0]
        image = info.image
        assert image.file_format == "lsm"
        assert info.structure.dims == ("Z", "C", "Y", "X")
        assert image.physical_size_x == pytest.approx(0.2)
        assert image.physical_size_z == pytest.approx(1.5)
        assert [(q.value, q.unit) for q in image.physical_sizes_as_stored or []] == [
            (2e-7, "m"),
            (2e-7, "m"),
            (1.5e-6, "m"),
        ]
        channels = image.channels or []
        assert [c.name for c in channels] == ["Ch1-T1", "Ch2-T2", "Ch3-T3"]
        assert [c.color for c in channels] == ["#00FF00", "#FF00FF", "#0000FF"]
        assert [c.pinhole_size for c in channels] == [56.0, 60.0, 70.0]
        assert [c.excitation_wavelength for c in channels] == [488.0] * 3
        assert channels[0].zoom == 2.0
        assert image.name == "recording 7"
        acquisition = image.acquisition
        assert acquisition is not None
        assert acquisition.objective is not None
        assert acquisition.objective.nominal_magnification == 63
        assert acquisition.objective.lens_na == pytest.approx(1.4)
        assert acquisition.objective.immersion == "Oil"
        assert acquisition.objective.correction == "PlanApo"
        assert acquisition.operator is not None
        assert acquisition.operator.name == "alice"
        np.testing.assert_array_equal(source.read(0), data)
        np.testing.assert_array_equal(source.read(0, {"Z": 2, "C": 1}), data[2, 1])
        original = source.original_metadata()
    assert original is not None
    assert "lsm_metadata" in json.loads(original.content)


# ---------------------------------------------------------------------- MetaMorph STK
_UIC = [name for name, _ in tifffile.TIFF.UIC_TAGS]


def _write_stk(path: Path, data: np.ndarray, *, units: str = "um", when: datetime) -> None:
    """An STK: one IFD, planes contiguous, UIC1 (calibration), UIC2 (Z, times), UIC3."""
    planes = data.shape[0]

    def pascal(text: str) -> bytes:
        raw = text.encode() + b"\0"
        return struct.pack("<I", len(raw)) + raw

    fraction = struct.pack("<II", 650, 1000)  # 0.65 per pixel
    entries = [
        ("SpatialCalibration", 1, b""),
        ("XCalibration", None, fraction),
        ("YCalibration", None, fraction),
        ("CalibrationUnits", None, pascal(units)),
        ("Name", None, pascal("stage 3")),
    ]
    uic1 = bytearray(8 * len(entries)) + b"".join(p for _, _, p in entries)
    julian_day = (when.date() - date(1970, 1, 1)).days + 2440587  # as tifffile counts
    milliseconds = ((when.hour * 60 + when.minute) * 60 + when.second) * 1000
    uic2 = struct.pack(
        f"<{6 * planes}I",
        *[
            v
            for _ in range(planes)
            for v in (2500, 1000, julian_day, milliseconds, julian_day, milliseconds)
        ],
    )
    uic3 = struct.pack(f"<{2 * planes}I", *[v for _ in range(planes) for v in (561, 1)])
    tifffile.imwrite(
        path,
        data,
        photometric="minisblack",
        metadata=None,
        contiguous=True,
        extratags=[
            (33628, "B", len(uic1), bytes(uic1), True),
            (33629, "B", len(uic2), uic2, True),
            (33630, "B", len(uic3), uic3, True),
        ],
    )
    raw = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tif:
        tags = tif.pages.first.tags
        base = tags[33628].valueoffset
        # MetaMorph's counts are entries and planes, not bytes; the types LONG and RATIONAL.
        for code, (kind, count) in {
            33628: (4, len(entries)),
            33629: (5, planes),
            33630: (5, planes),
        }.items():
            raw[tags[code].offset + 2 : tags[code].offset + 8] = struct.pack("<HI", kind, count)
    cursor = base + 8 * len(entries)
    for i, (name, inline, payload) in enumerate(entries):
        value = inline if inline is not None else cursor
        raw[base + 8 * i : base + 8 * i + 8] = struct.pack("<II", _UIC.index(name), value)
        cursor += len(payload)
    path.write_bytes(bytes(raw))


def test_stk_calibration_z_step_wavelength_and_time(tmp_path: Path) -> None:
    path = tmp_path / "stack.stk"
    data = np.arange(4 * 6 * 7, dtype="uint16").reshape(4, 6, 7)
    _write_stk(path, data, when=datetime(2021, 3, 4, 5, 6, 7))
    with _open(path) as source:
        info = source.series[0]
        image = info.image
        assert image.file_format == "stk"
        assert info.structure.dims == ("Z", "Y", "X")
        assert image.physical_size_x == pytest.approx(0.65)
        assert image.physical_size_y == pytest.approx(0.65)
        assert image.physical_size_z == pytest.approx(2.5)
        assert image.name == "stage 3"
        assert (image.channels or [])[0].excitation_wavelength == 561
        assert image.acquisition is not None
        assert image.acquisition.acquisition_date == datetime(2021, 3, 4, 5, 6, 7)
        assert image.acquisition.timezone_known is False
        np.testing.assert_array_equal(source.read(0), data)
        np.testing.assert_array_equal(source.read(0, {"Z": 3, "X": slice(2, 4)}), data[3, :, 2:4])


def test_stk_in_nanometres_and_uncalibrated(tmp_path: Path) -> None:
    path = tmp_path / "nm.stk"
    _write_stk(path, np.zeros((2, 4, 4), "uint16"), units="nm", when=datetime(2020, 1, 1))
    (info,) = _series(path)
    assert info.image.physical_size_x == pytest.approx(0.00065)
    assert info.image.physical_size_z == pytest.approx(0.0025)
    path = tmp_path / "px.stk"
    _write_stk(path, np.zeros((2, 4, 4), "uint16"), units="pixel", when=datetime(2020, 1, 1))
    (info,) = _series(path)
    assert info.image.physical_size_x is None
