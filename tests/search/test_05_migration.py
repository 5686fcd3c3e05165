"""Revision 0009_search_scale on a catalog indexed before it (upgraded from 0008)."""

from __future__ import annotations

import sqlalchemy as sa

from imagesteward.catalog import open_catalog, upgrade_catalog
from imagesteward.catalog._engine import create_catalog_engine
from imagesteward.search import search
from tests.catalog.factories import confocal_image, fileset

_SEPARATORS = ("\x1e", "\x1f")


def test_upgrade_fills_facet_values_visibility_and_totals(catalog_url: str) -> None:
    upgrade_catalog(catalog_url, revision="0008_oidc_identities")
    engine = create_catalog_engine(catalog_url)
    now = "2026-01-01 00:00:00"
    with engine.begin() as connection:
        run = connection.exec_driver_sql
        run(f"INSERT INTO projects (id, name, created_at) VALUES (1, 'Mitosis', '{now}')")
        run(f"INSERT INTO datasets (id, project_id, name, created_at) VALUES (1, 1, 'a', '{now}')")
        run(
            "INSERT INTO project_access (project_id, visibility, changed_at) "
            f"VALUES (1, 'public', '{now}')"
        )
        run(
            "INSERT INTO dataset_access (dataset_id, visibility, embargo_event, changed_at) "
            f"VALUES (1, 'embargoed', 'publication', '{now}')"
        )
        run(
            "INSERT INTO search_entries (id, kind, entity_id, project_id, dataset_id, title, "
            "visibility, body, indexed_at) VALUES (7, 'image', 3, 1, 1, 'HeLa', 'private', "
            f"'mitosis', '{now}')"
        )
        for facet, value in (("method", "FBbi:00000251"), ("project", "Mitosis")):
            run(
                "INSERT INTO search_facets (facet, value, entry_id) "
                f"VALUES ('{facet}', '{value}', 7)"
            )
    engine.dispose()

    upgrade_catalog(catalog_url)

    engine = create_catalog_engine(catalog_url)
    with engine.connect() as connection:
        visibility, values = connection.execute(
            sa.text("SELECT visibility, facet_values FROM search_entries WHERE id = 7")
        ).one()
        totals = set(
            connection.execute(
                sa.text("SELECT visibility, facet, value, count FROM search_totals")
            ).all()
        )
    engine.dispose()
    # The least public of project (public) and dataset (embargoed).
    assert visibility == "embargoed"
    pair, within = _SEPARATORS
    assert set(values.split(pair)) == {f"method{within}FBbi:00000251", f"project{within}Mitosis"}
    assert totals == {
        ("embargoed", "*", "*", 1),
        ("embargoed", "method", "FBbi:00000251", 1),
        ("embargoed", "project", "Mitosis", 1),
    }


def test_an_upgraded_catalog_searches_and_rebuilds(catalog_url: str) -> None:
    upgrade_catalog(catalog_url, revision="0008_oidc_identities")
    upgrade_catalog(catalog_url)
    catalog = open_catalog(catalog_url)
    try:
        catalog.add_filesets([fileset("a.czi", images=[confocal_image(0, name="HeLa stack")])])
        assert search(catalog, "stack kind:image").total == 1
        assert catalog.rebuild_search_index() == 1
        assert search(catalog, "stack kind:image").total == 1
    finally:
        catalog.dispose()
