"""The independent NGFF validators (``../shared/oracles/check_ngff.sh``), run in batches.

``check_ngff.sh`` judges a path with the official NGFF JSON schemas (``NGFF_STRICT=1`` adds the
SHOULD-level schemas, on top of the base ones), ome-zarr-models and the ome-zarr-py reader, in
three fresh interpreters: about 3 s of imports per path. :func:`check_ngff` runs the script's
same three steps - its own ``check_ngff_schema.py`` and ``ozm_validate.py``, unmodified, and
``ome_zarr info`` - for many paths in one oracle interpreter (two in parallel), with the same
verdict rule; :func:`check_ngff_script` runs the script itself, and a test keeps the two in
agreement.

Known oracle limits, both about bioformats2raw collection roots (several series): the
ome-zarr-py reader lists nothing at such a root (it has no bioformats2raw support, so the
script's step 3 fails for every bioformats2raw root, bioformats2raw's own output included),
and ome-zarr-models 1.8 has no 0.5 bioformats2raw model in ``open_ome_zarr``. For collections
the full script is therefore run on every image group, and the root is checked with the
script's JSON-schema step plus our own validation.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ORACLES = REPO.parent / "shared" / "oracles"
CHECK_NGFF = ORACLES / "check_ngff.sh"


def oracles_dir() -> Path:
    root = Path(os.environ.get("ORACLES_DIR", Path.home() / ".cache" / "imagesteward-oracles"))
    if not (root / "venv" / "bin" / "python").is_file() or not CHECK_NGFF.is_file():
        pytest.skip(
            f"NGFF oracle not set up ({CHECK_NGFF} or {root}/venv missing): run "
            f"ORACLES_DIR={root} bash {ORACLES}/setup.sh"
        )
    return root


_BATCH = r"""
import contextlib, io, json, runpy, sys
from ome_zarr.cli import main as ome_zarr_main
oracles, schemas, strict, paths = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4:]

def run(script, args):
    out, code = io.StringIO(), 0
    sys.argv = [script, *args]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:
            print(f"{type(exc).__name__}: {exc}")
            code = 1
    return code, out.getvalue()

results = {}
for path in paths:
    schema = [*(["--strict"] if strict else []), "--schemas", schemas, path]
    c1, o1 = run(f"{oracles}/check_ngff_schema.py", schema)
    c2, o2 = run(f"{oracles}/ozm_validate.py", [path])
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            ome_zarr_main(["info", path])
            c3 = 0
        except BaseException as exc:
            print(f"{type(exc).__name__}: {exc}")
            c3 = 1
    listed = out.getvalue()
    c3 = c3 or ("data" not in listed)
    results[path] = [int(bool(c1 or c2 or c3)), o1 + o2 + ("ome_zarr info: " + listed[-400:])]
print(json.dumps(results))
"""


def check_ngff(paths: list[Path], *, strict: bool = True) -> dict[Path, tuple[int, str]]:
    """check_ngff.sh's three steps for every path, batched (exit code and output per path)."""
    root = oracles_dir()
    python = root / "venv" / "bin" / "python"
    halves = [paths[0::2], paths[1::2]]

    def run(batch: list[Path]) -> dict[str, list[Any]]:
        if not batch:
            return {}
        done = subprocess.run(
            [
                str(python),
                "-c",
                _BATCH,
                str(ORACLES),
                str(root / "ngff-schemas"),
                "1" if strict else "0",
                *map(str, batch),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode:
            pytest.fail(f"oracle batch failed:\n{done.stdout}{done.stderr}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    with ThreadPoolExecutor(2) as pool:
        merged: dict[str, list[Any]] = {}
        for part in pool.map(run, halves):
            merged.update(part)
    return {path: (int(merged[str(path)][0]), str(merged[str(path)][1])) for path in paths}


def check_ngff_script(path: Path, *, strict: bool = True) -> tuple[int, str]:
    """The script itself, on one path."""
    env = {**os.environ, "ORACLES_DIR": str(oracles_dir()), "NGFF_STRICT": "1" if strict else "0"}
    done = subprocess.run(
        ["bash", str(CHECK_NGFF), str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def check_ngff_schema(path: Path) -> tuple[int, str]:
    """Only the script's JSON-schema step (strict), e.g. for a bioformats2raw root."""
    root = oracles_dir()
    done = subprocess.run(
        [
            str(root / "venv" / "bin" / "python"),
            str(ORACLES / "check_ngff_schema.py"),
            "--strict",
            "--schemas",
            str(root / "ngff-schemas"),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def image_groups(path: Path) -> list[Path]:
    """The paths an OME-Zarr's images live at (itself, or each collection member)."""
    for name in ("zarr.json", ".zattrs"):
        meta = path / name
        if meta.is_file():
            attrs = json.loads(meta.read_text())
            attrs = attrs.get("attributes", {}).get("ome", attrs) if name == "zarr.json" else attrs
            if "bioformats2raw.layout" in attrs and "plate" not in attrs:
                listed = (
                    json.loads((path / "OME" / name).read_text())
                    .get("attributes", {})
                    .get("ome", {})
                    if name == "zarr.json"
                    else json.loads((path / "OME" / ".zattrs").read_text())
                )
                return [path / p for p in listed.get("series", [])]
    return [path]


def assert_oracles_pass(paths: list[Path]) -> None:
    """Every image passes check_ngff.sh (strict); collection roots pass the schema step."""
    targets: list[Path] = []
    roots: list[Path] = []
    for path in paths:
        groups = image_groups(path)
        targets += groups
        if groups != [path]:
            roots.append(path)
    failures = [
        f"{path}:\n{output}" for path, (code, output) in check_ngff(targets).items() if code
    ]
    for root in roots:
        code, output = check_ngff_schema(root)
        if code:
            failures.append(f"{root} (schema):\n{output}")
    assert not failures, "\n".join(failures)
