"""The LinkML schema (the source of truth) and the artefacts generated from it.

The generated pydantic classes live in :mod:`imagesteward.model`; this package ships the schema
itself, its JSON Schema and its JSON-LD context as package data.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = [
    "CONTEXT_RESOURCE",
    "JSON_SCHEMA_RESOURCE",
    "SCHEMA_RESOURCE",
    "json_schema",
    "jsonld_context",
]

SCHEMA_RESOURCE = files(__package__).joinpath("imagesteward.yaml")
JSON_SCHEMA_RESOURCE = files(__package__).joinpath("generated", "imagesteward.schema.json")
CONTEXT_RESOURCE = files(__package__).joinpath("generated", "imagesteward.context.jsonld")


@cache
def json_schema() -> dict[str, Any]:
    """The JSON Schema generated from the LinkML schema (root: MetadataCollection)."""
    result: dict[str, Any] = json.loads(JSON_SCHEMA_RESOURCE.read_text(encoding="utf-8"))
    return result


@cache
def jsonld_context() -> dict[str, Any]:
    """The JSON-LD context generated from the LinkML schema."""
    result: dict[str, Any] = json.loads(CONTEXT_RESOURCE.read_text(encoding="utf-8"))
    return result
