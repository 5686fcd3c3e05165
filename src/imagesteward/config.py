"""Settings, injected everywhere; nothing is read at import time.

An *installation* is a directory holding ``imagesteward.toml``; by default it also holds the
SQLite catalog and the original-file store. Settings come, highest priority first, from explicit
arguments, ``IMAGESTEWARD_*`` environment variables, and the installation's ``imagesteward.toml``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from imagesteward.errors import ConfigurationError, InstallationNotFoundError

__all__ = ["CONFIG_FILENAME", "Settings", "find_home", "load_settings", "write_config"]

CONFIG_FILENAME = "imagesteward.toml"
HOME_ENV = "IMAGESTEWARD_HOME"

PositiveInt = Annotated[int, Field(gt=0)]


class Settings(BaseSettings):
    """Everything an installation can be told.

    Each field can be set in ``imagesteward.toml`` (``database_url = "..."``) or through the
    environment (``IMAGESTEWARD_DATABASE_URL``).
    """

    model_config = SettingsConfigDict(
        env_prefix="IMAGESTEWARD_", extra="forbid", validate_default=True, frozen=True
    )

    home: Path = Field(description="The installation directory (holds imagesteward.toml).")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the catalog; default: SQLite file catalog.sqlite in home. "
        "PostgreSQL: postgresql+psycopg://user@host/dbname.",
    )
    store_root: Path | None = Field(
        default=None, description="Directory of the original-file store; default: home/store."
    )
    ingest_jobs: PositiveInt = Field(
        default=2, description="Files read and checksummed in parallel during ingest."
    )
    copy_buffer_bytes: PositiveInt = Field(
        default=8 * 1024 * 1024,
        description="Read size of the single copy-and-checksum pass over an original file.",
    )
    max_metadata_bytes: PositiveInt = Field(
        default=64 * 1024 * 1024,
        description="Largest embedded metadata document (OME-XML, CZI XML...) a reader accepts.",
    )
    max_declared_to_actual_ratio: float = Field(
        default=1.0e4,
        gt=1.0,
        description="An image whose declared uncompressed size exceeds the bytes present by more "
        "than this factor is refused as implausible (compression rarely passes 1000:1).",
    )
    default_project: str = Field(default="Unsorted", description="Project for unassigned data.")
    default_dataset: str = Field(default="Unsorted", description="Dataset for unassigned data.")
    sqlite_synchronous: Literal["FULL", "EXTRA"] = Field(
        default="FULL", description="SQLite durability: FULL survives power loss with WAL."
    )
    rendition_root: str | None = Field(
        default=None,
        description="Where OME-Zarr renditions are written: a directory or an fsspec URL such "
        "as s3://bucket/prefix; default: home/renditions.",
    )
    rendition_storage_options: dict[str, Any] = Field(
        default_factory=dict,
        description="fsspec options for rendition_root (e.g. {client_kwargs = {endpoint_url = "
        "'http://127.0.0.1:9000'}} for an S3-compatible server).",
    )
    convert_on_ingest: bool = Field(
        default=True, description="Convert every ingested image to OME-Zarr right away."
    )
    convert_ngff_version: Literal["0.5", "0.4"] = Field(
        default="0.5", description="NGFF version of new renditions (0.5 on Zarr v3, 0.4 on v2)."
    )
    convert_memory_bytes: PositiveInt = Field(
        default=1 << 30, description="Peak working memory of one conversion, in bytes."
    )
    convert_workers: PositiveInt | None = Field(
        default=None, description="Regions converted at once (default: the number of cores)."
    )
    dask_scheduler: str | None = Field(
        default=None,
        description="Address of a Dask distributed scheduler (tcp://host:8786) to convert on.",
    )
    publication_tier: int = Field(
        default=2,
        ge=1,
        le=3,
        description="Completeness tier (1 minimal, 2 recommended, 3 full) every field of which "
        "a project must fill to be ready for publication (steward completeness, the API, the "
        "project page).",
    )
    access_control: bool = Field(
        default=True,
        description=(
            "Enforce accounts, groups and visibility on the server: anonymous callers see "
            "public data only, and data are private until their owners publish them. Turn "
            "off only for a single-user installation on a laptop: everyone reaching the "
            "server then sees and changes everything."
        ),
    )
    # OpenID Connect sign-in (off unless oidc_issuer and oidc_client_id are set).
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect issuer URL (its /.well-known/openid-configuration is "
        "read); with oidc_client_id, turns on 'Sign in with' that provider.",
    )
    oidc_client_id: str | None = Field(default=None, description="OIDC client id.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="OIDC client secret (none for a public client, PKCE only)."
    )
    oidc_scopes: str = Field(
        default="openid profile email", description="OIDC scopes asked for, space separated."
    )
    oidc_provider_name: str = Field(
        default="OpenID Connect", description="The provider's name on the sign-in page."
    )
    oidc_username_claim: str = Field(
        default="preferred_username",
        description="ID-token claim that names the local account (lower-cased).",
    )
    oidc_orcid_claim: str | None = Field(
        default=None, description="ID-token claim carrying the user's ORCID iD, if any."
    )
    oidc_new_user_role: Literal["guest", "user"] = Field(
        default="guest", description="Facility role of accounts created at a first OIDC login."
    )
    oidc_link_existing: bool = Field(
        default=True,
        description="A first OIDC login whose user name matches an unlinked local account "
        "links to it (trust the provider's user names); false refuses it.",
    )
    public_url: str | None = Field(
        default=None,
        description="The server's public base URL (https://images.example.org), for the "
        "OIDC redirect URI; default: taken from each request.",
    )

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def catalog_url(self) -> str:
        """The effective database URL."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'catalog.sqlite'}"

    @property
    def rendition_url(self) -> str:
        """The effective rendition root: a local directory path or an fsspec URL."""
        if self.rendition_root:
            if "://" in self.rendition_root:
                return self.rendition_root
            root = Path(self.rendition_root).expanduser()
            return str(root if root.is_absolute() else self.home / root)
        return str(self.home / "renditions")

    @property
    def store_path(self) -> Path:
        """The effective store directory."""
        root = self.store_root if self.store_root is not None else self.home / "store"
        return root if root.is_absolute() else (self.home / root)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Explicit arguments, then the environment, then the installation's TOML file."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def find_home(start: Path | None = None, explicit: Path | None = None) -> Path:
    """Locate the installation directory.

    Parameters
    ----------
    start
        Where to begin walking up looking for ``imagesteward.toml`` (default: the cwd).
    explicit
        A directory given by the user (``--home``); wins over everything else.

    Raises
    ------
    InstallationNotFoundError
        When neither an explicit home, ``IMAGESTEWARD_HOME`` nor a parent directory holding
        ``imagesteward.toml`` exists.
    """
    if explicit is not None:
        return explicit.expanduser().resolve()
    env_home = os.environ.get(HOME_ENV)
    if env_home:
        return Path(env_home).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_FILENAME).is_file():
            return candidate
    raise InstallationNotFoundError(
        f"No imagesteward installation found in {here} or its parents. "
        f"Create one with 'steward init DIR', then run from inside it, pass --home DIR, "
        f"or set {HOME_ENV}."
    )


def load_settings(home: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings of the installation at ``home`` (found with :func:`find_home`)."""
    home = find_home(explicit=home)
    config_file = home / CONFIG_FILENAME

    class _InstallationSettings(Settings):
        model_config = SettingsConfigDict(toml_file=config_file if config_file.is_file() else None)

    try:
        return _InstallationSettings(home=home, **overrides)
    except ValueError as exc:
        raise ConfigurationError(f"Invalid settings for installation {home}: {exc}") from exc


def write_config(home: Path, values: dict[str, str | int | float]) -> Path:
    """Write a fresh ``imagesteward.toml`` with the given values and comments for the rest."""
    lines = ["# imagesteward installation settings; IMAGESTEWARD_* environment variables win."]
    for name, field in Settings.model_fields.items():
        if name == "home":
            continue
        lines.append(f"# {field.description}")
        if name in values:
            lines.append(f"{name} = {_toml_value(values[name])}")
        else:
            default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
            shown = "" if default is None else f" = {_toml_value(default)}"
            lines.append(f"# {name}{shown}")
    path = home / CONFIG_FILENAME
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml_value(value: object) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{key} = {_toml_value(item)}" for key, item in value.items())
        return "{" + inner + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
