"""Standalone OME-XML: metadata-only documents, BinData pixels, hostile XML and references."""

from __future__ import annotations

import base64
import builtins
import io
import os
import uuid
import zlib
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
from imagesteward.formats import ReadContext, default_registry
from imagesteward.formats._omexml_reader import OmeXmlReader
from imagesteward.formats.registry import probe_path
from tests.conftest import require_corpus

NS = "http://www.openmicroscopy.org/Schemas/OME/2016-06"


def _open(path: Path, **limits: Any):  # type: ignore[no-untyped-def]
    context = ReadContext(allowed_roots=(path.parent,), **limits)
    source, _ = default_registry().open(path, context)
    return source


def _minimal(extra_pixels: str = "", pixels_attrs: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><OME xmlns="{NS}"><Image ID="Image:0" Name="m">'
        f'<Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint8" SizeX="4" SizeY="3" '
        f'SizeZ="1" SizeC="1" SizeT="1" {pixels_attrs}><Channel ID="Channel:0:0"/>'
        f"{extra_pixels or '<MetadataOnly/>'}</Pixels></Image></OME>"
    )


# ---------------------------------------------------------------------- corpus documents
def test_metadata_only_document_says_so_when_read() -> None:
    path = require_corpus() / "ome-xml" / "OverViewScan.ome.xml"
    with _open(path) as source:
        info = source.series[0]
        assert info.image.channels
        assert info.image.channels[0].name == "DAPI"
        assert any("metadata only" in note for note in info.notes)
        with pytest.raises(FormatError, match="carries metadata only"):
            source.read(0)
        original = source.original_metadata()
    assert original is not None
    assert original.name == "OverViewScan.ome.xml"
    assert original.content == path.read_bytes()


def test_bindata_pixels_are_read() -> None:
    path = require_corpus() / "ome-xml" / "instrument-units-alternate.ome.xml"
    expected = np.frombuffer(base64.b64decode("/wCrzur//wB5oMPi/wBIbJO3AP8ePGCF"), "uint8")
    with _open(path) as source:
        plane = source.read(0, {"T": 0, "Z": 0, "C": 0})
    np.testing.assert_array_equal(plane, expected.reshape(4, 6))


def test_compressed_big_endian_bindata(tmp_path: Path) -> None:
    data = np.arange(12, dtype=">u2").reshape(3, 4)
    payload = base64.b64encode(zlib.compress(data.tobytes())).decode()
    xml = _minimal(
        f'<BinData BigEndian="true" Compression="zlib" Length="{len(payload)}">{payload}</BinData>'
    ).replace('Type="uint8"', 'Type="uint16"')
    path = tmp_path / "zlib.ome.xml"
    path.write_text(xml, encoding="utf-8")
    with _open(path) as source:
        plane = source.read(0, {"T": 0, "Z": 0, "C": 0})
    assert plane.dtype == np.dtype("uint16")
    np.testing.assert_array_equal(plane, data.astype("uint16"))


def test_bindata_that_inflates_beyond_its_plane_is_refused(tmp_path: Path) -> None:
    payload = base64.b64encode(zlib.compress(b"\0" * 1_000_000)).decode()
    xml = _minimal(f'<BinData BigEndian="false" Compression="zlib" Length="1">{payload}</BinData>')
    path = tmp_path / "bomb.ome.xml"
    path.write_text(xml, encoding="utf-8")
    with _open(path) as source, pytest.raises(ImplausibleSizeError, match="inflates"):
        source.read(0)


def test_sniff_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "companion.txt"
    path.write_text("<!-- a comment -->\n" + _minimal().split("?>", 1)[1], encoding="utf-8")
    assert OmeXmlReader().sniff(probe_path(path)).score == 100
    other = tmp_path / "other.ome.xml"
    other.write_text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')
    assert OmeXmlReader().sniff(probe_path(other)).score == 0
    assert default_registry().select(path).chosen is not None


