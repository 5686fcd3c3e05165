"""``steward demo``: a complete demo installation built from the synthetic files."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from imagesteward.ingest import IngestOptions, IngestProgress, IngestReport, ingest_paths
from imagesteward.installation import Installation, init_installation, open_installation

if TYPE_CHECKING:
    from imagesteward.catalog import ImageRecord

__all__ = ["DemoResult", "build_demo"]


@dataclass(frozen=True)
class DemoResult:
    """The demo installation and what went into it."""

    home: Path
    data: Path
    report: IngestReport
    images: list[ImageRecord]


def build_demo(
    directory: Path,
    *,
    seed: int = 0,
    scale: float = 1.0,
    progress: IngestProgress | None = None,
) -> DemoResult:
    """Create (or refresh) a demo installation in ``directory``.

    The synthetic instrument output is written to ``directory/instrument-output`` and ingested
    project by project into the installation at ``directory/site`` (SQLite and a local store,
    the embedded default); then each project is described - its study, the images' organism,
    specimen, imaging method and fluorophores (:mod:`imagesteward.demo.studies`). Running it
    again adds nothing: the files are deterministic for a seed, ingest recognises content it
    already holds and a described project keeps its study.
    """
    from imagesteward.demo.files import write_demo_files
    from imagesteward.demo.studies import describe_demo

    directory = directory.expanduser().resolve()
    home = directory / "site"
    data = directory / "instrument-output"
    init_installation(home)
    files = write_demo_files(data, seed=seed, scale=scale)
    report = IngestReport()
    with open_installation(home) as installation:
        ordered = sorted(files, key=lambda f: (f.project, f.dataset))
        for (project, dataset), group in groupby(ordered, key=lambda f: (f.project, f.dataset)):
            paths = [demo.path for demo in group]
            part = ingest_paths(
                paths, installation, IngestOptions(project=project, dataset=dataset), progress
            )
            report.outcomes.extend(part.outcomes)
            report.elapsed_s += part.elapsed_s
        describe_demo(
            installation.catalog,
            {o.path.name: o.image_ids for o in report.outcomes if o.image_ids},
        )
        _publish(installation)
        images = _all_images(installation)
    return DemoResult(home=home, data=data, report=report, images=images)


def _publish(installation: Installation) -> None:
    """Make the demo's projects and datasets public (and audited as such).

    The data are synthetic, and a server run with access control on shows them to everyone,
    as it would show a facility's published data.
    """
    from imagesteward.access import Visibility
    from imagesteward.catalog import access_catalog

    access = access_catalog(installation.catalog)
    for dataset in installation.catalog.list_datasets(None):
        for name in (None, dataset.name):
            if access.access_of(dataset.project, name).visibility is not Visibility.PUBLIC:
                access.set_visibility(dataset.project, name, visibility=Visibility.PUBLIC)


def _all_images(installation: Installation) -> list[ImageRecord]:

    images: list[ImageRecord] = []
    cursor: str | None = None
    while True:
        page = installation.catalog.list_images(limit=200, cursor=cursor)
        images.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return images
