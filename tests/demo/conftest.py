"""Fixtures for the demo data tests: the demo written once per session, and its files by kind."""

from __future__ import annotations

import pytest

from imagesteward.demo import DemoFile, write_demo_files

DEMO_SCALE = 0.5
"""Scale of the session's demo: a quarter of the pixels of ``steward demo``, same metadata."""


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[DemoFile]:
    """The demo files as ``steward demo`` writes them (seed 0), at half the width and height."""
    return write_demo_files(tmp_path_factory.mktemp("demo"), seed=0, scale=DEMO_SCALE)


def by_name(files: list[DemoFile], fragment: str) -> DemoFile:
    """The one demo file whose name contains ``fragment``."""
    matches = [item for item in files if fragment in item.path.name]
    assert len(matches) == 1, [item.path.name for item in files]
    return matches[0]


def ome_files(files: list[DemoFile]) -> list[DemoFile]:
    """The demo files written as OME-TIFF."""
    return [item for item in files if item.expected["format"] == "ome-tiff"]


def file_ids(files: list[DemoFile]) -> list[str]:
    return [item.path.name for item in files]


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> list[DemoFile]:
    """A quick, small demo (seed 7, scale 0.1) for tests of determinism and options."""
    return write_demo_files(tmp_path_factory.mktemp("small"), seed=7, scale=0.1)
