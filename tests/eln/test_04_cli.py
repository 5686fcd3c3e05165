"""``steward eln import`` on a real installation (embedded default)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imagesteward.cli import app
from imagesteward.installation import init_installation
from tests.eln.crates import rich_crate, write_eln

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")  # Rich wraps tables to the terminal width
    monkeypatch.setenv("IMAGESTEWARD_CONVERT_ON_INGEST", "false")  # no OME-Zarr: faster
    init_installation(tmp_path / "site")
    return tmp_path / "site"


def _bomb(tmp_path: Path) -> Path:
    return write_eln(tmp_path / "bomb.eln", {**rich_crate(), "zeros": bytes(4 * 2**20)})


def test_cli_import(home: Path, tmp_path: Path) -> None:
    archive = write_eln(tmp_path / "rich.eln", rich_crate())
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("stray.txt", b"beside the crate folder")
    result = runner.invoke(
        app, ["--home", str(home), "eln", "import", str(archive), "--project", "lab"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Imported rich.eln (Test ELN, RO-Crate 1.1) into lab / rich" in out
    assert "study: Mitosis in HeLa cells (revision 1) - 2 author(s), 2 biosample(s)" in out
    assert "files: 3 attached, 1 image" in out
    assert "Not mapped (4)" in out and "#old-scope" in out
    assert "wrong check digit" in out
    assert "ignored 1 file(s) outside the crate's folder: stray.txt" in out
    again = runner.invoke(
        app, ["--home", str(home), "eln", "import", str(archive), "-p", "lab", "--json"]
    )
    assert again.exit_code == 0, again.output
    report = json.loads(again.output)
    assert report["merged"] is True
    assert report["ignored"] == ["stray.txt"]
    assert {f["status"] for f in report["files"]} == {"image", "already catalogued"}
    assert {u["id"] for u in report["unmapped"]} >= {"#old-scope", "#lonely"}


def test_cli_refuses_a_zip_bomb(home: Path, tmp_path: Path) -> None:
    bomb = _bomb(tmp_path)
    result = runner.invoke(app, ["--home", str(home), "eln", "import", str(bomb), "-p", "lab"])
    assert result.exit_code != 0
    assert str(bomb) in result.output and "zip bomb" in result.output
