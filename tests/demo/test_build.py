"""``steward demo``: the demo installation captures what the generator says it wrote."""

from __future__ import annotations

from pathlib import Path

from imagesteward.demo import build_demo, write_demo_files
from imagesteward.demo.studies import IMAGES, STUDIES
from imagesteward.ingest import Status
from imagesteward.installation import open_installation
from imagesteward.model import SeriesInfo
from imagesteward.model.paths import get_at, parse_path
from imagesteward.search import search
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


def test_demo_is_described_and_searchable_by_its_terms(tmp_path: Path) -> None:
    result = build_demo(tmp_path / "demo", scale=0.25)
    by_file = {o.path.name: o.image_ids for o in result.report.outcomes}
    records = {record.id: record for record in result.images}
    assert set(IMAGES) == set(by_file)  # every demo file is described
    for name, values in IMAGES.items():
        for image_id in by_file[name]:
            document = records[image_id].document.model_dump(mode="json", exclude_none=True)
            for path, value in values.items():
                stored = get_at(document, parse_path(path))
                # Terms are stored with the ontology's label next to the identifier given.
                assert (stored["term_id"] if isinstance(stored, dict) else stored) == value
    with open_installation(result.home) as installation:
        catalog = installation.catalog
        for project, study in STUDIES.items():
            record = catalog.get_study(project)
            assert record is not None and record.document.title == study["title"], project
        everything = search(catalog, "", limit=100)
        facets = {f: {v.value for v in values} for f, values in everything.facets.items()}
        methods = {v["acquisition.imaging_method"] for v in IMAGES.values()}
        assert facets["method"] == methods
        assert facets["organism"] == {"NCBITaxon:9606"}
        assert {"CHEBI:51231", "FPbase:egfp", "FPbase:mcherry"} <= facets["fluorophore"]
        images = search(catalog, "kind:image", limit=100).hits
        assert len(images) == len(records)
        assert all(hit.completeness is not None for hit in images)
        # Only the MDCK-like cells have no organism (no canine taxon is shipped).
        unnamed = search(catalog, 'kind:image -organism:"Homo sapiens"', limit=100).hits
        assert [hit.title for hit in unnamed] == ["Zstack_63x_cell4"]


def test_demo_is_idempotent(tmp_path: Path) -> None:
    first = build_demo(tmp_path / "demo", scale=0.5)
    with open_installation(first.home) as installation:
        revisions = {p: installation.catalog.get_study(p) for p in STUDIES}
    second = build_demo(tmp_path / "demo", scale=0.5)
    with open_installation(second.home) as installation:
        # A described project keeps its study: a second run changes nothing.
        again = {p: installation.catalog.get_study(p) for p in STUDIES}
    assert {p: r.revision for p, r in again.items() if r} == {
        p: r.revision for p, r in revisions.items() if r
    }
    assert all(record is not None for record in revisions.values())
    assert second.report.count(Status.ADDED) == 0
    assert second.report.count(Status.DUPLICATE) == first.report.count(Status.ADDED)
    assert len(second.images) == len(first.images)
    instruments = {
        (r.document.acquisition.microscope.model, r.document.acquisition.microscope.serial_number)
        for r in first.images
        if r.document.acquisition and r.document.acquisition.microscope
    }
    assert len(instruments) >= 3  # shared instruments de-duplicated, distinct ones kept apart
