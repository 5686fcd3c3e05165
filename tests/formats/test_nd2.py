"""ND2 reader: dates, defaults that are not measurements, channel artefacts, damaged files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from imagesteward.errors import CorruptFileError, FormatError
from imagesteward.formats import ReadContext, default_registry, probe_path
from imagesteward.formats._nd2 import Nd2Reader
from imagesteward.formats._nd2_metadata import acquisition_date, parse_plane_texts
from imagesteward.formats.reader import ImageSource

CEREVISIAE = "nd2/example-cerevisiae.nd2"
PBMC = "nd2/example-pbmc.nd2"


def _open(path: Path) -> ImageSource:
    source, report = default_registry().open(path, ReadContext(allowed_roots=(path.parent,)))
    assert report.chosen is not None, report.explain()
    assert report.chosen.name == "nd2", report.explain()
    return source


def test_sniff_recognises_the_chunk_signature(testdata: Path) -> None:
    verdict = Nd2Reader().sniff(probe_path(testdata / PBMC))
    assert verdict.score == 100
    assert "ND2 FILE SIGNATURE" in verdict.reason


def test_sniff_refuses_a_plain_jpeg2000_file(tmp_path: Path) -> None:
    jp2 = tmp_path / "image.nd2"
    jp2.write_bytes(b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00" * 200)
    assert Nd2Reader().sniff(probe_path(jp2)).score == 0


def test_utc_date_from_the_absolute_time_not_the_local_text(
    testdata: Path, no_leaked_handles: None
) -> None:
    with _open(testdata / CEREVISIAE) as source:
        acquisition = source.series[0].image.acquisition
    assert acquisition is not None
    assert acquisition.acquisition_date == datetime(2025, 11, 26, 0, 13, 17, tzinfo=UTC)
    assert acquisition.acquisition_date_as_written == "11/25/2025  4:13:17 PM"
    assert acquisition.timezone_known is True


def test_text_date_alone_is_local_time() -> None:
    notes: list[str] = []
    date, known = acquisition_date("25.11.2025 16:13:17", None, notes)
    assert date == datetime(2025, 11, 25, 16, 13, 17)
    assert date is not None
    assert date.tzinfo is None
    assert known is False


def test_text_date_that_disagrees_with_the_absolute_time_is_ignored() -> None:
    notes: list[str] = []
    jdn = 2461005.5092250346  # 2025-11-26T00:13:17.04Z
    date, known = acquisition_date("01/02/2020 10:00:07 AM", jdn, notes)
    assert date is not None
    assert date.tzinfo is not None
    assert known is True
    assert date.date().isoformat() == "2025-11-26"
    assert any("does not match" in note for note in notes)


def test_default_z_step_is_not_a_measurement(testdata: Path) -> None:
    with _open(testdata / PBMC) as source:
        image = source.series[0].image
    assert image.physical_size_z is None
    assert any("Z step 1.0 µm ignored" in note for note in image.capture_notes or [])


def test_transmitted_light_channel_has_no_excitation(testdata: Path) -> None:
    with _open(testdata / CEREVISIAE) as source:
        channels = source.series[0].image.channels or []
        notes = source.series[0].image.capture_notes or []
    dic, fitc = channels
    assert dic.name == "DIC"
    assert dic.excitation_wavelength is None
    assert dic.contrast_method == "DIC"
    assert dic.illumination_type == "Transmitted"
    assert any("'DIC' is transmitted light" in note for note in notes)
    # nd2 reports 405 nm; the plane description shows the 488 nm line was the one on.
    assert fitc.excitation_wavelength == 488
    assert fitc.emission_wavelength == 512
    assert fitc.exposure_time == pytest.approx(0.3)
    assert fitc.detector is not None
    assert fitc.detector.serial_number == "500651"


def test_objective_microscope_and_software(testdata: Path) -> None:
    with _open(testdata / PBMC) as source:
        acquisition = source.series[0].image.acquisition
    assert acquisition is not None
    assert acquisition.objective is not None
    assert acquisition.objective.model == "Plan Apo λ 20x"
    assert acquisition.objective.lens_na == pytest.approx(0.75)
    assert acquisition.microscope is not None
    assert (acquisition.microscope.manufacturer, acquisition.microscope.model) == ("Nikon", "Ti2")
    assert acquisition.acquisition_software is not None
    assert acquisition.acquisition_software.name == "NIS-Elements AR"


def test_plane_texts_list_active_laser_lines() -> None:
    description = (
        "Metadata:\r\nPlane #1:\r\n Name: A\r\n  Binning: 2x2\r\n  LUN-F, MultiLaser(LUN-F):\r\n"
        "     Line:1; ExW:405; Power: 84.0; On\r\n     Line:2; ExW:488; Power: 10.0; Off\r\n"
    )
    (plane,) = parse_plane_texts(description)
    assert plane.lasers == [("LUN-F", 405.0, 84.0)]
    assert plane.binning == "2x2"


@pytest.mark.parametrize(
    "selection",
    [{"C": slice(3, 0, -2), "Y": slice(10, 200, 3), "X": -1}, {"C": 2}, {"T": 0, "Z": 0}],
    ids=["steps", "one-channel", "plane-axes"],
)
def test_region_reads_equal_slices_of_a_full_read(
    testdata: Path, selection: dict[str, int | slice]
) -> None:
    with _open(testdata / PBMC) as source:
        dims = source.series[0].structure.dims
        full = source.read(0)
        region = source.read(0, selection)
    expected = full[tuple(selection.get(d, slice(None)) for d in dims)]
    assert np.array_equal(region, expected)


def test_original_metadata_is_everything_nd2_exposes(testdata: Path) -> None:
    with _open(testdata / CEREVISIAE) as source:
        original = source.original_metadata()
    assert original is not None
    document = json.loads(original.content)
    assert {"metadata", "text_info", "experiment", "unstructured_metadata", "custom_data"} <= set(
        document
    )


@pytest.mark.parametrize("keep", [0.5, 1024], ids=["half", "1KiB"])
def test_truncated_files_name_the_file_and_close_it(
    testdata: Path, tmp_path: Path, keep: float, no_leaked_handles: None
) -> None:
    data = (testdata / CEREVISIAE).read_bytes()
    path = tmp_path / "cut.nd2"
    path.write_bytes(data[: int(len(data) * keep)] if keep < 1 else data[: int(keep)])
    with pytest.raises(CorruptFileError, match="chunk map") as caught:
        Nd2Reader().open(path, ReadContext(allowed_roots=(tmp_path,)))
    assert str(path) in str(caught.value)


def test_empty_and_corrupted_files(testdata: Path, tmp_path: Path, no_leaked_handles: None) -> None:
    empty = tmp_path / "empty.nd2"
    empty.write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty"):
        default_registry().open(empty, ReadContext(allowed_roots=(tmp_path,)))
    broken = tmp_path / "broken.nd2"
    data = bytearray((testdata / CEREVISIAE).read_bytes())
    data[0:4] = b"\x00\x01\x02\x03"
    broken.write_bytes(bytes(data))
    assert Nd2Reader().sniff(probe_path(broken)).score == 0
    with pytest.raises(FormatError):
        default_registry().open(broken, ReadContext(allowed_roots=(tmp_path,)))
