"""OME-TIFF: single files from the corpus, multi-file sets, BinaryOnly files, hostile references."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
from ome_types import model as om
from ome_types import to_xml

from imagesteward.errors import (
    CorruptFileError,
    FormatError,
    ImplausibleSizeError,
    UnsafeContentError,
)
from imagesteward.formats import ImageSource, ReadContext, default_registry
from imagesteward.formats._ome_source import OmeSource
from imagesteward.formats._tiff import OmeTiffReader
from imagesteward.formats._tiff_pages import open_tiff
from imagesteward.formats.registry import probe_path
from tests.conftest import require_corpus


def _open(path: Path, *roots: Path) -> ImageSource:
    context = ReadContext(allowed_roots=roots or (path.parent,))
    source, report = default_registry().open(path, context)
    assert report.chosen is not None
    return source


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


# ---------------------------------------------------------------------- corpus files
def test_pyramid_levels_are_readable(no_leaked_handles: None) -> None:
    path = require_corpus() / "ome-tiff" / "bfconvert-rgba.ome.tiff"
    with _open(path) as source:
        info = source.series[0]
        assert info.structure.levels[1:] == (
            (1, 1, 1, 12, 13, 4),
            (1, 1, 1, 6, 6, 4),
            (1, 1, 1, 3, 3, 4),
        )
        assert info.image.resolution_levels == [
            "1x1x1x25x26x4",
            "1x1x1x12x13x4",
            "1x1x1x6x6x4",
            "1x1x1x3x3x4",
        ]
        with tifffile.TiffFile(path) as tif:
            expected = [level.asarray() for level in tif.series[0].levels]
        for level, want in enumerate(expected):
            plane = source.read(0, {"Z": 0, "T": 0, "C": 0}, level=level)
            np.testing.assert_array_equal(plane, want)
        window = source.read(0, {"Z": 0, "T": 0, "C": 0, "Y": slice(2, 5), "S": 3}, level=1)
        np.testing.assert_array_equal(window, expected[1][2:5, :, 3])
    # A level that does not exist is the caller's mistake, reported by the reader itself too.
    raw = OmeTiffReader().open(path, ReadContext(allowed_roots=(path.parent,)))
    with raw, pytest.raises(IndexError, match="no resolution level 4"):
        raw.read(0, None, level=4)


def test_signed_pixels_and_no_size_from_zero_resolution() -> None:
    path = require_corpus() / "ome-tiff" / "z-series.ome.tif"
    with _open(path) as source:
        info = source.series[0]
        stack = source.read(0, {"T": 0, "C": 0})
    assert stack.dtype == np.int8
    assert stack.shape == (5, 167, 439)
    assert info.image.physical_size_x is None
    assert source.original_metadata() is not None


def test_multiseries_metadata_and_original_xml() -> None:
    path = require_corpus() / "ome-tiff" / "multiseries.ome.tiff"
    with _open(path) as source:
        assert len(source.series) == 6
        image = source.series[0].image
        original = source.original_metadata()
    assert original is not None
    assert original.media_type == "application/xml"
    assert original.content.startswith(b"<?xml")
    assert image.acquisition is not None
    assert image.acquisition.objective is None
    assert image.acquisition.timezone_known is False
    assert [c.exposure_time for c in image.channels or []][:2] == pytest.approx([0.03, 0.2])
    assert any("placeholder" in note for note in image.capture_notes or [])


def test_sniff_recognises_ome_tiff_by_content(tmp_path: Path) -> None:
    path = tmp_path / "renamed.tif"
    _write_single_ome_tiff(path)
    verdict = OmeTiffReader().sniff(probe_path(path))
    assert verdict.score == 100
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, np.zeros((4, 4), "uint8"), metadata=None)
    assert OmeTiffReader().sniff(probe_path(plain)).score == 0


# ---------------------------------------------------------------------- helpers
def _pixels(
    planes: list[om.TiffData], size_z: int = 1, size_c: int = 1, size_t: int = 1
) -> om.Pixels:
    return om.Pixels(
        id="Pixels:0",
        dimension_order="XYZCT",
        type="uint16",
        size_x=6,
        size_y=5,
        size_z=size_z,
        size_c=size_c,
        size_t=size_t,
        physical_size_x=0.5,
        physical_size_y=0.5,
        channels=[om.Channel(id=f"Channel:0:{c}", samples_per_pixel=1) for c in range(size_c)],
        tiff_data_blocks=planes,
    )


def _write_single_ome_tiff(path: Path) -> np.ndarray:
    data = np.arange(2 * 5 * 6, dtype="uint16").reshape(2, 5, 6)
    own = _urn()
    ome = om.OME(
        uuid=own,
        images=[
            om.Image(
                id="Image:0",
                name="single",
                pixels=_pixels(
                    [
                        om.TiffData(
                            ifd=0,
                            plane_count=2,
                            uuid=om.TiffData.UUID(value=own, file_name="some-other-name.ome.tif"),
                        )
                    ],
                    size_z=2,
                ),
            )
        ],
    )
    tifffile.imwrite(path, data, description=to_xml(ome), metadata=None)
    return data


def _multi_file_set(
    folder: Path, *, names: tuple[str, ...] = ("z0.ome.tif", "z1.ome.tif", "z2.ome.tif")
) -> tuple[om.OME, list[np.ndarray], list[str]]:
    """Three single-plane TIFFs (Z=0..2) and the OME model tying them together."""
    folder.mkdir(parents=True, exist_ok=True)
    planes, blocks, uuids = [], [], []
    for z, name in enumerate(names):
        plane = np.full((5, 6), z + 1, dtype="uint16")
        plane[0, 0] = 100 + z
        planes.append(plane)
        urn = _urn()
        uuids.append(urn)
        blocks.append(
            om.TiffData(
                first_z=z, ifd=0, plane_count=1, uuid=om.TiffData.UUID(value=urn, file_name=name)
            )
        )
    ome = om.OME(
        uuid=_urn(),
        creator="imagesteward tests",
        images=[om.Image(id="Image:0", name="multi", pixels=_pixels(blocks, size_z=len(names)))],
    )
    return ome, planes, uuids


def _write_binary_only(path: Path, plane: np.ndarray, own: str, companion: str) -> None:
    stub = om.OME(uuid=own, binary_only=om.OME.BinaryOnly(metadata_file=companion, uuid=own))
    tifffile.imwrite(path, plane, description=to_xml(stub), metadata=None)


# ---------------------------------------------------------------------- multi-file sets
def test_companion_reads_three_tiffs_as_one_image(tmp_path: Path, no_leaked_handles: None) -> None:
    ome, planes, uuids = _multi_file_set(tmp_path)
    for plane, urn, name in zip(
        planes, uuids, ("z0.ome.tif", "z1.ome.tif", "z2.ome.tif"), strict=True
    ):
        _write_binary_only(tmp_path / name, plane, urn, "set.companion.ome")
    companion = tmp_path / "set.companion.ome"
    companion.write_text(to_xml(ome), encoding="utf-8")

    with _open(companion) as source:
        assert [f.name for f in source.files] == [
            "set.companion.ome",
            "z0.ome.tif",
            "z1.ome.tif",
            "z2.ome.tif",
        ]
        info = source.series[0]
        assert info.image.file_format == "ome-xml"
        assert info.image.size_z == 3
        assert info.image.physical_size_x == 0.5
        stack = source.read(0, {"T": 0, "C": 0})
        np.testing.assert_array_equal(stack, np.stack(planes))
        np.testing.assert_array_equal(
            source.read(0, {"T": 0, "C": 0, "Z": -1, "X": 0}), planes[2][:, 0]
        )


def test_binary_only_ome_tiff_follows_its_companion(tmp_path: Path) -> None:
    ome, planes, uuids = _multi_file_set(tmp_path)
    for plane, urn, name in zip(
        planes, uuids, ("z0.ome.tif", "z1.ome.tif", "z2.ome.tif"), strict=True
    ):
        _write_binary_only(tmp_path / name, plane, urn, "set.companion.ome")
    (tmp_path / "set.companion.ome").write_text(to_xml(ome), encoding="utf-8")

    path = tmp_path / "z1.ome.tif"
    assert default_registry().select(path).chosen.name == "ome-tiff"  # type: ignore[union-attr]
    with _open(path) as source:
        assert source.files[0] == path
        assert {f.name for f in source.files} == {
            "z1.ome.tif",
            "set.companion.ome",
            "z0.ome.tif",
            "z2.ome.tif",
        }
        assert source.series[0].image.file_format == "ome-tiff"
        np.testing.assert_array_equal(source.read(0, {"T": 0, "C": 0}), np.stack(planes))
        original = source.original_metadata()
    assert original is not None
    assert original.name == "set.companion.ome"


def test_ome_tiff_with_full_xml_reads_its_siblings(tmp_path: Path) -> None:
    ome, planes, uuids = _multi_file_set(tmp_path)
    for plane, urn, name in zip(
        planes, uuids, ("z0.ome.tif", "z1.ome.tif", "z2.ome.tif"), strict=True
    ):
        copy = ome.model_copy(update={"uuid": urn})
        tifffile.imwrite(tmp_path / name, plane, description=to_xml(copy), metadata=None)
    with _open(tmp_path / "z0.ome.tif") as source:
        assert [f.name for f in source.files] == ["z0.ome.tif", "z1.ome.tif", "z2.ome.tif"]
        np.testing.assert_array_equal(source.read(0, {"T": 0, "C": 0}), np.stack(planes))


def test_missing_member_of_a_set_is_named_when_read(tmp_path: Path) -> None:
    ome, planes, uuids = _multi_file_set(tmp_path)
    for plane, urn, name in zip(planes[:2], uuids[:2], ("z0.ome.tif", "z1.ome.tif"), strict=True):
        _write_binary_only(tmp_path / name, plane, urn, "set.companion.ome")
    (tmp_path / "set.companion.ome").write_text(to_xml(ome), encoding="utf-8")
    with _open(tmp_path / "set.companion.ome") as source:
        assert any("z2.ome.tif" in note for note in source.series[0].notes)
        np.testing.assert_array_equal(source.read(0, {"T": 0, "C": 0, "Z": 1}), planes[1])
        with pytest.raises(CorruptFileError, match=r"z2\.ome\.tif.*missing"):
            source.read(0, {"T": 0, "C": 0, "Z": 2})


def test_binary_only_without_its_companion_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "orphan.ome.tif"
    _write_binary_only(path, np.zeros((5, 6), "uint16"), _urn(), "gone.companion.ome")
    with pytest.raises(CorruptFileError, match=r"gone\.companion\.ome.*missing"):
        _open(path)


# ---------------------------------------------------------------------- hostile and broken files
@pytest.mark.parametrize("name", ["../../outside.tif", "/etc/passwd", "..\\..\\outside.tif"])
def test_references_leaving_the_upload_are_refused(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = tmp_path / "a" / "b"
    upload.mkdir(parents=True)
    outside = tmp_path / "outside.tif"
    tifffile.imwrite(outside, np.zeros((5, 6), "uint16"), metadata=None)
    own = _urn()
    ome = om.OME(
        uuid=own,
        images=[
            om.Image(
                id="Image:0",
                pixels=_pixels(
                    [
                        om.TiffData(
                            ifd=0,
                            plane_count=1,
                            uuid=om.TiffData.UUID(value=own, file_name="x.tif"),
                        ),
                        om.TiffData(
                            first_z=1,
                            ifd=0,
                            plane_count=1,
                            uuid=om.TiffData.UUID(value=_urn(), file_name=name),
                        ),
                    ],
                    size_z=2,
                ),
            )
        ],
    )
    path = upload / "hostile.ome.tif"
    tifffile.imwrite(path, np.zeros((5, 6), "uint16"), description=to_xml(ome), metadata=None)

    opened: list[str] = []
    original = tifffile.TiffFile.__init__

    def spy(self: tifffile.TiffFile, file: Any, *args: Any, **kwargs: Any) -> None:
        opened.append(str(file))
        original(self, file, *args, **kwargs)

    monkeypatch.setattr(tifffile.TiffFile, "__init__", spy)
    with pytest.raises(UnsafeContentError) as error:
        _open(path, upload)
    assert str(path) in str(error.value)
    assert all("outside" not in p and "passwd" not in p for p in opened), opened


def test_tifffile_does_not_follow_ome_names_on_its_own(tmp_path: Path) -> None:
    """open_tiff disables tifffile's multi-file OME series: series stay in the opened file."""
    ome, planes, uuids = _multi_file_set(tmp_path)
    copy = ome.model_copy(update={"uuid": uuids[0]})
    tifffile.imwrite(tmp_path / "z0.ome.tif", planes[0], description=to_xml(copy), metadata=None)
    tifffile.imwrite(tmp_path / "z1.ome.tif", planes[1], metadata=None)
    tif = open_tiff(tmp_path / "z0.ome.tif")
    try:
        _ = tif.series
        files = {str(getattr(f, "filename", "")) for f in tif._files.values()}
        assert "z1.ome.tif" not in files
    finally:
        tif.close()