# ---------------------------------------------------------------------- hostile XML
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE OME [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<OME xmlns="{NS}"><Image ID="Image:0" Name="&lol3;"/></OME>"""

XXE = f"""<?xml version="1.0"?>
<!DOCTYPE OME [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<OME xmlns="{NS}"><Image ID="Image:0" Name="&x;"/></OME>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entities_are_refused_and_nothing_is_opened(
    tmp_path: Path, document: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "evil.ome.xml"
    path.write_text(document, encoding="utf-8")
    opened: list[str] = []
    real_open, real_io_open, real_os_open = builtins.open, io.open, os.open

    def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def spy_os(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(io, "open", spy)
    monkeypatch.setattr(os, "open", spy_os)
    try:
        with pytest.raises(UnsafeContentError) as error:
            OmeXmlReader().open(path, ReadContext(allowed_roots=(tmp_path,)))
    finally:
        monkeypatch.setattr(io, "open", real_io_open)
    assert str(path) in str(error.value)
    assert not any("passwd" in name for name in opened), opened


def test_oversized_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.ome.xml"
    path.write_text(_minimal() + "<!--" + "x" * 5000 + "-->", encoding="utf-8")
    with pytest.raises(ImplausibleSizeError, match="over the limit"):
        _open(path, max_metadata_bytes=4096)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (('SizeX="4"', 'SizeX="four"'), "SizeX"),
        (('Type="uint8"', 'Type="uint9"'), "uint9"),
        (('<Channel ID="Channel:0:0"/>', '<Channel ID="Channel:0:0"/><Bogus/>'), "Bogus"),
    ],
    ids=["not-an-integer", "unknown-pixel-type", "unknown-element"],
)
def test_schema_violations_are_corrupt_with_the_reason(
    tmp_path: Path, change: tuple[str, str], reason: str
) -> None:
    path = tmp_path / "invalid.ome.xml"
    path.write_text(_minimal().replace(*change), encoding="utf-8")
    with pytest.raises(CorruptFileError, match="does not conform to the OME schema") as error:
        _open(path)
    assert reason in str(error.value)
    assert str(path) in str(error.value)


def test_not_well_formed_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.ome.xml"
    path.write_text(_minimal()[:-20], encoding="utf-8")
    with pytest.raises(CorruptFileError, match="not well-formed"):
        OmeXmlReader().open(path, ReadContext(allowed_roots=(tmp_path,)))


# ---------------------------------------------------------------------- companions
def _companion(folder: Path, name: str) -> Path:
    ome = om.OME(
        images=[
            om.Image(
                id="Image:0",
                pixels=om.Pixels(
                    id="Pixels:0",
                    dimension_order="XYZCT",
                    type="uint8",
                    size_x=4,
                    size_y=3,
                    size_z=1,
                    size_c=1,
                    size_t=1,
                    channels=[om.Channel(id="Channel:0:0")],
                    tiff_data_blocks=[
                        om.TiffData(
                            uuid=om.TiffData.UUID(value=f"urn:uuid:{uuid.uuid4()}", file_name=name)
                        )
                    ],
                ),
            )
        ]
    )
    path = folder / "set.companion.ome"
    path.write_text(to_xml(ome), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["../../outside.tif", "/etc/passwd", "C:\\data\\x.tif"])
def test_companion_naming_files_outside_is_refused(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    tifffile.imwrite(tmp_path / "outside.tif", np.zeros((3, 4), "uint8"), metadata=None)
    path = _companion(folder, name)
    with pytest.raises(UnsafeContentError) as error:
        OmeXmlReader().open(path, ReadContext(allowed_roots=(folder,)))
    assert str(path) in str(error.value)


def test_companion_whose_tiffs_are_absent_is_metadata_only(tmp_path: Path) -> None:
    path = _companion(tmp_path, "absent.ome.tif")
    with _open(path) as source:
        assert source.series[0].image.size_x == 4
        with pytest.raises(FormatError, match=r"metadata only.*absent\.ome\.tif"):
            source.read(0)


def test_companion_reads_a_referenced_tiff(tmp_path: Path) -> None:
    data = np.arange(12, dtype="uint8").reshape(3, 4)
    tifffile.imwrite(tmp_path / "pixels.tif", data, metadata=None)
    path = _companion(tmp_path, "pixels.tif")
    with _open(path) as source:
        assert [f.name for f in source.files] == ["set.companion.ome", "pixels.tif"]
        np.testing.assert_array_equal(source.read(0, {"T": 0, "Z": 0, "C": 0}), data)
