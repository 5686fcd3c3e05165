"""``steward doctor``: check that an installation is healthy and say how to fix what is not."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from imagesteward.config import Settings
from imagesteward.errors import ImageStewardError

__all__ = ["DoctorCheck", "doctor"]


@dataclass(frozen=True)
class DoctorCheck:
    """One check: what was looked at, whether it is fine, and what to do if not."""

    name: str
    ok: bool
    detail: str


def doctor(settings: Settings) -> list[DoctorCheck]:
    """Check settings, catalog, store and readers; never raises for a failed check."""
    checks = [_check_home(settings)]
    checks.extend(_check_catalog(settings))
    checks.extend(_check_store(settings))
    checks.append(_check_readers())
    return checks


def _check_home(settings: Settings) -> DoctorCheck:
    home = settings.home
    writable = os.access(home, os.W_OK)
    return DoctorCheck(
        "settings",
        home.is_dir() and writable,
        f"home {home}" + ("" if writable else " is not writable by this user"),
    )


def _check_catalog(settings: Settings) -> list[DoctorCheck]:
    from imagesteward.catalog import catalog_status, open_catalog

    url = settings.catalog_url
    shown = _redact(url)
    try:
        status = catalog_status(url)
    except ImageStewardError as exc:
        return [DoctorCheck("catalog", False, f"{shown}: {exc}")]
    if not status.reachable:
        return [DoctorCheck("catalog", False, f"{shown} cannot be reached")]
    if not status.is_current:
        return [
            DoctorCheck(
                "catalog schema",
                False,
                f"revision {status.current} but this version needs {status.head}: "
                "run 'steward db upgrade'",
            )
        ]
    catalog = open_catalog(url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        problems = catalog.check()
        stats = catalog.stats()
    finally:
        catalog.dispose()
    summary = (
        f"{status.backend} {shown}, schema {status.current}, {stats.images} images in "
        f"{stats.projects} projects"
    )
    return [DoctorCheck("catalog", not problems, summary if not problems else "; ".join(problems))]


def _check_store(settings: Settings) -> list[DoctorCheck]:
    from imagesteward.store import ObjectStore

    root = settings.store_path
    store = ObjectStore(root, buffer_bytes=settings.copy_buffer_bytes)
    if not store.is_initialised():
        return [DoctorCheck("store", False, f"{root} is not initialised: run 'steward init'")]
    stats = store.stats()
    free = shutil.disk_usage(root).free
    return [
        DoctorCheck("store", True, f"{root}: {stats.objects} objects, {_size(stats.bytes)}"),
        DoctorCheck(
            "free space",
            free > 1 << 30,
            f"{_size(free)} free on the store's file system"
            + ("" if free > 1 << 30 else " - ingest needs room for copies"),
        ),
    ]


def _check_readers() -> DoctorCheck:
    from imagesteward.formats import default_registry

    registry = default_registry()
    names = ", ".join(reader.name for reader in registry.readers)
    if registry.unavailable:
        broken = "; ".join(f"{name}: {error}" for name, error in registry.unavailable)
        return DoctorCheck("readers", False, f"available: {names}; failed to load: {broken}")
    return DoctorCheck("readers", True, names)


def _redact(url: str) -> str:
    # Never print a password from a database URL.
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
    return url


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} TiB"
