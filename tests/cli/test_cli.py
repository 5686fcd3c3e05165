"""The ``steward`` command line, end to end on a real installation (embedded default)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
import yaml
from typer.testing import CliRunner

from imagesteward.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps tables to the terminal width; keep file names on one line for the asserts."""
    monkeypatch.setenv("COLUMNS", "220")


def steward(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def home(tmp_path: Path) -> Path:
    code, out = steward("init", str(tmp_path / "site"))
    assert code == 0, out
    return tmp_path / "site"


@pytest.fixture
def upload(tmp_path: Path) -> Path:
    folder = tmp_path / "upload"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for i in range(3):
        tifffile.imwrite(
            folder / f"stack_{i}.ome.tif",
            rng.integers(0, 255, (2, 5, 32, 32), dtype=np.uint8),
            ome=True,
            metadata={
                "axes": "CZYX",
                "PhysicalSizeX": 0.2,
                "PhysicalSizeY": 0.2,
                "PhysicalSizeZ": 0.5,
                "Channel": {"Name": ["DAPI", "GFP"]},
            },
        )
    (folder / "broken.tif").write_bytes(b"II*\x00" + b"\xff" * 40)
    return folder


def test_help_lists_the_commands() -> None:
    code, out = steward("--help")
    assert code == 0
    for command in ("init", "ingest", "ls", "show", "inspect", "formats", "doctor", "demo", "db"):
        assert command in out


def test_init_ingest_ls_show(home: Path, upload: Path) -> None:
    code, out = steward(
        "--home", str(home), "ingest", str(upload), "--project", "Lab A", "--dataset", "Day 1"
    )
    assert code == 1, out  # broken.tif failed, the rest went in
    assert "broken.tif" in out and "failed" in out
    assert "3 added" in out

    code, out = steward("--home", str(home), "ls", "--json")
    assert code == 0
    listing = json.loads(out)
    assert len(listing["items"]) == 3
    assert {row["dataset"] for row in listing["items"]} == {"Day 1"}

    code, out = steward("--home", str(home), "ls", "projects")
    assert code == 0 and "Lab A" in out

    first = listing["items"][0]["id"]
    code, out = steward("--home", str(home), "show", str(first), "--json")
    assert code == 0
    shown = json.loads(out)
    assert [c["name"] for c in shown["document"]["channels"]] == ["DAPI", "GFP"]
    assert shown["document"]["physical_size_z"] == pytest.approx(0.5)
    assert len(shown["files"][0]["sha256"]) == 64

    code, out = steward("--home", str(home), "show", listing["items"][0]["uuid"][:8], "--yaml")
    assert code == 0 and yaml.safe_load(out)["id"] == first

    code, out = steward("--home", str(home), "show", str(first), "--original-metadata")
    assert code == 0 and "<OME" in out and 'Name="DAPI"' in out

    code, out = steward("--home", str(home), "show", "999999")
    assert code == 2 and "999999" in out

    code, out = steward("--home", str(home), "ingest", str(upload))
    assert "3 duplicate" in out


def test_ingest_dry_run_json(home: Path, upload: Path) -> None:
    code, out = steward("--home", str(home), "ingest", str(upload), "--dry-run", "--json")
    assert code == 1
    report = json.loads(out)
    statuses = sorted(o["status"] for o in report["outcomes"])
    assert statuses == ["failed", "would add", "would add", "would add"]
    code, out = steward("--home", str(home), "ls", "--json")
    assert json.loads(out)["items"] == []


def test_inspect_explains_the_choice(upload: Path) -> None:
    code, out = steward("inspect", str(upload / "stack_0.ome.tif"))
    assert code == 0, out
    assert "chosen: ome-tiff" in out
    assert "DAPI" in out
    code, out = steward("inspect", str(upload / "stack_0.ome.tif"), "--json")
    data = json.loads(out)
    assert data["reader"] == "ome-tiff"
    assert data["series"][0]["structure"]["shape"][-2:] == [32, 32]
    code, out = steward("inspect", str(upload / "broken.tif"))
    assert code == 1 and "broken.tif" in out


def test_formats_lists_every_reader() -> None:
    code, out = steward("formats")
    assert code == 0
    for name in ("ome-tiff", "tiff", "ome-xml", "czi", "nd2", "lif", "dicom", "mrc", "ome-zarr"):
        assert name in out
    assert "unavailable" not in out


def test_doctor_and_db_status(home: Path) -> None:
    code, out = steward("--home", str(home), "doctor")
    assert code == 0, out
    assert "catalog" in out and "store" in out and "readers" in out
    code, out = steward("--home", str(home), "db", "status")
    assert code == 0 and "up to date" in out


def test_no_installation_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMAGESTEWARD_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    code, out = steward("ls")
    assert code == 2
    assert "steward init" in out


def test_cli_import_is_light() -> None:
    """``steward --help`` must not load the heavy scientific stack."""
    probe = (
        "import sys, imagesteward.cli; "
        "heavy = [m for m in ('numpy', 'zarr', 'dask', 'tifffile', 'sqlalchemy', 'ome_types', "
        "'nd2', 'pydicom', 'czifile', 'liffile', 'mrcfile') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"imported at CLI start-up: {result.stdout.strip()}"
