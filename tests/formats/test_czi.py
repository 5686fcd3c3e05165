"""CZI reader: scenes, Airyscan phases, the objective actually used, damaged and hostile files."""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from imagesteward.errors import (
    CorruptFileError,
    FormatError,
    ImplausibleSizeError,
    UnsafeContentError,
)
from imagesteward.formats import ReadContext, default_registry, probe_path
from imagesteward.formats._czi import CziReader
from imagesteward.formats.reader import ImageSource

CELL_DIVISION = "czi/CellDivision_T3_Z6_CH1_X300_Y200_DCV_ZSTD.czi"
AIRYSCAN = "czi/LSM880_AiryScan.czi"


def _open(path: Path) -> ImageSource:
    source, report = default_registry().open(path, ReadContext(allowed_roots=(path.parent,)))
    assert report.chosen is not None, report.explain()
    assert report.chosen.name == "czi", report.explain()
    return source


def _load(path: Path) -> None:
    """Open through the registry and build every series (where damage shows)."""
    source, _ = default_registry().open(path, ReadContext(allowed_roots=(path.parent,)))
    with source:
        _ = source.series


def _metadata_segment(data: bytes) -> tuple[int, int]:
    """Offset and size of the metadata XML (ZISRAW file header -> metadata segment)."""
    metadata_position = struct.unpack_from("<q", data, 32 + 60)[0]
    return metadata_position + 32 + 256, struct.unpack_from("<i", data, metadata_position + 32)[0]


def test_sniff_recognises_the_zisraw_header(testdata: Path) -> None:
    verdict = CziReader().sniff(probe_path(testdata / AIRYSCAN))
    assert verdict.score == 100
    assert "ZISRAWFILE" in verdict.reason


def test_sniff_ignores_the_file_name(tmp_path: Path) -> None:
    fake = tmp_path / "not-a.czi"
    fake.write_bytes(b"\x00" * 4096)
    assert CziReader().sniff(probe_path(fake)).score == 0


def test_used_objective_is_the_referenced_one_not_the_first(
    testdata: Path, no_leaked_handles: None
) -> None:
    with _open(testdata / CELL_DIVISION) as source:
        acquisition = source.series[0].image.acquisition
    assert acquisition is not None
    assert acquisition.objective is not None
    assert acquisition.objective.model == "Plan-Apochromat 50x/1.2"
    assert acquisition.objective.lens_na == pytest.approx(1.2)
    assert acquisition.objective.immersion == "Water"
    assert acquisition.microscope is not None
    inventory = {o.model for o in acquisition.microscope.objectives or []}
    # The objective changer lists four lenses; the first is not the one used.
    assert {"Plan-Apochromat 20x/0.7", "Plan-Apochromat 5x/0.35"} <= inventory
    assert acquisition.immersion_refractive_index == pytest.approx(1.33)


def test_celldivision_metadata(testdata: Path) -> None:
    with _open(testdata / CELL_DIVISION) as source:
        image = source.series[0].image
    assert image.time_increment == pytest.approx(60.005432, rel=1e-6)
    assert image.physical_sizes_as_stored
    assert image.physical_sizes_as_stored[0].unit == "m"
    channel = (image.channels or [])[0]
    assert channel.exposure_time == pytest.approx(0.1)  # 100000000 ns
    assert channel.light_source is not None
    assert channel.light_source.wavelength == 567
    acquisition = image.acquisition
    assert acquisition is not None
    assert acquisition.acquisition_date is not None
    assert acquisition.acquisition_date.utcoffset() is not None
    assert acquisition.acquisition_date_as_written == "2016-02-12T09:41:02.4915604Z"
    assert acquisition.timezone_known is True
    assert acquisition.acquisition_software is not None
    assert acquisition.acquisition_software.name == "ZEN"


def test_airyscan_phase_dimension_is_kept(testdata: Path, no_leaked_handles: None) -> None:
    with _open(testdata / AIRYSCAN) as source:
        info = source.series[0]
        phase0 = source.read(0, {"T": 0, "C": 0, "Z": 0, "H": 0})
        phase1 = source.read(0, {"T": 0, "C": 0, "Z": 0, "H": 1})
    assert info.structure.dims == ("T", "C", "Z", "H", "Y", "X")
    assert info.structure.size("H") == 32
    assert [(d.name, d.size) for d in info.image.extra_dimensions or []] == [("H", 32)]
    assert any("H=32 kept" in note for note in info.image.capture_notes or [])
    assert phase0.shape == phase1.shape == (36, 38)
    assert not np.array_equal(phase0, phase1)


def test_airyscan_metadata(testdata: Path) -> None:
    with _open(testdata / AIRYSCAN) as source:
        image = source.series[0].image
    names = [c.name for c in image.channels or []]
    assert names[4:] == [None] * 4
    assert image.acquisition is not None
    assert image.acquisition.acquisition_date is None
    assert any("CreationDate" in note for note in image.capture_notes or [])
    assert image.acquisition.acquisition_mode == "LaserScanningConfocalMicroscopy"
    channel = (image.channels or [])[0]
    assert channel.excitation_wavelength == 633
    assert channel.detector_gain == pytest.approx(881.076, rel=1e-5)


