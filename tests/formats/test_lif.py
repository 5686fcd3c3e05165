"""LIF reader: XZ scans, per-image time stamps, the XML check, damaged files."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from imagesteward.errors import CorruptFileError, UnsafeContentError
from imagesteward.formats import ReadContext, default_registry, probe_path
from imagesteward.formats._lif import LifReader
from imagesteward.formats.reader import ImageSource

XZ = "lif/LeicaLASX_xz-plane_example.lif"


def _load(path: Path) -> None:
    """Open through the registry and build every series (where damage shows)."""
    source, _ = default_registry().open(path, ReadContext(allowed_roots=(path.parent,)))
    with source:
        _ = source.series


def _open(path: Path) -> ImageSource:
    source, report = default_registry().open(path, ReadContext(allowed_roots=(path.parent,)))
    assert report.chosen is not None, report.explain()
    assert report.chosen.name == "lif", report.explain()
    return source


def _xml_span(data: bytes) -> tuple[int, int]:
    _, _, _, chars = struct.unpack_from("<IIBI", data)
    return 13, 2 * chars


def test_sniff(testdata: Path, tmp_path: Path) -> None:
    assert LifReader().sniff(probe_path(testdata / XZ)).score == 100
    other = tmp_path / "other.lif"
    other.write_bytes(b"\x70\x00\x00\x00" + b"\x00" * 100)
    assert LifReader().sniff(probe_path(other)).score == 0


def test_xz_scan_axes(testdata: Path, no_leaked_handles: None) -> None:
    with _open(testdata / XZ) as source:
        first, timed, volume = source.series
        plane = source.read(0)
    assert first.structure.dims == ("Z", "X")
    assert first.image.axes == "ZX"
    assert first.image.size_y == 1
    assert first.image.physical_size_y is None
    assert first.image.physical_size_z == pytest.approx(0.1545183757338552, rel=1e-6)
    assert plane.shape == (512, 512)
    assert timed.structure.dims == ("T", "Z", "X")
    assert timed.image.time_increment == pytest.approx(0.545)
    assert volume.structure.dims == ("Y", "Z", "X")


def test_each_image_has_its_own_utc_time_stamp(testdata: Path) -> None:
    with _open(testdata / XZ) as source:
        dates = [info.image.acquisition.acquisition_date for info in source.series]  # type: ignore[union-attr]
    assert dates == [
        datetime(2021, 1, 29, 15, 44, 20, 942000, tzinfo=UTC),
        datetime(2021, 1, 29, 15, 45, 49, 503000, tzinfo=UTC),
        datetime(2021, 1, 29, 15, 49, 3, 126000, tzinfo=UTC),
    ]


def test_instrument_settings_of_the_image(testdata: Path) -> None:
    with _open(testdata / XZ) as source:
        image = source.series[0].image
    assert image.channels is not None
    channel = image.channels[0]
    assert channel.name == "Glow"  # the LUT name: LIF stores no channel name
    assert channel.excitation_wavelength == 543
    assert channel.detector is not None
    assert channel.detector.detector_type == "HybridPhotodetector"
    assert image.acquisition is not None
    assert image.acquisition.objective is not None
    assert image.acquisition.objective.lens_na == pytest.approx(1.3)
    assert image.acquisition.objective.immersion == "Glycerol"
    assert image.acquisition.acquisition_software is not None
    assert image.acquisition.acquisition_software.version == "3.5.7.23225"


@pytest.mark.parametrize(
    ("series", "selection"),
    [
        (2, {"Y": slice(30, 2, -7), "Z": slice(1, 60, 5), "X": 3}),
        (1, {"T": slice(None, None, 3), "X": slice(-10, None)}),
        (0, {"Z": 100}),
    ],
    ids=["yzx", "tzx", "row"],
)
def test_region_reads_equal_slices_of_a_full_read(
    testdata: Path, series: int, selection: dict[str, int | slice]
) -> None:
    with _open(testdata / XZ) as source:
        dims = source.series[series].structure.dims
        full = source.read(series)
        region = source.read(series, selection)
    expected = full[tuple(selection.get(d, slice(None)) for d in dims)]
    assert np.array_equal(region, expected)


def test_original_metadata_is_the_container_xml(testdata: Path) -> None:
    data = (testdata / XZ).read_bytes()
    start, size = _xml_span(data)
    with _open(testdata / XZ) as source:
        original = source.original_metadata()
    assert original is not None
    assert original.content == data[start : start + size].decode("utf-16-le").encode("utf-8")


def test_entity_declaration_in_the_xml_is_refused(
    testdata: Path, tmp_path: Path, no_leaked_handles: None
) -> None:
    data = bytearray((testdata / XZ).read_bytes())
    start, size = _xml_span(bytes(data))
    xml = bytes(data[start : start + size]).decode("utf-16-le")
    hostile = '<!DOCTYPE d [<!ENTITY e "x">]>' + xml.replace("\t", "").replace("\n", "")
    assert len(hostile) <= size // 2
    data[start : start + size] = hostile.ljust(size // 2).encode("utf-16-le")
    path = tmp_path / "entity.lif"
    path.write_bytes(bytes(data))
    with pytest.raises(UnsafeContentError) as caught:
        LifReader().open(path, ReadContext(allowed_roots=(tmp_path,)))
    assert str(path) in str(caught.value)


def test_image_larger_than_its_memory_block(
    testdata: Path, tmp_path: Path, no_leaked_handles: None
) -> None:
    data = bytearray((testdata / XZ).read_bytes())
    start, size = _xml_span(bytes(data))
    xml = bytes(data[start : start + size]).decode("utf-16-le")
    patched = xml.replace('NumberOfElements="512"', 'NumberOfElements="999"', 1)
    data[start : start + size] = patched.encode("utf-16-le")
    path = tmp_path / "mismatch.lif"
    path.write_bytes(bytes(data))
    with _open(path) as source, pytest.raises(CorruptFileError, match="memory block"):
        _ = source.series


@pytest.mark.parametrize("keep", [0.5, 1024, 0], ids=["half", "1KiB", "empty"])
def test_truncated_files(
    testdata: Path, tmp_path: Path, keep: float, no_leaked_handles: None
) -> None:
    data = (testdata / XZ).read_bytes()
    path = tmp_path / "cut.lif"
    path.write_bytes(data[: int(len(data) * keep)] if keep < 1 else data[: int(keep)])
    with pytest.raises(CorruptFileError) as caught:
        _load(path)
    assert str(path) in str(caught.value)
