"""OME-Zarr conversion: any readable series to NGFF 0.5 (Zarr v3) or 0.4 (Zarr v2).

Streaming within a memory bound, multiscale pyramids built from each region as it is read,
parallel on threads or a Dask cluster, local or fsspec (S3) destinations, resumable after an
interruption, validated before it is reported done::

    registry = default_registry()
    source, report = registry.open(path, ReadContext(allowed_roots=(path.parent,)))
    with source:
        result = to_ome_zarr(source, "image.ome.zarr",
                             source_spec=SourceSpec(str(path), report.chosen.name))
    assert not validate_ome_zarr(result.url)

Importing this package is cheap: numpy, zarr and the validators load with the first call of
:func:`to_ome_zarr` or :func:`validate_ome_zarr`. See ``docs/convert.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from imagesteward.convert._options import ConvertOptions
from imagesteward.convert._plate import PlateLayout, WellField
from imagesteward.convert._result import ConversionResult, SeriesResult
from imagesteward.convert._source import SourceSpec

if TYPE_CHECKING:
    from imagesteward.convert._engine import to_ome_zarr
    from imagesteward.convert._validate import validate_ome_zarr

__all__ = [
    "ConversionResult",
    "ConvertOptions",
    "PlateLayout",
    "SeriesResult",
    "SourceSpec",
    "WellField",
    "to_ome_zarr",
    "validate_ome_zarr",
]

_LAZY = {
    "to_ome_zarr": "imagesteward.convert._engine",
    "validate_ome_zarr": "imagesteward.convert._validate",
}


def __getattr__(name: str) -> Any:
    # The two functions pull in numpy and zarr; load them on first use (PEP 562).
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
