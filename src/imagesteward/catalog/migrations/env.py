"""Alembic environment for the catalog: runs only on a connection handed over by imagesteward.

``imagesteward.catalog.upgrade_catalog`` opens the connection (with the catalog's SQLite
settings, inside one transaction) and passes it in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from imagesteward.catalog._tables import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "The catalog migrations run through imagesteward, not the alembic command line: "
        "use `steward db upgrade` or imagesteward.catalog.upgrade_catalog(url)."
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
