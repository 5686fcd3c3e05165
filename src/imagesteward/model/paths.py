"""Field paths into JSON documents: ``acquisition.objective.lens_na``, ``channels[1].fluorophore``.

A path names a slot of the LinkML document, dotted through inlined objects, with ``[i]`` for the
i-th item of a list (0-based, in document order). Annotations address fields this way, the
change log records them this way, and the spreadsheet's column names are such paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["PathError", "changed_leaves", "format_path", "get_at", "leaves", "parse_path", "set_at"]

type Part = str | int

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[0-9]+\])*)")


class PathError(ValueError):
    """A malformed path, or one that does not fit the document's shape."""


def parse_path(path: str) -> tuple[Part, ...]:
    """Split ``a.b[2].c`` into ``("a", "b", 2, "c")``."""
    parts: list[Part] = []
    for step in path.split("."):
        match = _STEP.fullmatch(step)
        if match is None:
            raise PathError(
                f"{path!r} is not a field path: use slot names separated by dots, with [i] for "
                "the i-th item of a list (e.g. channels[0].fluorophore)."
            )
        parts.append(match.group(1))
        parts.extend(int(index) for index in re.findall(r"\[([0-9]+)\]", match.group(2)))
    return tuple(parts)


def format_path(parts: tuple[Part, ...] | list[Part]) -> str:
    """The inverse of :func:`parse_path`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def get_at(document: Any, parts: tuple[Part, ...]) -> Any:
    """The value at ``parts``, or ``None`` where the document has nothing."""
    value = document
    for part in parts:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return None
        elif not isinstance(value, Mapping):
            return None
        value = value[part] if isinstance(part, int) else value.get(part)
    return value


def set_at(document: dict[str, Any], parts: tuple[Part, ...], value: Any) -> None:
    """Set (``None``: remove) the value at ``parts``, creating missing objects on the way.

    List items are never created: a path cannot invent a channel the file did not have.
    """
    container: Any = document
    for position, part in enumerate(parts[:-1]):
        following = parts[position + 1]
        if isinstance(part, int):
            if not isinstance(container, list) or part >= len(container):
                where = format_path(parts[:position])
                size = len(container) if isinstance(container, list) else 0
                raise PathError(f"{where} has {size} item(s); there is no item {part}.")
            container = container[part]
            continue
        nested = container.get(part)
        if nested is None:
            if isinstance(following, int):
                where = format_path(parts[: position + 1])
                raise PathError(f"{where} is empty; there is no item {following}.")
            nested = container[part] = {}
        elif not isinstance(nested, dict | list):
            where = format_path(parts[: position + 1])
            raise PathError(f"{where} holds a value, not fields.")
        container = nested
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(container, list) or last >= len(container):
            raise PathError(f"{format_path(parts)} does not exist.")
        container[last] = value
    elif value is None:
        container.pop(last, None)
    else:
        container[last] = value


def leaves(value: Any, prefix: tuple[Part, ...] = ()) -> dict[str, Any]:
    """Every scalar inside ``value`` keyed by its path (empty objects and lists have none)."""
    found: dict[str, Any] = {}
    if isinstance(value, Mapping):
        for key, item in value.items():
            found.update(leaves(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(leaves(item, (*prefix, index)))
    elif value is not None:
        found[format_path(prefix)] = value
    return found


def changed_leaves(old: Any, new: Any, prefix: tuple[Part, ...] = ()) -> list[tuple[str, Any, Any]]:
    """``(path, old, new)`` for every leaf that differs between two values, in path order."""
    before, after = leaves(old, prefix), leaves(new, prefix)
    return [
        (path, before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]
