"""What the schema says about a slot, read from the generated classes.

The LinkML schema is the model: tiers, ontology bindings, patterns and nested classes are all
recorded in the generated pydantic classes, so templates, completeness and the spreadsheet
read them from there instead of keeping lists of their own.
"""

from __future__ import annotations

import re
import types
import typing
from functools import cache
from typing import Any

from pydantic import BaseModel

from imagesteward.model.tiers import slot_annotation, slot_tier
from imagesteward.schema import json_schema

__all__ = [
    "is_multivalued",
    "nested_class",
    "ontology_of",
    "resolve_path",
    "slot_pattern",
    "slot_tier",
    "term_pattern",
]


def _unwrapped(model: type[BaseModel], slot: str) -> tuple[Any, bool]:
    """The slot's item type and whether it holds a list."""
    annotation = model.model_fields[slot].annotation
    multivalued = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = arguments[0]
        elif origin is list:
            multivalued = True
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation, multivalued


def nested_class(model: type[BaseModel], slot: str) -> type[BaseModel] | None:
    """The class of an inlined object slot (``Objective`` for ``objective``), else ``None``."""
    item, _ = _unwrapped(model, slot)
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


def is_multivalued(model: type[BaseModel], slot: str) -> bool:
    """Whether the slot holds a list."""
    return _unwrapped(model, slot)[1]


def ontology_of(model: type[BaseModel], slot: str) -> str | None:
    """The ontology a slot is bound to (``"NCBITaxon"``, ``"CHEBI|FPbase"``), if any."""
    value = slot_annotation(model, slot, "ontology")
    return None if value is None else str(value)


def term_pattern(term_class: type[BaseModel]) -> re.Pattern[str] | None:
    """The CURIE pattern an ontology-term class imposes on ``term_id`` (``^NCBITaxon:[0-9]+$``)."""
    return slot_pattern(term_class, "term_id")


@cache
def slot_pattern(model: type[BaseModel], slot: str) -> re.Pattern[str] | None:
    """The regular expression a string slot must match (``rrid``, ``orcid``...), if any."""
    schema = json_schema()["$defs"].get(model.__name__, {}).get("properties", {}).get(slot, {})
    pattern = schema.get("pattern") or schema.get("items", {}).get("pattern")
    return re.compile(pattern) if pattern else None


def resolve_path(model: type[BaseModel], path: str) -> tuple[type[BaseModel], str]:
    """The class that holds the last slot of a dotted path, and that slot.

    ``resolve_path(Image, "acquisition.objective.lens_na")`` is ``(Objective, "lens_na")``.
    List indices (``channels[0]``) and the ``[*]`` wildcard are ignored.

    Raises
    ------
    KeyError
        When a step is not a slot of the class it is applied to.
    """
    current = model
    steps = re.sub(r"\[[0-9*]+\]", "", path).split(".")
    for step in steps[:-1]:
        if step not in current.model_fields:
            raise KeyError(f"{step!r} is not a slot of {current.__name__} (in {path!r})")
        nested = nested_class(current, step)
        if nested is None:
            raise KeyError(f"{current.__name__}.{step} holds no fields (in {path!r})")
        current = nested
    if steps[-1] not in current.model_fields:
        raise KeyError(f"{steps[-1]!r} is not a slot of {current.__name__} (in {path!r})")
    return current, steps[-1]
