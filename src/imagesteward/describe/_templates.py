"""Study templates: what a common kind of imaging study fixes, and what it asks the researcher.

A template (``templates/<name>.yaml``) holds a partial REMBI ``Study`` with the facts the study
type settles (the FBbi imaging method, the contrast mechanism) and the fields the researcher
must give for it (``asks``), beyond the schema's tiers where the study type needs more (a
time-lapse needs a growth protocol, MITI an antibody RRID per marker). ``steward describe
template NAME`` writes it as a YAML form with each field to fill left empty and commented with
its tier and a prompt; the filled form is what ``steward describe PROJECT FILE`` reads.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

import yaml
from pydantic import BaseModel

from imagesteward import model
from imagesteward.describe._fields import is_multivalued, nested_class, ontology_of, resolve_path
from imagesteward.errors import NotFoundError
from imagesteward.model.paths import PathError, get_at, parse_path
from imagesteward.model.tiers import slot_tier
from imagesteward.ontology import OntologyIndex

__all__ = ["Template", "get_template", "list_templates", "missing_asks", "prune", "template_form"]

_PACKAGE = "imagesteward.describe.templates"


@dataclass(frozen=True, slots=True)
class Ask:
    """A field the template asks for: its path in the Study (or Image) and a prompt."""

    path: str
    prompt: str


@dataclass(frozen=True, slots=True)
class Template:
    """One study template."""

    name: str
    title: str
    summary: str
    follows: tuple[str, ...]
    study: dict[str, Any]
    asks: tuple[Ask, ...]
    image_fields: tuple[Ask, ...] = ()


def _asks(items: Any) -> tuple[Ask, ...]:
    return tuple(Ask(str(item["path"]), str(item["prompt"])) for item in items or ())


@cache
def _load() -> dict[str, Template]:
    templates: dict[str, Template] = {}
    for entry in resources.files(_PACKAGE).iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8"))
        templates[data["name"]] = Template(
            name=data["name"],
            title=data["title"],
            summary=" ".join(str(data["summary"]).split()),
            follows=tuple(data.get("follows", ())),
            study=data.get("study") or {},
            asks=_asks(data.get("asks")),
            image_fields=_asks(data.get("image_fields")),
        )
    return dict(sorted(templates.items()))


def list_templates() -> list[Template]:
    """Every shipped template, by name."""
    return list(_load().values())


def get_template(name: str) -> Template:
    """The template called ``name``.

    Raises
    ------
    NotFoundError
        With the names of the templates there are.
    """
    found = _load().get(name)
    if found is None:
        raise NotFoundError(
            f"No study template {name!r} (templates: {', '.join(_load())}).", template=name
        )
    return found


def prune(value: Any) -> Any:
    """``value`` without empty fields: what is left of a form after the unfilled parts."""
    if isinstance(value, Mapping):
        kept = {key: prune(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        items = [prune(item) for item in value]
        return [item for item in items if item not in (None, "", [], {})]
    return value


def missing_asks(template: Template, study: Mapping[str, Any]) -> list[Ask]:
    """The fields ``template`` asks for that ``study`` (a Study as JSON) leaves empty."""
    missing = []
    for ask in template.asks:
        try:
            value = get_at(dict(study), parse_path(ask.path))
        except PathError:
            value = None
        if value in (None, "", [], {}):
            missing.append(ask)
    return missing


def template_form(template: Template, index: OntologyIndex) -> str:
    """The template as a YAML form: fixed facts filled in, asked fields empty and commented."""
    skeleton: dict[str, Any] = copy.deepcopy(template.study)
    comments: dict[str, str] = {}
    for ask in template.asks:
        owner, slot = resolve_path(model.Study, ask.path)
        comments[ask.path] = f"tier {slot_tier(owner, slot)}: {ask.prompt}"
        parts = parse_path(ask.path)
        if get_at(skeleton, parts) is None:
            _put(skeleton, parts, _empty(owner, slot))
    _label_terms(skeleton, model.Study, index)
    skeleton = _ordered(skeleton, model.Study)
    lines = [
        f"# {template.title} - imagesteward study template {template.name!r} "
        f"({', '.join(template.follows)})",
        *(f"# {line}" for line in _wrap(template.summary, 94)),
        "# Fill the empty fields (terms by identifier or exact name, e.g. 'Homo sapiens'),",
        "# delete what does not apply, then:",
        f"#   steward describe study PROJECT THIS_FILE --template {template.name}",
    ]
    if template.image_fields:
        lines.append("# Per image, also give (spreadsheet: steward describe export):")
        lines.extend(f"#   {ask.path}: {ask.prompt}" for ask in template.image_fields)
    lines.extend(_emit(skeleton, "", 0, comments))
    return "\n".join(lines) + "\n"


def _put(document: dict[str, Any], parts: tuple[str | int, ...], value: Any) -> None:
    """Set a path, creating the objects and list items on the way (a form starts empty)."""
    node: Any = document
    for step, following in pairwise(parts):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(step, int):
            while len(node) <= step:
                node.append({})
            if node[step] is None:
                node[step] = empty
            node = node[step]
        else:
            if node.get(step) is None:
                node[step] = empty
            node = node[step]
    last = parts[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def _empty(owner: type[BaseModel], slot: str) -> Any:
    """An empty value of the slot's shape: a list of one empty object, an empty term..."""
    nested = nested_class(owner, slot)
    if nested is None or ontology_of(owner, slot):
        value: Any = None
    else:
        value = {
            name: None
            for name in nested.model_fields
            if slot_tier(nested, name) <= 2
            and (nested_class(nested, name) is None or ontology_of(nested, name))
        }
    return [value] if is_multivalued(owner, slot) and value is not None else value


