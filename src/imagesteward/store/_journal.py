"""Pending journals and the append-only ledger.

A transaction's journal is JSON Lines: a header naming the transaction and its intent, then one
line per object, each appended and fsynced *before* the object is renamed into the store. A
torn last line therefore never names an object that landed. When the catalog has committed,
the journal is replaced by a ledger entry ``ledger/YYYY/MM/<txid>.json``; the ledger together
with the objects is enough to rebuild the catalog.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePath
from typing import Any

from imagesteward.errors import StoreError
from imagesteward.store._durable import fsync_dir, write_atomic

__all__ = ["LEDGER_FORMAT", "Journal", "iter_ledger", "ledger_path", "to_json", "utc_now"]

LEDGER_FORMAT = "imagesteward-ledger/1"


def utc_now() -> str:
    """The current time as an RFC 3339 UTC timestamp."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _default(value: object) -> object:
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(value: Any, what: str, *, indent: int | None = None) -> bytes:
    """Serialise ``value`` with sorted keys; paths and datetimes become strings."""
    try:
        text = json.dumps(
            value, sort_keys=True, ensure_ascii=False, default=_default, indent=indent
        )
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"The {what} cannot be written to the store journal: {exc}. Pass plain JSON "
            "values (str, int, float, bool, None, lists, dicts, paths, datetimes)."
        ) from exc
    return text.encode("utf-8")


def ledger_path(ledger_dir: Path, txid: str) -> Path:
    """Where the ledger entry of transaction ``txid`` lives (year and month of its start)."""
    return ledger_dir / txid[0:4] / txid[4:6] / f"{txid}.json"


def iter_ledger(ledger_dir: Path) -> Iterator[dict[str, Any]]:
    """Every ledger entry in transaction order (transaction ids sort by start time)."""
    for path in sorted(ledger_dir.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(entry, dict):
            yield entry


@dataclass
class Journal:
    """The pending journal of one transaction."""

    path: Path
    txid: str
    started: str
    intent: dict[str, Any]
    entries: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def create(cls, pending_dir: Path, intent: Mapping[str, Any], *, fsync: bool) -> Journal:
        """Start a journal; it is durable when this returns."""
        now = datetime.now(UTC)
        txid = f"{now:%Y%m%dT%H%M%S.%fZ}-{uuid.uuid4().hex[:12]}"
        started = now.isoformat(timespec="microseconds").replace("+00:00", "Z")
        header = {"intent": dict(intent), "started": started, "txid": txid, "type": "begin"}
        line = to_json(header, "transaction intent") + b"\n"
        path = pending_dir / f"{txid}.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        if fsync:
            fsync_dir(pending_dir)
        return cls(path, txid, started, json.loads(line)["intent"])

    @classmethod
    def load(cls, path: Path) -> Journal:
        """Read a journal left behind; a torn last line (the process died writing it) is dropped."""
        lines = path.read_bytes().split(b"\n")
        records: list[dict[str, Any]] = []
        for raw in lines:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        if not records or records[0].get("type") != "begin":
            # The header is fsynced before anything else happens, so this journal recorded no
            # object; an empty journal is all it can be.
            return cls(path, path.stem, "", {})
        head = records[0]
        entries = [r for r in records[1:] if r.get("type") == "object"]
        return cls(path, str(head["txid"]), str(head["started"]), dict(head["intent"]), entries)

    def append(self, entry: Mapping[str, Any], *, fsync: bool) -> None:
        """Record an object; durable when this returns."""
        record = {**entry, "type": "object"}
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, to_json(record, "object entry") + b"\n")
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        self.entries.append(dict(entry))

    def to_ledger(
        self,
        ledger_dir: Path,
        *,
        record: Mapping[str, Any] | None,
        tmp_dir: Path,
        fsync: bool,
        recovered: str | None = None,
        removed: list[str] | None = None,
    ) -> Path:
        """Write this transaction's ledger entry, then drop the journal.

        ``recovered`` is ``None`` for a transaction sealed by ``finish``; for one sealed by
        recovery, ``"confirmed"`` when the catalog references objects it created (so the catalog
        did commit) or ``"unconfirmed"`` when it created nothing and its objects were already
        referenced by earlier ingests, so the catalog commit cannot be told apart.
        """
        target = ledger_path(ledger_dir, self.txid)
        entry: dict[str, Any] = {
            "finished": utc_now(),
            "format": LEDGER_FORMAT,
            "intent": self.intent,
            "objects": self.entries,
            "record": None if record is None else dict(record),
            "recovered": recovered is not None,
            "started": self.started,
            "txid": self.txid,
        }
        if recovered is not None:
            entry["catalog_commit"] = recovered
        if removed:
            entry["removed"] = sorted(removed)
        data = to_json(entry, "ledger record", indent=2) + b"\n"
        for directory in (target.parent.parent, target.parent):
            if not directory.is_dir():
                directory.mkdir()
                if fsync:
                    fsync_dir(directory.parent)
        write_atomic(target, data, tmp_dir=tmp_dir, fsync=fsync, mode=0o444)
        self.remove(fsync=fsync)
        return target

    def remove(self, *, fsync: bool) -> None:
        """Delete the journal file."""
        self.path.unlink(missing_ok=True)
        if fsync:
            fsync_dir(self.path.parent)
