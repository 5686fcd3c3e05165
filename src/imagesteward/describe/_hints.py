"""Where a missing field is filled: the spreadsheet column, the command, the API field.

The spreadsheet is the main way researchers describe many images at once, so a hint names its
column first; fields the spreadsheet does not carry (instrument facts the file did not record)
are filled image by image with ``steward describe annotate``; study fields in the project's
study document.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from imagesteward import model

__all__ = ["IMAGE_COLUMNS", "fill_hint"]

#: Editable image columns of the spreadsheet, by field path (``[*]``: every channel).
IMAGE_COLUMNS = {
    "description": "description",
    "biosample_ref": "biosample_ref",
    "specimen_ref": "specimen_ref",
    "acquisition.imaging_method": "acquisition.imaging_method",
    "acquisition.temperature": "acquisition.temperature",
    "acquisition.co2_percent": "acquisition.co2_percent",
    "acquisition.operator": "acquisition.operator.name / .orcid",
    "channels[*].fluorophore": "channels[N].fluorophore",
}

_POSITION = re.compile(r"\[[0-9*]+\]")


def fill_hint(root: type[BaseModel], path: str) -> str:
    """A sentence saying where to fill ``path`` of a ``root`` document (Image or Study)."""
    general = _POSITION.sub("[*]", path)
    if root is model.Image:
        for field, column in IMAGE_COLUMNS.items():
            if general == field or general.startswith(f"{field}."):
                return (
                    f"spreadsheet column '{column}' (steward describe export PROJECT FILE, "
                    "edit, steward describe import FILE)"
                )
        return (
            f"not recorded in the original file: steward describe annotate IMAGE --set "
            f"{general}=VALUE"
        )
    # Study fields live in the project's study document (YAML or JSON, from a template).
    return f"study document, field {general} (steward describe study PROJECT FILE)"
