"""Database fixtures: every catalog test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``IMAGESTEWARD_TEST_POSTGRES_URL`` (default: the machine's server on
127.0.0.1:5432, database ``test``). Each test gets its own schema, dropped afterwards, so tests
never see each other's rows. An unreachable server is an error, never a skip: CI must not pass
without having tested PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_S = 10


def postgres_base_url() -> str:
    return os.environ.get("IMAGESTEWARD_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite'}"
        return
    import sqlalchemy as sa

    base = postgres_base_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    # A bounded connect timeout: a firewalled server must fail the test, not hang the run.
    admin = sa.create_engine(
        base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
    )
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL at {base} is required for the catalog tests: {exc}")
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
