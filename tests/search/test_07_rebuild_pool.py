"""A rebuild with worker processes derives exactly what one process derives."""

from __future__ import annotations

from typing import Any

import pytest

from imagesteward.catalog import Catalog
from imagesteward.catalog import _search_pool as pool
from imagesteward.ontology import OntologyIndex
from imagesteward.search import search
from tests.catalog.factories import confocal_image, fileset, widefield_image


def snapshot(catalog: Catalog, ontology: OntologyIndex) -> dict[str, Any]:
    found = search(catalog, "", ontology=ontology, limit=200, facet_values=100)
    return {
        "hits": sorted((h.kind, h.id, h.title, h.visibility) for h in found.hits),
        "facets": {
            name: sorted((v.value, v.label, v.count) for v in values)
            for name, values in found.facets.items()
        },
        "text": search(catalog, "hela", ontology=ontology).total,
    }


def test_workers_derive_what_one_process_derives(
    catalog: Catalog, ontology: OntologyIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog.add_filesets(
        [fileset(f"hela/{i}.czi", images=[confocal_image(0, name=f"HeLa {i}")]) for i in range(5)]
        + [fileset(f"yeast/{i}.nd2", images=[widefield_image()], dataset="yeast") for i in range(3)]
    )
    catalog.rebuild_search_index()
    alone = snapshot(catalog, ontology)
    used: list[int] = []
    chosen = pool.pool_size

    def two_workers(connection: Any, chunks: int) -> int:
        used.append(chosen(connection, 10_000) and 2)
        return used[-1]

    monkeypatch.setattr(pool, "pool_size", two_workers)
    # Every new posting list through COPY (PostgreSQL), as a rebuild of a large catalog does.
    monkeypatch.setattr("imagesteward.catalog._search_postings._COPY_FROM", 0)
    monkeypatch.setattr("imagesteward.catalog._search_rebuild.pool_size", two_workers)
    assert catalog.rebuild_search_index() == 8
    assert used == [2]
    assert snapshot(catalog, ontology) == alone
    assert catalog.check() == []


def test_posting_lists_are_stored_in_chunks_of_ids(catalog: Catalog) -> None:
    """A list spanning id ranges is one row per 65,536 ids; reading joins them again."""
    from sqlalchemy import text

    from imagesteward.catalog import _search_postings as postings

    ids = (5, 70_000, 140_000, 140_001)
    with catalog._engine.begin() as connection:
        postings.move(connection, [("year", "1999", i, 1) for i in ids])
    cache = postings.PostingCache()
    with catalog._engine.connect() as connection:
        assert list(cache.read(connection, ["year"])["year", "1999"]) == list(ids)
    with catalog._engine.begin() as connection:  # the middle chunk empties: its row goes
        postings.move(connection, [("year", "1999", 70_000, -1), ("year", "1999", 6, 1)])
    with catalog._engine.connect() as connection:
        chunks = connection.execute(
            text("SELECT chunk FROM search_postings WHERE value = '1999' ORDER BY chunk")
        ).scalars()
        assert list(chunks) == [0, 2]
        # The cache sees the changed chunks (new stamps) and reads them again.
        assert list(cache.read(connection, ["year"])["year", "1999"]) == [5, 6, 140_000, 140_001]


def _worker_that_dies(url: str) -> None:  # run in the spawned worker (imported by name)
    raise SystemExit(f"this worker refuses to start ({url.split(':', maxsplit=1)[0]})")


def test_a_broken_pool_is_finished_in_the_rebuilding_process(
    catalog: Catalog,
    ontology: OntologyIndex,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    catalog.add_filesets(
        [fileset(f"hela/{i}.czi", images=[confocal_image(0, name=f"HeLa {i}")]) for i in range(4)]
    )
    catalog.rebuild_search_index()
    alone = snapshot(catalog, ontology)
    monkeypatch.setattr(pool, "_start", _worker_that_dies)
    monkeypatch.setattr("imagesteward.catalog._search_rebuild.pool_size", lambda *_: 2)
    assert catalog.rebuild_search_index() == 4
    assert "a worker process stopped" in caplog.text
    assert snapshot(catalog, ontology) == alone
    assert catalog.check() == []
