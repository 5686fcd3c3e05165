"""Bad input fails alone, with a message naming the file, and leaves nothing half-written."""

from __future__ import annotations

import os
import shutil
import stat
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import tifffile

from imagesteward.ingest import IngestOptions, Status, ingest_paths
from imagesteward.installation import Installation

OME_NS = "http://www.openmicroscopy.org/Schemas/OME/2016-06"


def _good_tiff(path: Path, value: int = 7) -> Path:
    data = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) + value).astype(np.uint16)
    tifffile.imwrite(path, data, metadata={"axes": "YX"})
    return path


def _ome_xml(body: str, doctype: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
        f'<OME xmlns="{OME_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{OME_NS} {OME_NS}/ome.xsd">{body}</OME>'
    )


def _pixels(uuid_ref: str = "") -> str:
    return (
        '<Image ID="Image:0" Name="x"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint16" '
        'SizeX="64" SizeY="64" SizeZ="1" SizeC="1" SizeT="1">'
        '<Channel ID="Channel:0:0" SamplesPerPixel="1"/>'
        f"{uuid_ref}</Pixels></Image>"
    )


def make_bad_files(upload: Path, outside: Path) -> dict[str, tuple[Path, str]]:
    """Hostile and broken files, each with the words its error message must contain."""
    upload.mkdir(parents=True)
    bad: dict[str, tuple[Path, str]] = {}
    zero = upload / "empty.tif"
    zero.write_bytes(b"")
    bad["zero-byte"] = (zero, "empty")

    truncated = upload / "truncated.ome.tif"
    big = np.random.default_rng(1).integers(0, 4000, (8, 256, 256), dtype=np.uint16)
    tifffile.imwrite(truncated, big, ome=True, metadata={"axes": "ZYX"})
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 3])
    bad["truncated"] = (truncated, "truncated.ome.tif")

    text_as_tif = upload / "notes.tif"
    text_as_tif.write_text("this is a lab notebook page, not an image\n" * 20)
    bad["wrong-extension text"] = (text_as_tif, "no reader recognises")

    garbage_czi = upload / "broken.czi"
    garbage_czi.write_bytes(b"ZISRAWFILE" + bytes(22) + os.urandom(3000))
    bad["corrupt czi"] = (garbage_czi, "broken.czi")

    laughs = upload / "laughs.ome.xml"
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    laughs.write_text(
        _ome_xml(_pixels().replace('Name="x"', 'Name="&l9;"'), f"<!DOCTYPE OME [{entities}]>")
    )
    bad["billion laughs"] = (laughs, "laughs.ome.xml")

    xxe = upload / "xxe.ome.xml"
    secret = outside / "secret.txt"
    secret.write_text("top secret")
    xxe.write_text(
        _ome_xml(
            _pixels().replace('Name="x"', 'Name="&x;"'),
            f'<!DOCTYPE OME [<!ENTITY x SYSTEM "file://{secret}">]>',
        )
    )
    bad["external entity"] = (xxe, "xxe.ome.xml")

    escape = upload / "escape.companion.ome"
    escape.write_text(
        _ome_xml(
            _pixels(
                '<TiffData IFD="0" PlaneCount="1"><UUID FileName="../outside/victim.ome.tif">'
                "urn:uuid:0a0a0a0a-0000-4000-8000-000000000000</UUID></TiffData>"
            )
        )
    )
    bad["companion escaping the upload"] = (escape, "outside")

    absolute = upload / "absolute.companion.ome"
    absolute.write_text(
        _ome_xml(
            _pixels(
                '<TiffData IFD="0" PlaneCount="1"><UUID FileName="/etc/passwd">'
                "urn:uuid:0b0b0b0b-0000-4000-8000-000000000000</UUID></TiffData>"
            )
        )
    )
    bad["companion naming an absolute path"] = (absolute, "absolute")

    huge = upload / "huge.tif"
    tifffile.imwrite(huge, np.zeros((16, 16), np.uint8))
    _patch_tiff_dimensions(huge, 200_000, 200_000)
    bad["absurd declared size"] = (huge, "huge.tif")

    mrc = upload / "huge.mrc"
    header = bytearray(1024)
    struct.pack_into("<3i", header, 0, 100_000, 100_000, 100_000)
    struct.pack_into("<i", header, 12, 2)
    struct.pack_into("<3i", header, 28, 100_000, 100_000, 100_000)
    struct.pack_into("<3f", header, 40, 1e5, 1e5, 1e5)
    struct.pack_into("<3i", header, 64, 1, 2, 3)
    header[208:212] = b"MAP "
    header[212:214] = b"DD"
    struct.pack_into("<i", header, 108, 20140)
    mrc.write_bytes(bytes(header) + bytes(4096))
    bad["absurd MRC header"] = (mrc, "huge.mrc")
    return bad


def _patch_tiff_dimensions(path: Path, width: int, height: int) -> None:
    """Rewrite ImageWidth/ImageLength of the first IFD in place (little-endian classic TIFF)."""
    data = bytearray(path.read_bytes())
    assert data[:4] == b"II*\x00"
    (offset,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, offset)
    for index in range(count):
        entry = offset + 2 + 12 * index
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):
            value = width if tag == 256 else height
            if kind == 3:
                struct.pack_into("<HHIH", data, entry, tag, 4, 1, 0)
                struct.pack_into("<I", data, entry + 8, value)
            else:
                struct.pack_into("<I", data, entry + 8, value)
    path.write_bytes(bytes(data))


