"""Metadata forms as trees: the schema's fields (``describe.form_fields``) with their values.

The describe capability lists a study's or an image's fields in schema order with a path
pattern each (``biosamples[*].organism``). A page needs them nested - a fieldset per object,
one per item of a repeated object, a template for a new item - and filled with what the
catalog holds. :func:`study_form` and :func:`image_form` build that tree; the template
``_describe_form.html`` renders it and ``static/js/describe.js`` reads it back into a
document by the same slot names.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from imagesteward import model
from imagesteward.describe import FormField, form_fields

__all__ = ["FormNode", "anchor_of", "image_form", "study_form"]

#: Study fields left to the YAML document: image lists need image UUIDs, and correlations and
#: analyses are rare enough that a generated form would only be noise.
_STUDY_LEFT_OUT = ("image_correlations", "analysed_data")
#: Image fields a person describes; the rest is what the reader captured from the file.
_IMAGE_ROOTS = ("description", "biosample_ref", "specimen_ref", "acquisition", "channels")


@dataclass
class FormNode:
    """One field or object of a form; ``children`` for objects, ``items`` for repeated ones."""

    field: FormField
    slot: str
    children: list[FormNode] = dataclasses.field(default_factory=list)

    @property
    def pattern(self) -> str:
        """The schema path with ``[*]`` for repeated positions (``biosamples[*].organism``)."""
        return self.field.path

    @property
    def anchor(self) -> str:
        """The HTML id of the field's first occurrence (links from completeness lists)."""
        return anchor_of(self.field.path)

    @property
    def is_object(self) -> bool:
        """Whether the node groups fields."""
        return self.field.kind == "object"

    @property
    def repeated_object(self) -> bool:
        """Whether the node is a list of objects (authors, biosamples...)."""
        return self.is_object and self.field.multivalued


def anchor_of(path: str) -> str:
    """``field-biosamples.organism`` for ``biosamples[*].organism`` (or ``[0]``)."""
    plain = []
    for part in path.split("."):
        plain.append(part.split("[", 1)[0])
    return "field-" + ".".join(plain)


def _tree(fields: list[FormField], keep: Any) -> list[FormNode]:
    nodes: dict[str, FormNode] = {}
    roots: list[FormNode] = []
    for item in fields:
        if not keep(item):
            continue
        parent_path, _, slot = item.path.rpartition(".")
        node = FormNode(item, slot)
        nodes[item.path] = node
        parent = nodes.get(parent_path.removesuffix("[*]")) if parent_path else None
        if parent_path and parent is None:
            continue  # the parent was left out, so is the child
        (parent.children if parent else roots).append(node)
    return [node for node in roots if not node.is_object or node.children]


def study_form() -> list[FormNode]:
    """The study form: study, authors, facility, components, biosamples, specimens."""

    def keep(item: FormField) -> bool:
        root = item.path.split(".", 1)[0].split("[", 1)[0]
        return root not in _STUDY_LEFT_OUT and not item.path.endswith("image_ids")

    return _tree(form_fields(model.Study), keep)


def image_form() -> list[FormNode]:
    """The image form: description, references to the study, acquisition, channels.

    Hardware inventories (a microscope's objectives, light sources...) and per-channel
    hardware objects are what readers capture; they stay in the metadata view.
    """

    def keep(item: FormField) -> bool:
        path = item.path
        root = path.split(".", 1)[0].split("[", 1)[0]
        if root not in _IMAGE_ROOTS:
            return False
        if root == "acquisition":
            return "[*]" not in path and not path.startswith(
                ("acquisition.stage_position", "acquisition.microscope.stage")
            )
        if root == "channels":
            return path == "channels" or (path.count(".") == 1 and item.kind != "object")
        return True

    return _tree(form_fields(model.Image), keep)
