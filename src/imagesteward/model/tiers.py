"""Tier and binding annotations of the schema's slots, read from the generated classes.

Tiers follow NBO-Q: 1 minimal, 2 recommended, 3 full. The completeness score (issue "Describe and
find") and the per-field hints in forms are built on these functions.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel

__all__ = ["slot_annotation", "slot_tier", "tiered_slots"]


def _linkml_meta(model: type[BaseModel], slot: str) -> dict[str, Any]:
    field = model.model_fields[slot]
    extra = field.json_schema_extra
    if not isinstance(extra, dict):
        return {}
    meta = extra.get("linkml_meta", {})
    return meta if isinstance(meta, dict) else {}


def slot_annotation(model: type[BaseModel], slot: str, tag: str) -> Any:
    """Value of annotation ``tag`` (``tier``, ``ontology``, ``pid_scheme``) on ``model.slot``."""
    annotations = _linkml_meta(model, slot).get("annotations", {})
    entry = annotations.get(tag)
    if isinstance(entry, dict):
        return entry.get("value")
    return entry


def slot_tier(model: type[BaseModel], slot: str) -> int:
    """The tier (1, 2 or 3) of ``model.slot``."""
    tier = slot_annotation(model, slot, "tier")
    if tier is None:
        raise KeyError(f"{model.__name__}.{slot} has no tier annotation")
    return int(tier)


@cache
def tiered_slots(model: type[BaseModel]) -> dict[str, int]:
    """Every slot of ``model`` with its tier."""
    return {name: slot_tier(model, name) for name in model.model_fields}
