"""Originals that are already OME-Zarr: registered as their own rendition, not converted again.

The store keeps an ingested folder immutable and content-addressed, so a stored OME-Zarr that
passes :func:`imagesteward.convert.validate_ome_zarr` can serve as the rendition as it is. The
image groups are enumerated in the order the OME-Zarr reader numbers its series (a root image;
bioformats2raw groups as ``OME/`` lists them or ``0, 1, ...``; plate wells, then their fields)
and each must have the shape the catalog recorded, so a series is never paired with the wrong
group.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imagesteward.catalog import ImageRecord
    from imagesteward.ingest.renditions import RenditionOutcome
    from imagesteward.installation import Installation

__all__ = ["register_ome_zarr"]

_ZARR_DOCUMENTS = ("zarr.json", ".zgroup", ".zattrs")


def register_ome_zarr(
    installation: Installation, records: Sequence[ImageRecord], primary_sha256: str
) -> tuple[RenditionOutcome | None, str]:
    """Record the stored OME-Zarr of ``records`` as their rendition if it is valid.

    Returns the outcome when it was registered; otherwise ``None`` and why it was not (empty
    when the original is not an OME-Zarr at all), for the conversion's report.
    """
    from imagesteward.catalog import RenditionInput
    from imagesteward.convert import validate_ome_zarr
    from imagesteward.ingest.renditions import RenditionOutcome

    path = installation.store.content_path(primary_sha256)
    if not path.is_dir() or not any((path / name).is_file() for name in _ZARR_DOCUMENTS):
        return None, ""
    newest = installation.catalog.renditions(records[0].id)
    if newest and newest[0].url != str(path):
        # Converted on request (--rewrite) before: that conversion stays the one served.
        return None, ""
    if installation.store.get(primary_sha256).in_place:
        # Registered in place, the folder stays where the user keeps it and may change; a
        # rendition must not, so it gets a converted copy.
        return None, "the OME-Zarr original is kept in place, outside the store; converted"
    problems = validate_ome_zarr(path)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return None, f"the input OME-Zarr is not valid, so it was converted: {problems[0]}{more}"
    try:
        found = _images(path)
    except (KeyError, TypeError, ValueError) as exc:
        return None, f"the input OME-Zarr's image groups could not be listed ({exc}); converted"
    inputs = []
    for record in records:
        index = record.document.series_index
        if index >= len(found):
            return None, f"the input OME-Zarr has no image group for series {index}; converted"
        group, levels = found[index]
        if tuple(levels[0]) != tuple(record.structure.shape):
            return None, (
                f"image group {group or '/'} has shape {levels[0]}, the catalog "
                f"{record.structure.shape}; converted"
            )
        inputs.append((record.id, group, levels))
    layout, version, zarr_format = _describe(path)
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    installation.catalog.add_renditions(
        [
            RenditionInput(
                image_id=image_id,
                url=str(path),
                series_path=group,
                layout=layout,
                ngff_version=version,
                zarr_format=zarr_format,
                levels=[list(level) for level in levels],
                bytes_written=size,
                # The original is immutable and content-addressed: its digest identifies
                # the rendition's bytes as well as a conversion plan would.
                plan=primary_sha256,
            )
            for image_id, group, levels in inputs
        ]
    )
    ids = tuple(r.id for r in records)
    message = (
        f"{layout}, NGFF {version}, {len(inputs)} image(s): the original is a valid OME-Zarr, "
        "registered as it is (convert with --rewrite to write a new one)"
    )
    note = "registered as it is: the original is a valid OME-Zarr"
    return RenditionOutcome(ids, "registered", str(path), message, note=note), ""


def _open(path: Path) -> Any:
    import zarr

    return zarr.open_group(zarr.storage.LocalStore(path, read_only=True), mode="r")


def _ngff(group: Any) -> dict[str, Any]:
    attrs = dict(group.attrs)
    ome = attrs.get("ome")
    return dict(ome) if group.metadata.zarr_format == 3 and isinstance(ome, dict) else attrs


def _describe(path: Path) -> tuple[str, str, int]:
    """Layout name, NGFF version and Zarr format of a validated hierarchy."""
    group = _open(path)
    ngff = _ngff(group)
    zarr_format = int(group.metadata.zarr_format)
    if "plate" in ngff:
        layout = "plate"
    elif "bioformats2raw.layout" in ngff:
        layout = "bioformats2raw"
    else:
        layout = "image"
    version = ngff.get("version")
    if not isinstance(version, str):  # NGFF 0.4 puts it inside multiscales / plate
        entry = ngff.get("plate") or (ngff.get("multiscales") or [{}])[0]
        version = entry.get("version") if isinstance(entry, dict) else None
    if not isinstance(version, str) and layout == "bioformats2raw":
        version = str(_ngff(group["0"]).get("multiscales", [{}])[0].get("version", "0.4"))
    return layout, str(version or ("0.5" if zarr_format == 3 else "0.4")), zarr_format


def _images(path: Path) -> list[tuple[str, list[tuple[int, ...]]]]:
    """Each image group with the shapes of its resolution levels, in series order."""
    group = _open(path)
    ngff = _ngff(group)
    if "multiscales" in ngff:
        paths = [""]
    elif "plate" in ngff:
        paths = []
        for well in ngff["plate"]["wells"]:
            fields = _ngff(group[well["path"]])["well"]["images"]
            paths += [f"{well['path']}/{field['path']}" for field in fields]
    else:
        listed = _ngff(group["OME"]).get("series") if "OME" in group else None
        paths = [str(p) for p in listed] if isinstance(listed, list) else []
        while not isinstance(listed, list) and str(len(paths)) in group:
            paths.append(str(len(paths)))
    found = []
    for name in paths:
        image = group[name] if name else group
        datasets = _ngff(image)["multiscales"][0]["datasets"]
        levels = [tuple(int(n) for n in image[d["path"]].shape) for d in datasets]
        found.append((name, levels))
    return found
