"""Form descriptions generated from the LinkML schema: what a web form needs per field.

A form for a study or an image shows each field with its tier, what it means, whether it
takes an ontology term (and which ontology to autocomplete from) or a persistent identifier,
and whether it repeats. All of it is read from the generated classes, so a new slot in the
schema appears in the forms without a change here.
"""

from __future__ import annotations

import enum
import typing
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from imagesteward.describe._fields import is_multivalued, nested_class, ontology_of, slot_pattern
from imagesteward.model.tiers import slot_annotation, slot_tier

__all__ = ["FormField", "form_fields"]

#: Depth to which nested objects are unfolded (Study > specimens > labels > fluorophore).
_MAX_DEPTH = 3


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a form."""

    path: str
    tier: int
    description: str
    required: bool
    multivalued: bool
    ontology: str | None = None
    pid_scheme: str | None = None
    pattern: str | None = None
    kind: str = "text"  # text, number, integer, boolean, date, term, pid, object, choice
    choices: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "path": self.path,
            "tier": self.tier,
            "description": self.description,
            "required": self.required,
            "multivalued": self.multivalued,
            "ontology": self.ontology,
            "pid_scheme": self.pid_scheme,
            "pattern": self.pattern,
            "kind": self.kind,
            "choices": list(self.choices),
        }


def form_fields(root: type[BaseModel], prefix: str = "", depth: int = 0) -> list[FormField]:
    """Every field of ``root`` in schema order, nested objects unfolded (``a[*].b``)."""
    fields: list[FormField] = []
    for slot, info in root.model_fields.items():
        path = f"{prefix}.{slot}" if prefix else slot
        multivalued = is_multivalued(root, slot)
        ontology = ontology_of(root, slot)
        scheme = slot_annotation(root, slot, "pid_scheme")
        nested = None if ontology else nested_class(root, slot)
        pattern = slot_pattern(root, slot)
        fields.append(
            FormField(
                path=path,
                tier=slot_tier(root, slot),
                description=info.description or "",
                required=info.is_required(),
                multivalued=multivalued,
                ontology=ontology,
                pid_scheme=None if scheme is None else str(scheme),
                pattern=None if pattern is None else pattern.pattern,
                kind=_kind(info.annotation, ontology, scheme, nested),
                choices=_choices(info.annotation),
            )
        )
        if nested is not None and depth < _MAX_DEPTH:
            inner = f"{path}[*]" if multivalued else path
            fields.extend(form_fields(nested, inner, depth + 1))
    return fields


def _kind(annotation: Any, ontology: str | None, scheme: Any, nested: Any) -> str:
    if ontology:
        return "term"
    if scheme is not None:
        return "pid"
    if nested is not None:
        return "object"
    if _choices(annotation):
        return "choice"
    item = _item_type(annotation)
    kinds = {bool: "boolean", float: "number", int: "integer", datetime: "datetime", date: "date"}
    return kinds.get(item, "text") if isinstance(item, type) else "text"


def _item_type(annotation: Any) -> Any:
    """``float`` for ``float | None``, ``date`` for ``list[date] | None``..."""
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    while arguments:
        annotation = arguments[0]
        arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    return annotation


def _choices(annotation: Any) -> tuple[str, ...]:
    stack = [annotation]
    while stack:
        current = stack.pop()
        if isinstance(current, type) and issubclass(current, enum.Enum):
            return tuple(str(member.value) for member in current)
        stack.extend(typing.get_args(current))
    return ()
