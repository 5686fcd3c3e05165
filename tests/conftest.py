"""Shared fixtures: the real-file corpus from ../shared/testdata.

``IMAGESTEWARD_TESTDATA`` points at the corpus. Locally, tests needing it are skipped when it is
unset; in CI (``CI`` set) a missing corpus is an error, so a broken checkout cannot pass silently.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Database fixtures (SQLite and PostgreSQL, parametrized) live in their own module.
pytest_plugins = ["tests.database"]


@dataclass(frozen=True)
class CorpusItem:
    """One entry of MANIFEST.json with its absolute path."""

    relpath: str
    path: Path
    format: str
    expected: dict[str, Any]
    entry: dict[str, Any]

    @property
    def id(self) -> str:
        return self.relpath


def testdata_root() -> Path | None:
    value = os.environ.get("IMAGESTEWARD_TESTDATA")
    if not value:
        if os.environ.get("CI"):
            raise RuntimeError("IMAGESTEWARD_TESTDATA must point at ../shared/testdata in CI")
        return None
    root = Path(value).resolve()
    if not (root / "MANIFEST.json").is_file():
        raise RuntimeError(f"IMAGESTEWARD_TESTDATA={value} holds no MANIFEST.json")
    return root


def corpus_items(*formats: str) -> list[CorpusItem]:
    """Manifest items (optionally of some formats), for ``pytest.mark.parametrize``."""
    root = testdata_root()
    if root is None:
        return []
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    items = [
        CorpusItem(e["path"], root / e["path"], e["format"], e["expected"], e)
        for e in manifest["items"]
        if not formats or e["format"] in formats
    ]
    return sorted(items, key=lambda item: item.relpath)


def require_corpus() -> Path:
    root = testdata_root()
    if root is None:
        pytest.skip("IMAGESTEWARD_TESTDATA not set (CI sets it and fails if it is missing)")
    return root


@pytest.fixture(scope="session")
def testdata() -> Path:
    """The corpus root."""
    return require_corpus()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def no_leaked_handles() -> Iterator[None]:
    """Fail if a test leaves file descriptors open (readers must close every handle)."""
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        yield
        return

    def open_files() -> set[str]:
        names = set()
        for fd in fd_dir.iterdir():
            try:
                target = str(fd.readlink())
            except OSError:
                continue
            if target.startswith("/") and not target.startswith(("/dev", "/proc")):
                names.add(target)
        return names

    before = open_files()
    yield
    leaked = {
        name
        for name in open_files() - before
        if not name.endswith((".so", ".pyc")) and "site-packages" not in name
    }
    assert not leaked, f"file handles left open: {sorted(leaked)}"
