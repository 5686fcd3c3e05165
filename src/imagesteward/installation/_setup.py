"""Create and open installations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesteward.config import CONFIG_FILENAME, Settings, load_settings, write_config
from imagesteward.errors import ConfigurationError

if TYPE_CHECKING:
    from imagesteward.catalog import Catalog
    from imagesteward.formats import ReaderRegistry
    from imagesteward.store import ObjectStore

__all__ = ["Installation", "init_installation", "open_installation"]


@dataclass
class Installation:
    """The opened parts of one installation. Close it to release database connections."""

    settings: Settings
    catalog: Catalog
    store: ObjectStore
    registry: ReaderRegistry

    def close(self) -> None:
        """Release the catalog's connections."""
        self.catalog.dispose()

    def __enter__(self) -> Installation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_installation(home: Path | None = None, **overrides: Any) -> Installation:
    """Open the installation at ``home`` (found as :func:`~imagesteward.config.find_home` does).

    Raises
    ------
    SchemaOutdatedError
        When the catalog needs ``steward db upgrade``.
    InstallationNotFoundError
        When no installation can be found.
    """
    from imagesteward.catalog import open_catalog
    from imagesteward.formats import default_registry
    from imagesteward.store import ObjectStore

    settings = load_settings(home, **overrides)
    catalog = open_catalog(settings.catalog_url, sqlite_synchronous=settings.sqlite_synchronous)
    store = ObjectStore(settings.store_path, buffer_bytes=settings.copy_buffer_bytes)
    if not store.is_initialised():
        catalog.dispose()
        raise ConfigurationError(
            f"The original-file store {settings.store_path} is missing or not initialised. "
            f"Run 'steward init {settings.home}' to create it, or fix store_root in "
            f"{settings.home / CONFIG_FILENAME}."
        )
    return Installation(settings, catalog, store, default_registry())


def init_installation(home: Path, *, database_url: str | None = None) -> Settings:
    """Create (or complete) an installation at ``home``: settings file, catalog schema, store.

    Idempotent: running it on an existing installation upgrades the catalog schema and leaves
    data alone.
    """
    from imagesteward.catalog import upgrade_catalog
    from imagesteward.store import ObjectStore

    home = home.expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / CONFIG_FILENAME
    if not config.exists():
        values: dict[str, str | int | float] = {}
        if database_url:
            values["database_url"] = database_url
        write_config(home, values)
    elif database_url:
        current = load_settings(home)
        if current.catalog_url != database_url:
            raise ConfigurationError(
                f"{config} already sets the catalog to {current.catalog_url}; edit it rather "
                f"than passing --database-url {database_url}"
            )
    settings = load_settings(home)
    upgrade_catalog(settings.catalog_url)
    ObjectStore(settings.store_path, buffer_bytes=settings.copy_buffer_bytes).initialise()
    return settings
