"""NGFF metadata of the written images, plates and collections (0.4 and 0.5 spellings).

Rules: axes carry units only when the model document has the calibration (``micrometer`` for
lengths, ``second`` for time); an uncalibrated axis keeps scale 1 per pixel and no unit. Lower
levels add the pixel-centre translation ``(factor - 1) / 2`` (in level-0 units) that a block
mean implies. ``omero`` holds rendering hints: labels from the channel names, colours from
the document or the emission wavelength, windows from the streamed histograms.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import numpy as np

from imagesteward.convert._histogram import (
    CONTRAST_PERCENTILES,
    STRIDE,
    ChannelStats,
    contrast_window,
)

if TYPE_CHECKING:
    from imagesteward.convert._plan import ConversionPlan, SeriesPlan
    from imagesteward.convert._plate import PlateLayout
    from imagesteward.model import Image

__all__ = [
    "channel_labels",
    "group_documents",
    "image_attributes",
    "plate_attributes",
    "root_attributes",
    "scale_and_units",
    "software",
    "well_attributes",
]

_PALETTE = ("00FF00", "FF00FF", "00FFFF", "FF0000", "0000FF", "FFFF00")
_RGB = ("FF0000", "00FF00", "0000FF", "FFFFFF")


def software() -> str:
    """``imagesteward <version>``, as recorded in the metadata."""
    try:
        return f"imagesteward {version('imagesteward')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "imagesteward"


def group_documents(attributes: dict[str, Any], zarr_format: int) -> dict[str, bytes]:
    """The metadata file(s) of a group with ``attributes``, keyed by name."""

    def dump(value: Any) -> bytes:
        return json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")

    if zarr_format == 3:
        return {
            "zarr.json": dump({"zarr_format": 3, "node_type": "group", "attributes": attributes})
        }
    return {".zgroup": dump({"zarr_format": 2}), ".zattrs": dump(attributes)}


def _ome(plan: ConversionPlan, body: dict[str, Any]) -> dict[str, Any]:
    if plan.zarr_format == 3:
        return {"ome": {"version": plan.ngff_version, **body}}
    return body


def scale_and_units(series: SeriesPlan, image: Image) -> tuple[list[float], list[str | None]]:
    """Level-0 pixel size and unit per axis; 1.0 and no unit where uncalibrated."""
    sizes = {"x": image.physical_size_x, "y": image.physical_size_y, "z": image.physical_size_z}
    scale: list[float] = []
    units: list[str | None] = []
    for axis in series.axes.axes:
        if axis == "t":
            value = image.time_increment
            known = value is not None and value > 0
            scale.append(float(value) if known and value is not None else 1.0)
            units.append("second" if known else None)
        elif axis == "c":
            scale.append(1.0)
            units.append(None)
        else:
            value = sizes[axis]
            scale.append(float(value) if value else 1.0)
            units.append("micrometer" if value else None)
    return scale, units


def _axes(series: SeriesPlan, units: Sequence[str | None]) -> list[dict[str, str]]:
    kinds = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
    out = []
    for axis, unit in zip(series.axes.axes, units, strict=True):
        entry = {"name": axis, "type": kinds[axis]}
        if unit:
            entry["unit"] = unit
        out.append(entry)
    return out


def _number(value: float) -> float:
    return float(f"{value:.12g}")


def multiscale(plan: ConversionPlan, series: SeriesPlan, image: Image, name: str) -> dict[str, Any]:
    """One ``multiscales`` entry."""
    scale, units = scale_and_units(series, image)
    datasets = []
    for level in series.levels:
        transforms: list[dict[str, Any]] = [
            {
                "type": "scale",
                "scale": [_number(s * f) for s, f in zip(scale, level.cumulative, strict=True)],
            }
        ]
        if any(f > 1 for f in level.cumulative):
            transforms.append(
                {
                    "type": "translation",
                    "translation": [
                        _number(s * (f - 1) / 2)
                        for s, f in zip(scale, level.cumulative, strict=True)
                    ],
                }
            )
        datasets.append({"path": level.path, "coordinateTransformations": transforms})
    entry: dict[str, Any] = {
        "name": name,
        "type": series.method,
        "axes": _axes(series, units),
        "datasets": datasets,
        "metadata": {
            "method": f"imagesteward.convert 2x {series.method}",
            "version": software(),
            "description": (
                "block mean, integers rounded half up"
                if series.method == "mean"
                else "most frequent value of each block, ties to the first"
            ),
        },
    }
    if plan.zarr_format == 2:
        entry["version"] = plan.ngff_version
    return entry


def channel_labels(series: SeriesPlan, image: Image) -> list[dict[str, Any]]:
    """Per output channel: its folded source indices, label, colour, and stored name.

    ``label`` always reads well (``"Channel 2"`` where the file names none); ``name`` is only
    what the file says (plus the extra-dimension position), ``None`` otherwise.
    """
    by_index = {c.channel_index: c for c in image.channels or []}
    sources = series.axes.channel_sources() or [{}]
    samples = dict(zip(series.axes.fold_dims, series.axes.fold_sizes, strict=True)).get("S", 1)
    source_channels = {s.get("C", 0) for s in sources}
    out = []
    for c, source in enumerate(sources):
        index = source.get("C", 0)
        channel = by_index.get(index)
        name = channel.name if channel and channel.name else None
        extras = [f"{d}={v}" for d, v in source.items() if d not in ("C", "S")]
        rgb = samples in (3, 4) and "S" in source
        parts = (
            [name] if name else ([] if rgb and len(source_channels) == 1 else [f"Channel {index}"])
        )
        if "S" in source:
            s_index = source["S"]
            parts.append("RGBA"[s_index] if samples in (3, 4) else f"sample {s_index}")
        parts += extras
        colour = None
        if channel is not None and channel.color:
            colour = channel.color.lstrip("#").upper()
        elif channel is not None and (channel.emission_wavelength or channel.excitation_wavelength):
            wavelength = channel.emission_wavelength or channel.excitation_wavelength
            colour = wavelength_colour(float(wavelength or 0))
        if samples in (3, 4) and "S" in source:
            colour = _RGB[source["S"]]
        elif colour is None:
            colour = "FFFFFF" if len(source_channels) == 1 else _PALETTE[index % len(_PALETTE)]
        extras_zero = all(v == 0 for d, v in source.items() if d not in ("C", "S"))
        out.append(
            {
                "c": c,
                "source": source,
                "label": " ".join(parts),
                "name": " ".join([name, *extras]) if name else (" ".join(extras) or None),
                "color": colour,
                "active": extras_zero,
            }
        )
    return out


def wavelength_colour(nm: float) -> str:
    """Display colour of a wavelength (visible spectrum approximation, full brightness)."""
    nm = min(max(nm, 380.0), 750.0)
    if nm < 440:
        rgb = (-(nm - 440) / 60, 0.0, 1.0)
    elif nm < 490:
        rgb = (0.0, (nm - 440) / 50, 1.0)
    elif nm < 510:
        rgb = (0.0, 1.0, -(nm - 510) / 20)
    elif nm < 580:
        rgb = ((nm - 510) / 70, 1.0, 0.0)
    elif nm < 645:
        rgb = (1.0, -(nm - 645) / 65, 0.0)
    else:
        rgb = (1.0, 0.0, 0.0)
    top = max(rgb)
    return "".join(f"{round(255 * v / top):02X}" for v in rgb)


def omero(series: SeriesPlan, image: Image, stats: dict[int, ChannelStats]) -> dict[str, Any]:
    """Rendering hints."""
    dtype = np.dtype(series.dtype)
    channels = []
    labels = channel_labels(series, image)
    for entry in labels:
        window = contrast_window(stats.get(entry["c"], ChannelStats.empty()), dtype)
        channels.append(
            {
                "label": entry["label"],
                "color": entry["color"],
                "window": window,
                "active": entry["active"],
                "coefficient": 1.0,
                "family": "linear",
                "inverted": False,
            }
        )
    sizes = dict(zip(series.axes.axes, series.levels[0].shape, strict=True))
    return {
        "channels": channels,
        "rdefs": {
            "defaultT": 0,
            "defaultZ": sizes.get("z", 1) // 2,
            "model": "color" if len(channels) > 1 else "greyscale",
        },
    }


def image_attributes(
    plan: ConversionPlan,
    series: SeriesPlan,
    image: Image,
    stats: dict[int, ChannelStats],
    *,
    root: bool,
) -> dict[str, Any]:
    """Attributes of an image group: ``multiscales``, ``omero`` and ``imagesteward``."""
    name = image.name or f"series {series.source_series}"
    labels = channel_labels(series, image)
    extra: dict[str, Any] = {
        "version": 1,
        "image": image.model_dump(mode="json", exclude_none=True),
        "mapping": series.axes.describe(),
        "channels": [{"c": e["c"], "source": e["source"], "label": e["label"]} for e in labels]
        if "c" in series.axes.axes
        else [],
        "pyramid": {
            "method": series.method,
            "factors": [list(level.factors) for level in series.levels],
        },
        "contrast": {
            "percentiles": list(CONTRAST_PERCENTILES),
            "sample": f"every {STRIDE}th pixel along the two in-plane axes of level 0",
        },
        "codec": {
            "compressor": series.codec.compressor,
            "clevel": series.codec.clevel,
            "shuffle": series.codec.shuffle,
        },
    }
    if root:
        extra["conversion"] = conversion_record(plan)
    body = {
        "multiscales": [multiscale(plan, series, image, name)],
        "omero": omero(series, image, stats),
    }
    return {**_ome(plan, body), "imagesteward": extra}


def conversion_record(plan: ConversionPlan) -> dict[str, Any]:
    """Written with the root metadata, last: the conversion is complete when it is there."""
    return {"plan": plan.key, "software": software(), "source": plan.source}


def root_attributes(
    plan: ConversionPlan, plate: PlateLayout | None, fallback_name: str
) -> dict[str, Any]:
    """Attributes of a collection's or a plate's root group."""
    body: dict[str, Any] = (
        {"bioformats2raw.layout": 3}
        if plate is None
        else {"plate": plate_attributes(plan, plate, fallback_name)}
    )
    return {**_ome(plan, body), "imagesteward": {"conversion": conversion_record(plan)}}


def ome_group_attributes(plan: ConversionPlan) -> dict[str, Any]:
    """The ``OME`` group: the image paths in OME-XML order (bioformats2raw ``series``)."""
    if plan.layout == "image":
        return {}
    return _ome(plan, {"series": [s.group for s in plan.series]})


def plate_attributes(
    plan: ConversionPlan, plate: PlateLayout, fallback_name: str
) -> dict[str, Any]:
    """The NGFF ``plate`` object (named after the source file when the layout has no name)."""
    rows, columns = list(plate.row_names), list(plate.column_names)
    wells = plate.wells()
    body: dict[str, Any] = {"name": plate.name or fallback_name}
    acquisitions = sorted({f.acquisition for f in plate.fields if f.acquisition is not None})
    if acquisitions:
        body["acquisitions"] = [
            {
                "id": a,
                "name": f"acquisition {a}",
                "maximumfieldcount": max(
                    sum(1 for f in fields if f.acquisition == a) for fields in wells.values()
                ),
            }
            for a in acquisitions
        ]
    body["columns"] = [{"name": c} for c in columns]
    body["rows"] = [{"name": r} for r in rows]
    body["wells"] = [
        {
            "path": path,
            "rowIndex": rows.index(path.split("/")[0]),
            "columnIndex": columns.index(path.split("/")[1]),
        }
        for path in wells
    ]
    body["field_count"] = max(len(fields) for fields in wells.values())
    # 0.4 requires it; ome-zarr-models 1.8 also wants it inside a 0.5 plate (the 0.5 schema
    # allows it there, beside ome.version).
    body["version"] = plan.ngff_version
    return body


def well_attributes(plan: ConversionPlan, plate: PlateLayout, well: str) -> dict[str, Any]:
    """The NGFF ``well`` object of one well."""
    paths = plate.image_paths()
    images = []
    for field in plate.wells()[well]:
        entry: dict[str, Any] = {"path": paths[field.series].rsplit("/", 1)[1]}
        if field.acquisition is not None:
            entry["acquisition"] = field.acquisition
        images.append(entry)
    body: dict[str, Any] = {"images": images}
    if plan.zarr_format == 2:
        body["version"] = plan.ngff_version
    return _ome(plan, {"well": body})
