"""MRC reader: Ångström sizes, volumes and stacks, hostile and damaged headers."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import mrcfile
import numpy as np
import pytest

from imagesteward.errors import CorruptFileError, ImplausibleSizeError
from imagesteward.formats import ReadContext, default_registry, probe_path
from imagesteward.formats._mrc import MrcReader
from imagesteward.formats.reader import ImageSource

TUBULIN = "mrc/beta-tubulin.mrc"


def _open(path: Path) -> ImageSource:
    source, report = default_registry().open(path, ReadContext(allowed_roots=(path.parent,)))
    assert report.chosen is not None, report.explain()
    assert report.chosen.name == "mrc", report.explain()
    return source


def _write(path: Path, data: np.ndarray, voxel: float | None = 2.0, stack: bool = False) -> Path:
    with mrcfile.new(path, overwrite=True) as mrc:
        mrc.set_data(data)
        if stack:
            mrc.set_image_stack()
        if voxel is not None:
            mrc.voxel_size = voxel
    return path


def test_sniff(testdata: Path, tmp_path: Path) -> None:
    assert MrcReader().sniff(probe_path(testdata / TUBULIN)).score == 100
    tiff_like = tmp_path / "x.mrc"
    tiff_like.write_bytes(b"II*\x00" + b"\x00" * 2000)
    assert MrcReader().sniff(probe_path(tiff_like)).score == 0


def test_old_style_header_without_map_marker(tmp_path: Path) -> None:
    path = _write(tmp_path / "old.map", np.arange(24, dtype=np.int16).reshape(2, 3, 4))
    data = bytearray(path.read_bytes())
    data[208:212] = b"\x00\x00\x00\x00"
    path.write_bytes(bytes(data))
    verdict = MrcReader().sniff(probe_path(path))
    assert 0 < verdict.score < 100
    with _open(path) as source:
        assert np.array_equal(source.read(0), np.arange(24, dtype=np.int16).reshape(2, 3, 4))
        notes = source.series[0].image.capture_notes or []
    assert any(note.startswith("mrcfile:") for note in notes)


def test_angstrom_voxel_size(testdata: Path, no_leaked_handles: None) -> None:
    with _open(testdata / TUBULIN) as source:
        image = source.series[0].image
    assert image.physical_size_x == pytest.approx(0.0005144)
    assert [(q.value, q.unit) for q in image.physical_sizes_as_stored or []] == [(5.144, "Å")] * 3
    assert image.axes == "ZYX"


def test_image_stack_has_no_z_calibration(tmp_path: Path) -> None:
    data = np.arange(3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    path = _write(tmp_path / "stack.mrcs", data, voxel=1.5, stack=True)
    with _open(path) as source:
        image = source.series[0].image
        region = source.read(0, {"Z": slice(None, None, -2), "X": 1})
    assert image.physical_size_x == pytest.approx(0.00015)
    assert image.physical_size_z is None
    assert any("image stack" in note for note in image.capture_notes or [])
    assert np.array_equal(region, data[::-2, :, 1])


def test_single_image_and_uncalibrated_map(tmp_path: Path) -> None:
    data = np.arange(12, dtype=np.uint16).reshape(3, 4)
    path = _write(tmp_path / "image.mrc", data, voxel=None)
    with _open(path) as source:
        info = source.series[0]
        assert np.array_equal(source.read(0), data)
    assert info.structure.dims == ("Y", "X")
    assert info.image.pixel_type == "uint16"
    assert info.image.physical_size_x is None


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # mrcfile writing big-endian data
def test_big_endian_file(tmp_path: Path) -> None:
    data = np.arange(60, dtype=">f4").reshape(3, 4, 5)
    path = _write(tmp_path / "big.mrc", data)
    with _open(path) as source:
        info = source.series[0]
        region = source.read(0, {"Y": 2})
    assert info.structure.dtype == "float32"
    assert region.dtype == np.dtype("float32")
    assert np.array_equal(region, data[:, 2].astype("<f4"))


@pytest.mark.parametrize(
    "selection",
    [{"Z": slice(19, 0, -4), "Y": 3}, {"X": slice(2, 18, 5)}, {"Z": 0, "Y": 0, "X": 0}],
    ids=["steps", "columns", "voxel"],
)
def test_region_reads_equal_slices_of_a_full_read(
    testdata: Path, selection: dict[str, int | slice]
) -> None:
    with _open(testdata / TUBULIN) as source:
        full = source.read(0)
        region = source.read(0, selection)
    assert np.array_equal(region, full[tuple(selection.get(d, slice(None)) for d in "ZYX")])


def test_original_metadata_lists_every_header_field(testdata: Path) -> None:
    with _open(testdata / TUBULIN) as source:
        original = source.original_metadata()
    assert original is not None
    document = json.loads(original.content)
    header = document["header"]
    assert header["nversion"] == 20140
    assert header["cella"]["x"] == pytest.approx(102.88)
    assert header["label"][0].startswith("Created by mrcfile.py")
    assert document["extended_header"]["nsymbt"] == 0


def test_absurd_dimensions_are_implausible(
    testdata: Path, tmp_path: Path, no_leaked_handles: None
) -> None:
    data = bytearray((testdata / TUBULIN).read_bytes())
    struct.pack_into("<3i", data, 0, 100_000, 100_000, 100_000)
    path = tmp_path / "absurd.mrc"
    path.write_bytes(bytes(data))
    with pytest.raises(ImplausibleSizeError) as caught:
        default_registry().open(path, ReadContext(allowed_roots=(tmp_path,)))
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("keep", [0.5, 1024, 500, 0], ids=["half", "header-only", "short", "empty"])
def test_truncated_files(
    testdata: Path, tmp_path: Path, keep: float, no_leaked_handles: None
) -> None:
    data = (testdata / TUBULIN).read_bytes()
    path = tmp_path / "cut.mrc"
    path.write_bytes(data[: int(len(data) * keep)] if keep < 1 else data[: int(keep)])
    with pytest.raises((CorruptFileError, ImplausibleSizeError)) as caught:
        MrcReader().open(path, ReadContext(allowed_roots=(tmp_path,)))
    assert str(path) in str(caught.value)