@pytest.mark.parametrize(
    "selection",
    [
        {"C": slice(1, 7, 2), "H": slice(30, 2, -9), "Y": slice(3, 30, 4), "X": 5},
        {"T": 0, "Z": 0, "C": -1, "H": slice(None), "Y": slice(None, None, -1)},
        {"H": 7, "X": slice(37, None, -5)},
    ],
    ids=["steps", "reversed-y", "negative-x"],
)
def test_region_reads_equal_slices_of_a_full_read(
    testdata: Path, selection: dict[str, int | slice]
) -> None:
    with _open(testdata / AIRYSCAN) as source:
        dims = source.series[0].structure.dims
        full = source.read(0)
        region = source.read(0, selection)
    expected = full[tuple(selection.get(d, slice(None)) for d in dims)]
    assert region.shape == expected.shape
    assert np.array_equal(region, expected)


def test_zstd_time_lapse_region(testdata: Path) -> None:
    with _open(testdata / CELL_DIVISION) as source:
        full = source.read(0)
        region = source.read(
            0, {"T": slice(1, 3), "Z": 4, "Y": slice(10, 50), "X": slice(0, 300, 7)}
        )
    assert np.array_equal(region, full[1:3, :, 4, 10:50, 0:300:7])


def test_original_metadata_is_the_xml_verbatim(testdata: Path) -> None:
    path = testdata / AIRYSCAN
    data = path.read_bytes()
    offset, size = _metadata_segment(data)
    with _open(path) as source:
        original = source.original_metadata()
    assert original is not None
    assert original.media_type == "application/xml"
    assert original.content == data[offset : offset + size].rstrip(b"\x00")
    assert original.content.startswith(b"<ImageDocument>")


def test_content_decides_not_the_extension(testdata: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "really-a-czi.nd2"
    shutil.copy(testdata / CELL_DIVISION, renamed)
    report = default_registry().select(renamed)
    assert report.chosen is not None
    assert report.chosen.name == "czi"
    assert any("content is Carl Zeiss CZI" in note for note in report.notes)


def test_entity_declaration_in_the_xml_is_refused(
    testdata: Path, tmp_path: Path, no_leaked_handles: None
) -> None:
    data = bytearray((testdata / AIRYSCAN).read_bytes())
    offset, size = _metadata_segment(bytes(data))
    xml = bytes(data[offset : offset + size]).rstrip(b"\x00")
    compact = re.sub(rb">\s+<", b"><", xml)
    hostile = b'<!DOCTYPE d [<!ENTITY lol "lol">]>' + compact
    assert len(hostile) <= size
    data[offset : offset + size] = hostile.ljust(size, b" ")
    path = tmp_path / "entity.czi"
    path.write_bytes(bytes(data))
    with _open(path) as source, pytest.raises(UnsafeContentError) as caught:
        _ = source.series
    assert str(path) in str(caught.value)


def test_absurd_subblock_size_is_implausible(
    testdata: Path, tmp_path: Path, no_leaked_handles: None
) -> None:
    data = bytearray((testdata / CELL_DIVISION).read_bytes())
    directory = struct.unpack_from("<q", data, 32 + 52)[0]
    entry = directory + 32 + 128
    count = struct.unpack_from("<i", data, entry + 28)[0]
    for k in range(count):
        dim = entry + 32 + 20 * k
        if bytes(data[dim : dim + 1]) in (b"X", b"Y"):
            struct.pack_into("<i", data, dim + 8, 100_000)
    path = tmp_path / "absurd.czi"
    path.write_bytes(bytes(data))
    with _open(path) as source, pytest.raises(ImplausibleSizeError) as caught:
        _ = source.series
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("keep", [0.5, 1024, 0], ids=["half", "1KiB", "empty"])
def test_truncated_files_fail_with_the_reason(
    testdata: Path, tmp_path: Path, keep: float, no_leaked_handles: None
) -> None:
    data = (testdata / CELL_DIVISION).read_bytes()
    cut = data[: int(len(data) * keep)] if keep < 1 else data[: int(keep)]
    path = tmp_path / "cut.czi"
    path.write_bytes(cut)
    with pytest.raises(CorruptFileError) as caught:
        _load(path)
    message = str(caught.value)
    assert str(path) in message
    if cut:
        assert "beyond the end" in message or "only" in message


def test_corrupted_magic_is_not_a_czi(
    testdata: Path, tmp_path: Path, no_leaked_handles: None
) -> None:
    data = bytearray((testdata / CELL_DIVISION).read_bytes())
    data[0:10] = b"XXXXXXXXXX"
    path = tmp_path / "broken.czi"
    path.write_bytes(bytes(data))
    assert CziReader().sniff(probe_path(path)).score == 0
    with pytest.raises(FormatError):
        default_registry().open(path, ReadContext(allowed_roots=(tmp_path,)))
    with pytest.raises(CorruptFileError):
        CziReader().open(path, ReadContext(allowed_roots=(tmp_path,)))
