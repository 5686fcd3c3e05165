"""Committing staged file sets: store objects and catalog rows, in batches, crash-safe.

Small files are dominated by durability costs (journal, object publication, database commit),
so ready file sets are committed in batches: one store transaction and one catalog
transaction per batch. A batch the catalog refuses (a concurrent ingest catalogued one of its
files) is undone and retried file set by file set, so one problem never costs the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from imagesteward.errors import CatalogError, ImageStewardError
from imagesteward.ingest.extract import Extraction
from imagesteward.ingest.records import build_fileset_input, describe_existing
from imagesteward.ingest.report import FileOutcome, Status

if TYPE_CHECKING:
    from imagesteward.catalog import FilesetInput, FilesetRecord, OriginalFileRecord
    from imagesteward.installation import Installation
    from imagesteward.store import Kind, StagedObject, StoredObject, StoreTransaction

__all__ = ["Digest", "Ready", "commit_batch"]


@dataclass(frozen=True, slots=True)
class Digest:
    """An original checksummed where it lies (``--in-place`` and ``--dry-run``)."""

    digest: str
    size: int
    kind: Kind
    name: str
    path: Path


@dataclass(frozen=True, slots=True)
class Ready:
    """A file set whose originals are staged (or checksummed in place), ready to commit."""

    extraction: Extraction
    pieces: Sequence[StagedObject] | Sequence[Digest]

    @property
    def size(self) -> int:
        """Bytes of the file set's originals."""
        return sum(piece.size for piece in self.pieces)

    @property
    def digests(self) -> list[str]:
        """SHA-256 of each original, the primary file first."""
        return [piece.digest for piece in self.pieces]


def commit_batch(
    batch: Sequence[Ready],
    installation: Installation,
    *,
    project: str,
    dataset: str,
    dry_run: bool,
    user: str | None,
) -> dict[Path, FileOutcome]:
    """Commit ready file sets; every one gets an outcome."""
    outcomes: dict[Path, FileOutcome] = {}
    fresh: list[Ready] = []
    known = installation.catalog.find_original_files(d for ready in batch for d in ready.digests)
    seen: dict[str, Path] = {}
    for ready in batch:
        verdict = _screen(ready, known, seen)
        if verdict is not None:
            outcomes[ready.extraction.path] = verdict
            continue
        seen.update(dict.fromkeys(ready.digests, ready.extraction.path))
        if dry_run:
            outcomes[ready.extraction.path] = _outcome(
                ready, Status.WOULD_ADD, f"{len(ready.extraction.series)} image(s)"
            )
        else:
            fresh.append(ready)
    if not fresh:
        return outcomes
    try:
        outcomes.update(_commit_together(fresh, installation, project, dataset, user))
    except _BatchRefusedError:
        for ready in fresh:
            try:
                outcomes.update(_commit_together([ready], installation, project, dataset, user))
            except _BatchRefusedError as refused:
                outcomes[ready.extraction.path] = _failed(ready, refused.errors[0])
            except Exception as exc:  # noqa: BLE001 - report and go on with the batch
                outcomes[ready.extraction.path] = _failed(ready, exc)
    except Exception as exc:  # noqa: BLE001 - a store or database failure hits the whole batch
        for ready in fresh:
            outcomes[ready.extraction.path] = _failed(ready, exc)
    return outcomes


class _BatchRefusedError(Exception):
    def __init__(self, errors: list[ImageStewardError]) -> None:
        super().__init__(str(errors[0]))
        self.errors = errors


def _screen(
    ready: Ready, known: Mapping[str, OriginalFileRecord], seen: Mapping[str, Path]
) -> FileOutcome | None:
    """Duplicate or conflicting content is settled before anything is written."""
    primary = ready.digests[0]
    if primary in known:
        return _outcome(ready, Status.DUPLICATE, describe_existing(known[primary]))
    if primary in seen:
        return _outcome(
            ready, Status.DUPLICATE, f"same content as {seen[primary].name} in this ingest"
        )
    clash = [d for d in ready.digests[1:] if d in known or d in seen]
    if clash:
        return _outcome(
            ready,
            Status.FAILED,
            f"{ready.extraction.path}: {len(clash)} of its member file(s) already belong to "
            "another image; ingest the complete set together or remove the old one",
        )
    return None


def _commit_together(
    batch: Sequence[Ready],
    installation: Installation,
    project: str,
    dataset: str,
    user: str | None,
) -> dict[Path, FileOutcome]:
    store, catalog = installation.store, installation.catalog
    intent = {
        "project": project,
        "dataset": dataset,
        "filesets": [
            {
                "paths": [str(p) for p in r.extraction.files],
                "digests": r.digests,
                "reader": r.extraction.reader,
            }
            for r in batch
        ],
    }
    txn = store.begin(intent, deferred_sync=True)
    try:
        inputs = [_store_one(txn, ready, project, dataset, user) for ready in batch]
        txn.sync()  # every object durable before the catalog may refer to it
        try:
            results = catalog.add_filesets(inputs)
        except CatalogError as exc:  # e.g. a concurrent ingest won a race: retry one by one
            raise _BatchRefusedError([exc]) from exc
        errors = [r for r in results if isinstance(r, ImageStewardError)]
        if errors:
            raise _BatchRefusedError(errors)
    except BaseException:
        txn.abort()
        raise
    records: list[FilesetRecord] = [r for r in results if not isinstance(r, ImageStewardError)]
    txn.finish(
        {
            **intent,
            "catalogued": [
                {"fileset_id": record.id, "images": list(record.image_uuids)} for record in records
            ],
        }
    )
    return {
        ready.extraction.path: FileOutcome(
            ready.extraction.path,
            Status.ADDED,
            images=len(record.image_ids),
            reader=ready.extraction.reader,
            size=ready.size,
            message=f"{project} / {dataset}",
            image_ids=tuple(record.image_ids),
        )
        for ready, record in zip(batch, records, strict=True)
    }


def _store_one(
    txn: StoreTransaction, ready: Ready, project: str, dataset: str, user: str | None
) -> FilesetInput:
    stored: list[StoredObject] = [
        txn.register_in_place(piece.path, piece.digest, piece.size, piece.kind)
        if isinstance(piece, Digest)
        else txn.add(piece, name=piece.name)
        for piece in ready.pieces
    ]
    in_place = bool(ready.pieces) and isinstance(ready.pieces[0], Digest)
    return build_fileset_input(
        ready.extraction, stored, project=project, dataset=dataset, in_place=in_place, user=user
    )


def _outcome(ready: Ready, status: Status, message: str) -> FileOutcome:
    return FileOutcome(
        ready.extraction.path,
        status,
        images=len(ready.extraction.series),
        reader=ready.extraction.reader,
        size=ready.size,
        message=message,
    )


def _failed(ready: Ready, exc: BaseException) -> FileOutcome:
    path = ready.extraction.path
    message = (
        str(exc) if isinstance(exc, ImageStewardError) else f"{path}: {type(exc).__name__}: {exc}"
    )
    return FileOutcome(
        path,
        Status.FAILED,
        reader=ready.extraction.reader,
        size=ready.size,
        message=message,
        error_type=type(exc).__name__,
    )
