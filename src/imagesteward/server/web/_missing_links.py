"""Where each missing field of a completeness panel is filled: which form, which field in it.

A study's fields are filled in the study form, an image's in that image's form. A dataset's
panel merges the gaps of its images, so each of its gaps links to the form of an image that
actually misses the field (and names the others that do), not to any image; a gap only the
study can close - images must point at a biosample or specimen the study does not describe
yet - links to the study form. Fields a form does not show (hardware the reader captured,
the image lists of study components) link to the nearest enclosing field that it does show,
so that no link leads nowhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from imagesteward.server.web._form_tree import FormNode, anchor_of, image_form, study_form

if TYPE_CHECKING:
    from imagesteward import model
    from imagesteward.catalog import ImageRecord
    from imagesteward.describe import Completeness, MissingField

__all__ = ["IMAGES_NAMED", "dataset_missing", "panel_missing"]

#: Images named per missing field of a dataset (the count says how many miss it in all).
IMAGES_NAMED = 5
# Image references whose targets live in the study: without them, the study comes first.
_STUDY_HELD = {"biosample_ref": "biosamples", "specimen_ref": "specimens"}
_POSITION = re.compile(r"\[[0-9]+\]")


def _anchors(nodes: Iterable[FormNode]) -> frozenset[str]:
    found: set[str] = set()
    for node in nodes:
        found.add(node.anchor)
        found |= _anchors(node.children)
    return frozenset(found)


@cache
def form_anchors(kind: str) -> frozenset[str]:
    """The field anchors the ``study`` or ``image`` form has (the schema does not change)."""
    return _anchors(study_form() if kind == "study" else image_form())


def anchor_in(path: str, anchors: frozenset[str]) -> str | None:
    """The anchor of ``path`` in a form, or of its nearest enclosing field the form shows."""
    parts = path.split(".")
    while parts:
        anchor = anchor_of(".".join(parts))
        if anchor in anchors:
            return anchor
        parts.pop()
    return None


def _href(form: str, path: str, kind: str) -> str:
    anchor = anchor_in(path, form_anchors(kind))
    return f"{form}#{anchor}" if anchor else form


def _entry(item: MissingField, href: str | None) -> dict[str, Any]:
    return {
        "path": item.path,
        "tier": item.tier,
        "count": item.count,
        "of": item.of,
        "where": item.where,
        "href": href,
        "images": [],
    }


def panel_missing(completeness: Completeness, form: str | None) -> list[dict[str, Any]]:
    """A study's or an image's missing fields, each linked into ``form`` (``None``: no form)."""
    kind = "study" if completeness.kind == "study" else "image"
    return [
        _entry(item, None if form is None else _href(form, item.path, kind))
        for item in completeness.missing
    ]


def dataset_missing(
    completeness: Completeness,
    images: Sequence[ImageRecord],
    study: model.Study | None,
    *,
    root: str,
    project: str,
) -> list[dict[str, Any]]:
    """A dataset's missing fields, each linked to where it is filled.

    ``images`` are the dataset's images the panel was scored on.
    """
    from imagesteward.describe import image_completeness

    missing_in: dict[tuple[str, int], list[ImageRecord]] = {}
    for record in images:
        gaps = {
            (_POSITION.sub("[*]", item.path), item.tier)
            for item in image_completeness(record.document, record.uuid).missing
        }
        for gap in gaps:
            missing_in.setdefault(gap, []).append(record)
    study_form_url = f"{root}/projects/{quote(project, safe='')}/describe"
    entries = []
    for item in completeness.missing:
        held = _STUDY_HELD.get(item.path)
        if held is not None and not getattr(study, held, None):
            entries.append(_entry(item, _href(study_form_url, held, "study")))
            continue
        records = missing_in.get((item.path, item.tier), [])
        forms = [(r, f"{root}/images/{r.uuid}/describe") for r in records]
        entry = _entry(item, _href(forms[0][1], item.path, "image") if forms else None)
        entry["images"] = [
            {"name": r.name or r.uuid, "href": _href(form, item.path, "image")}
            for r, form in forms[:IMAGES_NAMED]
        ]
        if not forms and images:
            # A gap the per-image scores word differently: any image's form is the way in.
            entry["href"] = _href(f"{root}/images/{images[0].uuid}/describe", item.path, "image")
        entries.append(entry)
    return entries
