"""Cleaning up after ingest processes that were killed.

Only the catalog knows whether an interrupted ingest committed, so recovery asks it, through
``is_referenced``, which of a journal's digests it references:

* objects the interrupted transaction created and the catalog does not reference are deleted
  (they would otherwise sit in the store, owned by nothing);
* if the catalog references objects the transaction created, it committed just before the kill:
  the journal becomes a ledger entry with ``recovered: true`` and ``catalog_commit:
  "confirmed"`` (``record`` is null because ``finish`` never ran; the intent says what was
  being ingested);
* if the transaction created nothing (all its content was already stored) and the catalog
  references all of it, whether the catalog committed *this* ingest cannot be told: the entry is
  kept, marked ``catalog_commit: "unconfirmed"``, because a ledger that may hold one ingest too
  many can be checked against the catalog, while a missing entry could never be rebuilt;
* otherwise the journal is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from imagesteward.store._durable import freeze_dir
from imagesteward.store._journal import Journal, ledger_path
from imagesteward.store._layout import StoreLayout
from imagesteward.store._objects import RecoveryReport
from imagesteward.store._staging import clean_staging

__all__ = ["recover"]


def recover(
    layout: StoreLayout, is_referenced: Callable[[set[str]], set[str]], *, fsync: bool
) -> RecoveryReport:
    """Undo or seal every pending journal and empty the staging area of dead processes."""
    staging_removed = clean_staging(layout)
    committed = unconfirmed = rolled_back = objects_removed = in_place_removed = 0
    for path in sorted(layout.pending.glob("*.jsonl")):
        journal = Journal.load(path)
        if ledger_path(layout.ledger, journal.txid).exists():
            # Killed between writing the ledger entry and deleting the journal.
            journal.remove(fsync=fsync)
            committed += 1
            continue
        digests = {str(entry["digest"]) for entry in journal.entries}
        referenced = set(is_referenced(set(digests))) & digests if digests else set()
        created = {str(e["digest"]): e for e in journal.entries if e.get("new")}
        removed: list[str] = []
        for digest, entry in reversed(created.items()):
            if digest in referenced:
                if not entry.get("in_place") and layout.has_object(digest):
                    # The kill may have come between the rename and freezing the object root.
                    freeze_dir(layout.object_dir(digest))
                continue
            if entry.get("in_place"):
                in_place_removed += layout.remove_in_place(digest, fsync=fsync)
            else:
                objects_removed += layout.unpublish(digest, fsync=fsync)
            removed.append(digest)
        confirmed = bool(referenced & created.keys())
        if confirmed or (digests and referenced == digests):
            journal.to_ledger(
                layout.ledger,
                record=None,
                tmp_dir=layout.staging,
                fsync=fsync,
                recovered="confirmed" if confirmed else "unconfirmed",
                removed=removed,
            )
            committed += 1
            unconfirmed += not confirmed
        else:
            journal.remove(fsync=fsync)
            rolled_back += 1
    return RecoveryReport(
        staging_removed=staging_removed,
        journals_committed=committed,
        journals_unconfirmed=unconfirmed,
        journals_rolled_back=rolled_back,
        objects_removed=objects_removed,
        in_place_removed=in_place_removed,
    )
