"""Where a missing field is filled: the spreadsheet column, the command, the API field.

The spreadsheet is the main way researchers describe many images at once, so a hint names its
sheet and column first; fields the spreadsheet does not carry (instrument facts the file did
not record) are filled image by image with ``steward describe annotate``.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from imagesteward import model

__all__ = ["IMAGE_COLUMNS", "STUDY_SHEETS", "fill_hint"]

#: Editable image columns of the spreadsheet, by field path (``[*]``: every channel).
IMAGE_COLUMNS = {
    "biosample_ref": "biosample_ref",
    "specimen_ref": "specimen_ref",
    "acquisition.imaging_method": "imaging_method",
    "channels[*].fluorophore": "channel N fluorophore",
}

#: The sheet that holds each list of the study, by the list's slot.
STUDY_SHEETS = {
    "authors": "authors",
    "biosamples": "biosamples",
    "specimens": "specimens",
    "study_components": "components",
}

_POSITION = re.compile(r"\[[0-9*]+\]")


def fill_hint(root: type[BaseModel], path: str) -> str:
    """A sentence saying where to fill ``path`` of a ``root`` document (Image or Study)."""
    general = _POSITION.sub("[*]", path)
    if root is model.Image:
        for field, column in IMAGE_COLUMNS.items():
            if general == field or general.startswith(f"{field}."):
                return (
                    f"spreadsheet: images sheet, column '{column}' (steward describe export); "
                    f"API: annotate_images field {field}"
                )
        return (
            f"not recorded in the original file: steward describe annotate IMAGE --set "
            f"{general}=VALUE; API: annotate_images field {general}"
        )
    steps = _POSITION.sub("", path).split(".")
    api = f"API: save_study field {general}"
    if steps[0] == "specimens" and len(steps) > 2 and steps[1] == "labels":
        return f"spreadsheet: labels sheet, column '{'.'.join(steps[2:])}'; {api}"
    sheet = STUDY_SHEETS.get(steps[0])
    if sheet is not None and len(steps) > 1:
        return f"spreadsheet: {sheet} sheet, column '{'.'.join(steps[1:])}'; {api}"
    if sheet is not None:
        return f"spreadsheet: {sheet} sheet (one row each); {api}"
    return f"spreadsheet: study sheet, row '{'.'.join(steps)}'; {api}"
