"""What an ``.eln`` import did with each entity and file: the records the report is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["AttachedFile", "MappedEntity", "UnmappedEntity"]


@dataclass(frozen=True, slots=True)
class MappedEntity:
    """A crate entity that found a place in the model.

    Attributes
    ----------
    entity_id
        The entity's ``@id``.
    types
        Its ``@type`` values.
    target
        Where it went: ``study``, ``study.authors[0]``, ``study.biosamples[1]``,
        ``study.study_components[0]``, ``file`` (attached or ingested), ``crate`` (the
        metadata descriptor), ``exported by`` (the application that wrote the crate).
    notes
        Properties that could not be carried over, each with the reason.
    """

    entity_id: str
    types: tuple[str, ...]
    target: str
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "id": self.entity_id,
            "types": list(self.types),
            "target": self.target,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class UnmappedEntity:
    """A crate entity the model has no place for, and why."""

    entity_id: str
    types: tuple[str, ...]
    reason: str

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {"id": self.entity_id, "types": list(self.types), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class AttachedFile:
    """One file of the crate and what became of it.

    Attributes
    ----------
    path
        Path relative to the crate root.
    sha256, size
        Its content, as read from the archive.
    status
        ``image`` (ingested: a reader recognised it), ``attached`` (kept as an original of the
        crate's attachment file set), ``already catalogued`` (same content already in the
        catalog) or ``would import`` (dry run).
    entity_id
        The File entity describing it, ``None`` when the crate does not describe it.
    media_type
        The ``encodingFormat`` the crate declares.
    image_uuids
        Catalog UUIDs of the images read from it.
    message
        Why a file was not ingested as an image (the reader's verdict), or where it already is.
    notes
        Where the file differs from what the crate declares (``sha256``, ``contentSize``).
    """

    path: str
    sha256: str
    size: int
    status: str
    entity_id: str | None = None
    media_type: str | None = None
    image_uuids: tuple[str, ...] = field(default=())
    message: str = ""
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "status": self.status,
            "entity_id": self.entity_id,
            "media_type": self.media_type,
            "image_uuids": list(self.image_uuids),
            "message": self.message,
            "notes": list(self.notes),
        }
