"""``steward convert`` and ``steward validate``, end to end through the Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
from typer.testing import CliRunner

from imagesteward.cli import app
from imagesteward.cli.app import EXIT_FAILED_FILES
from imagesteward.convert import validate_ome_zarr
from tests.convert.outputs import level, ngff

runner = CliRunner()


def steward(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "220")


@pytest.fixture
def stack(tmp_path: Path) -> tuple[Path, np.ndarray]:
    path = tmp_path / "in" / "stack.ome.tif"
    path.parent.mkdir()
    data = np.random.default_rng(5).integers(0, 4000, (2, 3, 64, 80), dtype=np.uint16)
    tifffile.imwrite(
        path,
        data,
        ome=True,
        metadata={"axes": "CZYX", "PhysicalSizeX": 0.2, "PhysicalSizeY": 0.2},
    )
    return path, data


def test_convert_a_path_to_ngff_05_and_validate(
    tmp_path: Path, stack: tuple[Path, np.ndarray]
) -> None:
    path, data = stack
    out = tmp_path / "out"
    code, text = steward("convert", str(path), "--to", str(out), "--json")
    assert code == 0, text
    (result,) = json.loads(text)
    assert result["ok"] and result["status"] == "converted"
    assert result["url"].endswith("out/stack.ome.zarr") and "MB/s" in result["message"]
    zarr_path = out / "stack.ome.zarr"
    assert (zarr_path / "zarr.json").is_file()
    assert ngff(zarr_path)["version"] == "0.5"
    written = level(zarr_path)
    assert written.shape == (1, *data.shape)  # the OME-TIFF reader adds T
    np.testing.assert_array_equal(written[0], data)

    code, text = steward("validate", str(zarr_path))
    assert code == 0 and "valid" in text


def test_convert_to_ngff_04_with_a_summary_line(
    tmp_path: Path, stack: tuple[Path, np.ndarray]
) -> None:
    path, data = stack
    code, text = steward("convert", str(path), "--to", str(tmp_path), "--ngff", "0.4")
    assert code == 0, text
    assert "ok" in text and "NGFF 0.4" in text
    zarr_path = tmp_path / "stack.ome.zarr"
    assert (zarr_path / ".zattrs").is_file() and not (zarr_path / "zarr.json").exists()
    assert validate_ome_zarr(str(zarr_path)) == []
    written = level(zarr_path)
    assert written.shape == (1, *data.shape)  # the OME-TIFF reader adds T
    np.testing.assert_array_equal(written[0], data)


def test_bad_ngff_version_is_a_usage_error(stack: tuple[Path, np.ndarray]) -> None:
    result = runner.invoke(app, ["convert", str(stack[0]), "--ngff", "0.3"])
    assert result.exit_code == 2
    assert "0.4 or 0.5" in result.output


def test_validate_reports_problems_and_fails(
    tmp_path: Path, stack: tuple[Path, np.ndarray]
) -> None:
    code, text = steward("convert", str(stack[0]), "--to", str(tmp_path))
    assert code == 0, text
    zarr_path = tmp_path / "stack.ome.zarr"
    document = json.loads((zarr_path / "zarr.json").read_text())
    document["attributes"]["ome"]["multiscales"][0]["datasets"].pop()  # drop a level
    (zarr_path / "zarr.json").write_text(json.dumps(document))
    code, text = steward("validate", str(zarr_path))
    assert code == EXIT_FAILED_FILES
    assert "problem" in text


def test_convert_a_catalogued_image_records_a_rendition(
    tmp_path: Path, stack: tuple[Path, np.ndarray]
) -> None:
    home = tmp_path / "site"
    code, text = steward("init", str(home))
    assert code == 0, text
    code, text = steward("--home", str(home), "ingest", str(stack[0].parent), "--no-convert")
    assert code == 0, text
    code, text = steward("--home", str(home), "ls", "--json")
    (item,) = json.loads(text)["items"]

    code, text = steward("--home", str(home), "convert", str(item["id"]), "--json")
    assert code == 0, text
    (result,) = json.loads(text)
    assert result["ok"] and result["image_ids"] == [item["id"]]
    assert validate_ome_zarr(result["url"]) == []
    np.testing.assert_array_equal(level(Path(result["url"]))[0], stack[1])
