"""The independent OCFL validator (ocfl-py, installed by ../shared/oracles/setup.sh).

``check_ocfl.sh`` on a storage root checks the hierarchy but, in ocfl-py 2.1, exits 0 even when
an object inside is invalid (``StorageRoot.validate`` only counts traversal errors). So objects
are also validated one by one with ``ocfl-validate.py``, which does fail on a bad object.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.store.conftest import REPO

CHECK_OCFL = REPO.parent / "shared" / "oracles" / "check_ocfl.sh"


def oracles_dir() -> Path:
    root = Path(os.environ.get("ORACLES_DIR", Path.home() / ".cache" / "imagesteward-oracles"))
    if not (root / "venv" / "bin" / "ocfl-validate.py").is_file() or not CHECK_OCFL.is_file():
        pytest.fail(
            f"The OCFL oracle is not installed ({root}/venv/bin/ocfl-validate.py or "
            f"{CHECK_OCFL} missing). Run 'bash ../shared/oracles/setup.sh' (ORACLES_DIR={root})."
        )
    return root


def run_oracle(*args: str) -> subprocess.CompletedProcess[str]:
    """Run an oracle command with ORACLES_DIR set."""
    env = {**os.environ, "ORACLES_DIR": str(oracles_dir())}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300, check=False)


def validate_root(root: Path) -> subprocess.CompletedProcess[str]:
    """check_ocfl.sh on the storage root."""
    return run_oracle("bash", str(CHECK_OCFL), str(root))


def validate_objects(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    """ocfl-validate.py on each object (exit 1 if any is invalid)."""
    tool = oracles_dir() / "venv" / "bin" / "ocfl-validate.py"
    return run_oracle(str(tool), *map(str, paths))


def object_dirs(root: Path) -> list[Path]:
    """Every OCFL object directory below a storage root."""
    return sorted(p.parent for p in root.glob("*/*/*/0=ocfl_object_1.1"))


def assert_valid_ocfl(root: Path) -> None:
    """The oracle accepts the root and every object in it."""
    result = validate_root(root)
    assert result.returncode == 0, f"OCFL root rejected:\n{result.stdout}{result.stderr}"
    objects = object_dirs(root)
    if objects:
        result = validate_objects(objects)
        assert result.returncode == 0, f"OCFL object rejected:\n{result.stdout}{result.stderr}"
        assert result.stdout.count(" is VALID") == len(objects), result.stdout


def oracle_layout_path(root: Path, object_id: str) -> str:
    """Where ocfl-py's own implementation of the root's declared layout puts ``object_id``."""
    python = oracles_dir() / "venv" / "bin" / "python"
    code = (
        "import sys, ocfl\n"
        "root = ocfl.StorageRoot(root=sys.argv[1])\n"
        "root.open_root_fs(); root.check_root_structure()\n"
        "print(root.object_path(sys.argv[2]))\n"
    )
    result = run_oracle(str(python), "-c", code, str(root), object_id)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
