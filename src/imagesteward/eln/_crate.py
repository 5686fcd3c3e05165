"""The RO-Crate inside an ``.eln`` archive: its JSON-LD graph, read within bounds.

RO-Crate metadata is flattened JSON-LD: one ``@graph`` of entities, each with an ``@id``,
pointing at each other with ``{"@id": ...}``. The rules used here are those of RO-Crate 1.1 and
1.2: the metadata descriptor (``ro-crate-metadata.json``) names the root data entity in
``about`` and the specification in ``conformsTo``; data entities of type ``File`` whose ``@id``
is a relative URI are files of the crate, percent-encoded, relative to the crate root.

The document is hostile input like the zip around it: its size and nesting depth are checked
before ``json`` parses it (CPython's parser recurses per level, so a deep document would
otherwise exhaust the stack).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from imagesteward.eln._archive import METADATA_NAME, ArchiveLimits
from imagesteward.errors import CorruptFileError, UnsafeContentError

__all__ = ["Crate", "Entity", "check_metadata_size", "parse_crate", "references", "types_of"]

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_RO_CRATE = "https://w3id.org/ro/crate/"

Entity = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Crate:
    """An RO-Crate's graph.

    Attributes
    ----------
    entities
        Every entity by ``@id``, in document order.
    root_id
        ``@id`` of the root data entity (``./`` in practice).
    conforms_to
        The RO-Crate specification URI the descriptor names (``https://w3id.org/ro/crate/1.2``).
    duplicates
        ``@id`` values that appear more than once (only the first is used).
    anonymous
        Positions in ``@graph`` of items that are not entities with an ``@id``.
    """

    entities: dict[str, Entity]
    root_id: str
    conforms_to: str | None
    duplicates: tuple[str, ...] = ()
    anonymous: tuple[int, ...] = field(default=())

    @property
    def root(self) -> Entity:
        """The root data entity (the crate as a dataset)."""
        return self.entities[self.root_id]

    def get(self, ref: str) -> Entity | None:
        """The entity ``ref`` names, or ``None``."""
        return self.entities.get(ref)

    def linked(self, entity: Entity, key: str) -> Iterator[Entity]:
        """Entities ``entity[key]`` points at (those described in the graph)."""
        for ref in references(entity.get(key)):
            found = self.entities.get(ref)
            if found is not None:
                yield found

    def member_path(self, ref: str) -> str | None:
        """The archive path (relative to the crate root) of a File ``@id``.

        ``None`` when the ``@id`` is an absolute URI (a web resource) or escapes the crate.
        """
        if urlsplit(ref).scheme or ref.startswith(("/", "#")):
            return None
        path = unquote(ref)
        path = path.removeprefix("./")
        parts = path.split("/")
        if not path or any(part in ("..", ".") for part in parts):
            return None
        return path


def types_of(entity: Entity) -> tuple[str, ...]:
    """The entity's ``@type`` values (a string or a list in JSON-LD)."""
    value = entity.get("@type")
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def references(value: Any) -> Iterator[str]:
    """The ``@id`` values in a property: ``{"@id": x}``, a list of them, or plain strings.

    Plain strings are accepted because the ELN specification's own ``hasPart`` example uses them.
    """
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("@id"), str):
            yield item["@id"]
        elif isinstance(item, str):
            yield item


def _check_depth(source: Path, data: bytes, limit: int) -> None:
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b'""', data)):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                raise UnsafeContentError(
                    source,
                    f"{METADATA_NAME} nests arrays and objects deeper than the limit of {limit}",
                )


def check_metadata_size(source: Path, size: int, limits: ArchiveLimits) -> None:
    """Refuse a ``ro-crate-metadata.json`` of ``size`` bytes beyond the limit."""
    if size > limits.max_json_bytes:
        raise UnsafeContentError(
            source,
            f"{METADATA_NAME} is {size} bytes, more than the limit of {limits.max_json_bytes}",
        )


def parse_crate(source: Path, data: bytes, limits: ArchiveLimits) -> Crate:
    """The crate described by ``data`` (the bytes of ``ro-crate-metadata.json``).

    Raises
    ------
    UnsafeContentError
        When the document is larger or deeper than the limits allow.
    CorruptFileError
        When it is not JSON, not JSON-LD with an ``@graph``, or has no descriptor or root.
    """
    check_metadata_size(source, len(data), limits)
    _check_depth(source, data, limits.max_json_depth)
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CorruptFileError(source, f"{METADATA_NAME} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("@graph"), list):
        raise CorruptFileError(
            source, f"{METADATA_NAME} is not flattened JSON-LD: it has no '@graph' list"
        )
    if not any(ref.startswith(_RO_CRATE) for ref in _contexts(document.get("@context"))):
        raise CorruptFileError(
            source,
            f"{METADATA_NAME} does not use the RO-Crate context ({_RO_CRATE}1.1/context or "
            "later); it is not an RO-Crate",
        )
    entities: dict[str, Entity] = {}
    duplicates: list[str] = []
    anonymous: list[int] = []
    for position, item in enumerate(document["@graph"]):
        if not isinstance(item, dict) or not isinstance(item.get("@id"), str):
            anonymous.append(position)
        elif item["@id"] in entities:
            duplicates.append(item["@id"])
        else:
            entities[item["@id"]] = item
    descriptor = entities.get(METADATA_NAME) or entities.get(f"./{METADATA_NAME}")
    if descriptor is None:
        raise CorruptFileError(
            source,
            f"{METADATA_NAME} has no metadata descriptor (an entity '@id': '{METADATA_NAME}')",
        )
    root_id = next(references(descriptor.get("about")), None)
    if root_id is None or root_id not in entities:
        raise CorruptFileError(
            source, f"the descriptor in {METADATA_NAME} names no root data entity in 'about'"
        )
    conforms = next(
        (ref for ref in references(descriptor.get("conformsTo")) if ref.startswith(_RO_CRATE)),
        None,
    )
    return Crate(entities, root_id, conforms, tuple(duplicates), tuple(anonymous))


def _contexts(value: Any) -> Iterator[str]:
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            yield item
