"""Hostile archives are refused before anything is extracted, with the archive and the reason."""

from __future__ import annotations

import json
import stat
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from imagesteward.eln import ArchiveLimits, open_archive, parse_crate
from imagesteward.errors import CorruptFileError, FormatError, UnsafeContentError
from tests.eln.crates import crate_document, write_eln

METADATA = crate_document({"name": "x"}, [])


def _named(name: str) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("crate/ro-crate-metadata.json", METADATA)
            zf.writestr(name, b"payload")
        return path

    return build


def _symlink(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("crate/ro-crate-metadata.json", METADATA)
        info = zipfile.ZipInfo("crate/link")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    return path


def _encrypted(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("crate/ro-crate-metadata.json", METADATA)
        zf.writestr("crate/secret.bin", b"not really encrypted")
    # zipfile writes no encrypted members: set the flag in the central directory by hand.
    data = bytearray(path.read_bytes())
    second = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)
    struct.pack_into("<H", data, second + 8, 0x1)
    path.write_bytes(bytes(data))
    return path


def _bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("crate/ro-crate-metadata.json", METADATA)
        zf.writestr("crate/zeros.bin", bytes(8 * 2**20))  # 8 MiB -> ~8 KiB
    return path


def _overlapping(path: Path) -> Path:
    """Two central-directory entries pointing at the same compressed data (Fifield's bomb)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("crate/a.bin", b"A" * 1000)
        zf.writestr("crate/b.bin", b"B" * 1000)
        zf.writestr("crate/ro-crate-metadata.json", METADATA)
    data = bytearray(path.read_bytes())
    second = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)
    struct.pack_into("<I", data, second + 42, 0)  # b.bin's local header -> a.bin's
    path.write_bytes(bytes(data))
    return path


def _duplicates(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("crate/ro-crate-metadata.json", METADATA)
        zf.writestr("crate/Image.tif", b"1")
        zf.writestr("crate/image.TIF", b"2")
    return path


def _many(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("crate/ro-crate-metadata.json", METADATA)
        for number in range(40):
            zf.writestr(f"crate/f{number}.txt", b"")
    return path


def _big_member(path: Path) -> Path:
    return write_eln(path, {"ro-crate-metadata.json": METADATA, "big.bin": b"x" * 5000})


def _deep_json(path: Path) -> Path:
    deep = b'{"@context": "https://w3id.org/ro/crate/1.1/context", "@graph": [], "x": '
    deep += b"[" * 100 + b"]" * 100 + b"}"
    return write_eln(path, {"ro-crate-metadata.json": deep})


def _big_json(path: Path) -> Path:
    padded = json.loads(METADATA)
    padded["padding"] = "x" * 5000
    return write_eln(path, {"ro-crate-metadata.json": json.dumps(padded).encode()})


def _no_metadata(path: Path) -> Path:
    return write_eln(path, {"data.txt": b"hello"})


def _two_crates(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a/ro-crate-metadata.json", METADATA)
        zf.writestr("b/ro-crate-metadata.json", METADATA)
    return path


def _not_zip(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7 not a zip at all")
    return path


LIMITS = ArchiveLimits(max_entries=20, max_member_bytes=4096, max_json_bytes=4096)
HOSTILE: list[tuple[str, Callable[[Path], Path], type[FormatError], str]] = [
    ("dot-dot", _named("crate/../../evil.sh"), UnsafeContentError, "could escape"),
    ("absolute", _named("/etc/cron.d/evil"), UnsafeContentError, "is absolute"),
    ("drive-letter", _named("C:/evil.bat"), UnsafeContentError, "is absolute"),
    ("backslash", _named("crate\\..\\evil"), UnsafeContentError, "backslash"),
    ("symlink", _symlink, UnsafeContentError, "symbolic link"),
    ("encrypted", _encrypted, UnsafeContentError, "encrypted"),
    ("zip-bomb", _bomb, UnsafeContentError, "zip bomb"),
    ("overlapping", _overlapping, UnsafeContentError, "overlap"),
    ("case-duplicates", _duplicates, UnsafeContentError, "same file"),
    ("too-many-entries", _many, UnsafeContentError, "more than the limit of 20"),
    ("member-too-big", _big_member, UnsafeContentError, "more than the limit of 4096"),
    ("no-metadata", _no_metadata, CorruptFileError, "holds no ro-crate-metadata.json"),
    ("two-crates", _two_crates, CorruptFileError, "side by side"),
    ("not-a-zip", _not_zip, CorruptFileError, "not a readable zip"),
]


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [pytest.param(b, e, w, id=i) for i, b, e, w in HOSTILE],
)
def test_hostile_archives_are_refused(
    tmp_path: Path, build: Callable[[Path], Path], error: type[FormatError], words: str
) -> None:
    archive = build(tmp_path / "hostile.eln")
    limits = LIMITS if "limit" in words else ArchiveLimits()
    with pytest.raises(error) as caught:
        open_archive(archive, limits).close()
    assert str(archive) in str(caught.value)
    assert words in str(caught.value)


def test_total_expansion_is_bounded(tmp_path: Path) -> None:
    archive = write_eln(
        tmp_path / "wide.eln",
        {"ro-crate-metadata.json": METADATA, **{f"f{n}": b"y" * 1000 for n in range(8)}},
    )
    with pytest.raises(UnsafeContentError, match="would expand to"):
        open_archive(archive, ArchiveLimits(max_total_bytes=5000))


@pytest.mark.parametrize(
    ("build", "words"),
    [
        pytest.param(_deep_json, "deeper than the limit of 64", id="deep"),
        pytest.param(_big_json, "more than the limit of 4096", id="big"),
    ],
)
def test_crate_json_is_bounded(tmp_path: Path, build: Callable[[Path], Path], words: str) -> None:
    archive = build(tmp_path / "json.eln")
    limits = ArchiveLimits(max_json_bytes=4096)
    with open_archive(archive, limits) as opened:
        data = opened.read(opened.members["ro-crate-metadata.json"])
    with pytest.raises(UnsafeContentError, match=words):
        parse_crate(archive, data, limits)


def test_lying_member_size_stops_at_the_declared_size(tmp_path: Path) -> None:
    archive = write_eln(
        tmp_path / "liar.eln", {"ro-crate-metadata.json": METADATA, "a": b"z" * 4000}
    )
    data = bytearray(archive.read_bytes())
    central = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)
    struct.pack_into("<I", data, central + 24, 10)  # central directory: uncompressed size 10
    archive.write_bytes(bytes(data))
    with open_archive(archive) as opened, pytest.raises(FormatError, match="crate/a"):
        opened.read(opened.members["a"])


def test_the_crate_root_is_found_by_its_metadata_file(tmp_path: Path) -> None:
    archive = write_eln(
        tmp_path / "x.eln",
        {"ro-crate-metadata.json": METADATA, "d/f.txt": b"1"},
        folder="export.eln/",
    )
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("stray.txt", b"beside the crate folder")
    with open_archive(archive) as opened:
        assert opened.root == "export.eln/"
        assert sorted(opened.members) == ["d/f.txt", "ro-crate-metadata.json"]
        assert opened.outside == ("stray.txt",)


def test_a_document_without_the_ro_crate_context_is_not_a_crate(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match="RO-Crate context"):
        parse_crate(tmp_path, b'{"@context": "https://schema.org", "@graph": []}', ArchiveLimits())
