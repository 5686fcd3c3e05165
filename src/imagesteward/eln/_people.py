"""People and organisations of a crate as the model's ``Person`` and ``Organization``.

ORCID iDs and RORs are found where exporters put them - the entity's ``@id`` (RO-Crate's
recommendation), ``identifier`` (a string, a ``{"@id"}`` or a ``PropertyValue``) - and kept only
when they pass their checksum; a broken one is dropped with a note rather than stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from imagesteward.eln._crate import Crate, Entity, references, types_of
from imagesteward.errors import InvalidPidError
from imagesteward.model import pids

__all__ = ["organization_document", "person_document"]

# The schema's e-mail pattern (slot ``email``).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _identifiers(crate: Crate, entity: Entity) -> Iterator[str]:
    yield str(entity["@id"])
    value = entity.get("identifier")
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            if isinstance(item.get("value"), str):
                yield item["value"]
            for ref in references(item):
                yield ref
                linked = crate.get(ref)
                if linked is not None and isinstance(linked.get("value"), str):
                    yield linked["value"]


def _pid(crate: Crate, entity: Entity, scheme: str, marker: str, notes: list[str]) -> str | None:
    for candidate in _identifiers(crate, entity):
        if marker not in candidate.casefold():
            continue
        try:
            return pids.normalize(candidate, scheme).canonical
        except InvalidPidError as exc:
            notes.append(f"{scheme} {candidate!r} dropped: {exc.problem}")
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, list):
        texts = [v.strip() for v in value if isinstance(v, str) and v.strip()]
        return " ".join(texts) or None
    return None


def organization_document(crate: Crate, entity: Entity) -> tuple[dict[str, Any], list[str]]:
    """The ``Organization`` for an entity, and notes on what was dropped."""
    notes: list[str] = []
    document: dict[str, Any] = {}
    name = _text(entity.get("name"))
    if name:
        document["name"] = name
    ror = _pid(crate, entity, "ROR", "ror.org", notes)
    if ror:
        document["ror"] = ror
    url = _text(entity.get("url"))
    if url and url.startswith(("https://", "http://")):
        document["url"] = url
    return document, notes


def person_document(
    crate: Crate, entity: Entity
) -> tuple[dict[str, Any] | None, list[str], Entity | None]:
    """The ``Person`` for an entity, notes on what was dropped, and its affiliation entity.

    The document is ``None`` when the entity has neither a name nor an e-mail address.
    """
    notes: list[str] = []
    email = _text(entity.get("email"))
    if email:
        email = email.removeprefix("mailto:")
        if not _EMAIL.match(email):
            notes.append(f"e-mail {email!r} dropped: not an e-mail address")
            email = None
    name = _text(entity.get("name")) or " ".join(
        part for part in (_text(entity.get("givenName")), _text(entity.get("familyName"))) if part
    )
    if not name and email:
        name = email
        notes.append("no name in the crate: named by the e-mail address")
    if not name:
        return None, notes, None
    document: dict[str, Any] = {"name": name}
    orcid = _pid(crate, entity, "ORCID", "orcid", notes)
    if orcid is None:
        orcid = _bare_orcid(crate, entity, notes)
    if orcid:
        document["orcid"] = orcid
    if email:
        document["email"] = email
    affiliation = None
    for key in ("affiliation", "worksFor"):
        for linked in crate.linked(entity, key):
            if "Organization" in types_of(linked):
                affiliation = linked
                break
        if affiliation is not None:
            break
    if affiliation is not None:
        org, org_notes = organization_document(crate, affiliation)
        if org:
            document["affiliation"] = org
        notes.extend(f"affiliation: {note}" for note in org_notes)
    return document, notes, affiliation


_BARE_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def _bare_orcid(crate: Crate, entity: Entity, notes: list[str]) -> str | None:
    """An ORCID given without its host (``0000-0002-1825-0097``) in ``identifier``."""
    for candidate in list(_identifiers(crate, entity))[1:]:
        if _BARE_ORCID.match(candidate.strip()):
            try:
                return pids.normalize(candidate.strip(), "ORCID").canonical
            except InvalidPidError as exc:
                notes.append(f"ORCID {candidate!r} dropped: {exc.problem}")
    return None
