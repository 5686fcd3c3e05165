"""The OME-XML of a bioformats2raw OME-Zarr merged into the series read from NGFF.

``OME/METADATA.ome.xml`` carries what NGFF cannot: image names and descriptions, channel
acquisition settings, the instrument. The NGFF attributes describe the arrays as stored, so
for dimensions, pixel type and calibration they win; every disagreement becomes a capture note.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesteward.errors import CorruptFileError, UnsupportedFormatError
from imagesteward.formats._ome import images_from_ome, parse_ome
from imagesteward.formats._zarr_layout import Layout
from imagesteward.formats.reader import ReadContext
from imagesteward.model import Channel, Image, SeriesInfo

if TYPE_CHECKING:
    import ome_types

__all__ = ["enrich_from_ome"]

# Image fields that describe the stored arrays: NGFF is authoritative for them.
_STORED = (
    "series_index",
    "file_format",
    "reader",
    "axes",
    "size_t",
    "size_c",
    "size_z",
    "size_y",
    "size_x",
    "samples_per_pixel",
    "extra_dimensions",
    "pixel_type",
    "resolution_levels",
)
_CALIBRATION = ("physical_size_x", "physical_size_y", "physical_size_z", "time_increment")


def enrich_from_ome(
    series: list[SeriesInfo], layout: Layout, xml: bytes, path: Path, context: ReadContext
) -> list[SeriesInfo]:
    """Merge the OME-XML ``Image`` of each series into it (NGFF wins where they disagree)."""
    try:
        ome = parse_ome(xml, path, context)
    except (CorruptFileError, UnsupportedFormatError) as exc:
        # Unsafe or oversized XML is refused (those errors propagate); a broken one is not:
        # the pixels and the NGFF metadata are still good, only the extra metadata are lost.
        note = f"{path.name} could not be used: {exc.problem}"
        return [_with_notes(info, [note]) for info in series]
    mapped = images_from_ome(ome, file_format="ome-zarr", reader=series[0].image.reader or "")
    result = []
    for info, ref in zip(series, layout.images, strict=True):
        index = ref.ome_index
        if ref.well is not None:
            index = _plate_image_index(ome, ref.well)
        elif index is None and len(mapped) == 1:
            index = 0
        if index is None or not 0 <= index < len(mapped):
            result.append(
                _with_notes(
                    info,
                    [
                        f"{path.name} has no Image for this series ({len(mapped)} images); "
                        "NGFF metadata only"
                    ],
                )
            )
            continue
        ome_image, ome_notes = mapped[index]
        result.append(_merge(info, ome_image, [*ome_notes, f"OME-XML Image #{index} merged"]))
    return result


def _with_notes(info: SeriesInfo, extra: list[str]) -> SeriesInfo:
    notes = [*info.notes, *extra]
    image = info.image.model_copy(update={"capture_notes": notes})
    return SeriesInfo(image=image, structure=info.structure, notes=notes)


def _plate_image_index(ome: ome_types.OME, well: tuple[int, int, int]) -> int | None:
    row, column, position = well
    ids = {image.id: i for i, image in enumerate(ome.images)}
    for plate in ome.plates:
        for candidate in plate.wells:
            if candidate.row == row and candidate.column == column:
                samples = sorted(candidate.well_samples, key=lambda s: s.index)
                reference = samples[position].image_ref if position < len(samples) else None
                return None if reference is None else ids.get(reference.id)
    return None


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return not math.isclose(a, b, rel_tol=1e-6)
    return bool(a != b)


def _merge(info: SeriesInfo, ome_image: Image, ome_notes: list[str]) -> SeriesInfo:
    ngff = info.image
    notes = [*info.notes]
    merged: dict[str, Any] = ome_image.model_dump()
    stored = ngff.model_dump(include=set(_STORED))
    for key in _STORED:
        ours, theirs = getattr(ngff, key), getattr(ome_image, key)
        if key in ("size_t", "size_c", "size_z", "size_y", "size_x", "pixel_type") and (
            theirs is not None and _differs(ours, theirs)
        ):
            notes.append(
                f"OME-XML gives {key} {theirs} but the stored arrays have {ours}; "
                "the NGFF value is kept"
            )
        merged[key] = stored[key]
    for key in _CALIBRATION:
        ours, theirs = getattr(ngff, key), getattr(ome_image, key)
        dim = "T" if key == "time_increment" else key[-1].upper()
        if ours is not None:
            if theirs is not None and _differs(ours, theirs):
                notes.append(
                    f"OME-XML gives {key} {theirs} but the NGFF scale gives {ours}; "
                    "the NGFF value is kept"
                )
            merged[key] = ours
        elif theirs is not None and (dim in "XY" or info.structure.size(dim) > 1):
            notes.append(f"{key} {theirs} taken from the OME-XML: the NGFF metadata give none")
            merged[key] = theirs
        else:
            if theirs is not None:
                notes.append(
                    f"OME-XML {key} {theirs} not recorded: the axis holds a single "
                    f"{'time point' if dim == 'T' else 'plane'}, so there is no spacing"
                )
            merged[key] = None
    if ngff.physical_sizes_as_stored:
        merged["physical_sizes_as_stored"] = [q.model_dump() for q in ngff.physical_sizes_as_stored]
    if ome_image.significant_bits is not None and ome_image.pixel_type != ngff.pixel_type:
        merged["significant_bits"] = None
    if ngff.name is not None:
        if ome_image.name is not None and ome_image.name != ngff.name:
            notes.append(f"OME-XML image name {ome_image.name!r}")
        merged["name"] = ngff.name
    merged["channels"] = [c.model_dump() for c in _channels(ngff, ome_image, notes)]
    notes.extend(n for n in ome_notes if n not in notes)
    merged["capture_notes"] = notes
    return SeriesInfo(image=Image.model_validate(merged), structure=info.structure, notes=notes)


def _channels(ngff: Image, ome_image: Image, notes: list[str]) -> list[Channel]:
    """OME-XML channels (acquisition settings) with omero names and colours when present."""
    ours = ngff.channels or []
    theirs = ome_image.channels or []
    if len(theirs) != len(ours):
        notes.append(
            f"OME-XML lists {len(theirs)} channel(s), the arrays hold {len(ours)}; "
            "OME-XML channel settings are matched by position"
        )
    channels = []
    for index, display in enumerate(ours):
        if index >= len(theirs):
            channels.append(display)
            continue
        fields = theirs[index].model_dump()
        fields["channel_index"] = index
        for key in ("name", "color"):
            value = getattr(display, key)
            if value is None:
                continue
            if fields.get(key) not in (None, value):
                notes.append(
                    f"channel {index} {key}: omero {value!r}, OME-XML {fields[key]!r}; omero kept"
                )
            fields[key] = value
        channels.append(Channel.model_validate(fields))
    return channels
