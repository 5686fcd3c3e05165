"""Keeping a crate's other files: one file set of originals, stored and catalogued together.

Files no reader recognises as an image (the PDF of a protocol, a CSV of measurements, the crate's
own ``ro-crate-metadata.json``) are still part of the record. They go into the original-file
store and the catalog exactly as ingest puts originals there - staged, journalled, synced, then
catalogued in one transaction as a file set without images, then sealed in the ledger - so the
store's recovery knows them (the catalog references them) and a crash leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from imagesteward.catalog import FilesetRecord
    from imagesteward.installation import Installation
    from imagesteward.store import StagedObject

__all__ = ["Attachment", "attach_files"]


@dataclass(frozen=True, slots=True)
class Attachment:
    """One file to keep: where it was extracted and how it is named in the archive."""

    path: Path
    original_path: str
    sha256: str


def attach_files(
    files: Sequence[Attachment],
    installation: Installation,
    *,
    project: str,
    dataset: str,
    reader: str,
    user: str | None,
) -> FilesetRecord:
    """Store ``files`` (the first one is the set's primary file) and catalog them as one set.

    Raises
    ------
    ConflictError
        When the catalog already holds one of them (a concurrent import won the race); the
        store transaction is undone.
    StoreError, CatalogError
        When either refuses; nothing stays half-written.
    """
    from imagesteward.catalog import FilesetInput, OriginalFileInput

    store, catalog = installation.store, installation.catalog
    intent = {
        "project": project,
        "dataset": dataset,
        "reader": reader,
        "attachments": [{"path": f.original_path, "digest": f.sha256} for f in files],
    }
    with store.writer_lock():
        store.recover(catalog.referenced_digests)
        pending: list[StagedObject] = []
        txn = None
        try:
            for file in files:
                pending.append(store.stage_file(file.path, sync=False))
            txn = store.begin(intent, deferred_sync=True)
            stored = []
            for file in files:
                # ``add`` consumes the staged copy: from here the transaction owns it.
                stored.append(txn.add(pending.pop(0), name=file.path.name))
            txn.sync()
            record = catalog.add_fileset(
                FilesetInput(
                    project=project,
                    dataset=dataset,
                    reader=reader,
                    files=[
                        OriginalFileInput(
                            sha256=obj.digest,
                            size=obj.size,
                            original_name=file.path.name,
                            original_path=file.original_path,
                            store_key=obj.digest,
                            stored_in_place=False,
                            role="primary" if position == 0 else "member",
                        )
                        for position, (file, obj) in enumerate(zip(files, stored, strict=True))
                    ],
                    images=[],
                    ingested_by=user,
                )
            )
        except BaseException:
            for piece in pending:
                store.discard(piece)
            if txn is not None:
                txn.abort()
            raise
        txn.finish({**intent, "catalogued": {"fileset_id": record.id}})
    return record
