"""Metadata read in worker processes: same outcomes as threads, errors intact, deaths contained.

Large runs read metadata in processes (``PROCESS_THRESHOLD`` candidates or more, two or more
jobs); these tests lower the threshold so that a handful of files takes that path.
"""

from __future__ import annotations

import importlib
import inspect
import multiprocessing
import os
import pickle
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import tifffile

from imagesteward import errors
from imagesteward.formats import ImageSource, Probe, ReadContext, ReaderRegistry, Verdict
from imagesteward.ingest import IngestOptions, IngestReport, Status, ingest_paths
from imagesteward.ingest.extract import MetadataReaders
from imagesteward.installation import Installation
from tests.ingest.test_bad_input import make_bad_files

# The package re-exports a function named ``extract``, which hides the module of that name.
extract_module = importlib.import_module("imagesteward.ingest.extract")
stream_module = importlib.import_module("imagesteward.ingest.stream")

ERRORS = sorted(
    (
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.ImageStewardError)
    ),
    key=lambda cls: cls.__name__,
)


def _instance(cls: type[errors.ImageStewardError]) -> errors.ImageStewardError:
    """An instance built the way its constructor asks (some take more than a message)."""
    parameters = list(inspect.signature(cls).parameters.values())
    positional = [
        f"/upload/cells.ome.tif ({p.name})"
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    details: dict[str, Any] = {"offset": 4096, "paths": ["a", "b"]}
    if not any(p.kind is p.VAR_KEYWORD for p in parameters):
        details = {}
    return cls(*positional, **details)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_crosses_a_process_boundary_intact(
    cls: type[errors.ImageStewardError],
) -> None:
    error = _instance(cls)
    error.add_note("read in a worker process")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error) and copy.message == error.message
    assert copy.args == error.args
    assert copy.details == error.details
    assert vars(copy) == vars(error)  # path, problem, parameter...: whatever the class keeps
    assert copy.__notes__ == ["read in a worker process"]


@pytest.fixture
def processes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Forces worker processes for any run with two jobs; yields how many each run used."""
    monkeypatch.setattr(extract_module, "PROCESS_THRESHOLD", 1)
    used: list[int] = []

    class Spy(MetadataReaders):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            used.append(self.processes)

    monkeypatch.setattr(stream_module, "MetadataReaders", Spy)
    return used


def _good_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    paths = []
    for i in range(count):
        path = folder / f"cell_{i:02d}.ome.tif"
        data = rng.integers(0, 4000, (2, 32, 32), dtype=np.uint16)
        tifffile.imwrite(path, data, ome=True, metadata={"axes": "ZYX", "Name": f"cell {i}"})
        paths.append(path)
    return paths


def _summary(report: IngestReport, root: Path) -> dict[str, tuple[Status, str, str | None]]:
    return {
        o.path.relative_to(root).as_posix(): (o.status, o.message.split(" / ")[0], o.error_type)
        for o in report.outcomes
    }


def test_processes_and_threads_give_the_same_outcomes(
    sqlite_installation: Installation, tmp_path: Path, processes: list[int]
) -> None:
    upload, outside = tmp_path / "upload", tmp_path / "outside"
    outside.mkdir()
    make_bad_files(upload, outside)
    _good_files(upload, 6)
    in_threads = ingest_paths([upload], sqlite_installation, IngestOptions(jobs=1, dry_run=True))
    in_processes = ingest_paths([upload], sqlite_installation, IngestOptions(jobs=2))
    assert processes == [0, 2]
    expected = {
        name: (Status.ADDED if status is Status.WOULD_ADD else status, message, kind)
        for name, (status, message, kind) in _summary(in_threads, upload).items()
    }
    added = {name: value[:1] for name, value in expected.items() if value[0] is Status.ADDED}
    failed = {name: value for name, value in expected.items() if value[0] is Status.FAILED}
    got = _summary(in_processes, upload)
    assert {name: got[name][:1] for name in added} == added
    assert {name: got[name] for name in failed} == failed
    names = {r.name for r in sqlite_installation.catalog.list_images(limit=50).items}
    assert names == {f"cell {i}" for i in range(6)}


class _Killer:
    """A reader that takes down the process reading with it (a crash in a C library)."""

    name: ClassVar[str] = "killer"
    title: ClassVar[str] = "Process killer"
    suffixes: ClassVar[tuple[str, ...]] = (".kill",)
    library: ClassVar[str] = "none"
    modules: ClassVar[tuple[str, ...]] = ()

    def sniff(self, probe: Probe) -> Verdict:
        return Verdict(100 if probe.head.startswith(b"KILL") else 0, "KILL magic")

    def open(self, path: Path, context: ReadContext) -> ImageSource:
        if multiprocessing.parent_process() is None:
            raise RuntimeError("the killer reader only runs in worker processes")
        os._exit(70)


def test_a_reader_killing_its_process_fails_only_its_file(
    sqlite_installation: Installation, tmp_path: Path, processes: list[int]
) -> None:
    upload = tmp_path / "upload"
    good = _good_files(upload, 24)
    (upload / "cell_05b.kill").write_bytes(b"KILL" + bytes(100))
    registry = sqlite_installation.registry
    sqlite_installation.registry = ReaderRegistry([_Killer(), *registry.readers])
    try:
        report = ingest_paths([upload], sqlite_installation, IngestOptions(jobs=2))
    finally:
        sqlite_installation.registry = registry
    assert processes == [2]
    outcomes = {o.path.name: o for o in report.outcomes}
    killed = outcomes["cell_05b.kill"]
    assert killed.status is Status.FAILED, killed
    assert killed.error_type == "IngestError"
    assert "cell_05b.kill" in killed.message and "stopped unexpectedly" in killed.message
    # Files read alongside it were read again by new processes.
    assert [outcomes[p.name].status for p in good] == [Status.ADDED] * len(good)