def test_truncated_ome_tiff_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "cut.ome.tif"
    _write_single_ome_tiff(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(FormatError) as error, _open(path) as source:
        source.read(0)
    assert str(path) in str(error.value)


def test_zero_byte_file_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "empty.ome.tif"
    path.write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty"):
        default_registry().select(path)
    with pytest.raises(CorruptFileError):
        OmeTiffReader().open(path, ReadContext(allowed_roots=(tmp_path,)))


def test_ome_xml_claiming_a_huge_image_is_implausible(tmp_path: Path) -> None:
    own = _urn()
    pixels = _pixels([om.TiffData(uuid=om.TiffData.UUID(value=own))])
    pixels.size_x = pixels.size_y = 100_000
    ome = om.OME(uuid=own, images=[om.Image(id="Image:0", pixels=pixels)])
    path = tmp_path / "huge.ome.tif"
    tifffile.imwrite(path, np.zeros((5, 6), "uint16"), description=to_xml(ome), metadata=None)
    with pytest.raises(ImplausibleSizeError), _open(path) as source:
        _ = source.series


def test_many_small_planes_in_one_ome_tiff_are_plausible(tmp_path: Path) -> None:
    """The TIFF holding its own OME-XML counts as bytes present (the XML alone is ~1 KB)."""
    path = tmp_path / "stack.ome.tif"
    data = np.arange(3 * 100 * 4 * 4, dtype="uint16").reshape(3, 100, 4, 4)
    tifffile.imwrite(path, data, ome=True, photometric="minisblack", metadata={"axes": "CZYX"})
    with _open(path) as source:
        (series,) = source.series
        assert series.structure.size("C") == 3 and series.structure.size("Z") == 100
        assert np.array_equal(source.read(0, {"C": 2, "Z": 99}).squeeze(), data[2, 99])


def test_ifd_disagreeing_with_the_xml_is_corrupt(tmp_path: Path) -> None:
    own = _urn()
    ome = om.OME(
        uuid=own,
        images=[
            om.Image(id="Image:0", pixels=_pixels([om.TiffData(uuid=om.TiffData.UUID(value=own))]))
        ],
    )
    path = tmp_path / "liar.ome.tif"
    tifffile.imwrite(path, np.zeros((50, 60), "uint16"), description=to_xml(ome), metadata=None)
    with pytest.raises(CorruptFileError, match="5x6"), _open(path) as source:
        _ = source.series


def test_source_is_an_ome_source_and_closes_everything(
    tmp_path: Path, no_leaked_handles: None
) -> None:
    path = tmp_path / "single.ome.tif"
    data = _write_single_ome_tiff(path)
    source = OmeTiffReader().open(path, ReadContext(allowed_roots=(tmp_path,)))
    assert isinstance(source, OmeSource)
    with source:
        np.testing.assert_array_equal(source.read(0, {"T": 0, "C": 0}), data)
    source.close()


def test_billions_of_planes_are_refused_before_any_plane_map(tmp_path: Path) -> None:
    own = _urn()
    pixels = _pixels([om.TiffData(uuid=om.TiffData.UUID(value=own))])
    pixels.size_x = pixels.size_y = 1
    pixels.size_z = 1_000_000_000
    ome = om.OME(uuid=own, images=[om.Image(id="Image:0", pixels=pixels)])
    path = tmp_path / "planes.ome.tif"
    tifffile.imwrite(path, np.zeros((1, 1), "uint16"), description=to_xml(ome), metadata=None)
    with pytest.raises(ImplausibleSizeError, match="planes"):
        OmeTiffReader().open(path, ReadContext(allowed_roots=(tmp_path,)))


def test_tiled_plane_window_decodes_only_its_tiles(tmp_path: Path) -> None:
    data = np.random.default_rng(3).integers(0, 60000, (64, 80), dtype="uint16")
    own = _urn()
    pixels = _pixels([om.TiffData(uuid=om.TiffData.UUID(value=own))])
    pixels.size_x, pixels.size_y = 80, 64
    ome = om.OME(uuid=own, images=[om.Image(id="Image:0", pixels=pixels)])
    path = tmp_path / "tiled.ome.tif"
    tifffile.imwrite(path, data, tile=(16, 16), description=to_xml(ome), metadata=None)
    with _open(path) as source:
        assert source.series[0].structure.chunks == (1, 1, 1, 16, 16)
        window = source.read(0, {"T": 0, "C": 0, "Z": 0, "Y": slice(10, 40), "X": 33})
    np.testing.assert_array_equal(window, data[10:40, 33])
