"""DICOM reader: whole-slide tile assembly, lazy frame decoding, dates, damaged files."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from imagesteward.errors import CorruptFileError, ImplausibleSizeError
from imagesteward.formats import ReadContext, default_registry, probe_path
from imagesteward.formats._dicom import DicomReader
from imagesteward.formats._dicom_frames import FrameIndex
from imagesteward.formats.reader import ImageSource

NUMBERS = "dicom/sm_image_numbers.dcm"
JPEG_LS = "dicom/sm_image_jpegls_nobot.dcm"
FIRST_FRAME = {
    NUMBERS: "5263250339d3961c91f0bb1150e95ff862f8cd6a4ca873bc8d274dbe86fd6ce7",
    JPEG_LS: "fca966161a41548b22e75feeff281c3afc97fcc3138ca20e5df9b846375cc617",
}


def _load(path: Path) -> None:
    """Open through the registry, build every series and read the pixels."""
    source, _ = default_registry().open(path, ReadContext(allowed_roots=(path.parent,)))
    with source:
        _ = source.series
        source.read(0)


def _open(path: Path) -> ImageSource:
    source, report = default_registry().open(path, ReadContext(allowed_roots=(path.parent,)))
    assert report.chosen is not None, report.explain()
    assert report.chosen.name == "dicom", report.explain()
    return source


def _sha(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _rewrite(source: Path, target: Path, change: dict[str, object]) -> Path:
    dataset = pydicom.dcmread(source)
    for keyword, value in change.items():
        if value is None:
            delattr(dataset, keyword)
        else:
            setattr(dataset, keyword, value)
    dataset.save_as(target)
    return target


def test_sniff(testdata: Path, tmp_path: Path) -> None:
    assert DicomReader().sniff(probe_path(testdata / NUMBERS)).score == 100
    bare = tmp_path / "no-preamble.bin"
    bare.write_bytes((testdata / NUMBERS).read_bytes()[132:])
    verdict = DicomReader().sniff(probe_path(bare))
    assert 0 < verdict.score < 100
    assert "no DICM prefix" in verdict.reason
    text = tmp_path / "text.dcm"
    text.write_text("hello, not a DICOM file" * 20)
    assert DicomReader().sniff(probe_path(text)).score == 0


def test_file_without_preamble_reads_the_same(testdata: Path, tmp_path: Path) -> None:
    bare = tmp_path / "no-preamble.bin"
    bare.write_bytes((testdata / NUMBERS).read_bytes()[132:])
    with _open(testdata / NUMBERS) as original, _open(bare) as stripped:
        assert np.array_equal(original.read(0), stripped.read(0))


@pytest.mark.parametrize("name", [NUMBERS, JPEG_LS])
def test_first_tile_is_the_first_frame(testdata: Path, name: str, no_leaked_handles: None) -> None:
    with _open(testdata / name) as source:
        tile = source.read(0, {"Y": slice(0, 10), "X": slice(0, 10)})
    assert _sha(tile) == FIRST_FRAME[name]


def test_only_the_frames_a_region_needs_are_decoded(
    testdata: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[int] = []
    original = FrameIndex.decode

    def counting(self: FrameIndex, index: int) -> np.ndarray:
        decoded.append(index)
        return original(self, index)

    monkeypatch.setattr(FrameIndex, "decode", counting)
    with _open(testdata / JPEG_LS) as source:
        source.read(0, {"Y": slice(12, 18), "X": slice(25, 35)})
        assert sorted(decoded) == [7, 8]  # tile row 1, tile columns 2 and 3
        decoded.clear()
        source.read(0, {"Y": 49, "X": 0})
        assert decoded == [20]


@pytest.mark.parametrize(
    "selection",
    [
        {"Y": slice(3, 47, 4), "X": slice(None, None, -3), "S": 2},
        {"Y": slice(-1, 0, -7), "S": slice(None, None, -1)},
        {"X": 31},
    ],
    ids=["steps", "reversed", "column"],
)
def test_region_reads_equal_slices_of_a_full_read(
    testdata: Path, selection: dict[str, int | slice]
) -> None:
    with _open(testdata / JPEG_LS) as source:
        dims = source.series[0].structure.dims
        full = source.read(0)
        region = source.read(0, selection)
    assert np.array_equal(region, full[tuple(selection.get(d, slice(None)) for d in dims)])


def test_whole_slide_metadata(testdata: Path) -> None:
    with _open(testdata / JPEG_LS) as source:
        info = source.series[0]
    image = info.image
    assert info.structure.dims == ("Y", "X", "S")
    assert image.physical_size_x == pytest.approx(0.499)
    assert image.physical_size_z is None
    assert [(q.value, q.unit) for q in image.physical_sizes_as_stored or []] == [
        (0.000499, "mm"),
        (0.000499, "mm"),
    ]
    assert image.channels is not None
    assert image.channels[0].name is None
    assert image.channels[0].contrast_method == "Brightfield"
    acquisition = image.acquisition
    assert acquisition is not None
    assert acquisition.acquisition_date == datetime(2009, 12, 29, 9, 59, 15)
    assert acquisition.timezone_known is False
    assert acquisition.objective is None
    assert acquisition.microscope is not None
    assert acquisition.microscope.manufacturer == "Test Manufacturer"


def test_timezone_offset_makes_the_date_absolute(testdata: Path, tmp_path: Path) -> None:
    path = _rewrite(testdata / NUMBERS, tmp_path / "zone.dcm", {"TimezoneOffsetFromUTC": "+0100"})
    with _open(path) as source:
        acquisition = source.series[0].image.acquisition
    assert acquisition is not None
    assert acquisition.acquisition_date == datetime(2009, 12, 29, 8, 59, 15, tzinfo=UTC)
    assert acquisition.timezone_known is True


def test_tiled_sparse_positions_are_honoured(testdata: Path, tmp_path: Path) -> None:
    dataset = pydicom.dcmread(testdata / NUMBERS)
    dataset.DimensionOrganizationType = "TILED_SPARSE"
    groups = []
    for frame in range(25):
        tile = 24 - frame  # frames stored in reverse tile order
        position = Dataset()
        position.RowPositionInTotalImagePixelMatrix = tile // 5 * 10 + 1
        position.ColumnPositionInTotalImagePixelMatrix = tile % 5 * 10 + 1
        position.XOffsetInSlideCoordinateSystem = 0.0
        position.YOffsetInSlideCoordinateSystem = 0.0
        position.ZOffsetInSlideCoordinateSystem = 0.0
        group = Dataset()
        group.PlanePositionSlideSequence = Sequence([position])
        groups.append(group)
    dataset.PerFrameFunctionalGroupsSequence = Sequence(groups)
    path = tmp_path / "sparse.dcm"
    dataset.save_as(path)
    with _open(testdata / NUMBERS) as full_source, _open(path) as sparse_source:
        full = full_source.read(0)
        sparse = sparse_source.read(0)
    tiles = full.reshape(5, 10, 5, 10, 3)
    assert np.array_equal(sparse.reshape(5, 10, 5, 10, 3), tiles[::-1, :, ::-1, :, :])


def test_multiframe_image_without_total_pixel_matrix(testdata: Path, tmp_path: Path) -> None:
    path = _rewrite(
        testdata / NUMBERS,
        tmp_path / "frames.dcm",
        {"TotalPixelMatrixRows": None, "TotalPixelMatrixColumns": None},
    )
    with _open(path) as source:
        info = source.series[0]
        first = source.read(0, {"Z": 0})
        stepped = source.read(0, {"Z": slice(24, None, -6)})
        full = source.read(0)
    assert info.structure.dims == ("Z", "Y", "X", "S")
    assert _sha(first) == FIRST_FRAME[NUMBERS]
    assert np.array_equal(stepped, full[24::-6])


def test_original_metadata_is_dicom_json_without_pixels(testdata: Path) -> None:
    with _open(testdata / JPEG_LS) as source:
        original = source.original_metadata()
    assert original is not None
    assert original.media_type == "application/dicom+json"
    document = json.loads(original.content)
    assert "7FE00010" not in document["dataset"]
    assert document["dataset"]["00080016"]["Value"] == ["1.2.840.10008.5.1.4.1.1.77.1.6"]
    assert document["file_meta"]["00020010"]["Value"] == ["1.2.840.10008.1.2.4.80"]


def test_absurd_total_pixel_matrix_is_implausible(
    testdata: Path, tmp_path: Path, no_leaked_handles: None
) -> None:
    path = _rewrite(
        testdata / NUMBERS,
        tmp_path / "huge.dcm",
        {"TotalPixelMatrixRows": 4_000_000_000, "TotalPixelMatrixColumns": 4_000_000_000},
    )
    with _open(path) as source, pytest.raises(ImplausibleSizeError) as caught:
        _ = source.series
    assert str(path) in str(caught.value)


def test_frame_count_that_does_not_fill_the_grid(testdata: Path, tmp_path: Path) -> None:
    path = _rewrite(testdata / NUMBERS, tmp_path / "frames.dcm", {"NumberOfFrames": 24})
    with _open(path) as source, pytest.raises(CorruptFileError, match="TILED_FULL"):
        _ = source.series


@pytest.mark.parametrize("name", [NUMBERS, JPEG_LS])
@pytest.mark.parametrize("keep", [0.5, 0.95, 1024], ids=["half", "most", "1KiB"])
def test_truncated_files(
    testdata: Path, tmp_path: Path, name: str, keep: float, no_leaked_handles: None
) -> None:
    data = (testdata / name).read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(data[: int(len(data) * keep)] if keep < 1 else data[: int(keep)])
    with pytest.raises(CorruptFileError) as caught:
        _load(path)
    assert str(path) in str(caught.value)
