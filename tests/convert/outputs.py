"""Reading conversion outputs in tests: pixels through zarr-python, metadata as plain JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import zarr


def level(root: Path, image: str = "", number: int = 0) -> np.ndarray:
    """Pixels of one level of an image group, read by zarr-python."""
    path = f"{image}/{number}" if image else str(number)
    return np.asarray(zarr.open_array(root, path=path, mode="r")[...])


def attributes(root: Path, group: str = "") -> dict[str, Any]:
    """A group's attributes (``zarr.json`` or ``.zattrs``)."""
    base = root / group if group else root
    if (base / "zarr.json").is_file():
        document = json.loads((base / "zarr.json").read_text(encoding="utf-8"))
        return dict(document.get("attributes", {}))
    return dict(json.loads((base / ".zattrs").read_text(encoding="utf-8")))


def ngff(root: Path, group: str = "") -> dict[str, Any]:
    """The NGFF metadata of a group (``attributes.ome`` in 0.5, the attributes in 0.4)."""
    attrs = attributes(root, group)
    return dict(attrs.get("ome", attrs))
