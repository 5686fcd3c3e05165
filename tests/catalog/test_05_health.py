"""``Catalog.check``: silent on a healthy catalog, specific about each kind of damage."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from imagesteward.catalog import Catalog
from imagesteward.catalog._engine import create_catalog_engine
from tests.catalog.factories import bare_image, confocal_image, fileset, widefield_image


def _execute(catalog: Catalog, sql: str, *, foreign_keys: bool = True) -> None:
    engine = create_catalog_engine(catalog._engine.url, foreign_keys=foreign_keys)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(sql)
    finally:
        engine.dispose()


def test_a_healthy_catalog_has_no_problems(catalog: Catalog) -> None:
    assert catalog.check() == []
    catalog.add_fileset(fileset("a.czi", "a.xml", images=[confocal_image(), widefield_image(1)]))
    catalog.add_fileset(fileset("b.tif", images=[bare_image()]))
    assert catalog.check() == []


def test_a_fileset_that_lost_its_files_is_reported(catalog: Catalog) -> None:
    added = catalog.add_fileset(fileset("a.czi", "a.xml"))
    _execute(catalog, f"DELETE FROM original_files WHERE fileset_id = {added.id}")
    (problem,) = catalog.check()
    assert f"Fileset {added.id} has no original files" in problem


def test_a_hand_edited_instrument_identity_is_reported(catalog: Catalog) -> None:
    added = catalog.add_fileset(fileset("a.czi"))
    instrument_id = added.images[0].instrument_id
    _execute(catalog, f"UPDATE instruments SET serial_number = '0000' WHERE id = {instrument_id}")
    (problem,) = catalog.check()
    assert f"Instrument {instrument_id} (Carl Zeiss Microscopy LSM 980 0000)" in problem
    assert "does not match its identity key" in problem


def test_a_schema_changed_behind_the_catalogs_back_is_reported(catalog: Catalog) -> None:
    _execute(catalog, "UPDATE alembic_version SET version_num = '0001_core'")
    (problem,) = catalog.check()
    assert "Schema revision is 0001_core" in problem
    assert "`steward db upgrade`" in problem


def test_broken_references_are_reported_or_impossible(catalog: Catalog) -> None:
    catalog.add_fileset(fileset("a.czi"))
    orphan = "INSERT INTO image_channels (image_id, channel_index) VALUES (4242, 0)"
    if catalog.backend == "sqlite":
        # SQLite only enforces references on connections that ask; older tools never ask.
        _execute(catalog, orphan, foreign_keys=False)
        (problem,) = catalog.check()
        assert problem == "image_channels row 3 refers to a images row that does not exist."
    else:
        with pytest.raises(sa.exc.IntegrityError):
            _execute(catalog, orphan, foreign_keys=False)
        assert catalog.check() == []