def _ordered(node: Any, owner: type[BaseModel]) -> Any:
    """``node`` with its fields in schema order (forms read top-down like the schema)."""
    if isinstance(node, list):
        return [_ordered(item, owner) for item in node]
    if not isinstance(node, dict):
        return node
    order = list(owner.model_fields)
    result = {}
    for key in sorted(node, key=lambda k: order.index(k) if k in order else len(order)):
        nested = nested_class(owner, key) if key in owner.model_fields else None
        value = node[key]
        result[key] = (
            value if nested is None or ontology_of(owner, key) else _ordered(value, nested)
        )
    return result


def _label_terms(node: Any, owner: type[BaseModel], index: OntologyIndex) -> None:
    """Add the ontology's label next to each term identifier a template fixes."""
    if not isinstance(node, dict):
        return
    for slot, value in node.items():
        if slot not in owner.model_fields:
            continue
        if ontology_of(owner, slot) and isinstance(value, dict) and value.get("term_id"):
            value.setdefault("label", index.get(value["term_id"]).label)
            continue
        nested = nested_class(owner, slot)
        if nested is not None:
            for item in value if isinstance(value, list) else [value]:
                _label_terms(item, nested, index)


def _emit(node: Any, path: str, depth: int, comments: Mapping[str, str]) -> list[str]:
    pad = "  " * depth
    lines: list[str] = []
    for key, value in node.items():
        here = f"{path}.{key}" if path else key
        note = f"  # {comments[here]}" if here in comments else ""
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{key}:{note}")
            lines.extend(_emit(value, here, depth + 1, comments))
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{key}:{note}")
            for position, item in enumerate(value):
                item_path = f"{here}[{position}]"
                if isinstance(item, dict) and item:
                    body = _emit(item, item_path, depth + 2, comments)
                    lines.append(f"{pad}  - {body[0].lstrip()}")
                    lines.extend(body[1:])
                else:
                    lines.append(f"{pad}  - {_scalar(item)}")
        else:
            text = _scalar(value)
            lines.append(f"{pad}{key}:{' ' + text if text else ''}{note}")
    return lines


def _scalar(value: Any) -> str:
    if value in (None, {}, []):
        return ""
    dumped: str = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True)
    return dumped.strip().removesuffix("...").strip()


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines
