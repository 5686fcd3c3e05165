"""``steward demo``: the demo installation captures what the generator says it wrote."""

from __future__ import annotations

from pathlib import Path

from imagesteward.demo import build_demo, write_demo_files
from imagesteward.ingest import Status
from imagesteward.model import SeriesInfo
from tests.formats.test_corpus import _check_series


def test_demo_installation_captures_every_file(tmp_path: Path) -> None:
    result = build_demo(tmp_path / "demo", scale=0.5)
    assert result.report.exit_code == 0, [o.message for o in result.report.failed]
    # The same seed writes the same files, so their expectations describe what was ingested.
    demos = write_demo_files(tmp_path / "again", scale=0.5)
    by_name = {o.path.name: o for o in result.report.outcomes}
    records = {record.id: record for record in result.images}
    for demo in demos:
        outcome = by_name[demo.path.name]
        assert outcome.status is Status.ADDED
        assert len(outcome.image_ids) == demo.expected["series_count"]
        for image_id, expected in zip(outcome.image_ids, demo.expected["series"], strict=True):
            record = records[image_id]
            assert (record.project, record.dataset) == (demo.project, demo.dataset)
            _check_series(SeriesInfo(record.document, record.structure), expected)


def test_demo_is_idempotent(tmp_path: Path) -> None:
    first = build_demo(tmp_path / "demo", scale=0.5)
    second = build_demo(tmp_path / "demo", scale=0.5)
    assert second.report.count(Status.ADDED) == 0
    assert second.report.count(Status.DUPLICATE) == first.report.count(Status.ADDED)
    assert len(second.images) == len(first.images)
    instruments = {
        (r.document.acquisition.microscope.model, r.document.acquisition.microscope.serial_number)
        for r in first.images
        if r.document.acquisition and r.document.acquisition.microscope
    }
    assert len(instruments) >= 3  # shared instruments de-duplicated, distinct ones kept apart
