"""Acceptance: every image of the shared corpus converts through the project's readers.

Level 0 equals the source plane by plane (sha256), the first plane matches the digest the
independent readers recorded in MANIFEST.json, physical scales match the metadata (and no
scale is invented where the file has none), and every output passes check_ngff.sh (strict).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from imagesteward.convert import ConversionResult, SourceSpec, to_ome_zarr, validate_ome_zarr
from imagesteward.convert._axes import AxisMap
from imagesteward.errors import ConversionError, FormatError
from imagesteward.formats import ReadContext, default_registry
from tests.conftest import CorpusItem, corpus_items
from tests.convert.oracle import assert_oracles_pass
from tests.convert.outputs import level, ngff

IMAGE_ITEMS = [item for item in corpus_items() if item.format != "eln"]
FIRST_PLANE_ITEMS = [item for item in IMAGE_ITEMS if "first_plane" in item.expected]
#: Standalone OME-XML whose pixels are in no file: the reader says so, the conversion refuses.
METADATA_ONLY = {"ome-xml/OverViewScan.ome.xml"}
PIXEL_ITEMS = [item for item in IMAGE_ITEMS if item.relpath not in METADATA_ONLY]


def _digests(array: np.ndarray) -> list[str]:
    planes = np.ascontiguousarray(array).reshape(-1, *array.shape[-2:])
    return [hashlib.sha256(p.tobytes()).hexdigest() for p in planes]


def _convert(item: CorpusItem, out: Path) -> tuple[ConversionResult, list[Any]]:
    source, report = default_registry().open(
        item.path, ReadContext(allowed_roots=(item.path.parent,))
    )
    assert report.chosen is not None
    spec = SourceSpec(str(item.path), report.chosen.name)
    with source:
        result = to_ome_zarr(source, out, source_spec=spec)
        expected = []
        for series in result.series:
            info = source.series[series.source_series]
            mapping = AxisMap.from_structure(info.structure)
            full = source.read(series.source_series, {}, 0)
            expected.append((mapping, mapping.to_output(np.asarray(full), {}), info.image))
    return result, expected


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("corpus")
    outcomes: dict[str, Any] = {}
    for item in PIXEL_ITEMS:
        out = root / (item.relpath.replace("/", "__") + ".ome.zarr")
        try:
            outcomes[item.relpath] = (out, *_convert(item, out))
        except Exception as exc:  # noqa: BLE001 - reported per item by the tests below
            outcomes[item.relpath] = exc
    return outcomes


def _outcome(converted: dict[str, Any], item: CorpusItem) -> tuple[Path, ConversionResult, Any]:
    outcome = converted[item.relpath]
    if isinstance(outcome, BaseException):
        pytest.fail(f"{item.relpath}: {type(outcome).__name__}: {outcome}")
    return outcome  # type: ignore[no-any-return]


@pytest.mark.parametrize("item", PIXEL_ITEMS, ids=lambda i: i.id)
def test_level_0_equals_the_source_plane_by_plane(
    item: CorpusItem, converted: dict[str, Any]
) -> None:
    out, result, expected = _outcome(converted, item)
    assert len(result.series) == item.expected["series_count"]
    for series, (_, pixels, _) in zip(result.series, expected, strict=True):
        level0 = level(out, series.path)
        assert level0.shape == pixels.shape
        assert _digests(level0) == _digests(pixels), f"{item.relpath} image {series.path}"
    assert validate_ome_zarr(out) == []


def _first_plane(level0: np.ndarray, mapping: AxisMap) -> np.ndarray:
    fold = dict(zip(mapping.fold_dims, mapping.fold_sizes, strict=True))
    samples = fold.get("S", 1)
    extras = math.prod(v for k, v in fold.items() if k not in ("C", "S"))
    index: list[Any] = []
    for axis in mapping.axes:
        if axis == "t":
            index.append(0)
        elif axis == "c":
            index.append([s * extras for s in range(samples)] if "S" in fold else 0)
        elif axis == "z" and len(mapping.spatial) == 3:
            index.append(0)
        else:
            index.append(slice(None))
    plane = level0[tuple(index)]
    return np.moveaxis(plane, 0, -1) if "S" in fold else plane


@pytest.mark.parametrize("item", FIRST_PLANE_ITEMS, ids=lambda i: i.id)
def test_first_plane_matches_the_independent_readers(
    item: CorpusItem, converted: dict[str, Any]
) -> None:
    out, result, expected = _outcome(converted, item)
    mapping = expected[0][0]
    plane = _first_plane(level(out, result.series[0].path), mapping)
    wanted = item.expected["first_plane"]
    assert list(plane.shape) == wanted["shape"], wanted["index"]
    assert (
        hashlib.sha256(plane.astype(plane.dtype.newbyteorder("<")).tobytes()).hexdigest()
        == (wanted["sha256"])
    ), wanted["index"]


@pytest.mark.parametrize("item", PIXEL_ITEMS, ids=lambda i: i.id)
def test_physical_scales_match_the_metadata(item: CorpusItem, converted: dict[str, Any]) -> None:
    out, result, expected = _outcome(converted, item)
    for series, (_, _, image), manifest in zip(
        result.series, expected, item.expected["series"], strict=False
    ):
        multiscale = ngff(out, series.path)["multiscales"][0]
        scale = multiscale["datasets"][0]["coordinateTransformations"][0]["scale"]
        units = {a["name"]: a.get("unit") for a in multiscale["axes"]}
        by_axis = dict(zip(series.axes, scale, strict=True))
        stated = {
            "x": image.physical_size_x,
            "y": image.physical_size_y,
            "z": image.physical_size_z,
        }
        recorded = manifest.get("physical_pixel_size") or {}
        for axis in "zyx":
            if axis not in by_axis:
                continue
            if stated[axis] is None:
                assert units[axis] is None and by_axis[axis] == 1.0, f"invented scale on {axis}"
            else:
                assert units[axis] == "micrometer"
                assert math.isclose(by_axis[axis], stated[axis], rel_tol=1e-9)
            if recorded.get(axis) is not None and stated[axis] is not None:
                assert math.isclose(by_axis[axis], recorded[axis], rel_tol=1e-6)


@pytest.mark.slow
def test_every_output_passes_the_ngff_oracles(converted: dict[str, Any]) -> None:
    outputs = [o[0] for o in converted.values() if not isinstance(o, BaseException)]
    assert outputs
    assert_oracles_pass(outputs)


@pytest.mark.parametrize(
    "item", [i for i in IMAGE_ITEMS if i.relpath in METADATA_ONLY], ids=lambda i: i.id
)
def test_metadata_only_files_are_refused_with_a_reason(item: CorpusItem, tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match="metadata only") as caught:
        _convert(item, tmp_path / "none.ome.zarr")
    assert isinstance(caught.value.__cause__, FormatError)
    assert not (tmp_path / "none.ome.zarr").exists()
