"""``steward store purge``: delete the stored bytes that only removed records refer to.

Removing a dataset or an image deletes nothing (see ``catalog._removal``); this is the one
explicit, administrator-run step that frees the space. It deletes:

- originals (store copies) whose every referring record is removed - an original shared by a
  live image, by de-duplication or as a metadata attachment, stays; an original registered in
  place is never touched, only the store's record of it goes;
- OME-Zarr renditions that no live image is drawn from, and only under the installation's
  rendition root (a rendition somewhere else was not written by this installation).

``dry_run`` reports the same list without deleting anything. Every purge is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from imagesteward.errors import StoreError

if TYPE_CHECKING:
    from imagesteward.installation._setup import Installation

__all__ = ["PurgeReport", "purge_removed"]


@dataclass
class PurgeReport:
    """What a purge deleted (or, in a dry run, would delete)."""

    dry_run: bool
    originals: list[tuple[str, str, int]] = field(default_factory=list)  # digest, name, size
    renditions: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # what, why
    freed_bytes: int = 0


def purge_removed(
    installation: Installation, *, dry_run: bool = False, remote: str | None = None
) -> PurgeReport:
    """Delete (or with ``dry_run`` list) the bytes only removed records refer to."""
    from imagesteward.catalog import removal_catalog

    removals = removal_catalog(installation.catalog)
    report = PurgeReport(dry_run=dry_run)
    store = installation.store
    with store.writer_lock():
        # Asked under the lock: an ingest cannot add a reference to these digests meanwhile.
        candidates = removals.purge_candidates()
        for record in candidates.originals:
            if record.stored_in_place:
                report.skipped.append((record.original_path, "registered in place: left there"))
                if not dry_run:
                    store.remove(record.sha256)
                continue
            if not store.has(record.sha256):
                continue  # purged before
            report.originals.append((record.sha256, record.original_name, record.size))
            if not dry_run:
                report.freed_bytes += store.remove(record.sha256)
    root = installation.settings.rendition_url.rstrip("/")
    for url in candidates.renditions:
        if not (url == root or url.startswith(root + "/")):
            report.skipped.append((url, "outside the rendition root: not written here"))
            continue
        fs, path = _filesystem(installation, url)
        if not fs.exists(path):
            continue  # purged before
        report.renditions.append(url)
        if not dry_run:
            try:
                fs.rm(path, recursive=True)
            except OSError as exc:
                raise StoreError(f"Cannot delete rendition {url}: {exc}") from exc
    if not dry_run:
        removals.record_purge(
            originals=[digest for digest, _, _ in report.originals],
            renditions=report.renditions,
            freed_bytes=report.freed_bytes,
            remote=remote,
        )
    return report


def _filesystem(installation: Installation, url: str) -> tuple[Any, str]:
    from fsspec.core import url_to_fs

    options = dict(installation.settings.rendition_storage_options) if "://" in url else {}
    fs, path = url_to_fs(url, **options)
    return fs, path
