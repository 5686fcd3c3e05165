"""Merging a crate's study into the one a project already has, never overwriting a person's work.

What the project's study already says stays as it is; the crate fills what is empty and adds
what is new: authors (one person once, by ORCID, else by name), keywords, biosamples and
specimens (by identifier), study components (by name; a known component gains the crate's
image links). Importing the same crate twice therefore changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["merge_study"]


def _person_key(person: Mapping[str, Any]) -> str:
    return str(person.get("orcid") or person.get("name", "")).casefold()


def _add(
    base: list[Any], extra: list[Any], key: Callable[[Any], Any], combine: bool = False
) -> list[Any]:
    result = [dict(item) if isinstance(item, Mapping) else item for item in base]
    index = {key(item): position for position, item in enumerate(result)}
    for item in extra:
        found = index.get(key(item))
        if found is None:
            index[key(item)] = len(result)
            result.append(item)
        elif combine and isinstance(item, Mapping):
            current = result[found]
            ids = [*current.get("image_ids", []), *item.get("image_ids", [])]
            if ids:
                current["image_ids"] = list(dict.fromkeys(ids))
    return result


def merge_study(existing: Mapping[str, Any], crate: Mapping[str, Any]) -> dict[str, Any]:
    """``crate``'s study merged into ``existing`` (both as JSON documents)."""
    merged = dict(existing)
    for key, value in crate.items():
        if key not in merged or merged[key] in (None, "", []):
            merged[key] = value
        elif key == "authors":
            merged[key] = _add(merged[key], value, _person_key)
        elif key == "keywords":
            merged[key] = _add(merged[key], value, str.casefold)
        elif key in ("biosamples", "specimens"):
            merged[key] = _add(merged[key], value, lambda item: item.get("identifier"))
        elif key == "study_components":
            merged[key] = _add(merged[key], value, lambda item: item.get("name"), combine=True)
    return merged
