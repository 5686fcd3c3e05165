"""NGFF images written by other tools: every chunk encoding reads as zarr-python reads it.

Images are written here with zarr-python, without ``omero`` or ``imagesteward`` metadata, so
the defaults for foreign renditions are exercised too (palette colours, percentile windows).
Encodings the renderer decodes itself and ones it hands to zarr-python (``transpose``, v2
filters) must give the same pixels.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import imagecodecs
import numcodecs  # type: ignore[import-untyped]
import numpy as np
import pytest
import zarr
import zarr.codecs

from imagesteward.errors import RenderError
from imagesteward.render import TileRenderer, TileRequest
from imagesteward.render._chunks import open_level
from imagesteward.render._storage import open_storage
from tests.render import reference

RNG = np.random.default_rng(11)
DATA = (100 + RNG.integers(0, 3000, (3, 230, 300))).astype(np.uint16)

ENCODINGS: dict[str, dict[str, Any]] = {
    "v3-gzip": {"compressors": [zarr.codecs.GzipCodec()]},
    "v3-zstd-crc32c": {"compressors": [zarr.codecs.ZstdCodec(), zarr.codecs.Crc32cCodec()]},
    "v3-big-endian": {"serializer": zarr.codecs.BytesCodec(endian="big")},
    "v3-uncompressed-v2-keys": {
        "compressors": None,
        "chunk_key_encoding": {"name": "v2", "separator": "."},
    },
    "v3-shards-index-first": {
        "shards": (1, 200, 256),
        "serializer": "auto",
        "chunks": (1, 100, 128),
    },
    "v3-transpose": {"filters": [zarr.codecs.TransposeCodec(order=(0, 2, 1))]},
    "v2-zlib": {"zarr_format": 2, "compressors": numcodecs.Zlib(level=3)},
    "v2-slash-blosc": {
        "zarr_format": 2,
        "compressors": numcodecs.Blosc(),
        "chunk_key_encoding": {"name": "v2", "separator": "/"},
    },
    "v2-delta-filter": {"zarr_format": 2, "filters": [numcodecs.Delta(dtype="<u2")]},
}


def _write(root: Path, name: str, options: dict[str, Any]) -> str:
    options = dict(options)
    fmt = options.pop("zarr_format", 3)
    multiscales = [
        {
            "axes": [
                {"name": "c", "type": "channel"},
                {"name": "y", "type": "space"},
                {"name": "x", "type": "space"},
            ],
            "datasets": [
                {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 1]}]}
            ],
        }
    ]
    attributes: dict[str, Any] = (
        {"ome": {"version": "0.5", "multiscales": multiscales}}
        if fmt == 3
        else {"multiscales": [{**multiscales[0], "version": "0.4"}]}
    )
    path = root / f"{name}.ome.zarr"
    group = zarr.create_group(path, zarr_format=fmt, attributes=attributes)
    chunks = options.pop("chunks", (1, 128, 128))
    if name == "v3-shards-index-first":
        codec = zarr.codecs.ShardingCodec(chunk_shape=chunks, index_location="start")
        array = zarr.create_array(
            path,
            name="0",
            shape=DATA.shape,
            dtype=DATA.dtype,
            chunks=options["shards"],
            serializer=codec,
            compressors=None,
        )
        array[...] = DATA
    else:
        group.create_array("0", data=DATA, chunks=chunks, **options)
    return str(path)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("encodings")
    return {name: _write(root, name, options) for name, options in ENCODINGS.items()}


#: Read through zarr-python, one chunk at a time; everything else is decoded directly.
THROUGH_ZARR = {"v3-transpose", "v2-delta-filter"}


@pytest.mark.parametrize("name", list(ENCODINGS))
def test_every_encoding_renders_the_same_pixels(name: str, images: dict[str, str]) -> None:
    level = open_level(open_storage(images[name], None), "0")
    assert level.supported is (name not in THROUGH_ZARR)
    renderer = TileRenderer()
    view = renderer.describe(images[name], "")
    request = TileRequest(0, 0, 0, 512, 512, format="png")
    got = np.asarray(imagecodecs.imread(renderer.render(images[name], "", request)))
    specs = [(c.color, c.window, 1.0) for c in view.channels]
    np.testing.assert_array_equal(got, reference.render(list(DATA), specs))


def test_foreign_images_get_palette_colours_and_percentile_windows(images: dict[str, str]) -> None:
    view = TileRenderer().describe(images["v3-gzip"], "")
    assert [c.color for c in view.channels] == ["00FF00", "FF00FF", "00FFFF"]
    assert [c.name for c in view.channels] == ["Channel 0", "Channel 1", "Channel 2"]
    for channel in view.channels:
        low, high = np.percentile(DATA[channel.index], (0.1, 99.9), method="inverted_cdf")
        assert channel.window == (float(low), float(high))
        assert channel.data_range is None
    assert view.pixel_sizes[0].unit is None


def test_missing_chunks_read_as_the_fill_value(tmp_path: Path) -> None:
    attributes = {
        "ome": {
            "version": "0.5",
            "multiscales": [
                {
                    "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
                    "datasets": [
                        {
                            "path": "0",
                            "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}],
                        }
                    ],
                }
            ],
            "omero": {"channels": [{"color": "FFFFFF", "window": {"start": 0, "end": 100}}]},
        }
    }
    zarr.create_group(tmp_path / "sparse.ome.zarr", attributes=attributes)
    array = zarr.create_array(
        tmp_path / "sparse.ome.zarr",
        name="0",
        shape=(200, 200),
        chunks=(100, 100),
        dtype="uint8",
        fill_value=40,
    )
    array[0:100, 0:100] = 90  # one of four chunks written
    renderer = TileRenderer()
    data = renderer.render(
        str(tmp_path / "sparse.ome.zarr"), "", TileRequest(0, 0, 0, 200, 200, format="png")
    )
    got = np.asarray(imagecodecs.imread(data))
    assert (got[:100, :100] == 230).all()  # rint(0.9 * 255)
    assert (got[100:, :] == 102).all() and (got[:100, 100:] == 102).all()  # rint(0.4 * 255)
    assert renderer.stats().chunks.cost < 100 * 100 + 64  # the fill chunks cost nothing


def test_a_damaged_chunk_is_reported_with_its_key(images: dict[str, str]) -> None:
    path = Path(images["v3-gzip"])
    chunk = path / "0" / "c" / "1" / "0" / "0"
    original = chunk.read_bytes()
    chunk.write_bytes(b"\x1f\x8b not gzip at all")
    try:
        with pytest.raises(RenderError, match=r"0/c/1/0/0: chunk cannot be decoded"):
            TileRenderer().render(str(path), "", TileRequest(0, 0, 0, 64, 64))
    finally:
        chunk.write_bytes(original)


def test_metadata_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    (tmp_path / "zarr.json").write_text(
        json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {}})
    )
    from imagesteward.errors import RenderRequestError

    with pytest.raises(RenderRequestError, match="a group without NGFF multiscales"):
        TileRenderer().describe(str(tmp_path), "")


def _image(root: Path, name: str, axes: list[str], data: np.ndarray) -> str:
    multiscales = [
        {
            "axes": [{"name": a, "type": "channel" if a == "c" else "space"} for a in axes],
            "datasets": [{"path": "0"}],
        }
    ]
    path = root / name
    group = zarr.create_group(
        path, attributes={"ome": {"version": "0.5", "multiscales": multiscales}}
    )
    group.create_array("0", data=data, chunks=data.shape)
    return str(path)


def test_xz_scans_show_z_vertically(tmp_path: Path) -> None:
    data = DATA[:2, :50, :80]
    url = _image(tmp_path, "xz.ome.zarr", ["c", "z", "x"], data)
    renderer = TileRenderer()
    view = renderer.describe(url, "")
    assert view.plane_axes == ("z", "x")
    assert (view.size_z, view.size_y, view.size_x) == (1, 50, 80)
    got = np.asarray(
        imagecodecs.imread(renderer.render(url, "", TileRequest(0, 0, 0, 512, 512, format="png")))
    )
    specs = [(c.color, c.window, 1.0) for c in view.channels]
    np.testing.assert_array_equal(got, reference.render(list(data), specs))


def test_axes_outside_ngff_are_refused(tmp_path: Path) -> None:
    url = _image(tmp_path, "angle.ome.zarr", ["angle", "y", "x"], DATA[:, :20, :20])
    with pytest.raises(RenderError, match=r"cannot render axes \('angle', 'y', 'x'\)"):
        TileRenderer().describe(url, "")
