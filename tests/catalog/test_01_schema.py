"""Schema lifecycle: create from empty, refuse what cannot be used, migrations match the ORM."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from imagesteward.catalog import catalog_status, open_catalog, upgrade_catalog
from imagesteward.catalog._engine import create_catalog_engine
from imagesteward.catalog._migrations import alembic_config, head_revision
from imagesteward.catalog._search_tables import BACKEND_OBJECTS
from imagesteward.catalog._tables import (
    Base,
    DatasetRow,
    FilesetRow,
    ImageChannelRow,
    ImageRow,
    OriginalFileRow,
    ProjectRow,
)
from imagesteward.errors import CatalogError, ConfigurationError, SchemaOutdatedError
from tests.catalog.factories import confocal_image, digest, structure_for

FIRST_REVISION = "0001_core"


def _execute(url: str, *statements: str) -> None:
    engine = create_catalog_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _schema_differences(url: str) -> list[object]:
    engine = create_catalog_engine(url)
    try:
        with engine.connect() as connection:
            # The full-text index's own objects (FTS5 tables, a GIN expression index) are
            # not in the ORM.
            own = BACKEND_OBJECTS[connection.dialect.name]
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, _kind, _parent: name not in own,
                },
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _table_names(url: str) -> set[str]:
    engine = create_catalog_engine(url)
    try:
        with engine.connect() as connection:
            names = set(sa.inspect(connection).get_table_names())
            return names - BACKEND_OBJECTS[connection.dialect.name]
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_in_an_empty_database(catalog_url: str) -> None:
    before = catalog_status(catalog_url)
    assert before.current is None
    assert not before.is_current
    assert before.head == head_revision()

    assert upgrade_catalog(catalog_url) == head_revision()

    after = catalog_status(catalog_url)
    assert after.reachable
    assert after.is_current
    assert after.current == head_revision()
    assert after.backend == catalog_url.split(":", 1)[0].split("+", 1)[0]
    assert _table_names(catalog_url) == {*Base.metadata.tables, "alembic_version"}


def test_upgrading_a_current_catalog_changes_nothing(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    assert upgrade_catalog(catalog_url) == head_revision()
    assert _schema_differences(catalog_url) == []


def test_migrations_build_exactly_the_orm_schema(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    assert _schema_differences(catalog_url) == []


def test_downgrade_to_nothing_and_up_again(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    engine = create_catalog_engine(catalog_url, foreign_keys=False)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
    finally:
        engine.dispose()
    assert _table_names(catalog_url) == {"alembic_version"}
    assert catalog_status(catalog_url).current is None

    assert upgrade_catalog(catalog_url) == head_revision()
    assert _schema_differences(catalog_url) == []


def test_open_refuses_an_empty_database(catalog_url: str) -> None:
    if catalog_url.startswith("sqlite"):
        # An empty file, as left by a crashed `steward init`.
        Path(catalog_url.removeprefix("sqlite:///")).touch()
    with pytest.raises(SchemaOutdatedError) as caught:
        open_catalog(catalog_url)
    message = str(caught.value)
    assert "is empty" in message
    assert "`steward init`" in message
    assert "`steward db upgrade`" in message


def test_open_refuses_a_missing_sqlite_file_without_creating_it(tmp_path: Path) -> None:
    path = tmp_path / "nothing-here.sqlite"
    with pytest.raises(SchemaOutdatedError, match="steward init") as caught:
        open_catalog(f"sqlite:///{path}")
    assert str(path) in str(caught.value)
    assert not path.exists()
    status = catalog_status(f"sqlite:///{path}")
    assert not status.reachable
    assert status.error is not None
    assert "steward init" in status.error
    assert not path.exists()


def test_open_refuses_an_outdated_schema_until_upgraded(catalog_url: str) -> None:
    assert upgrade_catalog(catalog_url, revision=FIRST_REVISION) == FIRST_REVISION
    status = catalog_status(catalog_url)
    assert status.current == FIRST_REVISION
    assert not status.is_current

    with pytest.raises(SchemaOutdatedError) as caught:
        open_catalog(catalog_url)
    assert "`steward db upgrade`" in str(caught.value)
    assert FIRST_REVISION in str(caught.value)
    assert caught.value.details["current"] == FIRST_REVISION
    assert caught.value.details["head"] == head_revision()

    upgrade_catalog(catalog_url)
    open_catalog(catalog_url).dispose()


def test_open_and_upgrade_refuse_a_schema_from_a_newer_version(catalog_url: str) -> None:
    upgrade_catalog(catalog_url)
    _execute(catalog_url, "UPDATE alembic_version SET version_num = '0099_from_the_future'")

    with pytest.raises(SchemaOutdatedError) as caught:
        open_catalog(catalog_url)
    assert "newer imagesteward" in str(caught.value)
    assert "`steward db upgrade` cannot downgrade" in str(caught.value)

    with pytest.raises(SchemaOutdatedError, match="0099_from_the_future"):
        upgrade_catalog(catalog_url)
    assert catalog_status(catalog_url).current == "0099_from_the_future"


def test_open_refuses_a_database_that_is_not_a_catalog(catalog_url: str) -> None:
    _execute(catalog_url, "CREATE TABLE lab_inventory (id INTEGER PRIMARY KEY)")
    with pytest.raises(CatalogError, match="not an imagesteward catalog") as caught:
        open_catalog(catalog_url)
    assert not isinstance(caught.value, SchemaOutdatedError)


def test_upgrade_from_the_first_revision_keeps_the_rows(catalog_url: str) -> None:
    upgrade_catalog(catalog_url, revision=FIRST_REVISION)
    document = confocal_image()
    structure = structure_for(document)
    engine = create_catalog_engine(catalog_url)
    try:
        with engine.begin() as connection:
            # Columns as revision 0001 had them: no instrument or operator yet.
            connection.execute(sa.insert(ProjectRow).values(id=1, name="Legacy"))
            connection.execute(sa.insert(DatasetRow).values(id=1, project_id=1, name="old"))
            connection.execute(sa.insert(FilesetRow).values(id=1, dataset_id=1, reader="czi"))
            connection.execute(
                sa.insert(OriginalFileRow).values(
                    fileset_id=1,
                    sha256=digest("legacy.czi"),
                    size=10,
                    original_name="legacy.czi",
                    original_path="legacy.czi",
                    store_key="k",
                    stored_in_place=False,
                    role="primary",
                )
            )
            connection.execute(
                sa.insert(ImageRow).values(
                    id=1,
                    uuid="0b7c9d5e-3f1a-4c2b-9d8e-7f6a5b4c3d2e",
                    fileset_id=1,
                    dataset_id=1,
                    series_index=0,
                    file_format="czi",
                    axes=document.axes,
                    size_t=1,
                    size_c=2,
                    size_z=12,
                    size_y=1024,
                    size_x=1024,
                    pixel_type="uint16",
                    structure={
                        "dims": list(structure.dims),
                        "shape": list(structure.shape),
                        "dtype": structure.dtype,
                        "levels": [list(level) for level in structure.levels],
                        "chunks": None,
                    },
                    document=document.model_dump(mode="json", exclude_none=True),
                )
            )
            connection.execute(
                sa.insert(ImageChannelRow).values(image_id=1, channel_index=0, name="Hoechst")
            )
    finally:
        engine.dispose()

    upgrade_catalog(catalog_url)

    assert _schema_differences(catalog_url) == []
    with open_catalog(catalog_url) as catalog:
        image = catalog.get_image(1)
        assert image.document == document
        assert image.instrument_id is None
        assert image.project == "Legacy"
        assert [f.original_name for f in catalog.image_files(1)] == ["legacy.czi"]
        assert catalog.check() == []
    # Rebuilding `images` on SQLite must not cascade into the channels that refer to it.
    engine = create_catalog_engine(catalog_url)
    try:
        with engine.connect() as connection:
            channels = connection.exec_driver_sql("SELECT image_id, name FROM image_channels")
            assert channels.all() == [(1, "Hoechst")]
    finally:
        engine.dispose()


def test_upgrade_into_a_missing_directory_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'absent' / 'catalog.sqlite'}"
    with pytest.raises(CatalogError, match="does not exist"):
        upgrade_catalog(url)


def test_an_unreachable_server_is_reported_not_raised() -> None:
    # Port 1 on the loopback refuses connections at once.
    status = catalog_status("postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert not status.reachable
    assert not status.is_current
    assert status.backend == "postgresql"
    assert status.error is not None
    assert "Cannot open the catalog database" in status.error
    with pytest.raises(CatalogError, match="Cannot open the catalog database"):
        open_catalog("postgresql+psycopg://postgres@127.0.0.1:1/test")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://root@localhost/catalog", "must be SQLite or PostgreSQL"),
        ("not a url", "Cannot parse the catalog URL"),
        ("sqlite://", "in-memory SQLite"),
    ],
    ids=["mysql", "garbage", "sqlite-memory"],
)
def test_unusable_urls_are_configuration_errors(url: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        open_catalog(url)


def test_a_password_never_appears_in_status() -> None:
    status = catalog_status("postgresql://steward:s3cret@127.0.0.1:1/test")
    assert "s3cret" not in status.url
    assert "s3cret" not in (status.error or "")
    assert status.url.startswith("postgresql+psycopg://steward:***@")
