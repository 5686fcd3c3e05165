"""Renditions to render, written once per session by ``imagesteward.convert.to_ome_zarr``.

Each is small but has the property a test needs: several levels and chunks per plane
(``fluo``), volume chunks with z not a multiple of the chunk depth and several t (``volume``),
a near-isotropic volume whose pyramid halves z (``iso``), 2-D grey (``em``), interleaved RGB
(``rgb``), a folded extra dimension (``airyscan``), NGFF 0.4 on Zarr v2 with signed data
(``v2``), Zarr v3 shards (``sharded``), float data (``float``), a collection and a plate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

from imagesteward import model
from imagesteward.convert import ConvertOptions, PlateLayout, WellField, to_ome_zarr
from imagesteward.render import TileRenderer
from tests.convert.sources import ArraySource, make_image

RNG = np.random.default_rng(20250611)


@dataclass(frozen=True)
class Rendition:
    """A converted image: where it is, its series path, and its source pixels."""

    url: str
    path: str
    source: np.ndarray

    def level(self, number: int) -> np.ndarray:
        """A level's pixels as zarr-python reads them (the independent reader)."""
        path = f"{self.path}/{number}" if self.path else str(number)
        return np.asarray(zarr.open_array(self.url, path=path, mode="r")[...])

    def omero_channels(self) -> list[dict[str, Any]]:
        """The ``omero`` channel list of a 0.5 image, as written."""
        base = Path(self.url, self.path)
        document = json.loads((base / "zarr.json").read_text(encoding="utf-8"))
        channels: list[dict[str, Any]] = document["attributes"]["ome"]["omero"]["channels"]
        return channels


def _channels(*specs: tuple[str, float]) -> list[model.Channel]:
    return [
        model.Channel(channel_index=i, name=name, emission_wavelength=nm)
        for i, (name, nm) in enumerate(specs)
    ]


def _fluorescence(shape: tuple[int, ...], top: int = 4000) -> np.ndarray:
    # Structure plus noise, so windows and gamma change many pixels, not a few.
    ramp = np.linspace(0, 1, shape[-1])[None, :] * np.linspace(0.2, 1, shape[-2])[:, None]
    noise = RNG.integers(0, top // 4, shape)
    return (100 + ramp * top * 0.7 + noise).astype(np.uint16)


def _smooth(shape: tuple[int, int]) -> np.ndarray:
    """Two channels of Gaussian blobs with mild noise: what lossy codecs are made for."""
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    out = np.zeros((2, *shape))
    for c in range(2):
        for _ in range(12):
            cy, cx, r = RNG.uniform(0, shape[0]), RNG.uniform(0, shape[1]), RNG.uniform(10, 60)
            out[c] += 3000 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    return (100 + out + RNG.normal(0, 5, out.shape)).clip(0, 65535).astype(np.uint16)


def _convert(
    root: Path,
    name: str,
    array: np.ndarray,
    dims: str,
    options: dict[str, Any] | None = None,
    **fields: Any,
) -> Rendition:
    image = make_image(dims, array.shape, array.dtype.name, **fields)
    destination = root / f"{name}.ome.zarr"
    to_ome_zarr(
        ArraySource([(array, dims)], [image]), destination, ConvertOptions(**(options or {}))
    )
    return Rendition(str(destination), "", array)


@pytest.fixture(scope="session")
def renditions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendition]:
    root = tmp_path_factory.mktemp("renditions")
    out = {
        "fluo": _convert(
            root,
            "fluo",
            _fluorescence((3, 1300, 1100)),
            "CYX",
            physical_size_x=0.2,
            physical_size_y=0.2,
            channels=_channels(("DAPI", 461.0), ("GFP", 525.0), ("mCherry", 610.0)),
        ),
        "volume": _convert(
            root,
            "volume",
            _fluorescence((2, 2, 10, 300, 260)),
            "TCZYX",
            physical_size_x=0.1,
            physical_size_y=0.1,
            physical_size_z=0.5,
            time_increment=60.0,
        ),
        "iso": _convert(
            root,
            "iso",
            RNG.integers(0, 255, (6, 1100, 1030), dtype=np.uint8),
            "ZYX",
            physical_size_x=0.1,
            physical_size_y=0.1,
            physical_size_z=0.1,
        ),
        "em": _convert(
            root,
            "em",
            RNG.integers(0, 255, (700, 900), dtype=np.uint8),
            "YX",
            physical_size_x=0.004,
            physical_size_y=0.004,
        ),
        "rgb": _convert(
            root,
            "rgb",
            RNG.integers(0, 255, (1200, 1500, 3), dtype=np.uint8),
            "YXS",
            samples_per_pixel=3,
        ),
        "airyscan": _convert(
            root,
            "airyscan",
            _fluorescence((2, 4, 200, 260)),
            "CHYX",
            channels=_channels(("ChA", 520.0), ("ChB", 600.0)),
        ),
        "v2": _convert(
            root,
            "v2",
            (_fluorescence((2, 500, 600)).astype(np.int32) - 2000).astype(np.int16),
            "CYX",
            {"ngff_version": "0.4"},
        ),
        "sharded": _convert(
            root, "sharded", _fluorescence((2, 1300, 1100)), "CYX", {"shard": True}
        ),
        "smooth": _convert(root, "smooth", _smooth((512, 512)), "CYX"),
        "float": _convert(
            root, "float", RNG.normal(100, 30, (2, 300, 400)).astype(np.float32), "CYX"
        ),
    }
    arrays = [_fluorescence((2, 120, 160)), _fluorescence((1, 90, 70))]
    collection = root / "collection.ome.zarr"
    to_ome_zarr(ArraySource([(a, "CYX") for a in arrays]), collection)
    out["collection"] = Rendition(str(collection), "1", arrays[1])
    plate = root / "plate.ome.zarr"
    fields = (WellField(0, "A", "1"), WellField(1, "B", "3"))
    to_ome_zarr(ArraySource([(a, "CYX") for a in arrays]), plate, plate=PlateLayout(fields))
    out["plate"] = Rendition(str(plate), "B/3/0", arrays[1])
    out["no-hints"] = _without_hints(root, out["fluo"])
    return out


def _without_hints(root: Path, fluo: Rendition) -> Rendition:
    """A copy of ``fluo`` whose ``omero`` block lost its colours and windows."""
    import shutil

    copy = root / "no-hints.ome.zarr"
    shutil.copytree(fluo.url, copy)
    document = json.loads((copy / "zarr.json").read_text())
    for channel in document["attributes"]["ome"]["omero"]["channels"]:
        del channel["color"], channel["window"]
    (copy / "zarr.json").write_text(json.dumps(document))
    return Rendition(str(copy), "", fluo.source)


@pytest.fixture
def renderer() -> TileRenderer:
    return TileRenderer(cache_bytes=64 * 2**20)
