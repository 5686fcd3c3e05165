"""Instruments of a crate: the microscope of the images they are linked to.

A study has no instrument slot: the catalog learns instruments from image documents
(``acquisition.microscope``), creating one instrument record per manufacturer, model and serial
number. An instrument entity of a crate (ELN genre *instrument*, schema.org ``IndividualProduct``)
therefore goes to the images linked to it - the files it contains (``hasPart``), or those of an
entity whose ``instrument`` property names it - and only where the image file itself did not
identify its microscope: what the instrument wrote into the file wins over what a notebook says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from imagesteward.eln._crate import Crate, Entity, references, types_of
from imagesteward.errors import InvalidPidError
from imagesteward.model import pids

__all__ = [
    "LinkedInstrument",
    "linked_instruments",
    "microscope_annotations",
    "microscope_document",
]

#: Microscope slots that identify an instrument (the catalog's identity key).
IDENTITY = ("manufacturer", "model", "serial_number")


@dataclass(slots=True)
class LinkedInstrument:
    """An instrument entity, its ``Microscope`` fields and the archive files linked to it."""

    entity_id: str
    types: tuple[str, ...]
    microscope: dict[str, Any]
    files: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def microscope_document(crate: Crate, entity: Entity) -> tuple[dict[str, Any], list[str]]:
    """The ``Microscope`` fields an instrument entity states, and notes on what was dropped."""
    document: dict[str, Any] = {}
    notes: list[str] = []
    if name := _text(entity.get("name")):
        document["instrument_name"] = name
    maker = entity.get("manufacturer")
    linked = crate.get(next(references(maker), "")) if isinstance(maker, dict) else None
    if maker_name := _text(linked.get("name")) if linked is not None else _text(maker):
        document["manufacturer"] = maker_name
    if model := _text(entity.get("model")):
        document["model"] = model
    if serial := _text(entity.get("serialNumber")):
        document["serial_number"] = serial
    for candidate in [entity["@id"], *references(entity.get("identifier"))]:
        scheme = "RRID" if candidate.upper().startswith("RRID:") else "PIDINST"
        if scheme == "PIDINST" and not any(
            marker in candidate for marker in ("hdl.handle.net", "doi.org", "10.", "21.")
        ):
            continue
        slot = scheme.lower()
        try:
            document.setdefault(slot, pids.normalize(candidate, scheme).canonical)
        except InvalidPidError as exc:
            notes.append(f"{scheme} {candidate!r} dropped: {exc.problem}")
    return document, notes


def linked_instruments(
    crate: Crate, instruments: Sequence[Entity], files_under: Callable[[Entity], set[str]]
) -> list[LinkedInstrument]:
    """The ``instruments`` entities with the archive files linked to each.

    ``files_under`` maps an entity to the archive paths it contains (``hasPart``, followed
    down).
    """
    found: dict[str, LinkedInstrument] = {}
    for entity in instruments:
        document, notes = microscope_document(crate, entity)
        found[entity["@id"]] = LinkedInstrument(
            entity["@id"], types_of(entity), document, set(files_under(entity)), notes
        )
    for entity in crate.entities.values():
        for ref in references(entity.get("instrument")):
            if ref in found:
                files = set(files_under(entity))
                path = crate.member_path(entity["@id"])
                if "File" in types_of(entity) and path is not None:
                    files.add(path)
                found[ref].files |= files
    return list(found.values())


def microscope_annotations(
    instrument: LinkedInstrument, current: Mapping[str, Any] | None
) -> tuple[dict[str, Any], str | None]:
    """The ``acquisition.microscope`` fields to set on one image, or why none are set.

    ``current`` is the image's microscope as catalogued (JSON), ``None`` when it has none.
    """
    current = current or {}
    if any(current.get(slot) for slot in IDENTITY):
        named = ", ".join(str(current[slot]) for slot in IDENTITY if current.get(slot))
        return {}, f"the image file already names its microscope ({named}); kept as captured"
    values = {
        f"acquisition.microscope.{slot}": value
        for slot, value in instrument.microscope.items()
        if current.get(slot) in (None, "")
    }
    return values, None if values else "the image already holds every field it states"