class FifoWatch:
    """Detects any attempt to open a file: a FIFO whose write end only opens once read."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.opened = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.005)
                continue
            self.opened = True
            os.close(fd)  # unblock the reader so the test ends
            return

    def __enter__(self) -> FifoWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def test_bad_files_fail_alone_and_leave_nothing(installation: Installation, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    upload = tmp_path / "upload"
    bad = make_bad_files(upload, outside)
    good = [_good_tiff(upload / f"good{i}.tif", value=i) for i in range(3)]
    victim = outside / "victim.ome.tif"
    with FifoWatch(victim) as watch:
        report = ingest_paths([upload], installation, IngestOptions(jobs=2))
    assert not watch.opened, "a file outside the upload was opened because metadata named it"

    outcomes = {o.path.name: o for o in report.outcomes}
    for label, (path, words) in bad.items():
        outcome = outcomes[path.name]
        assert outcome.status is Status.FAILED, f"{label}: {outcome}"
        assert str(path) in outcome.message or path.name in outcome.message, (
            label,
            outcome.message,
        )
        assert words.lower() in outcome.message.lower(), (label, outcome.message)
        assert outcome.error_type and outcome.error_type.endswith("Error"), (label, outcome)
    for path in good:
        assert outcomes[path.name].status is Status.ADDED
    assert report.exit_code == 1

    stats = installation.catalog.stats()
    assert stats.images == 3 and stats.original_files == 3
    referenced = installation.catalog.referenced_digests(
        {obj.digest for obj in installation.store.iter_objects()}
    )
    assert {obj.digest for obj in installation.store.iter_objects()} == referenced
    staging = installation.settings.store_path
    leftovers = [p for p in staging.rglob("*") if "staging" in p.parts and p.is_file()]
    assert leftovers == []
    assert not (installation.store.stats().objects > 3 + 3)  # originals + metadata attachments


def test_missing_path_is_reported_and_the_rest_goes_on(
    installation: Installation, tmp_path: Path
) -> None:
    upload = tmp_path / "upload"
    upload.mkdir()
    good = _good_tiff(upload / "good.tif")
    report = ingest_paths([tmp_path / "nope.tif", good], installation)
    assert [o.status for o in report.outcomes] == [Status.FAILED, Status.ADDED]
    assert "does not exist" in report.outcomes[0].message


def test_unreadable_file_is_a_clear_failure(installation: Installation, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root reads everything; simulate an unreadable file with a dangling symlink instead
        path = tmp_path / "dangling.tif"
        path.symlink_to(tmp_path / "gone.tif")
        report = ingest_paths([path], installation)
        assert report.outcomes[0].status is Status.FAILED
        return
    path = _good_tiff(tmp_path / "locked.tif")
    path.chmod(0)
    try:
        report = ingest_paths([path], installation)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert report.outcomes[0].status is Status.FAILED
    assert "locked.tif" in report.outcomes[0].message


def test_wrong_extension_is_read_by_content(installation: Installation, tmp_path: Path) -> None:
    upload = tmp_path / "upload"
    upload.mkdir()
    disguised = _good_tiff(upload / "really-a-tiff.nd2")
    report = ingest_paths([disguised], installation)
    assert report.outcomes[0].status is Status.ADDED
    assert report.outcomes[0].reader == "tiff"


@pytest.mark.parametrize("name", ["a.ome.tif"])
def test_dry_run_writes_nothing(installation: Installation, tmp_path: Path, name: str) -> None:
    upload = tmp_path / "upload"
    upload.mkdir()
    _good_tiff(upload / name)
    report = ingest_paths([upload], installation, IngestOptions(dry_run=True))
    assert [o.status for o in report.outcomes] == [Status.WOULD_ADD]
    assert installation.catalog.stats().images == 0
    assert installation.store.stats().objects == 0


def test_in_place_registers_without_copying(installation: Installation, tmp_path: Path) -> None:
    upload = tmp_path / "upload"
    upload.mkdir()
    original = _good_tiff(upload / "stay.tif")
    report = ingest_paths([upload], installation, IngestOptions(in_place=True))
    assert report.outcomes[0].status is Status.ADDED
    record = installation.catalog.image_files(report.outcomes[0].image_ids[0])[0]
    assert record.stored_in_place
    assert installation.store.content_path(record.sha256).resolve() == original.resolve()
    assert not any(p.name == "stay.tif" for p in installation.settings.store_path.rglob("stay.tif"))


def test_same_content_under_two_names_is_stored_once(
    installation: Installation, tmp_path: Path
) -> None:
    upload = tmp_path / "upload"
    upload.mkdir()
    first = _good_tiff(upload / "a.tif")
    shutil.copy(first, upload / "b.tif")
    report = ingest_paths([upload], installation)
    assert [o.status for o in report.outcomes] == [Status.ADDED, Status.DUPLICATE]
    assert "a.tif" in report.outcomes[1].message
